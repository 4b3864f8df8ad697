"""Repair PDF extraction artefacts and mark section headings.

Artefacts seen in the programme documents (see shared/sources/README.md): lines made of
spaces, a page footer ``Pagina 16``, bullets as ``•`` plus a tab, footnote numbers glued
to words (``ICT-professionals3``) or to sentence ends (``samenleving.1,2,8``), words
hyphenated across lines, and paragraphs hard-wrapped at the page width. The output is
Markdown-like: paragraphs separated by blank lines and detected headings as ``## ``.
"""

from __future__ import annotations

import re

_FOOTER = re.compile(r"^\s*(pagina|page|blz\.?)\s+\d+\s*$", re.I)
_PAGE_NUM = re.compile(r"^\s*\d{1,3}\s*$")
_URL_LINE = re.compile(r"^\s*https?://\S+\s*$")
_BULLET = re.compile(r"^\s*[•●▪◦·]\s*\t?\s*")
_NUMBERED = re.compile(r"^\s*(\d{1,2}|[A-E])\.\t\s*")
_GLUED_NOTE = re.compile(r"(?<=[a-zà-ÿ’')])\d{1,2}(?:,\d{1,2})*(?=[\s.,;:)]|$)")
_SENT_NOTE = re.compile(r"(?<=[a-zà-ÿ]\.)\d{1,2}(?:,\d{1,2})*(?=\s|$)")


def _is_heading(line: str, prev: str, nxt: str) -> bool:
    s = line.strip()
    if not s or len(s) > 80 or len(s.split()) > 12:
        return False
    if s[-1] in ".,;:" or s.startswith(("-", "•", "http")):
        return False
    if not (s[0].isupper() or s[0].isdigit()):
        return False
    if re.match(r"^\d{1,2}\.\t", line) or re.match(r"^[A-E]\.\t", line):
        return False
    prev_ends = not prev.strip() or prev.rstrip()[-1] in ".:!?" or prev.startswith("## ")
    nxt_s = nxt.strip()
    return prev_ends and bool(nxt_s) and (nxt_s[0].isupper() or nxt_s[0] in "•")


def clean_pdf_text(text: str) -> str:
    """Turn raw extracted page text into paragraphs and ``## `` headings."""
    text = text.replace("\r\n", "\n").replace("\u00ad", "").replace("\xa0", " ")
    raw_lines = text.split("\n")
    lines: list[str] = []
    for line in raw_lines:
        if not line.strip():
            lines.append("")
            continue
        if _FOOTER.match(line) or _PAGE_NUM.match(line) or _URL_LINE.match(line):
            continue
        line = _BULLET.sub("- ", line)
        line = _GLUED_NOTE.sub("", line)
        line = _SENT_NOTE.sub("", line)
        lines.append(line.rstrip())

    out: list[str] = []
    para = ""
    for i, line in enumerate(lines):
        nxt = next((later for later in lines[i + 1 :] if later.strip()), "")
        stripped = line.strip()
        if not stripped:
            # a blank line inside a sentence (text extracted double-spaced: "… staan niet alleen
            # economie en innovatievermogen onder\n\ndruk, maar …") does not end the paragraph
            after = nxt.strip()
            inside = after[:1].islower() or (after[:1] == "-" and after[1:2].isalpha())  # "UWV\n\n-cijfers"
            if para and not (para[-1] not in ".!?:;" and inside):
                out.append(para)
                para = ""
            continue
        if _is_heading(line, para if para else (out[-1] if out else ""), nxt):
            if para:
                out.append(para)
                para = ""
            out.append("## " + stripped)
            continue
        if stripped.startswith("- ") or _NUMBERED.match(line):
            if para:
                out.append(para)
            para = _NUMBERED.sub(lambda m: m.group(1) + ". ", stripped)
            continue
        if not para:
            para = stripped
        elif re.search(r"[a-zà-ÿ]-$", para) and stripped[:1].islower():
            para = para[:-1] + stripped  # word hyphenated across lines: "arbeidsmarkt-\nregio"
        elif stripped[:1] == "-" and stripped[1:2].isalpha():
            para = para + stripped  # a compound broken before its hyphen: "UWV\n-cijfers"
        elif para.endswith("-") and not para.endswith(" -"):
            para = para + stripped  # compound kept: "ICT-\nprofessionals"
        else:
            para = para + " " + stripped
    if para:
        out.append(para)
    text = "\n\n".join(out)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def tables_to_sentences(text: str) -> str:
    """A Markdown table row becomes one line 'Kolom: waarde; Kolom: waarde.' so that a
    row can be retrieved and quoted as a sentence with its column names."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i].lstrip().startswith("|") and _TABLE_SEP.match(lines[i + 1]):
            header = _cells(lines[i])
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = _cells(lines[i])
                pairs = [f"{h}: {c}" for h, c in zip(header, cells) if c and h]
                if pairs:
                    out.append("- " + "; ".join(pairs) + ".")
                i += 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


_OPEN_TAG = re.compile(r"<([a-zA-Z][\w-]*)\b([^<>]*)>")
_ALWAYS_HIDDEN = {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_HIDDEN_ATTR = re.compile(
    r"(?:^|\s)hidden(?:\s|=|/|$)|aria-hidden\s*=\s*[\"']?true|style\s*=\s*[\"'][^\"']*"
    r"(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9]))",
    re.I,
)


def strip_hidden_html(text: str) -> str:
    """Remove raw HTML a Markdown reader would not see: comments, ``<script>``/``<style>`` and
    the like, and elements marked hidden (``hidden``, ``aria-hidden="true"``, ``display: none``,
    ``visibility: hidden``, zero size or opacity), nested elements included."""
    text = re.sub(r"<!--.*?(?:-->|\Z)", "", text, flags=re.S)
    out: list[str] = []
    pos = 0
    for match in _OPEN_TAG.finditer(text):
        if match.start() < pos:
            continue
        name, attrs = match.group(1).lower(), match.group(2)
        if name not in _ALWAYS_HIDDEN and not _HIDDEN_ATTR.search(attrs):
            continue
        out.append(text[pos : match.start()])
        pos = match.end() if attrs.rstrip().endswith("/") or name in _VOID else _element_end(text, name, match.end())
    out.append(text[pos:])
    return "".join(out)


def _element_end(text: str, name: str, start: int) -> int:
    """Where the element opened just before ``start`` closes (nested ones of its name counted);
    an element never closed runs to the end of the text."""
    tags = re.compile(rf"<(/?){re.escape(name)}\b[^<>]*>", re.I)
    depth = 1
    for match in tags.finditer(text, start):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.end()
    return len(text)


def clean_markdown(text: str) -> str:
    """Clean Markdown for quoting: hidden HTML gone, tables as sentences, no emphasis marks,
    links as text (url)."""
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    text = strip_hidden_html(text)
    text = tables_to_sentences(text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"\1 (\2)", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])", r"\1", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
