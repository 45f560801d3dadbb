"""Issue 19, case 9: corpus/README.md's "Adding a document", followed literally on a copy of the corpus
with a Markdown file without an `id`, an HTML page and a real (not generated) PDF; then `haln check`,
`haln ingest` and the corpus tests of `make test` pass on it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import run_haln
from tests.conftest import CORPUS

STEPS = CORPUS.parent / "corpus" / "README.md"

PARAGRAPHS = [
    "Riverside Community Health Trust employs around four thousand people across two hospitals and a network "
    "of community clinics. Its 2023 annual report describes how the trust changed the way it recruits, buys "
    "and uses its buildings so that more of its spending stays in the neighbourhoods it serves.",
    "The report says the trust worked with the local college and the council's employment service to open "
    "routes into entry-level jobs for residents of the four most deprived wards. Applicants were offered "
    "guaranteed interviews, help with application forms and six weeks of paid work experience on the wards.",
    "According to the report, 112 residents started jobs through these routes in the year, most of them as "
    "healthcare support workers, porters and administrators. Two thirds of them were still in post a year "
    "later, which the report compares with just under half for other entry-level starters.",
    "The report also describes changes to purchasing. The trust asked suppliers of catering, cleaning and "
    "grounds maintenance to say how many local people they employ, and it split two large contracts into "
    "smaller lots so that local firms could bid. Local spend rose from 18 to 24 per cent of the total.",
    "On estates, the report says the trust opened its conference rooms to community groups in the evenings "
    "and turned an unused car park corner into a growing space run by a local charity. Staff volunteers "
    "helped build raised beds, and the produce is sold at a weekly stall in the main entrance.",
    "The report names the partners involved: the borough council, the further education college, two "
    "housing associations and a voluntary sector network. It says a joint group met every month and agreed "
    "one set of measures, so that each partner reported the same figures on jobs, spend and volunteering.",
    "The report closes by listing what the trust plans next: extending the employment routes to its "
    "community services, publishing its local spend figures every quarter, and asking its largest suppliers "
    "to pay the real living wage to staff working on trust sites by the end of 2025.",
]
BODY_WORDS = sum(len(p.split()) for p in PARAGRAPHS)


def front(title: str, url: str) -> str:
    return (
        f'title: "{title}"\nsource_url: {url}\npublisher: Riverside Community Health Trust\n'
        "doc_type: report\nnation: England\norg_type: nhs_trust\nthemes: [workforce, procurement, estates]\n"
        'date: "2023"\n'
    )


def markdown_without_id(corpus: Path) -> Path:
    path = corpus / "markdown" / "riverside-annual-report-2023.md"
    sections = [
        "What the report covers",
        "Employment routes",
        "Results",
        "Purchasing",
        "Estates",
        "Partners",
        "Plans",
    ]
    body = "\n\n".join(f"## {h}\n\n{p}" for h, p in zip(sections, PARAGRAPHS, strict=True))
    provenance = (
        'This is a summary, in our own words, of the "Riverside annual report 2023" published by Riverside '
        "Community Health Trust (https://example.org/riverside/annual-report-2023)."
    )
    title = "Riverside annual report 2023"
    path.write_text(
        f"---\n{front(title, 'https://example.org/riverside/annual-report-2023')}---\n# {title}\n\n{provenance}\n\n{body}\n",
        encoding="utf-8",
    )
    return path


def html_page(corpus: Path) -> Path:
    path = corpus / "html" / "riverside-jobs-page.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    path.write_text(
        "<!doctype html><html><head><title>Jobs for local people</title><script>var t=1;</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/jobs'>Jobs</a> <a href='/about'>About us</a></nav>"
        "<div class='cookie'>We use cookies. Accept all</div><main><article><h1>Jobs for local people</h1>"
        '<p>This is a summary, in our own words, of the page "Jobs for local people" published by Riverside '
        "Community Health Trust (https://example.org/riverside/jobs).</p>"
        f"<h2>How the trust recruits locally</h2>{paragraphs}</article></main>"
        "<footer>Riverside Community Health Trust, Riverside Road. Privacy. Accessibility.</footer></body></html>",
        encoding="utf-8",
    )
    sidecar = front("Jobs for local people", "https://example.org/riverside/jobs")
    path.with_name(path.name + ".meta.yaml").write_text(sidecar, encoding="utf-8")
    return path


def real_pdf(corpus: Path) -> Path:
    """A PDF as a publisher makes it (not from `_pdf_sources/`): a running header, page numbers, wrapped
    lines, one of them starting with a year."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = corpus / "pdf" / "riverside-anchor-review.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pages = [PARAGRAPHS[:3], PARAGRAPHS[3:5], PARAGRAPHS[5:]]
    intro = (
        'This is a summary, in our own words, of the "Anchor review" published by Riverside '
        "Community Health Trust (https://example.org/riverside/anchor-review)."
    )
    for number, paragraphs in enumerate(pages, start=1):
        pdf.setFont("Helvetica", 9)
        pdf.drawString(60, 810, "Riverside Community Health Trust | Anchor review")
        pdf.drawString(280, 30, f"Page {number} of 3")
        pdf.setFont("Helvetica", 11)
        y = 770
        text = ([intro] if number == 1 else []) + paragraphs
        for paragraph in text:
            words, line = paragraph.split(), ""
            for word in words:
                if len(line) + len(word) > 85:
                    pdf.drawString(60, y, line)
                    y -= 15
                    line = ""
                line = f"{line} {word}".strip()
            pdf.drawString(60, y, line)
            y -= 25
        pdf.showPage()
    pdf.save()
    path.with_name(path.name + ".meta.yaml").write_text(
        front("Anchor review", "https://example.org/riverside/anchor-review"), encoding="utf-8"
    )
    return path


def catalogue_row(doc_id: str, title: str, url: str) -> str:
    return "\t".join(
        [
            doc_id,
            title,
            url,
            "Riverside Community Health Trust",
            "report",
            "England",
            "nhs_trust",
            "workforce;procurement;estates",
            "112 residents started jobs through local routes in the year",
        ]
    )


def test_the_readme_states_the_rules_the_tests_check() -> None:
    steps = STEPS.read_text(encoding="utf-8").split("## Adding a document")[1].split("\n## ")[0]
    for rule in (
        "250 to 1,600 words",
        "`id` may be left out",
        "catalogue.tsv",
        "A real PDF needs nothing more",
        "haln check",
        "haln ingest",
        "--replace",
        "make test",
    ):
        assert rule in " ".join(steps.split()), rule


@pytest.mark.slow
def test_adding_a_markdown_file_an_html_page_and_a_real_pdf_as_the_readme_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert 250 <= BODY_WORDS <= 1600
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    # Steps 1 and 2.
    markdown_without_id(corpus)
    html_page(corpus)
    real_pdf(corpus)
    # Step 3: no row in ../shared/corpus-sources-more.tsv, so by hand.
    with (corpus / "catalogue.tsv").open("a", encoding="utf-8") as handle:
        for row in (
            catalogue_row(
                "riverside-annual-report-2023",
                "Riverside annual report 2023",
                "https://example.org/riverside/annual-report-2023",
            ),
            catalogue_row(
                "riverside-jobs-page", "Jobs for local people", "https://example.org/riverside/jobs"
            ),
            catalogue_row(
                "riverside-anchor-review", "Anchor review", "https://example.org/riverside/anchor-review"
            ),
        ):
            handle.write(row + "\n")

    # Step 4: haln check, haln ingest, make test.
    data = tmp_path / "data"
    checked = run_haln("check", "--json", data_dir=data, HALN_CORPUS_DIR=str(corpus))
    assert checked.returncode == 0, checked.stdout
    assert json.loads(checked.stdout)["problems"] == []
    ingested = run_haln("ingest", "--json", data_dir=data, HALN_CORPUS_DIR=str(corpus), timeout=900)
    assert ingested.returncode == 0, ingested.stderr
    report = json.loads(ingested.stdout)
    new = {"riverside-annual-report-2023", "riverside-jobs-page", "riverside-anchor-review"}
    assert new <= set(report["added"]) and not report["failed"]
    again = run_haln("ingest", "--json", data_dir=data, HALN_CORPUS_DIR=str(corpus))
    assert json.loads(again.stdout)["chunks_embedded"] == 0  # only new or changed files are embedded

    chunks = json.loads(
        run_haln(
            "sources",
            "chunks",
            "riverside-anchor-review",
            "--json",
            data_dir=data,
            HALN_CORPUS_DIR=str(corpus),
        ).stdout
    )
    text = " ".join(c["text"] for c in chunks)
    assert "Page 1" not in text and "| Anchor review" not in text
    assert not re.search(r"\n20\d\d\. ", "\n".join(c["text"] for c in chunks))

    from tests.corpus import test_corpus

    monkeypatch.setattr(test_corpus, "CORPUS", corpus)
    monkeypatch.setattr(test_corpus, "CATALOGUE", corpus / "catalogue.tsv")
    test_corpus.test_every_document_loads_with_valid_metadata()
    test_corpus.test_every_source_url_and_id_appears_once()
    test_corpus.test_formats_and_coverage()
    test_corpus.test_documents_match_the_catalogue()
    test_corpus.test_pdfs_are_generated_from_their_sources()
    test_corpus.test_no_document_gives_the_writers_own_advice()
