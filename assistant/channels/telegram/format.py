"""Turn the core's :class:`assistant.Answer` into Telegram messages (parse_mode HTML).

The answer is rendered from its data, never by parsing ``Answer.text``: the lead first, in
bold (a refusal plainly), then each point as its own paragraph, list items as bullets under
their intro, each statement followed by its citation numbers as compact links to the
source; the notices (an ended scheme, the peildatum, where to check) in italics under the
answer; then the numbered sources (title, page or section); under a refusal the contacts
(who can help further); last, in italics, the label that says the answer is automated. An
answer without a lead (an answerer that fills only ``text``) is shown as its plain text,
paragraph by paragraph.

Everything from the documents is escaped; the only markup is ours (<b>, <i>, <a href>). A
message may hold at most 4096 characters, so longer answers are split between statements
or sentences (never inside a tag, an entity or a word); the sources list stays whole where
it fits.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant import Answer, Citation
from assistant.base.text import split_sentences
from assistant.base.types import Contact, Statement

TELEGRAM_LIMIT = 4096
TITLE_CHARS = 110
LOCATION_CHARS = 70
BULLET = "• "


def esc(text: str) -> str:
    """Escape text for Telegram HTML (& < > only; quotes are fine outside attributes)."""
    return html.escape(text, quote=False)


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); an emoji counts 2."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Block:
    """A paragraph: atomic HTML units joined by ``joiner`` (or, where given, by ``seps[i]``
    before unit ``i``); paragraphs are joined by a blank line."""

    units: list[str]
    joiner: str = " "
    seps: list[str] | None = None

    def sep(self, i: int) -> str:
        return self.seps[i] if self.seps else self.joiner


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


def text_units(plain: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Plain text as escaped sentence units, each within ``limit`` (a longer one is split by words)."""
    units: list[str] = []
    for sentence in split_sentences(plain):
        escaped = esc(sentence)
        units.extend([escaped] if tg_len(escaped) <= limit else _hard_split(sentence, limit))
    return units


def text_block(plain: str, limit: int = TELEGRAM_LIMIT) -> Block:
    """A paragraph of plain text as sentence units."""
    return Block(text_units(plain, limit))


def styled(units: list[str], tag: str) -> list[str]:
    """Each unit wrapped in ``<tag>`` on its own, so a message boundary never cuts a tag."""
    return [f"<{tag}>{u}</{tag}>" for u in units]


def pack(blocks: Iterable[Block], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pack blocks into as few messages as possible, each at most ``limit`` long."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for i, unit in enumerate(block.units):
            sep = ("\n\n" if i == 0 else block.sep(i)) if current else ""
            if tg_len(current) + tg_len(sep) + tg_len(unit) <= limit:
                current += sep + unit
            else:
                if current:
                    messages.append(current)
                current = unit
    if current:
        messages.append(current)
    return messages


def link(url: str | None, label: str) -> str:
    """``label`` (escaped HTML) as a link to ``url`` when it is a web address."""
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{html.escape(url, quote=True)}">{label}</a>'
    return label


def citation_line(c: Citation) -> str:
    """'[1] <a href="…">Title</a>, p. 16' — compact, with the link when the source has one."""
    title = link(c.source_url, esc(shorten(c.title, TITLE_CHARS)))
    location = shorten(c.location, LOCATION_CHARS) if c.location.strip() != c.title.strip() else ""
    return f"[{c.n}] {title}" + (f", {esc(location)}" if location else "")


def markers(numbers: Sequence[int], citations: dict[int, Citation]) -> str:
    """' [1][2]': citation numbers, each a link to its source where it has one."""
    marks = "".join(link(citations[n].source_url if n in citations else None, f"[{n}]") for n in numbers)
    return f" {marks}" if marks else ""


def statement_block(
    statement: Statement, citations: dict[int, Citation], bold: bool = False, limit: int = TELEGRAM_LIMIT
) -> Block:
    """One statement as a paragraph: its text (its sentences as units) with its citation
    numbers, then its list items as bullets, one per line."""
    marks = markers(statement.citations, citations)
    units = text_units(statement.text, limit - 7 - tg_len(marks)) or [""]  # room for <b></b> and the markers
    if bold and statement.text.strip():
        units = styled(units, "b")
    units[-1] = (units[-1] + marks).strip()
    seps = [" "] * len(units)
    for item in statement.items:
        for j, unit in enumerate(text_units(item, limit - len(BULLET))):
            units.append(BULLET + unit if j == 0 else unit)
            seps.append("\n" if j == 0 else " ")
    kept = [(unit, sep) for unit, sep in zip(units, seps) if unit]
    return Block([u for u, _ in kept], seps=[sep for _, sep in kept])


def answer_blocks(answer: Answer, limit: int = TELEGRAM_LIMIT) -> list[Block]:
    """The answer itself: lead, points, notices (or, without a lead, the plain text)."""
    if not answer.lead:
        return [text_block(line, limit) for line in answer.text.split("\n") if line.strip()]
    by_n = {c.n: c for c in answer.citations}
    blocks = [statement_block(st, by_n, bold=not answer.abstained, limit=limit) for st in answer.lead]
    blocks += [statement_block(st, by_n, limit=limit) for st in answer.points]
    notices = [u for notice in answer.notices for u in styled(text_units(notice, limit - 7), "i")]
    if notices:
        blocks.append(Block(notices, joiner="\n"))
    return blocks


def contact_line(c: Contact) -> str:
    """'• <a href="…">UWV</a> · info@…': the body's name linked to its official page."""
    email = f" · {esc(c.email)}" if c.email else ""
    return f"{BULLET}{link(c.url, esc(shorten(c.name, TITLE_CHARS)))}{email}"


def contacts_block(contacts: Sequence[Contact], intro: str) -> Block:
    """``intro`` ("Hier kun je verder:") in bold, then one contact per line."""
    lines = [contact_line(c) for c in contacts]
    return Block([f"<b>{esc(intro)}</b>" + (f"\n{lines[0]}" if lines else ""), *lines[1:]], joiner="\n")


def format_contacts(contacts: Sequence[Contact], intro: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """A message of its own with the contacts (after 👎, the Contact button, /contact)."""
    return pack([contacts_block(contacts, intro)], limit)


def format_answer(
    answer: Answer, label: str, limit: int = TELEGRAM_LIMIT, *, automated: str = "", contacts_intro: str = ""
) -> list[str]:
    """The answer as one or more HTML messages: the answer, its note, the numbered sources
    under ``label`` ("Bronnen"), a refusal's contacts under ``contacts_intro``, then the
    ``automated`` label ("Automatisch antwoord uit de programmadocumenten")."""
    blocks = answer_blocks(answer, limit)
    if answer.note:
        blocks.append(Block(styled(text_units(answer.note, limit - 7), "i")))
    if answer.citations:
        header = f"<b>{esc(label)}</b>"
        lines = [citation_line(c) for c in answer.citations]
        # the header travels with the first source so it never ends a message on its own
        blocks.append(Block([f"{header}\n{lines[0]}", *lines[1:]], joiner="\n"))
    if answer.abstained and answer.contacts and contacts_intro:
        blocks.append(contacts_block(answer.contacts, contacts_intro))
    if automated:
        blocks.append(Block([f"<i>{esc(automated)}</i>"]))
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
