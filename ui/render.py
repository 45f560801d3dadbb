"""Pure helpers for the chat page: shaping questions, safe text, highlighted snippets, exports."""

from __future__ import annotations

import re
from typing import Any

from ui.snippets import clean_snippet

# Selector label -> the role sent as `asker.role` (read by the assistant for the asker's themes).
ROLES = {
    "—": "",
    "Recruitment / HR": "recruitment and HR",
    "Procurement": "procurement",
    "Estates": "estates and facilities",
    "Sustainability": "sustainability",
    "Public health": "public health",
    "Strategy / leadership": "strategy and leadership",
    "Community organisation": "community organisation",
    "Other": "",
}
# Selector label -> `asker.org_type`.
ORG_CHOICES = {
    "—": "",
    "NHS trust": "nhs_trust",
    "Integrated care board": "integrated_care_system",
    "Health board / HSC trust": "health_board",
    "GP practice / PCN": "primary_care",
    "Local authority": "local_authority",
    "University": "university",
    "Business": "business",
    "Housing": "housing",
    "Voluntary / faith": "vcse",
}
NATION_CHOICES = ["—", "England", "Scotland", "Wales", "Northern Ireland"]
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
ORG_LABELS = {value: label for label, value in ORG_CHOICES.items() if value} | {
    "health_system": "Health system",
    "national_body": "National body",
    "network": "Network",
    "sport_club": "Sport club",
    "utility": "Utility",
    "vcse": "Voluntary / community",
}
ROLE_LABELS = {value: label for label, value in ROLES.items() if value}
INTENT_LABELS = {
    "start": "where to start",
    "definition": "a definition",
    "list": "a list",
    "figure": "a figure",
    "who_when": "who or when",
    "examples": "examples",
}
_FOLLOWUPS = re.compile(r"\n*\*\*You could also ask\*\*\n(?:- [^\n]*(?:\n|$))+")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def asker_for(role: str, org_type: str, nation: str = "—") -> dict[str, str] | None:
    """The selectors as the API's structured `asker` (None when nothing is chosen); the question
    itself is sent as typed."""
    asker = {
        "role": ROLES.get(role, ""),
        "org_type": ORG_CHOICES.get(org_type, ""),
        "nation": nation if nation in NATION_CHOICES[1:] else "",
    }
    kept = {k: v for k, v in asker.items() if v}
    return kept or None


def label_for(field: str) -> Any:
    """How a filter value reads on the page ("nhs_trust" -> "NHS trust")."""

    def label(value: str) -> str:
        if field == "org_type":
            return ORG_LABELS.get(value, value.replace("_", " ").capitalize())
        if field == "doc_type":
            return DOC_TYPE_BADGES.get(value, value)
        if field == "themes":
            return value.replace("_", " ").capitalize()
        return value

    return label


def answered_for(answer: dict[str, Any], filters: dict[str, list[str]]) -> str:
    """What shaped an answer, in one line: who it was for, what it was read as, which filters applied."""
    asker = answer.get("asker") or {}
    who = [
        ROLE_LABELS.get(asker.get("role") or "", (asker.get("role") or "").capitalize()),
        ORG_LABELS.get(asker.get("org_type") or "", ""),
        asker.get("nation") or "",
    ]
    parts = [
        "Answered for: " + (" · ".join(w for w in who if w) or "anyone (no role, organisation or nation)")
    ]
    if answer.get("intent") in INTENT_LABELS:
        parts.append(f"read as: {INTENT_LABELS[answer['intent']]}")
    applied = [label_for(field)(value) for field, values in filters.items() for value in values]
    parts.append("filters: " + ", ".join(applied) if applied else "no filters")
    return escape_markdown(" — ".join(parts))


def answer_body(text: str) -> str:
    """The answer without its "You could also ask" list (shown as buttons instead)."""
    return _FOLLOWUPS.sub("\n", text).strip()


def escape_markdown(text: str) -> str:
    """Source text shown as text: no Markdown, no HTML, no links from documents."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


COMMON_WORDS = frozenset(
    "about after also been could does from have into more most much other should some such than that "
    "their them then there these they this what when where which while will with would your "
    "start work".split()
)


_URL = re.compile(r"(https?://[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?])")


def highlight(text: str, question: str) -> str:
    """Escaped text with the question's words in bold (plain text colour, so full contrast) and its
    web addresses as whole links."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", question)} - COMMON_WORDS
    out = []
    for position, piece in enumerate(_URL.split(text)):
        if position % 2:
            out.append(f"<{piece}>")  # an autolink keeps the whole address
            continue
        for token in re.split(r"(\W+)", piece):
            safe = escape_markdown(token)
            if token.lower() in words or token.lower().rstrip("s") in words:
                out.append(f"**{safe}**")
            else:
                out.append(safe)
    return "".join(out)


def snippet_markdown(snippet: str, question: str) -> str:
    """A card's snippet as Markdown: whole sentences or list items, lists as lists, words highlighted."""
    parts = []
    for passage in clean_snippet(snippet):
        for block in passage:
            if block.kind == "paragraph":
                parts.append(highlight(block.items[0], question))
            elif block.kind == "bullets":
                parts.append("\n".join(f"- {highlight(item, question)}" for item in block.items))
            else:
                parts.append(
                    "\n".join(
                        f"{block.start + i}. {highlight(item, question)}"
                        for i, item in enumerate(block.items)
                    )
                )
    return "\n\n".join(parts)


def card_lines(citation: dict[str, Any]) -> list[str]:
    """The facts on one source card, as plain escaped text fragments."""
    where = f"page {citation['page']}" if citation.get("page") else (citation.get("section") or "")
    parts = [
        DOC_TYPE_BADGES.get(citation["doc_type"], citation["doc_type"]),
        label_for("org_type")(citation.get("org_type", "")) if citation.get("org_type") else "",
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
                f"[{c['n']}] {c['title']} — {c['publisher']} "
                f"({DOC_TYPE_BADGES.get(c['doc_type'], c['doc_type'])}): {c['source_url']}"
                for c in citations
            ]
            lines.append("")
    return "\n".join(lines)
