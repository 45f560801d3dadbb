"""`haln serve --workers 2`: `/metrics` adds up every worker's requests, whichever worker answers it; the
second worker restores the index the first one built rather than building it again."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.api.workers import requests_by_worker, spread, start_workers, total_requests

READS = 5


def test_metrics_add_up_over_both_workers(api_index: tuple[Path, Path], tmp_path: Path) -> None:
    data_dir, corpus = api_index
    metrics_dir = tmp_path / "metrics"
    (metrics_dir / "counter_1.db").parent.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale from an earlier run")  # cleared by haln serve
    workers = start_workers(
        data_dir, metrics_dir, HALN_CORPUS_DIR=str(corpus), HALN_READ_RATE_LIMIT_PER_MINUTE=str(READS)
    )
    try:
        time.sleep(1)  # a request is counted after its response is sent: let the start-up checks land
        before = sum(requests_by_worker(metrics_dir, "/healthz").values())
        sent = spread(workers.url, lambda c: c.get("/healthz").raise_for_status(), metrics_dir, "/healthz")
        by_worker = requests_by_worker(metrics_dir, "/healthz")
        assert len(by_worker) == 2 and sum(by_worker.values()) == before + sent
        assert 1 not in by_worker
        # Each answer of /metrics (on fresh connections, so from either worker) has the total of both.
        for _ in range(6):
            with httpx.Client(base_url=workers.url, timeout=30) as client:
                assert total_requests(client.get("/metrics").text, "/healthz") == before + sent
        assert len(requests_by_worker(metrics_dir, "/metrics")) >= 1

        # By default (memory://) each worker counts its own limit: together they allow more than one.
        allowed = Counter[int]()
        lock = threading.Lock()

        def list_sources(client: httpx.Client) -> None:
            status = client.get("/v1/sources").status_code
            with lock:
                allowed[status] += 1

        spread(workers.url, list_sources, metrics_dir, "/v1/sources")
        assert READS < allowed[200] <= 2 * READS, allowed
    finally:
        workers.stop()
    log = workers.log.read_text(encoding="utf-8")
    # Two workers, at most one build: the other restored the snapshot (or both did, saved earlier).
    assert log.count("index built from the store") <= 1
    assert log.count("index built from the store") + log.count("index restored from its snapshot") == 2
