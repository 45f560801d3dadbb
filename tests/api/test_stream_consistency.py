"""A stream never shows text the final answer does not contain (issue 15, case 4).

The LLM backend talks to a real HTTP server on loopback (tests/fake_llm_server.py) whose replies are
well-formed but must not be shown: citations that fail the check ("Bananas are blue [99].") and a reply
that stops half-way. Through a real uvicorn: the `delta` texts of /v1/answer joined equal the `done`
event's answer, and the content deltas of a streamed /v1/chat/completions joined equal the answer the
same question gets without streaming.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.conftest import RunningApi
from tests.api.test_e2e import parse_sse
from tests.fake_llm_server import UNCHECKED_MODES, FakeLLM

QUESTION = "What is the Lambeth GP Food Co-op?"


def chat_stream_text(text: str) -> tuple[str, list[dict]]:
    chunks = []
    for block in text.strip().split("\n\n"):
        data = block.removeprefix("data: ")
        if data != "[DONE]":
            chunks.append(json.loads(data))
    joined = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    return joined, chunks


@pytest.mark.parametrize("mode", UNCHECKED_MODES)
def test_answer_stream_shows_only_the_final_answer(llm_api: RunningApi, fake_llm: FakeLLM, mode: str) -> None:
    fake_llm.mode = mode
    before = fake_llm.requests
    with httpx.Client(base_url=llm_api.url, timeout=60) as http:
        streamed = http.post("/v1/answer", json={"question": QUESTION, "backend": "llm", "stream": True})
    assert streamed.status_code == 200, streamed.text
    assert fake_llm.requests > before  # the model was really asked
    events = parse_sse(streamed.text)
    kind, done = events[-1]
    assert kind == "done" and isinstance(done, dict)
    shown = "".join(d["text"] for k, d in events if k == "delta")  # type: ignore[index,call-overload]
    assert shown == done["answer"]
    assert "Bananas" not in shown and "[99]" not in shown
    assert done["answer"] and done["citations"]
    assert done["backend"] == "extractive" and done["fallback_reason"]  # the model's reply was refused


@pytest.mark.parametrize("mode", UNCHECKED_MODES)
def test_chat_stream_equals_the_unstreamed_answer(llm_api: RunningApi, fake_llm: FakeLLM, mode: str) -> None:
    fake_llm.mode = mode
    messages = [{"role": "user", "content": QUESTION}]
    with httpx.Client(base_url=llm_api.url, timeout=60) as http:
        plain = http.post("/v1/chat/completions", json={"messages": messages})
        streamed = http.post("/v1/chat/completions", json={"messages": messages, "stream": True})
    assert plain.status_code == 200 and streamed.status_code == 200, (plain.text, streamed.text)
    final = plain.json()["choices"][0]["message"]["content"]
    shown, chunks = chat_stream_text(streamed.text)
    assert shown == final and final
    assert "Bananas" not in shown and "[99]" not in shown
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
