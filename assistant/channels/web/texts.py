"""UI texts of the web channel, from ``prompts/widget.yaml`` (NL and EN)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.base.prompts import PromptError, fill

FILE = "widget.yaml"
LANGS = ("nl", "en")


@lru_cache
def load_texts(prompts_dir: Path) -> dict[str, dict[str, Any]]:
    """The whole file, checked: both languages carry the same keys (a missing text is a deployment error)."""
    path = prompts_dir / FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for section in ("widget", "greeting", "suggestions", "api"):
        keys = [set(data[lang][section]) for lang in LANGS]
        if keys[0] != keys[1]:
            raise PromptError(f"{path}: section {section!r} differs between nl and en: {sorted(keys[0] ^ keys[1])}")
    return data


def api_text(prompts_dir: Path, key: str, lang: str | None, **values: object) -> str:
    """An API error message in the asker's language (Dutch by default)."""
    table = load_texts(prompts_dir)
    return fill(table[lang if lang in LANGS else "nl"]["api"][key], **values)
