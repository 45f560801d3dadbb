"""Issue 18, point 6: long histories are trimmed oldest first (and the trimming reported) rather than
refused, a system turn in the history describes the asker, and a conversation id comes back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.api.conftest import PORTAL_KEY, ContractApi

QUESTION = "Who buys the produce?"


def turns(pairs: int) -> list[dict[str, str]]:
    history = []
    for n in range(pairs):
        history.append({"role": "user", "content": f"Tell me about the Lambeth GP Food Co-op, part {n}."})
        history.append(
            {"role": "assistant", "content": f"It grows food in GP surgery gardens, part {n} [1]."}
        )
    return history


@pytest.fixture
def http(contract_api: ContractApi) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {PORTAL_KEY}", "X-HALN-User": f"talk-{uuid.uuid4().hex}"}
    with httpx.Client(base_url=contract_api.api.url, headers=headers, timeout=60) as client:
        yield client


def test_a_long_history_is_trimmed_oldest_first_and_reported(http: httpx.Client) -> None:
    reply = http.post("/v1/answer", json={"question": QUESTION, "history": turns(15)})
    assert reply.status_code == 200, reply.text
    assert reply.json()["history_trimmed"] == 10
    short = http.post("/v1/answer", json={"question": QUESTION, "history": turns(2)}).json()
    assert short["history_trimmed"] == 0


def test_a_system_turn_in_the_history_describes_the_asker(http: httpx.Client) -> None:
    history = [{"role": "system", "content": "housing association in Wales"}]
    reply = http.post("/v1/answer", json={"question": "Where do I start?", "history": history})
    assert reply.status_code == 200, reply.text
    assert reply.json()["asker"]["org_type"] == "housing" and reply.json()["asker"]["nation"] == "Wales"


def test_conversation_id_comes_back_or_is_made(http: httpx.Client) -> None:
    given = http.post("/v1/answer", json={"question": QUESTION, "conversation_id": "conv-42"}).json()
    assert given["conversation_id"] == "conv-42"
    made = http.post("/v1/answer", json={"question": QUESTION}).json()["conversation_id"]
    assert len(made) == 32
    bad = http.post("/v1/answer", json={"question": QUESTION, "conversation_id": "a b"})
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "conversation_id"
    with http.stream(
        "POST",
        "/v1/answer",
        json={"question": QUESTION, "stream": True, "conversation_id": "conv-43", "history": turns(12)},
    ) as streamed:
        text = "".join(streamed.iter_text())
    done = json.loads(text.strip().split("\n\n")[-1].split("data: ", 1)[1])
    assert done["conversation_id"] == "conv-43" and done["history_trimmed"] == 4


def test_chat_trims_and_threads_too(contract_api: ContractApi) -> None:
    oa = openai.OpenAI(
        base_url=f"{contract_api.api.url}/v1",
        api_key=PORTAL_KEY,
        max_retries=0,
        default_headers={"X-HALN-User": f"talk-{uuid.uuid4().hex}"},
    )
    reply = oa.chat.completions.create(
        model="haln-assistant",
        messages=[*turns(30), {"role": "user", "content": QUESTION}],  # type: ignore[list-item]
        extra_body={"conversation_id": "conv-chat"},
    )
    extra = reply.model_extra or {}
    assert extra["history_trimmed"] == 40 and extra["conversation_id"] == "conv-chat"
