"""Issue 18, point 4: answers are limited apart from sources and feedback, per API key and per end user
the portal forwards (X-HALN-User, or the chat body's `user`), with RateLimit-* and Retry-After headers."""

from __future__ import annotations

import uuid

import httpx
import openai
import pytest

from tests.api.conftest import CONTRACT_ANSWERS_PER_MINUTE, CONTRACT_READS_PER_MINUTE, PORTAL_KEY, ContractApi

QUESTION = "What is the Lambeth GP Food Co-op?"


def portal(contract_api: ContractApi, user: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {PORTAL_KEY}", **({"X-HALN-User": user} if user else {})}
    return httpx.Client(base_url=contract_api.api.url, headers=headers, timeout=60)


def user_id() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def test_answers_have_their_own_bucket_and_feedback_is_never_lost_to_it(contract_api: ContractApi) -> None:
    with portal(contract_api, user_id()) as http:
        remaining, answer_ids = [], []
        for _ in range(CONTRACT_ANSWERS_PER_MINUTE):
            reply = http.post("/v1/answer", json={"question": QUESTION})
            assert reply.status_code == 200, reply.text
            assert reply.headers["ratelimit-limit"] == str(CONTRACT_ANSWERS_PER_MINUTE)
            assert reply.headers["ratelimit-policy"] == f"{CONTRACT_ANSWERS_PER_MINUTE};w=60"
            assert 1 <= int(reply.headers["ratelimit-reset"]) <= 60
            remaining.append(int(reply.headers["ratelimit-remaining"]))
            answer_ids.append(reply.json()["answer_id"])
        assert remaining == list(range(CONTRACT_ANSWERS_PER_MINUTE - 1, -1, -1))
        limited = http.post("/v1/answer", json={"question": QUESTION})
        assert limited.status_code == 429
        body = limited.json()
        assert body["error"]["code"] == "rate_limit_exceeded" and body["error"]["type"] == "rate_limit_error"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["ratelimit-remaining"] == "0"
        # Feedback and source lists count in buckets of their own.
        feedback = http.post("/v1/feedback", json={"answer_id": answer_ids[-1], "rating": "up"})
        assert feedback.status_code == 201, feedback.text
        assert int(feedback.headers["ratelimit-limit"]) > CONTRACT_ANSWERS_PER_MINUTE
        assert http.get("/v1/sources").status_code == 200
    # Another user of the same portal key is not affected.
    with portal(contract_api, user_id()) as other:
        assert other.post("/v1/answer", json={"question": QUESTION}).status_code == 200


def test_reads_have_their_own_bucket(contract_api: ContractApi) -> None:
    with portal(contract_api, user_id()) as http:
        statuses = [
            http.get("/v1/sources", params={"limit": 1}).status_code
            for _ in range(CONTRACT_READS_PER_MINUTE + 1)
        ]
        assert statuses == [200] * CONTRACT_READS_PER_MINUTE + [429]
        assert http.post("/v1/answer", json={"question": QUESTION}).status_code == 200


def test_the_chat_body_user_names_the_bucket_and_the_sdk_reads_the_429(contract_api: ContractApi) -> None:
    oa = openai.OpenAI(base_url=f"{contract_api.api.url}/v1", api_key=PORTAL_KEY, max_retries=0)
    user = user_id()
    messages = [{"role": "user", "content": QUESTION}]
    for _ in range(CONTRACT_ANSWERS_PER_MINUTE):
        oa.chat.completions.create(model="haln-assistant", messages=messages, user=user)  # type: ignore[arg-type]
    with pytest.raises(openai.RateLimitError) as limited:
        oa.chat.completions.create(model="haln-assistant", messages=messages, user=user)  # type: ignore[arg-type]
    assert limited.value.code == "rate_limit_exceeded"
    assert int(limited.value.response.headers["retry-after"]) >= 1
    oa.chat.completions.create(model="haln-assistant", messages=messages, user=user_id())  # type: ignore[arg-type]


def test_a_malformed_end_user_id_is_refused(contract_api: ContractApi) -> None:
    with portal(contract_api, "a b" * 100) as http:
        reply = http.get("/v1/sources")
    assert reply.status_code == 422 and reply.json()["error"]["param"] == "X-HALN-User"
