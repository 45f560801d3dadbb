"""Pure helpers for the chat page: shaping questions, safe text, highlighted snippets, exports."""

from __future__ import annotations

import re
from typing import Any

ROLES = {
    "—": "",
    "Recruitment / HR": "I work in recruitment and HR",
    "Procurement": "I work in procurement",
    "Estates": "I work in estates and facilities",
    "Sustainability": "I work in sustainability",
    "Public health": "I work in public health",
    "Strategy / leadership": "I work in strategy and leadership",
    "Community organisation": "I work for a community organisation",
    "Other": "",
}
ORG_CHOICES = {
    "—": "",
    "NHS trust": "at an NHS trust",
    "Local authority": "at a council",
    "University": "at a university",
    "Business": "at a business",
    "Housing": "at a housing association",
    "Voluntary / faith": "at a voluntary or faith organisation",
}
STARTERS = [
    "Where do I start with local recruitment and apprenticeships?",
    "How can we use our spending to support local suppliers and social value?",
    "What could we do with our land and buildings for the community?",
    "What low-cost first steps can we take on our environmental impact?",
    "What is an anchor institution, and what can one do?",
    "How do I join the Health Anchors Learning Network?",
]
DOC_TYPE_BADGES = {
    "case_study": "Case study",
    "blog": "Blog",
    "toolkit": "Toolkit",
    "guide": "Guide",
    "report": "Report",
    "news": "News",
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def shape_question(question: str, role: str, org_type: str) -> str:
    """Prefix the asker's context so retrieval can prefer examples like theirs."""
    who = " ".join(part for part in (ROLES.get(role, ""), ORG_CHOICES.get(org_type, "")) if part)
    if not who:
        return question
    if not ROLES.get(role):
        who = "I work " + who
    return f"{who}. {question}"


def escape_markdown(text: str) -> str:
    """Source text shown as text: no Markdown, no HTML, no links from documents."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


COMMON_WORDS = frozenset(
    "about after also been could does from have into more most much other should some such than that "
    "their them then there these they this what when where which while will with would your "
    "start work".split()
)


def highlight(snippet: str, question: str) -> str:
    """Escaped snippet with the question's words highlighted (Streamlit's :orange-background[...])."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", question)} - COMMON_WORDS
    out = []
    for token in re.split(r"(\W+)", snippet):
        safe = escape_markdown(token)
        if token.lower() in words or token.lower().rstrip("s") in words:
            out.append(f":orange-background[{safe}]")
        else:
            out.append(safe)
    return "".join(out)


def card_lines(citation: dict[str, Any]) -> list[str]:
    """The facts on one source card, as plain escaped text fragments."""
    where = f"page {citation['page']}" if citation.get("page") else (citation.get("section") or "")
    parts = [
        DOC_TYPE_BADGES.get(citation["doc_type"], citation["doc_type"]),
        citation.get("org_type", "").replace("_", " "),
        citation.get("nation", ""),
        citation.get("date") or "",
        where,
    ]
    return [escape_markdown(p) for p in parts if p]


def conversation_markdown(messages: list[dict[str, Any]]) -> str:
    """The conversation with each answer's numbered sources, for copying or downloading."""
    lines = ["# Conversation with the HALN anchor assistant", ""]
    for message in messages:
        if message["role"] == "user":
            lines += [f"**You:** {message['content']}", ""]
            continue
        lines += ["**Assistant:**", "", message["content"], ""]
        citations = (message.get("answer") or {}).get("citations", [])
        if citations:
            lines.append("Sources:")
            lines += [
                f"[{c['n']}] {c['title']} — {c['publisher']} ({c['doc_type']}): {c['source_url']}"
                for c in citations
            ]
            lines.append("")
    return "\n".join(lines)
