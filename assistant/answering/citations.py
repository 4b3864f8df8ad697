"""What every answerer attaches to its sentences: numbered citations and the notices that
go with the cited documents (an ended or planned scheme, the peildatum, "check with …").

One serialiser for citations (:func:`citation`), one for notices (:func:`status_notes`),
shared by the extractive and the LLM answerer; the channels only render them.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.base.dates import human_date
from assistant.base.prompts import text
from assistant.base.types import Citation, Passage

_WEB_LINK = re.compile(r"https?://[^\s\"'<>\\`]+")


def _web_link(value: object) -> str | None:
    """``value`` when it is an http(s) URL a channel can put in a link as it is."""
    if not isinstance(value, str) or not _WEB_LINK.fullmatch(value):
        return None
    return value


def source_url(passage: Passage) -> str | None:
    """The URL a citation links to: the passage's own 'Bron:' URL (or one in its text), else the
    document's official source, else its first source. Ingest keeps only links to the domains
    allowed in ``corpus/manifest.yaml`` (``ingest/links.py``), and only those are read here:
    None means the channel shows the source as plain text."""
    meta = passage.chunk.meta
    candidates: list[object] = list(meta.get("source_urls") or [])
    sources = meta.get("sources")
    if isinstance(sources, list):
        listed = [s for s in sources if isinstance(s, dict)]
        candidates += [s.get("url") for s in listed if s.get("type") == "official"]
        candidates += [s.get("url") for s in listed]
    candidates.append(meta.get("source_url"))
    return next((url for url in map(_web_link, candidates) if url), None)


def citation(n: int, passage: Passage) -> Citation:
    """Citation number ``n`` for ``passage``: where it stands and where to read more."""
    meta = passage.chunk.meta
    return Citation(
        n=n,
        doc_id=passage.chunk.doc_id,
        title=passage.chunk.title,
        page=passage.chunk.page,
        section=passage.chunk.section,
        passage=passage.chunk.text,
        score=round(passage.score, 4),
        source_url=source_url(passage),
        language=str(meta.get("language", "nl")),
        status=str(meta["status"]) if meta.get("status") else None,
        valid_as_of=str(meta["valid_as_of"]) if meta.get("valid_as_of") else None,
    )


def status_notes(citations: list[Citation], passages: list[Passage], lang: str, prompts_dir: Path) -> list[str]:
    """'ended'/'planned' warnings and 'check with <body>' for cited schemes and rules."""
    notes: list[str] = []
    check: dict[str, list[str]] = {}
    metas = {p.chunk.doc_id: p.chunk.meta for p in passages}
    seen: set[str] = set()
    for c in citations:
        if c.doc_id in seen:
            continue
        seen.add(c.doc_id)
        meta = metas.get(c.doc_id, {})
        date = human_date(meta.get("valid_as_of"), lang)
        title = re.sub(r"\s*\([^)]*\)", "", c.title).strip()
        if c.status == "ended" and date:
            ended = human_date(meta.get("ended"), lang)  # the day it stopped, where the page says
            if ended:
                notes.append(text("status_ended_on", lang, prompts_dir, title=title, date=ended))
            else:
                notes.append(text("status_ended", lang, prompts_dir, title=title, date=date))
            instead = meta.get("instead")
            if isinstance(instead, list) and instead:
                notes.append(text("instead", lang, prompts_dir, options="; ".join(str(o) for o in instead)))
        elif c.status == "planned" and date:
            notes.append(text("status_planned", lang, prompts_dir, title=title, date=date))
        elif meta.get("kind") in {"scheme", "migration"} and meta.get("official_body") and date:
            check.setdefault(str(meta["official_body"]), []).append(date)
    for body, dates in check.items():
        notes.append(text("check_with", lang, prompts_dir, date=" / ".join(sorted(set(dates))), body=body))
    return list(dict.fromkeys(notes))
