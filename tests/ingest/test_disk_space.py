"""Issue 15, case 5: an ingest refuses to start on a nearly full disk, with a clear message and its own exit
code, and the previous index keeps answering; sizes are reported in the unit HALN_MAX_FILE_MB counts (MiB).

No real full disk is needed: the minimum (HALN_MIN_FREE_MB) is set above the free space the test measures.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.embedding import Embedder
from core.errors import DiskSpaceError, DocumentError
from core.settings import Settings
from ingest.loaders import load_document
from ingest.sync import build_ingestor
from tests.cli_helpers import run_haln
from tests.conftest import CORPUS, copy_docs

EXIT_NO_SPACE = 3


def above_free_space(path: Path) -> str:
    """A minimum (MiB) twice the free space where `path` lives."""
    return str(2 * shutil.disk_usage(path).free // 2**20 + 1)


def test_ingest_on_a_nearly_full_disk_exits_3_and_writes_nothing(tmp_path: Path, embedder: Embedder) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, chroma_url=None)
    assert build_ingestor(settings, embedder=embedder).sync([corpus]).added
    copy_docs(corpus, ["markdown/preston-spend-analysis-guide.md"])
    chroma_files = {p: p.stat().st_mtime_ns for p in settings.chroma_path.rglob("*") if p.is_file()}

    result = run_haln(
        "ingest", str(corpus), data_dir=settings.data_dir, HALN_MIN_FREE_MB=above_free_space(tmp_path)
    )
    assert result.returncode == EXIT_NO_SPACE, (result.stdout, result.stderr)
    message = " ".join(result.stderr.split())
    assert "MiB free" in message and "HALN_MIN_FREE_MB" in message and "nothing was written" in message
    assert "Traceback" not in result.stderr
    assert {p: p.stat().st_mtime_ns for p in settings.chroma_path.rglob("*") if p.is_file()} == chroma_files

    stats = run_haln("stats", "--json", data_dir=settings.data_dir)  # the previous index still answers
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["documents"] == 1


def test_the_sync_refuses_before_writing(tmp_path: Path, embedder: Embedder) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(
        data_dir=tmp_path / "data", corpus_dir=corpus, chroma_url=None, min_free_mb=above_free_space(tmp_path)
    )
    with pytest.raises(DiskSpaceError, match="HALN_MIN_FREE_MB"):
        build_ingestor(settings, embedder=embedder).sync([corpus])
    assert not settings.chroma_path.exists()
    dry = build_ingestor(settings, embedder=embedder).sync([corpus], dry_run=True)  # writes nothing: allowed
    assert dry.added == ["haln-vibrant-network-qa"]


def test_exit_code_3_is_documented() -> None:
    result = run_haln("ingest", "--help", data_dir=Path("unused"))
    assert result.returncode == 0
    assert "3 when the data folder's disk has less free space" in " ".join(result.stdout.split())
    readme = " ".join((CORPUS.parent / "README.md").read_text(encoding="utf-8").split())
    assert "HALN_MIN_FREE_MB" in readme and "3 when" in readme


def test_size_limit_is_reported_in_mib_as_the_setting_counts(tmp_path: Path) -> None:
    settings = Settings(max_file_mb=1)
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * int(1.5 * 2**20))  # 1.5 MiB = 1.57 MB
    with pytest.raises(DocumentError) as error:
        load_document(big, settings.max_file_bytes)
    assert error.value.problem == "file is 1.5 MiB, over the 1 MiB limit (HALN_MAX_FILE_MB)"
