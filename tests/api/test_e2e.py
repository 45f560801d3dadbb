"""The API end to end over real HTTP: answers, streaming, the official openai client, feedback,
sources, admin ingest, auth, rate limits, validation and body limits."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import openai
import pytest

from tests.api.conftest import ADMIN_KEY, BURST_KEY, CLIENT_KEY, SPARE_KEY, RunningApi, start_api, stop_api

QUESTION = "I'm a procurement lead at an NHS trust, where do I start with social value?"


def test_answer_returns_cited_answer_with_id(client: httpx.Client) -> None:
    response = client.post("/v1/answer", json={"question": QUESTION, "top_k": 6})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer_id"] and not body["refused"] and body["citations"]
    retrieved = {c["chunk_id"] for c in body["retrieved"]}
    assert all(c["chunk_id"] in retrieved for c in body["citations"])
    assert "**First steps**" in body["answer"]
    assert response.headers["x-request-id"]


def parse_sse(text: str) -> list[tuple[str, dict | list]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_answer_streams_server_sent_events(client: httpx.Client) -> None:
    with client.stream(
        "POST", "/v1/answer", json={"question": "What is the Lambeth GP Food Co-op?", "stream": True}
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = parse_sse(text)
    kinds = [k for k, _ in events]
    assert kinds[-2:] == ["citations", "done"] and kinds.count("delta") > 5
    done = events[-1][1]
    assert isinstance(done, dict)
    assert "".join(d["text"] for k, d in events if k == "delta") == done["answer"]  # type: ignore[index]
    # Accept header alone also selects streaming.
    r2 = client.post(
        "/v1/answer",
        json={"question": "What is the Lambeth GP Food Co-op?"},
        headers={"Accept": "text/event-stream"},
    )
    assert r2.headers["content-type"].startswith("text/event-stream")


def test_official_openai_client_works_unchanged(api: RunningApi) -> None:
    oa = openai.OpenAI(base_url=f"{api.url}/v1", api_key=CLIENT_KEY)
    assert [m.id for m in oa.models.list().data] == ["haln-assistant"]
    completion = oa.chat.completions.create(
        model="haln-assistant", messages=[{"role": "user", "content": "What is the Lambeth GP Food Co-op?"}]
    )
    content = completion.choices[0].message.content or ""
    assert "[1]" in content
    extra = completion.model_extra or {}
    assert extra["citations"][0]["n"] == 1 and extra["citations"][0]["source_url"].startswith("http")

    stream = oa.chat.completions.create(
        model="haln-assistant",
        messages=[
            {"role": "user", "content": "Tell me about the Lambeth GP Food Co-op."},
            {"role": "assistant", "content": "It grows food in GP surgery gardens [1]."},
            {"role": "user", "content": "Who buys the produce?"},
        ],
        stream=True,
    )
    pieces, finish, citations = [], None, None
    for chunk in stream:
        delta = chunk.choices[0].delta.content if chunk.choices else None
        if delta:
            pieces.append(delta)
        if chunk.choices and chunk.choices[0].finish_reason:
            finish = chunk.choices[0].finish_reason
            citations = (chunk.model_extra or {}).get("citations")
    assert finish == "stop" and "".join(pieces).strip() and citations


def test_asker_is_structured_data_on_both_answer_endpoints(api: RunningApi) -> None:
    asker = {"role": "procurement lead", "org_type": "local_authority", "nation": "Scotland"}
    client = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {BURST_KEY}"}, timeout=60)
    reply = client.post("/v1/answer", json={"question": "Where do we even start?", "asker": asker})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["asker"] == asker and body["intent"] == "start" and "**First steps**" in body["answer"]
    bad = client.post("/v1/answer", json={"question": "Where do we start?", "asker": {"org_type": "church"}})
    assert bad.status_code == 422 and "org_type" in bad.text

    client.close()
    oa = openai.OpenAI(base_url=f"{api.url}/v1", api_key=BURST_KEY)
    completion = oa.chat.completions.create(
        model="haln-assistant",
        messages=[{"role": "user", "content": "Where do we even start?"}],
        extra_body={"asker": asker},
    )
    assert "First steps" in (completion.choices[0].message.content or "")


def test_feedback_is_stored_and_listed_for_admins(client: httpx.Client, admin: httpx.Client) -> None:
    answer_id = client.post("/v1/answer", json={"question": QUESTION}).json()["answer_id"]
    created = client.post(
        "/v1/feedback", json={"answer_id": answer_id, "rating": "down", "reason": "not specific"}
    )
    assert created.status_code == 201
    unknown = client.post("/v1/feedback", json={"answer_id": "nope", "rating": "up"})
    assert unknown.status_code == 404 and "answer_id" in unknown.json()["detail"]
    listed = admin.get("/v1/feedback", params={"rating": "down"}).json()  # a page, as /v1/sources
    mine = [f for f in listed["items"] if f["answer_id"] == answer_id]
    assert mine and mine[0]["reason"] == "not specific" and mine[0]["question"] == QUESTION
    assert mine[0]["cited_sources"] and mine[0]["cited_doc_ids"]
    assert client.get("/v1/feedback").status_code == 403  # a client key is not an admin token


def test_sources_are_paginated_and_filterable(client: httpx.Client) -> None:
    page = client.get("/v1/sources", params={"limit": 3}).json()
    assert page["total"] == 7 and len(page["items"]) == 3
    scottish = client.get("/v1/sources", params={"nation": "Scotland"}).json()
    assert {s["nation"] for s in scottish["items"]} == {"Scotland"}
    one = client.get("/v1/sources/haln-vibrant-network-qa").json()
    assert one["chunk_count"] > 0 and one["publisher"] == "The Health Foundation"
    assert client.get("/v1/sources/missing").status_code == 404
    assert client.get("/v1/sources", params={"nation": "Atlantis"}).status_code == 422


def test_admin_upload_ingest_and_delete(api: RunningApi, admin: httpx.Client, client: httpx.Client) -> None:
    doc = (api.corpus / "markdown" / "preston-spend-analysis-guide.md").read_text(encoding="utf-8")
    doc = (
        doc.replace("preston-spend-analysis-guide", "uploaded-guide")
        .replace("https://", "https://uploaded.example/")
        .replace("id: uploaded-guide", "id: uploaded-guide")
    )
    response = admin.post(
        "/v1/ingest", files={"file": ("../../etc/Evil Name!.md", doc.encode(), "text/markdown")}
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = admin.get(f"/v1/ingest/{job_id}").json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert job["status"] == "done", job
    assert job["report"]["added"] == ["uploaded-guide"] and job["progress"]["chunks"]["done"] > 0
    # Sanitised, inside a folder of its own in the uploads folder.
    assert [p.name for p in (api.data_dir / "uploads").glob("*/*.md")] == ["Evil-Name.md"]
    assert client.get("/v1/sources/uploaded-guide").status_code == 200

    deleted = admin.delete("/v1/sources/uploaded-guide")
    assert deleted.status_code == 200 and deleted.json()["chunks_deleted"] > 0
    assert client.get("/v1/sources/uploaded-guide").status_code == 404
    assert not list((api.data_dir / "uploads").glob("*/*.md"))  # its file went with it (issue 19)

    bad = admin.post("/v1/ingest", files={"file": ("page.html", b"<html></html>", "text/html")})
    assert bad.status_code == 422 and "metadata" in bad.json()["detail"]
    bad_meta = admin.post(
        "/v1/ingest",
        files={"file": ("page.html", b"<html></html>", "text/html")},
        data={"metadata": json.dumps({"title": "x", "doc_type": "podcast"})},
    )
    assert bad_meta.status_code == 422 and bad_meta.json()["detail"].startswith("metadata.")


def test_auth_is_enforced(api: RunningApi) -> None:
    body = {"question": "What is an anchor institution?"}
    assert httpx.post(f"{api.url}/v1/answer", json=body).status_code == 401
    wrong = httpx.post(f"{api.url}/v1/answer", json=body, headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 403
    assert (
        httpx.post(f"{api.url}/v1/ingest", headers={"Authorization": f"Bearer {CLIENT_KEY}"}).status_code
        == 403
    )
    assert httpx.delete(f"{api.url}/v1/sources/x").status_code == 401
    assert (
        httpx.get(f"{api.url}/v1/ingest/x", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).status_code
        == 404
    )


def test_validation_errors_name_the_field(client: httpx.Client) -> None:
    too_long = client.post("/v1/answer", json={"question": "x" * 2001})
    assert too_long.status_code == 422 and "question" in too_long.json()["detail"]
    bad_filter = client.post("/v1/answer", json={"question": "hi", "filters": {"nation": ["Mars"]}})
    assert bad_filter.status_code == 422 and "filters.nation" in bad_filter.json()["detail"]
    bad_chat = client.post(
        "/v1/chat/completions",
        json={"model": "haln-assistant", "messages": [{"role": "assistant", "content": "x"}]},
    )
    assert bad_chat.status_code == 422 and "messages" in bad_chat.json()["detail"]


def test_oversized_body_gets_413(client: httpx.Client) -> None:
    response = client.post(
        "/v1/answer",
        content=b'{"question": "' + b"a" * 30000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_rate_limit_gives_429_with_retry_after(api: RunningApi) -> None:
    # The limit counts answers (a refusal is one); source and model lists have a bucket of their own.
    headers = {"Authorization": f"Bearer {SPARE_KEY}"}
    ask = {"question": "What dose of amoxicillin for a child?"}
    statuses = [httpx.post(f"{api.url}/v1/answer", headers=headers, json=ask).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    limited = httpx.post(f"{api.url}/v1/answer", headers=headers, json=ask)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert httpx.get(f"{api.url}/v1/models", headers=headers).status_code == 200


def test_health_readiness_metrics_and_docs(api: RunningApi, client: httpx.Client) -> None:
    assert httpx.get(f"{api.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{api.url}/readyz")
    assert ready.status_code == 200 and ready.json()["chunks"] > 0
    client.post("/v1/answer", json={"question": "What dose of amoxicillin for a child?"})
    metrics = httpx.get(f"{api.url}/metrics").text
    assert 'haln_requests_total{method="POST",route="/v1/answer",status="200"}' in metrics
    assert "haln_refusals_total" in metrics and "haln_retrieval_latency_seconds_bucket" in metrics
    assert httpx.get(f"{api.url}/docs").status_code == 200
    schema = httpx.get(f"{api.url}/openapi.json").json()
    assert "/v1/chat/completions" in schema["paths"]


@pytest.mark.parametrize("path", ["/v1/answer", "/v1/chat/completions"])
def test_malformed_json_is_422_not_500(client: httpx.Client, path: str) -> None:
    response = client.post(path, content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_concurrent_answers_take_turns_and_all_complete(api_index: tuple[Path, Path]) -> None:
    """With one answer slot, 12 simultaneous questions queue and each gets its own complete answer."""
    data_dir, corpus = api_index
    running = start_api(data_dir, corpus, HALN_ANSWER_THREADS="1", HALN_LOG_QUESTIONS="false")
    questions = [
        "What is the Lambeth GP Food Co-op?",
        "How do I start with inclusive recruitment?",
        "What has NHS Lanarkshire committed to as an anchor organisation?",
    ] * 4

    async def ask_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=running.url, timeout=60) as http:
            return await asyncio.gather(
                *(
                    http.post("/v1/answer", json={"question": q}, headers={"X-Request-ID": f"req-{i}"})
                    for i, q in enumerate(questions)
                )
            )

    try:
        responses = asyncio.run(ask_all())
    finally:
        stop_api(running)
    assert [r.status_code for r in responses] == [200] * len(questions)
    assert [r.headers["x-request-id"] for r in responses] == [f"req-{i}" for i in range(len(questions))]
    bodies = [r.json() for r in responses]
    assert len({b["answer_id"] for b in bodies}) == len(questions)
    # The same question gets the same answer however the requests interleave.
    for i, body in enumerate(bodies):
        assert body["answer"] == bodies[i % 3]["answer"] and body["citations"]
