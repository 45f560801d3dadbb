"""Issue 15, case 8: one ingest at a time. Two real `haln ingest` processes at once: one embeds, the other
waits for it (or refuses, naming the holder) and then finds nothing left to do; in server mode the lock is
a marker collection on the real Chroma server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from core.errors import IngestLockedError
from core.settings import Settings
from core.store import ChunkStore
from ingest.lock import ChromaIngestLock, FileIngestLock
from ingest.sync import ingest_lock
from tests.cli_helpers import REPO, haln_command, haln_env, run_haln
from tests.conftest import copy_docs
from tests.ingest.test_server_and_crash import chroma_server  # noqa: F401  (fixture)

EXIT_LOCKED = 4
DOCS = [
    "markdown/haln-vibrant-network-qa.md",
    "markdown/preston-spend-analysis-guide.md",
    "markdown/haln-lambeth-gp-food-coop-case-study.md",
]


def test_two_ingests_at_once_embed_once(tmp_path: Path) -> None:
    corpus = copy_docs(tmp_path / "corpus", DOCS)
    data = tmp_path / "data"
    env = haln_env(data, HALN_INGEST_LOCK_WAIT_S="300", HALN_MIN_FREE_MB="0")
    processes = [
        subprocess.Popen(
            haln_command("ingest", "--json", str(corpus)),
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    reports = [json.loads(out) for out, _ in outputs]
    embedded = sorted(r["chunks_embedded"] for r in reports)
    assert embedded[0] == 0 and embedded[1] > 0, reports  # the work was done once
    waiter = next(n for n, r in enumerate(reports) if r["chunks_embedded"] == 0)
    assert reports[waiter]["unchanged"] and not reports[waiter]["added"]
    holder = processes[1 - waiter].pid
    message = " ".join(outputs[waiter][1].split())
    assert f"Waiting for the ingest already running (pid {holder} on {socket.gethostname()}" in message


def test_a_second_ingest_refuses_naming_the_holder(tmp_path: Path) -> None:
    corpus = copy_docs(tmp_path / "corpus", DOCS[:1])
    data = tmp_path / "data"
    with FileIngestLock(data).held():  # a real lock on the real file, held by this test process
        result = run_haln("ingest", str(corpus), data_dir=data, HALN_MIN_FREE_MB="0")
    assert result.returncode == EXIT_LOCKED, (result.stdout, result.stderr)
    message = " ".join(result.stderr.split())
    assert f"another ingest is running on {data}: pid {os.getpid()} on {socket.gethostname()}" in message
    assert "started 20" in message and "UTC" in message and "Nothing was written" in message
    assert "Traceback" not in result.stderr
    assert not (data / "chroma").exists()

    after = run_haln("ingest", "--json", str(corpus), data_dir=data, HALN_MIN_FREE_MB="0")
    assert after.returncode == 0 and json.loads(after.stdout)["added"]  # released when the holder is done


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = subprocess.Popen(
        [
            *haln_command()[:1],
            "-c",
            "import sys, time; from pathlib import Path; from ingest.lock import FileIngestLock\n"
            "with FileIngestLock(Path(sys.argv[1])).held():\n print('held', flush=True); time.sleep(600)",
            str(data),
        ],
        cwd=REPO,
        env=haln_env(data),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(IngestLockedError, match=f"pid {holder.pid}"), FileIngestLock(data, wait_s=0.6).held():
        pass
    holder.kill()
    holder.wait()
    with FileIngestLock(data).held():  # the kernel released the dead holder's lock
        pass


def test_server_mode_lock_is_a_marker_on_the_chroma_server(
    tmp_path: Path,
    chroma_server: str,  # noqa: F811
) -> None:
    corpus = copy_docs(tmp_path / "corpus", DOCS[:1])
    settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma_server)
    store = ChunkStore.from_settings(settings)
    lock = ingest_lock(settings, store)
    assert isinstance(lock, ChromaIngestLock)
    with lock.held():
        result = run_haln("ingest", str(corpus), data_dir=settings.data_dir, HALN_CHROMA_URL=chroma_server)
        assert result.returncode == EXIT_LOCKED, (result.stdout, result.stderr)
        message = " ".join(result.stderr.split())
        assert f"another ingest is running on {chroma_server}: pid {os.getpid()}" in message
        assert "haln-ingest-lock" in [c.name for c in store.client.list_collections()]
    assert "haln-ingest-lock" not in [c.name for c in store.client.list_collections()]
    done = run_haln(
        "ingest", "--json", str(corpus), data_dir=settings.data_dir, HALN_CHROMA_URL=chroma_server
    )
    assert done.returncode == 0 and json.loads(done.stdout)["added"], done.stderr


def test_server_mode_lock_of_a_dead_or_silent_holder_is_taken_over(
    chroma_server: str,  # noqa: F811
) -> None:
    settings = Settings(chroma_url=chroma_server)
    client = ChunkStore.from_settings(settings).client
    dead = subprocess.Popen(["true"])
    dead.wait()
    for holder, heartbeat in (
        ({"pid": dead.pid, "host": socket.gethostname()}, time.time()),  # a dead process on this host
        ({"pid": 1, "host": "elsewhere"}, time.time() - 3600),  # no heartbeat for an hour
    ):
        client.create_collection(
            "haln-ingest-lock",
            metadata={**holder, "started_at": time.time() - 60, "heartbeat": heartbeat},
            embedding_function=None,
        )
        with ChromaIngestLock(lambda: client, "haln", chroma_server).held():
            meta = client.get_collection("haln-ingest-lock").metadata
            assert meta["pid"] == os.getpid()
    live = {"pid": 1, "host": "elsewhere", "started_at": time.time(), "heartbeat": time.time()}
    client.create_collection("haln-ingest-lock", metadata=live, embedding_function=None)
    refused = pytest.raises(IngestLockedError, match="pid 1 on elsewhere")
    with refused, ChromaIngestLock(lambda: client, "haln", chroma_server).held():
        pass
