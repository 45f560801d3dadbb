"""Ready time with an index snapshot beside the full build it replaces, measured side by side in one run.

A synthetic store of `--chunks` chunks (100k by default; texts re-sampled from the real chunks, vectors =
real embeddings plus small noise, like bench/query.py's 100k point) is written to an embedded Chroma.
Then fresh processes load the index the way an API worker does (`assistant.service.index_holder`):

- *full build*: snapshots off: read every chunk from Chroma, build BM25, FAISS IVF and filter columns;
- *first worker*: snapshots on, none saved yet: the same build, plus saving the snapshot;
- *snapshot*: snapshots on, the snapshot saved: restore it (memory-mapped);

each timed from process start to the index in hand, with its RSS (and the anonymous part of it, which
workers do not share). Then `haln serve` from process start to `/readyz` 200, with and without the
snapshot. Then a change of `--changed` documents (10 by default: new text, new hash, as an ingest writes
them) while a worker serves, timed from the store's new version to the worker serving it (checking
every second), side by side: *full rebuild* (deltas off: build the new version and save its snapshot,
the way before deltas) and *delta* (assistant/delta.py), and a worker started after the change. `--million` adds a 1M-chunk point without Chroma (build in memory, save, restore in a fresh
process, retrieval p95 filtered and unfiltered beside the floor): it takes several minutes and ~8 GB.
Run: python bench/snapshot.py [--chunks N] [--changed N] [--million]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from common import OUT, ROOT, bm25_floor_p95_ms, corpus_index, machine, p, save, timed

from assistant.index import SearchIndex
from core.embedding import embedder_from_settings
from core.settings import Settings
from core.store import ChunkStore

PROBE = """
import json, time
started = time.perf_counter()
from assistant.service import index_holder
from core.settings import Settings
holder = index_holder(Settings())
index = holder.get()
status = {k: v for k, v in (l.split(":", 1) for l in open("/proc/self/status") if ":" in l)}
kb = lambda key: int(status.get(key, "0 kB").split()[0])
print(json.dumps({
    "in_process_s": round(time.perf_counter() - started, 2), "origin": index.origin, "chunks": index.live_size,
    "rss_mb": round(kb("VmRSS") / 1024, 1), "rss_anon_mb": round(kb("RssAnon") / 1024, 1),
    "rss_file_mb": round(kb("RssFile") / 1024, 1),
}))
"""


WATCH = """
import json, sys, time
started = time.perf_counter()
from assistant.service import index_holder
from core.settings import Settings
holder = index_holder(Settings())
if sys.argv[1] == "full":
    holder.delta_limits = (0, 0.0)  # no delta: build the new version (and save it), as before deltas
index = holder.get()
first = index.version
print(json.dumps({"ready_s": round(time.perf_counter() - started, 2), "origin": index.origin}), flush=True)
while index.version == first:
    time.sleep(0.02)
    index = holder.get()
switched_at = time.time()
status = {k: v for k, v in (l.split(":", 1) for l in open("/proc/self/status") if ":" in l)}
kb = lambda key: int(status.get(key, "0 kB").split()[0])
print(json.dumps({
    "switched_at": switched_at, "origin": index.origin, "chunks": index.live_size,
    "built": holder.built, "deltas": holder.deltas,
    "rss_mb": round(kb("VmRSS") / 1024, 1), "rss_anon_mb": round(kb("RssAnon") / 1024, 1),
}), flush=True)
"""


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("HALN_")}
    env.update({"HALN_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}, **extra)
    return env


def synthetic_chunks(
    base: SearchIndex, size: int, seed: int = 3
) -> tuple[list[str], list[str], list[dict[str, Any]], np.ndarray]:
    """Chunks shaped as the ingest stores them: 8 per synthetic document, each document complete."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, base.size, size)
    vectors = base.embeddings[rows] + rng.normal(0, 0.02, (size, base.embeddings.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts, metas = [], []
    for i, row in enumerate(rows):
        other = int(rng.integers(0, base.size))
        texts.append(". ".join(base.texts[row].split(". ") + base.texts[other].split(". ")[:2]))
        meta = dict(base.metadatas[row])
        doc = i // 8
        meta.update(
            doc_id=f"syn-{doc:06d}",
            doc_hash=f"h{doc}",
            chunk_index=i % 8,
            n_chunks=min(8, size - doc * 8),
        )
        metas.append(meta)
    return [f"syn-{i:07d}" for i in range(size)], texts, metas, vectors.astype(np.float32)


def write_store(
    settings: Settings, chunks: tuple[list[str], list[str], list[dict[str, Any]], np.ndarray]
) -> float:
    ids, texts, metas, vectors = chunks
    started = time.perf_counter()
    store = ChunkStore.from_settings(settings)
    collection = store.collection(create=True)
    step = 5000
    for start in range(0, len(ids), step):
        end = start + step
        collection.add(
            ids=ids[start:end],
            documents=texts[start:end],
            metadatas=metas[start:end],
            embeddings=vectors[start:end],
        )
    store.bump_generation(collection)
    return round(time.perf_counter() - started, 1)


def change_documents(settings: Settings, doc_ids: list[str], tag: str) -> float:
    """Replace these documents' chunks as an ingest does (new hash and chunk ids, then the old ones
    deleted, then the version bumped with the change logged); the time the new version became visible."""
    store = ChunkStore.from_settings(settings)
    collection = store.collection()
    old = collection.get(where={"doc_id": {"$in": doc_ids}}, include=["metadatas", "documents", "embeddings"])
    now = time.time()
    collection.add(
        ids=[f"{i}-{tag}" for i in old["ids"]],
        documents=[f"{text} Revised in {tag}." for text in old["documents"]],
        metadatas=[{**m, "doc_hash": f"{m['doc_hash']}-{tag}", "ingested_at": now} for m in old["metadatas"]],
        embeddings=np.asarray(old["embeddings"], dtype=np.float32),
    )
    collection.delete(ids=old["ids"])
    store.bump_generation(collection, doc_ids)
    return time.time()


def switch_time(settings: Settings, mode: str, doc_ids: list[str], tag: str) -> dict[str, Any]:
    """A worker serving the store (`mode` full: deltas off); the time from a change to it serving it."""
    process = subprocess.Popen(
        [sys.executable, "-c", WATCH, mode],
        cwd=ROOT,
        env=env_for(settings.data_dir, HALN_INDEX_CHECK_S="1"),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        time.sleep(2)  # settled, as a worker that has been serving
        changed_at = change_documents(settings, doc_ids, tag)
        out: dict[str, Any] = json.loads(process.stdout.readline())
        out["switch_s"] = round(out.pop("switched_at") - changed_at, 2)
        out["started_from"] = ready["origin"]
        process.wait(timeout=60)
        return out
    finally:
        if process.poll() is None:
            process.kill()


def probe(data_dir: Path, **extra: str) -> dict[str, Any]:
    """A fresh process loading the index as a worker does; wall time from its start to the index ready."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env_for(data_dir, **extra),
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    out["ready_s"] = round(time.perf_counter() - started, 2)
    return out


def api_ready(data_dir: Path, **extra: str) -> float:
    """`haln serve` from process start to `/readyz` 200."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env_for(data_dir, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=120).status_code == 200:
                    return round(time.perf_counter() - started, 2)
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"haln serve exited with {process.returncode}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def store_point(base: SearchIndex, size: int, changed: int = 10) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="haln-bench-snapshot-"))
    try:
        settings = Settings(data_dir=data)
        out: dict[str, Any] = {"chunks": size}
        out["store_write_s"] = write_store(settings, synthetic_chunks(base, size))
        out["full_build"] = probe(data, HALN_INDEX_SNAPSHOTS="false")
        print("full build", out["full_build"], flush=True)
        out["first_worker"] = probe(data)  # builds and saves
        print("first worker", out["first_worker"], flush=True)
        out["snapshot"] = probe(data)  # restores
        print("snapshot", out["snapshot"], flush=True)
        folder = next(p for p in (data / "index-snapshots").rglob("manifest.json")).parent
        out["snapshot_mb"] = round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)
        out["save_s"] = round(out["first_worker"]["ready_s"] - out["full_build"]["ready_s"], 2)
        out["ready_ratio"] = round(out["snapshot"]["ready_s"] / out["full_build"]["ready_s"], 3)
        out["api_ready_snapshot_s"] = api_ready(data)
        out["api_ready_full_build_s"] = api_ready(data, HALN_INDEX_SNAPSHOTS="false")
        out["api_ready_ratio"] = round(out["api_ready_snapshot_s"] / out["api_ready_full_build_s"], 3)
        print("api ready", out["api_ready_snapshot_s"], out["api_ready_full_build_s"], flush=True)
        docs = [f"syn-{d:06d}" for d in range(0, size // 8, max(1, size // 8 // (2 * changed)))]
        out["changed_docs"] = changed
        # Full first (from the snapshot saved above), then the delta from the snapshot the full one saved.
        out["switch_full"] = switch_time(settings, "full", docs[:changed], "a")
        print("switch, full rebuild", out["switch_full"], flush=True)
        out["switch_delta"] = switch_time(settings, "delta", docs[changed : 2 * changed], "b")
        print("switch, delta", out["switch_delta"], flush=True)
        out["switch_ratio"] = round(out["switch_delta"]["switch_s"] / out["switch_full"]["switch_s"], 3)
        out["start_after_change"] = probe(data)  # the last snapshot plus the change as a delta
        print("worker started after the change", out["start_after_change"], flush=True)
        return out
    finally:
        shutil.rmtree(data, ignore_errors=True)


def million_point(base: SearchIndex, size: int) -> dict[str, Any]:
    """No Chroma at this size: the index is built in memory from synthetic chunks, saved, restored."""
    from query import FILTER

    from assistant.index import IndexHolder
    from assistant.service import Assistant
    from assistant.snapshot import SnapshotStore
    from evals.questions import load_questions

    root = Path(tempfile.mkdtemp(prefix="haln-bench-1m-"))
    try:
        ids, texts, metas, vectors = synthetic_chunks(base, size)
        started = time.perf_counter()
        index = SearchIndex(ids, texts, metas, vectors, 1, "1-million")
        out: dict[str, Any] = {"chunks": size, "build_s": round(time.perf_counter() - started, 1)}
        started = time.perf_counter()
        SnapshotStore(root).save(index)
        out["save_s"] = round(time.perf_counter() - started, 1)
        del index
        restore = (
            "import json, time, sys; t = time.perf_counter(); from pathlib import Path; "
            "from assistant.snapshot import SnapshotStore; i = SnapshotStore(Path(sys.argv[1])).load('1-million'); "
            "s = {k: v for k, v in (l.split(':', 1) for l in open('/proc/self/status') if ':' in l)}; "
            "print(json.dumps({'restore_s': round(time.perf_counter() - t, 2), 'chunks': i.size, "
            "'rss_mb': round(int(s['VmRSS'].split()[0]) / 1024, 1), "
            "'rss_anon_mb': round(int(s['RssAnon'].split()[0]) / 1024, 1)}))"
        )
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", restore, str(root)],
            cwd=ROOT,
            env=env_for(root),
            capture_output=True,
            text=True,
            check=True,
        )
        out["restore"] = json.loads(result.stdout.strip().splitlines()[-1])
        out["restore"]["ready_s"] = round(time.perf_counter() - started, 2)
        restored = SnapshotStore(root).load("1-million")
        assert restored is not None
        settings = Settings()
        embedder = embedder_from_settings(settings)
        assistant = Assistant(settings, IndexHolder(None, index=restored), embedder)
        questions = [q.question for q in load_questions(ROOT / "evals/questions/dev.jsonl")]
        counter = iter(range(10**9))
        retriever = assistant.retriever
        for label, filters in (("unfiltered", None), ("filtered", FILTER)):
            samples = timed(
                lambda f=filters: retriever.retrieve(
                    restored, questions[next(counter) % len(questions)] + " ", 8, f
                ),  # type: ignore[misc]
                100,
            )
            out[f"hybrid_{label}_p95_ms"] = p(samples, 95)
        out["floor_embed_p95_ms"] = p(
            timed(lambda: embedder.embed_query(questions[next(counter) % len(questions)] + "  "), 100), 95
        )
        out["floor_bm25_p95_ms"] = bm25_floor_p95_ms(restored, questions, 100)
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=100_000, help="Synthetic store size (default 100k).")
    parser.add_argument(
        "--changed", type=int, default=10, help="Documents changed for the switch time (default 10)."
    )
    parser.add_argument("--million", action="store_true", help="Add the 1M-chunk point (several minutes).")
    parser.add_argument("--million-chunks", type=int, default=1_000_000, help=argparse.SUPPRESS)
    parser.add_argument(
        "--reuse-store-point",
        action="store_true",
        help="Keep the store point of the last run (bench/out/snapshot.json) and measure only --million.",
    )
    args = parser.parse_args()
    settings = Settings()
    embedder = embedder_from_settings(settings)
    base = SearchIndex.from_store(ChunkStore.from_settings(Settings(data_dir=corpus_index(embedder))))
    previous = OUT / "snapshot.json"
    if args.reuse_store_point and previous.exists():
        store = json.loads(previous.read_text(encoding="utf-8"))["store"]
    else:
        store = store_point(base, args.chunks, args.changed)
    results: dict[str, Any] = {"machine": machine(), "store": store}
    if args.million:
        results["million"] = million_point(base, args.million_chunks)
        print("1M", results["million"], flush=True)
    save("snapshot", results)


if __name__ == "__main__":
    main()
