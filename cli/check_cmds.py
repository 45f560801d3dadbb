"""`haln check`: every problem in the documents and question sets, in one run; writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from cli.common import EXIT_PARTIAL, console, fail, print_json, user_errors
from core.settings import Settings


def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to check. Default: the corpus and uploads folders."),
    ] = None,
    questions: Annotated[
        list[Path] | None,
        typer.Option(
            "--questions", help="Question sets to check (repeatable). Default: evals/questions/*.jsonl."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Validate documents (every metadata field, text, duplicate ids and source_urls, also against the
    index) and question sets (every line; expected_sources must be the source_url of a document).

    Reports every problem at once and writes nothing. Exit code 0 when all is well, 1 when any problem
    was found, 2 on usage errors (e.g. an index built with other settings: run `haln ingest --rebuild`).
    """
    from core.store import ChunkStore
    from ingest.check import CheckReport, check_documents, check_question_sets

    settings = Settings()
    targets = paths or settings.managed_folders()
    for target in targets:
        if not target.exists():
            fail(f"{target.absolute()}: no such file or directory")
    sets = questions if questions is not None else sorted(settings.questions_dir.glob("*.jsonl"))
    report = CheckReport()
    with user_errors():
        indexed = ChunkStore.from_settings(settings).peek_versions()
        report.index = "none" if indexed is None else "read"
        urls = check_documents(targets, indexed or {}, settings.max_file_bytes, report)
        known = set(urls.values()) | {v.source_url for vs in (indexed or {}).values() for v in vs}
        check_question_sets(sets, known, report)
    if as_json:
        print_json(report.as_dict())
    else:
        for problem in report.problems:
            where = f"{problem.path}: field `{problem.field}`" if problem.field else problem.path
            console.print(Text.assemble(("error ", "red"), f"{where}: {problem.reason}"), soft_wrap=True)
        console.print(
            f"Checked {report.documents} documents and {report.question_sets} question sets"
            + (" against the index" if report.index == "read" else " (no index yet)")
            + f": {len(report.problems)} problem(s). Nothing was written.",
            soft_wrap=True,
        )
    if report.problems:
        raise typer.Exit(EXIT_PARTIAL)
