"""Issue 15, case 8: a data folder that cannot be written can still be read. Chroma cannot open a read-only
folder itself, so readers open a private copy of the index (core.store.read_only_snapshot).

Root ignores `chmod a-w`, so as root the folder is made read-only for real with a read-only bind mount
(skipped where mounting is not allowed); the chmod test runs for other users; and the writability check is
injectable, so the copy is also tested on an ordinary folder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.embedding import Embedder
from core.settings import Settings
from core.store import ChunkStore, make_client
from ingest.sync import build_ingestor
from tests.cli_helpers import run_haln
from tests.conftest import copy_docs

DOCS = ["markdown/haln-vibrant-network-qa.md", "markdown/preston-spend-analysis-guide.md"]


@pytest.fixture
def indexed(tmp_path: Path, embedder: Embedder) -> Path:
    corpus = copy_docs(tmp_path / "corpus", DOCS)
    settings = Settings(data_dir=tmp_path / "data", chroma_url=None, min_free_mb=0)
    assert len(build_ingestor(settings, embedder=embedder).sync([corpus]).added) == 2
    return settings.data_dir


@pytest.fixture
def read_only_view(tmp_path: Path, indexed: Path) -> Iterator[Path]:
    view = tmp_path / "read-only-data"
    view.mkdir()
    bind = subprocess.run(["mount", "--bind", str(indexed), str(view)], capture_output=True, text=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot bind-mount here (needs root): {bind.stderr.strip()}")
    try:
        remount = subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(view)], capture_output=True, text=True
        )
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)


def snapshot(folder: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def assert_reads(data: Path) -> None:
    stats = run_haln("stats", "--json", data_dir=data)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["documents"] == 2
    ask = run_haln("ask", "--json", "How do I start a spend analysis?", data_dir=data)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert not answer["refused"] and answer["citations"]
    sources = run_haln("sources", "list", "--json", data_dir=data)
    assert sources.returncode == 0 and len(json.loads(sources.stdout)) == 2


def test_ask_and_stats_read_a_read_only_mount(read_only_view: Path) -> None:
    with pytest.raises(OSError, match="Read-only file system"):
        (read_only_view / "probe").write_text("x")
    before = snapshot(read_only_view)
    assert_reads(read_only_view)
    assert snapshot(read_only_view) == before

    ingest = run_haln("ingest", str(read_only_view), data_dir=read_only_view, HALN_MIN_FREE_MB="0")
    assert ingest.returncode == 2, ingest.stderr
    message = " ".join(ingest.stderr.split())
    assert f"cannot write in {read_only_view} (Read-only file system)" in message
    assert "Traceback" not in ingest.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores chmod a-w; the read-only mount test covers it")
def test_ask_and_stats_read_a_chmod_a_w_folder(indexed: Path) -> None:
    folders = [indexed, *[p for p in indexed.rglob("*") if p.is_dir()]]
    for folder in folders:
        folder.chmod(folder.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        assert_reads(indexed)
    finally:
        for folder in folders:
            folder.chmod(folder.stat().st_mode | stat.S_IWUSR)


def test_an_unwritable_folder_is_read_from_a_copy(indexed: Path) -> None:
    settings = Settings(data_dir=indexed, chroma_url=None)
    before = snapshot(indexed)
    client = make_client(settings, is_writable=lambda _path: False)
    store = ChunkStore(client, ChunkStore.from_settings(settings).shape, where=str(indexed))
    assert len({m["doc_id"] for m in store.load().metadatas}) == 2
    assert snapshot(indexed) == before  # the original files were not opened for writing
