"""A real HTTP server on loopback that speaks OpenAI's chat-completions path but replies with garbage.

For testing that model replies are treated as untrusted input: each mode is one way a broken, partial or
hostile server answers. Runs in a thread of the test process; set `server.mode` between requests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# mode -> (content type, body) for plain requests
PLAIN_REPLIES: dict[str, tuple[str, str]] = {
    "not_json": ("application/json", "this is not json {"),
    "truncated": ("application/json", '{"id": "x", "choices": [{"index": 0, "message": {"content": "The fir'),
    "html_page": ("text/html", "<html><body><h1>Bad gateway</h1></body></html>"),
    "no_choices": (
        "application/json",
        '{"id": "x", "object": "chat.completion", "created": 0, "model": "m"}',
    ),
    "empty_choices": ("application/json", '{"id": "x", "object": "chat.completion", "choices": []}'),
    "null_content": (
        "application/json",
        '{"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": '
        '[{"index": 0, "message": {"role": "assistant", "content": null}, "finish_reason": "stop"}]}',
    ),
    "wrong_types": ("application/json", '{"id": "x", "choices": "lots", "model": 7}'),
}
# mode -> body of an event stream, for `"stream": true` requests
STREAM_REPLIES: dict[str, str] = {
    "not_json": "data: this is not json {\n\n",
    "truncated": 'data: {"id": "x", "choices": [{"index": 0, "delta": {"content": "The fir\n\n',
    "html_page": "<html><body>Bad gateway</body></html>\n\n",
    "no_choices": 'data: {"id": "x"}\n\ndata: [DONE]\n\n',
    "empty_choices": 'data: {"id": "x", "choices": []}\n\ndata: [DONE]\n\n',
    "null_content": 'data: {"id": "x", "choices": [{"index": 0, "delta": {"content": null}}]}\n\ndata: [DONE]\n\n',
    "wrong_types": 'data: {"id": "x", "choices": [{"index": 0, "delta": {"content": 5}}]}\n\ndata: [DONE]\n\n',
}
MODES = tuple(PLAIN_REPLIES)


def _completion(content: str, finish: str) -> str:
    return json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
            ],
        }
    )


def _chunks(pieces: list[str], finish: str | None) -> str:
    frames = [
        {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [choice]}
        for choice in [{"index": 0, "delta": {"content": p}, "finish_reason": None} for p in pieces]
        + ([{"index": 0, "delta": {}, "finish_reason": finish}] if finish else [])
    ]
    body = "".join(f"data: {json.dumps(frame)}\n\n" for frame in frames)
    return body + ("data: [DONE]\n\n" if finish else "")  # no finish: the stream just stops


# Well-formed replies whose text must not reach a client: citations the check refuses, and a reply cut off
# half-way (finish_reason "length" when asked plainly; a stream that ends without finishing).
PLAIN_REPLIES["bad_citations"] = ("application/json", _completion("Bananas are blue [99].", "stop"))
STREAM_REPLIES["bad_citations"] = _chunks(["Bananas ", "are ", "blue ", "[99]."], "stop")
PLAIN_REPLIES["cut_off"] = (
    "application/json",
    _completion("The Lambeth GP Food Co-op grows fruit and", "length"),
)
STREAM_REPLIES["cut_off"] = _chunks(["The Lambeth GP ", "Food Co-op grows ", "fruit and"], None)
UNCHECKED_MODES = ("bad_citations", "cut_off")


@dataclass
class FakeLLM:
    base_url: str
    server: ThreadingHTTPServer
    mode: str = "not_json"
    requests: int = 0


def _handler(fake: list[FakeLLM]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            state = fake[0]
            state.requests += 1
            if body.get("stream"):
                content_type, text = "text/event-stream", STREAM_REPLIES[state.mode]
            else:
                content_type, text = PLAIN_REPLIES[state.mode]
            data = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def fake_llm_server() -> Iterator[FakeLLM]:
    holder: list[FakeLLM] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(holder))
    holder.append(FakeLLM(f"http://127.0.0.1:{server.server_address[1]}/v1", server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
