"""Issue 19, cases 3 and 7: `haln feedback export` appends de-duplicated drafts with the answer text, which
`haln eval` skips with a warning; an eval whose questions expect a document no longer indexed fails its
regression gate (what `haln ingest --eval` runs)."""

from __future__ import annotations

import json
from pathlib import Path

from core.db import Database
from core.embedding import Embedder
from core.schemas import Answer
from core.settings import Settings
from ingest.sync import build_ingestor
from tests.cli_helpers import run_haln
from tests.ingest.test_identity import doc


def test_export_appends_drafts_with_the_answer_once_each(settings: Settings, tmp_path: Path) -> None:
    db = Database(settings.sqlalchemy_url)
    db.migrate()
    told = Answer(
        answer="Start with a spend analysis [1].", citations=[], refused=False, backend="extractive"
    )
    for question in ("How do we map local spend?", "how do we map local spend", "Who funds anchors?"):
        db.add_feedback(db.log_answer(question, told, 5.0), "down", "vague", None, None)
    out = tmp_path / "candidates.jsonl"
    out.write_text(
        json.dumps({"id": "mine", "question": "Who funds anchors?", "kind": "unanswerable"}) + "\n"
    )

    first = run_haln("feedback", "export", "-o", str(out), data_dir=settings.data_dir)
    assert first.returncode == 0, first.stderr
    assert "Appended 1 draft" in first.stdout and "2 already there" in first.stdout
    again = run_haln("feedback", "export", "-o", str(out), data_dir=settings.data_dir)
    assert "Appended 0 draft" in again.stdout
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["mine", "feedback-1"]  # appended, the hand-written line kept
    draft = lines[1]
    assert draft["draft"] is True and draft["answer_given"] == "Start with a spend analysis [1]."
    assert "vague" in draft["notes"]

    skipped = run_haln("eval", str(out), data_dir=settings.data_dir)
    assert "Skipped 1 draft" in skipped.stderr


def test_eval_gate_flags_questions_whose_documents_left_the_index(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    build_ingestor(settings, embedder=embedder).sync(
        [doc(tmp_path / "corpus", "a.md", "https://example.org/a")]
    )
    questions = tmp_path / "set.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "gone-q",
                "question": "What did the trust buy?",
                "kind": "answerable",
                "expected_sources": ["https://example.org/removed"],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"ours": {"summary": {}}}), encoding="utf-8")
    result = run_haln("eval", str(questions), "--compare", str(baseline), data_dir=settings.data_dir)
    assert result.returncode == 1, result.stderr
    assert "gone-q expects documents that are not in the index" in result.stderr
    assert "1 question(s) expect documents that left the index: gone-q" in result.stderr
