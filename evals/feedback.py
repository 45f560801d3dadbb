"""Thumbs-down feedback as draft eval questions: appended, de-duplicated, marked for completion."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.db import FeedbackRecord


@dataclass
class ExportResult:
    written: int = 0
    duplicates: int = 0
    no_question: int = 0


def question_key(text: str) -> str:
    """Questions that differ only in case, spacing or punctuation are the same candidate."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _known(output: Path) -> tuple[set[str], set[str]]:
    """Question keys and ids already in the file."""
    keys: set[str] = set()
    ids: set[str] = set()
    if output.exists():
        for line in output.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            keys.add(question_key(str(record.get("question", ""))))
            ids.add(str(record.get("id", "")))
    return keys, ids


def candidate(item: FeedbackRecord) -> dict[str, object]:
    notes = (
        f"from thumbs-down feedback {item.id}: reason: {item.reason or '-'}; comment: {item.comment or '-'}"
    )
    notes += f"; cited: {', '.join(item.cited_sources) or 'nothing'}"
    if item.refused:
        notes += "; the assistant refused"
    return {
        "id": f"feedback-{item.id}",
        "question": item.question,
        "kind": "answerable",
        "draft": True,
        "answer_given": item.answer or "",
        "history": [],
        "filters": {},
        "expected_sources": [],
        "must_mention": [],
        "notes": notes
        + "; to complete: kind, expected_sources, must_mention, theme, role; then remove draft",
    }


def export_candidates(items: Sequence[FeedbackRecord], output: Path) -> ExportResult:
    result = ExportResult()
    keys, ids = _known(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("a", encoding="utf-8") as handle:
        for item in items:
            if not item.question:
                result.no_question += 1
                continue
            key = question_key(item.question)
            if key in keys or f"feedback-{item.id}" in ids:
                result.duplicates += 1
                continue
            keys.add(key)
            handle.write(json.dumps(candidate(item), ensure_ascii=False) + "\n")
            result.written += 1
    return result
