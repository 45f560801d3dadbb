"""`Allow` says every method a path supports (RFC 9110): on 405 replies and on a plain OPTIONS request.

Starlette answers a wrong method with the methods of the first route on that path only (`GET` for
`/v1/sources/{id}`, which also takes `DELETE`), and OPTIONS with 405. CORS preflights (OPTIONS with
`Access-Control-Request-Method`) pass through to the CORS middleware untouched.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def allowed_methods(app: Any, path: str) -> list[str]:
    """Methods the published schema gives the path (with HEAD for GET, and OPTIONS); empty when the path is
    not in it. The schema is the public list of routes, and what schema-driven clients compare with."""
    methods: set[str] = set()
    for template, operations in _paths(app):
        if template.fullmatch(path):
            methods |= {m.upper() for m in operations if m.upper() in ORDER}
    if not methods:
        return []
    methods |= {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return sorted(methods, key=ORDER.index)


ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _paths(app: Any) -> list[tuple[re.Pattern[str], dict[str, Any]]]:
    compiled: list[tuple[re.Pattern[str], dict[str, Any]]] | None = getattr(app.state, "allow_paths", None)
    if compiled is None:
        compiled = [
            (re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))), operations)
            for template, operations in app.openapi().get("paths", {}).items()
        ]
        app.state.allow_paths = compiled
    return compiled


class AllowHeader:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if scope["method"] == "OPTIONS" and b"access-control-request-method" not in headers:
            methods = allowed_methods(scope["app"], scope["path"])
            if methods:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 204,
                        "headers": [(b"allow", ", ".join(methods).encode())],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods = allowed_methods(scope["app"], scope["path"])
                if methods:
                    MutableHeaders(scope=message)["allow"] = ", ".join(methods)
            await send(message)

        await self.app(scope, receive, send_with_allow)
