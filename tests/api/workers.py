"""`haln serve --workers N` on loopback, and which worker process answered what (from the metrics files)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.mmap_dict import MmapedDict

from tests.cli_helpers import REPO, haln_env
from tests.conftest import free_port


@dataclass
class Workers:
    url: str
    metrics_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_workers(data_dir: Path, metrics_dir: Path, workers: int = 2, **env: str) -> Workers:
    """`haln serve --workers N` with its metrics folder at `metrics_dir`; returned once `/healthz` answers
    and every worker has started (each writes its metrics file when it creates its metrics)."""
    port = free_port()
    log = metrics_dir.parent / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=REPO,
        env=haln_env(data_dir, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), **env),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    running = Workers(f"http://127.0.0.1:{port}", metrics_dir, process, log)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"haln serve exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if (
                httpx.get(f"{running.url}/healthz", timeout=1).status_code == 200
                and len(pids(metrics_dir)) >= workers
            ):
                return running
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    running.stop()
    raise RuntimeError("haln serve did not start in 180 s")


def pids(metrics_dir: Path) -> set[int]:
    return {int(m.group(1)) for f in metrics_dir.glob("*.db") if (m := re.search(r"_(\d+)\.db$", f.name))}


def requests_by_worker(metrics_dir: Path, route: str) -> Counter[int]:
    """Requests to `route` that each worker process counted, read from its own metrics file."""
    counts: Counter[int] = Counter()
    for path in metrics_dir.glob("counter_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
            _name, sample, labels, _help = json.loads(key)
            if sample == "haln_requests_total" and labels.get("route") == route:
                counts[pid] += int(value)
    return counts


def total_requests(metrics_text: str, route: str) -> int:
    """`haln_requests_total` for `route` in a `/metrics` answer, over every method and status."""
    total = 0.0
    for line in metrics_text.splitlines():
        if line.startswith("haln_requests_total{") and f'route="{route}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def spread(
    url: str, send: Callable[[httpx.Client], None], metrics_dir: Path, route: str, workers: int = 2
) -> int:
    """Send requests on fresh connections, 8 at a time, until every worker has answered some (the kernel
    hands a new connection to whichever worker accepts first). Returns how many were sent."""
    sent = 0
    before = requests_by_worker(metrics_dir, route)

    def one(_: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as client:  # a new connection each time
            send(client)

    with ThreadPoolExecutor(8) as pool:
        for _ in range(30):
            list(pool.map(one, range(16)))
            sent += 16
            after = requests_by_worker(metrics_dir, route)
            if len([pid for pid in after if after[pid] > before[pid]]) >= workers:
                return sent
    raise AssertionError(f"after {sent} requests not every worker had answered {route}")
