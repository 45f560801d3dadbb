"""Conversations kept on the UI's machine, so a reload or a dropped connection does not lose them.

One small JSON file per conversation, named by a random id that lives in the page's address
(`?c=…`); nothing else is stored, and files untouched for `max_age_days` are removed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class ConversationStore:
    def __init__(self, directory: Path, max_age_days: float = 30) -> None:
        self.directory = directory
        self.max_age_s = max_age_days * 86400

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(16)

    @staticmethod
    def valid_id(conversation_id: str | None) -> bool:
        return bool(conversation_id and _ID.match(conversation_id))

    def _path(self, conversation_id: str) -> Path:
        if not self.valid_id(conversation_id):
            raise ValueError(f"not a conversation id: {conversation_id!r}")
        return self.directory / f"{conversation_id}.json"

    def load(self, conversation_id: str) -> dict[str, Any]:
        """The stored state ({} when there is none or it cannot be read)."""
        try:
            data = json.loads(self._path(conversation_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, conversation_id: str, state: dict[str, Any]) -> None:
        path = self._path(conversation_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            return  # keeping a copy is a convenience; the page still works without it
        self._prune()

    def _prune(self) -> None:
        cutoff = time.time() - self.max_age_s
        for old in self.directory.glob("*.json"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                continue
