"""Issue 15, case 8: clients that send half a body cannot hold connections open. Raw sockets against a real
uvicorn (`haln serve`): the body must arrive within HALN_BODY_TIMEOUT_S, idle keep-alive connections close
after HALN_KEEP_ALIVE_S."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.api.conftest import RunningApi, start_api, stop_api

BODY_TIMEOUT_S = 2
KEEP_ALIVE_S = 1
MARGIN_S = 3.0
CONNECTIONS = 50


@pytest.fixture(scope="module")
def strict_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApi]:
    root = tmp_path_factory.mktemp("stalled")
    running = start_api(
        root / "data",
        root / "corpus",
        HALN_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S),
        HALN_KEEP_ALIVE_S=str(KEEP_ALIVE_S),
        HALN_API_KEYS="some-key",
    )
    yield running
    stop_api(running)


def half_sent(api: RunningApi, path: str) -> socket.socket:
    url = urlparse(api.url)
    sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"question": "' + b"x" * 486)  # 500 of the promised 1000 bytes
    return sock


def read_until_closed(sock: socket.socket, deadline: float) -> bytes:
    received = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
    raise AssertionError(f"still open after the limit; received {received[:200]!r}")


@pytest.mark.parametrize("path", ["/v1/answer", "/v1/feedback", "/v1/no-such-route"])
def test_fifty_half_sent_bodies_are_closed_within_the_limit(strict_api: RunningApi, path: str) -> None:
    started = time.monotonic()
    sockets = [half_sent(strict_api, path) for _ in range(CONNECTIONS)]
    deadline = started + BODY_TIMEOUT_S + MARGIN_S
    try:
        replies = [read_until_closed(sock, deadline) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert time.monotonic() - started < BODY_TIMEOUT_S + MARGIN_S
    if path != "/v1/no-such-route":  # a route that reads its body says why it gave up
        assert all(reply.startswith(b"HTTP/1.1 408") for reply in replies), replies[0][:300]
        assert b"HALN_BODY_TIMEOUT_S" in replies[0] and b"x-request-id" in replies[0].lower()


def test_an_idle_keep_alive_connection_is_closed(strict_api: RunningApi) -> None:
    url = urlparse(strict_api.url)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=30) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode())
        started = time.monotonic()
        reply = read_until_closed(sock, started + KEEP_ALIVE_S + MARGIN_S)
    assert reply.startswith(b"HTTP/1.1 200")


def test_a_slow_but_whole_body_within_the_limit_is_answered(strict_api: RunningApi) -> None:
    url = urlparse(strict_api.url)
    body = b'{"answer_id": "nope", "rating": "up"}'
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=30) as sock:
        head = (
            f"POST /v1/feedback HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer some-key\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode() + body[:10])
        time.sleep(BODY_TIMEOUT_S / 2)
        sock.sendall(body[10:])
        reply = read_until_closed(sock, time.monotonic() + 30)
    assert reply.split(b" ")[1] in (b"404", b"503"), reply[:300]  # an answer about the feedback, not a 408


def test_limits_are_documented() -> None:
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    assert "HALN_BODY_TIMEOUT_S" in readme and "HALN_KEEP_ALIVE_S" in readme
