"""Request and response shapes of the HTTP API."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    field_validator,
    model_validator,
)

from core.schemas import Answer, Asker, Citation, RefusalReason, SearchFilters
from core.sources import SourceSummary


def _unencodable(value: object, where: str) -> str | None:
    """Where in a decoded JSON body there is text that is not Unicode or a number that is not finite.

    Python's JSON decoder accepts both (`"\\ud800"`, `NaN`), but neither can be stored, logged or sent
    back as JSON, so they are refused here as a validation error rather than failing later as a 500."""
    if isinstance(value, str):
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            return f"{where}: contains an unpaired surrogate (\\ud800-\\udfff), which is not valid Unicode"
    elif isinstance(value, float):
        if not math.isfinite(value):
            return f"{where}: must be a finite number"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = str(key).encode("utf-8", "backslashreplace").decode("utf-8")
            problem = _unencodable(key, "a field name") or _unencodable(item, f"{where}.{name}")
            if problem:
                return problem
    elif isinstance(value, list):
        for n, item in enumerate(value):
            problem = _unencodable(item, f"{where}[{n}]")
            if problem:
                return problem
    return None


class StrictBody(BaseModel):
    """A request body whose every string is valid Unicode and every number finite."""

    @model_validator(mode="before")
    @classmethod
    def _encodable(cls, data: Any) -> Any:
        problem = _unencodable(data, "body")
        if problem:
            raise ValueError(problem.removeprefix("body."))
        return data


MAX_CHAT_MESSAGES = 400


def _json_number(value: Any) -> Any:
    """A JSON number as JSON Schema reads it: `1.0` is an integer, `"1"` and `true` are not numbers."""
    if isinstance(value, str | bool):
        raise ValueError("must be a number")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_number)]
JsonFloat = Annotated[float, BeforeValidator(_json_number)]


CONVERSATION_ID = r"^[A-Za-z0-9._:-]{1,64}$"


class HistoryTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant", "system"]
    content: str = Field(max_length=8000)


class AnswerRequest(StrictBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "question": "I'm a procurement lead at an NHS trust, where do I start with social value?",
                    "filters": {"nation": ["England"]},
                    "top_k": 8,
                }
            ]
        },
    )

    question: str = Field(min_length=1, max_length=2000, description="The practitioner's question.")
    history: list[HistoryTurn] = Field(
        default_factory=list,
        max_length=MAX_CHAT_MESSAGES,
        description="Earlier turns, oldest first. An answer reads the last 20 user and assistant turns; "
        "older ones are dropped and counted in `history_trimmed`. A `system` turn describes the asker, "
        "as a chat system message does (`asker` wins over it).",
    )
    conversation_id: str | None = Field(
        None,
        pattern=CONVERSATION_ID,
        description="The portal's id for the conversation, given back in the reply (a new one when none "
        "is sent): send it with each turn to thread answers and feedback. Not stored by the service.",
    )
    filters: SearchFilters | None = Field(None, description="Only retrieve sources matching these values.")
    asker: Asker | None = Field(
        None,
        description="Who is asking (role, organisation type, nation), when the portal knows it. Shapes "
        "which sources and examples come first; without it the assistant reads only how the question "
        "describes the asker.",
    )
    top_k: int | None = Field(None, ge=1, le=30, description="Sources to retrieve (default HALN_TOP_K).")
    backend: Literal["extractive", "llm"] | None = Field(
        None, description="Answer backend (default HALN_BACKEND)."
    )
    stream: StrictBool = Field(False, description="Stream server-sent events: delta, citations, done.")


class AnswerResponse(Answer):
    answer_id: str = Field(description="Id to send back with feedback.")
    answer_body: str = Field(
        description='`answer` without its closing "You could also ask" list and evidence label. Render '
        "either `answer` alone (it is complete Markdown), or `answer_body` with `followups` (as buttons) "
        "and `evidence_label` (as a caption): never `answer` with them, which shows them twice."
    )
    history_trimmed: int = Field(
        0, description="How many of the oldest history turns were dropped (an answer reads the last 20)."
    )
    conversation_id: str = Field(
        "", description="The request's `conversation_id`, or a new one when it had none."
    )


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "developer", "tool"] = Field(
        description="`user` and `assistant` messages are the conversation; `system` and `developer` ones "
        'describe the asker ("housing association in Wales") or carry '
        '`{"asker": {...}, "filters": {...}}` as JSON; `tool` messages are ignored (no tools are offered).'
    )
    content: str | list[dict[str, JsonValue]] | None = Field(
        None,
        max_length=8000,
        description='Text, or a list of content parts of which only `{"type": "text", "text": ...}` is '
        "accepted (others: 400 `unsupported_content`).",
    )

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(str(p.get("text") or "") for p in self.content if p.get("type") == "text")
        return self.content or ""


# In the schema, so clients and schema-driven tests know a conversation needs a question in it.
USER_QUESTION: dict[str, JsonValue] = {
    "type": "object",
    "properties": {
        "role": {"const": "user"},
        "content": {
            "anyOf": [
                {"type": "string", "pattern": "\\S"},
                {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "type": {"const": "text"},
                            "text": {"type": "string", "pattern": "\\S"},
                        },
                        "required": ["type", "text"],
                    },
                },
            ]
        },
    },
    "required": ["role", "content"],
}


class StreamOptions(BaseModel):
    include_usage: StrictBool = Field(
        False, description="Send a last chunk with `usage` (and `choices: []`) before `[DONE]`."
    )


class ChatCompletionRequest(StrictBody):
    """OpenAI-compatible request. What the service cannot honour is refused with 400 and a code (`model`
    other than haln-assistant, `n` > 1, `tools`, `response_format` other than text, `logprobs`); sampling
    settings (`temperature`, `top_p`, `seed`, penalties) are checked and have no effect, because answers
    are composed from the corpus, not sampled."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "model": "haln-assistant",
                    "messages": [
                        {"role": "system", "content": "The user works at a housing association in Wales."},
                        {"role": "user", "content": "Where do I start?"},
                    ],
                    "filters": {"themes": ["getting_started"]},
                    "user": "portal-user-42",
                }
            ]
        },
    )

    model: str = Field("haln-assistant", max_length=100, description="Must be `haln-assistant`.")
    messages: list[ChatMessage] = Field(
        min_length=1,
        max_length=MAX_CHAT_MESSAGES,
        description="The conversation, oldest first. The question is the last user message with text; "
        "user and assistant messages before it are the history (the oldest dropped beyond 20 turns, "
        "reported in `history_trimmed`); system and developer messages describe the asker.",
        json_schema_extra={"contains": USER_QUESTION},
    )
    asker: Asker | None = Field(
        None, description="Extra field: who is asking, as in /v1/answer (wins over a system message)."
    )
    filters: SearchFilters | None = Field(
        None, description="Extra field: only retrieve sources matching these values, as in /v1/answer."
    )
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    n: JsonInt | None = Field(None, ge=1, description="Only 1 is supported; more is a 400.")
    max_tokens: JsonInt | None = Field(
        None, ge=1, description="Cut the answer after this many tokens (`finish_reason: length`)."
    )
    max_completion_tokens: JsonInt | None = Field(None, ge=1, description="As `max_tokens` (wins over it).")
    temperature: JsonFloat | None = Field(None, ge=0, le=2, description="Checked; no effect.")
    top_p: JsonFloat | None = Field(None, ge=0, le=1, description="Checked; no effect.")
    tools: list[dict[str, JsonValue]] | None = Field(None, description="Not supported: 400 when sent.")
    tool_choice: str | dict[str, JsonValue] | None = Field(
        None, description='Not supported: 400 unless "none".'
    )
    response_format: dict[str, JsonValue] | None = Field(
        None, description='Only `{"type": "text"}`; anything else is a 400.'
    )
    user: str | None = Field(
        None,
        max_length=128,
        description="The portal's id for its end user: each has a rate-limit bucket of their own.",
    )
    conversation_id: str | None = Field(
        None, pattern=CONVERSATION_ID, description="Extra field: as in /v1/answer, given back in the reply."
    )

    @field_validator("messages")
    @classmethod
    def _has_question(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        if not any(m.role == "user" and m.text().strip() for m in messages):
            raise ValueError("no user message with text: the question is the last user message")
        return messages


class ChatChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int = 0
    message: ChatChoiceMessage
    finish_reason: Literal["stop", "length"] = Field(
        "stop", description="`length` when `max_tokens` cut the answer."
    )


class Usage(BaseModel):
    """Counted as words and punctuation marks: answers are composed, not sampled from a tokenizer."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    citations: list[Citation] = Field(
        default_factory=list, description="The sources the [n] markers refer to."
    )
    refused: bool = False
    refusal_reason: RefusalReason | None = Field(None, description="As in /v1/answer.")
    answer_id: str = Field(description="The answer's id for /v1/feedback (the completion `id` works too).")
    history_trimmed: int = Field(
        0, description="How many of the oldest history turns were dropped (an answer reads the last 20)."
    )
    asker: Asker | None = Field(
        None,
        description="Who the assistant took the asker to be (from `asker`, the system messages and the "
        "question), as in /v1/answer.",
    )
    conversation_id: str = Field(description="The request's `conversation_id`, or a new one.")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "haln"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class SourceView(BaseModel):
    """A document in the index, as clients see it."""

    doc_id: str = Field(description="The document's id: the same `doc_id` as in citations and feedback.")
    id: str = Field(description="Deprecated: the same as `doc_id` (kept for API 0.1 clients).")
    title: str
    source_url: str = Field(description="Where the document is published.")
    publisher: str
    doc_type: str
    nation: str
    org_type: str = Field(description="The kind of organisation the document is about or from.")
    themes: list[str]
    date: str | None = Field(description='Publication date: "YYYY", "YYYY-MM" or "YYYY-MM-DD".')
    path: str | None = Field(
        None,
        description="Its file relative to the corpus or uploads folder: only in answers to the admin token "
        "(null otherwise).",
    )
    chunk_count: int = Field(description="Passages the document was split into.")
    sections: list[str] = Field(description="Its section headings, in order.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What ingest removed from this document (e.g. passages quarantined as instructions).",
    )

    @classmethod
    def of(cls, summary: SourceSummary, admin: bool) -> SourceView:
        data = summary.model_dump()
        return cls(**{**data, "doc_id": summary.id, "path": data["path"] if admin else None})


class Page(BaseModel):
    total: int = Field(description="Items matching, over all pages.")
    offset: int = Field(description="Items skipped before this page.")
    limit: int = Field(description="Most items a page holds.")


class SourcePage(Page):
    items: list[SourceView]


class FeedbackRequest(StrictBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answer_id": "3f2b8c1e-5a7d-4e0f-9b6a-2c1d0e9f8a7b",
                    "rating": "down",
                    "reason": "not specific enough",
                    "comment": "I needed examples from Wales.",
                }
            ]
        },
    )

    answer_id: str = Field(
        min_length=1,
        max_length=50,
        description="The `answer_id` of a /v1/answer or /v1/chat/completions reply, or the chat reply's "
        "`id` (`chatcmpl-<answer_id>`).",
    )
    rating: Literal["up", "down"]
    reason: str | None = Field(
        None, max_length=200, description="A short reason, e.g. a chip the portal offers."
    )
    comment: str | None = Field(None, max_length=2000, description="The user's own words.")
    question: str | None = Field(None, max_length=2000, description="The question, if the client has it.")


class FeedbackCreated(BaseModel):
    id: int = Field(description="The feedback's id.")
    answer_id: str = Field(description="The answer voted on (a chat `id` is given back as its answer id).")
    rating: str
    replaced: bool = Field(
        False, description="True when this vote replaced an earlier one on the same answer (status 200)."
    )


class FeedbackItem(BaseModel):
    id: int
    created_at: str
    answer_id: str | None
    rating: str
    reason: str | None
    comment: str | None
    question: str | None
    cited_doc_ids: list[str] = Field(description="The `doc_id`s the answer cited, in citation order.")
    cited_sources: list[str] = Field(description="Deprecated: the cited documents' URLs.")


class FeedbackPage(Page):
    items: list[FeedbackItem]


class IngestJobView(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"] = Field(
        description="`failed` when the job raised, when an upload's document was not indexed, or when any "
        "file of a sync failed (`error` says why; `report` has the details)."
    )
    kind: Literal["upload", "sync"]
    files: list[str] = Field(default_factory=list, description="The uploaded file, as stored (uploads only).")
    doc_ids: list[str] = Field(
        default_factory=list, description="The upload's document id; for a sync, the documents it changed."
    )
    requested_by: str | None = Field(None, description="Name of the admin key that started the job.")
    created_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    progress: dict[str, dict[str, int]] = Field(default_factory=dict)
    report: dict[str, Any] | None = None
    error: str | None = None


class DeletedSource(BaseModel):
    doc_id: str
    id: str = Field(description="Deprecated: the same as `doc_id`.")
    chunks_deleted: int


class ErrorDetail(BaseModel):
    message: str = Field(description="What went wrong and, where it can, what to do about it.")
    type: str = Field(
        description="The OpenAI error type: invalid_request_error, authentication_error, permission_error, "
        "not_found_error, conflict_error, rate_limit_error, server_error or service_unavailable_error."
    )
    code: str = Field(description="A stable, documented code to branch on (see docs/api.md).")
    param: str | None = Field(None, description="The request field the error is about, if one is.")


class ErrorBody(BaseModel):
    """Every error, on every status: the shape the official OpenAI SDKs read."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": {
                        "message": "invalid API key",
                        "type": "permission_error",
                        "code": "invalid_api_key",
                        "param": None,
                    },
                    "request_id": "5f0c6e0b9d8a4a57b1e0c1a2d3e4f5a6",
                    "detail": "invalid API key",
                }
            ]
        }
    )

    error: ErrorDetail
    request_id: str = Field(description="The response's `X-Request-ID`, to quote when reporting a problem.")
    detail: str = Field(description="Deprecated: the same as `error.message` (kept for API 0.1 clients).")


class ValidationErrorBody(ErrorBody):
    errors: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Each problem: `loc` (where), `msg` (what), `type` (pydantic's kind of problem). "
        "`error.message` joins them as `field: message; ...`, and `error.param` is the first field.",
    )


# What any client-key endpoint can answer besides its own statuses (listed in each operation).
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No API key (`missing_api_key`)"},
    403: {"model": ErrorBody, "description": "Wrong API key (`invalid_api_key`)"},
    429: {
        "model": ErrorBody,
        "description": "Rate limit reached (`rate_limit_exceeded`); see `Retry-After` and `RateLimit-*`",
    },
}


class OwnerView(BaseModel):
    id: str = Field(description="The document id the upload asked for.")
    title: str = Field(description="Title of the source that already has it.")
    origin: Literal["corpus", "uploaded", "indexed"] = Field(
        description="Where that source came from: the corpus folder, an earlier upload, or elsewhere."
    )
    path: str = Field("", description="Its file, relative to the corpus or uploads folder (or empty).")


class ConflictBody(ErrorBody):
    owner: OwnerView
