"""Where a case's evidence and facts stand: in which passages, and in the index at all.

A passage is relevant to a case when its text holds one of the case's evidence phrases
(matching as in eval/README.md); the index counts them for the ideal DCG and warns about
evidence or facts no indexed passage holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.base.types import Passage
from assistant.core.retrieval import HybridRetriever
from assistant.evaluation.dataset import Case
from assistant.evaluation.matching import contains, find_any


def matched_evidence(text: str, evidence: Sequence[str]) -> str | None:
    return find_any(text, list(evidence)) if evidence else None


class EvidenceIndex:
    """Counts, per case, how many passages the asker could be shown contain its evidence
    (for the ideal DCG). A Dutch question is answered from the original documents and an
    English one from each section's English edition where there is one: a translation of a
    relevant section is the same passage in another language, not a second relevant one the
    ranking missed."""

    def __init__(self, texts: Sequence[str], shown: dict[str, list[str]] | None = None):
        self.texts = list(texts)
        self.shown = shown or {}

    @classmethod
    def of(cls, retriever: HybridRetriever) -> EvidenceIndex:
        originals = [c for c in retriever.chunks if c.chunk_id in retriever.originals]
        langs = {str(c.meta.get("language") or "en") for c in retriever.chunks if c.meta.get("translation_of")}
        shown = {"nl": [c.text for c in originals]}
        for lang in langs:
            shown[lang] = [p.text for p in retriever.in_edition([Passage(c, 0.0) for c in originals], lang)]
        return cls([c.text for c in retriever.chunks], shown)

    def count(self, evidence: Sequence[str], lang: str | None = None) -> int:
        if not evidence:
            return 0
        texts = self.shown.get(lang or "nl", self.texts)
        return sum(1 for t in texts if matched_evidence(t, evidence) is not None)

    def any_contains(self, phrases: Sequence[str]) -> bool:
        return any(contains(t, p) for t in self.texts for p in phrases)


def passage_row(p: Passage, evidence: Sequence[str], rank: int | None = None) -> dict[str, Any]:
    hit = matched_evidence(p.chunk.text, evidence)
    return {
        "rank": rank if rank is not None else p.rank,
        "chunk_id": p.chunk.chunk_id,
        "doc_id": p.chunk.doc_id,
        "title": p.chunk.title,
        "page": p.chunk.page,
        "section": p.chunk.section,
        "text": p.chunk.text,
        "score": round(float(p.score), 4),
        "relevant": hit is not None,
        "matched": hit,
    }


def dataset_warnings(cases: Sequence[Case], index: EvidenceIndex) -> list[str]:
    """Evidence or facts that occur nowhere in the index: the set or the corpus needs a look."""
    warnings: list[str] = []
    for case in cases:
        if not case.answerable:
            continue
        if case.evidence and not index.any_contains(case.evidence):
            warnings.append(f"{case.file}: {case.id}: no indexed passage contains any evidence phrase {case.evidence}")
        for group in case.facts:
            if not index.any_contains(group):
                warnings.append(
                    f"{case.file}: {case.id}: fact {' / '.join(group)!r} occurs in no indexed passage "
                    "(a quoting answerer can never state it)"
                )
    return warnings
