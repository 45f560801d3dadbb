"""The text that search sees for a chunk, shared by ingest (embedding) and the assistant (BM25)."""

from __future__ import annotations


def context_text(title: str, section: str, text: str) -> str:
    """The title and section give a short chunk its context."""
    heading = title if section == title else f"{title} — {section}"
    return f"{heading}\n{text}"
