"""MemoryStore: the in-memory VectorStore the fast tests and benchmarks use.

(tests/test_core.py checks that ChromaStore gives the same answers on the same data.)
"""

from __future__ import annotations

import numpy as np
import pytest
from fakes import FakeEmbedder, hashed_vector

from assistant.base.types import Chunk
from assistant.core.store import MemoryStore


def chunk(cid: str, doc: str, text: str, **meta: object) -> Chunk:
    return Chunk(cid, doc, text, title=doc.title(), page=None, section=None, meta=dict(meta))


def add(store: MemoryStore, chunks: list[Chunk], extra: dict[str, object] | None = None) -> None:
    embedder = FakeEmbedder()
    sentences = [[s for s in c.text.split(". ") if s] for c in chunks]
    store.add(
        chunks,
        embedder.passage_vectors([c.text for c in chunks]),
        sentences,
        [embedder.passage_vectors(s) for s in sentences],
        extra=extra,
    )


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore()
    add(
        s,
        [
            chunk("a#0", "a", "Omscholing naar ICT. Subsidie voor werkgevers", region=["zeeland"]),
            chunk("a#1", "a", "Kennismigranten en het salariscriterium"),
            chunk("b#0", "b", "De SLIM-regeling voor het mkb", status="active"),
        ],
        extra={"doc_hash": "h1"},
    )
    return s


def test_query_returns_the_nearest_chunks_best_first_with_cosine_similarity(store: MemoryStore):
    hits = store.query(hashed_vector("salariscriterium kennismigranten"), k=2)
    assert [cid for cid, _ in hits] == ["a#1", hits[1][0]]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert hits[0][1] > hits[1][1]
    assert len(store.query(hashed_vector("x"), k=10)) == 3


def test_an_empty_store_finds_nothing():
    assert MemoryStore().query(hashed_vector("omscholing"), k=5) == []
    assert MemoryStore().count() == 0


def test_chunks_come_back_with_their_metadata_and_the_ingest_extras(store: MemoryStore):
    by_id = {c.chunk_id: c for c in store.all_chunks()}
    assert by_id["a#0"].meta == {"region": ["zeeland"], "doc_hash": "h1"}
    assert by_id["b#0"].meta == {"status": "active", "doc_hash": "h1"}
    assert (by_id["a#0"].page, by_id["a#0"].section, by_id["a#0"].title) == (None, None, "A")
    assert store.doc_hashes() == {"a": "h1", "b": "h1"}


def test_metadata_without_a_value_is_not_stored():
    store = MemoryStore()
    add(store, [chunk("c#0", "c", "Tekst", date=None, valid_as_of="2025")])
    assert store.all_chunks()[0].meta == {"valid_as_of": "2025"}


def test_adding_a_chunk_again_replaces_it(store: MemoryStore):
    add(store, [chunk("b#0", "b", "De SLIM-regeling is gesloten")], extra={"doc_hash": "h2"})
    assert store.count() == 3
    assert {c.chunk_id: c.text for c in store.all_chunks()}["b#0"] == "De SLIM-regeling is gesloten"
    assert store.doc_hashes()["b"] == "h2"
    assert store.query(hashed_vector("gesloten"), k=1)[0][0] == "b#0"


def test_sentence_vectors_come_back_per_chunk_in_sentence_order(store: MemoryStore):
    got = store.sentence_vectors(["a#0", "b#0"], {"a#0": 2, "b#0": 1})
    assert set(got) == {"a#0", "b#0"}
    np.testing.assert_allclose(
        got["a#0"], np.stack([hashed_vector("Omscholing naar ICT"), hashed_vector("Subsidie voor werkgevers")])
    )
    # a chunk whose stored sentences do not match the count it was asked for is left out
    assert store.sentence_vectors(["a#0", "a#1"], {"a#0": 5, "a#1": 0}) == {}


def test_deleting_a_document_removes_its_chunks_and_sentences(store: MemoryStore):
    assert store.delete_doc("a") == 2
    assert store.delete_doc("a") == 0
    assert [c.chunk_id for c in store.all_chunks()] == ["b#0"]
    assert [cid for cid, _ in store.query(hashed_vector("salariscriterium"), k=5)] == ["b#0"]
    assert store.sentence_vectors(["a#0"], {"a#0": 2}) == {}


def test_reset_empties_the_store(store: MemoryStore):
    store.reset()
    assert (store.count(), store.all_chunks(), store.doc_hashes()) == (0, [], {})
