"""Shared pieces of the fault suite: tiny corpora, PDFs written on the spot, store snapshots.

The documents are small on purpose: the embedder is the real one, and its vectors for these
texts come from the shared cache (``.cache/embeddings.sqlite``) after the first run.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF

from assistant.base.settings import PROJECT_ROOT
from assistant.core.store import VectorStore

CODAM = (
    "---\ntitle: Codam\nkind: route\nstatus: active\nlanguage: nl\n---\n# Codam\n\n## Opleiding\n\n"
    "De Codam-opleiding in Amsterdam is gratis en duurt ongeveer twee jaar.\n"
    "Bron: https://www.codam.nl/ (officieel, peildatum 2025)\n"
)
SLIM = (
    "---\ntitle: SLIM-regeling\nkind: scheme\nstatus: active\nlanguage: nl\n---\n# SLIM-regeling\n\n## Subsidie\n\n"
    "De SLIM-regeling geeft mkb-bedrijven subsidie voor het leren en ontwikkelen van hun werkenden.\n"
    "Bron: https://www.uitvoeringvanbeleidszw.nl/subsidies/slim (officieel, peildatum 2025)\n"
)
ZOEKJAAR = (
    "---\ntitle: Zoekjaar hoogopgeleiden\nkind: migration\nstatus: active\nlanguage: nl\n---\n# Zoekjaar\n\n"
    "## Wie\n\nMet het zoekjaar hoogopgeleiden zoekt een afgestudeerde een jaar lang werk in Nederland.\n"
    "Bron: https://ind.nl/nl/verblijfsvergunningen/werk/zoekjaar-hoogopgeleiden (officieel, peildatum 2026)\n"
)
PDF_TEXT = "De Human Capital Agenda ICT wil dat er in 2030 een miljoen ICT-professionals in Nederland werken."


def pdf_bytes(pages: list[str]) -> bytes:
    """A real PDF (fpdf2, core font: ASCII text), one string per page."""
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 5, text)
    return bytes(pdf.output())


def encrypted_pdf(pages: list[str], user_password: str, algorithm: str = "AES-256") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes(pages)))
    writer.encrypt(user_password=user_password, owner_password="eigenaar", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bomb_pdf(inflated: int = 120_000_000) -> bytes:
    """One page whose content stream is small on disk and inflates beyond pypdf's limits."""
    from pypdf import PdfWriter
    from pypdf.generic import EncodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    stream = EncodedStreamObject()
    line = b"BT (ICT) Tj ET\n"
    stream._data = zlib.compress(line * (inflated // len(line)), 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write(corpus: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = corpus / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def snapshot(store: VectorStore, doc_id: str | None = None) -> list[tuple[object, ...]]:
    """What answers read of a store (or of one document): chunks in order, their metadata and
    their sentence vectors."""
    chunks = [c for c in store.all_chunks() if doc_id is None or c.doc_id == doc_id]
    counts = {c.chunk_id: int(c.meta.get("n_sentences", 0)) for c in chunks}
    vectors = store.sentence_vectors(list(counts), counts)
    return [(c.chunk_id, c.text, c.meta, vectors[c.chunk_id].tolist()) for c in chunks]


# --- processes -------------------------------------------------------------------------------
PYTHON = sys.executable


def env(data_dir: Path, corpus_dir: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a ``wegwijzer`` process over a test data folder (shared embedding cache)."""
    from conftest import CACHE

    values = dict(os.environ)
    values.update(
        {
            "WEGWIJZER_DATA_DIR": str(data_dir),
            "WEGWIJZER_EMBED_CACHE": str(CACHE),
            "WEGWIJZER_LLM_BASE_URL": "",
            "WEGWIJZER_TELEGRAM_TOKEN": "",
            "WEGWIJZER_ANSWERER": "extractive",
            "ANONYMIZED_TELEMETRY": "False",
        }
    )
    if corpus_dir is not None:
        values["WEGWIJZER_CORPUS_DIR"] = str(corpus_dir)
    values.update(extra)
    return values


def read_only(command: list[str], folder: Path) -> list[str]:
    """``command`` run with ``folder`` read-only for real: for root (who writes through file
    modes) inside a user and mount namespace with ``folder`` bind-mounted read-only; for
    anyone else ``folder`` loses its write permission."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return command
    if not shutil.which("unshare"):
        pytest.skip("running as root without unshare: no way to make a folder read-only")
    mount = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return ["unshare", "-rm", "sh", "-c", mount, str(folder), *command]


def run(command: list[str], environment: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout, cwd=PROJECT_ROOT)
