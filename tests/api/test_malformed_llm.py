"""Model replies are untrusted input: a garbage reply from the LLM server falls back, never a 5xx.

A real HTTP server on loopback (tests/fake_llm_server.py) answers the chat-completions path with
non-JSON, truncated JSON, an HTML page, no choices, null content and wrong types; the API runs in a real
uvicorn with the LLM backend pointed at it.
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import RunningApi
from tests.api.test_e2e import parse_sse
from tests.fake_llm_server import MODES, FakeLLM

pytestmark = pytest.mark.slow
QUESTION = "What is the Lambeth GP Food Co-op?"
HISTORY = [
    {"role": "user", "content": "Tell me about food co-ops run by GPs."},
    {"role": "assistant", "content": "The Lambeth GP Food Co-op grows food with patients."},
]


def assert_fell_back(answer: dict, fake: FakeLLM, where: str) -> None:
    assert answer["backend"] == "extractive", where
    reason = answer["fallback_reason"] or ""
    assert "LLM" in reason, f"{where}: {reason!r}"
    port = fake.base_url.rsplit(":", 1)[1].split("/")[0]
    assert "127.0.0.1" not in reason and port not in reason, f"{where}: the reason shows the LLM's address"
    assert answer["answer"] and answer["citations"], where


@pytest.mark.parametrize("mode", MODES)
def test_garbage_replies_fall_back_to_the_extractive_answer(
    llm_api: RunningApi, fake_llm: FakeLLM, mode: str
) -> None:
    fake_llm.mode = mode
    before = fake_llm.requests
    with httpx.Client(base_url=llm_api.url, timeout=60) as http:
        plain = http.post("/v1/answer", json={"question": QUESTION, "backend": "llm"})
        assert plain.status_code == 200, plain.text
        assert_fell_back(plain.json(), fake_llm, f"{mode}: /v1/answer")

        streamed = http.post("/v1/answer", json={"question": QUESTION, "backend": "llm", "stream": True})
        assert streamed.status_code == 200, streamed.text
        kind, done = parse_sse(streamed.text)[-1]
        assert kind == "done" and isinstance(done, dict)
        assert_fell_back(done, fake_llm, f"{mode}: SSE")

        # A follow-up goes through condense first, then the answer: both replies are garbage.
        followup = http.post(
            "/v1/answer", json={"question": "What does it grow?", "history": HISTORY, "backend": "llm"}
        )
        assert followup.status_code == 200, followup.text
        assert followup.json()["backend"] == "extractive"
        assert "127.0.0.1" not in (followup.json()["fallback_reason"] or "")

        chat = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
        assert chat.status_code == 200, chat.text
        assert chat.json()["choices"][0]["message"]["content"]
    assert fake_llm.requests > before  # the garbage server was really asked
