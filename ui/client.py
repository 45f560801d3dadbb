"""The chat window's only way to the assistant: the answer API over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx


class ApiUnavailable(Exception):
    """The API could not be reached or failed; the message says what to run. Worth retrying."""


class ApiRefused(Exception):
    """The API answered but refused the request (4xx other than 429); retrying will not help."""


@dataclass
class StreamPiece:
    kind: str  # "delta" | "done"
    text: str = ""
    answer: dict[str, Any] | None = None


class ApiClient:
    def __init__(self, base_url: str, api_key: str | None = None, timeout_s: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)

    def _unavailable(self, exc: Exception) -> ApiUnavailable:
        return ApiUnavailable(
            f"The answer API at {self.base_url} is not reachable ({type(exc).__name__}). "
            "Start it with `make run` (or `haln serve`), or set HALN_API_URL to where it runs."
        )

    def readiness(self) -> tuple[bool, str]:
        """(ready, reason). Raises ApiUnavailable when nothing answers."""
        try:
            response = self._http.get("/readyz", timeout=5)
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc
        body = response.json()
        return response.status_code == 200, str(body.get("reason") or "")

    def stream_answer(
        self,
        question: str,
        history: list[dict[str, str]],
        filters: dict[str, list[str]],
        asker: dict[str, str] | None = None,
    ) -> Iterator[StreamPiece]:
        payload = {
            "question": question,
            "history": history,
            "filters": filters,
            "stream": True,
            "asker": asker,
        }
        try:
            with self._http.stream("POST", "/v1/answer", json=payload) as response:
                if response.status_code != 200:
                    response.read()
                    detail = (
                        response.json().get("detail", response.text)
                        if response.content
                        else response.reason_phrase
                    )
                    if 400 <= response.status_code < 500 and response.status_code != 429:
                        raise ApiRefused(f"The question was not accepted ({response.status_code}): {detail}")
                    raise ApiUnavailable(f"The API failed ({response.status_code}): {detail}")
                event = ""
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        data = json.loads(line[6:])
                        if event == "delta":
                            yield StreamPiece("delta", text=data["text"])
                        elif event == "done":
                            yield StreamPiece("done", answer=data)
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc

    def send_feedback(
        self,
        answer_id: str,
        rating: str,
        reason: str | None,
        question: str | None,
        comment: str | None = None,
    ) -> int:
        payload = {
            "answer_id": answer_id,
            "rating": rating,
            "reason": reason,
            "question": question,
            "comment": comment,
        }
        try:
            response = self._http.post("/v1/feedback", json=payload)
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc
        if response.status_code not in (200, 201):  # 200: it replaced an earlier vote on this answer
            raise ApiUnavailable(f"Feedback was not saved ({response.status_code}): {response.text[:200]}")
        return int(response.json()["id"])
