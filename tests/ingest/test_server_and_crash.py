"""Chroma server mode against a real `chroma run`, and kill -9 in the middle of an ingest."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.embedding import Embedder
from core.errors import StoreUnavailableError
from core.settings import Settings
from core.store import ChunkStore
from ingest.sync import build_ingestor
from tests.cli_helpers import REPO, haln_command, haln_env, run_haln
from tests.conftest import CORPUS, SAMPLE_DOCS, copy_docs, free_port

CHROMA = Path(sys.executable).parent / "chroma"


def start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    """A real `chroma run` on a loopback port, returned once its heartbeat answers."""
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    pytest.fail("chroma run did not start within 60 s")


def stop_chroma(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = start_chroma(tmp_path / "chroma-server", port)
    yield f"http://127.0.0.1:{port}"
    stop_chroma(process)


def test_ingest_and_read_through_a_chroma_server(
    chroma_server: str, tmp_path: Path, sample_corpus: Path, embedder: Embedder
) -> None:
    settings = Settings(data_dir=tmp_path / "unused", chroma_url=chroma_server)
    report = build_ingestor(settings, embedder=embedder).sync([sample_corpus])
    assert len(report.added) == len(SAMPLE_DOCS)
    again = build_ingestor(settings, embedder=embedder).sync([sample_corpus])
    assert len(again.unchanged) == len(SAMPLE_DOCS) and again.chunks_embedded == 0
    stored = ChunkStore.from_settings(settings).load()
    assert len({m["doc_id"] for m in stored.metadatas}) == len(SAMPLE_DOCS)
    assert not (tmp_path / "unused" / "chroma").exists()  # nothing written to the embedded path


def test_unreachable_chroma_server_gives_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreUnavailableError, match=r"127\.0\.0\.1"):
        ChunkStore.from_settings(settings).load()


SNAPSHOT = """
import json, sys
from collections import Counter
from core.settings import Settings
from core.store import ChunkStore
stored = ChunkStore.from_settings(Settings()).load()
keys = Counter((m["doc_id"], m["chunk_index"]) for m in stored.metadatas)
hashes = {}
for m in stored.metadatas:
    hashes.setdefault(m["doc_id"], set()).add(m["doc_hash"])
print(json.dumps({
    "docs": sorted(hashes),
    "duplicates": [list(k) for k, n in keys.items() if n > 1],
    "mixed_versions": sorted(d for d, h in hashes.items() if len(h) > 1),
    "hashes": {d: sorted(h) for d, h in hashes.items()},
}))
"""


def snapshot(data_dir: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SNAPSHOT],
        cwd=REPO,
        env=haln_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def last_write_sequence(database: Path) -> int:
    """Chroma logs every write in `embeddings_queue`; its highest seq_id moves when chunks are written."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        row = connection.execute("SELECT max(seq_id) FROM embeddings_queue").fetchone()
    except sqlite3.OperationalError:  # locked for a moment by the writer
        return -1
    finally:
        connection.close()
    return int(row[0] or 0)


def wait_for_first_write_then_kill(corpus: Path, data: Path, delay: float) -> bool:
    """Start an ingest, SIGKILL it `delay` seconds after it first writes to Chroma's database.

    Returns True when the process was still running (so the kill really landed mid-sync).
    """
    database = data / "chroma" / "chroma.sqlite3"
    baseline = last_write_sequence(database)
    process = subprocess.Popen(
        haln_command("ingest", str(corpus), "--json"),
        cwd=REPO,
        env=haln_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        if last_write_sequence(database) > baseline:
            time.sleep(delay)
            break
        time.sleep(0.02)
    alive = process.poll() is None
    if alive:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return alive


@pytest.mark.slow
def test_kill_9_mid_ingest_leaves_the_previous_index_usable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    corpus = copy_docs(tmp_path / "corpus")
    assert run_haln("ingest", str(corpus), "--json", data_dir=data).returncode == 0
    before = snapshot(data)
    assert len(before["docs"]) == len(SAMPLE_DOCS)

    # A big change: every sample document edited and 30 more added, so the run has plenty to do.
    for path in corpus.rglob("*.md"):
        path.write_text(
            path.read_text(encoding="utf-8") + "\n\nAn extra closing line for this edit.\n", encoding="utf-8"
        )
    extra = sorted((CORPUS / "markdown").glob("*.md"))[:40]
    for src in extra:
        if not (corpus / "markdown" / src.name).exists():
            shutil.copy(src, corpus / "markdown" / src.name)
    expected_docs = (
        {p.stem for p in corpus.rglob("*.md")}
        | {p.stem for p in corpus.rglob("*.pdf")}
        | {p.stem for p in corpus.rglob("*.html")}
    )

    partial_states = 0
    for delay_after_first_write in (0.05, 1.0):
        alive = wait_for_first_write_then_kill(corpus, data, delay_after_first_write)
        state = snapshot(data)
        assert state["duplicates"] == [] and state["mixed_versions"] == []
        assert set(before["docs"]) <= set(state["docs"])  # everything indexed before still answers
        progressed = len(set(state["docs"]) - set(before["docs"])) + sum(
            state["hashes"][d] != before["hashes"][d] for d in before["docs"]
        )
        print(f"killed alive={alive} progressed={progressed} of {len(expected_docs)}")
        partial_states += alive and 0 < progressed < len(expected_docs)
    assert partial_states >= 1, "no kill landed in the middle of the writes"

    final = run_haln("ingest", str(corpus), "--json", data_dir=data)
    assert final.returncode == 0, final.stderr
    state = snapshot(data)
    assert set(state["docs"]) == expected_docs
    assert state["duplicates"] == [] and state["mixed_versions"] == []
    changed = [
        d for d in before["docs"] if d in state["hashes"] and state["hashes"][d] != before["hashes"][d]
    ]
    assert len(changed) >= len(SAMPLE_DOCS) - 2  # the edited Markdown documents now serve their new version
    # And nothing stale is left behind in the collection itself.
    leftover = subprocess.run(
        [
            sys.executable,
            "-c",
            "from core.settings import Settings; from core.store import ChunkStore; "
            "s = ChunkStore.from_settings(Settings()); c = s.collection(); "
            "print(sum(len(v) for v in s.doc_versions(c).values()))",
        ],
        cwd=REPO,
        env=haln_env(data),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert int(leftover.stdout.strip()) == len(expected_docs)
