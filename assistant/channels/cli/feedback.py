"""``wegwijzer feedback cases``: every 👎 as a draft evaluation case, for staff to finish.

The feedback store (:meth:`~assistant.channels.state.StateStore.feedback`) keeps, for the
retention period, the question, the earlier questions of the conversation, the answer text and
its citations with each feedback item. This command writes each 👎 item as a case in the format
of ``eval/README.md`` (id ``feedback-NNN`` after the feedback's number, so a second run gives
the same ids): the question, its language and audience, a category guessed from the cited
documents (``programme`` when nothing was cited), ``answerable: true``, and ``facts`` and
``evidence`` left empty for staff to fill from the documents. YAML comments above each case
keep what the user got: the answer, its citations and their free-text feedback.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
import yaml

from assistant import get_settings
from assistant.channels.state import STATE_FILE, StateStore

# The first part of a doc id (corpus folder) and the eval category its questions belong to.
CATEGORY_OF_FOLDER = {
    "omscholing": "reskilling",
    "regelingen": "funding",
    "kennismigratie": "migration",
    "regio": "regional",
    "arbeidsmarkt": "labour_market",
    "bronnen": "programme",
}
DEFAULT_CATEGORY = "programme"
AUDIENCES = ("career_switcher", "employer", "staff")
# Who asks when the channel did not say: the bot is for career switchers, the widget's default is employers.
DEFAULT_AUDIENCE = {"telegram": "career_switcher", "web": "employer"}
HEADER = """\
# Draft evaluation cases from 👎 feedback, written by `wegwijzer feedback cases` on {when}
# ({scope}; {count} case(s)). Format and matching rules: eval/README.md.
# Before a case goes into a case file: fill in `facts` and `evidence` from the documents (or set
# answerable: false, category: out_of_scope, facts: [] when the documents do not answer it),
# check the guessed category and audience, and rename the id to <category>-NNN.
"""

feedback_app = typer.Typer(help="User feedback: turn 👎 answers into evaluation cases.", no_args_is_help=True)


def guess_category(citations: Iterable[dict[str, Any]]) -> str:
    """The category of most cited documents (the first cited wins a tie); ``programme`` without any."""
    counts: Counter[str] = Counter()
    for c in citations:
        parts = str(c.get("doc_id") or "").split("/")
        if parts and parts[0] == "en":  # the English editions: corpus/en/<folder>/…
            parts = parts[1:]
        category = CATEGORY_OF_FOLDER.get(parts[0]) if parts else None
        if category:
            counts[category] += 1
    return counts.most_common(1)[0][0] if counts else DEFAULT_CATEGORY


def _comment(label: str, text: str | None) -> list[str]:
    lines = [line.rstrip() for line in (text or "").replace("\r", "").split("\n") if line.strip()]
    if not lines:
        return [f"# {label}: (none)"]
    return [f"# {label}:", *(f"#   {line}" for line in lines)]


def draft_case(item: dict[str, Any]) -> str:
    """One 👎 item as a YAML list entry with its comments (the answer, citations, feedback)."""
    created = datetime.fromtimestamp(item["created"], UTC).strftime("%Y-%m-%d %H:%M UTC")
    audience = item.get("audience") if item.get("audience") in AUDIENCES else None
    case = {
        "id": f"feedback-{item['id']:03d}",
        "question": item["question"],
        "lang": item.get("lang") if item.get("lang") in ("nl", "en") else "nl",
        "audience": audience or DEFAULT_AUDIENCE.get(item.get("channel") or "", "career_switcher"),
        "category": guess_category(item.get("citations") or []),
        "answerable": True,
        "facts": [],
        "evidence": [],
        "turns": list(item.get("turns") or []),
    }
    refused = " — the assistant refused" if item.get("abstained") else ""
    lines = [f"# feedback {item['id']}: 👎 via {item.get('channel') or '?'} on {created}{refused}"]
    lines += _comment("their comment", item.get("comment"))
    lines += _comment(f"answer given ({item.get('mode') or '?'})", item.get("answer"))
    citations = [
        f"[{c.get('n')}] {c.get('doc_id')}: {c.get('title')}" + (f", {c['location']}" if c.get("location") else "")
        for c in item.get("citations") or []
    ]
    lines += _comment("its citations", "\n".join(citations))
    body = yaml.safe_dump([case], allow_unicode=True, sort_keys=False, width=10_000)
    guessed = {
        "  category:": "  # guessed from the cited documents",
        "  audience:": "" if audience else "  # not stored; the channel's usual audience",
    }
    out = []
    for line in body.splitlines():
        note = next((n for prefix, n in guessed.items() if line.startswith(prefix) and n), "")
        out.append(line + note)
    return "\n".join(lines + out) + "\n"


def draft_cases(items: Sequence[dict[str, Any]], scope: str, now: datetime | None = None) -> tuple[str, int, int]:
    """The YAML file of draft cases for the 👎 ``items`` that still hold their question; returns
    the text, how many cases it holds and how many 👎 items were skipped (purged, or stored
    before questions were)."""
    down = [i for i in items if i["rating"] < 0]
    usable = [i for i in down if i.get("question")]
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    header = HEADER.format(when=when, scope=scope, count=len(usable))
    if not usable:
        return header + "[]\n", 0, len(down)
    return header + "\n" + "\n".join(draft_case(i) for i in usable), len(usable), len(down) - len(usable)


@feedback_app.command("cases")
def cases(
    out: Annotated[Optional[Path], typer.Option("--out", help="File to write (default: standard output).")] = None,
    since: Annotated[
        Optional[int], typer.Option("--since", metavar="DAYS", min=1, help="Only feedback of the last DAYS days.")
    ] = None,
) -> None:
    """Write every 👎 answer as a draft evaluation case (eval/README.md format) for staff to finish."""
    settings = get_settings()
    path = settings.data_dir / STATE_FILE
    source = str(path)
    scope = f"feedback of the last {since} days" if since else "all stored feedback"
    items = []
    if settings.database_url or path.exists():
        store = StateStore.from_settings(settings)
        source = store.where
        items = store.feedback(since=time.time() - since * 86400 if since else None)
    text, count, skipped = draft_cases(items, scope)
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    where = f"to {out}" if out else "above"
    print(f"{count} draft case(s) from 👎 feedback {where} ({scope}, {source}).", file=sys.stderr)
    if skipped:
        print(
            f"{skipped} 👎 item(s) skipped: their question is no longer stored (older than "
            f"{settings.retention_days} days, or given before this version stored questions).",
            file=sys.stderr,
        )


def register(app: typer.Typer) -> None:
    """Add ``feedback cases`` to the ``wegwijzer`` app."""
    app.add_typer(feedback_app, name="feedback")
