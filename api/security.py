"""Client API keys, the admin token, per-client rate limits and the request body limit."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
from dataclasses import dataclass
from typing import Literal

import anyio
from fastapi import Request
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
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


def is_admin(request: Request, admin_key: str | None) -> bool:
    token = bearer_token(request)
    return bool(admin_key) and token is not None and secrets.compare_digest(token, admin_key or "")


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


Scope_ = Literal["answers", "reads", "feedback"]
# A forwarded end-user id: what a portal's user ids look like (a UUID, an email, a number), bounded.
END_USER = re.compile(r"[A-Za-z0-9._:@+=/-]{1,128}")


@dataclass(frozen=True)
class Quota:
    """Where a request stands in its bucket, for the RateLimit-* and Retry-After headers."""

    limit: int
    remaining: int
    reset_s: int

    def headers(self, window_s: int = 60) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
            "RateLimit-Policy": f"{self.limit};w={window_s}",
        }


class RateLimits:
    """Requests per minute per client, with a bucket per kind of request (`answers`, `reads` for sources
    and models, `feedback`), so a portal's users never lose feedback or source lists to a limit meant
    for answers. A client is an API key (or an IP when keys are off), split further by the end user the
    portal forwards (`X-HALN-User`, or the chat body's `user`).

    The counting is the `limits` library's moving window on one storage, named by a URI
    (HALN_RATE_LIMIT_STORAGE): `memory://` counts per worker process; a shared storage such as
    `redis://host:6379` makes every worker count together."""

    def __init__(
        self,
        per_minute: dict[Scope_, int],
        storage_uri: str = "memory://",
        key_answers_per_minute: int | None = None,
    ) -> None:
        self.items = {scope: RateLimitItemPerMinute(n) for scope, n in per_minute.items()}
        # A key's answers over all the end users it names: forwarded ids split a key's budget, they must
        # not multiply it.
        self.key_item = RateLimitItemPerMinute(key_answers_per_minute) if key_answers_per_minute else None
        self.storage = storage_from_string(storage_uri)
        self.strategy = MovingWindowRateLimiter(self.storage)

    def hit(self, scope: Scope_, client: str, end_user: str | None = None) -> Quota:
        """Count one request; 429 `rate_limit_exceeded` (with Retry-After) when the bucket is full, or,
        for answers on behalf of an end user, when the key's own ceiling is."""
        whose = "this user's" if end_user else "this key's"
        buckets: list[tuple[RateLimitItem, str, str, str]] = [
            (self.items[scope], scope, _hashed(client, end_user), whose)
        ]
        if scope == "answers" and end_user and self.key_item is not None:
            buckets.append((self.key_item, "answers-key", _hashed(client, None), "this key's overall"))
        quotas = []
        for item, namespace, who, bucket in buckets:
            # hit() checks and counts in one step (atomic in the storage, a Lua script on Redis): a test()
            # before it let two workers both take the last place (seen as 13 of 12 in the server-mode test).
            if not self.strategy.hit(item, namespace, who):
                quota = self._quota(item, namespace, who)
                raise ApiError(
                    429,
                    f"rate limit of {item.amount} {scope} requests per minute reached for {bucket} bucket; "
                    f"retry in {quota.reset_s} s",
                    "rate_limit_exceeded",
                    headers={**quota.headers(), "Retry-After": str(quota.reset_s)},
                )
            quotas.append(self._quota(item, namespace, who))
        return min(quotas, key=lambda q: q.remaining)

    def _quota(self, item: RateLimitItem, namespace: str, who: str) -> Quota:
        stats = self.strategy.get_window_stats(item, namespace, who)
        return Quota(item.amount, stats.remaining, max(1, math.ceil(stats.reset_time - time.time())))


def _hashed(client: str, end_user: str | None) -> str:
    """Keys are hashed: an API key never reaches the storage (or a shared Redis) in the clear."""
    return hashlib.sha256(f"{client}\0{end_user or ''}".encode()).hexdigest()[:32]


def end_user(request: Request, given: str | None = None) -> str | None:
    """The end user a portal forwards: the `X-HALN-User` header, else `given` (the chat body's `user`,
    any text of up to 128 characters, as OpenAI takes it). Only ever used hashed."""
    value = request.headers.get("x-haln-user")
    if value is None:
        return given or None
    if not END_USER.fullmatch(value):  # sent empty or malformed, it is refused, not ignored
        raise ApiError(
            422,
            "X-HALN-User: must be 1 to 128 letters, digits or ._:@+=/- characters",
            "validation_error",
            param="X-HALN-User",
        )
    return value


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
