"""The question-set schema (JSONL, one question per line), validated line by line.

Fields: `id` (unique in the set), `question`, `kind` (answerable, unanswerable or followup),
`history` (earlier turns, for a followup), `filters`, `expected_sources` (source_urls of indexed
documents; empty only for an unanswerable question), `must_mention` (terms a good answer contains),
`asker`, `points`, `theme` (a corpus theme, or `out_of_scope` for a question to refuse), `role` (who
asks, in words), `intent` (`start` for a where-do-I-start question), free-text `notes`, and for a
candidate exported from feedback `draft: true` (skipped by `haln eval` until completed) with
`answer_given`. Older sets carry theme, role and intent inside `notes` ("role: …; theme: …"); the
fields win when both are given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import DocumentError
from core.schemas import Asker, ChatTurn, SearchFilters, Theme

DEFAULT_SET = "dev.jsonl"  # in Settings.questions_dir


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
    theme: Theme | Literal["out_of_scope"] | None = Field(
        None, description="The corpus theme the question is about; out_of_scope for one to refuse."
    )
    role: str | None = Field(None, max_length=80, description="Who asks, in words (e.g. procurement lead).")
    intent: Literal["start"] | None = Field(None, description="start: a where-do-I-start question.")
    notes: str = ""
    draft: bool = Field(
        False,
        description="A candidate to complete by hand (from `haln feedback export`): `haln eval` skips it "
        "with a warning until it is completed and `draft` removed.",
    )
    answer_given: str | None = Field(None, description="For a draft from feedback: the answer users got.")

    @model_validator(mode="after")
    def _complete(self) -> EvalQuestion:
        if self.kind != "unanswerable" and not self.expected_sources and not self.draft:
            raise ValueError(
                "an answerable question needs expected_sources (source_urls of the documents that answer "
                'it); mark an unfinished candidate with "draft": true'
            )
        return self

    @field_validator("expected_sources")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} is not a URL: give the document's source_url, not its id")
        return value

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"

    def note_field(self, name: str) -> str:
        """The `theme`, `role` or `intent` field, else the same name in `notes` ("role: …; theme: …")."""
        given = getattr(self, name, None) if name in ("theme", "role", "intent") else None
        if given:
            return str(given)
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
        except json.JSONDecodeError as exc:
            raise DocumentError(f"{path}:{number}", f"not valid JSON ({exc.msg})") from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"`{'.'.join(str(p) for p in e['loc'])}` {str(e['msg']).removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            raise DocumentError(f"{path}:{number}", f"invalid question: {problems}") from exc
        if question.id in seen:
            raise DocumentError(f"{path}:{number}", f"duplicate question id {question.id!r}", field="id")
        seen.add(question.id)
        questions.append(question)
    return questions


def missing_sources(questions: list[EvalQuestion], indexed_urls: set[str]) -> dict[str, list[str]]:
    """Questions whose expected documents are not in the index (removed, or never ingested), by id."""
    return {
        q.id: missing
        for q in questions
        if (missing := [url for url in q.expected_sources if url not in indexed_urls])
    }
