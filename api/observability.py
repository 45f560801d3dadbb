"""Prometheus metrics and structured JSON logs with a request id.

Under `haln serve --workers N` the serve command sets PROMETHEUS_MULTIPROC_DIR before the workers start, so
prometheus-client writes every worker's values to files there and `/metrics`, whichever worker answers it,
adds them up (its multiprocess mode). A single process without that variable keeps its values in memory.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str] = ContextVar("request_id", default="-")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    def __init__(self) -> None:
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV) or None
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "haln_requests_total", "HTTP requests", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "haln_request_latency_seconds",
            "HTTP request latency",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.retrieval = Histogram(
            "haln_retrieval_latency_seconds",
            "Retrieval latency (embed + search + fuse)",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.llm = Histogram(
            "haln_llm_latency_seconds",
            "Answer composition latency with the LLM backend",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.refusals = Counter(
            "haln_refusals_total", "Answers that said the corpus does not cover it", registry=self.registry
        )
        self.fallbacks = Counter(
            "haln_fallbacks_total", "LLM answers that fell back to extractive", registry=self.registry
        )

    def exposition(self) -> bytes:
        """The Prometheus text format: of all the workers of `haln serve` in multiprocess mode, else of
        this process."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiprocess_dir)
        return generate_latest(registry)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("haln")
    logger.handlers = [handler]
    logger.setLevel(level)
    logger.propagate = False


INTERNAL_ERROR_MESSAGE = "internal error; see the server log for this request id"


# A client's own request id is kept when it is short and plain (a UUID, a ULID, a trace id); anything
# else (too long, spaces, control characters) is replaced by a new one rather than echoed.
REQUEST_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")


def client_request_id(raw: bytes) -> str | None:
    return raw.decode("ascii") if REQUEST_ID.fullmatch(raw) else None


class RequestContext:
    """Request id (from X-Request-ID or new), access log line, and per-route metrics.

    A plain ASGI middleware rather than Starlette's BaseHTTPMiddleware, which adds a task and a memory
    stream to every request; the timing here also covers a streamed body to its last byte."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logging.getLogger("haln.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = client_request_id(headers.get(b"x-request-id", b"")) or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                # RateLimit-* headers the route's rate-limit check left in the request state.
                quota = (scope.get("state") or {}).get("rate_limit_headers") or {}
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(
                        (k.lower().encode(), v.encode())
                        for k, v in quota.items()
                        if k.lower().encode() not in have
                    ),
                    (b"x-request-id", rid.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here, not by Starlette's outermost error middleware, so the 500 is JSON and carries
            # the request id like every other response. Once a response has started it can only be cut.
            self.log.exception("unhandled error")
            if response_started:
                raise
            from api.errors import error_bytes  # api.errors reads this module's request id

            body = error_bytes(500, INTERNAL_ERROR_MESSAGE, "internal_error")
            response_headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send_with_id({"type": "http.response.start", "status": 500, "headers": response_headers})
            await send_with_id({"type": "http.response.body", "body": body})
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            elapsed = time.perf_counter() - started
            method = scope.get("method", "-")
            self.metrics.requests.labels(path, method, str(status)).inc()
            self.metrics.latency.labels(path).observe(elapsed)
            fields = {"method": method, "path": path, "status": status, "ms": round(elapsed * 1000, 1)}
            self.log.info("request", extra={"fields": fields})
            request_id.reset(token)
