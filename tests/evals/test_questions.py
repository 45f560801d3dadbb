"""Issue 19, case 7: question sets are validated (URLs, not ids; answerable questions name their
documents), `theme` and `role` are fields, and questions whose documents left the index are found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import DocumentError
from evals.questions import EvalQuestion, load_questions, missing_sources

URL = "https://haln.org.uk/case-studies/lambeth-gp-food-coop"


def write(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_a_document_id_in_expected_sources_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = write(
        tmp_path / "set.jsonl",
        {"id": "q1", "question": "Lambeth?", "kind": "answerable", "expected_sources": ["lambeth-gp"]},
    )
    with pytest.raises(DocumentError, match=r"set\.jsonl:1.*`expected_sources` 'lambeth-gp' is not a URL"):
        load_questions(path)


def test_an_answerable_question_needs_expected_sources_unless_it_is_a_draft() -> None:
    with pytest.raises(ValueError, match="needs expected_sources"):
        EvalQuestion(id="q", question="Where?", kind="answerable")
    assert EvalQuestion(id="q", question="Where?", kind="answerable", draft=True).draft
    assert EvalQuestion(id="q", question="Dose?", kind="unanswerable").expected_sources == []


def test_theme_and_role_are_fields_and_notes_still_work() -> None:
    given = EvalQuestion(
        id="q", question="Q?", kind="unanswerable", theme="out_of_scope", role="GP", notes="theme: workforce"
    )
    assert given.note_field("theme") == "out_of_scope" and given.note_field("role") == "GP"
    old = EvalQuestion(id="q", question="Q?", kind="unanswerable", notes="role: newcomer; theme: estates")
    assert old.note_field("theme") == "estates" and old.note_field("role") == "newcomer"
    with pytest.raises(ValueError, match="theme"):
        EvalQuestion(id="q", question="Q?", kind="unanswerable", theme="gardening")  # type: ignore[arg-type]


def test_questions_whose_documents_left_the_index() -> None:
    questions = [
        EvalQuestion(id="kept", question="A?", kind="answerable", expected_sources=[URL]),
        EvalQuestion(
            id="lost", question="B?", kind="answerable", expected_sources=[URL, "https://x.org/gone"]
        ),
        EvalQuestion(id="refuse", question="C?", kind="unanswerable"),
    ]
    assert missing_sources(questions, {URL}) == {"lost": ["https://x.org/gone"]}


def test_the_shipped_question_sets_are_valid() -> None:
    for path in Path(__file__).resolve().parents[2].joinpath("evals/questions").glob("*.jsonl"):
        assert load_questions(path)
