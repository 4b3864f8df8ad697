"""The corpus: every document is well described, and answers use its status, date and region.

English editions live in ``corpus/en/<folder>/<file>.md`` next to the Dutch originals; they carry
``language: en`` and ``translation_of`` (the doc id of the original) and must stay in step with it
(status, peildatum, sections, numbers). Status rules (ended, planned) are in test_corpus_status.py.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlparse

import pytest
import yaml

from assistant import Assistant, Profile
from assistant.base.regions import PROVINCES
from assistant.base.settings import PROJECT_ROOT
from assistant.evaluation.matching import normalize
from ingest.load import discover, doc_id_for, split_front_matter

CORPUS = PROJECT_ROOT / "corpus"
MARKDOWN = [p for p in discover(CORPUS) if p.suffix == ".md"]
KINDS = {"scheme", "route", "migration", "region", "labour_market", "programme"}
STATUSES = {"active", "ended", "planned", "unknown"}
AUDIENCES = {"career_switcher", "employer", "staff"}
REGIONS = {"national"} | set(PROVINCES)
KEYS = {
    "title",
    "kind",
    "status",
    "valid_as_of",
    "audience",
    "region",
    "official_body",
    "language",
    "publisher",
    "sources",
    "instead",
    "ended",
    "translation_of",
}
ENGLISH = [p for p in MARKDOWN if p.relative_to(CORPUS).parts[0] == "en"]
DUTCH = [p for p in MARKDOWN if p not in ENGLISH]
SOURCE_LINE = {
    "nl": re.compile(r"^Bron: https?://\S+ \((?:officieel|secundair)\b[^)]*\)"),
    "en": re.compile(r"^Source: https?://\S+ \((?:official|secondary)\b[^)]*\)"),
}


def well_formed(url: str) -> bool:
    parts = urlparse(url)
    return parts.scheme in {"http", "https"} and "." in parts.netloc and " " not in url


def test_there_is_a_page_per_province_and_topic_folders():
    assert {p.stem for p in (CORPUS / "regio").glob("*.md")} == set(PROVINCES)
    for folder in ("regelingen", "omscholing", "kennismigratie", "arbeidsmarkt"):
        assert len(list((CORPUS / folder).glob("*.md"))) >= 3, folder


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(CORPUS)))
def test_front_matter_is_complete_and_valid(path):
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    assert meta, "no front matter"
    assert meta["title"] and meta["kind"] in KINDS and meta["status"] in STATUSES
    assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", str(meta["valid_as_of"]))
    assert str(meta["valid_as_of"]) <= date.today().isoformat()
    assert set(meta["audience"]) <= AUDIENCES and meta["audience"]
    assert set(meta["region"]) <= REGIONS and meta["region"]
    assert meta["sources"]
    for source in meta["sources"]:
        assert well_formed(source["url"]), source["url"]
        assert source["type"] in {"official", "secondary"}
    for url in re.findall(r"https?://[^\s)>\]]+", body):
        assert well_formed(url.rstrip(".,;")), url
    assert body.lstrip().startswith("# ")
    assert set(meta) <= KEYS, f"unknown front matter keys {set(meta) - KEYS} (document them in corpus/README.md)"
    in_en = path.relative_to(CORPUS).parts[0] == "en"
    assert meta["language"] == ("en" if in_en else "nl")
    assert ("translation_of" in meta) == in_en


def sections(body: str) -> list[tuple[str, str]]:
    """The ``## `` sections of a document body as (heading, text)."""
    parts = re.split(r"^## ", body, flags=re.M)[1:]
    return [(part.partition("\n")[0].strip(), part.partition("\n")[2]) for part in parts]


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_section_ends_with_its_source_line(path):
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    pattern = SOURCE_LINE[meta["language"]]
    for heading, text in sections(body):
        lines = [line for line in text.strip().split("\n") if line.strip()]
        assert lines and pattern.match(lines[-1]), f"section {heading!r} does not end with a source line"
        assert sum(bool(pattern.match(line)) for line in lines) == 1, f"section {heading!r}: one source line"


MONTHS = {
    name: i
    for names in (
        "januari februari maart april mei juni juli augustus september oktober november december",
        "january february march april may june july august september october november december",
    )
    for i, name in enumerate(names.split(), start=1)
}
PEILDATUM = re.compile(
    r"\b(?:peildatum|as of)\s+(?:(?:ca\.|about|the end of|eind|begin|early)\s+)?"
    rf"(?:(\d{{1,2}})\s+)?(?:({'|'.join(MONTHS)})\s+)?(\d{{4}})(?:\s*[–-]\s*(\d{{4}}))?",
    re.I,
)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(CORPUS)))
def test_valid_as_of_is_the_youngest_peildatum(path):
    """The "as of …, check with …" notice uses valid_as_of: it may not be older than a section's date."""
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    youngest = ""
    for line in body.split("\n"):
        if not SOURCE_LINE[meta["language"]].match(line):
            continue
        for day, month, year, until in PEILDATUM.findall(line):
            if until:
                year, month, day = until, "", ""
            stamp = f"{year}-{MONTHS[month.lower()]:02d}" + (f"-{int(day):02d}" if day else "") if month else year
            if stamp <= date.today().isoformat() and stamp > youngest:  # "2027 (indicatief)" is no peildatum
                youngest = stamp
    valid = str(meta["valid_as_of"])
    assert youngest[: len(valid)] <= valid[: len(youngest)], f"valid_as_of {valid} is older than peildatum {youngest}"


def numbers(text: str) -> set[str]:
    """The numbers of a text, notation-free ("€ 5.942" and "€5,942" are both 5942)."""
    return set(re.findall(r"\d+(?:[.-]\d+)*", normalize(text)))


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: str(p.relative_to(CORPUS)))
def test_an_english_edition_follows_its_dutch_original(path):
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    original = CORPUS / f"{meta['translation_of']}.md"
    assert original.exists(), f"translation_of {meta['translation_of']!r} is not a Dutch document"
    assert path.relative_to(CORPUS / "en") == original.relative_to(CORPUS), "same folder and file name"
    assert doc_id_for(original, CORPUS) == meta["translation_of"]
    dutch, dutch_body = split_front_matter(original.read_text(encoding="utf-8"))
    assert dutch["language"] == "nl"
    for key in ("kind", "status", "valid_as_of", "audience", "region", "official_body", "sources", "ended"):
        assert meta.get(key) == dutch.get(key), f"{key} differs from the Dutch original"
    ours, theirs = sections(body), sections(dutch_body)
    assert len(ours) == len(theirs), "same sections as the Dutch original"
    for (heading, text), (dutch_heading, dutch_text) in zip(ours, theirs, strict=True):
        assert numbers(text) == numbers(dutch_text), f"{heading!r} and {dutch_heading!r} name different numbers"
    assert "peildatum" not in body and "Bron:" not in body


def test_the_employer_and_migration_pages_have_english_editions():
    translated = {str(p.relative_to(CORPUS / "en")) for p in ENGLISH}
    wanted = {str(p.relative_to(CORPUS)) for p in (CORPUS / "kennismigratie").glob("*.md")} | {
        f"regelingen/{name}.md"
        for name in (
            "slim-regeling",
            "slim-scholingssubsidie-ontwikkelpaden",
            "subsidieregeling-praktijkleren",
            "fiscale-regels-werkgevers",
            "oo-fondsen",
        )
    }
    assert wanted <= translated


def test_eval_evidence_is_still_in_the_corpus():
    """Editing a page must not lose a sentence that an eval case quotes as evidence."""
    texts = []
    for path in discover(CORPUS):
        if path.suffix in {".md", ".txt"}:
            texts.append(normalize(split_front_matter(path.read_text(encoding="utf-8"))[1]))
    corpus = "\n".join(texts)
    missing = []
    for dataset in sorted((PROJECT_ROOT / "eval").glob("*.yaml")):
        cases = yaml.safe_load(dataset.read_text(encoding="utf-8"))
        if not isinstance(cases, list):
            continue
        for case in cases:
            missing += [
                f"{dataset.name} {case['id']}: {e}" for e in case.get("evidence") or [] if normalize(e) not in corpus
            ]
    assert missing == []


def test_manifest_describes_every_non_markdown_document():
    manifest = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
    described = {entry["path"] for entry in manifest["documents"]}
    others = {str(p.relative_to(CORPUS)) for p in discover(CORPUS) if p.suffix != ".md"}
    assert others <= described
    for entry in manifest["documents"]:
        assert {"title", "publisher", "date", "source_url", "language", "kind"} <= entry.keys()


def test_stap_budget_answer_says_it_ended_and_what_exists_now(assistant: Assistant):
    answer = assistant.answer("Kan ik nog STAP-budget aanvragen?")
    assert not answer.abstained
    assert "1 januari 2024" in answer.text
    assert "beëindigd" in answer.text
    assert "Levenlanglerenkrediet" in answer.text  # what exists now
    assert answer.citations[0].source_url.startswith("https://")


def test_salary_threshold_under_30_in_2026(assistant: Assistant):
    answer = assistant.answer("What is the salary threshold for a highly skilled migrant under 30 in 2026?")
    assert not answer.abstained and answer.lang == "en"
    assert "4.357" in answer.text or "4,357" in answer.text  # Dutch or English edition
    assert "as of January 2026" in answer.text and "IND" in answer.text  # peildatum as people write it + official body
    assert any(c.doc_id.startswith(("kennismigratie/", "en/kennismigratie/")) for c in answer.citations)


def other_provinces(answer, allowed: set[str]) -> list[str]:
    return [
        c.doc_id for c in answer.citations if c.doc_id.startswith("regio/") and c.doc_id.split("/")[1] not in allowed
    ]


def test_groningen_question_cites_northern_material_only(assistant: Assistant):
    answer = assistant.answer("Ik woon in Groningen, welke omscholing is er?")
    assert not answer.abstained
    text = " ".join(f"{c.doc_id} {c.section} {c.passage}" for c in answer.citations)
    assert "Groningen" in text or "Noord-Nederland" in text
    assert other_provinces(answer, {"groningen", "friesland", "drenthe"}) == []
    for c in answer.citations:  # no other province's summary from the koersdocument either
        assert c.section not in {"Zeeland", "Limburg", "Utrecht", "Gelderland", "Flevoland", "Overijssel"}


def test_region_from_profile_steers_retrieval(assistant: Assistant):
    answer = assistant.answer(
        "Welke omscholing naar ICT is er bij mij in de buurt?", profile=Profile(region="friesland")
    )
    assert not answer.abstained
    assert other_provinces(answer, {"friesland", "groningen", "drenthe"}) == []
    assert any(
        "friesland" in c.doc_id or "Noord" in (c.section or "") or "Friesland" in c.passage for c in answer.citations
    )
