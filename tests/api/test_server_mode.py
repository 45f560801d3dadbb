"""The whole flow in server mode: a real `chroma run`, a real PostgreSQL, a real Redis and
`haln serve --workers 2`, all on loopback. Readiness before and after an ingest through the admin API, both
answer endpoints, feedback stored in PostgreSQL, a document update that both workers serve within 10 s of
the ingest finishing, and a rate limit counted once across both workers (in Redis)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.workers import Workers, requests_by_worker, spread, start_workers
from tests.conftest import copy_docs, free_port
from tests.ingest.test_server_and_crash import start_chroma, stop_chroma
from tests.pg_server import pg_available, postgres_server
from tests.redis_server import redis_available, redis_server

ADMIN = "server-mode-admin"
READS_PER_MINUTE = 12
QUESTION = "What share of its spending did the Kestrel Valley trust keep with local suppliers?"
KESTREL = """---
id: kestrel-valley-local-spend
title: "Kestrel Valley trust local spend"
source_url: https://example.org/kestrel-valley-local-spend
publisher: Kestrel Valley NHS Trust
doc_type: case_study
nation: England
org_type: nhs_trust
themes: [procurement]
date: "2024-05"
---
# Kestrel Valley trust local spend

## What the trust found

The Kestrel Valley trust kept {share} of its spending with local suppliers in the valley last year.
The trust's procurement team publishes the local spend share every spring for its partners.
"""


@pytest.fixture(scope="module")
def server_mode(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workers, Path]]:
    if not pg_available():
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it")
    if not redis_available():
        pytest.skip("redis-server is not installed (make install-redis); .ci/run installs it")
    root = tmp_path_factory.mktemp("server-mode")
    corpus = copy_docs(root / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    (corpus / "markdown" / "kestrel.md").write_text(KESTREL.format(share="37%"), encoding="utf-8")
    port = free_port()
    chroma = start_chroma(root / "chroma-server", port)
    try:
        with postgres_server() as pg_url, redis_server() as redis_url:
            workers = start_workers(
                root / "data",
                root / "metrics",
                HALN_CHROMA_URL=f"http://127.0.0.1:{port}",
                HALN_DATABASE_URL=pg_url,
                HALN_CORPUS_DIR=str(corpus),
                HALN_ADMIN_API_KEY=ADMIN,
                HALN_INDEX_CHECK_S="1",
                HALN_RATE_LIMIT_PER_MINUTE="100000",
                HALN_RATE_LIMIT_STORAGE=redis_url,
                HALN_READ_RATE_LIMIT_PER_MINUTE=str(READS_PER_MINUTE),
            )
            try:
                yield workers, corpus
            finally:
                workers.stop()
    finally:
        stop_chroma(chroma)


def ingest(url: str) -> float:
    """Sync the corpus folder through the admin API; returns when the job is done (monotonic time)."""
    admin = {"Authorization": f"Bearer {ADMIN}"}
    started = httpx.post(f"{url}/v1/ingest", headers=admin, timeout=60)
    assert started.status_code == 202, started.text
    job = started.json()["id"]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with httpx.Client(base_url=url, headers=admin, timeout=60) as client:
            seen = client.get(f"/v1/ingest/{job}")
        # Jobs are kept by the worker that runs them: the other worker answers 404 until jobs are shared.
        if seen.status_code == 200 and seen.json()["status"] in ("done", "failed"):
            assert seen.json()["status"] == "done", seen.text
            return time.monotonic()
        time.sleep(0.3)
    raise AssertionError(f"ingest job {job} did not finish in 300 s")


def ask(client: httpx.Client) -> str:
    answer = client.post("/v1/answer", json={"question": QUESTION})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["answer"])


def test_the_whole_flow_on_chroma_server_postgresql_and_two_workers(
    server_mode: tuple[Workers, Path],
) -> None:
    workers, corpus = server_mode
    url, metrics = workers.url, workers.metrics_dir

    # An empty Chroma server: alive, not ready, with the reason.
    assert httpx.get(f"{url}/healthz").status_code == 200
    unready = httpx.get(f"{url}/readyz", timeout=60)
    assert unready.status_code == 503 and "ingest" in unready.json()["reason"]

    ingest(url)

    def ready(client: httpx.Client) -> None:
        body = client.get("/readyz").json()
        assert body["status"] == "ready" and body["chunks"] > 0, body

    deadline = time.monotonic() + 30  # the worker that did not ingest notices within HALN_INDEX_CHECK_S
    while time.monotonic() < deadline:
        statuses = [httpx.get(f"{url}/readyz", timeout=60).status_code for _ in range(8)]
        if set(statuses) == {200}:
            break
        time.sleep(0.5)
    spread(url, ready, metrics, "/readyz")

    # Both answer endpoints, from either worker.
    with httpx.Client(base_url=url, timeout=120) as client:
        answer = client.post("/v1/answer", json={"question": QUESTION})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "37%" in body["answer"]
        assert any("kestrel-valley-local-spend" in c["source_url"] for c in body["citations"])
        chat = client.post(
            "/v1/chat/completions",
            json={"model": "haln-assistant", "messages": [{"role": "user", "content": QUESTION}]},
        )
        assert chat.status_code == 200, chat.text
        assert "37%" in chat.json()["choices"][0]["message"]["content"]

        # Feedback goes to PostgreSQL, so the admin list shows it whichever worker answers.
        given = client.post(
            "/v1/feedback", json={"answer_id": body["answer_id"], "rating": "down", "reason": "server-mode"}
        )
        assert given.status_code == 201, given.text
    for _ in range(4):
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60) as admin:
            listed = admin.get("/v1/feedback").json()
        items = listed["items"] if isinstance(listed, dict) else listed
        assert any(item.get("reason") == "server-mode" for item in items), listed

    # A document update: both workers serve the new text within 10 s of the ingest job finishing.
    (corpus / "markdown" / "kestrel.md").write_text(KESTREL.format(share="52%"), encoding="utf-8")
    done = ingest(url)
    fresh_in_a_row = 0
    while fresh_in_a_row < 8:
        assert time.monotonic() - done < 10, "a worker still served the old document 10 s after the ingest"
        with httpx.Client(base_url=url, timeout=120) as client:
            fresh_in_a_row = fresh_in_a_row + 1 if "52%" in ask(client) else 0

    def updated(client: httpx.Client) -> None:
        text = ask(client)
        assert "52%" in text and "37%" not in text, text

    spread(url, updated, metrics, "/v1/answer")
    assert len(requests_by_worker(metrics, "/v1/answer")) == 2

    # The source-list limit is counted in Redis: both workers answer, and together they allow it once.
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def list_sources(client: httpx.Client) -> None:
        status = client.get("/v1/sources").status_code
        with lock:
            statuses[status] += 1

    sent = spread(url, list_sources, metrics, "/v1/sources")
    assert len(requests_by_worker(metrics, "/v1/sources")) == 2
    assert statuses == Counter({200: READS_PER_MINUTE, 429: sent - READS_PER_MINUTE}), statuses
