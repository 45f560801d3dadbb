"""Run a question set through `answer()` and compute the metrics, overall and broken down."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from core.schemas import Answer
from evals import metrics
from evals.questions import EvalQuestion

AnswerFn = Callable[[EvalQuestion], Answer]
Summary = dict[str, float | None]
"""Named metrics; None ("n/a") for a metric no question of the set measures (no follow-ups, say)."""


@dataclass
class QuestionResult:
    id: str
    kind: str
    question: str
    theme: str
    role: str
    refused: bool
    ranked_sources: list[str]
    cited_sources: list[str]
    expected_sources: list[str]
    citations_valid: bool
    hit_at_1: float
    hit_at_3: float
    hit_at_5: float
    reciprocal_rank: float
    ndcg_at_5: float
    citation_precision: float
    citation_recall: float
    mention_coverage: float
    supported: int
    unsupported: int
    confidence: float
    latency_ms: float
    backend: str
    fallback_reason: str | None = None
    answer: str = ""
    defects: list[str] = field(default_factory=list)
    start_question: bool = False
    start_shape: float = 0.0
    missed_mentions: list[str] = field(default_factory=list)
    mentions_listed: bool = True
    """The question lists must-mention terms; a set written without them (evals/questions/fresh.jsonl)
    has no must-mention figure rather than a vacuous 1.0."""


@dataclass
class EvalRun:
    system: str
    results: list[QuestionResult] = field(default_factory=list)

    def summary(self) -> Summary:
        return summarise(self.results)

    def breakdown(self, key: str) -> dict[str, Summary]:
        groups: dict[str, list[QuestionResult]] = {}
        for r in self.results:
            groups.setdefault(str(getattr(r, key)), []).append(r)
        return {name: summarise(rs) for name, rs in sorted(groups.items())}

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "summary": self.summary(),
            "by_kind": self.breakdown("kind"),
            "by_theme": self.breakdown("theme"),
            "by_role": self.breakdown("role"),
            "questions": [asdict(r) for r in self.results],
        }


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def score_question(q: EvalQuestion, answer: Answer, latency_ms: float) -> QuestionResult:
    ranked = _unique([c.source_url for c in answer.retrieved])
    cited = _unique([c.source_url for c in answer.citations])
    expected = set(q.expected_sources)
    intent = q.note_field("intent")
    is_start = q.kind != "unanswerable" and (
        intent == "start" if intent != "unknown" else bool(metrics.START_QUESTION.search(q.question))
    )
    return QuestionResult(
        id=q.id,
        kind=q.kind,
        question=q.question,
        theme=q.note_field("theme"),
        role=q.note_field("role"),
        refused=answer.refused,
        ranked_sources=ranked,
        cited_sources=cited,
        expected_sources=q.expected_sources,
        citations_valid=answer.has_valid_citations(),
        hit_at_1=metrics.hit_at_k(ranked, expected, 1),
        hit_at_3=metrics.hit_at_k(ranked, expected, 3),
        hit_at_5=metrics.hit_at_k(ranked, expected, 5),
        reciprocal_rank=metrics.reciprocal_rank(ranked, expected),
        ndcg_at_5=metrics.ndcg_at_k(ranked, expected, 5),
        citation_precision=metrics.citation_precision(set(cited), expected),
        citation_recall=metrics.citation_recall(set(cited), expected),
        mention_coverage=metrics.mention_coverage(answer.answer, q.must_mention),
        mentions_listed=bool(q.must_mention),
        supported=answer.supported_sentences,
        unsupported=answer.unsupported_sentences,
        confidence=answer.confidence,
        latency_ms=latency_ms,
        backend=answer.backend,
        fallback_reason=answer.fallback_reason,
        answer=answer.answer,
        defects=[] if answer.refused and not answer.citations else metrics.answer_defects(answer.answer),
        start_question=is_start,
        start_shape=1.0 if is_start and metrics.has_start_shape(answer.answer) else 0.0,
        missed_mentions=[] if answer.refused else metrics.missed_mentions(answer.answer, q.must_mention),
    )


def _mean(values: Sequence[float]) -> float | None:
    return metrics.mean(values) if values else None


def summarise(results: Sequence[QuestionResult]) -> Summary:
    answerable = [r for r in results if r.kind != "unanswerable"]
    answered = [r for r in answerable if not r.refused]
    followups = [r for r in results if r.kind == "followup"]
    decided = [r for r in results if r.kind in ("answerable", "unanswerable")] or list(results)
    supported = sum(r.supported for r in results)
    checked = supported + sum(r.unsupported for r in results)
    latencies = [r.latency_ms for r in results]
    out: Summary = {
        "questions": float(len(results)),
        "hit_at_1": _mean([r.hit_at_1 for r in answerable]),
        "hit_at_3": _mean([r.hit_at_3 for r in answerable]),
        "hit_at_5": _mean([r.hit_at_5 for r in answerable]),
        "mrr": _mean([r.reciprocal_rank for r in answerable]),
        "ndcg_at_5": _mean([r.ndcg_at_5 for r in answerable]),
        "citation_validity": metrics.mean([1.0 if r.citations_valid else 0.0 for r in results]),
        "citation_precision": _mean([r.citation_precision for r in answered]),
        "citation_recall": _mean([r.citation_recall for r in answered]),
        "claim_support_rate": supported / checked if checked else 1.0,
        "must_mention_coverage": _mean([r.mention_coverage for r in answered if r.mentions_listed]),
        "followup_hit_at_5": _mean([r.hit_at_5 for r in followups]),
        "answer_defects": float(sum(len(r.defects) for r in results)),
        "answers_with_defects": _mean([1.0 if r.defects else 0.0 for r in answered]),
        "start_shape": _mean([r.start_shape for r in results if r.start_question]),
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
    }
    out.update(
        metrics.refusal_scores([r.refused for r in decided], [r.kind == "unanswerable" for r in decided])
    )
    return {k: None if v is None else round(v, 4) for k, v in out.items()}


def run_questions(system: str, questions: Sequence[EvalQuestion], answer_fn: AnswerFn) -> EvalRun:
    run = EvalRun(system)
    for q in questions:
        started = time.perf_counter()
        answer = answer_fn(q)
        run.results.append(score_question(q, answer, (time.perf_counter() - started) * 1000))
    return run
