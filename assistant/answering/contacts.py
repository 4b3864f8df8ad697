"""A way onward: who a user can ask when the answer is not enough, or when there is none.

For every cited document with an ``official_body`` (DUO, UWV, IND, RVO, the province …) the
contact is that body with the document's first official source page; the programme's own
contact comes from the settings. Only what the documents or the settings say: no phone number
or address is made up here.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.base.settings import Settings
from assistant.base.types import Citation, Contact, Passage


def _official_url(meta: dict[str, object]) -> str | None:
    sources = meta.get("sources")
    if isinstance(sources, list):
        for source in sources:
            if isinstance(source, dict) and source.get("type") == "official" and source.get("url"):
                return str(source["url"])
    return None


def programme_contact(settings: Settings) -> Contact | None:
    """The programme's contact (``WEGWIJZER_PROGRAMME_CONTACT_*``), if one is set."""
    if not settings.programme_contact_name:
        return None
    return Contact(settings.programme_contact_name, settings.programme_contact_url, settings.programme_contact_email)


def contacts_for(citations: Sequence[Citation], passages: Sequence[Passage], settings: Settings) -> list[Contact]:
    """The bodies behind the cited documents (each once, in citation order), then the programme."""
    metas = {p.chunk.doc_id: p.chunk.meta for p in passages}
    out: list[Contact] = []
    seen: set[str] = set()
    for c in citations:
        meta = metas.get(c.doc_id, {})
        body = meta.get("official_body")
        if not isinstance(body, str) or not body or body in seen:
            continue
        seen.add(body)
        out.append(Contact(body, _official_url(meta)))
    programme = programme_contact(settings)
    if programme is not None and programme.name not in seen:
        out.append(programme)
    return out
