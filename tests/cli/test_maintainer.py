"""Issue 19, cases 8 and 10: the CLI from any folder, `--help` text, `sources list` filters and dates,
`sources chunks`, and `stats` on an index built with other settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_haln
from tests.ingest.test_identity import doc

LONG_ID = "a-document-id-that-is-long-enough-to-be-cut-off-in-a-narrow-table-column-of-rich"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A maintainer's project folder: corpus/ with three documents, ingested from a subfolder."""
    root = tmp_path_factory.mktemp("project")
    corpus = root / "corpus"
    doc(corpus, "old.md", "https://example.org/old")
    old = corpus / "old.md"
    old.write_text(old.read_text().replace("themes: [procurement]", 'themes: [procurement]\ndate: "2015"'))
    doc(corpus / "wales", "long.md", "https://example.org/long", doc_id=LONG_ID)
    long = corpus / "wales" / "long.md"
    long.write_text(
        long.read_text()
        .replace("nation: England", "nation: Wales")
        .replace("themes: [procurement]", 'themes: [workforce]\ndate: "2025-01"')
    )
    (corpus / "broken.md").write_text("no front matter\n", encoding="utf-8")
    sub = root / "notes" / "deeper"
    sub.mkdir(parents=True)
    result = run_haln("ingest", "--json", data_dir=Path("data"), cwd=sub)
    assert result.returncode == 1, result.stderr  # broken.md failed, the rest indexed
    report = json.loads(result.stdout)
    assert sorted(report["added"]) == sorted([LONG_ID, "old"])
    assert [f["path"] for f in report["failed"]] == ["corpus/broken.md"]  # project-relative
    (corpus / "broken.md").unlink()
    return root


def test_ingest_from_a_subfolder_uses_the_project_folders(project: Path) -> None:
    assert (project / "data" / "chroma").is_dir()
    assert not (project / "notes" / "deeper" / "data").exists()
    elsewhere = project.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    listed = run_haln(
        "sources", "list", "--json", data_dir=Path("data"), cwd=elsewhere, HALN_PROJECT_ROOT=str(project)
    )
    assert sorted(s["id"] for s in json.loads(listed.stdout)) == sorted([LONG_ID, "old"])
    missing = run_haln(
        "ingest", "nowhere", data_dir=Path("data"), cwd=elsewhere, HALN_PROJECT_ROOT=str(project)
    )
    assert missing.returncode == 2 and str(elsewhere / "nowhere") in missing.stderr


def test_help_shows_the_citation_marker() -> None:
    for args in (("--help",), ("ask", "--help")):
        result = run_haln(*args, data_dir=Path("data"))
        assert "cites its sources as [n]" in " ".join(result.stdout.split()), result.stdout


def test_sources_list_filters_dates_and_stale(project: Path) -> None:
    data = project / "data"
    wales = json.loads(run_haln("sources", "list", "--nation", "Wales", "--json", data_dir=data).stdout)
    assert [s["id"] for s in wales] == [LONG_ID]
    assert [
        s["id"]
        for s in json.loads(
            run_haln("sources", "list", "--theme", "procurement", "--json", data_dir=data).stdout
        )
    ] == ["old"]
    stale = json.loads(run_haln("sources", "list", "--stale", "--json", data_dir=data).stdout)
    assert [s["id"] for s in stale] == ["old"]
    table = run_haln("sources", "list", data_dir=data, COLUMNS="120").stdout
    assert LONG_ID in table and "2015" in table and "2025-01" in table


def test_sources_chunks_for_an_indexed_document_and_a_file(project: Path) -> None:
    data = project / "data"
    indexed = json.loads(run_haln("sources", "chunks", "old", "--json", data_dir=data).stdout)
    assert indexed and indexed[0]["index"] == 0 and "procurement team" in indexed[0]["text"]
    from_file = json.loads(
        run_haln("sources", "chunks", str(project / "corpus" / "old.md"), "--json", data_dir=data).stdout
    )
    assert [c["text"] for c in from_file] == [c["text"] for c in indexed]
    human = run_haln("sources", "chunks", "old", data_dir=data)
    assert "#0" in human.stdout and "chunks (chunk_size 256 tokens" in human.stdout
    missing = run_haln("sources", "chunks", "nope", data_dir=data)
    assert missing.returncode == 2 and "'nope'" in missing.stderr


def test_stats_runs_on_a_settings_mismatch(project: Path) -> None:
    result = run_haln("stats", "--json", data_dir=project / "data", HALN_CHUNK_SIZE="128")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["mismatch"] is True and stats["settings"]["chunk_size"] == 128
    assert [d["chunk_size"] for d in stats["on_disk"]] == [256] and stats["on_disk"][0]["chunks"] > 0
    human = run_haln("stats", data_dir=project / "data", HALN_CHUNK_SIZE="128")
    assert "haln ingest --rebuild" in human.stdout and "on disk" in human.stdout


def test_sources_catalogue_writes_rows_the_corpus_test_reads(project: Path, tmp_path: Path) -> None:
    from tests.corpus.test_corpus import read_catalogue

    out = tmp_path / "rows.tsv"
    result = run_haln("sources", "catalogue", "-o", str(out), data_dir=project / "data")
    assert result.returncode == 0, result.stderr
    rows = read_catalogue(out)
    assert rows["https://example.org/long"]["id"] == LONG_ID
    old = rows["https://example.org/old"]
    assert (old["id"], old["nation"], old["themes"], old["key_facts"]) == (
        "old",
        "England",
        "procurement",
        "",
    )
    printed = run_haln("sources", "catalogue", data_dir=project / "data").stdout
    assert printed.splitlines()[0].split("\t")[-1] == "key_facts"
