"""Malformed and hostile documents: each is refused by name with its reason, keeps the chunks it
had, and changes nothing of the other documents; the rest of the corpus is indexed.

Every file is made here: PDFs encrypted with and without a password (pypdf's writer), a
truncated PDF, one with too many pages, a decompression bomb, a binary file named .md, UTF-16
and UTF-8 with a byte-order mark (both supported), NUL bytes, one bad UTF-8 byte, links to files
inside and outside the corpus, a file over the size limit and an empty one.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from conftest import make_settings
from faultkit import CODAM, PDF_TEXT, SLIM, ZOEKJAAR, bomb_pdf, encrypted_pdf, pdf_bytes, snapshot, write

from assistant.core.store import ChromaStore
from ingest import run_ingest

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
LIMITS = {"max_document_bytes": 400_000, "max_pdf_pages": 5}

GOOD = {
    "md/codam.md": CODAM,
    "md/slim-utf16.md": SLIM.encode("utf-16"),  # with its byte-order mark
    "md/zoekjaar-bom.md": codecs.BOM_UTF8 + ZOEKJAAR.encode("utf-8"),
    "pdf/zonder-wachtwoord-aes.pdf": encrypted_pdf([PDF_TEXT], user_password=""),
}
BAD: dict[str, tuple[str | bytes, str]] = {
    "pdf/met-wachtwoord.pdf": (
        encrypted_pdf([PDF_TEXT], user_password="geheim"),
        "PDF is encrypted and cannot be opened without a password",
    ),
    "pdf/afgebroken.pdf": (pdf_bytes([PDF_TEXT, PDF_TEXT])[:700], "PDF could not be read"),
    "pdf/te-veel-paginas.pdf": (pdf_bytes([PDF_TEXT] * 6), "PDF has 6 pages, more than the limit of 5"),
    "pdf/bom.pdf": (bomb_pdf(), "PDF content inflates beyond the safety limits (a decompression bomb?)"),
    "md/plaatje.md": (PNG, "is a PNG image, not text (named .md)"),
    "txt/nul.txt": (b"Omscholing naar ICT\x00\x00\x00binair", "contains NUL bytes (first at byte 19)"),
    "md/latin1.md": (CODAM.replace("gratis", "gratis, café").encode("latin-1"), "is not valid UTF-8 (byte 0xe9 at"),
    "txt/groot.txt": (
        "ICT-omscholing. " * 30_000,
        "file is 468.8 KB, more than the limit of 390.6 KB (WEGWIJZER_MAX_DOCUMENT_BYTES)",
    ),
    "md/leeg.md": ("", "file is empty"),
}
LINKS = {
    "md/buiten.md": "to a file outside the corpus folder",
    "md/binnen.md": "to md/codam.md",
}


def doc_id(rel: str) -> str:
    return rel.rsplit(".", 1)[0]


def build(root: Path, files: dict[str, str | bytes]) -> Path:
    corpus = root / "corpus"
    write(corpus, files)
    outside = root / "geheim.md"
    outside.write_text(CODAM.replace("Codam", "Geheim"), encoding="utf-8")
    (corpus / "md/buiten.md").symlink_to(outside)
    (corpus / "md/binnen.md").symlink_to(corpus / "md/codam.md")
    return corpus


def test_each_bad_document_is_named_with_its_reason_and_the_good_ones_are_indexed(tmp_path: Path):
    corpus = build(tmp_path, GOOD | {rel: content for rel, (content, _) in BAD.items()})
    settings = make_settings(tmp_path / "data", corpus_dir=corpus, **LIMITS)
    report = run_ingest(settings)
    assert sorted(report.added) == sorted(doc_id(rel) for rel in GOOD)
    assert set(report.failed) == set(BAD) | set(LINKS)
    for rel, (_, why) in BAD.items():
        assert why in report.failed[rel], (rel, report.failed[rel])
    for rel, why in LINKS.items():
        assert report.failed[rel].startswith(f"is a symbolic link {why}; links are not followed"), report.failed[rel]
    store = ChromaStore(settings)
    texts = {c.doc_id: c.text for c in store.all_chunks()}
    assert set(texts) == {doc_id(rel) for rel in GOOD}
    assert "subsidie" in texts["md/slim-utf16"] and "zoekjaar" in texts["md/zoekjaar-bom"]
    assert "miljoen ICT-professionals" in texts["pdf/zonder-wachtwoord-aes"]
    assert not any("Geheim" in text for text in texts.values())  # the linked outside file was never read


def test_a_document_that_turns_bad_keeps_its_chunks_and_changes_no_other(tmp_path: Path):
    good = GOOD | {"pdf/koers.pdf": pdf_bytes([PDF_TEXT])}
    corpus = build(tmp_path, good)
    settings = make_settings(tmp_path / "data", corpus_dir=corpus, **LIMITS)
    run_ingest(settings)
    before = {doc_id(rel): snapshot(ChromaStore(settings), doc_id(rel)) for rel in good}
    assert all(before.values())
    broken = {
        "md/codam.md": PNG,
        "md/slim-utf16.md": SLIM.encode("latin-1").replace(b"subsidie", b"subsidi\xeb"),
        "pdf/koers.pdf": pdf_bytes([PDF_TEXT])[:600],
        "pdf/zonder-wachtwoord-aes.pdf": encrypted_pdf([PDF_TEXT], user_password="nu-wel"),
    }
    write(corpus, broken)
    (corpus / "md/zoekjaar-bom.md").write_text(ZOEKJAAR.replace("een jaar lang", "twaalf maanden"), encoding="utf-8")
    report = run_ingest(settings)
    assert set(report.failed) == set(broken) | set(LINKS)
    assert sorted(report.kept) == sorted(doc_id(rel) for rel in broken)
    assert report.updated == ["md/zoekjaar-bom"]
    store = ChromaStore(settings)
    for rel in broken:
        assert snapshot(store, doc_id(rel)) == before[doc_id(rel)], rel  # the chunks it had, exactly
    assert "twaalf maanden" in snapshot(store, "md/zoekjaar-bom")[0][1]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Omscholing naar ICT in Nederland.".encode("utf-16-le"), "contains NUL bytes"),  # UTF-16 without a BOM
        (codecs.BOM_UTF32_LE + "ICT".encode("utf-32-le"), "UTF-32 text, which is not supported"),
        (b"%PDF-1.4 named as text", "is a PDF, not text (named .md)"),
        (b"ICT \x1b\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10 omscholing", "control characters: a binary file"),
    ],
)
def test_text_that_is_not_utf8_or_utf16_with_a_bom_is_refused_by_name(data: bytes, expected: str):
    from ingest.load import LoadError, decode_text

    with pytest.raises(LoadError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        decode_text(data, ".md")


def test_decoding_keeps_text_and_drops_stray_control_characters():
    from ingest.load import decode_text

    assert decode_text("Één\r\ntwee\x0bdrie".encode()) == "Één\ntweedrie"
    assert decode_text(codecs.BOM_UTF16_BE + "Café".encode("utf-16-be")) == "Café"


# --- metadata: a wrong type is an ingest error of that document, never one at question time ---
def front(
    fields: str, body: str = "# Titel\n\n## Kop\n\nDe SLIM-regeling geeft subsidie voor scholing van werkenden.\n"
) -> str:
    return f"---\n{fields}\n---\n{body}"


WRONG_META = {
    "regio-getal.md": ("title: Regio\nregion: 5", "region: Input should be a valid list (got 5)"),
    "twee-statussen.md": ("title: Status\nstatus: [active, planned]", "status: Input should be 'active', 'ended'"),
    "soort-lijst.md": ("title: Soort\nkind: [scheme]", "kind: Input should be 'scheme', 'route'"),
    "onbekende-provincie.md": ("title: P\nregion: [brabant]", "unknown region 'brabant'"),
    "datum.md": (
        "title: D\nvalid_as_of: 'maart 2025'",
        "valid_as_of: must be a date as 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'",
    ),
    "instantie-zin.md": (
        "title: I\nofficial_body: Bel de IND op 088 043 0430 voor meer informatie.",
        "official_body: must be a name, not a sentence",
    ),
    "instantie-lang.md": (
        "title: I\nofficial_body: de afdeling van de gemeente die over scholing en over werk en inkomen gaat",
        "official_body: must be a short name (at most 60 characters, 10 words), not a sentence",
    ),
    "instantie-link.md": ("title: I\nofficial_body: https://ind.nl", "official_body: must be a name, without a link"),
    "instantie-telefoon.md": ("title: I\nofficial_body: IND 088-0430430", "without a phone number"),
    "taal.md": ("title: T\nlanguage: de", "language: Input should be 'nl' or 'en'"),
    "bron.md": (
        "title: B\nsources: [{url: 'ftp://x.nl', type: official, date: '2024'}]",
        "sources.0.url: must be an http(s) URL",
    ),
    "sleutel.md": ("title: S\nstauts: active", "stauts: unknown key"),
    "titel-lijst.md": ("title: [een, twee]", "title: Input should be a valid string"),
}


def test_metadata_of_the_wrong_shape_fails_that_document_only(tmp_path: Path):
    files: dict[str, str | bytes] = {rel: front(fields) for rel, (fields, _) in WRONG_META.items()}
    files["goed.md"] = front("title: Goed\nregion: zeeland\nvalid_as_of: 2025-03-01\naudience: employer")
    corpus = tmp_path / "corpus"
    write(corpus, files)
    settings = make_settings(tmp_path / "data", corpus_dir=corpus)
    report = run_ingest(settings)
    assert report.added == ["goed"]
    assert set(report.failed) == set(WRONG_META)
    for rel, (_, why) in WRONG_META.items():
        assert report.failed[rel].startswith("front matter: ") and why in report.failed[rel], report.failed[rel]
    (chunk,) = ChromaStore(settings).all_chunks()
    # forgiven: an unquoted date, a single region or audience
    assert (chunk.meta["valid_as_of"], chunk.meta["region"], chunk.meta["audience"]) == (
        "2025-03-01",
        ["zeeland"],
        ["employer"],
    )


def test_every_shipped_document_has_valid_metadata():
    from assistant.base.settings import PROJECT_ROOT
    from ingest.load import LoadError, discover, load_document, read_manifest

    corpus = PROJECT_ROOT / "corpus"
    manifest = read_manifest(corpus)
    failed = {}
    for path in discover(corpus):
        try:
            load_document(path, corpus, manifest)
        except LoadError as exc:
            failed[path.relative_to(corpus).as_posix()] = str(exc)
    assert failed == {}
