"""Prompt and UI text files under ``prompts/``: one loader for all of them.

Every YAML text file (``texts.yaml`` of the core, ``llm.yaml``, ``widget.yaml``,
``telegram.yaml``) holds one section per language, ``nl`` and ``en``, with the same keys,
nested or not. :func:`texts` reads a file once and checks that both languages carry exactly
the same keys, so a missing translation fails at start-up with the file and the key instead
of in front of a user. The returned :class:`Texts` fills a text's placeholders with
:func:`fill`, which names a missing placeholder::

    texts("widget.yaml")("api.not_ready", "en")        # dotted keys reach nested texts
    texts("telegram.yaml").escaped(html_escape)          # values escaped for the channel
    text("refusal", "nl")                                # texts.yaml, the core's own texts

Whole prompt files (``llm_system_nl.md``) come from :func:`load_prompt`.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.base.settings import get_settings

LANGS = ("nl", "en")
DEFAULT_LANG = "nl"


class PromptError(KeyError):
    """A text or one of its placeholders is missing: a deployment error, never silent."""


def fill(template: str, **values: object) -> str:
    """``str.format`` that names the missing placeholder instead of a bare KeyError."""
    needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = needed - values.keys()
    if missing:
        raise PromptError(f"missing placeholder(s) {sorted(missing)} for template {template[:60]!r}")
    return template.format(**values)


def _leaves(section: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """Dotted keys of the texts in a (nested) section; a list (e.g. suggested questions) is one text."""
    for key, value in section.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


@dataclass(frozen=True)
class Texts:
    """The texts of one file, per language; ``texts(key, lang, **values)`` gives one filled in.

    An unknown ``lang`` falls back to Dutch. ``escape`` (see :meth:`escaped`) is applied to
    every value before it is filled in, e.g. HTML escaping for Telegram.
    """

    path: Path
    table: dict[str, dict[str, Any]]
    escape: Callable[[str], str] | None = None

    def __call__(self, key: str, lang: str | None = DEFAULT_LANG, /, **values: object) -> str:
        template = self.get(key, lang)
        if not isinstance(template, str):
            raise PromptError(f"{self.path}: {key!r} is a section or list, not a text")
        if self.escape is not None:
            values = {k: self.escape(str(v)) for k, v in values.items()}
        return fill(template, **values)

    def get(self, key: str, lang: str | None = DEFAULT_LANG) -> Any:
        """The raw entry at ``key`` (a text, a list or a whole section)."""
        entry: Any = self.table[lang if lang in self.table else DEFAULT_LANG]
        for part in key.split("."):
            if not isinstance(entry, dict) or part not in entry:
                raise PromptError(f"{self.path}: no text {key!r}")
            entry = entry[part]
        return entry

    def keys(self) -> list[str]:
        """Every text's dotted key (the same in both languages)."""
        return sorted(_leaves(self.table[DEFAULT_LANG]))

    def escaped(self, escape: Callable[[str], str]) -> Texts:
        """The same texts, with ``escape`` applied to the values filled in."""
        return replace(self, escape=escape)


@lru_cache
def _load(path: Path) -> Texts:
    if not path.exists():
        raise PromptError(f"text file {path} does not exist")
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(table, dict) or any(not isinstance(table.get(lang), dict) for lang in LANGS):
        raise PromptError(f"{path} needs a section per language: {', '.join(LANGS)}")
    keys = {lang: set(_leaves(table[lang])) for lang in LANGS}
    for lang, other in (LANGS, LANGS[::-1]):
        missing = sorted(keys[lang] - keys[other])
        if missing:
            raise PromptError(f"{path}: {', '.join(map(repr, missing))} in {lang!r} but not in {other!r}")
    return Texts(path, {lang: table[lang] for lang in LANGS})


def texts(name: str, prompts_dir: Path | None = None) -> Texts:
    """The checked texts of ``prompts_dir / name`` (default: the settings' prompts folder), read once."""
    return _load((prompts_dir or get_settings().prompts_dir) / name)


def text(key: str, lang: str = DEFAULT_LANG, prompts_dir: Path | None = None, **values: object) -> str:
    """The core's UI text ``key`` (``texts.yaml``) in ``lang`` with its placeholders filled."""
    return texts("texts.yaml", prompts_dir)(key, lang, **values)


def load_prompt(name: str, prompts_dir: Path | None = None) -> str:
    """A whole prompt file, e.g. ``llm_system_nl.md``."""
    path = (prompts_dir or get_settings().prompts_dir) / name
    if not path.exists():
        raise PromptError(f"prompt file {path} does not exist")
    return path.read_text(encoding="utf-8")
