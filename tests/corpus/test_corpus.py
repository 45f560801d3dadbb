"""The committed corpus: every document valid, every source_url once, faithful to the catalogue,
and the dev question set pointing at documents that exist."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from core.schemas import THEMES
from evals.questions import load_questions
from ingest.discover import discover
from ingest.loaders import load_document, read_metadata
from tests.conftest import CORPUS, REPO

CATALOGUE = REPO.parent / "shared" / "corpus-sources.tsv"
LIMIT = 20 * 1024 * 1024


def corpus_files() -> list[Path]:
    return discover([CORPUS]).files


def test_every_document_loads_with_valid_metadata() -> None:
    files = corpus_files()
    assert len(files) >= 100
    for path in files:
        doc = load_document(path, LIMIT)
        words = sum(len(s.text.split()) for s in doc.sections)
        assert 250 <= words <= 1600, f"{path}: {words} words"


def test_every_source_url_and_id_appears_once() -> None:
    metas = [read_metadata(p) for p in corpus_files()]
    urls = Counter(str(m.source_url) for m in metas)
    assert [u for u, n in urls.items() if n > 1] == []
    ids = Counter(m.id for m in metas)
    assert [i for i, n in ids.items() if n > 1] == []


def test_formats_and_coverage() -> None:
    files = corpus_files()
    suffixes = Counter(p.suffix for p in files)
    assert suffixes[".html"] >= 10 and suffixes[".pdf"] >= 8
    metas = [read_metadata(p) for p in files]
    assert {t for m in metas for t in m.themes} == set(THEMES)
    assert {"England", "Scotland", "Wales", "Northern Ireland"} <= {m.nation for m in metas}


@pytest.mark.skipif(
    not CATALOGUE.exists(), reason="../shared/corpus-sources.tsv is not beside the repository"
)
def test_documents_match_the_catalogue() -> None:
    with CATALOGUE.open(encoding="utf-8") as handle:
        rows = {r["source_url"]: r for r in csv.DictReader(handle, delimiter="\t")}
    metas = {str(read_metadata(p).source_url): read_metadata(p) for p in corpus_files()}
    assert set(rows) == set(metas), "every catalogue row has exactly one document"
    for url, row in rows.items():
        meta = metas[url]
        assert meta.id == row["id"]
        assert (meta.doc_type, meta.nation, meta.org_type) == (
            row["doc_type"],
            row["nation"],
            row["org_type"],
        )
        assert sorted(meta.themes) == sorted(row["themes"].split(";"))
        assert meta.publisher == row["publisher"]


@pytest.mark.parametrize(
    ("name", "least", "unanswerable", "followups"), [("dev", 80, 10, 8), ("check", 40, 10, 0)]
)
def test_question_sets_load_and_point_at_indexed_documents(
    name: str, least: int, unanswerable: int, followups: int
) -> None:
    questions = load_questions(REPO / f"evals/questions/{name}.jsonl")
    kinds = Counter(q.kind for q in questions)
    assert len(questions) >= least and kinds["unanswerable"] >= unanswerable
    assert kinds["followup"] >= followups
    assert len({q.id for q in questions}) == len(questions)
    urls = {str(read_metadata(p).source_url) for p in corpus_files()}
    for q in questions:
        assert set(q.expected_sources) <= urls, q.id
        assert bool(q.expected_sources) == (q.kind != "unanswerable"), q.id
        assert bool(q.history) == (q.kind == "followup"), q.id


def test_pdfs_are_generated_from_their_sources() -> None:
    sources = {p.stem for p in (CORPUS / "_pdf_sources").glob("*.md")}
    pdfs = {p.stem for p in (CORPUS / "pdf").glob("*.pdf")}
    assert sources == pdfs
