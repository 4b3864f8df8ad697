"""Load a corpus file (PDF, Markdown, HTML, text) into a :class:`Document`.

Metadata comes from the Markdown front matter or, for files that cannot carry it
(PDF, text, HTML), from ``corpus/manifest.yaml``. A file that cannot be read
(encrypted, malformed, empty) raises :class:`LoadError` with a reason a person can act on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from assistant.base.errors import WegwijzerError
from assistant.base.types import Document

SUFFIXES = {".pdf", ".md", ".markdown", ".html", ".htm", ".txt"}
SKIP_NAMES = {"readme.md", "manifest.yaml", "manifest.yml"}
MAX_BYTES = 50 * 1024 * 1024


class LoadError(WegwijzerError):
    """A corpus file could not be turned into text."""


def discover(corpus_dir: Path) -> list[Path]:
    """Every document file under ``corpus_dir`` (README and manifest excluded), sorted."""
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES and path.name.lower() not in SKIP_NAMES:
            files.append(path)
    return files


def read_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    path = corpus_dir / "manifest.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {entry["path"]: entry for entry in data.get("documents", [])}


def doc_id_for(path: Path, corpus_dir: Path) -> str:
    return path.relative_to(corpus_dir).with_suffix("").as_posix()


_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise LoadError("front matter must be a YAML mapping")
    return meta, text[match.end() :]


def _read_pdf(path: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:
                raise LoadError("PDF is encrypted and cannot be opened without a password") from exc
            if not ok:
                raise LoadError("PDF is encrypted and cannot be opened without a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"PDF could not be read ({exc.__class__.__name__}: {exc})") from exc
    if not any(p.strip() for p in pages):
        raise LoadError("PDF has no extractable text (scanned images need OCR first)")
    return pages


def _read_html(text: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    for level in range(1, 4):
        for h in soup.find_all(f"h{level}"):
            h.replace_with(f"\n\n{'#' * level} {h.get_text(' ', strip=True)}\n\n")
    for li in soup.find_all("li"):
        li.insert_before("\n- ")
    for p in soup.find_all(["p", "div", "br", "tr"]):
        p.insert_after("\n\n")
    body = soup.body or soup
    return body.get_text(), title


def load_document(path: Path, corpus_dir: Path, manifest: dict[str, dict[str, Any]] | None = None) -> Document:
    """Read one file; metadata from front matter, else the manifest, else the file name."""
    if manifest is None:
        manifest = read_manifest(corpus_dir)
    rel = path.relative_to(corpus_dir).as_posix()
    size = path.stat().st_size
    if size == 0:
        raise LoadError("file is empty")
    if size > MAX_BYTES:
        raise LoadError(f"file is larger than {MAX_BYTES // 2**20} MB")
    meta: dict[str, Any] = dict(manifest.get(rel, {}))
    meta.pop("path", None)
    suffix = path.suffix.lower()
    is_pdf = suffix == ".pdf"
    title: str | None = None
    if is_pdf:
        pages = _read_pdf(path)
    else:
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raw = path.read_text(encoding="latin-1")
        if suffix in {".md", ".markdown"}:
            front, raw = split_front_matter(raw)
            meta.update(front)
            match = re.search(r"^#\s+(.+)$", raw, re.M)
            title = match.group(1).strip() if match else None
        elif suffix in {".html", ".htm"}:
            raw, title = _read_html(raw)
        pages = [raw]
        if not raw.strip():
            raise LoadError("file has no text")
    meta.setdefault("kind", "programme")
    meta.setdefault("language", "nl")
    title = str(meta.get("title") or title or path.stem.replace("-", " ").replace("_", " ").capitalize())
    meta["title"] = title
    return Document(doc_id=doc_id_for(path, corpus_dir), title=title, path=rel, pages=pages, meta=meta, is_pdf=is_pdf)
