"""Ingest -> MemoryStore -> HybridRetriever over a handful of small documents (fake embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeEmbedder

from assistant.base.settings import Settings
from assistant.base.text import chunk_sentences
from assistant.core.retrieval import HybridRetriever
from assistant.core.store import MemoryStore
from ingest import run_ingest
from ingest.index import IngestReport

DOCS = {
    "regio/zeeland.md": (
        "---\ntitle: Zeeland\nregion: [zeeland]\n---\n# Zeeland\n## Omscholing\n"
        "De provincie helpt werkzoekenden met omscholing naar ICT. Werkgevers krijgen subsidie voor scholing.\n"
    ),
    "regio/limburg.md": (
        "---\ntitle: Limburg\nregion: [limburg]\n---\n# Limburg\n## Omscholing\n"
        "De provincie helpt werkzoekenden met omscholing naar ICT. Werkgevers krijgen subsidie voor scholing.\n"
    ),
    "kennismigratie/salaris.md": (
        "---\ntitle: Salariscriterium kennismigranten\n---\n# Salariscriterium\n"
        "Een kennismigrant moet een salaris verdienen boven het salariscriterium van de IND.\n"
    ),
    "regelingen/llo.md": (
        "---\ntitle: Levenlanglerenkrediet\nstatus: active\n---\n# Levenlanglerenkrediet\n"
        "Met het levenlanglerenkrediet leent u collegegeld voor een opleiding naar een ICT-baan.\n"
        "Bron: https://duo.nl/llo\n"
    ),
    "bronnen/koers.txt": "In 2030 zijn er een miljoen ICT-professionals nodig in Nederland.\n",
}
MANIFEST = "documents:\n  - path: bronnen/koers.txt\n    title: Koersdocument\n    region: [national]\n"


def write_corpus(folder: Path) -> None:
    for rel, text in DOCS.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    (folder / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")


class Index:
    """One corpus folder, its MemoryStore and the retriever over it."""

    def __init__(self, root: Path):
        self.corpus = root / "corpus"
        self.corpus.mkdir()
        write_corpus(self.corpus)
        self.settings = Settings(data_dir=root / "data", corpus_dir=self.corpus)
        self.store = MemoryStore()
        self.embedder = FakeEmbedder()
        self.report = self.ingest()
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings)

    def ingest(self) -> IngestReport:
        return run_ingest(self.settings, store=self.store, embedder=self.embedder)

    def top_doc(self, question: str, regions: list[str] | None = None) -> str:
        return self.retriever.search(question, k=3, regions=regions).passages[0].chunk.doc_id


@pytest.fixture
def index(tmp_path: Path) -> Index:
    return Index(tmp_path)


def test_ingest_indexes_every_document(index: Index):
    assert sorted(index.report.added) == sorted(rel.rsplit(".", 1)[0] for rel in DOCS)
    assert index.report.failed == {}
    assert index.report.chunks == index.store.count() == index.retriever.size == len(DOCS)


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("Wat is het levenlanglerenkrediet?", "regelingen/llo"),
        ("Hoe hoog is het salariscriterium?", "kennismigratie/salaris"),
        ("Hoeveel ICT-professionals zijn er in 2030 nodig?", "bronnen/koers"),
    ],
)
def test_search_finds_the_document_with_the_rare_word(index: Index, question: str, doc_id: str):
    result = index.retriever.search(question, k=3)
    assert result.passages[0].chunk.doc_id == doc_id
    assert [p.rank for p in result.passages] == list(range(1, len(result.passages) + 1))
    assert 0.0 <= result.relevance <= 1.0


def test_an_english_question_finds_the_dutch_document_through_the_glossary(index: Index):
    assert index.top_doc("What is the salary threshold for a highly skilled migrant?") == "kennismigratie/salaris"


def test_the_named_region_decides_between_two_equal_province_pages(index: Index):
    question = "Hoe helpt de provincie werkzoekenden met omscholing?"
    assert index.top_doc(question, regions=["limburg"]) == "regio/limburg"
    assert index.top_doc(question, regions=["zeeland"]) == "regio/zeeland"


def test_chunks_keep_their_citation_data(index: Index):
    (chunk,) = [c for c in index.retriever.chunks if c.doc_id == "regelingen/llo"]
    assert (chunk.title, chunk.section, chunk.page) == ("Levenlanglerenkrediet", "Levenlanglerenkrediet", None)
    assert chunk.meta["source_urls"] == ["https://duo.nl/llo"]
    assert chunk.meta["status"] == "active"
    (koers,) = [c for c in index.retriever.chunks if c.doc_id == "bronnen/koers"]
    assert koers.title == "Koersdocument" and koers.meta["region"] == ["national"]


def test_each_chunk_has_the_vectors_of_its_sentences(index: Index):
    chunks = index.retriever.chunks
    counts = {c.chunk_id: int(c.meta["n_sentences"]) for c in chunks}
    vectors = index.store.sentence_vectors(list(counts), counts)
    assert set(vectors) == set(counts)
    for c in chunks:
        expected = index.embedder.passage_vectors(chunk_sentences(c.text))
        assert vectors[c.chunk_id].shape == expected.shape
        assert (vectors[c.chunk_id] == expected).all()


def test_a_second_ingest_changes_and_embeds_nothing(index: Index):
    before = index.embedder.embedded_count
    report = index.ingest()
    assert not report.changed and len(report.unchanged) == len(DOCS)
    assert index.embedder.embedded_count == before


def test_an_edited_document_is_reindexed_and_a_deleted_one_removed(index: Index):
    (index.corpus / "regelingen/llo.md").write_text(
        DOCS["regelingen/llo.md"].replace("collegegeld", "lesgeld of collegegeld"), encoding="utf-8"
    )
    (index.corpus / "kennismigratie/salaris.md").unlink()
    report = index.ingest()
    assert (report.updated, report.removed, report.added) == (["regelingen/llo"], ["kennismigratie/salaris"], [])
    index.retriever.reload()
    assert index.top_doc("Betaalt het krediet ook lesgeld?") == "regelingen/llo"
    assert "kennismigratie/salaris" not in {c.doc_id for c in index.retriever.chunks}


def test_a_file_that_breaks_keeps_the_chunks_it_had(index: Index):
    (index.corpus / "regelingen/llo.md").write_text("---\ntitle: [kapot\n---\nTekst", encoding="utf-8")
    (index.corpus / "regio/leeg.md").write_text("", encoding="utf-8")
    report = index.ingest()
    assert set(report.failed) == {"regelingen/llo.md", "regio/leeg.md"}
    assert "front matter" in report.failed["regelingen/llo.md"] and report.failed["regio/leeg.md"] == "file is empty"
    assert "regelingen/llo" in index.store.doc_hashes()
    index.retriever.reload()
    assert index.top_doc("Wat is het levenlanglerenkrediet?") == "regelingen/llo"


def test_a_candidate_holding_the_asked_kind_moves_ahead_of_one_that_only_shares_words():
    """ "How long does the IND take?" over one long page: the decision-period section, not the
    fee tables that share more words, must get past the per-document cap."""
    from types import SimpleNamespace

    from assistant.answering.asked import analyse
    from assistant.base.types import Chunk, Passage

    def candidate(section: str, text: str, score: float) -> Passage:
        return Passage(Chunk(section, "ind", text, title="IND fees and decision periods", section=section), score)

    fees = [
        candidate(f"IND fees {y}", f"In {y} a highly skilled migrant application costs €423.", 1.0)
        for y in (2025, 2026)
    ]
    periods = candidate("IND decision periods", "The legal decision period is 90 days; 2 weeks for a sponsor.", 0.98)
    holder = SimpleNamespace(settings=Settings())
    ranked = HybridRetriever._asked_kind_first(
        holder, [*fees, periods], analyse("how long does the IND take to decide?")
    )
    assert ranked[0] is periods
    unchanged = HybridRetriever._asked_kind_first(holder, [*fees, periods], analyse("what is the IND?"))
    assert unchanged[-1] is periods  # nothing specific asked: the order stays
