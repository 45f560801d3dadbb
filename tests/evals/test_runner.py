"""The evaluation harness on a real small index: scoring, baselines, report, regression gate."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.service import Assistant
from evals.baselines import all_systems
from evals.questions import EvalQuestion
from evals.report import compare, write_report
from evals.runner import run_questions

QUESTIONS = [
    EvalQuestion(
        id="q1",
        question="What is the Lambeth GP Food Co-op?",
        kind="answerable",
        expected_sources=["https://haln.org.uk/case-studies/lambeth-gp-food-coop"],
        must_mention=["Lambeth"],
        notes="role: newcomer; theme: community_engagement",
    ),
    EvalQuestion(
        id="q2",
        question="What dose of paracetamol for a toddler?",
        kind="unanswerable",
        notes="role: other; theme: none",
    ),
    EvalQuestion(
        id="q3",
        question="Where do I start with inclusive recruitment?",
        kind="answerable",
        expected_sources=[
            "https://bnssghealthiertogether.org.uk/staff-and-partners/inclusive-recruitment/inclusive-recruitment-toolkit/"
        ],
        notes="role: HR lead; theme: workforce",
    ),
]
# Half its must-mention terms are in any answer about the co-op ("zeppelin" never is).
MISSING_TERM = EvalQuestion(
    id="q4",
    question="What is the Lambeth GP Food Co-op?",
    kind="answerable",
    expected_sources=["https://haln.org.uk/case-studies/lambeth-gp-food-coop"],
    must_mention=["Lambeth", "zeppelin"],
)


def test_scores_and_report(assistant: Assistant, tmp_path: Path) -> None:
    questions = list(QUESTIONS)
    runs = [run_questions(name, questions, fn) for name, fn in all_systems(assistant).items()]
    ours = runs[-1].summary()
    assert ours["hit_at_5"] == 1.0 and ours["citation_validity"] == 1.0
    assert ours["refusal_accuracy"] == 1.0 and ours["must_mention_coverage"] == 1.0
    assert runs[0].summary()["refusal_recall"] == 0.0  # the LlamaIndex default never refuses
    assert set(runs[-1].breakdown("theme")) == {"community_engagement", "none", "workforce"}

    report = write_report(
        runs, tmp_path / "out", feedback=[{"question": "Where are the toolkits?", "reason": "none"}]
    )
    text = report.read_text(encoding="utf-8")
    assert "Systems side by side" in text and "Worst 10 questions" in text and "Content gaps" in text
    assert "Where are the toolkits?" in text
    for chart in ("hit_at_k.png", "by_theme.png", "latency.png"):
        assert (tmp_path / "out" / chart).stat().st_size > 1000
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert data["ours"]["summary"] == ours

    # The gate: a baseline better than now by more than the tolerance is a regression.
    better = tmp_path / "better.json"
    better.write_text(
        json.dumps({"ours": {"summary": {**ours, "mrr": ours["mrr"] + 0.05}}}), encoding="utf-8"
    )
    assert compare(ours, better, tolerance=0.02) == [f"mrr: {ours['mrr'] + 0.05:.3f} -> {ours['mrr']:.3f}"]
    assert compare(ours, tmp_path / "out" / "report.json", tolerance=0.02) == []


def test_report_shows_n_a_integers_ids_and_missed_terms(assistant: Assistant, tmp_path: Path) -> None:
    """Issue 19, case 7: no follow-ups means n/a (not 0.000); counts are integers; the worst questions
    name documents by id and say which must-mention terms the answer missed."""
    from evals.baselines import ours
    from evals.report import table

    run = run_questions("ours", [*QUESTIONS, MISSING_TERM], ours(assistant))
    summary = run.summary()
    assert summary["followup_hit_at_5"] is None
    shown = table([run])
    assert "| followup_hit_at_5 | n/a |" in shown
    doc_ids = {
        "https://haln.org.uk/case-studies/lambeth-gp-food-coop": "haln-lambeth-gp-food-coop-case-study"
    }
    text = write_report([run], tmp_path / "out", doc_ids=doc_ids).read_text(encoding="utf-8")
    assert "expected: haln-lambeth-gp-food-coop-case-study" in text
    assert "missed must-mention: zeppelin" in text
    assert "| unanswerable | 1 | n/a | n/a |" in text  # a count, and no retrieval metric to show
    assert (
        json.loads((tmp_path / "out" / "report.json").read_text())["ours"]["summary"]["followup_hit_at_5"]
        is None
    )
    assert compare(summary, tmp_path / "out" / "report.json", tolerance=0.02) == []


def test_questions_listing_no_must_mention_terms_have_no_must_mention_figure(assistant: Assistant) -> None:
    """A set written without must-mention terms (evals/questions/fresh.jsonl) shows n/a, not a vacuous 1.0,
    and such questions do not dilute the figure of a set that mixes both."""
    from evals.baselines import ours

    without = run_questions("ours", [QUESTIONS[2]], ours(assistant)).summary()
    assert without["must_mention_coverage"] is None
    mixed = run_questions("ours", [QUESTIONS[2], MISSING_TERM], ours(assistant)).summary()
    assert mixed["must_mention_coverage"] == 0.5
