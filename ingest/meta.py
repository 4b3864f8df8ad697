"""Document metadata, validated at ingest: front matter (or a manifest entry) as a typed model.

The keys and values are those of ``corpus/README.md`` (section "Front matter"). A wrong type
or an unknown value (``region: 5``, ``status: [active, planned]``, ``kind: [scheme]``, a key
nobody reads) is a :class:`~ingest.load.LoadError` for that document at ingest, so nothing at
question time ever meets metadata of a shape it does not expect. Forgiven, because the meaning
is plain: an unquoted YAML date (``2025-03-01``) and a single region or audience instead of a
list of one.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from assistant.base.regions import PROVINCES

Kind = Literal["scheme", "route", "migration", "region", "labour_market", "programme"]
Status = Literal["active", "ended", "planned", "unknown"]
Audience = Literal["career_switcher", "employer", "staff"]
REGIONS = frozenset({"national", *PROVINCES})

_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$")
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*$")


def _iso(value: Any) -> Any:
    """An unquoted YAML date is the date it says."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _date(value: str) -> str:
    if not _DATE.match(value):
        raise ValueError("must be a date as 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'")
    return value


def _source_date(value: str) -> str:
    return value if value == "onbekend" else _date(value)


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError("must be an http(s) URL")
    return value


def _region(value: str) -> str:
    if value not in REGIONS:
        raise ValueError(f"unknown region {value!r} (national or a province slug: {', '.join(sorted(PROVINCES))})")
    return value


def _one_line(value: str) -> str:
    if not value.strip() or "\n" in value:
        raise ValueError("must be one non-empty line")
    return value.strip()


def _short_name(value: str) -> str:
    """Who to check with: a name ('IND', 'provincie Zeeland'), not a sentence, a link or a number."""
    value = _one_line(value)
    if len(value) > 60 or len(value.split()) > 10:
        raise ValueError("must be a short name (at most 60 characters, 10 words), not a sentence")
    if value[-1] in ".!?:" or re.search(r"[.!?]\s", value):
        raise ValueError("must be a name, not a sentence")
    if "://" in value or "www." in value.lower() or "@" in value:
        raise ValueError("must be a name, without a link or an e-mail address")
    if _PHONE.search(value):
        raise ValueError("must be a name, without a phone number")
    return value


def _doc_id(value: str) -> str:
    if not _DOC_ID.match(value):
        raise ValueError("must be a document id: the path under corpus/ without .md")
    return value


DateText = Annotated[str, BeforeValidator(_iso), AfterValidator(_date)]
Line = Annotated[str, AfterValidator(_one_line)]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, AfterValidator(_url)]
    type: Literal["official", "secondary"]
    date: Annotated[str, BeforeValidator(_iso), AfterValidator(_source_date)]


class DocumentMeta(BaseModel):
    """The metadata of one document (front matter, or its ``manifest.yaml`` entry)."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(max_length=200), AfterValidator(_one_line)] | None = None
    kind: Kind = "programme"
    status: Status | None = None
    valid_as_of: DateText | None = None
    audience: Annotated[list[Audience], BeforeValidator(_listed)] = []
    region: Annotated[list[Annotated[str, AfterValidator(_region)]], BeforeValidator(_listed)] = []
    official_body: Annotated[str, AfterValidator(_short_name)] | None = None
    language: Literal["nl", "en"] = "nl"
    translation_of: Annotated[str, AfterValidator(_doc_id)] | None = None
    publisher: Line | None = None
    ended: DateText | None = None
    instead: list[Line] = []
    sources: list[Source] = []
    # manifest entries (PDF, text, HTML files) also say where the original is
    date: DateText | None = None
    source_url: Annotated[str, AfterValidator(_url)] | None = None
    provenance: str | None = None


def describe(exc: ValidationError) -> str:
    """Pydantic's errors as one line a corpus editor can act on: key, what is wrong, the value."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "metadata"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (see corpus/README.md, 'Front matter')"
        value = repr(error.get("input"))
        parts.append(f"{where}: {message} (got {value[:60]})")
    return "; ".join(parts)


def validate_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` checked and normalised; raises ``ValueError`` with :func:`describe`'s text."""
    try:
        model = DocumentMeta.model_validate(meta)
    except ValidationError as exc:
        raise ValueError(describe(exc)) from exc
    data = model.model_dump(exclude_unset=True, exclude_none=True)
    data.setdefault("kind", model.kind)
    data.setdefault("language", model.language)
    return data
