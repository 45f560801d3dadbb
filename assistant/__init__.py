"""Retrieval and answering. `answer()` is the one entry point every surface uses."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from core.schemas import Answer, Asker, ChatTurn, SearchFilters
from core.settings import Settings

if TYPE_CHECKING:
    from assistant.service import Assistant, Backend


@lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    from assistant.service import Assistant

    return Assistant.from_settings(Settings())


def answer(
    question: str,
    history: list[ChatTurn] | None = None,
    filters: SearchFilters | None = None,
    backend: Backend | None = None,
    top_k: int | None = None,
    asker: Asker | None = None,
) -> Answer:
    """Answer a question from the indexed corpus with numbered, checked citations. `asker` says who is
    asking when the caller knows it; otherwise it is read from how the question describes them."""
    return default_assistant().answer(
        question, history=history, filters=filters, backend=backend, top_k=top_k, asker=asker
    )
