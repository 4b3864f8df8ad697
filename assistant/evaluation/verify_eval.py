"""Precision and recall of the answer verifier on labelled sentence–passage pairs.

``eval/verification.yaml`` holds passages copied from the corpus and generated-style
sentences that cite them, each labelled supported or not (paraphrases, wrong numbers,
swapped organisations or provinces, claims from another passage, negations, English
sentences over Dutch passages). Every pair belongs to a fixed split (``fit`` or ``test``,
by a hash of its id): thresholds are fitted on ``fit`` only and reported on both.

Positive class = "the verifier keeps the sentence". Precision = share of kept sentences
that are truly supported; recall = share of supported sentences that are kept.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.base.settings import PROJECT_ROOT, Settings
from assistant.base.text import chunk_sentences
from assistant.verify.verifier import DEFAULT_THRESHOLDS, Evidence, Features, Thresholds, Verifier, corpus_entities

DEFAULT_SET = PROJECT_ROOT / "eval" / "verification.yaml"
TARGET_PRECISION = 0.95
TARGET_RECALL = 0.80


def split_of(pair_id: str) -> str:
    """A fixed 60/40 split by id, so fitting never sees the held-out pairs."""
    return "fit" if int(hashlib.sha1(pair_id.encode()).hexdigest(), 16) % 5 < 3 else "test"


@dataclass
class Row:
    pair: dict[str, Any]
    split: str
    features: Features
    similarity: float | None


def load_set(path: Path = DEFAULT_SET) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    passages, pairs = data["passages"], data["pairs"]
    for p in pairs:
        missing = [k for k in p["passages"] if k not in passages]
        if missing:
            raise ValueError(f"pair {p['id']} cites unknown passage(s) {missing}")
    return passages, pairs


def measure(settings: Settings, path: Path = DEFAULT_SET, with_similarity: bool = True) -> list[Row]:
    """Features of every pair; the E5 similarity is computed for all pairs (for fitting)."""
    passages, pairs = load_set(path)
    embedder = None
    if with_similarity:
        from assistant.core.embedder import E5Embeddings

        embedder = E5Embeddings(settings.embed_cache_path, settings.embed_batch)
    vectors: dict[str, np.ndarray | None] = {}
    for key, p in passages.items():
        vectors[key] = embedder.passage_vectors(chunk_sentences(p["text"])) if embedder else None
    verifier = Verifier(known_entities=corpus_entities(p["text"] for p in passages.values()))
    rows: list[Row] = []
    for pair in pairs:
        evidence = {
            i: Evidence.build(
                i, passages[k]["text"], passages[k].get("title", ""), passages[k].get("section"), vectors[k]
            )
            for i, k in enumerate(pair["passages"], start=1)
        }
        f = verifier.features(pair["sentence"], evidence, pair.get("lang", "nl"))
        sim = None
        if embedder is not None and not f.rule:
            verifier.embed = embedder.query_vector
            sim = verifier.similarity(f.plain, f.evidence)
        rows.append(Row(pair, split_of(pair["id"]), f, sim))
    return rows


def decide(row: Row, t: Thresholds) -> bool:
    return Verifier(t).decide(row.features, lambda: row.similarity).kept


def scores(rows: list[Row], t: Thresholds) -> dict[str, float]:
    tp = sum(1 for r in rows if r.pair["supported"] and decide(r, t))
    fp = sum(1 for r in rows if not r.pair["supported"] and decide(r, t))
    pos = sum(1 for r in rows if r.pair["supported"])
    kept = tp + fp
    return {
        "pairs": len(rows),
        "supported": pos,
        "kept": kept,
        "precision": tp / kept if kept else 1.0,
        "recall": tp / pos if pos else 1.0,
        "false_keeps": fp,
        "false_drops": pos - tp,
    }


def embedding_share(rows: list[Row], t: Thresholds) -> float:
    """Share of sentences whose word overlap is borderline, so they need an embedding."""
    need = sum(
        1
        for r in rows
        if not r.features.rule and not r.features.polarity_flip and t.overlap_min <= r.features.overlap < t.overlap_keep
    )
    return need / max(len(rows), 1)


def fit(rows: list[Row], min_precision: float = 0.96) -> Thresholds:
    """Thresholds with the best recall at precision >= ``min_precision`` on ``rows``.
    Ties go to fewer embedded sentences (less overhead), then to the stricter setting."""
    best: tuple[tuple[float, ...], Thresholds] | None = None
    keeps = [round(float(x), 2) for x in np.arange(0.5, 1.001, 0.05)]
    mins = [round(float(x), 2) for x in np.arange(0.2, 0.6, 0.1)]
    sims = [round(float(x), 3) for x in np.arange(0.83, 0.951, 0.005)]
    for keep, lo, sim, cross in itertools.product(keeps, mins, sims, sims):
        if lo > keep:
            continue
        t = replace(
            DEFAULT_THRESHOLDS, overlap_keep=keep, overlap_min=lo, similarity_keep=sim, similarity_keep_cross=cross
        )
        s = scores(rows, t)
        if s["precision"] < min_precision:
            continue
        key = (s["recall"], s["precision"], -embedding_share(rows, t), sim + cross, lo)
        if best is None or key > best[0]:
            best = (key, t)
    return best[1] if best else DEFAULT_THRESHOLDS


def by_category(rows: list[Row], t: Thresholds) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        c = out.setdefault(r.pair["category"], {"pairs": 0, "kept": 0, "supported": 0})
        c["pairs"] += 1
        c["kept"] += decide(r, t)
        c["supported"] += bool(r.pair["supported"])
    return out


def _given(similarity: float | None) -> float | None:
    return similarity


def errors(rows: list[Row], t: Thresholds) -> list[tuple[str, Row, str]]:
    out = []
    for r in rows:
        kept = decide(r, t)
        if kept != bool(r.pair["supported"]):
            v = Verifier(t).decide(r.features, partial(_given, r.similarity))
            why = v.reason or f"kept (overlap={r.features.overlap:.2f}, similarity={r.similarity})"
            out.append(("false_keep" if kept else "false_drop", r, why))
    return out


def overhead_per_sentence_ms(rows: list[Row], settings: Settings, path: Path = DEFAULT_SET) -> float:
    """Mean time of one full check (features + decision, embedding when needed)."""
    from assistant.core.embedder import E5Embeddings

    passages, pairs = load_set(path)
    embedder = E5Embeddings(settings.embed_cache_path, settings.embed_batch)
    verifier = Verifier(embed=embedder.query_vector)
    evidence_of: dict[str, Evidence] = {}
    total = 0.0
    for pair in pairs:
        ev = {}
        for i, k in enumerate(pair["passages"], start=1):
            if k not in evidence_of:
                vecs = embedder.passage_vectors(chunk_sentences(passages[k]["text"]))
                evidence_of[k] = Evidence.build(
                    i, passages[k]["text"], passages[k].get("title", ""), passages[k].get("section"), vecs
                )
            ev[i] = replace(evidence_of[k], n=i)
        t0 = time.perf_counter()
        verifier.check(pair["sentence"], ev, pair.get("lang", "nl"))
        total += time.perf_counter() - t0
    return total * 1000 / max(len(pairs), 1)


def report(
    settings: Settings, path: Path = DEFAULT_SET, refit: bool = False, show_errors: bool = False
) -> dict[str, Any]:
    """Everything ``wegwijzer verify-eval`` prints, as data (also used by the tests)."""
    rows = measure(settings, path)
    fit_rows = [r for r in rows if r.split == "fit"]
    test_rows = [r for r in rows if r.split == "test"]
    t = fit(fit_rows) if refit else DEFAULT_THRESHOLDS
    out: dict[str, Any] = {
        "thresholds": t,
        "fitted": refit,
        "all": scores(rows, t),
        "fit": scores(fit_rows, t),
        "test": scores(test_rows, t),
        "categories": by_category(rows, t),
        "embedding_share": embedding_share(rows, t),
        "targets": {"precision": TARGET_PRECISION, "recall": TARGET_RECALL},
    }
    if show_errors:
        out["errors"] = [
            {
                "kind": kind,
                "id": r.pair["id"],
                "split": r.split,
                "category": r.pair["category"],
                "sentence": r.pair["sentence"],
                "why": why,
            }
            for kind, r, why in errors(rows, t)
        ]
    return out
