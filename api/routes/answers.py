"""POST /v1/answer, and the OpenAI-compatible /v1/chat/completions and /v1/models."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from api import examples
from api.chat import MODEL_NAME, read_history, read_request, truncate, usage
from api.deps import AnswerClientDep, AppState, AuthenticatedDep, ReadClientDep, StateDep
from api.models import (
    AnswerRequest,
    AnswerResponse,
    ChatChoice,
    ChatChoiceMessage,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ErrorBody,
    ModelCard,
    ModelList,
)
from api.security import end_user
from assistant.service import StreamEvent
from core.schemas import Answer

router = APIRouter(prefix="/v1", tags=["answers"])
MAX_HISTORY = 20  # turns of history an answer reads; older ones are dropped and reported
ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    413: {"model": ErrorBody},
    429: {"model": ErrorBody},
    503: {"model": ErrorBody},
}


def _record(
    state: AppState, question: str, answer: Answer, started: float, answer_id: str | None = None
) -> str:
    """Metrics and the answer log; returns the answer id used for feedback."""
    elapsed = time.perf_counter() - started
    retrieval_ms = sum(answer.timings_ms.get(k, 0.0) for k in ("embed_ms", "search_ms", "fuse_ms"))
    state.metrics.retrieval.observe(retrieval_ms / 1000)
    if answer.backend == "llm":
        state.metrics.llm.observe(answer.timings_ms.get("compose_ms", 0.0) / 1000)
    if answer.refused:
        state.metrics.refusals.inc()
    if answer.fallback_reason:
        state.metrics.fallbacks.inc()
    return state.db.log_answer(question, answer, elapsed * 1000, answer_id)


async def _answer_and_record(
    state: AppState,
    question: str,
    backend: str | None,
    compute: Callable[[], Answer],
    started: float,
    answer_id: str | None = None,
) -> tuple[Answer, str]:
    """Compute the answer in its slot (see `AppState.slots_for`), then log it and return its id."""
    answer = await to_thread.run_sync(compute, limiter=state.slots_for(backend))
    # The log write waits on the database, not the CPU: it does not hold an answer slot.
    return answer, await to_thread.run_sync(_record, state, question, answer, started, answer_id)


def numbered(answer: Answer) -> Answer:
    """One numbering: a retrieved passage's `n` is its document's `[n]` in the answer (the citation's
    number); documents retrieved but not cited continue the numbering in retrieval order."""
    numbers = {c.doc_id: c.n for c in answer.citations}
    following = max(numbers.values(), default=0) + 1
    retrieved = []
    for chunk in answer.retrieved:
        if chunk.doc_id not in numbers:
            numbers[chunk.doc_id], following = following, following + 1
        retrieved.append(chunk.model_copy(update={"n": numbers[chunk.doc_id]}))
    return answer.model_copy(update={"retrieved": retrieved})


def body_of(answer: Answer) -> str:
    """The answer's text without the follow-up list and evidence label it ends with (see `answer_body`)."""
    text = answer.answer
    if answer.evidence_label:
        text = text.removesuffix(f"\n\n_{answer.evidence_label}_")
    if answer.followups:
        text = text.removesuffix(
            "\n\n**You could also ask**\n" + "\n".join(f"- {q}" for q in answer.followups)
        )
    return text


def respond(answer: Answer, answer_id: str, **extra: object) -> AnswerResponse:
    return AnswerResponse(
        **numbered(answer).model_dump(), answer_id=answer_id, answer_body=body_of(answer), **extra
    )


def _json_or_stream(description: str, example: object, event_schema: object, stream: object) -> dict:
    """OpenAPI responses of an endpoint that answers in JSON or, streaming, in server-sent events."""
    return {
        **ERRORS,
        200: {
            "description": description,
            "content": {
                "application/json": {"example": example},
                "text/event-stream": {"schema": event_schema, "example": stream},
            },
        },
    }


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/answer",
    response_model=AnswerResponse,
    description=examples.ANSWER_DESCRIPTION,
    responses=_json_or_stream(
        "The answer; or, streaming, server-sent events `delta`, `citations`, `done`",
        examples.ANSWER,
        examples.ANSWER_EVENT,
        examples.ANSWER_STREAM,
    ),
)
async def post_answer(
    body: AnswerRequest, request: Request, state: StateDep, _client: AnswerClientDep
) -> object:
    """Answer a question with numbered citations to retrieved sources (the description says more)."""
    started = time.perf_counter()
    history, asker, filters, trimmed = read_history(body.history, body.asker, body.filters, MAX_HISTORY)
    extra = {"history_trimmed": trimmed, "conversation_id": body.conversation_id or uuid.uuid4().hex}
    wants_stream = body.stream or "text/event-stream" in request.headers.get("accept", "")
    if not wants_stream:
        answer, answer_id = await _answer_and_record(
            state,
            body.question,
            body.backend,
            lambda: state.assistant.answer(
                body.question, history, filters, body.backend, body.top_k, asker=asker
            ),
            started,
        )
        return respond(answer, answer_id, **extra)

    events = state.assistant.stream(body.question, history, filters, body.backend, body.top_k, asker=asker)
    # Errors before the first byte still become proper HTTP errors.
    first = await to_thread.run_sync(next, events, limiter=state.slots_for(body.backend))

    def generate() -> Iterator[str]:
        for event in _chain(first, events):
            if event.kind == "delta":
                yield _sse("delta", {"text": event.text})
            elif event.answer is not None:
                answer_id = _record(state, body.question, event.answer, started)
                full = respond(event.answer, answer_id, **extra)
                yield _sse("citations", [c.model_dump() for c in full.citations])
                yield _sse("done", full.model_dump())

    return StreamingResponse(
        generate(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


def _chain(first: StreamEvent, rest: Iterator[StreamEvent]) -> Iterator[StreamEvent]:
    yield first
    yield from rest


@router.get("/models", response_model=ModelList, responses={200: examples.json_example(examples.MODELS)})
def list_models(_client: ReadClientDep) -> ModelList:
    """The one model this service offers, for OpenAI clients."""
    return ModelList(data=[ModelCard(id=MODEL_NAME, created=0)])


@router.post(
    "/chat/completions",
    response_model=ChatCompletionResponse,
    description=examples.CHAT_DESCRIPTION,
    responses=_json_or_stream(
        "The completion; or, streaming, `chat.completion.chunk` events and `[DONE]`",
        examples.CHAT,
        examples.CHAT_EVENT,
        examples.CHAT_STREAM,
    ),
)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, state: StateDep, client: AuthenticatedDep
) -> object:
    """OpenAI-compatible chat completions (the description says more)."""
    started = time.perf_counter()
    quota = state.limits.hit("answers", client, end_user(request, body.user))
    request.state.rate_limit_headers = quota.headers()
    asked = read_request(body, MAX_HISTORY)
    answer_id = str(uuid.uuid4())
    completion_id = f"chatcmpl-{answer_id}"  # /v1/feedback takes it as it takes the answer_id
    conversation_id = body.conversation_id or uuid.uuid4().hex
    created = int(time.time())

    def compute() -> Answer:
        return state.assistant.answer(asked.question, asked.history, asked.filters, asker=asked.asker)

    if not body.stream:
        answer, _ = await _answer_and_record(state, asked.question, None, compute, started, answer_id)
        text, cut = truncate(answer.answer, asked.max_tokens)
        return ChatCompletionResponse(
            id=completion_id,
            created=created,
            model=MODEL_NAME,
            choices=[
                ChatChoice(message=ChatChoiceMessage(content=text), finish_reason="length" if cut else "stop")
            ],
            usage=usage(asked.prompt_tokens, text),
            citations=answer.citations,
            refused=answer.refused,
            refusal_reason=answer.refusal_reason,
            answer_id=answer_id,
            history_trimmed=asked.trimmed,
            asker=answer.asker,
            conversation_id=conversation_id,
        )

    events = state.assistant.stream(asked.question, asked.history, asked.filters, asker=asked.asker)
    first = await to_thread.run_sync(next, events, limiter=state.slots_for(None))

    def chunk(delta: dict[str, object], finish: str | None = None, **extra: object) -> str:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL_NAME,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    def generate() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        sent, cut = "", False
        for event in _chain(first, events):
            if event.kind == "delta" and not cut:
                text, cut = truncate(sent + event.text, asked.max_tokens)
                if len(text) > len(sent):
                    yield chunk({"content": text[len(sent) :]})
                sent = text
            elif event.answer is not None:
                _record(state, asked.question, event.answer, started, answer_id)
                yield chunk(
                    {},
                    "length" if cut else "stop",
                    citations=[c.model_dump() for c in event.answer.citations],
                    answer_id=answer_id,
                    refused=event.answer.refused,
                    refusal_reason=event.answer.refusal_reason,
                    history_trimmed=asked.trimmed,
                    asker=event.answer.asker.model_dump() if event.answer.asker else None,
                    conversation_id=conversation_id,
                )
                if asked.include_usage:
                    payload = {
                        "id": completion_id,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": MODEL_NAME,
                        "choices": [],
                        "usage": usage(asked.prompt_tokens, sent).model_dump(),
                    }
                    yield f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(
        generate(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
