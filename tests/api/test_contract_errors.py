"""Issue 18, point 1: one OpenAI-compatible error shape on every status, read by the official Python SDK,
with documented codes; refusals carry a reason code."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from api.errors import CODES
from tests.api.conftest import ContractApi, RunningApi

PORTAL_KEY = "portal-key"


def assert_error(reply: httpx.Response, status: int, code: str, param: str | None = None) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    error = body["error"]
    assert set(error) == {"message", "type", "code", "param"}
    assert error["code"] == code and code in CODES and CODES[code][0] == status
    assert error["message"] and error["type"].endswith("_error")
    assert error["param"] == param
    assert body["request_id"] == reply.headers["x-request-id"]
    return dict(body)


@pytest.fixture
def http(contract_api: ContractApi) -> httpx.Client:
    return httpx.Client(
        base_url=contract_api.api.url, headers={"Authorization": f"Bearer {PORTAL_KEY}"}, timeout=60
    )


def test_the_python_sdk_reads_code_type_and_param(contract_api: ContractApi) -> None:
    url = f"{contract_api.api.url}/v1"
    with pytest.raises(openai.PermissionDeniedError) as denied:
        openai.OpenAI(base_url=url, api_key="wrong", max_retries=0).models.list()
    assert denied.value.code == "invalid_api_key" and denied.value.type == "permission_error"
    assert "invalid API key" in str(denied.value)
    oa = openai.OpenAI(base_url=url, api_key=PORTAL_KEY, max_retries=0)
    with pytest.raises(openai.UnprocessableEntityError) as invalid:
        oa.chat.completions.create(model="haln-assistant", messages=[{"role": "assistant", "content": "hi"}])
    assert invalid.value.code == "validation_error" and invalid.value.param == "messages"
    body = invalid.value.body
    assert isinstance(body, dict) and "user message" in body["message"]
    assert invalid.value.response.json()["errors"][0]["loc"] == ["body", "messages"]


def test_401_403_404_405_413_422_have_the_shape(contract_api: ContractApi, http: httpx.Client) -> None:
    url = contract_api.api.url
    missing = assert_error(httpx.get(f"{url}/v1/sources"), 401, "missing_api_key")
    assert missing["detail"] == missing["error"]["message"]  # kept for API 0.1 clients
    assert_error(http.get("/v1/sources", headers={"Authorization": "Bearer nope"}), 403, "invalid_api_key")
    assert_error(httpx.get(f"{url}/v1/feedback"), 401, "missing_admin_token")
    assert_error(http.get("/v1/feedback"), 403, "invalid_admin_token")
    assert_error(http.get("/v1/no-such-thing"), 404, "not_found")
    assert_error(http.get("/v1/sources/no-such-doc"), 404, "not_found", "doc_id")
    assert_error(http.put("/v1/answer", json={}), 405, "method_not_allowed")
    big = http.post("/v1/answer", content=json.dumps({"question": "x" * 30000}))
    assert "20000 byte" in assert_error(big, 413, "request_too_large")["error"]["message"]
    bad = assert_error(
        http.post("/v1/answer", json={"question": "", "filters": {"nation": ["Mars"]}}),
        422,
        "validation_error",
        "question",
    )
    assert [e["loc"] for e in bad["errors"]][:2] == [["body", "question"], ["body", "filters", "nation", 0]]
    query = http.get("/v1/sources", params={"limit": 0})
    assert_error(query, 422, "validation_error", "limit")
    unknown_answer = http.post("/v1/feedback", json={"answer_id": "nope", "rating": "up"})
    assert_error(unknown_answer, 404, "not_found", "answer_id")


def test_request_id_is_echoed_only_when_short_and_plain(http: httpx.Client) -> None:
    assert (
        http.get("/healthz", headers={"X-Request-ID": "trace-1.2_3"}).headers["x-request-id"] == "trace-1.2_3"
    )
    long = http.get("/healthz", headers={"X-Request-ID": "a" * 500}).headers["x-request-id"]
    spaced = http.get("/healthz", headers={"X-Request-ID": "a b"}).headers["x-request-id"]
    assert len(long) == 32 and long != "a" * 32 and spaced != "a b"


def test_empty_index_is_503_with_a_code_no_server_path_and_retry_after(empty_api: RunningApi) -> None:
    ready = httpx.get(f"{empty_api.url}/readyz")
    body = assert_error(ready, 503, "index_missing")
    assert body["status"] == "not ready" and body["reason"] == body["error"]["message"]
    assert "haln ingest" in body["error"]["message"] and str(empty_api.data_dir) not in ready.text
    answer = httpx.post(f"{empty_api.url}/v1/answer", json={"question": "Where do I start?"})
    assert_error(answer, 503, "index_missing")
    assert int(answer.headers["retry-after"]) > 0
    assert str(empty_api.data_dir) not in answer.text and "/tmp" not in answer.text


@pytest.mark.parametrize(
    ("question", "filters", "reason"),
    [
        ("What dose of metformin should I take for my diabetes?", None, "clinical"),
        ("How do I tune the carburettor on a 1968 motorcycle?", None, "not_covered"),
        ("Where do I start with local recruitment?", {"nation": ["USA"], "doc_type": ["news"]}, None),
    ],
)
def test_refusals_carry_a_reason_code(
    contract_api: ContractApi, question: str, filters: dict[str, list[str]] | None, reason: str | None
) -> None:
    reply = httpx.post(
        f"{contract_api.api.url}/v1/answer",
        json={"question": question, "filters": filters},
        headers={"Authorization": f"Bearer {PORTAL_KEY}", "X-HALN-User": f"refusal-{reason}"},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    if reason is None:  # filters nothing in the test corpus matches
        assert body["refused"] and body["refusal_reason"] == "no_match_for_filters"
    else:
        assert body["refused"] and body["refusal_reason"] == reason


def test_cors_set_allows_the_sdk_headers_and_exposes_ours(contract_api: ContractApi) -> None:
    sdk_headers = "authorization,content-type,x-stainless-lang,x-stainless-retry-count,openai-organization"
    preflight = httpx.options(
        f"{contract_api.api.url}/v1/chat/completions",
        headers={
            "Origin": contract_api.page_origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": sdk_headers,
        },
    )
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == contract_api.page_origin
    assert set(preflight.headers["access-control-allow-headers"].split(",")) >= set(sdk_headers.split(","))
    big = httpx.post(
        f"{contract_api.api.url}/v1/answer",
        content=b"x" * 30000,
        headers={"Origin": contract_api.page_origin, "Authorization": f"Bearer {PORTAL_KEY}"},
    )
    assert big.status_code == 413 and big.headers["access-control-allow-origin"] == contract_api.page_origin
    exposed = {h.strip().lower() for h in big.headers["access-control-expose-headers"].split(",")}
    stranger = httpx.options(
        f"{contract_api.api.url}/v1/answer",
        headers={"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert_error(stranger, 400, "cors_rejected")
    assert {
        "x-request-id",
        "retry-after",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    } <= exposed


def test_cors_unset_sends_no_cors_headers_and_preflights_get_405(api: RunningApi) -> None:
    origin = "http://portal.example"
    preflight = httpx.options(
        f"{api.url}/v1/answer", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert "HALN_CORS_ORIGINS" in assert_error(preflight, 405, "method_not_allowed")["error"]["message"]
    plain = httpx.get(f"{api.url}/healthz", headers={"Origin": origin})
    assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers
