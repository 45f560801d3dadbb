"""Issue 18, point 7: the published schema and docs/api.md say what a portal needs without the code:
security schemes, every status per endpoint, SSE events, field descriptions, examples, the error codes,
and a changelog whose newest version is the schema's."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from api.errors import CODES
from tests.api.conftest import ContractApi
from tests.cli_helpers import REPO

API_MD = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
CHANGELOG = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def schema(contract_api: ContractApi) -> dict[str, Any]:
    return dict(httpx.get(f"{contract_api.api.url}/openapi.json").json())


def resolve(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    return dict(schema["components"]["schemas"][ref.rpartition("/")[2]])


def test_every_error_code_is_documented_with_its_status() -> None:
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", API_MD, re.MULTILINE))
    assert table == {code: str(status) for code, (status, _) in CODES.items()}


def test_the_changelog_names_the_schema_version(schema: dict[str, Any]) -> None:
    newest = re.search(r"^## API (\d+\.\d+\.\d+)", CHANGELOG, re.MULTILINE)
    assert newest and newest.group(1) == schema["info"]["version"] == "0.2.0"
    assert f"version {schema['info']['version']}" in API_MD


def test_security_schemes_and_statuses_per_endpoint(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ClientKey"]["scheme"] == schemes["AdminToken"]["scheme"] == "bearer"
    paths = schema["paths"]
    for path, method in (
        ("/v1/answer", "post"),
        ("/v1/chat/completions", "post"),
        ("/v1/models", "get"),
        ("/v1/sources", "get"),
        ("/v1/sources/{doc_id}", "get"),
        ("/v1/feedback", "post"),
    ):
        operation = paths[path][method]
        assert {"ClientKey": []} in operation["security"], path
        assert any(p["name"] == "X-HALN-User" and p["in"] == "header" for p in operation["parameters"]), path
        assert {"401", "403", "429", "422"} <= set(operation["responses"]), path
        assert "Retry-After" in operation["responses"]["429"]["headers"]
        assert (
            "RateLimit-Remaining"
            in next(r for s, r in operation["responses"].items() if s.startswith("2"))["headers"]
        )
    assert paths["/v1/feedback"]["get"]["security"] == [{"AdminToken": []}]
    assert {"400", "413", "503"} <= set(paths["/v1/chat/completions"]["post"]["responses"])
    error = paths["/v1/sources"]["get"]["responses"]["403"]["content"]["application/json"]["schema"]
    assert set(resolve(schema, error["$ref"])["properties"]) >= {"error", "request_id"}


def test_sse_events_and_their_payloads_are_described(schema: dict[str, Any]) -> None:
    answer = schema["paths"]["/v1/answer"]["post"]
    stream = answer["responses"]["200"]["content"]["text/event-stream"]
    for event in ("`delta`", "`citations`", "`done`"):
        assert event in stream["schema"]["description"] and event in answer["description"]
    assert "event: done" in stream["example"]
    chat = schema["paths"]["/v1/chat/completions"]["post"]
    description = chat["responses"]["200"]["content"]["text/event-stream"]["schema"]["description"]
    assert stream["schema"]["properties"]["event"]["enum"] == ["delta", "citations", "done"]
    assert "[DONE]" in description and "include_usage" in description and "refusal_reason" in description


def test_fields_are_described_and_responses_have_examples(schema: dict[str, Any]) -> None:
    answer = resolve(schema, "#/components/schemas/AnswerResponse")["properties"]
    for field in ("score", "confidence", "standalone_query", "timings_ms", "answer_body", "refusal_reason"):
        owner = resolve(schema, "#/components/schemas/Citation")["properties"] if field == "score" else answer
        assert len(owner[field].get("description", "")) > 20, field
    for path, method, status in (
        ("/v1/answer", "post", "200"),
        ("/v1/chat/completions", "post", "200"),
        ("/v1/models", "get", "200"),
        ("/v1/sources", "get", "200"),
        ("/v1/sources/{doc_id}", "get", "200"),
        ("/v1/feedback", "post", "201"),
        ("/v1/feedback", "get", "200"),
    ):
        assert schema["paths"][path][method]["responses"][status]["content"]["application/json"]["example"]


def test_the_guide_links_a_browser_client_that_exists() -> None:
    assert "(browser-client.html)" in API_MD and (REPO / "docs" / "browser-client.html").exists()
