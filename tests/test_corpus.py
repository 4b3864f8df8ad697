"""The corpus: every document is well described, and answers use its status, date and region."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlparse

import pytest
import yaml

from assistant import Assistant, Profile
from assistant.base.regions import PROVINCES
from assistant.base.settings import PROJECT_ROOT
from ingest.load import discover, split_front_matter

CORPUS = PROJECT_ROOT / "corpus"
MARKDOWN = [p for p in discover(CORPUS) if p.suffix == ".md"]
KINDS = {"scheme", "route", "migration", "region", "labour_market", "programme"}
STATUSES = {"active", "ended", "planned", "unknown"}
AUDIENCES = {"career_switcher", "employer", "staff"}
REGIONS = {"national"} | set(PROVINCES)


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
    assert "4.357" in answer.text
    assert "as of January 2026" in answer.text and "IND" in answer.text  # peildatum as people write it + official body
    assert any(c.doc_id.startswith("kennismigratie/") for c in answer.citations)


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
