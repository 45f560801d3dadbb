"""One error shape for every status, the one the OpenAI SDKs read:
`{"error": {"message", "type", "code", "param"}, "request_id", "detail"}`.

`detail` repeats the message for clients written against API 0.1; `code` is one of `CODES`, stable and
documented (docs/api.md), so a client branches on it rather than on the message text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException
from starlette.responses import JSONResponse

from api.observability import request_id
from core.errors import (
    DiskSpaceError,
    HalnError,
    IndexMismatchError,
    IndexMissingError,
    IngestLockedError,
    LLMUnavailableError,
    StoreUnavailableError,
)

# code: (status, when). The table docs/api.md and the OpenAPI description are written from.
CODES: dict[str, tuple[int, str]] = {
    "invalid_request": (400, "The request cannot be served as sent (the message says why)."),
    "unsupported_parameter": (
        400,
        "A chat-completions parameter this service cannot honour (`n` > 1, `tools`, `response_format` "
        "other than text, `logprobs`, ...); `param` names it.",
    ),
    "unsupported_content": (400, "A message content part that is not text (images, audio, files)."),
    "model_not_found": (400, "A `model` other than `haln-assistant`."),
    "cors_rejected": (400, "A browser preflight from an origin HALN_CORS_ORIGINS does not list."),
    "missing_api_key": (401, "No `Authorization: Bearer <key>` (or `X-API-Key`) header."),
    "invalid_api_key": (403, "The key is not one of HALN_API_KEYS."),
    "missing_admin_token": (401, "An admin endpoint without the admin bearer token."),
    "invalid_admin_token": (403, "The admin token is wrong."),
    "admin_disabled": (403, "Admin endpoints are off (HALN_ADMIN_API_KEY unset)."),
    "not_found": (404, "No such path, source, answer or job."),
    "method_not_allowed": (405, "The path does not take this method; `Allow` lists those it takes."),
    "request_timeout": (408, "The request body did not arrive within HALN_BODY_TIMEOUT_S."),
    "conflict": (409, "The request conflicts with the current state (e.g. an ingest is running)."),
    "document_owned": (409, "An upload's document id belongs to another source; `owner` names it."),
    "request_too_large": (413, "The body is over HALN_MAX_BODY_BYTES (or an upload over HALN_MAX_FILE_MB)."),
    "validation_error": (422, "The body or query does not match the schema; `errors` lists each problem."),
    "rate_limit_exceeded": (429, "Too many requests in the window; see `Retry-After` and `RateLimit-*`."),
    "internal_error": (500, "A bug; the server log has the details under this `request_id`."),
    "index_missing": (503, "No index yet: an administrator must run `haln ingest`."),
    "index_empty": (503, "The index holds no documents: an administrator must run `haln ingest`."),
    "index_mismatch": (503, "The index was built with other settings: an administrator must re-ingest."),
    "store_unavailable": (503, "The vector store or the database does not answer."),
    "llm_unavailable": (503, "The language model server does not answer."),
    "insufficient_storage": (507, "Too little free disk space to ingest (HALN_MIN_FREE_MB)."),
}

# The OpenAI `type` for each status (what the SDKs put in `error.type`).
TYPES: dict[int, str] = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    429: "rate_limit_error",
    500: "server_error",
    503: "service_unavailable_error",
    507: "server_error",
}
DEFAULT_CODES: dict[int, str] = {
    400: "invalid_request",
    401: "missing_api_key",
    403: "invalid_api_key",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "request_too_large",
    422: "validation_error",
    429: "rate_limit_exceeded",
    500: "internal_error",
    503: "store_unavailable",
    507: "insufficient_storage",
}
# "field: what is wrong", the form the routes' messages take; the field becomes `param`.
_FIELD_PREFIX = re.compile(r"^([A-Za-z_][\w.\[\]]*): ")


class ApiError(HTTPException):
    """An HTTP error with its documented code (and the request field it is about, if any)."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str,
        *,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        assert code in CODES, code
        super().__init__(status, message, headers=dict(headers) if headers else None)
        self.code = code
        self.param = param
        self.extra = dict(extra or {})


def error_content(
    status: int,
    message: str,
    code: str | None = None,
    param: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    code = code or DEFAULT_CODES.get(status, "invalid_request" if status < 500 else "internal_error")
    if param is None and (match := _FIELD_PREFIX.match(message)):
        param = match.group(1)
    return {
        "error": {
            "message": message,
            "type": TYPES.get(status, "invalid_request_error" if status < 500 else "server_error"),
            "code": code,
            "param": param,
        },
        "request_id": request_id.get(),
        "detail": message,
        **(extra or {}),
    }


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    param: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    headers = dict(headers or {})
    if status == 503:
        headers.setdefault("Retry-After", "30")
    return JSONResponse(error_content(status, message, code, param, extra), status, headers=headers)


def error_bytes(status: int, message: str, code: str | None = None) -> bytes:
    """The body for the ASGI middlewares that answer before FastAPI does (413, 500)."""
    return json.dumps(error_content(status, message, code), ensure_ascii=False).encode()


# Service errors: status, code and, for 503, the message a client sees (the exception goes to the log).
SERVICE_ERRORS: dict[type[HalnError], tuple[int, str, str]] = {
    IndexMissingError: (503, "index_missing", "no index yet: an administrator must run `haln ingest`"),
    IndexMismatchError: (
        503,
        "index_mismatch",
        "the index was built with other settings: an administrator must run `haln ingest --rebuild`",
    ),
    StoreUnavailableError: (503, "store_unavailable", "the vector store or the database does not answer"),
    LLMUnavailableError: (503, "llm_unavailable", "the language model server does not answer"),
    DiskSpaceError: (507, "insufficient_storage", ""),
    IngestLockedError: (409, "conflict", ""),
}
