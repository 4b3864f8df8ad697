"""Citation links only to allowed domains: ``links.allowed_domains`` in ``corpus/manifest.yaml``.

A document names its sources in its text ('Bron:' lines, URLs) and in its metadata
(``sources``, ``source_url``). At ingest every one of those URLs is checked against the
allowlist: an https/http URL whose host is an allowed domain or a subdomain of one, with no
user name in it (``https://rijksoverheid.nl@evil.example`` goes to evil.example). What is not
allowed is dropped from the chunk's metadata, so an answer never links there: the channel shows
the source as plain text (:func:`assistant.answering.citations.source_url` reads only what is
kept). A corpus folder whose manifest has no allowlist gets the shipped corpus's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from assistant.base.settings import PROJECT_ROOT
from assistant.base.types import Chunk

SHIPPED_MANIFEST = PROJECT_ROOT / "corpus" / "manifest.yaml"
_URL_IN_TEXT = re.compile(r"https?://[^\s)>\]\"'<;,]+")


@dataclass(frozen=True)
class LinkPolicy:
    """The domains citation links may point to."""

    domains: frozenset[str]

    def allows(self, url: object) -> bool:
        if not isinstance(url, str) or any(c.isspace() or c in "\"'<>\\" for c in url):
            return False
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").rstrip(".")
        except ValueError:
            return False
        if parts.scheme not in {"https", "http"} or parts.username is not None or parts.password is not None:
            return False
        return any(host == domain or host.endswith("." + domain) for domain in self.domains)

    @property
    def fingerprint(self) -> str:
        """Part of every document's hash: a changed allowlist re-indexes (cheaply, from the cache)."""
        return hashlib.sha256("\n".join(sorted(self.domains)).encode()).hexdigest()[:16]

    def keep(self, urls: Iterable[object]) -> list[str]:
        return [str(u) for u in dict.fromkeys(urls) if self.allows(u)]


def _domains(manifest: Path) -> frozenset[str] | None:
    if not manifest.exists():
        return None
    data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    links = data.get("links") if isinstance(data, dict) else None
    if not isinstance(links, dict) or "allowed_domains" not in links:
        return None
    domains = links["allowed_domains"] or []
    if not isinstance(domains, list) or not all(isinstance(d, str) and d.strip() for d in domains):
        raise ValueError(f"{manifest}: links.allowed_domains must be a list of domain names")
    return frozenset(d.strip().lower().rstrip(".") for d in domains)


def read_link_policy(corpus_dir: Path) -> LinkPolicy:
    """The allowlist of ``corpus_dir``'s manifest, else the shipped corpus's, else none."""
    for manifest in (corpus_dir / "manifest.yaml", SHIPPED_MANIFEST):
        domains = _domains(manifest)
        if domains is not None:
            return LinkPolicy(domains)
    return LinkPolicy(frozenset())


def vet_links(chunks: list[Chunk], policy: LinkPolicy) -> None:
    """Keep only allowed URLs in each chunk's link metadata: ``source_urls`` (its 'Bron:' URLs,
    then URLs in its text), ``sources`` and ``source_url``."""
    for chunk in chunks:
        meta: dict[str, Any] = chunk.meta
        in_text = [u.rstrip(".,;") for u in _URL_IN_TEXT.findall(chunk.text)]
        urls = policy.keep([*(meta.get("source_urls") or []), *in_text])
        if urls:
            meta["source_urls"] = urls
        else:
            meta.pop("source_urls", None)
        sources = meta.get("sources")
        if isinstance(sources, list):
            kept = [s for s in sources if isinstance(s, dict) and policy.allows(s.get("url"))]
            if kept:
                meta["sources"] = kept
            else:
                meta.pop("sources", None)
        if "source_url" in meta and not policy.allows(meta["source_url"]):
            del meta["source_url"]
