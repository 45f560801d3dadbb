"""Loaders: metadata validation, section and page extraction, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import DocumentError
from ingest.loaders import ImageOnlyPdfWarning, load_document
from tests.conftest import CORPUS

LIMIT = 5 * 1024 * 1024

GOOD_FRONT = """---
title: "Local recruitment at a test trust"
source_url: https://example.org/test-trust
publisher: Example Publisher
doc_type: case_study
nation: England
org_type: nhs_trust
themes: [workforce]
---
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_markdown_sections_and_metadata() -> None:
    doc = load_document(CORPUS / "markdown/haln-lambeth-gp-food-coop-case-study.md", LIMIT)
    assert doc.doc_id == "haln-lambeth-gp-food-coop-case-study"
    assert doc.meta.doc_type == "case_study"
    assert str(doc.meta.source_url).startswith("https://")
    headings = [s.heading for s in doc.sections]
    assert len(headings) >= 3
    assert all("**" not in s.text for s in doc.sections)


def test_html_keeps_article_and_drops_boilerplate() -> None:
    path = CORPUS / "html/nhs-lanarkshire-anchor-organisation.html"
    doc = load_document(path, LIMIT)
    text = " ".join(s.text for s in doc.sections)
    assert "Lanarkshire" in text
    raw = path.read_text(encoding="utf-8")
    assert "cookie" in raw.lower()  # the page really has a banner ...
    assert "cookie" not in text.lower()  # ... and extraction dropped it
    assert "<script" not in text


def test_pdf_pages_are_kept() -> None:
    doc = load_document(CORPUS / "pdf/bnssg-inclusive-recruitment-toolkit.pdf", LIMIT)
    pages = [s.page for s in doc.sections]
    assert pages[0] == 1
    assert max(p for p in pages if p is not None) >= 3
    assert doc.meta.doc_type == "toolkit"


@pytest.mark.parametrize(
    ("name", "content", "expected_field", "expected_words"),
    [
        ("empty.md", "", None, "empty"),
        ("latin1.md", GOOD_FRONT.encode() + "caf\xe9 text".encode("latin-1"), None, "UTF-8"),
        ("nofront.md", "# Title\n\nJust text.\n", None, "missing YAML front matter"),
        ("badyaml.md", "---\ntitle: [unclosed\n---\nbody\n", None, "malformed front matter"),
        ("unclosed.md", "---\ntitle: x\n", None, "not closed"),
        ("doctype.md", GOOD_FRONT.replace("case_study", "podcast") + "Body.\n", "doc_type", "podcast"),
        ("themes.md", GOOD_FRONT.replace("[workforce]", "workforce") + "Body.\n", "themes", "list"),
        (
            "url.md",
            GOOD_FRONT.replace("https://example.org/test-trust", "not a url") + "Body.\n",
            "source_url",
            "",
        ),
        ("nobody.md", GOOD_FRONT, None, "no body"),
    ],
)
def test_bad_markdown_names_file_and_field(
    tmp_path: Path, name: str, content: str | bytes, expected_field: str | None, expected_words: str
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(DocumentError) as info:
        load_document(path, LIMIT)
    message = str(info.value)
    assert name in message
    assert expected_words in message
    assert info.value.field == expected_field


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "big.md", GOOD_FRONT + "word " * 5000)
    with pytest.raises(DocumentError, match=r"over the .* limit"):
        load_document(path, max_bytes=1000)


def test_html_without_sidecar(tmp_path: Path) -> None:
    path = write(tmp_path / "page.html", "<html><body><p>hello</p></body></html>")
    with pytest.raises(DocumentError, match=r"page\.html\.meta\.yaml"):
        load_document(path, LIMIT)


def test_html_mostly_script_and_nav(tmp_path: Path) -> None:
    sidecar_text = GOOD_FRONT.strip().strip("-").strip()
    path = write(
        tmp_path / "nav.html",
        "<html><head><script>"
        + "var x = 1;" * 200
        + "</script></head><body><nav>"
        + "".join(f"<a href='/p{i}'>Link {i}</a>" for i in range(40))
        + "</nav><footer>Copyright</footer></body></html>",
    )
    write(tmp_path / "nav.html.meta.yaml", sidecar_text)
    with pytest.raises(DocumentError, match="no main content"):
        load_document(path, LIMIT)


def _sidecar(pdf: Path) -> None:
    write(
        pdf.with_name(pdf.name + ".meta.yaml"), GOOD_FRONT.replace("case_study", "report").strip().strip("-")
    )


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.pdf", b"%PDF-1.4\n1 0 obj garbage that is not a pdf\n")
    _sidecar(path)
    with pytest.raises(DocumentError, match=r"broken\.pdf.*not a readable PDF"):
        load_document(path, LIMIT)


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(CORPUS / "pdf/bnssg-inclusive-recruitment-toolkit.pdf"))
    writer.encrypt(user_password="secret", owner_password="owner")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    _sidecar(path)
    with pytest.raises(DocumentError, match=r"locked\.pdf.*encrypted"):
        load_document(path, LIMIT)


def test_image_only_pdf_is_a_warning(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 400, 600, fill=1)
    pdf.showPage()
    pdf.save()
    _sidecar(path)
    with pytest.raises(ImageOnlyPdfWarning, match=r"scan\.pdf.*no extractable text"):
        load_document(path, LIMIT)


def _pdf_with_furniture(path: Path) -> None:
    """Three pages, each with a running header, a "Page n of 3" footer, and body lines; page 2 has a line
    wrapped before a year."""
    from reportlab.pdfgen import canvas

    bodies = [
        [
            "Growing together",
            "The trust's staff started volunteering with local groups.",
            "1. Volunteering days for every team.",
            "2. A seed swap each spring.",
        ],
        [
            "Results",
            "By the end of the second year staff had joined community growing groups in",
            "2022. The allotments supplied the staff canteen.",
            "Volunteers logged their hours.",
        ],
        [
            "Next steps",
            "The trust will extend the scheme to its two community hospitals.",
            "Each site will name a volunteering lead.",
        ],
    ]
    pdf = canvas.Canvas(str(path))
    for number, lines in enumerate(bodies, start=1):
        pdf.drawString(72, 800, "Anchor Annual Report 2023")
        y = 740
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 20
        pdf.drawString(72, 40, f"Page {number} of 3")
        pdf.showPage()
    pdf.save()


def test_pdf_running_headers_footers_and_page_labels_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "annual.pdf"
    _pdf_with_furniture(path)
    _sidecar(path)
    doc = load_document(path, LIMIT)
    text = "\n".join(s.text for s in doc.sections)
    assert "Anchor Annual Report" not in text and "Page " not in text
    assert [s.heading for s in doc.sections] == ["Growing together", "Results", "Next steps"]


def test_a_wrapped_line_starting_with_a_year_is_not_a_list_item(tmp_path: Path) -> None:
    path = tmp_path / "annual.pdf"
    _pdf_with_furniture(path)
    _sidecar(path)
    results = next(s.text for s in load_document(path, LIMIT).sections if s.heading == "Results")
    assert "community growing groups in 2022. The allotments supplied the staff canteen." in results
    steps = next(s.text for s in load_document(path, LIMIT).sections if s.heading == "Growing together")
    assert steps.splitlines()[1:] == ["1. Volunteering days for every team.", "2. A seed swap each spring."]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["The groups began in", "2022. They grew."], "The groups began in 2022. They grew."),
        (["The target rose to", "12. Then it fell."], "The target rose to 12. Then it fell."),
        (["Our steps:", "1. Buy local", "2. Hire local"], "Our steps:\n1. Buy local\n2. Hire local"),
    ],
)
def test_pdf_line_joining(lines: list[str], expected: str) -> None:
    from ingest.loaders import _join_pdf_lines

    assert _join_pdf_lines(lines) == expected


def test_a_sentence_that_happens_to_end_two_pages_is_not_a_footer() -> None:
    from ingest.loaders import _without_page_furniture

    pages = [
        ["Intro", "Text one.", "every step."],
        ["Stages", "Text two.", "system."],
        ["Job creation", "Text three.", "the needs of the service have changed."],
        ["Key points", "the needs of the service have changed.", "- Getting it right saves time."],
    ]
    assert _without_page_furniture(pages) == pages


def test_a_pdf_heading_wrapped_onto_a_second_line_keeps_its_rest(tmp_path: Path) -> None:
    """The wrapped rest of a page's heading is neither lost from the heading nor glued to the first
    sentence ("procurement The Welsh Government says…" was quoted in an answer)."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "policy.pdf"
    pdf = canvas.Canvas(str(path))
    lines = [
        "How the Wales Procurement Policy Statement defines",
        "procurement",
        "The Welsh Government takes a broad view of value for money.",
        "the definition covers goods, services and works.",
    ]
    for y, line in zip(range(760, 600, -20), lines, strict=False):
        pdf.drawString(72, y, line)
    pdf.showPage()
    pdf.save()
    _sidecar(path)
    (section,) = load_document(path, LIMIT).sections
    assert section.heading == "How the Wales Procurement Policy Statement defines procurement"
    assert section.text.startswith("The Welsh Government takes a broad view of value for money.")


def test_a_markdown_paragraph_wrapped_at_80_columns_is_one_paragraph(tmp_path: Path) -> None:
    """Soft wraps join as Markdown renders them; list items, tables and headings still start lines
    ("…published by the Riverside Foundation in" was quoted as a sentence of its own)."""
    path = tmp_path / "wrapped.md"
    path.write_text(
        '---\nid: wrapped\ntitle: "Wrapped"\nsource_url: https://example.org/wrapped\npublisher: Example\n'
        "doc_type: guide\nnation: England\norg_type: nhs_trust\nthemes: [procurement]\n---\n"
        "## About\n\nThe report was published by the Riverside Foundation in\nAugust 2021. It looks at jobs.\n"
        "It has two parts.\n\n"
        "Steps:\n- Map your spend\n  by supplier postcode.\n- Meet the buyers.\n\n| a | b |\n| 1 | 2 |\n",
        encoding="utf-8",
    )
    (section,) = load_document(path, LIMIT).sections
    assert section.text.splitlines() == [
        "The report was published by the Riverside Foundation in August 2021. It looks at jobs.",
        "It has two parts.",
        "",
        "Steps:",
        "- Map your spend by supplier postcode.",
        "- Meet the buyers.",
        "",
        "| a | b |",
        "| 1 | 2 |",
    ]


@pytest.mark.parametrize(
    ("lines", "heading_lines"),
    [
        (["The policy background to social value in Northern", "Ireland", "The Social Value Unit lists:"], 2),
        (["Helping boost wellbeing in our region through the", "Severn Trent Community Fund", "Grants"], 2),
        (["Findings: the NHS as an employer and economic", "engine", "Summary"], 2),
        (["Thresholds at a glance", "The contract values given on the page are:"], 1),
        (["Results", "Volunteers", "logged their hours."], 1),
        (["Why local spending matters: the multiplier effect", "Summary:", "When money…"], 1),
    ],
)
def test_a_pdf_heading_wrapped_before_a_name_keeps_it(lines: list[str], heading_lines: int) -> None:
    """A heading wrapped before a capitalised word ("…in Northern" / "Ireland") keeps the word, which
    was left to open the first sentence; a short heading's next line stays body text."""
    from ingest.loaders import _page_heading

    assert _page_heading(lines) == (" ".join(lines[:heading_lines]), lines[heading_lines:])
