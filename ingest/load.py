"""Load a corpus file (PDF, Markdown, HTML, text) into a :class:`Document`.

Metadata comes from the Markdown front matter or, for files that cannot carry it
(PDF, text, HTML), from ``corpus/manifest.yaml``, and is validated (:mod:`ingest.meta`). A file that cannot be read raises
:class:`LoadError` with a reason a person can act on; ingest reports it by path and the
document keeps the chunks it had.

What is supported (anything else is refused by name, never guessed):

- files inside the corpus folder; symbolic links are not followed (a link is reported, to a
  file inside the folder or outside it);
- at most ``WEGWIJZER_MAX_DOCUMENT_BYTES`` per file (and as extracted PDF text);
- text (``.md``, ``.txt``, ``.html``) in UTF-8, with or without a byte-order mark, or UTF-16
  with a byte-order mark; no other encoding is guessed (no silent latin-1), a binary file
  (NUL bytes, a known file signature) is refused whatever its name;
- PDFs with at most ``WEGWIJZER_MAX_PDF_PAGES`` pages, not encrypted or encrypted (RC4 or AES,
  via ``cryptography``) with an empty user password; a PDF that needs a password is refused,
  and so is one whose streams inflate beyond pypdf's limits (a decompression bomb).
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from assistant.base.errors import WegwijzerError
from assistant.base.types import Document
from ingest.meta import validate_meta

SUFFIXES = {".pdf", ".md", ".markdown", ".html", ".htm", ".txt"}
SKIP_NAMES = {"readme.md", "manifest.yaml", "manifest.yml"}
MAX_BYTES = 50 * 1024 * 1024  # the defaults of Settings.max_document_bytes and max_pdf_pages
MAX_PAGES = 2000
MB = 1024 * 1024


class LoadError(WegwijzerError):
    """A corpus file could not be turned into text."""


def discover(corpus_dir: Path) -> list[Path]:
    """Every document file under ``corpus_dir`` (README, manifest and dot-files excluded),
    sorted. Symbolic links to files are listed (loading refuses them with a reason); linked
    folders are not entered."""
    files = []
    for folder, dirs, names in os.walk(corpus_dir, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = Path(folder) / name
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES or name.lower() in SKIP_NAMES:
                continue
            if path.is_symlink() or path.is_file():
                files.append(path)
    return sorted(files)


def read_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    path = corpus_dir / "manifest.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {entry["path"]: entry for entry in data.get("documents", [])}


def doc_id_for(path: Path, corpus_dir: Path) -> str:
    return path.relative_to(corpus_dir).with_suffix("").as_posix()


def _size(n: int) -> str:
    if n >= MB:
        return f"{n / MB:.1f} MB"
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} bytes"


def read_file(path: Path, corpus_dir: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a corpus file, after the checks that need no parsing: a regular file inside
    ``corpus_dir``, not a link, not empty, not larger than ``max_bytes``."""
    root = corpus_dir.resolve()
    if path.is_symlink():
        target = path.resolve()
        where = (
            f"to {target.relative_to(root).as_posix()}"
            if target.is_relative_to(root)
            else "to a file outside the corpus folder"
        )
        raise LoadError(f"is a symbolic link {where}; links are not followed (copy the file into the corpus folder)")
    if not path.resolve().is_relative_to(root):
        raise LoadError("lies outside the corpus folder")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise LoadError(f"file cannot be read: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LoadError("is not a regular file")
        if info.st_size > max_bytes:
            raise LoadError(
                f"file is {_size(info.st_size)}, more than the limit of {_size(max_bytes)} (WEGWIJZER_MAX_DOCUMENT_BYTES)"
            )
        data = fh.read(max_bytes + 1)
    if not data:
        raise LoadError("file is empty")
    if len(data) > max_bytes:
        raise LoadError(f"file is more than the limit of {_size(max_bytes)} (WEGWIJZER_MAX_DOCUMENT_BYTES)")
    return data


_SIGNATURES = {
    b"%PDF-": "a PDF",
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or a Word/Excel file)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "a program (ELF)",
    b"MZ": "a Windows program",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"SQLite format 3\x00": "an SQLite database",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_text(data: bytes, suffix: str = ".txt") -> str:
    """Text from bytes: UTF-8 (a BOM is dropped) or UTF-16 with a BOM; anything else is a
    :class:`LoadError` that says what the file seems to be and what to do."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise LoadError("is UTF-32 text, which is not supported; save it as UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(
                f"is not valid UTF-16 despite its byte-order mark ({exc.reason}); save it as UTF-8"
            ) from exc
    else:
        for signature, kind in _SIGNATURES.items():
            if data.startswith(signature):
                raise LoadError(f"is {kind}, not text (named {suffix})")
        if b"\x00" in data:
            at = data.index(b"\x00")
            raise LoadError(
                f"contains NUL bytes (first at byte {at}): a binary file, or UTF-16 without a byte-order mark; "
                "save it as UTF-8"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            bad = data[exc.start : exc.start + 1].hex()
            raise LoadError(
                f"is not valid UTF-8 (byte 0x{bad} at offset {exc.start}); save it as UTF-8 "
                "(no other encoding is guessed)"
            ) from exc
    if "\x00" in text:
        raise LoadError("contains NUL characters: a binary file, not text")
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 100):
        raise LoadError(f"contains {controls} control characters: a binary file, not text")
    return _CONTROL.sub("", text).replace("\r\n", "\n")


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


def _read_pdf(data: bytes, max_pages: int = MAX_PAGES, max_text: int = MAX_BYTES) -> list[str]:
    """Page texts of a PDF; encrypted ones only when the empty password opens them."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, LimitReachedError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:  # AES without the cryptography package
                raise LoadError(f"PDF is encrypted with AES and cannot be decrypted here ({exc})") from exc
            if opened == PasswordType.NOT_DECRYPTED:
                raise LoadError(
                    "PDF is encrypted and cannot be opened without a password "
                    "(save an unprotected copy: only PDFs that open without a password are read)"
                )
        n = len(reader.pages)
        if n > max_pages:
            raise LoadError(f"PDF has {n} pages, more than the limit of {max_pages} (WEGWIJZER_MAX_PDF_PAGES)")
        pages: list[str] = []
        total = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            if not text.strip():
                page.get_contents()  # extraction hides why a page gave nothing: an inflation limit raises here
            total += len(text)
            if total > max_text:
                raise LoadError(
                    f"PDF text is longer than the limit of {_size(max_text)} (WEGWIJZER_MAX_DOCUMENT_BYTES)"
                )
            pages.append(text)
    except LoadError:
        raise
    except LimitReachedError as exc:
        raise LoadError(f"PDF content inflates beyond the safety limits (a decompression bomb?): {exc}") from exc
    except RecursionError as exc:
        raise LoadError("PDF could not be read (its structure nests too deeply)") from exc
    except Exception as exc:  # pypdf raises many kinds of errors on a malformed file
        raise LoadError(f"PDF could not be read ({exc.__class__.__name__}: {exc})") from exc
    if not any(p.strip() for p in pages):
        raise LoadError("PDF has no extractable text (scanned images need OCR first)")
    return pages


# Elements whose text a reader never sees: never indexed (hidden text is where injected
# instructions hide). ``style`` values are matched without spaces, in lower case.
_INVISIBLE_TAGS = ["script", "style", "nav", "footer", "noscript", "template", "iframe", "object", "embed", "svg"]
_INVISIBLE_FORM = ["input", "button", "select", "textarea", "option"]
_HIDDEN_STYLE = re.compile(
    r"display:none|visibility:hidden|visibility:collapse|font-size:0(?![.\d]*[1-9])|opacity:0(?![.\d]*[1-9])"
)


def hidden_style(style: str) -> bool:
    return bool(_HIDDEN_STYLE.search(re.sub(r"\s+", "", style.lower())))


def _read_html(text: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup, Comment, Tag

    soup = BeautifulSoup(text, "html.parser")
    for comment in soup.find_all(string=lambda node: isinstance(node, Comment)):
        comment.extract()
    for tag in soup(_INVISIBLE_TAGS + _INVISIBLE_FORM):
        tag.decompose()
    hidden = [
        tag
        for tag in soup.find_all(True)
        if isinstance(tag, Tag)
        and (
            tag.has_attr("hidden")
            or str(tag.get("aria-hidden", "")).lower() == "true"
            or hidden_style(str(tag.get("style", "")))
        )
    ]
    for tag in hidden:
        if not tag.decomposed:
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


def load_document(
    path: Path,
    corpus_dir: Path,
    manifest: dict[str, dict[str, Any]] | None = None,
    *,
    data: bytes | None = None,
    max_bytes: int = MAX_BYTES,
    max_pages: int = MAX_PAGES,
) -> Document:
    """Read one file (or its ``data``, read by :func:`read_file`); metadata from front matter,
    else the manifest, else the file name."""
    if manifest is None:
        manifest = read_manifest(corpus_dir)
    rel = path.relative_to(corpus_dir).as_posix()
    if data is None:
        data = read_file(path, corpus_dir, max_bytes)
    meta: dict[str, Any] = dict(manifest.get(rel, {}))
    meta.pop("path", None)
    suffix = path.suffix.lower()
    is_pdf = suffix == ".pdf"
    title: str | None = None
    if is_pdf:
        pages = _read_pdf(data, max_pages, max_bytes)
    else:
        raw = decode_text(data, suffix)
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
    try:
        meta = validate_meta(meta)
    except ValueError as exc:
        where = "front matter" if suffix in {".md", ".markdown"} and rel not in manifest else "metadata"
        raise LoadError(f"{where}: {exc}") from exc
    title = str(meta.get("title") or title or path.stem.replace("-", " ").replace("_", " ").capitalize())
    meta["title"] = title
    return Document(doc_id=doc_id_for(path, corpus_dir), title=title, path=rel, pages=pages, meta=meta, is_pdf=is_pdf)
