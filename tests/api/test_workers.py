"""`haln serve --workers 2`: `/metrics` adds up every worker's requests, whichever worker answers it; the
second worker restores the index the first one built rather than building it again."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.api.workers import requests_by_worker, spread, start_workers, total_requests


def test_metrics_add_up_over_both_workers(api_index: tuple[Path, Path], tmp_path: Path) -> None:
    data_dir, corpus = api_index
    metrics_dir = tmp_path / "metrics"
    (metrics_dir / "counter_1.db").parent.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale from an earlier run")  # cleared by haln serve
    workers = start_workers(data_dir, metrics_dir, HALN_CORPUS_DIR=str(corpus))
    try:
        before = sum(requests_by_worker(metrics_dir, "/healthz").values())  # start-up checks
        sent = spread(workers.url, lambda c: c.get("/healthz").raise_for_status(), metrics_dir, "/healthz")
        by_worker = requests_by_worker(metrics_dir, "/healthz")
        assert len(by_worker) == 2 and sum(by_worker.values()) == before + sent
        assert 1 not in by_worker
        # Each answer of /metrics (on fresh connections, so from either worker) has the total of both.
        for _ in range(6):
            with httpx.Client(base_url=workers.url, timeout=30) as client:
                assert total_requests(client.get("/metrics").text, "/healthz") == before + sent
        assert len(requests_by_worker(metrics_dir, "/metrics")) >= 1
    finally:
        workers.stop()
    log = workers.log.read_text(encoding="utf-8")
    # Two workers, at most one build: the other restored the snapshot (or both did, saved earlier).
    assert log.count("index built from the store") <= 1
    assert log.count("index built from the store") + log.count("index restored from its snapshot") == 2
