"""Kill -9 the ingest right after each of its index writes; the next run repairs it.

A forked child of ``crash_runner.py`` runs the ingest with ``WEGWIJZER_FAULT_KILL_AFTER=N`` and
SIGKILLs itself right after write N (a generation begun, a document's chunks, its sentence
vectors, its completion mark, a dropped document, the pointer switch, the old generations
deleted), for every N until an ingest finishes. After each kill the index that answers read is
exactly one generation: the old one or the new one, never a mix. The next ingest repairs it:
chunks, metadata, sentence vectors, vector search and answers equal a clean ingest, and nothing
is embedded again.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import CACHE, make_settings
from faultkit import CODAM, PDF_TEXT, PYTHON, SLIM, ZOEKJAAR, env, snapshot, write

from assistant import Assistant, Settings
from assistant.base.settings import PROJECT_ROOT
from assistant.core.embedder import E5Embeddings
from assistant.core.store import ChromaStore
from ingest import run_ingest

V1 = {"codam.md": CODAM, "slim.md": SLIM}
V1B = V1 | {"oud.txt": PDF_TEXT}  # the base of an update: a third document that goes away
V2 = {
    "codam.md": CODAM.replace("ongeveer twee jaar", "anderhalf tot twee jaar"),  # changed
    "slim.md": SLIM,  # unchanged: copied with its vectors
    "zoekjaar.md": ZOEKJAAR,  # added
}
QUESTIONS = ["Hoe lang duurt de Codam-opleiding?", "Wat is de SLIM-regeling?", "Wat is het zoekjaar?"]
KILLED = re.compile(r"killed after write (\d+) \((.+)\)")


@dataclass
class Index:
    corpus: Path
    data: Path

    def settings(self, data: Path | None = None) -> Settings:
        return make_settings(data or self.data, corpus_dir=self.corpus)


@pytest.fixture(scope="module")
def embedder() -> E5Embeddings:
    return E5Embeddings(CACHE)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Index]:
    """Clean ingests of each corpus version (they also fill the embedding cache)."""
    root = tmp_path_factory.mktemp("clean")
    built = {}
    for name, files in {"v1": V1, "v1b": V1B, "v2": V2}.items():
        index = Index(root / name / "corpus", root / name / "data")
        write(index.corpus, files)
        report = run_ingest(index.settings())
        assert not report.failed and report.generation == 1
        built[name] = index
    return built


@pytest.fixture(scope="module")
def runner() -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [PYTHON, str(Path(__file__).with_name("crash_runner.py"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env(PROJECT_ROOT / "data-unused"),
        cwd=PROJECT_ROOT,
    )
    yield process
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=60)


def crash(runner: subprocess.Popen[str], data: Path, corpus: Path, kill_after: int) -> dict[str, object]:
    assert runner.stdin is not None and runner.stdout is not None
    runner.stdin.write(json.dumps({"data_dir": str(data), "corpus_dir": str(corpus), "kill_after": kill_after}) + "\n")
    runner.stdin.flush()
    line = runner.stdout.readline()
    assert line, "the crash runner died"
    return json.loads(line)


def rankings(store: ChromaStore, embedder: E5Embeddings) -> list[list[tuple[str, float]]]:
    return [[(cid, round(score, 5)) for cid, score in store.query(embedder.query_vector(q), 10)] for q in QUESTIONS]


def answers(settings: Settings) -> list[tuple[object, ...]]:
    assistant = Assistant(settings)
    out = []
    for question in QUESTIONS:
        answer = assistant.answer(question)
        out.append((answer.text, [(c.doc_id, c.section, c.passage, c.source_url) for c in answer.citations]))
    return out


def collections(store: ChromaStore) -> list[str]:
    return sorted(c.name for c in store.client.list_collections())


def assert_repaired(data: Path, clean: Index, embedder: E5Embeddings, with_answers: bool) -> None:
    store, reference = ChromaStore(clean.settings(data)), ChromaStore(clean.settings())
    assert snapshot(store) == snapshot(reference)
    assert store.count() == reference.count() and store.marks().keys() == reference.marks().keys()
    assert rankings(store, embedder) == rankings(reference, embedder)
    # only the live generation is left, and the earlier ones its carried documents' rows are in
    kept = {store.generation} | {mark.home for mark in store.marks().values() if mark.home}
    assert collections(store) == sorted(f"wegwijzer_g{n}{part}" for n in kept for part in ("", "_docs", "_sentences"))
    if with_answers:
        assert answers(clean.settings(data)) == answers(clean.settings())


def crash_points(runner: subprocess.Popen[str], corpus: Path, prepare, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """(data folder, what the ingest wrote last) for each write an ingest over ``corpus`` makes,
    the ingest killed right after it; stops at the first ingest that finishes."""
    for n in range(1, 60):
        data = tmp_path / f"kill-{n:02d}"
        prepare(data)
        result = crash(runner, data, corpus, n)
        if not result["killed"]:
            assert result["exit"] == 0, result["stderr"]
            return
        match = KILLED.search(str(result["stderr"]))
        assert match and int(match.group(1)) == n, result["stderr"]
        yield data, match.group(2)
    raise AssertionError("the ingest never finished")


def expected_repairs(step: str) -> list[str]:
    """A document killed between its chunks and its completion mark is half-written."""
    match = re.match(r"(?:chunks|sentences) of (.+)$", step)
    return [match.group(1).rsplit(".", 1)[0]] if match else []


def test_a_first_ingest_killed_after_any_write_is_repaired_by_the_next(
    clean: dict[str, Index], runner: subprocess.Popen[str], embedder: E5Embeddings, tmp_path: Path
):
    v1 = clean["v1"]
    complete = snapshot(ChromaStore(v1.settings()))
    steps = []
    for data, step in crash_points(runner, v1.corpus, lambda data: None, tmp_path):
        steps.append(step)
        seen = snapshot(ChromaStore(v1.settings(data)))
        assert seen in ([], complete), step  # nothing, or all of it: never half a document
        repair = run_ingest(v1.settings(data))
        assert repair.embedded == 0 and not repair.failed, step  # every vector came from the cache
        assert repair.repaired == expected_repairs(step), step
        assert_repaired(data, v1, embedder, with_answers=step.startswith("sentences"))
    assert steps == [
        "begin",
        "chunks of codam.md",
        "sentences of codam.md",
        "mark of codam.md",
        "chunks of slim.md",
        "sentences of slim.md",
        "mark of slim.md",
        "switch",
        "discard",
    ]


def test_an_update_killed_after_any_write_keeps_the_old_index_until_the_switch_and_is_repaired(
    clean: dict[str, Index], runner: subprocess.Popen[str], embedder: E5Embeddings, tmp_path: Path
):
    base, v2 = clean["v1b"], clean["v2"]
    old, new = snapshot(ChromaStore(base.settings())), snapshot(ChromaStore(v2.settings()))
    old_answers = answers(base.settings())

    def prepare(data: Path) -> None:
        shutil.copytree(base.data, data)

    steps = []
    for data, step in crash_points(runner, v2.corpus, prepare, tmp_path):
        steps.append(step)
        seen = snapshot(ChromaStore(v2.settings(data)))
        switched = step in {"switch", "discard"}
        assert seen == (new if switched else old), step  # answers read exactly one generation
        if step == "mark of slim.md":  # killed half-way: the running answers are the old ones
            assert answers(v2.settings(data)) == old_answers
        repair = run_ingest(v2.settings(data))
        assert repair.embedded == 0 and not repair.failed, step
        assert repair.repaired == expected_repairs(step) and repair.resumed == (not switched), step
        if not switched:
            assert (repair.updated, repair.removed, repair.unchanged, repair.added) == (
                ["codam"],
                ["oud"],
                ["slim"],
                ["zoekjaar"],
            )
        assert_repaired(data, v2, embedder, with_answers=step.startswith(("chunks", "sentences")))
        copied, fresh = ChromaStore(v2.settings(data)).document("slim"), ChromaStore(v2.settings()).document("slim")
        assert copied is not None and fresh is not None  # the unchanged document: its vectors, exactly
        assert np.array_equal(copied.vectors, fresh.vectors)
        assert all(np.array_equal(a, b) for a, b in zip(copied.sentence_vectors, fresh.sentence_vectors))
    assert steps == [
        "begin",
        "chunks of codam.md",
        "sentences of codam.md",
        "mark of codam.md",
        "mark of slim.md",  # unchanged: carried by its mark alone, its rows stay in the old generation
        "chunks of zoekjaar.md",
        "sentences of zoekjaar.md",
        "mark of zoekjaar.md",
        "switch",
        "discard",
    ]
