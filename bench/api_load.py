"""API load benchmark on 127.0.0.1: bounded load at 1, 8 and 32 concurrent clients (2,000+ requests in
all) against `haln serve`, beside in-process `answer()` throughput measured in the same run.

Run: python bench/api_load.py [--workers 2]   (part of `make bench`)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import OUT, ROOT, corpus_index, machine, p, save

from assistant.service import Assistant
from core.embedding import embedder_from_settings
from core.settings import Settings
from evals.questions import load_questions

LEVELS = [(1, 300), (8, 800), (32, 1000)]  # (concurrent clients, requests)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def load(url: str, questions: list[str], concurrency: int, total: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for n in counter:
            started = time.perf_counter()
            try:
                response = await client.post("/v1/answer", json={"question": questions[n % len(questions)]})
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": total,
        "answers_per_s": round(total / elapsed, 2),
        "p50_ms": p(latencies, 50),
        "p95_ms": p(latencies, 95),
        "p99_ms": p(latencies, 99),
        "errors": errors,
    }


def serve_and_load(data: Path, workers: int, questions: list[str]) -> list[dict[str, float]]:
    """Start `haln serve --workers N` on a free loopback port, warm it, and run every load level."""
    port = free_port()
    env = {
        **os.environ,
        "HALN_DATA_DIR": str(data),
        "HALN_RATE_LIMIT_PER_MINUTE": "1000000",
        "HALN_LOG_QUESTIONS": "false",
        "PYTHONPATH": str(ROOT),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"api_server_{workers}w.log"
    with log_path.open("w", encoding="utf-8") as server_log:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the API did not become ready; see {log_path}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            asyncio.run(load(url, questions, 4, 40))  # warm every worker
            return [asyncio.run(load(url, questions, c, n)) for c, n in LEVELS]
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="uvicorn worker counts to measure, one server each (default: 1 2).",
    )
    args = parser.parse_args()
    embedder = embedder_from_settings(Settings())
    data = corpus_index(embedder)
    settings = Settings(data_dir=data, corpus_dir=ROOT / "corpus")
    questions = [q.question for q in load_questions(ROOT / "evals/questions/dev.jsonl")]

    assistant = Assistant.from_settings(settings, embedder=embedder)
    started = time.perf_counter()
    for n in range(200):
        assistant.answer(questions[n % len(questions)])
    in_process = 200 / (time.perf_counter() - started)

    runs = []
    for workers in args.workers:
        levels = serve_and_load(data, workers, questions)
        ratios = {str(lv["concurrency"]): round(lv["answers_per_s"] / in_process, 3) for lv in levels}
        runs.append({"workers": workers, "levels": levels, "ratio_to_in_process": ratios})
    results = {"machine": machine(), "in_process_answers_per_s": round(in_process, 2), "runs": runs}
    save("api_load", results)
    print(f"in-process answer(): {in_process:.1f}/s")
    for run in runs:
        for lv in run["levels"]:
            print(
                f"workers={run['workers']}", lv, "ratio", run["ratio_to_in_process"][str(lv["concurrency"])]
            )


if __name__ == "__main__":
    main()
