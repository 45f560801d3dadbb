"""Client API keys, the admin token, per-client rate limits and the request body limit."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque

import anyio
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError, error_bytes


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key")


def check_client_key(request: Request, keys: set[str]) -> str:
    """The client's identity for rate limiting: its API key, or its IP when keys are not required."""
    token = bearer_token(request)
    if keys:
        if token is None:
            raise ApiError(
                401,
                "missing API key: send `Authorization: Bearer <key>`",
                "missing_api_key",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not any(secrets.compare_digest(token, k) for k in keys):
            raise ApiError(403, "invalid API key", "invalid_api_key")
        return f"key:{token}"
    return f"ip:{request.client.host if request.client else 'unknown'}"


def check_admin(request: Request, admin_key: str | None) -> None:
    if not admin_key:
        raise ApiError(403, "admin endpoints are disabled: set HALN_ADMIN_API_KEY", "admin_disabled")
    token = bearer_token(request)
    if token is None:
        raise ApiError(
            401,
            "missing admin token: send `Authorization: Bearer <HALN_ADMIN_API_KEY>`",
            "missing_admin_token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not secrets.compare_digest(token, admin_key):
        raise ApiError(403, "invalid admin token", "invalid_admin_token")


class RateLimiter:
    """Sliding one-minute window per client, in this process (each worker counts its own)."""

    def __init__(self, per_minute: int, window_s: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and now - hits[0] >= self.window_s:
                hits.popleft()
            if len(hits) >= self.per_minute:
                retry = max(1, int(self.window_s - (now - hits[0])) + 1)
                raise ApiError(
                    429,
                    f"rate limit of {self.per_minute} requests per minute reached",
                    "rate_limit_exceeded",
                    headers={"Retry-After": str(retry)},
                )
            hits.append(now)


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413, whether or not Content-Length is sent, and bodies
    that do not arrive whole within `timeout_s` of the first read with 408 and `Connection: close`, so a
    client sending half a body cannot hold a connection (and a worker's wait) open."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        deadline: float | None = None
        whole = False

        async def limited_receive() -> Message:
            nonlocal received, deadline, whole
            if whole:  # the body is in; later reads wait for the client to disconnect, which is no stall
                return await receive()
            deadline = deadline if deadline is not None else anyio.current_time() + self.timeout_s
            with anyio.move_on_after(deadline - anyio.current_time()):
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_bytes:
                        raise _TooLarge
                    whole = not message.get("more_body", False)
                return message
            raise ApiError(
                408,
                f"request body not received within {self.timeout_s:g} s (HALN_BODY_TIMEOUT_S)",
                "request_timeout",
                headers={"Connection": "close"},
            )

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = error_bytes(413, f"request body over the {self.max_bytes} byte limit", "request_too_large")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
