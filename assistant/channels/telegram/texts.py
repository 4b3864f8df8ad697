"""The bot's UI texts (prompts/telegram.yaml), NL and EN, ready for parse_mode HTML."""

from __future__ import annotations

import html
from pathlib import Path

import yaml

from assistant.base.prompts import PromptError, fill

LANGS = ("nl", "en")


class Texts:
    """``texts(key, lang, **values)``: the text in ``lang`` with escaped values filled in.

    Both languages must define the same keys, so a missing translation fails at start-up
    instead of in front of a user.
    """

    def __init__(self, path: Path):
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(table, dict) or any(lang not in table for lang in LANGS):
            raise PromptError(f"{path} needs a section per language: {LANGS}")
        keys = {lang: set(table[lang]) for lang in LANGS}
        if keys["nl"] != keys["en"]:
            raise PromptError(f"{path}: keys differ between nl and en: {sorted(keys['nl'] ^ keys['en'])}")
        self.path = path
        self.table: dict[str, dict[str, str]] = {lang: dict(table[lang]) for lang in LANGS}

    def __call__(self, key: str, lang: str = "nl", **values: object) -> str:
        section = self.table[lang if lang in self.table else "nl"]
        if key not in section:
            raise PromptError(f"no text {key!r} in {self.path}")
        return fill(section[key], **{k: html.escape(str(v), quote=False) for k, v in values.items()})

    def keys(self) -> list[str]:
        return sorted(self.table["nl"])
