"""Issue 19, case 6: `haln check` reports every problem at once and writes nothing; `--dry-run` names the
documents it would change, creates nothing and fails on a settings mismatch like the real run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.embedding import Embedder
from core.errors import IndexMismatchError
from core.settings import Settings
from ingest.sync import build_ingestor
from tests.cli_helpers import run_haln
from tests.ingest.test_identity import doc

FIVE_ERRORS = """---
title: "x"
source_url: not-a-url
publisher: Example
doc_type: podcast
nation: England
org_type: nhs_trust
themes: workforce
date: March 2024
---
# Body

Some text about anchors.
"""


def write_questions(folder: Path, *lines: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dev.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_check_reports_every_problem_at_once_and_writes_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    doc(corpus, "good.md", "https://example.org/good")
    doc(corpus / "other", "twin.md", "https://example.org/good")  # the same source_url
    (corpus / "bad.md").write_text(FIVE_ERRORS, encoding="utf-8")
    questions = write_questions(
        tmp_path / "questions",
        {"id": "q1", "question": "Where?", "kind": "answerable", "expected_sources": ["good"]},
        {
            "id": "q2",
            "question": "What?",
            "kind": "answerable",
            "expected_sources": ["https://example.org/good"],
        },
        {"id": "q2", "question": "", "kind": "maybe"},
    )
    data = tmp_path / "data"
    result = run_haln("check", str(corpus), "--questions", str(questions), "--json", data_dir=data)
    assert result.returncode == 1, result.stderr
    found = json.loads(result.stdout)
    assert found["documents"] == 3 and found["question_sets"] == 1 and found["index"] == "none"
    bad = {p["field"]: p["reason"] for p in found["problems"] if p["path"].endswith("bad.md")}
    assert set(bad) == {"title", "source_url", "doc_type", "themes", "date"}
    assert not any(reason.startswith("Value error") for reason in bad.values())
    assert bad["themes"] == "must be a list, e.g. [workforce, procurement]"
    assert [p["field"] for p in found["problems"] if p["path"].endswith("twin.md")] == ["source_url"]
    by_line = [(p["path"].rsplit(":", 1)[-1], p["field"]) for p in found["problems"] if ".jsonl" in p["path"]]
    assert ("1", "expected_sources") in by_line  # a document id, not a URL
    assert ("3", "question") in by_line and ("3", "kind") in by_line
    assert not any(line == "2" for line, _ in by_line)
    assert not data.exists()  # nothing written

    human = run_haln("check", str(corpus), "--questions", str(questions), data_dir=data)
    assert "bad.md: field `doc_type`: 'podcast' is not allowed" in human.stdout
    assert "Nothing was written" in human.stdout


def test_check_finds_an_id_another_indexed_file_owns(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    doc(tmp_path / "corpus", "a.md", "https://example.org/a", doc_id="taken")
    build_ingestor(settings, embedder=embedder).sync([tmp_path / "corpus"])
    other = doc(tmp_path / "new", "b.md", "https://example.org/b", doc_id="taken")
    (tmp_path / "none.jsonl").write_text("", encoding="utf-8")
    result = run_haln(
        "check",
        str(other.parent),
        "--questions",
        str(tmp_path / "none.jsonl"),
        "--json",
        data_dir=settings.data_dir,
    )
    assert result.returncode == 1, result.stderr
    [problem] = json.loads(result.stdout)["problems"]
    assert problem["field"] == "id" and "a.md" in problem["reason"]


def test_dry_run_names_documents_creates_nothing_and_fails_on_a_mismatch(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    doc(corpus, "a.md", "https://example.org/a")
    doc(corpus, "b.md", "https://example.org/b")
    fresh = build_ingestor(settings, embedder=embedder).sync([corpus], dry_run=True)
    assert sorted(fresh.added) == ["a", "b"]
    assert not settings.data_dir.exists()  # no chroma.sqlite3, no folder

    build_ingestor(settings, embedder=embedder).sync([corpus])
    (corpus / "a.md").unlink()
    doc(corpus, "b.md", "https://example.org/b", extra="Changed.\n")
    doc(corpus, "c.md", "https://example.org/c")
    result = run_haln("ingest", str(corpus), "--dry-run", data_dir=settings.data_dir)
    assert result.returncode == 0, result.stderr
    for line in ("would add c", "would update b", "would remove a"):
        assert line in result.stdout

    real = run_haln("ingest", str(corpus), data_dir=settings.data_dir)
    assert real.returncode == 0, real.stderr
    assert "removed a" in real.stdout  # the real run names what left too

    other = settings.model_copy(update={"chunk_size": 128})
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        build_ingestor(other, embedder=embedder).sync([corpus], dry_run=True)
    assert build_ingestor(other, embedder=embedder).sync([corpus], dry_run=True, rebuild=True).added
