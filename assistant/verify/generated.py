"""Reading a generated answer: model output to plain sentences with their citation numbers.

The model writes prose with ``[n]`` markers, sometimes with markdown, list marks, "Bron: [1]"
labels or markers after the full stop; :func:`normalise_generated` turns that into plain
prose and :func:`generated_sentences` cuts it into sentences with
:func:`assistant.base.text.split_sentences` (the splitter of the stored passages). It has
its own streaming rule on top: a sentence is complete only once the next one has begun,
because its citation markers may still follow its full stop ("... nodig. [1]"), and a
segment that may turn out to be a "Bron: [1]" label holds back the sentence before it.
"""

from __future__ import annotations

import re

from assistant.base.text import split_sentences

_CITE = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")


def split_citations(sentence: str) -> tuple[str, list[int]]:
    """('Zin [1][3].', ...) -> ('Zin.', [1, 3]); numbers in order of first mention."""
    cited: list[int] = []
    for group in _CITE.findall(sentence):
        for n in re.split(r"\s*[,;]\s*", group):
            if n.strip().isdigit() and int(n) not in cited:
                cited.append(int(n))
    plain = _CITE.sub("", sentence)
    plain = re.sub(r"\s+([.,;:!?])", r"\1", plain)
    return re.sub(r"\s{2,}", " ", plain).strip(), cited


_MARKDOWN = re.compile(r"\*\*|__|`")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.M)
_HEADING = re.compile(r"^\s*#+\s*", re.M)
_SOURCE_LABEL = re.compile(
    r"\(?\b(?:bron(?:nen)?|sources?|zie|see|passages?|passage|referenties?|references?)\s*:?\s*((?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\](?:[ \t]*(?:,|en|and|&)?[ \t]*)?)+)\)?",
    re.I,
)
_PASSAGE_WORD = re.compile(r"\[\s*(?:passage|bron|source)\s+(\d+)\s*\]", re.I)
_CITE_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+)")
_NBSP = re.compile(r"[\u00a0\u2009\u202f]")


def normalise_generated(text: str) -> str:
    """Model output -> plain prose whose citation markers sit before the full stop."""
    text = _NBSP.sub(" ", text)
    text = re.sub(r"\s*(?:\.\.\.|…)\s*", " ", text)
    text = _PASSAGE_WORD.sub(r"[\1]", text)
    text = _MARKDOWN.sub("", text)
    text = _HEADING.sub("", text)
    text = _LIST_MARK.sub("", text)
    text = _SOURCE_LABEL.sub(lambda m: " " + m.group(1).strip(), text)
    text = _CITE_AFTER_STOP.sub(lambda m: " " + re.sub(r"\s+", "", m.group(2)) + m.group(1), text)
    text = re.sub(r"(?<=\d)\]\s+\[(?=\d)", "][", text)
    text = re.sub(r"[ \t]+([.!?])", r"\1", text)
    return text


def generated_sentences(text: str, final: bool) -> list[str]:
    """Sentences of a (partial) generated answer; the last one only when ``final``.

    A sentence counts as complete once the next one has begun: its citation markers may
    still follow its full stop ("... nodig. [1]").
    """
    norm = normalise_generated(text)
    lines = [ln.strip() for ln in re.split(r"\n\s*\n|\n", norm)]
    out: list[str] = []
    for ln in lines:
        if ln:
            out.extend(split_sentences(ln))
    # a line of citation markers only belongs to the sentence before it
    merged: list[str] = []
    for s in out:
        if merged and re.fullmatch(r"(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]\s*[.,]?)+", s):
            prev = merged.pop()
            stop = prev[-1] if prev and prev[-1] in ".!?" else ""
            merged.append((prev[:-1] if stop else prev) + " " + s.strip(" .,") + stop)
        else:
            merged.append(s)
    if final:
        return merged
    # the segment being written may still turn out to be a "Bron: [1]" label of the
    # sentence before it: hold that sentence back until the segment says otherwise
    if merged and _could_be_label(merged[-1]):
        return merged[:-2]
    return merged[:-1]


_LABEL_WORDS = ("bron", "bronnen", "source", "sources", "zie", "see", "passage", "passages", "referentie", "reference")


def _could_be_label(segment: str) -> bool:
    m = re.fullmatch(r"\(?\s*([^\W\d_]*)\s*:?\s*[\[\]\d,;\s]*", segment.strip())
    if not m:
        return False
    word = m.group(1).lower()
    return not word or any(w.startswith(word) for w in _LABEL_WORDS)
