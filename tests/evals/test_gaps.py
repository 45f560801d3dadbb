"""Issue 19, case 3: content gaps from what users asked (answer log, feedback), with out-of-scope questions
apart from real gaps, grouped by theme, organisation type and nation; and documents never cited."""

from __future__ import annotations

import json
from pathlib import Path

from core.db import Database
from core.embedding import Embedder
from core.schemas import Answer
from core.settings import Settings
from evals.report import gaps as eval_gaps
from evals.runner import EvalRun
from ingest.sync import build_ingestor
from tests.cli_helpers import run_haln
from tests.ingest.test_identity import doc


def answer(refused: bool, confidence: float, cited: list[str] | None = None) -> Answer:
    from core.schemas import Citation

    citations = [
        Citation(
            n=i + 1,
            chunk_id="c",
            doc_id="d",
            title="T",
            source_url=url,
            publisher="P",
            doc_type="blog",
            org_type="nhs_trust",
            nation="England",
            snippet="s",
            score=1.0,
        )
        for i, url in enumerate(cited or [])
    ]
    return Answer(
        answer="x", citations=citations, refused=refused, backend="extractive", confidence=confidence
    )


def test_gaps_from_the_answer_log_and_feedback(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    doc(corpus, "cited.md", "https://example.org/cited")
    doc(corpus, "unused.md", "https://example.org/unused")
    build_ingestor(settings, embedder=embedder).sync([corpus])
    db = Database(settings.sqlalchemy_url)
    db.migrate()
    db.log_answer("How do Welsh health boards buy from local suppliers?", answer(True, 0.1), 1)
    db.log_answer("How do welsh health boards buy from local suppliers", answer(True, 0.2), 1)
    db.log_answer("What dose of ibuprofen is safe for my child?", answer(True, 0.0), 1)
    db.log_answer("Who won the football last night?", answer(True, 0.0), 1)
    db.log_answer("Can our trust recruit apprentices locally?", answer(False, 0.4), 1)
    good = db.log_answer("What is an anchor?", answer(False, 0.9, ["https://example.org/cited"]), 1)
    db.add_feedback(good, "down", "too vague", None, None)

    result = run_haln("gaps", "--json", data_dir=settings.data_dir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    covered = {q["question"].rstrip("?").lower(): q for q in report["not_covered"]["questions"]}
    assert set(covered) == {
        "how do welsh health boards buy from local suppliers",
        "can our trust recruit apprentices locally",
        "what is an anchor",
    }
    assert covered["how do welsh health boards buy from local suppliers"]["count"] == 2
    assert "procurement" in report["not_covered"]["by_theme"]
    assert "health_board" in report["not_covered"]["by_org_type"]
    assert "Wales" in report["not_covered"]["by_nation"]
    assert [q["question"] for q in report["out_of_scope"]["clinical"]] == [
        "What dose of ibuprofen is safe for my child?"
    ]
    assert [q["question"] for q in report["out_of_scope"]["off_topic"]] == [
        "Who won the football last night?"
    ]
    assert [d["id"] for d in report["never_cited"]] == ["unused"]

    human = run_haln("gaps", data_dir=settings.data_dir)
    assert "Out of scope: clinical (1 questions" in human.stdout and "unused: Note unused.md" in human.stdout


def test_the_eval_report_does_not_count_a_correct_refusal_as_a_gap() -> None:
    from evals.runner import score_question
    from tests.evals.test_runner import QUESTIONS

    run = EvalRun("ours")
    run.results = [
        score_question(QUESTIONS[1], answer(True, 0.0), 1.0),  # unanswerable, refused: right
        score_question(QUESTIONS[0], answer(True, 0.2), 1.0),  # answerable, refused: a gap
    ]
    listed = [item for items in eval_gaps(run).values() for item in items]
    assert listed == ["What is the Lambeth GP Food Co-op? (refused)"]
