"""`haln eval`: metrics on question sets, baselines side by side, reports and regression gates."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from cli.common import EXIT_PARTIAL, console, err_console, user_errors
from core.settings import Settings


def eval_command(
    questions: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Question sets (JSONL). Default: dev.jsonl in HALN_QUESTIONS_DIR (evals/questions)."
        ),
    ] = None,
    backend: Annotated[Literal["extractive", "llm"] | None, typer.Option(help="Answer backend.")] = None,
    baselines: Annotated[
        bool, typer.Option("--baselines", help="Also run LlamaIndex default, BM25-only, dense-only.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write report.md, report.json and charts here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    compare: Annotated[
        Path | None, typer.Option("--compare", help="A previous report.json to gate against.")
    ] = None,
    max_regression: Annotated[float, typer.Option(help="Largest allowed drop of a headline metric.")] = 0.02,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="Override one answer-pipeline setting for this run, e.g. compose.semantic_weight=0.25 "
            "(repeatable; names and meanings in assistant/config.py).",
        ),
    ] = None,
) -> None:
    """Answer every question through the same `answer()` users get and score the answers.

    Exits 1 when --compare finds a headline metric that dropped by more than --max-regression.
    """
    from assistant.config import DEFAULT_CONFIG
    from assistant.service import Assistant
    from evals.baselines import all_systems, ours
    from evals.questions import DEFAULT_SET, load_questions, missing_sources
    from evals.report import compare as compare_reports
    from evals.report import table, write_report
    from evals.runner import run_questions

    settings = Settings()
    with user_errors():
        loaded = [
            q for path in (questions or [settings.questions_dir / DEFAULT_SET]) for q in load_questions(path)
        ]
        items = [q for q in loaded if not q.draft]
        if len(items) < len(loaded):
            err_console.print(
                f"[yellow]Skipped {len(loaded) - len(items)} draft question(s)[/] (complete them: fill "
                "kind, expected_sources and must_mention, then remove `draft`).",
                soft_wrap=True,
            )
        if not items:
            err_console.print("[red]No question to evaluate.[/]")
            raise typer.Exit(2)
        overrides = dict(_split_param(p) for p in param or [])
        try:
            config = DEFAULT_CONFIG.with_overrides(overrides)
        except ValueError as exc:
            err_console.print(f"[red]--param:[/] {exc}")
            raise typer.Exit(2) from exc
        assistant = Assistant.from_settings(settings, config=config)
        systems = all_systems(assistant) if baselines else {"ours (hybrid)": ours(assistant, backend)}
        if baselines and backend:
            systems["ours (hybrid)"] = ours(assistant, backend)
        runs = [run_questions(name, items, fn) for name, fn in systems.items()]
    main = runs[-1]
    summary = main.summary()
    metas = assistant.index.get().live_metadatas
    doc_ids = {str(m["source_url"]): str(m["doc_id"]) for m in metas}
    missing = missing_sources(items, set(doc_ids))
    for question_id, urls in missing.items():
        err_console.print(
            f"[yellow]{question_id}[/] expects documents that are not in the index: " + ", ".join(urls),
            soft_wrap=True,
        )
    if report is not None:
        written = write_report(runs, report, _thumbs_down(settings), doc_ids)
        err_console.print(f"Report written to {written.absolute()}", soft_wrap=True)
    if as_json:
        sys.stdout.write(
            json.dumps({"summary": summary, "systems": {r.system: r.summary() for r in runs}}, indent=2)
            + "\n"
        )
    else:
        console.print(table(runs))
    if compare is not None:
        regressions = compare_reports(summary, compare, max_regression)
        if missing:
            regressions.append(
                f"{len(missing)} question(s) expect documents that left the index: " + ", ".join(missing)
            )
        if regressions:
            err_console.print(
                "[bold red]Regression[/] against " + str(compare) + ":\n  " + "\n  ".join(regressions)
            )
            raise typer.Exit(EXIT_PARTIAL)
        err_console.print(f"No headline metric dropped by more than {max_regression} against {compare}.")


def _split_param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        err_console.print(f"[red]--param:[/] {text!r} must look like name=value")
        raise typer.Exit(2)
    return name.strip(), value.strip()


def _thumbs_down(settings: Settings) -> list[dict[str, object]]:
    """Thumbs-down feedback from the store, for the content-gaps section (empty if no database yet)."""
    from core.db import Database
    from core.errors import StoreUnavailableError

    try:
        db = Database(settings.sqlalchemy_url)
        db.migrate()
        return [vars(r) for r in db.list_feedback("down", limit=1000)]
    except StoreUnavailableError:
        return []
