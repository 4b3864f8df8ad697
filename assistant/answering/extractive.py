"""The default answerer: no language model, only text that stands in the documents.

It answers with what was asked, first. From the best passages it builds coherent units (a
sentence, a list item with its intro, an intro with its items, a sentence with the one it
leans on; see :mod:`assistant.answering.units`) and scores each by

- how close it is to the question (E5 similarity of the sentence vectors stored at ingest),
- the IDF-weighted share of the question's words it holds (rare words — a scheme's name, a
  year — decide between sentences the embedding finds equally close),
- whether it holds the kind of answer asked and meets the asker's constraints
  (:mod:`assistant.answering.asked`: an amount, an age rule that includes the asker's age,
  the asked year's row),
- how good its passage is.

The best unit is the lead; a few more that add something new follow as points, up to about
``answer_words`` words; near-repeats are dropped. Nothing is paraphrased, so nothing can be
invented. The result is data (:class:`~assistant.base.types.Statement` lead, points,
notices); ``Answer.text`` is the same as plain text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answering.asked import ASK_STEMS, SPECIFIC_KINDS, Asked, age_rule_includes, analyse
from assistant.answering.citations import citation, status_notes
from assistant.answering.contacts import contacts_for
from assistant.answering.protocol import AnswerEvent, AnswerRequest, Delta, Final
from assistant.answering.units import CHUNK_CACHE, Sentence, list_items, passage_sentences, unit_for
from assistant.base.lexical import query_tokens
from assistant.base.prompts import text as ui_text
from assistant.base.settings import Settings
from assistant.base.text import token_set
from assistant.base.types import Answer, Chunk, Citation, Passage, Statement

# Weights of the score; the first three were chosen on the tuning sets (eval/corpus_cases.yaml,
# eval/users_dev.yaml) and checked on the checking sets (eval/public.yaml, eval/users.yaml).
W_OVERLAP = 0.1
W_PASSAGE = 0.5
W_SECTION = 0.15
W_SALARY_HEADING = 0.08  # as Asked.fit weighs a salary named in the text itself
W_TOPIC = 0.08  # a passage without the question's rarest words (the scheme it names) is context at best
RARE_IDF = 2.0
W_BOILERPLATE = 0.12  # a template line repeated across documents
W_STATUS = 0.12  # an ended scheme or a plan, when the question is not about either
W_SHORT = 0.04
W_ONE_ROW = 0.1  # the question's words in the title and heading ("Levenlanglerenkrediet", "Hoeveel kun je lenen?")
W_LIST = 0.08  # options asked and a list whose intro names what is asked
W_LENGTH, LONG_WORDS = 0.001, 60  # a long unit pushes the rest of the answer down
LEAD_WORDS, SHORT_WORDS, SWAP_MARGIN = 40, 30, 0.05  # a lead longer than 40 words gives way to a short, close point
W_CONDITION = 0.05  # a unit for a case the asker did not mention ("Heb je X? Dan …")
W_RESTATES = 0.08  # "Make IT Work is een route …" to someone who asked about its entry test
CUTOFF = 0.12
MAX_UNITS = 4  # the lead and up to three points, within answer_words (5 gave more facts but median ~100 words)
MAX_PASSAGES = 5
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass
class Unit:
    """A candidate piece of the answer: sentences of one passage, in reading order."""

    passage: Passage
    rank: int  # the passage's rank (0 = best)
    members: tuple[int, ...]
    sentences: Sequence[Sentence]
    score: float
    tokens: frozenset[str]
    vector: np.ndarray | None
    context: frozenset[str] = frozenset()  # tokens of the passage's title, heading and text
    fit: float = 0.0  # the part of ``score`` that says it holds the asked kind (Asked.fit)
    conflict: bool = False  # a row for another year or age than the asker's

    @property
    def is_list(self) -> bool:
        return any(self.sentences[m].item for m in self.members)

    @property
    def words(self) -> int:
        return sum(len(self.sentences[m].text.split()) for m in self.members)

    @property
    def text(self) -> str:
        return " ".join(self.sentences[m].text for m in self.members)

    def statement(self, n: int) -> Statement:
        head = [self.sentences[m].text for m in self.members if not self.sentences[m].item]
        lines: dict[int, list[str]] = {}  # an item may hold more than one sentence
        for m in self.members:
            if self.sentences[m].item:
                lines.setdefault(self.sentences[m].line, []).append(self.sentences[m].text)
        items = [" ".join(parts).rstrip(";,") for parts in lines.values()]
        if not head:  # an item of a list without an intro reads as a sentence of its own
            return Statement(text=items[0], citations=[n], items=items[1:])
        return Statement(text=" ".join(head), citations=[n], items=items)


def rare_tokens(request: AnswerRequest, indexed: dict[str, frozenset[str]]) -> frozenset[str]:
    """The question's subject words: rare in the corpus, found in a passage, not ask words
    ("levenlanglerenkrediet", "stap" — not "leeftijd", "kost")."""
    qset = set(request.retrieval.query_tokens) - ASK_STEMS
    return frozenset(t for t in qset if request.idf(t) >= RARE_IDF and any(t in toks for toks in indexed.values()))


def same_language(passage: Passage, lang: str) -> bool:
    """Is the passage written in the question's language (words can match)?"""
    return str(passage.chunk.meta.get("language") or "nl") == lang


def _scored_sentences(
    request: AnswerRequest, passages: Sequence[Passage], vectors: dict[str, np.ndarray], asked: Asked
) -> list[tuple[Passage, int, Sequence[Sentence], np.ndarray, np.ndarray | None]]:
    """Per passage: its sentences, each sentence's base score, and their vectors."""
    retrieval = request.retrieval
    qvec = retrieval.query_vector
    qset = set(retrieval.query_tokens)
    focus = set(query_tokens(request.question)) if request.followup else set()
    weight = {t: request.idf(t) * (2.0 if t in focus else 1.0) for t in qset}
    total = sum(weight.values()) or 1.0
    indexed = {p.chunk.chunk_id: token_set(p.chunk.indexed_text) for p in passages}
    rare = rare_tokens(request, indexed)
    # A passage in another language cannot share the question's words: it gets the mean word
    # overlap of the passages that can, so an off-topic passage in the question's language does
    # not win on words alone (an English question over Dutch programme text).
    own = [p for p in passages if same_language(p, request.lang)]
    cross_section = cross_overlap = 0.0
    if own and len(own) < len(passages):
        shares = [
            sum(weight[t] for t in token_set(f"{p.chunk.title} {p.chunk.section or ''}") & qset) / total for p in own
        ]
        overlaps = [
            sum(weight[t] for t in token_set(x.text) & qset) / total
            for p in own
            for x in passage_sentences(p.chunk.text)
        ]
        cross_section = sum(shares) / len(shares)
        cross_overlap = sum(overlaps) / len(overlaps) if overlaps else 0.0
    out: list[tuple[Passage, int, Sequence[Sentence], np.ndarray, np.ndarray | None]] = []
    for p in passages:
        cross = bool(own) and not same_language(p, request.lang)
        rank = min(p.rank - 1, MAX_PASSAGES - 1) if p.rank else 0
        sentences = passage_sentences(p.chunk.text)
        if not sentences:
            continue
        vecs = vectors.get(p.chunk.chunk_id)
        if vecs is not None and len(vecs) != len(sentences):
            vecs = None  # index and text out of step: score on words alone
        heading = token_set(f"{p.chunk.title} {p.chunk.section or ''}")
        prior = (
            (0.0 if asked.about_status or p.chunk.meta.get("status") not in {"planned", "ended"} else -W_STATUS)
            # the question's rare words say nothing about a passage in another language
            - (W_TOPIC if rare and not rare & indexed[p.chunk.chunk_id] and same_language(p, request.lang) else 0.0)
            + 0.04 * (MAX_PASSAGES - rank) / MAX_PASSAGES
            + 0.05 * min(p.score, 1.0)
            + W_PASSAGE * p.dense
            + W_SECTION * (cross_section if cross else sum(weight[t] for t in heading & qset) / total)
        )
        scores = np.zeros(len(sentences))
        for s in sentences:
            dense = float(vecs[s.index] @ qvec) if vecs is not None else p.dense
            toks = token_set(s.text)
            overlap = (
                max(cross_overlap, sum(weight[t] for t in toks & qset) / total)
                if cross
                else (sum(weight[t] for t in toks & qset) / total)
            )
            score = dense + W_OVERLAP * overlap + prior
            if s.text.endswith("?") and ":" not in s.text:  # a question in the text answers nothing by itself
                # ("RVO advises the IND on two things: is the product innovative …?" does)
                score -= 0.5
            if request.is_boilerplate(s.text):
                score -= W_BOILERPLATE
            scores[s.index] = score
        out.append((p, rank, sentences, scores, vecs))
    return out


# "Make IT Work is een route …", "Codam Coding College is a free course …", "Een O&O-fonds is
# een fonds …", "For career switchers, Codam can be a route …": what a thing is.
_SAYS_WHAT_IT_IS = re.compile(
    r"^(?:(?:[^,.()]|\([^)]*\)){0,80},\s*)?(?P<subject>[^,.:;]{2,50}?)\s+(?:is|zijn|was|waren|are|were|"
    r"(?:kan|kunnen|can|may|could)\s+(?:\w+\s+)?(?:zijn|be))\s+(?:een|a|an|the|de|het)\b",
    re.I,
)


def says_what_it_is(text: str, topic: frozenset[str]) -> bool:
    """Does ``text`` open by saying what a thing the question names is? To someone who asked
    something about that thing (its entry test, its teachers, its hours), that is context."""
    m = _SAYS_WHAT_IT_IS.match(text)
    return m is not None and bool(token_set(m.group("subject")) & topic)


def by_age(sentences: Sequence[Sentence], intro: int) -> bool:
    """Are the items under ``intro`` rows for different ages ("30 jaar en ouder", "jonger dan 30")?"""
    return any(age_rule_includes(sentences[i].text, 40) is not None for i in list_items(sentences, intro))


def special_case(first: str, members: tuple[int, ...], sentences: Sequence[Sentence], qset: set[str]) -> bool:
    """Does the unit open with a condition the asker did not mention ("Betaal je
    instellingscollegegeld? Dan …" to someone who asked the maximum loan)? Then it answers a
    special case, not the question."""
    if len(members) < 2 or not first.endswith("?") or not sentences[members[1]].leans:
        return False
    condition = token_set(first) - ASK_STEMS
    return bool(condition) and not condition & qset


def some_rows_conflict(sentences: Sequence[Sentence], intro: int, asked: Asked) -> bool:
    """Are some of the items under ``intro`` rows for another year or age than the asker's,
    and some not?"""
    if not (asked.years or asked.spans or asked.age is not None):
        return False
    verdicts = {asked.conflicts(sentences[i].text) for i in list_items(sentences, intro)}
    return verdicts == {True, False}


def candidate_units(
    request: AnswerRequest, passages: Sequence[Passage], vectors: dict[str, np.ndarray], asked: Asked
) -> list[Unit]:
    """Every coherent unit of the passages, scored, best first."""
    units: dict[tuple[str, tuple[int, ...]], Unit] = {}
    wants_list = bool(asked.kinds & {"options", "how"})
    qset = set(request.retrieval.query_tokens)
    # the question's subject words, when it asks something about that subject, not what it is
    topic = (
        rare_tokens(request, {p.chunk.chunk_id: token_set(p.chunk.indexed_text) for p in passages})
        if W_RESTATES and "definition" not in asked.kinds
        else frozenset()
    )
    for p, rank, sentences, scores, vecs in _scored_sentences(request, passages, vectors, asked):
        context = token_set(p.chunk.indexed_text)
        # a table row under "Salariscriteria voor kennismigranten" is a salary though it names none
        salary_heading = asked.names_salary(f"{p.chunk.title} {p.chunk.section or ''}")
        listed: frozenset[str] = frozenset()  # asked words that name a list of this passage
        if "options" in asked.kinds:
            listed = frozenset().union(
                *(token_set(x.text) for x in sentences if x.is_intro and list_items(sentences, x.index))
            ) & (qset - ASK_STEMS)
        for s in sentences:
            members = unit_for(sentences, s.index)
            if members is None:
                continue
            text = " ".join(sentences[m].text for m in members)
            if sentences[s.index].item or sentences[s.index].is_intro:
                core = max(float(scores[m]) for m in members)  # a list and its intro are one answer
            else:
                core = float(scores[s.index])  # an antecedent is context: the sentence itself must answer
            fit = asked.fit(text)
            if salary_heading and not asked.names_salary(text) and asked.specific_form(text):
                fit += W_SALARY_HEADING
            # a row is judged by itself: the intro of a table often names every year it covers
            conflict = asked.conflicts(sentences[s.index].text if s.item else text) or (
                s.is_intro and some_rows_conflict(sentences, s.index, asked)
            )
            if conflict and s.item:
                fit -= W_ONE_ROW
            score = core + fit
            n_words = len(text.split())
            if sentences[members[0]].is_intro and len(members) > 2:
                score += 0.04 if wants_list else -0.0015 * max(0, n_words - 50)
                if "options" in asked.kinds and (token_set(sentences[members[0]].text) - ASK_STEMS) & qset:
                    score += W_LIST  # "wat zijn de pijlers": the list of pillars, not "met vier pijlers"
            elif listed and not s.item and token_set(text) & listed:
                score -= W_LIST / 2  # a sentence that names what a list below gives in full
            score -= W_LENGTH * max(0, n_words - LONG_WORDS)
            if topic and fit <= 0 and says_what_it_is(sentences[members[0]].text, topic):
                score -= W_RESTATES
            if n_words < 5 and not asked.specific_form(text):
                score -= W_SHORT  # "De website is it-omscholing.nl.": close to anything, says little
            if asked.age is None and s.item and s.intro is not None and by_age(sentences, s.intro):
                score -= W_ONE_ROW  # rows by age and no age given: the whole table, not one row
            if not request.followup and special_case(sentences[members[0]].text, members, sentences, qset):
                score -= W_CONDITION
            if s.is_intro and some_rows_conflict(sentences, s.index, asked):
                score -= W_ONE_ROW  # the asker's year or age given: their row, not the whole table
            key = (p.chunk.chunk_id, members)
            if key in units and units[key].score >= score:
                continue
            vec = None
            if vecs is not None:
                v = vecs[members[0]] if len(members) == 1 else vecs[list(members)].mean(axis=0)
                vec = v / (np.linalg.norm(v) or 1.0)
            units[key] = Unit(p, rank, members, sentences, score, token_set(text), vec, context, fit, conflict)
    return sorted(units.values(), key=lambda u: -u.score)


def _shared_words(unit: Unit, other: Unit) -> float:
    """The share of the two units' words that both use (Jaccard; 0 for two empty units)."""
    union = unit.tokens | other.tokens
    return len(unit.tokens & other.tokens) / len(union) if union else 0.0


def _repeats(unit: Unit, chosen: list[Unit]) -> bool:
    """Does ``unit`` say what a chosen unit says already (same sentences, words or meaning)?"""
    nums = set(_NUMBER_RE.findall(unit.text))
    for other in chosen:
        if other.passage.chunk.chunk_id == unit.passage.chunk.chunk_id and set(other.members) & set(unit.members):
            return True
        if unit.text in other.text or other.text in unit.text:
            return True
        if {unit.sentences[m].text for m in unit.members} & {other.sentences[m].text for m in other.members}:
            return True  # the same intro or sentence again, from another passage
        other_nums = set(_NUMBER_RE.findall(other.text))
        if nums and nums <= other_nums and len(unit.tokens - other.tokens) <= 3:
            return True  # the same amounts again, with little new
        said = set().union(*(_NUMBER_RE.findall(c.text) for c in chosen))
        if len(nums) >= 2 and len(nums & said) * 3 >= 2 * len(nums):
            return True  # mostly amounts the answer gave already
        if nums != other_nums:
            continue  # parallel rows ("jonger dan 30: € 4.357", "30+: € 5.942") are not repeats
        if _shared_words(unit, other) > 0.6:
            return True
        if unit.vector is not None and other.vector is not None and float(unit.vector @ other.vector) > 0.95:
            return True
    return False


def choose(units: list[Unit], max_words: int, asked: Asked, rare: frozenset[str] = frozenset()) -> list[Unit]:
    """The lead (best unit) and up to three points that add something, within ``max_words``.

    When the question asks for an amount, an age, a date … and the lead holds one, a point
    must hold one too: context without the asked fact only pushes the answer down."""
    if not units:
        return []
    chosen = [units[0]]
    words = units[0].words
    must = asked.specific_form(units[0].text)
    missing = rare - units[0].tokens - units[0].context
    if missing:  # "verschil tussen STAP en Levenlanglerenkrediet": the best unit on the other one next
        other = next((u for u in units[1:] if u.tokens & missing and u.score >= units[0].score - 2 * CUTOFF), None)
        if other is not None and not _repeats(other, chosen) and words + other.words <= max_words:
            chosen.append(other)
            words += other.words
    for unit in units[1:]:
        if len(chosen) >= MAX_UNITS:
            break
        if unit.score - unit.fit < units[0].score - units[0].fit - CUTOFF:
            continue  # the asked kind makes the lead; a point must be about as close as the lead
        if unit in chosen:
            continue
        if words + unit.words > max_words or _repeats(unit, chosen):
            continue
        if must and not asked.specific_form(unit.text):
            continue
        if unit.conflict and not units[0].conflict:
            continue  # another year's or age's row next to the asker's
        if asked.older_row(unit.text, units[0].text) and _shared_words(unit, units[0]) >= 0.3:  # a parallel row
            continue  # last year's figures under this year's
        chosen.append(unit)
        words += unit.words
    lead, points = chosen[0], chosen[1:]
    points.sort(key=lambda u: -u.score)
    if points and lead.words > LEAD_WORDS and asked.kinds & SPECIFIC_KINDS and not lead.is_list:
        # a long lead hides the asked fact; a short point nearly as good that holds it goes first
        short = next(
            (
                u
                for u in points
                if u.words <= SHORT_WORDS and u.score >= lead.score - SWAP_MARGIN and asked.specific_form(u.text)
            ),
            None,
        )
        if short is not None:
            points.remove(short)
            return [short, lead, *points]
    return [lead, *points]


def render(statement: Statement) -> str:
    """A statement as plain text: its sentences, list items on their own lines, then [n]."""
    marks = "".join(f"[{n}]" for n in statement.citations)
    if statement.items:
        body = statement.text + "\n" + "\n".join(f"- {item}" for item in statement.items)
    else:
        body = statement.text
    return f"{body} {marks}".strip()


def plain_text(lead: list[Statement], points: list[Statement], notices: list[str]) -> str:
    return "\n".join([*(render(s) for s in lead), *(render(s) for s in points), *notices])


class ExtractiveAnswerer:
    """The default answerer: quotes the units of the best passages that answer the question."""

    def __init__(self, settings: Settings):
        self.settings = settings

    @staticmethod
    def prepare(chunks: Sequence[Chunk]) -> None:
        """Split and read the chunks' sentences now (the caches :func:`passage_sentences`,
        :func:`token_set` and :func:`leans` keep), so the first questions after a start or a
        reload do not pay for it: about a third of an answer's own work on a cold cache."""
        for chunk in chunks[:CHUNK_CACHE]:
            token_set(chunk.indexed_text)
            for sentence in passage_sentences(chunk.text):
                token_set(sentence.text)
                _ = sentence.leans

    def compose(self, request: AnswerRequest) -> Answer:
        """The answer without timings: used on its own and as the LLM answerer's fallback."""
        retrieval, lang = request.retrieval, request.lang
        passages = list(request.context) or retrieval.passages[:MAX_PASSAGES]
        earlier = request.conversation[-1].question if request.followup and request.conversation else None
        asked = analyse(request.question, earlier)
        units = candidate_units(request, passages, request.sentence_vectors(passages), asked)
        indexed = {p.chunk.chunk_id: token_set(p.chunk.indexed_text) for p in passages}
        chosen = choose(units, self.settings.answer_words, asked, rare_tokens(request, indexed))
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        statements: list[Statement] = []
        for unit in chosen:
            cid = unit.passage.chunk.chunk_id
            if cid not in numbers:
                numbers[cid] = len(numbers) + 1
                citations.append(citation(numbers[cid], unit.passage))
            statements.append(unit.statement(numbers[cid]))
        if not statements:  # passages without quotable sentences: the best passage's start
            first = passages[0]
            citations = [citation(1, first)]
            statements = [Statement(first.chunk.text[:400].rsplit(" ", 1)[0] + " …", [1])]
        prompts = self.settings.prompts_dir
        notices = status_notes(citations, passages, lang, prompts)
        if lang == "en" and any(c.language != "en" for c in citations):
            notices.append(ui_text("quoted_in_dutch", lang, prompts))
        lead, points = statements[:1], statements[1:]
        return Answer(
            question=request.question,
            text=plain_text(lead, points, notices),
            citations=citations,
            abstained=False,
            lang=lang,
            mode="extractive",
            passages=list(retrieval.passages),
            search_query=request.query,
            lead=lead,
            points=points,
            notices=notices,
            contacts=contacts_for(citations, passages, self.settings),
        )

    def stream(self, request: AnswerRequest) -> Iterator[AnswerEvent]:
        answer = self.compose(request)
        for line in answer.text.split("\n"):
            yield Delta(line + "\n")
        answer.timings_ms = dict(request.retrieval.timings_ms) | {
            "total_ms": (time.perf_counter() - request.started) * 1000
        }
        yield Final(answer)
