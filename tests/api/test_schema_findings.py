"""Issue 15, case 8: what schemathesis flagged. Types are strict (`"stream": 0` is not `false`), OPTIONS and
405 answers list every method of the path in `Allow`, the published schema says what a request needs."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import BURST_KEY, RunningApi


@pytest.fixture
def client(api: RunningApi) -> Iterator[httpx.Client]:
    """This module's requests count against a key of their own (see BURST_KEY)."""
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {BURST_KEY}"}, timeout=60) as http:
        yield http


@pytest.mark.parametrize("path", ["/v1/answer", "/v1/chat/completions"])
@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_stream_must_be_a_json_boolean(client: httpx.Client, path: str, value: object) -> None:
    body: dict[str, object] = {"stream": value}
    if path == "/v1/answer":
        body["question"] = "Where do I start with local recruitment?"
    else:
        body["messages"] = [{"role": "user", "content": "Where do I start with local recruitment?"}]
    reply = client.post(path, json=body)
    assert reply.status_code == 422, reply.text
    assert "stream" in reply.json()["detail"]


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/v1/sources/haln-vibrant-network-qa", "GET, HEAD, DELETE, OPTIONS"),
        ("/v1/feedback", "GET, HEAD, POST, OPTIONS"),
        ("/v1/answer", "POST, OPTIONS"),
        ("/healthz", "GET, HEAD, OPTIONS"),
    ],
)
def test_options_and_405_list_every_method_of_the_path(client: httpx.Client, path: str, methods: str) -> None:
    options = client.options(path)
    assert options.status_code == 204 and options.headers["allow"] == methods
    assert options.headers["x-request-id"]
    wrong = client.put(path, json={})
    assert wrong.status_code == 405 and wrong.headers["allow"] == methods
    assert wrong.json()["detail"]


def test_options_on_an_unknown_path_is_404(client: httpx.Client) -> None:
    assert client.options("/v1/no-such-route").status_code == 404


def test_a_conversation_needs_a_user_question(client: httpx.Client) -> None:
    for messages in ([{"role": "tool"}], [{"role": "system", "content": "Be brief."}], [{"role": "user"}]):
        reply = client.post("/v1/chat/completions", json={"messages": messages})
        assert reply.status_code == 422 and "user message" in reply.json()["detail"], reply.text
    schema = client.get("/openapi.json").json()
    messages = schema["components"]["schemas"]["ChatCompletionRequest"]["properties"]["messages"]
    assert messages["contains"]["properties"]["role"] == {"const": "user"}


def test_the_last_user_message_is_the_question(client: httpx.Client) -> None:
    turns = [
        {"role": "user", "content": "Where do I start with local recruitment?"},
        {"role": "assistant", "content": ""},
        {"role": "tool", "content": "ignored"},
    ]
    reply = client.post("/v1/chat/completions", json={"messages": turns})
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["message"]["content"]


def test_optional_form_fields_are_left_out_not_null(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    body = schema["components"]["schemas"]["Body_start_ingest_v1_ingest_post"]["properties"]
    assert body["file"]["contentMediaType"] == "application/octet-stream" and "anyOf" not in body["file"]
    assert body["metadata"]["type"] == "string" and "anyOf" not in body["metadata"]
