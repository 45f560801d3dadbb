"""Response examples for the published schema (/docs shows them beside each status)."""

from __future__ import annotations

from typing import Any

CITATION: dict[str, Any] = {
    "n": 1,
    "chunk_id": "haln-lambeth-gp-food-coop-case-study:0:1",
    "doc_id": "haln-lambeth-gp-food-coop-case-study",
    "title": "Lambeth GP Food Co-op",
    "source_url": "https://haln.org.uk/case-studies/lambeth-gp-food-co-op",
    "publisher": "Health Anchors Learning Network",
    "doc_type": "case_study",
    "org_type": "primary_care",
    "nation": "England",
    "date": "2021",
    "page": None,
    "section": "What they did",
    "snippet": "The Lambeth GP Food Co-op grows food in the gardens of GP surgeries with patients.",
    "score": 0.03252,
}
ANSWER: dict[str, Any] = {
    "answer": "The Lambeth GP Food Co-op grows food in GP surgery gardens with patients [1].\n\n"
    "**You could also ask**\n- How do other practices involve patients?\n\n"
    "_1 case study (primary care, 2021)_",
    "answer_body": "The Lambeth GP Food Co-op grows food in GP surgery gardens with patients [1].",
    "citations": [CITATION],
    "refused": False,
    "refusal_reason": None,
    "gaps": [],
    "asker": None,
    "intent": "definition",
    "backend": "extractive",
    "fallback_reason": None,
    "followups": ["How do other practices involve patients?"],
    "evidence_label": "1 case study (primary care, 2021)",
    "confidence": 0.81,
    "standalone_query": "What is the Lambeth GP Food Co-op?",
    "supported_sentences": 1,
    "unsupported_sentences": 0,
    "staleness_warnings": [],
    "retrieved": [CITATION],
    "timings_ms": {"embed_ms": 4.1, "search_ms": 2.3, "fuse_ms": 0.4, "compose_ms": 9.8, "total_ms": 18.2},
    "answer_id": "3f2b8c1e-5a7d-4e0f-9b6a-2c1d0e9f8a7b",
    "history_trimmed": 0,
    "conversation_id": "conv-42",
}
ANSWER_STREAM = (
    'event: delta\ndata: {"text": "The Lambeth GP Food Co-op "}\n\n'
    'event: delta\ndata: {"text": "grows food in GP surgery gardens with patients [1]."}\n\n'
    'event: citations\ndata: [{"n": 1, "doc_id": "haln-lambeth-gp-food-coop-case-study", ...}]\n\n'
    'event: done\ndata: {"answer": "...", "answer_id": "3f2b8c1e-...", "citations": [...], ...}\n\n'
)
CHAT: dict[str, Any] = {
    "id": "chatcmpl-3f2b8c1e-5a7d-4e0f-9b6a-2c1d0e9f8a7b",
    "object": "chat.completion",
    "created": 1764500000,
    "model": "haln-assistant",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": ANSWER["answer"]},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 41, "total_tokens": 50},
    "citations": [CITATION],
    "refused": False,
    "refusal_reason": None,
    "answer_id": "3f2b8c1e-5a7d-4e0f-9b6a-2c1d0e9f8a7b",
    "history_trimmed": 0,
    "asker": None,
    "conversation_id": "conv-42",
}
CHAT_STREAM = (
    'data: {"id": "chatcmpl-3f2b…", "object": "chat.completion.chunk", "choices": [{"index": 0, '
    '"delta": {"role": "assistant", "content": ""}, "finish_reason": null}], ...}\n\n'
    'data: {"id": "chatcmpl-3f2b…", "choices": [{"index": 0, "delta": {"content": "The Lambeth "}, '
    '"finish_reason": null}], ...}\n\n'
    'data: {"id": "chatcmpl-3f2b…", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], '
    '"citations": [...], "answer_id": "3f2b…", "refused": false, "refusal_reason": null, '
    '"history_trimmed": 0, "asker": null, "conversation_id": "conv-42", ...}\n\n'
    'data: {"id": "chatcmpl-3f2b…", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 41, '
    '"total_tokens": 50}, ...}\n\n'
    "data: [DONE]\n\n"
)
SOURCE: dict[str, Any] = {
    "doc_id": "haln-lambeth-gp-food-coop-case-study",
    "id": "haln-lambeth-gp-food-coop-case-study",
    "title": "Lambeth GP Food Co-op",
    "source_url": "https://haln.org.uk/case-studies/lambeth-gp-food-co-op",
    "publisher": "Health Anchors Learning Network",
    "doc_type": "case_study",
    "nation": "England",
    "org_type": "primary_care",
    "themes": ["community_engagement", "environment"],
    "date": "2021",
    "path": None,
    "chunk_count": 6,
    "sections": ["Summary", "What they did", "Results"],
    "warnings": [],
}
SOURCES = {"total": 1, "offset": 0, "limit": 50, "items": [SOURCE]}
MODELS = {
    "object": "list",
    "data": [{"id": "haln-assistant", "object": "model", "created": 0, "owned_by": "haln"}],
}
FEEDBACK = {"id": 7, "answer_id": "3f2b8c1e-5a7d-4e0f-9b6a-2c1d0e9f8a7b", "rating": "down", "replaced": False}
FEEDBACK_PAGE = {
    "total": 1,
    "offset": 0,
    "limit": 100,
    "items": [
        {
            "id": 7,
            "created_at": "2026-11-30T14:00:00+00:00",
            "answer_id": "3f2b8c1e-5a7d-4e0f-9b6a-2c1d0e9f8a7b",
            "rating": "down",
            "reason": "not specific enough",
            "comment": "I needed examples from Wales.",
            "question": "Where do I start?",
            "cited_doc_ids": ["haln-lambeth-gp-food-coop-case-study"],
            "cited_sources": ["https://haln.org.uk/case-studies/lambeth-gp-food-co-op"],
        }
    ],
}


def json_example(example: object, description: str = "Success") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"example": example}}}


SSE_ANSWER = """With `"stream": true` (or `Accept: text/event-stream`) the reply is server-sent events, each
`event: <name>` and one `data: <JSON>` line:

- `delta`, many: `{"text": "..."}`, the next piece of the answer; joined, they are exactly `done.answer`.
- `citations`, once: the `citations` array (the same as in `done`).
- `done`, once, last: the whole answer object, as the non-streaming reply (with `answer_id`).

An error before the first event is an ordinary HTTP error with the error body; none happens after it."""

SSE_CHAT = """With `"stream": true` the reply is OpenAI's server-sent events, `data: <JSON>` lines without
event names, ending with `data: [DONE]`:

- the first chunk: `delta: {"role": "assistant", "content": ""}`;
- then `delta: {"content": "..."}` chunks, joined exactly the completion's content;
- the last content chunk has `delta: {}`, `finish_reason` (`stop`, or `length` under `max_tokens`) and
  the extra fields `citations`, `answer_id`, `refused`, `refusal_reason`, `history_trimmed`, `asker`,
  `conversation_id`;
- with `stream_options: {"include_usage": true}`, one more chunk with `choices: []` and `usage`."""

ANSWER_DESCRIPTION = (
    """Answer a question with numbered citations to retrieved sources.

Render `answer` (Markdown, `[n]` markers linking to `citations[n]`), or `answer_body` with `followups`
as buttons and `evidence_label` as a caption: never `answer` with those fields, which repeats them.
A refusal has `refused: true` and a `refusal_reason`.

"""
    + SSE_ANSWER
)

CHAT_DESCRIPTION = (
    """OpenAI-compatible chat completions: the official SDKs work unchanged (`base_url=.../v1`).

The question is the last user message with text; user and assistant messages before it are the
history (the last 20 read, older ones counted in `history_trimmed`); system and developer messages say
who is asking, in words ("housing association in Wales") or as `{"asker": {...}, "filters": {...}}`
JSON. `asker`, `filters` and `conversation_id` may also be sent as extra body fields (`extra_body` in
the Python SDK), as in /v1/answer. The content keeps its `[n]` markers; `citations`, `answer_id`,
`refused`, `refusal_reason`, `asker`, `history_trimmed` and `conversation_id` sit beside the standard
fields. What it cannot do is a 400 with a code, never silently ignored: `model` other than
`haln-assistant` (`model_not_found`); `n` > 1, `tools`, `tool_choice` other than auto/none,
`response_format` other than text, `logprobs` (`unsupported_parameter`); non-text content parts
(`unsupported_content`). `max_tokens` cuts the answer (`finish_reason: length`).

"""
    + SSE_CHAT
)

# One server-sent event, as the schema describes each event of a stream.
ANSWER_EVENT: dict[str, Any] = {
    "type": "object",
    "description": SSE_ANSWER,
    "properties": {
        "event": {"type": "string", "enum": ["delta", "citations", "done"]},
        "data": {
            "type": "string",
            "description": 'JSON: `{"text"}` (delta), the citations array (citations), the answer (done).',
        },
    },
    "required": ["event", "data"],
}
CHAT_EVENT: dict[str, Any] = {
    "type": "object",
    "description": SSE_CHAT,
    "properties": {
        "data": {"type": "string", "description": "A `chat.completion.chunk` as JSON, or `[DONE]`."}
    },
    "required": ["data"],
}
