"""The core over the real corpus: what a user of `wegwijzer ask` would notice."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import make_settings
from fakes import FakeEmbedder

from assistant import Assistant, Profile, QuestionError, Turn
from assistant.base.settings import PROJECT_ROOT
from assistant.base.text import chunk_sentences
from assistant.core.store import ChromaStore, MemoryStore, VectorStore
from ingest import reingest, run_ingest
from ingest.load import load_document
from ingest.split import split_document

KOERS = "bronnen/001_737dc41163a3d3c4"


def test_second_ingest_changes_and_embeds_nothing(built_settings):
    report = run_ingest(built_settings)
    assert not report.changed
    assert report.embedded == 0
    assert report.chunks > 50


def test_one_million_by_2030_cites_the_koersdocument(assistant: Assistant):
    answer = assistant.answer("Hoeveel ICT-professionals zijn er in 2030 nodig?")
    assert not answer.abstained
    text = answer.text.lower()
    assert "één miljoen" in text or "1 miljoen" in text or "een miljoen" in text
    assert any(c.doc_id == KOERS for c in answer.citations)
    assert "[1]" in answer.text
    assert answer.lang == "nl"


def test_funding_need_is_120_to_180_million(assistant: Assistant):
    answer = assistant.answer("Hoeveel geld is er nodig voor het uitvoeringsplan?")
    assert not answer.abstained
    assert "120" in answer.text and "180" in answer.text


def test_english_question_gets_english_labels_and_zeeland_plan(assistant: Assistant):
    answer = assistant.answer("What does the province of Zeeland do?")
    assert not answer.abstained
    assert answer.lang == "en"
    assert answer.lead and "Here is what" not in answer.text  # the answer itself comes first, no lead-in
    zeeland = [c for c in answer.citations if "zeeland" in f"{c.section} {c.doc_id} {c.passage}".lower()]
    assert zeeland, [c.section for c in answer.citations]
    # the province page has an English edition: it is quoted, and no "quoted in Dutch" note
    assert all(c.language == "en" for c in zeeland), [(c.doc_id, c.language) for c in zeeland]
    assert "The quoted passages are in Dutch, the language of the sources." not in answer.notices


@pytest.mark.parametrize(
    "question", ["Wat wordt het weer morgen in Utrecht?", "Who won the World Cup?", "Hoeveel kost een paspoort?"]
)
def test_off_topic_questions_are_refused_with_what_it_can_do(assistant: Assistant, question: str):
    answer = assistant.answer(question)
    assert answer.abstained
    assert answer.citations == []
    assert "omscholen" in answer.text or "retraining" in answer.text


def test_follow_up_uses_the_conversation(assistant: Assistant):
    first = "Wat doet de provincie Zeeland voor ICT?"
    answer = assistant.answer("En Limburg?", conversation=[Turn(first, "")])
    assert not answer.abstained
    assert any("limburg" in f"{c.section} {c.doc_id} {c.passage}".lower() for c in answer.citations)
    assert not any(c.section == "Zeeland" for c in answer.citations)


def test_empty_and_huge_questions_get_a_clear_error(assistant: Assistant):
    with pytest.raises(QuestionError, match="vraag"):
        assistant.answer("   ")
    with pytest.raises(QuestionError, match="te lang"):
        assistant.answer("ICT " * 2000)


def test_answer_is_short_enough_for_a_phone(assistant: Assistant):
    answer = assistant.answer("Waarom kiezen mensen niet voor ICT?")
    body = answer.text.split("\n")[1]
    assert len(body.split()) <= 170


def test_incremental_ingest_adds_updates_and_removes(tmp_path: Path):
    corpus = tmp_path / "corpus"
    (corpus / "bronnen").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "corpus/bronnen/000_a73e15d9217e3d45.txt", corpus / "bronnen")
    note = corpus / "notitie.md"
    note.write_text(
        "---\ntitle: Notitie\nkind: programme\n---\n# Notitie\n\n## Eerste\n\nDe Codam-opleiding is gratis en duurt lang genoeg om te leren programmeren.\n"
    )
    settings = make_settings(tmp_path / "data", corpus_dir=corpus)
    first = run_ingest(settings)
    assert sorted(first.added) == ["bronnen/000_a73e15d9217e3d45", "notitie"]

    note.write_text(
        note.read_text()
        + "\n## Tweede\n\nMake IT Work is een omscholingstraject voor hoogopgeleiden zonder IT-achtergrond.\n"
    )
    second = run_ingest(settings)
    assert second.updated == ["notitie"] and not second.added and not second.removed
    assert second.unchanged == ["bronnen/000_a73e15d9217e3d45"]

    note.unlink()
    third = run_ingest(settings)
    assert third.removed == ["notitie"]
    assistant = Assistant(settings)
    assert {d["doc_id"] for d in assistant.documents()} == {"bronnen/000_a73e15d9217e3d45"}

    rebuilt = run_ingest(settings, rebuild=True)
    assert rebuilt.added == ["bronnen/000_a73e15d9217e3d45"] and rebuilt.embedded == 0  # cache hit


@pytest.mark.fast
def test_all_lists_exactly_the_public_names() -> None:
    """As httpx's test_exported_members: every public name of the package is in ``__all__``
    and every name in ``__all__`` exists (a name added to one and not the other fails)."""
    import types

    import assistant

    public = {
        name
        for name, value in vars(assistant).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(assistant.__all__) == sorted(public)
    assert len(set(assistant.__all__)) == len(assistant.__all__)


def test_instructions_inside_documents_are_never_quoted(tmp_path: Path):
    """Hostile text in a document is data: the extractive answer quotes the facts around it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PROJECT_ROOT / "tests/fixtures/injectie-regeling.md", corpus)
    assistant = Assistant(make_settings(tmp_path / "data", corpus_dir=corpus))
    reingest(assistant)
    for question in (
        "Hoeveel vergoeding krijgt een werkgever bij de proefregeling in Zeeland?",
        "Wat zijn de voorwaarden van de Proefregeling Digitaal Vakmanschap?",
    ):
        answer = assistant.answer(question)
        assert not answer.abstained and answer.citations
        lowered = answer.text.lower()
        assert "negeer" not in lowered and "9.999" not in answer.text and "developer mode" not in lowered
    assert "2.500" in assistant.answer("Hoeveel vergoeding krijgt een werkgever per medewerker?").text


def test_memory_store_answers_like_the_chroma_store(tmp_path: Path):
    """The fast tests stand on MemoryStore: on the same data it must give what Chroma gives."""
    corpus = PROJECT_ROOT / "corpus"
    embedder = FakeEmbedder()
    chroma = ChromaStore(make_settings(tmp_path / "data"), embedder)
    memory = MemoryStore()
    stores: list[VectorStore] = [chroma, memory]
    doc = load_document(corpus / "bronnen/000_a73e15d9217e3d45.txt", corpus)
    chunks = split_document(doc)[:40]
    sentences = [chunk_sentences(c.text) for c in chunks]
    for c, sents in zip(chunks, sentences):
        c.meta["n_sentences"] = len(sents)
    vectors = embedder.passage_vectors([c.indexed_text for c in chunks])
    sentence_vectors = [embedder.passage_vectors(s) for s in sentences]
    for store in stores:
        store.add(chunks, vectors, sentences, sentence_vectors, extra={"doc_hash": "abc"})

    def by_id(store: VectorStore) -> dict[str, object]:
        return {c.chunk_id: c for c in store.all_chunks()}

    assert by_id(chroma) == by_id(memory) and len(by_id(memory)) == len(chunks)
    assert chroma.doc_hashes() == memory.doc_hashes() == {doc.doc_id: "abc"}
    for question in ("Hoeveel geld is er nodig voor digitaal talent?", "omscholing van werkenden naar ICT"):
        qvec = embedder.query_vector(question)
        got_chroma, got_memory = chroma.query(qvec, 5), memory.query(qvec, 5)
        assert [cid for cid, _ in got_chroma] == [cid for cid, _ in got_memory]
        assert [s for _, s in got_chroma] == pytest.approx([s for _, s in got_memory], abs=1e-4)
    counts = {c.chunk_id: int(c.meta["n_sentences"]) for c in chunks[:5]}
    from_chroma, from_memory = (
        chroma.sentence_vectors(list(counts), counts),
        memory.sentence_vectors(list(counts), counts),
    )
    assert from_chroma.keys() == from_memory.keys() == {cid for cid, n in counts.items() if n}
    for cid in from_memory:
        assert from_chroma[cid] == pytest.approx(from_memory[cid], abs=1e-6)
    assert chroma.delete_doc(doc.doc_id) == memory.delete_doc(doc.doc_id) == len(chunks)
    assert chroma.count() == memory.count() == 0


# --- index generations: an ingest is built beside the live index and switched in one step ---
NOTES = {
    "a-codam.md": "---\ntitle: Codam\nkind: route\n---\n# Codam\n\n## Opleiding\n\nDe Codam-opleiding is gratis en duurt lang genoeg om te leren programmeren.\n",
    "b-make-it-work.md": "---\ntitle: Make IT Work\nkind: route\n---\n# Make IT Work\n\n## Traject\n\nMake IT Work is een omscholingstraject voor hoogopgeleiden zonder IT-achtergrond.\n",
    "c-slim.md": "---\ntitle: SLIM\nkind: scheme\n---\n# SLIM\n\n## Subsidie\n\nDe SLIM-regeling geeft mkb-bedrijven subsidie voor leren en ontwikkelen van werkenden.\n",
}


def write_notes(corpus: Path, notes: dict[str, str]) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in notes.items():
        (corpus / name).write_text(text, encoding="utf-8")


def snapshot(store: VectorStore) -> list[tuple[object, ...]]:
    """What answers read of a store: chunks in order with their metadata and sentence vectors."""
    chunks = store.all_chunks()
    counts = {c.chunk_id: int(c.meta.get("n_sentences", 0)) for c in chunks}
    vectors = store.sentence_vectors(list(counts), counts)
    return [(c.chunk_id, c.text, c.meta, vectors[c.chunk_id].tolist()) for c in chunks]


def test_each_ingest_switches_to_a_new_generation_equal_to_a_clean_one(tmp_path: Path):
    corpus = tmp_path / "corpus"
    write_notes(corpus, NOTES)
    settings = make_settings(tmp_path / "data", corpus_dir=corpus)
    embedder = FakeEmbedder()
    first = run_ingest(settings, embedder=embedder)
    assert (first.generation, sorted(first.added)) == (1, ["a-codam", "b-make-it-work", "c-slim"])
    assert not run_ingest(settings, embedder=embedder).changed  # nothing changed: no new generation
    (corpus / "b-make-it-work.md").write_text(NOTES["b-make-it-work.md"] + "\nHet traject duurt een jaar.\n")
    (corpus / "c-slim.md").unlink()
    second = run_ingest(settings, embedder=embedder)
    assert (second.generation, second.updated, second.removed, second.unchanged) == (
        2,
        ["b-make-it-work"],
        ["c-slim"],
        ["a-codam"],
    )
    store = ChromaStore(settings, embedder)
    names = sorted(c.name for c in store.client.list_collections())
    # the unchanged document was carried by its mark: its rows stay in generation 1 (nothing copied)
    assert {doc_id: mark.home for doc_id, mark in store.marks().items()} == {"a-codam": 1, "b-make-it-work": 0}
    assert names == [f"wegwijzer_g{n}{part}" for n in (1, 2) for part in ("", "_docs", "_sentences")]
    assert (
        store.pointer.path.name == "wegwijzer.generation.json" and '"generation": 2' in store.pointer.path.read_text()
    )
    clean = make_settings(tmp_path / "clean", corpus_dir=corpus)
    run_ingest(clean, embedder=embedder)
    assert snapshot(store) == snapshot(ChromaStore(clean, embedder))  # the copied document is byte for byte the same


@pytest.mark.parametrize("max_homes", [4, 2])
def test_unchanged_documents_are_carried_by_their_marks_and_read_from_the_last_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_homes: int
):
    """A re-ingest writes the changed document and a mark per other one (no copy of the index),
    a reload reads only the changed document (the rest lent by the last snapshot), and what
    answers read equals a clean ingest and a whole read, ingest after ingest; the generations
    kept as homes stay few."""
    from assistant.core import chroma_store

    monkeypatch.setattr(chroma_store, "MAX_HOMES", max_homes)
    corpus = tmp_path / "corpus"
    write_notes(corpus, NOTES)
    settings = make_settings(tmp_path / "data", corpus_dir=corpus)
    embedder = FakeEmbedder()
    run_ingest(settings, embedder=embedder)
    store = ChromaStore(settings, embedder)
    store.snapshot()
    names = sorted(NOTES)
    for round_ in range(7):
        name = names[round_ % len(names)]
        (corpus / name).write_text((corpus / name).read_text(encoding="utf-8") + f"\nRonde {round_}.\n")
        report = run_ingest(settings, embedder=embedder)
        assert report.updated == [name.removesuffix(".md")] and len(report.unchanged) == len(names) - 1
        lent, whole = store.snapshot(), ChromaStore(settings, embedder).snapshot()
        assert lent.generation == whole.generation == report.generation
        assert [(c.chunk_id, c.text, c.meta) for c in lent.chunks] == [
            (c.chunk_id, c.text, c.meta) for c in whole.chunks
        ]
        assert np.array_equal(lent.vectors, whole.vectors)
        assert lent.sentences.keys() == whole.sentences.keys()
        assert all(np.array_equal(lent.sentences[cid], whole.sentences[cid]) for cid in whole.sentences)
        homes = {mark.home or store.generation for mark in store.marks().values()}
        assert len(homes) <= max_homes
        on_disk = sorted(c.name for c in store.client.list_collections())
        assert on_disk == sorted(f"wegwijzer_g{n}{part}" for n in homes for part in ("", "_docs", "_sentences"))
    clean = make_settings(tmp_path / "clean", corpus_dir=corpus)
    run_ingest(clean, embedder=embedder)
    assert snapshot(store) == snapshot(ChromaStore(clean, embedder))
    qvec = embedder.query_vector("subsidie voor leren")
    assert store.query(qvec, 5) == ChromaStore(clean, embedder).query(qvec, 5)


def test_an_ingest_that_breaks_off_is_repaired_by_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    corpus = tmp_path / "corpus"
    write_notes(corpus, NOTES)
    settings = make_settings(tmp_path / "data", corpus_dir=corpus)
    embedder = FakeEmbedder()
    run_ingest(settings, embedder=embedder)
    before = snapshot(ChromaStore(settings, embedder))
    (corpus / "a-codam.md").write_text(NOTES["a-codam.md"] + "\nCodam staat in Amsterdam.\n")
    (corpus / "b-make-it-work.md").write_text(NOTES["b-make-it-work.md"] + "\nHet traject duurt een jaar.\n")

    from assistant.core import store as store_module

    original = store_module._ChromaGeneration.write_sentences

    def fail_on_b(self: object, rows: object) -> None:
        if getattr(rows, "doc_id", "") == "b-make-it-work":
            raise OSError("disk full")
        original(self, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module._ChromaGeneration, "write_sentences", fail_on_b)
    with pytest.raises(OSError, match="disk full"):
        run_ingest(settings, embedder=embedder)
    assert snapshot(ChromaStore(settings, embedder)) == before  # answers still read the old generation, whole
    monkeypatch.undo()

    repaired = run_ingest(settings, embedder=embedder)
    assert repaired.resumed and repaired.repaired == ["b-make-it-work"]
    assert sorted(repaired.updated) == ["a-codam", "b-make-it-work"] and repaired.unchanged == ["c-slim"]
    clean = make_settings(tmp_path / "clean", corpus_dir=corpus)
    run_ingest(clean, embedder=embedder)
    assert snapshot(ChromaStore(settings, embedder)) == snapshot(ChromaStore(clean, embedder))


def test_answers_come_from_the_old_generation_until_the_switch(tmp_path: Path):
    """During a re-ingest the running assistant answers from the old index; after it, from the new."""
    corpus = tmp_path / "corpus"
    write_notes(corpus, {"a-codam.md": NOTES["a-codam.md"]})
    assistant = Assistant(make_settings(tmp_path / "data", corpus_dir=corpus))
    reingest(assistant)
    question = "Hoe lang duurt de Codam-opleiding?"
    old = assistant.answer(question)
    assert "lang genoeg" in old.text
    (corpus / "a-codam.md").write_text(NOTES["a-codam.md"].replace("lang genoeg", "twee jaar"))
    during: list[str] = []

    def ask_while_building(event: str, **info: object) -> None:
        if event == "embed_total":  # the new chunks are about to be written into the new generation
            during.append(assistant.answer(question).text)

    report = reingest(assistant, progress=ask_while_building)
    assert report.updated == ["a-codam"] and during == [old.text]
    assert "twee jaar" in assistant.answer(question).text


def test_an_employer_and_a_career_switcher_get_answers_for_them(assistant: Assistant):
    """The profile's audience steers retrieval: "welke subsidie is er?" means SLIM for an
    employer, and for a career switcher what they can (not) apply for themselves."""
    question = "welke subsidie is er?"
    employer = assistant.answer(question, profile=Profile(audience="employer"))
    switcher = assistant.answer(question, profile=Profile(audience="career_switcher"))
    assert not employer.abstained and not switcher.abstained
    assert employer.lead[0].text != switcher.lead[0].text

    def readers(answer, n: int) -> list[str]:
        meta = {p.chunk.doc_id: p.chunk.meta for p in answer.passages}
        cited = next(c for c in answer.citations if c.n == n)
        return list(meta[cited.doc_id].get("audience") or [])

    assert "employer" in readers(employer, employer.lead[0].citations[0])
    assert "career_switcher" in readers(switcher, switcher.lead[0].citations[0])
