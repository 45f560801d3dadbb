"""Bad input gets 422, never 500; every error response, an unhandled 500 included, is JSON with a request id."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings

# Raw JSON text, so the escapes reach the server exactly as a client could send them.
BAD_BODIES = {
    "lone surrogate in the question": '{"question": "Where do I start \\ud800?"}',
    "lone low surrogate": '{"question": "\\udc00"}',
    "surrogate in the history": (
        '{"question": "And then?", "history": [{"role": "user", "content": "hi \\ud800"}]}'
    ),
    "NaN top_k": '{"question": "Where do I start?", "top_k": NaN}',
    "Infinity top_k": '{"question": "Where do I start?", "top_k": Infinity}',
    "surrogate in a field name": '{"question": "x", "\\ud800": 1}',
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_unencodable_or_non_finite_input_is_422(client: httpx.Client, body: str) -> None:
    reply = client.post("/v1/answer", content=body, headers={"Content-Type": "application/json"})
    assert reply.status_code == 422, reply.text
    assert reply.json()["detail"] and reply.headers["X-Request-ID"]


def test_surrogates_in_chat_messages_are_422(client: httpx.Client) -> None:
    body = '{"messages": [{"role": "user", "content": "Where do I start \\ud800?"}]}'
    reply = client.post("/v1/chat/completions", content=body, headers={"Content-Type": "application/json"})
    assert reply.status_code == 422 and reply.headers["X-Request-ID"]


def test_error_responses_carry_the_request_id(client: httpx.Client) -> None:
    for reply in (
        client.post("/v1/answer", json={"question": ""}, headers={"X-Request-ID": "given-id-1"}),
        client.get("/v1/sources/no-such-source", headers={"X-Request-ID": "given-id-1"}),
        client.get("/v1/no-such-route", headers={"X-Request-ID": "given-id-1"}),
        client.post("/v1/answer", content=b"x" * 30_000, headers={"X-Request-ID": "given-id-1"}),  # 413
    ):
        assert reply.headers["X-Request-ID"] == "given-id-1"
        assert reply.headers["content-type"].startswith("application/json") and reply.json()["detail"]


def test_an_unhandled_error_is_a_json_500_with_the_request_id(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", chroma_url=None))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("something internal broke")

    with TestClient(app, raise_server_exceptions=False) as http:
        replies = [http.get("/boom", headers={"X-Request-ID": f"trace-{n}"}) for n in range(2)]
    for n, reply in enumerate(replies):
        assert reply.status_code == 500
        assert reply.headers.get_list("X-Request-ID") == [f"trace-{n}"]
        assert reply.json()["detail"] and "something internal broke" not in reply.text
