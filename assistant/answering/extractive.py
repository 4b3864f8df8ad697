"""The default answerer: no language model, only sentences that stand in the documents.

From the top passages it picks the sentences closest to the question (E5 similarity
of precomputed sentence vectors plus stemmed word overlap), drops near-duplicates,
keeps document order within a passage, stops at about 120 words, and cites each
sentence's passage. Nothing is paraphrased, so nothing can be invented.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from assistant.answering.citations import citation, status_notes
from assistant.answering.protocol import AnswerEvent, AnswerRequest, Delta, Final
from assistant.base.lexical import query_tokens
from assistant.base.prompts import text as ui_text
from assistant.base.settings import Settings
from assistant.base.text import chunk_sentences, content_tokens, is_injection, sentence_intros
from assistant.base.types import Answer, Citation, Passage


@dataclass
class Picked:
    passage: Passage
    index: int
    text: str
    score: float
    intro: int | None = None
    tokens: frozenset[str] = frozenset()


MIN_WORDS = 4
# Weights of the sentence score; chosen on eval/corpus_cases.yaml (dev set) and checked on
# eval/public.yaml, see README "Evaluation".
W_OVERLAP = 0.1
W_PASSAGE = 0.5
CUTOFF = 0.12
MAX_SENTENCES = 4
_QUANTITY_Q = re.compile(
    r"\b(hoeveel|hoe ?veel|hoe hoog|hoe lang|hoe duur|wat kost|kosten|bedrag|salaris\w*|percentage|"
    r"how (much|many|long|high)|what does it cost|amount|salary|threshold|fee|fees|when|wanneer|welk jaar|"
    r"sinds wanneer|tot wanneer|leeftijd|age|rente|interest)\b",
    re.I,
)
_HAS_NUMBER = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MONEY = re.compile(r"€|\beuro\b|\bEUR\b|miljoen|miljard|\bmln\b", re.I)


# Sentences about the text itself ("Deze pagina vat … samen") inform no one.
_META = re.compile(
    r"\b(deze pagina|dit document|deze tekst|dit overzicht|hieronder|hierboven|lees (dan )?verder|"
    r"samenvatting in eigen woorden|daarna staan|zie (ook )?\"|this page)\b",
    re.I,
)


def asks_quantity(question: str) -> bool:
    """Questions after an amount, count or date favour sentences that contain one."""
    return bool(_QUANTITY_Q.search(question))


def pick_sentences(
    passages: list[Passage],
    sentence_vectors: dict[str, np.ndarray],
    qvec: np.ndarray,
    qtokens: list[str],
    max_words: int = 120,
    max_passages: int = 3,
    quantity: bool = False,
    idf: Callable[[str], float] | None = None,
    focus: set[str] | None = None,
) -> list[Picked]:
    """Best sentences of the best passages, deduplicated, in reading order.

    A sentence scores by E5 similarity to the question plus the IDF-weighted share of the
    question's (stemmed, glossary-widened) words it contains: rare words such as a year,
    an age or a scheme name decide between sentences the embedding finds equally close.
    """
    qset = set(qtokens)
    # In a follow-up the words of the new question ("en in 2026?") count double.
    weight = {t: (idf(t) if idf else 1.0) * (2.0 if focus and t in focus else 1.0) for t in qset}
    total = sum(weight.values()) or 1.0
    candidates: list[Picked] = []
    vec_of: dict[tuple[str, int], np.ndarray] = {}
    for rank, p in enumerate(passages[:max_passages]):
        sents = chunk_sentences(p.chunk.text)
        intros = sentence_intros(p.chunk.text)
        vecs = sentence_vectors.get(p.chunk.chunk_id)
        for i, s in enumerate(sents):
            if len(s.split()) < MIN_WORDS or is_injection(s):
                continue
            dense = float(vecs[i] @ qvec) if vecs is not None and i < len(vecs) else 0.75
            toks = frozenset(content_tokens(s))
            overlap = sum(weight[t] for t in toks & qset) / total
            prior = 0.04 * (max_passages - rank) / max_passages + 0.05 * min(p.score, 1.0) + W_PASSAGE * p.dense
            score = dense + W_OVERLAP * overlap + prior
            if quantity and _HAS_NUMBER.search(s):
                score += 0.08 + (0.03 if _MONEY.search(s) else 0.0)
            if s.endswith("?"):  # a rhetorical question in the text answers nothing
                score -= 0.5
            if _META.search(s):
                score -= 0.3
            candidates.append(Picked(p, i, s, score, intros[i] if i < len(intros) else None, toks))
            if vecs is not None and i < len(vecs):
                vec_of[(p.chunk.chunk_id, i)] = vecs[i]
    if not candidates:
        return []
    candidates.sort(key=lambda c: -c.score)
    best = candidates[0].score
    chosen: list[Picked] = []
    words = 0
    for c in candidates:
        if c.score < best - CUTOFF and chosen:
            break
        toks = c.tokens
        nums = set(_NUMBER.findall(c.text))
        dup = False
        for other in chosen:
            if nums != set(_NUMBER.findall(other.text)):
                continue  # parallel list items ("jonger dan 30: € 4.357", "30+: € 5.942") are not repeats
            ot = other.tokens
            if toks and len(toks & ot) / len(toks | ot) > 0.6:
                dup = True
            a, b = (
                vec_of.get((c.passage.chunk.chunk_id, c.index)),
                vec_of.get((other.passage.chunk.chunk_id, other.index)),
            )
            if a is not None and b is not None and float(a @ b) > 0.95:
                dup = True
        if dup:
            continue
        n = len(c.text.split())
        if chosen and words + n > max_words:
            continue
        chosen.append(c)
        words += n
        if words >= max_words or len(chosen) >= MAX_SENTENCES:
            break
    # A list item quoted without its intro ("… gelden deze leges:") is a fragment.
    have = {(c.passage.chunk.chunk_id, c.index) for c in chosen}
    for c in list(chosen):
        if c.intro is not None and (c.passage.chunk.chunk_id, c.intro) not in have:
            intro_text = chunk_sentences(c.passage.chunk.text)[c.intro]
            chosen.append(Picked(c.passage, c.intro, intro_text, c.score, tokens=frozenset(content_tokens(intro_text))))
            have.add((c.passage.chunk.chunk_id, c.intro))
    order = {p.chunk.chunk_id: r for r, p in enumerate(passages)}
    chosen.sort(key=lambda c: (order[c.passage.chunk.chunk_id], c.index))
    return chosen


class ExtractiveAnswerer:
    """The default answerer: quotes the best sentences of the best passages, each cited."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def compose(self, request: AnswerRequest) -> Answer:
        """The answer without timings: used on its own and as the LLM answerer's fallback."""
        retrieval, lang = request.retrieval, request.lang
        passages = retrieval.passages
        picked = pick_sentences(
            passages,
            request.sentence_vectors(passages[:3]),
            retrieval.query_vector,
            retrieval.query_tokens,
            self.settings.answer_words,
            quantity=asks_quantity(request.query),
            idf=request.idf,
            focus=set(query_tokens(request.question)) if request.followup else None,
        )
        if not picked:  # passages without usable sentences: quote the best passage's start
            picked_texts = [(passages[0], passages[0].chunk.text[:400])]
        else:
            picked_texts = [(p.passage, p.text) for p in picked]
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        body: list[str] = []
        for passage, sentence in picked_texts:
            cid = passage.chunk.chunk_id
            if cid not in numbers:
                numbers[cid] = len(numbers) + 1
                citations.append(citation(numbers[cid], passage))
            body.append(f"{sentence} [{numbers[cid]}]")
        prompts = self.settings.prompts_dir
        lines = [ui_text("lead_in_followup" if request.followup else "lead_in", lang, prompts), " ".join(body)]
        lines.extend(status_notes(citations, passages, lang, prompts))
        return Answer(
            question=request.question,
            text="\n".join(lines),
            citations=citations,
            abstained=False,
            lang=lang,
            mode="extractive",
            passages=passages,
            search_query=request.query,
        )

    def stream(self, request: AnswerRequest) -> Iterator[AnswerEvent]:
        answer = self.compose(request)
        for line in answer.text.split("\n"):
            yield Delta(line + "\n")
        answer.timings_ms = dict(request.retrieval.timings_ms) | {
            "total_ms": (time.perf_counter() - request.started) * 1000
        }
        yield Final(answer)
