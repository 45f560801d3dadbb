"""Shared benchmark helpers: timing, percentiles, machine info, results files."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from evals.metrics import percentile  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Milliseconds for each of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p(samples: list[float], q: float) -> float:
    return round(percentile(samples, q), 2)


def bm25_floor_p95_ms(index: Any, questions: list[str], repeat: int, k: int = 20) -> float:
    """p95 of bm25s's own top-k retrieval over the index's BM25, one question at a time: the floor the
    hybrid search is compared with (tokenising is done beforehand, as the floor is the search alone)."""
    tokens = [
        index.tokenizer.tokenize([q], update_vocab=False, return_as="ids", show_progress=False)
        for q in questions
    ]
    counter = iter(range(10**9))
    return p(
        timed(
            lambda: index.bm25.retrieve(
                tokens[next(counter) % len(tokens)], k=k, show_progress=False, n_threads=1
            ),
            repeat,
        ),
        95,
    )


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def save(name: str, data: dict[str, Any], echo: bool = False) -> Path:
    """Write bench/out/NAME.json; with echo, also print every figure but the machine description."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    if echo:
        width = max(len(key) for key in data) + 2
        for key, value in data.items():
            if key != "machine":
                print(f"{key:{width}s} {value}")
    return path


def corpus_index(embedder: Any) -> Path:
    """A shared index of the real corpus under bench/out/index; incremental, so later scripts reuse it."""
    from core.settings import Settings
    from ingest.sync import build_ingestor

    data = OUT / "index"
    settings = Settings(data_dir=data, corpus_dir=ROOT / "corpus")
    report = build_ingestor(settings, embedder=embedder).sync([ROOT / "corpus"])
    for failure in report.failed:  # the rest of the corpus is indexed; say what is missing, go on
        print(f"bench index: not indexed: {failure}", file=sys.stderr)
    return data
