"""Issue 18, done means: the official `openai` npm package (pinned in tests/node/package.json, installed by
`make install-node`) drives the API as a Node portal backend would, and reads every error, limit and
extra field (tests/node/contract.mjs)."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from api.chat import count_tokens
from tests.api.conftest import CONTRACT_ANSWERS_PER_MINUTE, PORTAL_KEY, ContractApi
from tests.cli_helpers import REPO

NODE_DIR = REPO / "tests" / "node"
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_DIR / "node_modules" / "openai").is_dir(),
    reason="the openai npm package is not installed: run `make install-node`",
)


@pytest.fixture(scope="module")
def results(contract_api: ContractApi) -> dict[str, Any]:
    done = subprocess.run(
        ["node", "contract.mjs", contract_api.api.url, PORTAL_KEY, str(CONTRACT_ANSWERS_PER_MINUTE)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_errors_reach_the_node_sdk_with_code_type_and_param(results: dict[str, Any]) -> None:
    denied = results["denied"]
    assert denied["name"] == "PermissionDeniedError" and denied["status"] == 403
    assert denied["code"] == "invalid_api_key" and denied["type"] == "permission_error"
    assert "invalid API key" in denied["message"]
    invalid = results["invalid"]
    assert (
        invalid["status"] == 422 and invalid["code"] == "validation_error" and invalid["param"] == "messages"
    )
    assert "user message" in invalid["message"]
    model = results["unknownModel"]
    assert (
        model["name"] == "BadRequestError"
        and model["code"] == "model_not_found"
        and model["param"] == "model"
    )


def test_the_chat_endpoint_refuses_what_it_cannot_do(results: dict[str, Any]) -> None:
    for name, param in (("n", "n"), ("tools", "tools"), ("responseFormat", "response_format")):
        refused = results[name]
        assert refused["status"] == 400 and refused["code"] == "unsupported_parameter", refused
        assert refused["param"] == param


def test_max_tokens_usage_content_parts_and_system_messages(results: dict[str, Any]) -> None:
    cut = results["cut"]
    assert cut["finish"] == "length" and count_tokens(cut["content"]) == 5 == cut["completionTokens"]
    stream = results["stream"]
    assert "[1]" in stream["text"] and stream["finish"] == "stop" and stream["citations"]
    assert stream["usage"]["completion_tokens"] == count_tokens(stream["text"])
    assert results["system"]["refused"] is False
    assert results["system"]["asker"] == {"role": None, "org_type": "housing", "nation": "Wales"}


def test_limits_per_end_user_reach_the_sdk_as_429(results: dict[str, Any]) -> None:
    assert results["statuses"] == [200] * CONTRACT_ANSWERS_PER_MINUTE + [429]
    limited = results["limited"]
    assert limited["name"] == "RateLimitError" and limited["code"] == "rate_limit_exceeded"
    assert int(limited["retryAfter"]) >= 1


def test_feedback_takes_the_chat_id_and_long_histories_are_trimmed(results: dict[str, Any]) -> None:
    assert results["feedback"]["status"] == 201, results["feedback"]
    assert results["feedback"]["body"]["answer_id"] == results["stream"]["answerId"]
    assert results["long"]["trimmed"] == 30 and results["long"]["content"]
