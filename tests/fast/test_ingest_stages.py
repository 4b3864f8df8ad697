"""The ingest stages as plain functions: load a file, clean its text, split it into chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.base.types import Document
from ingest.clean import clean_markdown, clean_pdf_text
from ingest.load import LoadError, discover, load_document, split_front_matter
from ingest.split import count_tokens, pop_source_lines, sections, split_document


def write(folder: Path, rel: str, text: str) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- clean -------------------------------------------------------------------------------
def test_pdf_text_loses_footers_footnote_numbers_and_line_hyphenation():
    raw = (
        "Inleiding\nDe arbeidsmarkt-\nregio kent een tekort aan ICT-professionals3 in\nheel Nederland.1,2\n\n"
        "Pagina 16\n  \n•\tEerste punt\n•\tTweede punt\n"
    )
    assert clean_pdf_text(raw) == (
        "## Inleiding\n\n"
        "De arbeidsmarktregio kent een tekort aan ICT-professionals in heel Nederland.\n\n"
        "- Eerste punt\n\n- Tweede punt"
    )


def test_a_compound_hyphen_at_a_line_end_is_kept():
    assert clean_pdf_text("Er zijn veel ICT-\nprofessionals nodig.") == "Er zijn veel ICT-professionals nodig."


def test_markdown_tables_become_quotable_sentences_and_markup_goes():
    md = (
        "| Regeling | Bedrag |\n|---|---|\n| SLIM | € 25.000 |\n| STAP | € 1.000 |\n\n"
        "Zie **de** [site](https://x.nl) en *dit*.<!-- verborgen -->"
    )
    assert clean_markdown(md) == (
        "- Regeling: SLIM; Bedrag: € 25.000.\n- Regeling: STAP; Bedrag: € 1.000.\n\nZie de site (https://x.nl) en dit."
    )


# --- split -------------------------------------------------------------------------------
def test_sections_carry_their_heading_and_subheadings_name_their_parent():
    text = "# Titel\nintro\n## Een\ntekst een\n### Sub\ntekst sub\n## Twee\ntekst twee"
    assert sections(text) == [(None, "intro"), ("Een", "tekst een"), ("Een – Sub", "tekst sub"), ("Twee", "tekst twee")]


def test_source_lines_become_links_instead_of_chunk_text():
    body, urls = pop_source_lines("Tekst hier.\nBron: https://a.nl/x, https://b.nl.\nMeer tekst.")
    assert urls == ["https://a.nl/x", "https://b.nl"]
    assert "https" not in body and "Meer tekst." in body


def markdown_doc(pages: list[str], meta: dict[str, object] | None = None) -> Document:
    return Document(doc_id="regio/zeeland", title="Zeeland", path="regio/zeeland.md", pages=pages, meta=meta or {})


def test_chunks_stay_inside_one_section_and_within_the_token_budget():
    para = "De provincie Zeeland investeert in omscholing naar ICT voor werkzoekenden en werkenden. "
    text = (
        "# Zeeland\n## Omscholing\n"
        + para * 30
        + "\n\n## Kennismigratie\nWerkgevers in Zeeland werven ook in het buitenland."
    )
    chunks = split_document(markdown_doc([text], {"region": ["zeeland"]}), chunk_tokens=80, overlap=10)
    assert {c.section for c in chunks} == {"Omscholing", "Kennismigratie"}
    assert all(count_tokens(c.text) <= 80 for c in chunks)
    assert len([c for c in chunks if c.section == "Omscholing"]) > 1
    assert all(c.doc_id == "regio/zeeland" and c.title == "Zeeland" and c.page is None for c in chunks)
    assert all(c.meta["region"] == ["zeeland"] for c in chunks)


def test_chunk_ids_are_stable_and_change_with_the_text():
    doc = markdown_doc(["## Doel\nHet doel is een miljoen ICT-professionals in 2030."])
    again = markdown_doc(["## Doel\nHet doel is een miljoen ICT-professionals in 2030."])
    changed = markdown_doc(["## Doel\nHet doel is anderhalf miljoen ICT-professionals in 2030."])
    assert [c.chunk_id for c in split_document(doc)] == [c.chunk_id for c in split_document(again)]
    assert split_document(doc)[0].chunk_id != split_document(changed)[0].chunk_id


def test_pdf_chunks_cite_their_page():
    doc = Document(
        doc_id="bronnen/koers",
        title="Koersdocument",
        path="bronnen/koers.pdf",
        pages=["Eerste pagina met een zin over ICT-tekorten.", "Tweede pagina over omscholing naar ICT-banen."],
        is_pdf=True,
    )
    assert [(c.page, c.text) for c in split_document(doc)] == [
        (1, "Eerste pagina met een zin over ICT-tekorten."),
        (2, "Tweede pagina over omscholing naar ICT-banen."),
    ]


def test_markdown_source_lines_end_up_in_the_chunk_metadata():
    doc = markdown_doc(["## Leges\nDe leges voor een aanvraag zijn € 400.\nBron: https://ind.nl/leges"])
    (chunk,) = split_document(doc)
    assert chunk.meta["source_urls"] == ["https://ind.nl/leges"]
    assert "ind.nl" not in chunk.text


# --- load --------------------------------------------------------------------------------
def test_markdown_front_matter_is_the_documents_metadata(tmp_path: Path):
    path = write(
        tmp_path,
        "regelingen/slim.md",
        "---\ntitle: SLIM-regeling\nregion: [national]\nstatus: active\n---\n# Kop\nDe SLIM-regeling helpt mkb.\n",
    )
    doc = load_document(path, tmp_path, manifest={})
    assert doc.doc_id == "regelingen/slim"
    assert doc.title == "SLIM-regeling"
    assert doc.meta["region"] == ["national"] and doc.meta["status"] == "active"
    assert doc.meta["kind"] == "programme" and doc.meta["language"] == "nl"  # defaults
    assert doc.pages == ["# Kop\nDe SLIM-regeling helpt mkb.\n"]
    assert not doc.is_pdf


def test_without_a_title_the_first_heading_or_the_file_name_is_used(tmp_path: Path):
    assert load_document(write(tmp_path, "a.md", "# Make IT Work\nTekst."), tmp_path, {}).title == "Make IT Work"
    assert load_document(write(tmp_path, "zij-instroom_ict.txt", "Tekst."), tmp_path, {}).title == "Zij instroom ict"


def test_text_files_take_their_metadata_from_the_manifest(tmp_path: Path):
    write(
        tmp_path,
        "manifest.yaml",
        "documents:\n  - path: bronnen/koers.txt\n    title: Koersdocument\n    date: '2024-06'\n",
    )
    path = write(tmp_path, "bronnen/koers.txt", "Er zijn in 2030 een miljoen ICT-professionals nodig.")
    doc = load_document(path, tmp_path)
    assert doc.title == "Koersdocument" and doc.meta["date"] == "2024-06"
    assert "path" not in doc.meta


def test_html_keeps_the_text_and_the_title_but_not_scripts_or_navigation(tmp_path: Path):
    html = (
        "<html><head><title>Regio Utrecht</title><script>var x = 1;</script></head>"
        "<body><nav>Menu</nav><h2>Omscholing</h2><p>Utrecht helpt zij-instromers.</p></body></html>"
    )
    doc = load_document(write(tmp_path, "utrecht.html", html), tmp_path, {})
    assert doc.title == "Regio Utrecht"
    assert "## Omscholing" in doc.pages[0] and "Utrecht helpt zij-instromers." in doc.pages[0]
    assert "var x" not in doc.pages[0] and "Menu" not in doc.pages[0]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "file is empty"), ("---\ntitle: [unclosed\n---\nTekst", "front matter is not valid YAML")],
)
def test_a_file_that_cannot_be_read_says_why(tmp_path: Path, text: str, reason: str):
    with pytest.raises(LoadError, match=reason.replace("[", r"\[")):
        load_document(write(tmp_path, "kapot.md", text), tmp_path, {})


def test_front_matter_must_be_a_mapping():
    with pytest.raises(LoadError, match="mapping"):
        split_front_matter("---\n- een\n- lijst\n---\nTekst")
    assert split_front_matter("Geen front matter.") == ({}, "Geen front matter.")


def test_discover_finds_documents_but_not_the_readme_manifest_or_hidden_files(tmp_path: Path):
    for rel in ["README.md", "manifest.yaml", ".concept/x.md", "a/b.md", "c.txt", "d.pdf", "e.docx", "f.html"]:
        write(tmp_path, rel, "x")
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)] == ["a/b.md", "c.txt", "d.pdf", "f.html"]


def test_text_extracted_double_spaced_keeps_its_sentences_whole():
    """Each wrapped line followed by a blank line (as "Tijd voor regie" was extracted): a blank
    line inside a sentence does not start a new paragraph, so no half sentence is quoted."""
    raw = (
        "Zonder voldoende digitale professionals staan niet alleen economie en innovatievermogen onder \n\n"
        "druk, maar ook essentiële diensten. Volgens UWV \n\n-cijfers is ICT de krapste beroepsgroep. \n\n"
        "Er zijn talloze succesvolle initiatieven.\n"
    )
    assert clean_pdf_text(raw).split("\n\n") == [
        "Zonder voldoende digitale professionals staan niet alleen economie en innovatievermogen onder druk, "
        "maar ook essentiële diensten. Volgens UWV-cijfers is ICT de krapste beroepsgroep.",
        "Er zijn talloze succesvolle initiatieven.",
    ]
