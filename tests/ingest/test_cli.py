"""`haln ingest`, `haln sources`, `haln stats`, `haln ask` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_haln


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    from tests.conftest import copy_docs

    root = tmp_path_factory.mktemp("cli")
    corpus = copy_docs(root / "corpus")
    (corpus / "broken.md").write_text("no front matter here\n", encoding="utf-8")
    result = run_haln("ingest", str(corpus), "--json", data_dir=root / "data")
    assert result.returncode == 1, result.stderr  # one file failed, the rest indexed
    return root / "data", corpus, json.loads(result.stdout)


def test_ingest_json_summary_and_exit_code(ingested: tuple[Path, Path, dict]) -> None:
    _, _, report = ingested
    assert len(report["added"]) == 7
    assert report["failed"] == [
        {"path": report["failed"][0]["path"], "reason": report["failed"][0]["reason"], "field": None}
    ]
    assert report["failed"][0]["path"].endswith("broken.md")
    assert "front matter" in report["failed"][0]["reason"]


def test_second_run_reports_unchanged_with_a_readable_summary(ingested: tuple[Path, Path, dict]) -> None:
    data, corpus, _ = ingested
    (corpus / "broken.md").unlink()
    result = run_haln("ingest", str(corpus), data_dir=data)
    assert result.returncode == 0, result.stderr
    assert "unchanged" in result.stdout and "0 chunks embedded" in result.stdout
    assert "Embedding chunks" in result.stderr or "Reading files" in result.stderr  # progress bars


def test_sources_and_stats(ingested: tuple[Path, Path, dict]) -> None:
    data, _, _ = ingested
    listing = json.loads(run_haln("sources", "list", "--json", data_dir=data).stdout)
    assert len(listing) == 7 and all(s["chunk_count"] > 0 for s in listing)
    shown = run_haln("sources", "show", "haln-vibrant-network-qa", "--json", data_dir=data)
    assert json.loads(shown.stdout)["publisher"] == "The Health Foundation"
    missing = run_haln("sources", "show", "no-such-doc", data_dir=data)
    assert missing.returncode == 2 and "no-such-doc" in missing.stderr
    stats = json.loads(run_haln("stats", "--json", data_dir=data).stdout)
    assert stats["documents"] == 7 and stats["by_doc_type"]["toolkit"] == 1
    assert stats["fingerprint"]["embed_model"].endswith("all-MiniLM-L6-v2")


def test_ask_json_and_batch(ingested: tuple[Path, Path, dict], tmp_path: Path) -> None:
    data, _, _ = ingested
    result = run_haln("ask", "What is the Lambeth GP Food Co-op?", "--json", data_dir=data)
    answer = json.loads(result.stdout)
    assert result.returncode == 0 and not answer["refused"] and answer["citations"]
    for field in ("answer", "citations", "refused", "backend", "fallback_reason", "followups", "timings_ms"):
        assert field in answer
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        '{"id": "q1", "question": "What is the Lambeth GP Food Co-op?"}\n'
        '{"id": "q2", "question": "What dose of paracetamol for a child?"}\n',
        encoding="utf-8",
    )
    lines = run_haln("ask", "--batch", str(batch), "--json", data_dir=data).stdout.splitlines()
    answers = [json.loads(line) for line in lines]
    assert [a["id"] for a in answers] == ["q1", "q2"]
    assert [a["refused"] for a in answers] == [False, True]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = run_haln("ingest", str(tmp_path / "nowhere"), data_dir=tmp_path / "data")
    assert missing.returncode == 2 and "nowhere" in missing.stderr
    no_index = run_haln("ask", "anything", data_dir=tmp_path / "empty")
    assert no_index.returncode == 2 and "haln ingest" in no_index.stderr
    bad_filter = run_haln("ask", "x", "--nation", "Atlantis", data_dir=tmp_path / "data")
    assert bad_filter.returncode == 2 and "--nation" in bad_filter.stderr


def test_help_explains_every_command() -> None:
    for command in (
        ["--help"],
        ["ingest", "--help"],
        ["ask", "--help"],
        ["sources", "--help"],
        ["stats", "--help"],
    ):
        result = run_haln(*command, data_dir=Path("/nonexistent"))
        assert result.returncode == 0 and "Usage" in result.stdout
