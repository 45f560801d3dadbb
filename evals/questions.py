"""The question-set schema (JSONL), validated line by line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import DocumentError
from core.schemas import Asker, ChatTurn, SearchFilters

DEFAULT_QUESTIONS = Path("evals/questions/dev.jsonl")


class EvalQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    question: str = Field(min_length=1)
    kind: Literal["answerable", "unanswerable", "followup"]
    history: list[ChatTurn] = Field(default_factory=list)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    expected_sources: list[str] = Field(default_factory=list)
    must_mention: list[str] = Field(default_factory=list)
    asker: Asker | None = Field(None, description="Who asks, passed to the assistant as structured data.")
    points: list[str] = Field(
        default_factory=list, description="What a good answer makes, in words, for a human grader."
    )
    notes: str = ""

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"

    def note_field(self, name: str) -> str:
        """`notes` carries "role: …; theme: …"; read one of those fields."""
        for part in self.notes.split(";"):
            key, _, value = part.partition(":")
            if key.strip().lower() == name:
                return value.strip()
        return "unknown"


def load_questions(path: Path) -> list[EvalQuestion]:
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = EvalQuestion.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise DocumentError(f"{path}:{number}", f"invalid question: {exc}") from exc
        if question.id in seen:
            raise DocumentError(f"{path}:{number}", f"duplicate question id {question.id!r}", field="id")
        seen.add(question.id)
        questions.append(question)
    return questions
