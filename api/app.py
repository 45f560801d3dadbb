"""The answer API for the HALN portal: `create_app()` builds a FastAPI app over `assistant/` and `ingest/`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import CapacityLimiter
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import AppState
from api.errors import SERVICE_ERRORS, ApiError, error_response
from api.jobs import JobManager
from api.methods import AllowHeader
from api.models import ErrorBody, ValidationErrorBody
from api.observability import (
    INTERNAL_ERROR_MESSAGE,
    Metrics,
    RequestContext,
    client_request_id,
    configure_logging,
    request_id,
)
from api.openapi import document
from api.routes import answers, feedback, health, ingest, sources
from api.security import BodySizeLimit, RateLimits
from api.uploads import scrub
from assistant.service import Assistant
from core.db import Database
from core.errors import (
    DocumentOwnedError,
    HalnError,
)
from core.settings import Settings

log = logging.getLogger("haln.api")
ROUTERS = (answers.router, sources.router, feedback.router, ingest.router, health.router)
# Response headers a browser script may read (CORS hides all but a few without this).
EXPOSED_HEADERS = [
    "X-Request-ID",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "Allow",
]

API_VERSION = "0.2.0"  # CHANGELOG.md says what changed
DESCRIPTION = """Answers "where do I start?" for health anchor practitioners from the HALN corpus.
Every sentence of an answer cites a retrieved source as `[n]`; `citations` lists them.
`/v1/chat/completions` speaks the OpenAI protocol (model `haln-assistant`).

Every error has one shape, `{"error": {"message", "type", "code", "param"}, "request_id"}`, with the codes
listed in docs/api.md. Client keys and the admin token are bearer tokens (Authorize, above). Answers,
source lists and feedback are rate-limited in separate buckets per key and per end user (`X-HALN-User`),
with `RateLimit-*` headers. docs/api.md is the guide for portal developers; CHANGELOG.md lists changes."""


def create_app(
    settings: Settings | None = None,
    assistant: Assistant | None = None,
    database: Database | None = None,
) -> FastAPI:
    settings = settings or Settings()
    configure_logging()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Models load once per worker, here, not at import time.
        db = database or Database(
            settings.sqlalchemy_url, settings.log_questions, settings.log_retention_days
        )
        db.migrate()
        db.purge_old()
        helper = assistant or Assistant.from_settings(settings)
        jobs = JobManager(db)
        app.state.haln = AppState(
            settings,
            helper,
            db,
            jobs,
            RateLimits(
                {
                    "answers": settings.rate_limit_per_minute,
                    "reads": settings.read_rate_limit_per_minute,
                    "feedback": settings.feedback_rate_limit_per_minute,
                },
                settings.rate_limit_storage,
                settings.key_rate_limit_per_minute,
            ),
            metrics,
            CapacityLimiter(settings.answer_threads),
        )
        try:
            helper.index.get()  # warm the index; an empty or missing one is reported by /readyz
        except HalnError as exc:
            log.warning("index not loaded at start-up: %s", exc)
        yield
        jobs.shutdown()

    app = FastAPI(
        title="HALN anchor assistant API", version=API_VERSION, description=DESCRIPTION, lifespan=lifespan
    )
    app.add_middleware(AllowHeader)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s)
    # Every response, a 413 or a 500 included, carries the request id...
    app.add_middleware(RequestContext, metrics=metrics)
    if settings.cors_origin_list:
        # ...and, added last so outermost, the CORS headers: a browser reads no status without them.
        app.add_middleware(
            PortalCORS,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "DELETE"],
            # Any request header: the official SDKs send their own (`x-stainless-*`, `OpenAI-*`) and add
            # new ones between releases; the origin list is what keeps other sites out.
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
    common = {400: {"model": ErrorBody}, 422: {"model": ValidationErrorBody}, 500: {"model": ErrorBody}}
    for router in ROUTERS:
        app.include_router(router, responses=common)  # type: ignore[arg-type]
    _install_error_handlers(app)
    _omit_nulls_from_forms(app)
    return app


class PortalCORS(CORSMiddleware):
    """Starlette's CORS, with a refused preflight (an origin not listed) in the API's error shape."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = bytes(response.body).decode()  # "Disallowed CORS origin, headers"
        message = f"{refused}: this origin may not call the API (HALN_CORS_ORIGINS lists those that may)"
        cors = {k: v for k, v in response.headers.items() if k.startswith("access-control-") or k == "vary"}
        # Answered before RequestContext (inside CORS) runs, so the request id is made here.
        rid = client_request_id(request_headers.get("x-request-id", "").encode("latin-1")) or uuid.uuid4().hex
        token = request_id.set(rid)
        try:
            return error_response(400, message, "cors_rejected", headers={**cors, "X-Request-ID": rid})
        finally:
            request_id.reset(token)


def _omit_nulls_from_forms(app: FastAPI) -> None:
    """Multipart fields cannot be null, only left out: FastAPI's schema says `anyOf: [..., null]` for an
    optional form field or file, which schema-driven clients send as the text "null" (and as a plain
    field rather than a file). The published schema says what the API takes: the field, or nothing."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        forms = {
            str(media["schema"].get("$ref", "")).rpartition("/")[2]
            for path in schema.get("paths", {}).values()
            for operation in path.values()
            for kind, media in operation.get("requestBody", {}).get("content", {}).items()
            if kind == "multipart/form-data"
        }
        for name in forms:
            for field in schema["components"]["schemas"].get(name, {}).get("properties", {}).values():
                options = [o for o in field.get("anyOf", []) if o.get("type") != "null"]
                if len(options) == 1 and len(field["anyOf"]) == 2:
                    del field["anyOf"]
                    field.update(options[0])
        document(ROUTERS, schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Only where and what: echoing the rejected input back could fail to encode (a lone surrogate, NaN)
        # and would reflect whatever a client sent.
        errors = [
            {
                "loc": [p if isinstance(p, int) else printable(str(p)) for p in error["loc"]],
                "msg": printable(str(error["msg"])),
                "type": str(error["type"]),
            }
            for error in exc.errors()
        ]
        return validation_response(errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, ApiError):
            return error_response(
                exc.status_code, str(exc.detail), exc.code, exc.param, exc.headers, exc.extra
            )
        if exc.status_code == 405 and "access-control-request-method" in request.headers:
            message = "CORS is off on this server: HALN_CORS_ORIGINS must list the calling page's origin"
            return error_response(405, message, "method_not_allowed", headers=exc.headers)
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(HalnError)
    async def service_error(request: Request, exc: HalnError) -> JSONResponse:
        settings: Settings = request.app.state.haln.settings
        if isinstance(exc, DocumentOwnedError):
            owner = {"id": exc.doc_id, "title": exc.owner_title, "origin": exc.origin, "path": exc.path}
            return error_response(409, str(exc), "document_owned", extra={"owner": owner})
        for kind, (status, code, message) in SERVICE_ERRORS.items():
            if isinstance(exc, kind):
                if status == 503:  # the details name server folders and URLs: logged, not sent
                    log.warning("service unavailable: %s", exc)
                    return error_response(status, message, code)
                return error_response(status, scrub(settings, str(exc)), code)
        return error_response(400, scrub(settings, str(exc)), "invalid_request")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, INTERNAL_ERROR_MESSAGE, "internal_error")


def validation_response(errors: list[dict[str, Any]]) -> JSONResponse:
    """422 with each problem as `field: message` in the message, the first field as `param`."""
    problems, fields = [], []
    for error in errors:
        field = ".".join(str(p) for p in error["loc"] if p not in ("body", "query", "path")) or "body"
        fields.append(field)
        problems.append(f"{field}: {error['msg']}")
    return error_response(
        422, "; ".join(problems), "validation_error", fields[0] if fields else None, extra={"errors": errors}
    )


def printable(text: str) -> str:
    """`text` with anything UTF-8 cannot encode (lone surrogates) written as an escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
