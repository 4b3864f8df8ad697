"""Load prompt and UI text files from ``prompts/``; fail loudly on a missing placeholder."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.base.settings import get_settings


class PromptError(KeyError):
    """A text or one of its placeholders is missing: a deployment error, never silent."""


@lru_cache
def _texts(path: Path) -> dict[str, dict[str, str]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def text(key: str, lang: str = "nl", prompts_dir: Path | None = None, **values: object) -> str:
    """The UI text ``key`` in ``lang`` with its placeholders filled."""
    base = prompts_dir or get_settings().prompts_dir
    table = _texts(base / "texts.yaml")
    try:
        template = table[lang if lang in table else "nl"][key]
    except KeyError as exc:
        raise PromptError(f"no text {key!r} for language {lang!r} in {base / 'texts.yaml'}") from exc
    return fill(template, **values)


def fill(template: str, **values: object) -> str:
    """``str.format`` that names the missing placeholder instead of a bare KeyError."""
    needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = needed - values.keys()
    if missing:
        raise PromptError(f"missing placeholder(s) {sorted(missing)} for template {template[:60]!r}")
    return template.format(**values)


def load_prompt(name: str, prompts_dir: Path | None = None) -> str:
    """A whole prompt file, e.g. ``system_nl.md``."""
    base = prompts_dir or get_settings().prompts_dir
    path = base / name
    if not path.exists():
        raise PromptError(f"prompt file {path} does not exist")
    return path.read_text(encoding="utf-8")
