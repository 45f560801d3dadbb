"""Soak: mixed traffic against `haln serve` on 127.0.0.1 with the rate limit raised, for a bounded time.

Passes when no request failed and the server's RSS grew by less than 10% between the end of the warm-up
(the first fifth of the run, when caches fill) and the end. Traffic, from `--clients` threads on keep-alive
connections: answers (plain and streamed), OpenAI-style chat, source lists, feedback on earlier answers,
readiness and metrics. Default 60 s; `--minutes 5` for the long run.
Run: python bench/soak.py [--minutes M] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from common import ROOT, corpus_index, machine, p, save

from core.embedding import embedder_from_settings
from core.settings import Settings
from evals.questions import load_questions

MAX_GROWTH = 0.10


def rss_mb(pid: int) -> float:
    """RSS of a process and its children (uvicorn's workers), in MB."""
    total = 0.0
    pids = [pid]
    with_children = Path(f"/proc/{pid}/task/{pid}/children")
    if with_children.exists():
        pids += [int(c) for c in with_children.read_text().split()]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return round(total, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Traffic:
    def __init__(self, url: str, questions: list[str], seed: int) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)
        self.questions = questions
        self.random = random.Random(seed)
        self.answer_ids: list[str] = []

    def one(self) -> tuple[str, bool, float]:
        kind = self.random.choices(
            ["answer", "stream", "chat", "sources", "feedback", "readyz", "metrics"],
            weights=[50, 10, 15, 10, 5, 5, 5],
        )[0]
        question = self.random.choice(self.questions)
        started = time.perf_counter()
        ok = False
        try:
            if kind == "answer":
                response = self.client.post("/v1/answer", json={"question": question})
                ok = response.status_code == 200
                if ok:
                    self.answer_ids.append(response.json()["answer_id"])
            elif kind == "stream":
                with self.client.stream(
                    "POST", "/v1/answer", json={"question": question, "stream": True}
                ) as r:
                    body = "".join(r.iter_text())
                    ok = r.status_code == 200 and "done" in body
            elif kind == "chat":
                messages = [{"role": "user", "content": question}]
                response = self.client.post(
                    "/v1/chat/completions", json={"model": "haln-assistant", "messages": messages}
                )
                ok = response.status_code == 200
            elif kind == "sources":
                ok = self.client.get("/v1/sources", params={"limit": 20}).status_code == 200
            elif kind == "feedback":
                if not self.answer_ids:
                    return kind, True, 0.0
                # One vote per answer (the API refuses a second with 409): each answer id is used once.
                body = {"answer_id": self.answer_ids.pop(), "rating": "up"}
                ok = self.client.post("/v1/feedback", json=body).status_code == 201
            elif kind == "readyz":
                ok = self.client.get("/readyz").status_code == 200
            else:
                ok = self.client.get("/metrics").status_code == 200
        except httpx.HTTPError:
            ok = False
        return kind, ok, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=1.0, help="How long to run (default 1).")
    parser.add_argument("--clients", type=int, default=4, help="Concurrent clients (default 4).")
    parser.add_argument("--workers", type=int, default=1, help="haln serve --workers (default 1).")
    args = parser.parse_args()
    index = corpus_index(embedder_from_settings(Settings()))
    data = Path(tempfile.mkdtemp(prefix="haln-soak-"))
    shutil.copytree(index / "chroma", data / "chroma")
    questions = [q.question for q in load_questions(ROOT / "evals/questions/dev.jsonl")]
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HALN_")},
        "HALN_DATA_DIR": str(data),
        # Every bucket raised: the soak measures errors and memory, not the limits.
        "HALN_RATE_LIMIT_PER_MINUTE": "1000000",
        "HALN_KEY_RATE_LIMIT_PER_MINUTE": "1000000",
        "HALN_READ_RATE_LIMIT_PER_MINUTE": "1000000",
        "HALN_FEEDBACK_RATE_LIMIT_PER_MINUTE": "1000000",
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers", str(args.workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=60).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        duration = args.minutes * 60
        warm_up = duration / 5
        stop_at = time.monotonic() + duration
        counts: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        latencies: list[float] = []
        lock = threading.Lock()

        def client(seed: int) -> None:
            traffic = Traffic(url, questions, seed)
            while time.monotonic() < stop_at:
                kind, ok, ms = traffic.one()
                with lock:
                    counts[kind] += 1
                    latencies.append(ms)
                    if not ok:
                        errors[kind] += 1

        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        samples: list[tuple[float, float]] = []
        while any(t.is_alive() for t in threads):
            samples.append((round(time.monotonic() - started, 1), rss_mb(server.pid)))
            time.sleep(min(5.0, duration / 20))
        for thread in threads:
            thread.join()
        after_warm_up = next(mb for at, mb in samples if at >= warm_up)
        final = samples[-1][1]
        growth = (final - after_warm_up) / after_warm_up
        result: dict[str, Any] = {
            "machine": machine(),
            "minutes": args.minutes,
            "clients": args.clients,
            "workers": args.workers,
            "requests": sum(counts.values()),
            "by_kind": dict(counts),
            "errors": sum(errors.values()),
            "errors_by_kind": dict(errors),
            "requests_per_s": round(sum(counts.values()) / duration, 1),
            "p95_ms": p(latencies, 95),
            "rss_after_warm_up_mb": after_warm_up,
            "rss_final_mb": final,
            "rss_growth": round(growth, 4),
            "rss_samples": samples,
            "passed": not errors and growth < MAX_GROWTH,
        }
        save("soak", result)
        print({k: v for k, v in result.items() if k not in ("rss_samples", "machine")}, flush=True)
        if not result["passed"]:
            raise SystemExit(f"soak failed: {sum(errors.values())} errors, RSS growth {growth:.1%}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
