"""`haln gaps`: what users asked that the corpus did not answer, and documents no answer ever cited."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.text import Text

from cli.common import console, err_console, print_json, user_errors
from core.settings import Settings


def gaps(
    days: Annotated[
        int, typer.Option(min=1, help="Read answers and feedback from this many past days.")
    ] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Content gaps from the answer log and thumbs-down feedback, to act on by adding documents.

    Refused and low-confidence answers and thumbs-down feedback are grouped by the theme, organisation
    type and nation they mention; clinical and off-topic questions are listed apart (out of scope, not
    gaps). Also lists indexed documents that no logged answer cited in that time.
    """
    from core.db import Database
    from core.errors import HalnError
    from core.sources import summarise_sources
    from core.store import ChunkStore
    from evals.gaps import content_gaps

    settings = Settings()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with user_errors():
        db = Database(settings.sqlalchemy_url, settings.log_questions, settings.log_retention_days)
        db.migrate()
        answers = db.list_answers(since)
        feedback = [f for f in db.list_feedback("down", limit=100_000) if _aware(f.created_at) >= since]
        try:
            sources = summarise_sources(ChunkStore.from_settings(settings).load().metadatas)
        except HalnError as exc:
            err_console.print(f"[yellow]No never-cited report:[/] {exc}", soft_wrap=True)
            sources = []
    documents = [{"id": s.id, "title": s.title, "source_url": s.source_url} for s in sources]
    report = content_gaps(answers, feedback, documents)
    if as_json:
        print_json({"days": days, **report.as_dict()})
        return
    console.print(
        f"Read {report.answers_read} answers and {report.feedback_read} thumbs-down "
        f"from the last {days} days."
    )
    console.print(f"\n[bold]Not covered[/] ({len(report.not_covered)} questions)")
    for label, key in (("theme", "themes"), ("organisation type", "org_types"), ("nation", "nations")):
        console.print(f"[bold]by {label}[/]")
        for name, items in report.grouped(key).items():
            console.print(f"  {name} ({sum(g.count for g in items)})")
    for gap in report.not_covered:
        times = f" ×{gap.count}" if gap.count > 1 else ""
        console.print(Text(f"  - {gap.question} ({gap.why}){times}"), soft_wrap=True)
    for title, items in (
        ("Out of scope: clinical", report.clinical),
        ("Out of scope: off-topic", report.off_topic),
    ):
        console.print(f"\n[bold]{title}[/] ({len(items)} questions; refusing these is right)")
        for gap in items:
            console.print(Text(f"  - {gap.question} ({gap.why})"), soft_wrap=True)
    console.print(f"\n[bold]Never cited[/] ({len(report.never_cited)} of {len(documents)} documents)")
    for doc in report.never_cited:
        console.print(Text(f"  - {doc['id']}: {doc['title']}"), soft_wrap=True)
    if report.questions_not_logged:
        err_console.print(
            f"{report.questions_not_logged} items had no stored question (HALN_LOG_QUESTIONS off)."
        )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
