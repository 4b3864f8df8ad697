"""The PDF path: real PDFs written from the source texts, read back through pypdf."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_settings
from fpdf import FPDF

from assistant import Assistant
from assistant.base.settings import PROJECT_ROOT
from ingest import run_ingest
from ingest.clean import clean_pdf_text

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SOURCE = PROJECT_ROOT / "corpus/bronnen/001_737dc41163a3d3c4.txt"


def write_pdf(path: Path, pages: list[str]) -> None:
    pdf = FPDF(format="A4")
    if FONT.exists():
        pdf.add_font("DejaVu", fname=str(FONT))
        pdf.set_font("DejaVu", size=9)
    else:  # core fonts are latin-1 only
        pdf.set_font("Helvetica", size=9)
        pages = [p.replace("’", "'").replace("‘", "'").replace("–", "-").replace("•", "-") for p in pages]
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 4.5, text)
    pdf.output(str(path))


@pytest.fixture(scope="module")
def pdf_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("pdfcorpus")
    corpus = root / "corpus"
    corpus.mkdir()
    text = SOURCE.read_text(encoding="utf-8")
    # Split at the page breaks of the extraction (a line starting with a space), 4 pages.
    lines = text.split("\n")
    quarter = len(lines) // 4
    pages = ["\n".join(lines[i * quarter : (i + 1) * quarter if i < 3 else None]) for i in range(4)]
    write_pdf(corpus / "koersdocument.pdf", pages)
    (corpus / "kapot.pdf").write_bytes(b"%PDF-1.4\n this is not a real pdf \n%%EOF")
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(corpus / "koersdocument.pdf"))
    writer.encrypt(user_password="geheim", owner_password="geheim")
    with open(corpus / "versleuteld.pdf", "wb") as fh:
        writer.write(fh)
    settings = make_settings(root / "data", corpus_dir=corpus)
    report = run_ingest(settings)
    assert report.added == ["koersdocument"]
    assert set(report.failed) == {"kapot.pdf", "versleuteld.pdf"}
    assert "encrypted" in report.failed["versleuteld.pdf"]
    assert "could not be read" in report.failed["kapot.pdf"]
    return Assistant(settings)


def test_pdf_citations_carry_page_numbers(pdf_assistant: Assistant):
    from pypdf import PdfReader

    answer = pdf_assistant.answer("Wat doet Zeeland aan ICT-onderwijs?")
    assert not answer.abstained
    assert answer.citations and answer.citations[0].location.startswith("p. ")
    zeeland = [c for c in answer.citations if "Spark IT" in c.passage]
    assert zeeland
    reader = PdfReader(str(pdf_assistant.settings.corpus_dir / "koersdocument.pdf"))
    for c in zeeland:
        page_text = " ".join((reader.pages[c.page - 1].extract_text() or "").split())
        assert "Spark IT" in page_text  # the cited page really holds the passage


def test_pdf_answer_for_the_million_goal(pdf_assistant: Assistant):
    from pypdf import PdfReader

    answer = pdf_assistant.answer("Hoeveel ICT-professionals zijn er in 2030 nodig?")
    assert "miljoen" in answer.text.lower()
    reader = PdfReader(str(pdf_assistant.settings.corpus_dir / "koersdocument.pdf"))
    first = answer.citations[0]
    page_text = " ".join((reader.pages[first.page - 1].extract_text() or "").split())
    assert "miljoen" in page_text  # the page named in the citation holds the quoted fact


@pytest.mark.fast
def test_cleaning_repairs_pdf_artefacts():
    raw = (
        "tekort aan ICT-professionals3 bij zowel\npublieke als private organisaties.1,2\n"
        "•\t Eerste punt\n    \nPagina 16\nwerk in de arbeidsmarkt-\nregio en ICT-\nprofessionals blijven."
    )
    cleaned = clean_pdf_text(raw)
    assert "ICT-professionals bij zowel publieke" in cleaned
    assert "private organisaties." in cleaned and "1,2" not in cleaned
    assert "- Eerste punt" in cleaned
    assert "Pagina 16" not in cleaned
    assert "arbeidsmarktregio" in cleaned and "ICT-professionals blijven" in cleaned
