"""Issue 18, point 3: /v1/chat/completions refuses what it cannot do (400 and a code), honours what it
says it does (max_tokens, include_usage, content parts), and reads the asker and filters from a system
message or the extra body fields. Driven with the official Python `openai` package on a real server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from api.chat import count_tokens
from tests.api.conftest import PORTAL_KEY, ContractApi

QUESTION = "What is the Lambeth GP Food Co-op?"


@pytest.fixture
def oa(contract_api: ContractApi, request: pytest.FixtureRequest) -> Iterator[openai.OpenAI]:
    """The SDK as a portal uses it for one of its users (each test is a user with a bucket of its own)."""
    with openai.OpenAI(
        base_url=f"{contract_api.api.url}/v1",
        api_key=PORTAL_KEY,
        max_retries=0,
        default_headers={"X-HALN-User": f"chat-{uuid.uuid4().hex}"},
    ) as client:
        yield client


def ask(oa: openai.OpenAI, content: Any = QUESTION, **kwargs: Any) -> Any:
    messages = kwargs.pop("messages", [{"role": "user", "content": content}])
    return oa.chat.completions.create(
        model=kwargs.pop("model", "haln-assistant"), messages=messages, **kwargs
    )


@pytest.mark.parametrize(
    ("kwargs", "code", "param"),
    [
        ({"model": "gpt-4o"}, "model_not_found", "model"),
        ({"n": 3}, "unsupported_parameter", "n"),
        (
            {
                "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
                "tool_choice": "required",
            },
            "unsupported_parameter",
            "tools",
        ),
        ({"response_format": {"type": "json_object"}}, "unsupported_parameter", "response_format"),
        ({"logprobs": True}, "unsupported_parameter", "logprobs"),
    ],
)
def test_what_it_cannot_do_is_a_400_with_a_code(
    oa: openai.OpenAI, kwargs: dict[str, Any], code: str, param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        ask(oa, **kwargs)
    assert refused.value.code == code and refused.value.param == param, refused.value.body


def test_structured_output_parse_is_refused_not_answered_in_prose(oa: openai.OpenAI) -> None:
    class Steps(BaseModel):
        steps: list[str]

    with pytest.raises(openai.BadRequestError) as refused:
        oa.chat.completions.parse(
            model="haln-assistant", messages=[{"role": "user", "content": QUESTION}], response_format=Steps
        )
    assert refused.value.param == "response_format"


@pytest.mark.parametrize("kwargs", [{"temperature": 5}, {"n": 0}, {"max_tokens": -1}, {"top_p": 2}])
def test_out_of_range_values_are_refused(oa: openai.OpenAI, kwargs: dict[str, Any]) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        ask(oa, **kwargs)
    assert refused.value.code == "validation_error" and refused.value.param == next(iter(kwargs))


def test_max_tokens_cuts_the_answer_and_says_length(oa: openai.OpenAI) -> None:
    cut = ask(oa, max_tokens=5, temperature=0.2)
    text = cut.choices[0].message.content or ""
    assert cut.choices[0].finish_reason == "length" and count_tokens(text) == 5
    assert cut.usage is not None and cut.usage.completion_tokens == 5
    whole = ask(oa)
    assert whole.choices[0].finish_reason == "stop"
    assert (whole.choices[0].message.content or "").startswith(text)
    assert whole.usage is not None
    assert whole.usage.completion_tokens == count_tokens(whole.choices[0].message.content or "")


def test_stream_include_usage_sends_a_usage_chunk(oa: openai.OpenAI) -> None:
    stream = ask(oa, stream=True, stream_options={"include_usage": True}, max_completion_tokens=12)
    pieces, finish, usage = [], None, None
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage is not None:
            usage = chunk.usage
    text = "".join(pieces)
    assert finish == "length" and count_tokens(text) == 12
    assert (
        usage is not None and usage.completion_tokens == 12 and usage.prompt_tokens == count_tokens(QUESTION)
    )


def test_content_parts_are_read_and_other_parts_refused(oa: openai.OpenAI) -> None:
    parts = ask(
        oa, [{"type": "text", "text": "What is the Lambeth"}, {"type": "text", "text": "GP Food Co-op?"}]
    )
    assert "[1]" in (parts.choices[0].message.content or "")
    with pytest.raises(openai.BadRequestError) as image:
        ask(
            oa,
            [
                {"type": "text", "text": QUESTION},
                {"type": "image_url", "image_url": {"url": "http://x/y.png"}},
            ],
        )
    assert image.value.code == "unsupported_content" and image.value.param == "messages[0].content[1].type"


def test_a_system_message_says_who_is_asking(oa: openai.OpenAI) -> None:
    reply = ask(
        oa,
        messages=[
            {"role": "system", "content": "housing association in Wales"},
            {"role": "user", "content": "Where do I start?"},
        ],
    )
    extra = reply.model_extra or {}
    assert not extra["refused"], reply.choices[0].message.content
    assert extra["asker"]["org_type"] == "housing" and extra["asker"]["nation"] == "Wales"
    # The body's asker wins field by field.
    both = ask(
        oa,
        messages=[
            {"role": "system", "content": "housing association in Wales"},
            {"role": "user", "content": "Where do I start?"},
        ],
        extra_body={"asker": {"nation": "Scotland"}},
    )
    asker = (both.model_extra or {})["asker"]
    assert asker["org_type"] == "housing" and asker["nation"] == "Scotland"


def test_filters_from_the_body_or_a_json_system_message(oa: openai.OpenAI) -> None:
    question = "How does an anchor organisation support community wealth building?"
    for kwargs in (
        {"extra_body": {"filters": {"nation": ["Scotland"]}}},
        {
            "messages": [
                {"role": "system", "content": '{"filters": {"nation": ["Scotland"]}}'},
                {"role": "user", "content": question},
            ]
        },
    ):
        reply = ask(oa, question, **kwargs)
        citations = (reply.model_extra or {})["citations"]
        assert citations and {c["nation"] for c in citations} == {"Scotland"}, kwargs
    with pytest.raises(openai.UnprocessableEntityError) as bad:
        ask(oa, question, extra_body={"filters": {"nation": ["Mars"]}})
    assert bad.value.param == "filters.nation.0"
