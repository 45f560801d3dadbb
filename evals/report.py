"""Reports: the side-by-side table, breakdowns, worst questions, content gaps, charts; regression checks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.runner import EvalRun, QuestionResult, Summary

HEADLINE = [
    "hit_at_1",
    "hit_at_3",
    "hit_at_5",
    "mrr",
    "ndcg_at_5",
    "citation_validity",
    "citation_precision",
    "citation_recall",
    "claim_support_rate",
    "must_mention_coverage",
    "refusal_precision",
    "refusal_recall",
    "refusal_accuracy",
    "followup_hit_at_5",
    "latency_p50_ms",
    "latency_p95_ms",
]
# Metrics whose drop is a regression (latency is reported, not gated: it depends on the machine).
GATED = [
    "hit_at_5",
    "mrr",
    "ndcg_at_5",
    "citation_validity",
    "claim_support_rate",
    "must_mention_coverage",
    "refusal_accuracy",
    "followup_hit_at_5",
]
LOW_CONFIDENCE = 0.6
COUNTS = {"questions", "answer_defects"}  # shown as whole numbers


def fmt(metric: str, value: float | None) -> str:
    """A metric as the report shows it: n/a when no question measures it, counts as integers."""
    if value is None:
        return "n/a"
    return f"{int(value)}" if metric in COUNTS else f"{value:.3f}"


def _num(value: float | None) -> float:
    return 0.0 if value is None else value


def table(runs: Sequence[EvalRun], metrics: Sequence[str] = HEADLINE) -> str:
    header = "| metric | " + " | ".join(r.system for r in runs) + " |"
    lines = [header, "|---" * (len(runs) + 1) + "|"]
    summaries = [r.summary() for r in runs]
    for metric in metrics:
        lines.append(f"| {metric} | " + " | ".join(fmt(metric, s.get(metric)) for s in summaries) + " |")
    return "\n".join(lines)


def worst(run: EvalRun, n: int = 10) -> list[QuestionResult]:
    def badness(r: QuestionResult) -> tuple[float, float]:
        wrong_refusal = 1.0 if r.refused != (r.kind == "unanswerable") else 0.0
        return (-wrong_refusal, r.reciprocal_rank + r.mention_coverage if r.kind != "unanswerable" else 2.0)

    return sorted(run.results, key=badness)[:n]


def gaps(run: EvalRun, feedback: Sequence[dict[str, Any]] = ()) -> dict[str, list[str]]:
    """Answerable questions refused or answered with low confidence, and thumbs-down feedback, grouped by
    theme. A question that should be refused (clinical, off-topic) is no gap when it is refused."""
    grouped: dict[str, list[str]] = {}
    for r in run.results:
        if r.kind == "unanswerable":
            continue
        if r.refused or r.confidence < LOW_CONFIDENCE:
            why = "refused" if r.refused else f"low confidence {r.confidence:.2f}"
            grouped.setdefault(r.theme, []).append(f"{r.question} ({why})")
    for item in feedback:
        question = item.get("question") or "(question not logged)"
        reason = item.get("reason") or "no reason"
        grouped.setdefault("feedback", []).append(f"{question} (thumbs down: {reason})")
    return grouped


def compare(current: Summary, previous_path: Path, tolerance: float) -> list[str]:
    """Headline metrics that dropped by more than `tolerance` against a previous report.json (a metric
    that is n/a on either side is not compared)."""
    previous = json.loads(previous_path.read_text(encoding="utf-8"))
    before = previous.get("ours", previous).get("summary", previous.get("summary", {}))
    dropped = []
    for metric in GATED:
        old, new = before.get(metric), current.get(metric)
        if old is not None and new is not None and old - new > tolerance:
            dropped.append(f"{metric}: {old:.3f} -> {new:.3f}")
    return dropped


def write_report(
    runs: Sequence[EvalRun],
    out_dir: Path,
    feedback: Sequence[dict[str, Any]] = (),
    doc_ids: dict[str, str] | None = None,
) -> Path:
    """`doc_ids` maps source_urls to document ids, so the worst questions name documents by id."""
    named = doc_ids or {}

    def ids(urls: Sequence[str]) -> str:
        return ", ".join(named.get(url, url) for url in urls)

    out_dir.mkdir(parents=True, exist_ok=True)
    ours = runs[-1]
    payload = {"ours": ours.as_dict(), "systems": {r.system: r.summary() for r in runs}}
    payload["gaps"] = gaps(ours, feedback)
    (out_dir / "report.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    charts = _charts(runs, out_dir)

    lines = [
        f"# Evaluation report: {ours.system}",
        "",
        f"{len(ours.results)} questions.",
        "",
        "## Systems side by side",
        "",
        table(runs),
        "",
    ]
    for key in ("kind", "theme", "role"):
        lines += [f"## By {key}", "", _breakdown_table(ours.breakdown(key)), ""]
    lines += ["## Worst 10 questions", ""]
    for r in worst(ours):
        lines.append(
            f"- **{r.id}** ({r.kind}, refused={r.refused}, RR={r.reciprocal_rank:.2f}): {r.question}"
        )
        lines.append(f"  - expected: {ids(r.expected_sources) or '(nothing: should refuse)'}")
        lines.append(f"  - retrieved: {ids(r.ranked_sources[:5]) or '(nothing)'}")
        if r.missed_mentions:
            lines.append(f"  - missed must-mention: {', '.join(r.missed_mentions)}")
    lines += ["", "## Content gaps", ""]
    for theme, items in sorted(payload["gaps"].items()):
        lines.append(f"### {theme}")
        lines += [f"- {item}" for item in items]
        lines.append("")
    lines += ["## Charts", ""] + [f"![{c.stem}]({c.name})" for c in charts]
    report = out_dir / "report.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def _breakdown_table(groups: dict[str, Summary]) -> str:
    metrics = [
        "questions",
        "hit_at_5",
        "mrr",
        "citation_validity",
        "must_mention_coverage",
        "refusal_accuracy",
    ]
    lines = ["| group | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for name, summary in groups.items():
        lines.append(f"| {name} | " + " | ".join(fmt(m, summary.get(m)) for m in metrics) + " |")
    return "\n".join(lines)


def _charts(runs: Sequence[EvalRun], out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        s = run.summary()
        ax.bar(
            [k + i * width for k in range(3)],
            [_num(s["hit_at_1"]), _num(s["hit_at_3"]), _num(s["hit_at_5"])],
            width,
            label=run.system,
        )
    ax.set_xticks([k + width * (len(runs) - 1) / 2 for k in range(3)], ["hit@1", "hit@3", "hit@5"])
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.set_title("Retrieval hit@k by system")
    paths.append(_save(fig, out_dir / "hit_at_k.png"))

    by_theme = runs[-1].breakdown("theme")
    fig, ax = plt.subplots(figsize=(8, 4))
    names = list(by_theme)
    ax.bar(names, [_num(by_theme[n]["hit_at_5"]) for n in names], label="hit@5")
    ax.plot(
        names,
        [_num(by_theme[n]["must_mention_coverage"]) for n in names],
        "o-",
        color="black",
        label="must-mention",
    )
    ax.set_ylim(0, 1.05)
    ax.tick_params(axis="x", rotation=45)
    ax.legend(fontsize=8)
    ax.set_title(f"{runs[-1].system}: metrics by theme")
    paths.append(_save(fig, out_dir / "by_theme.png"))

    fig, ax = plt.subplots(figsize=(8, 4))
    ax.boxplot([[r.latency_ms for r in run.results] for run in runs], tick_labels=[r.system for r in runs])
    ax.set_ylabel("ms per question")
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title("Latency by system")
    paths.append(_save(fig, out_dir / "latency.png"))
    return paths


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
