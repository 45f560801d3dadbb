"""What the published schema says beyond what FastAPI derives from the routes: who may call each operation
(security schemes, so /docs has an Authorize button), every status each can answer with, and the headers
that come with them. Worked out from each route's dependencies, so a new route is documented as its
dependencies make it behave."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api import deps

ERROR = {"$ref": "#/components/schemas/ErrorBody"}
SECURITY_SCHEMES = {
    "ClientKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A client key from HALN_API_KEYS, as `Authorization: Bearer <key>` (or `X-API-Key: "
        "<key>`). Needed only when HALN_API_KEYS is set; the admin token is accepted too.",
    },
    "AdminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "HALN_ADMIN_API_KEY, as `Authorization: Bearer <token>`. Admin endpoints are off "
        "(403 `admin_disabled`) when it is unset.",
    },
}
RATE_HEADERS = {
    name: {"description": text, "schema": {"type": "integer"}}
    for name, text in (
        ("RateLimit-Limit", "Requests this bucket allows per minute."),
        ("RateLimit-Remaining", "Requests left in this bucket now."),
        ("RateLimit-Reset", "Seconds until the bucket has room again."),
    )
}
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
}
REQUEST_ID = {
    "X-Request-ID": {
        "description": "This request's id (also in error bodies and the log).",
        "schema": {"type": "string"},
    }
}


END_USER_HEADER = {
    "name": "X-HALN-User",
    "in": "header",
    "required": False,
    "description": "The portal's id for the end user this request is for: each end user has rate-limit "
    "buckets of their own (a chat request's `user` does the same).",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:@+=/-]{1,128}$"},
}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ERROR}},
    }
    if headers:
        response["headers"] = headers
    return response


CLIENT_ERRORS = {
    "401": _error("No API key (`missing_api_key`), when HALN_API_KEYS is set"),
    "403": _error("Wrong API key (`invalid_api_key`)"),
    "429": _error("Rate limit reached (`rate_limit_exceeded`)", {**RETRY_AFTER, **RATE_HEADERS}),
}
ADMIN_ERRORS = {
    "401": _error("No admin token (`missing_admin_token`)"),
    "403": _error("Wrong admin token (`invalid_admin_token`), or admin off (`admin_disabled`)"),
}
BODY_ERRORS = {"413": _error("Body over HALN_MAX_BODY_BYTES (`request_too_large`)")}
UNAVAILABLE = {
    "503": _error(
        "No index, or a store down (`index_missing`, `index_mismatch`, `store_unavailable`, "
        "`llm_unavailable`)",
        RETRY_AFTER,
    )
}
INDEX_ROUTES = {"/v1/answer", "/v1/chat/completions", "/v1/sources", "/v1/sources/{doc_id}"}


def _calls(dependant: Dependant) -> set[Callable[..., Any]]:
    found = {dependant.call} if dependant.call else set()
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def document(routers: Iterable[APIRouter], schema: dict[str, Any]) -> None:
    schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    client_deps = {deps.authenticated, *deps.LIMITED_CALLS}
    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute):
            continue
        calls = _calls(route.dependant)
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            if deps.require_admin in calls:
                operation["security"] = [{"AdminToken": []}]
                extra = dict(ADMIN_ERRORS)
            elif calls & client_deps:
                # `{}`: a server without HALN_API_KEYS takes requests with no key.
                operation["security"] = [{"ClientKey": []}, {}]
                operation.setdefault("parameters", []).append(dict(END_USER_HEADER))
                extra = dict(CLIENT_ERRORS)
                for status, response in responses.items():
                    if status.startswith("2"):
                        response.setdefault("headers", {}).update(RATE_HEADERS)
            else:
                extra = {}
            if method in ("POST", "PUT", "PATCH"):
                extra.update(BODY_ERRORS)
            if route.path_format in INDEX_ROUTES:
                extra.update(UNAVAILABLE)
            for status, response in extra.items():
                if status in responses:  # declared by the route: keep its body, add the headers
                    responses[status].setdefault("headers", {}).update(response.get("headers", {}))
                else:
                    responses[status] = copy.deepcopy(response)
            for response in responses.values():
                response.setdefault("headers", {}).update(REQUEST_ID)
