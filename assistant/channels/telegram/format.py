"""Turn the core's :class:`assistant.Answer` into Telegram messages (parse_mode HTML).

Everything from the documents is escaped; the only markup is ours (<b>, <a href>).
Citations become a compact numbered list (title, page or section). A message may hold at
most 4096 characters, so longer answers are split between sentences (never inside a tag,
an entity or a word), and the sources list stays whole where it fits.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant import Answer, Citation

TELEGRAM_LIMIT = 4096
TITLE_CHARS = 110
LOCATION_CHARS = 70

# A sentence ends at . ! ? or … (plus closing quotes and citation markers like " [2]"),
# when whitespace and a capital, digit, quote or bullet follow.
_BOUNDARY = re.compile(r"[.!?…][\"”’')]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s+[\"“‘'(]?[A-ZÀ-Ý0-9•€])")
# Abbreviations (and initials) whose period does not end a sentence: "p. 16", "bijv. Codam".
_ABBREVIATION = re.compile(
    r"(?:^|[\s(])(?:[A-Z]|p|pp|blz|pag|nr|art|bijv|ca|vgl|zgn|resp|incl|excl|max|min|o\.a|m\.b\.t|d\.w\.z|"
    r"t\.a\.v|i\.v\.m|e\.g|i\.e|vs|dr|mr|ir|ing|prof|drs|St)$",
    re.I,
)


def esc(text: str) -> str:
    """Escape text for Telegram HTML (& < > only; quotes are fine outside attributes)."""
    return html.escape(text, quote=False)


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); an emoji counts 2."""
    return len(text.encode("utf-16-le")) // 2


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences, keeping each sentence's citation markers with it."""
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if text[match.start()] == "." and _ABBREVIATION.search(text, start, match.start()):
            continue
        out.append(text[start : match.end()].strip())
        start = match.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Block:
    """A paragraph: atomic HTML units joined by ``joiner``; paragraphs are joined by a blank line."""

    units: list[str]
    joiner: str = " "


def _hard_split(plain: str, limit: int) -> list[str]:
    """Escaped pieces of ``plain`` that each fit ``limit``: by words, or by characters as a last resort."""
    pieces: list[str] = []
    current = ""
    for word in plain.split():
        escaped = esc(word)
        while tg_len(escaped) > limit:  # one enormous "word" (a URL, a hash …)
            cut = limit
            while tg_len(esc(word[:cut])) > limit:
                cut -= 1
            if current:
                pieces.append(current)
                current = ""
            pieces.append(esc(word[:cut]))
            word = word[cut:]
            escaped = esc(word)
        if not word:
            continue
        candidate = f"{current} {escaped}" if current else escaped
        if tg_len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = escaped
    if current:
        pieces.append(current)
    return pieces


def text_block(plain: str, limit: int = TELEGRAM_LIMIT) -> Block:
    """A paragraph of plain text as sentence units (each escaped, each within ``limit``)."""
    units: list[str] = []
    for sentence in split_sentences(plain):
        escaped = esc(sentence)
        units.extend([escaped] if tg_len(escaped) <= limit else _hard_split(sentence, limit))
    return Block(units)


def pack(blocks: Iterable[Block], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pack blocks into as few messages as possible, each at most ``limit`` long."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for i, unit in enumerate(block.units):
            sep = ("\n\n" if i == 0 else block.joiner) if current else ""
            if tg_len(current) + tg_len(sep) + tg_len(unit) <= limit:
                current += sep + unit
            else:
                if current:
                    messages.append(current)
                current = unit
    if current:
        messages.append(current)
    return messages


def citation_line(c: Citation) -> str:
    """'[1] <a href="…">Title</a>, p. 16' — compact, with the link when the source has one."""
    title = esc(shorten(c.title, TITLE_CHARS))
    if c.source_url and c.source_url.startswith(("https://", "http://")):
        title = f'<a href="{html.escape(c.source_url, quote=True)}">{title}</a>'
    location = shorten(c.location, LOCATION_CHARS) if c.location.strip() != c.title.strip() else ""
    return f"[{c.n}] {title}" + (f", {esc(location)}" if location else "")


def sources_label(lang: str) -> str:
    return "Sources" if lang == "en" else "Bronnen"


def format_answer(answer: Answer, label: str | None = None, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The answer as one or more HTML messages: text, then the numbered sources."""
    blocks = [text_block(line, limit) for line in answer.text.split("\n") if line.strip()]
    if answer.note:
        blocks.append(Block([f"<i>{u}</i>" for u in text_block(answer.note, limit - 7).units]))
    if answer.citations:
        header = f"<b>{esc(label or sources_label(answer.lang))}</b>"
        lines = [citation_line(c) for c in answer.citations]
        # the header travels with the first source so it never ends a message on its own
        blocks.append(Block([f"{header}\n{lines[0]}", *lines[1:]], joiner="\n"))
    return pack(blocks, limit)


def format_documents(
    docs: Sequence[dict[str, Any]], header: str, status_labels: dict[str, str], limit: int = TELEGRAM_LIMIT
) -> list[str]:
    """/bronnen: one line per document with its date (and 'ended' / 'plan' where it applies)."""
    lines = []
    for doc in docs:
        extra = [str(doc.get("date") or "").strip()]
        if doc.get("status") in status_labels:
            extra.append(status_labels[doc["status"]])
        detail = ", ".join(e for e in extra if e)
        lines.append(
            f"• {esc(shorten(str(doc.get('title') or doc.get('doc_id')), TITLE_CHARS))}"
            + (f" ({esc(detail)})" if detail else "")
        )
    if not lines:
        return [header]
    return pack([Block([f"{header}\n{lines[0]}", *lines[1:]], joiner="\n")], limit)
