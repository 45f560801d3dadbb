"""Turn a follow-up plus the conversation into a standalone query (rule-based; the LLM backend can
rewrite it instead)."""

from __future__ import annotations

import re

from core.schemas import ChatTurn

ANAPHORA = re.compile(
    r"\b(it|its|they|them|their|that|this|those|these|there|he|she|one|ones|what about|how about|"
    r"and (in|for|what|how)|same|also|too|else|more|the (programme|scheme|project|network|academy|"
    r"co-?op|trust|council|charter|toolkit|report|organisation))\b",
    re.IGNORECASE,
)


def needs_history(question: str) -> bool:
    words = question.split()
    return len(words) <= 6 or bool(ANAPHORA.search(question))


def condense(question: str, history: list[ChatTurn] | None) -> str:
    """The question, plus the last user question (and the start of the last answer) when it leans on them."""
    if not history or not needs_history(question):
        return question
    last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
    last_answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    answer_lead = re.sub(r"\[\d+\]|\*\*", "", last_answer).strip().split("\n")[0][:200]
    return " ".join(part for part in (question, last_user, answer_lead) if part).strip()
