"""How an OpenAI chat-completions request maps onto an answer, and what it asks for that this service
cannot do (refused with 400 and a code, never silently ignored)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from api.errors import ApiError
from api.models import ChatCompletionRequest, ChatMessage, HistoryTurn, Usage
from assistant.analysis import asker_from_description
from core.schemas import Asker, ChatTurn, SearchFilters

MODEL_NAME = "haln-assistant"
# Parameters that change what a model generates, which an answer drawn from the corpus cannot honour.
UNSUPPORTED = {
    "tools": "tools (function calling) are not supported: answers are text with [n] citations",
    "tool_choice": "tool_choice is not supported: this service calls no tools",
    "functions": "functions are not supported: answers are text with [n] citations",
    "function_call": "function_call is not supported: this service calls no functions",
    "logprobs": "logprobs are not available: answers are not sampled token by token",
    "top_logprobs": "top_logprobs are not available: answers are not sampled token by token",
    "audio": "audio output is not supported",
    "modalities": "only text output is supported",
    "prediction": "predicted outputs are not supported",
}
_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """Tokens as `usage` reports them: words and punctuation marks (an answer is not sampled from a
    tokenizer, so this is the count a client can reproduce; BPE counts run about 1.1-1.3 times this)."""
    return len(_TOKEN.findall(text))


def truncate(text: str, max_tokens: int | None) -> tuple[str, bool]:
    """`text` cut after its `max_tokens`-th token (see `count_tokens`), and whether it was cut."""
    if max_tokens is None:
        return text, False
    for n, match in enumerate(_TOKEN.finditer(text), start=1):
        if n == max_tokens:
            rest = text[match.end() :]
            return (text[: match.end()], True) if rest.strip() else (text, False)
    return text, False


@dataclass
class ChatQuestion:
    question: str
    history: list[ChatTurn]
    asker: Asker | None
    filters: SearchFilters
    max_tokens: int | None
    include_usage: bool
    prompt_tokens: int
    trimmed: int = 0
    notes: list[str] = field(default_factory=list)


def refuse_unsupported(body: ChatCompletionRequest) -> None:
    if body.model != MODEL_NAME:
        raise ApiError(
            400,
            f"model: {body.model!r} is not served here; the one model is {MODEL_NAME!r} (GET /v1/models)",
            "model_not_found",
            param="model",
        )
    if body.n is not None and body.n > 1:
        raise ApiError(
            400, "n: only one choice per request (n = 1) is supported", "unsupported_parameter", param="n"
        )
    extra = body.model_extra or {}
    sent = {"tools": body.tools, "tool_choice": body.tool_choice, **extra}
    for name, message in UNSUPPORTED.items():
        value = sent.get(name)
        if value not in (None, False, [], "none", "auto"):
            raise ApiError(400, f"{name}: {message}", "unsupported_parameter", param=name)
    fmt = body.response_format
    if fmt is not None and fmt.get("type", "text") != "text":
        raise ApiError(
            400,
            f"response_format: {fmt.get('type')!r} is not supported; answers are text with [n] citations "
            "(structured data is in the `citations` field)",
            "unsupported_parameter",
            param="response_format",
        )


def _text(message: ChatMessage, n: int) -> str:
    """A message's text: its content string, or its text parts joined; any other part is refused."""
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    texts = []
    for k, part in enumerate(message.content):
        kind = part.get("type")
        if kind != "text":
            raise ApiError(
                400,
                f"messages[{n}].content[{k}]: {kind!r} parts are not supported; send text",
                "unsupported_content",
                param=f"messages[{n}].content[{k}].type",
            )
        texts.append(str(part.get("text") or ""))
    return "\n".join(texts)


def _context(text: str, where: str) -> tuple[Asker | None, SearchFilters | None]:
    """A system (or developer) message: `{"asker": {...}, "filters": {...}}` as JSON, or words describing
    the asker ("housing association in Wales")."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and {"asker", "filters"} & set(data):
            try:
                asker = Asker.model_validate(data["asker"]) if data.get("asker") else None
                filters = SearchFilters.model_validate(data["filters"]) if data.get("filters") else None
            except ValidationError as exc:
                error = exc.errors()[0]
                field = ".".join(str(p) for p in error["loc"])
                raise ApiError(
                    422, f"{where}: {field}: {error['msg']}", "validation_error", param=where
                ) from None
            return asker, filters
    return asker_from_description(stripped) if stripped else None, None


def _merge(given: Asker | None, described: Asker | None) -> Asker | None:
    """The body's `asker` wins field by field over what the system message says."""
    if described is None:
        return given
    if given is None:
        return described
    return Asker.model_validate(
        {k: getattr(given, k) or getattr(described, k) for k in ("role", "org_type", "nation")}
    )


def read_request(body: ChatCompletionRequest, max_history: int) -> ChatQuestion:
    """The question (the last user message with text), the history before it (oldest turns dropped
    beyond `max_history`), and the asker and filters from the body or the system messages."""
    refuse_unsupported(body)
    texts = [_text(m, n) for n, m in enumerate(body.messages)]
    asker, filters = None, None
    for n, (message, text) in enumerate(zip(body.messages, texts, strict=True)):
        if message.role in ("system", "developer"):
            said_asker, said_filters = _context(text, f"messages[{n}].content")
            asker = _merge(said_asker, asker)  # a later system message wins
            filters = said_filters or filters
    turns = [
        (m.role, t.strip())
        for m, t in zip(body.messages, texts, strict=True)
        if m.role in ("user", "assistant") and t.strip()
    ]
    users = [n for n, (role, _) in enumerate(turns) if role == "user"]
    if not users:
        raise ApiError(
            422,
            "messages: no user message with text: the question is the last user message",
            "validation_error",
            param="messages",
            extra={
                "errors": [{"loc": ["body", "messages"], "msg": "no user message", "type": "value_error"}]
            },
        )
    question = turns[users[-1]][1]
    if len(question) > 2000:
        raise ApiError(
            422,
            f"messages[{len(body.messages) - 1}].content: the question must be at most 2,000 characters",
            "validation_error",
            param="messages",
        )
    history = [ChatTurn(role=role, content=text[:8000]) for role, text in turns[: users[-1]]]
    trimmed = max(0, len(history) - max_history)
    return ChatQuestion(
        question=question,
        history=history[trimmed:],
        asker=_merge(body.asker, asker),
        filters=body.filters or filters or SearchFilters(),
        max_tokens=body.max_completion_tokens or body.max_tokens,
        include_usage=body.stream and body.stream_options is not None and body.stream_options.include_usage,
        prompt_tokens=sum(count_tokens(t) for t in texts),
        trimmed=trimmed,
    )


def read_history(
    history: list[HistoryTurn], asker: Asker | None, filters: SearchFilters | None, max_history: int
) -> tuple[list[ChatTurn], Asker | None, SearchFilters, int]:
    """/v1/answer's history: system turns describe the asker (the body's `asker` and `filters` win), the
    last `max_history` user and assistant turns are the conversation; returns how many were dropped."""
    said_asker, said_filters = None, None
    for n, turn in enumerate(history):
        if turn.role == "system":
            new_asker, new_filters = _context(turn.content, f"history[{n}].content")
            said_asker, said_filters = _merge(new_asker, said_asker), new_filters or said_filters
    turns = [
        ChatTurn(role=t.role, content=t.content) for t in history if t.role != "system" and t.content.strip()
    ]
    trimmed = max(0, len(turns) - max_history)
    return turns[trimmed:], _merge(asker, said_asker), filters or said_filters or SearchFilters(), trimmed


def usage(prompt_tokens: int, text: str) -> Usage:
    completion = count_tokens(text)
    return Usage(
        prompt_tokens=prompt_tokens, completion_tokens=completion, total_tokens=prompt_tokens + completion
    )
