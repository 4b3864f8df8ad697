"""Fit the answer/refuse decision on labelled questions instead of by feel.

``calibration/relevance.yaml`` lists questions the corpus answers and questions it does
not. For each, retrieval features are computed; a logistic regression (plain numpy,
L2-regularised) maps them to a probability; the threshold in settings then applies.
Cross-validated accuracy is printed so a change in corpus or features is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from assistant.core.assistant import Assistant
from assistant.core.retrieval import Exemplars

FEATURES = ("dense", "coverage", "unknown", "dense_mean", "english", "region", "exemplar")


@dataclass
class Fit:
    weights: dict[str, float]
    cv_accuracy: float
    cv_in_recall: float
    cv_out_recall: float
    n: int


def load_questions(path: Path) -> list[tuple[str, int]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(q, 1) for q in data["in_scope"]] + [(q, 0) for q in data["out_of_scope"]]


def feature_matrix(assistant: Assistant, questions: list[str]) -> np.ndarray:
    rows = []
    for q in questions:
        result = assistant.retriever.search(q, assistant.settings.top_k)
        rows.append([result.features[name] for name in FEATURES])
    return np.asarray(rows, dtype=np.float64)


def _fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 4000) -> tuple[np.ndarray, np.ndarray, float]:
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        grad_w = z.T @ (p - y) / len(y) + l2 * w
        grad_b = float(np.mean(p - y))
        w -= 0.5 * grad_w
        b -= 0.5 * grad_b
    # back to raw feature scale
    raw_w = w / std
    raw_b = b - float(np.sum(w * mean / std))
    return raw_w, mean, raw_b


def fit(assistant: Assistant, path: Path, folds: int = 5, threshold: float = 0.5) -> Fit:
    """Cross-validated fit. The ``exemplar`` feature is computed against the questions of
    the training folds only, so a test question never sees itself or its fold."""
    labelled = load_questions(path)
    assistant.retriever.load_exemplars(path)
    x = feature_matrix(assistant, [q for q, _ in labelled])
    y = np.asarray([label for _, label in labelled], dtype=np.float64)
    qv = assistant.embedder.query_vectors([q for q, _ in labelled])
    col = FEATURES.index("exemplar")
    rng = np.random.default_rng(7)
    order = rng.permutation(len(y))
    correct, in_ok, out_ok = 0, 0, 0
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        fold = Exemplars(qv[train][y[train] == 1], qv[train][y[train] == 0])
        xk = x.copy()
        xk[:, col] = [fold.score(v) for v in qv]
        w, _, b = _fit(xk[train], y[train])
        pred = (1 / (1 + np.exp(-(xk[test] @ w + b)))) >= threshold
        correct += int(np.sum(pred == y[test]))
        in_ok += int(np.sum(pred & (y[test] == 1)))
        out_ok += int(np.sum(~pred & (y[test] == 0)))
    w, _, b = _fit(x, y)
    weights = {"bias": round(b, 4)} | {name: round(float(v), 4) for name, v in zip(FEATURES, w)}
    return Fit(weights, correct / len(y), in_ok / max(int(y.sum()), 1), out_ok / max(int((1 - y).sum()), 1), len(y))
