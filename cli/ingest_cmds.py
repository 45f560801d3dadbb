"""`haln ingest`, `haln stats`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cli.common import EXIT_PARTIAL, console, err_console, fail, print_json, user_errors
from core.settings import Settings


def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to ingest. Default: the corpus folder (HALN_CORPUS_DIR)."),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Re-embed everything into a fresh index, then swap it in.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    run_eval: Annotated[
        bool,
        typer.Option("--eval", help="After a change, run the dev question set and report any regression."),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Let these files take over a document id or source_url that another file owns in the index.",
        ),
    ] = False,
) -> None:
    """Sync documents (Markdown, HTML, PDF) into the vector index.

    Unchanged files are skipped, changed files replace their old chunks and files that were
    removed leave the index. With no paths, the corpus folder and the uploads folder are synced.
    A file whose document id or source_url belongs to another file in the index fails, naming it,
    unless --replace is given. --rebuild keeps every indexed document whose file still exists.

    Exit code 0 when every file was indexed, 1 when some failed (the
    rest are still indexed), 2 on usage errors, 3 when the data folder's disk has less free space
    than HALN_MIN_FREE_MB (nothing written; the previous index keeps answering), 4 when another
    ingest of the same index is running (nothing written; the message names it; set
    HALN_INGEST_LOCK_WAIT_S to wait for it instead).
    """
    from ingest.lock import LockHolder
    from ingest.sync import build_ingestor

    settings = Settings()
    targets = paths or settings.managed_folders()
    for target in targets:
        if not target.exists():
            fail(f"{target.absolute()}: no such file or directory")

    def waiting(holder: LockHolder | None) -> None:
        who = holder.describe() if holder else "another process"
        err_console.print(f"Waiting for the ingest already running ({who}) to finish…")

    with user_errors():
        ingestor = build_ingestor(settings, on_wait=waiting)
        if as_json:
            report = ingestor.sync(targets, rebuild=rebuild, dry_run=dry_run, replace=replace)
        else:
            from cli.progress import RichSyncProgress

            with RichSyncProgress(err_console) as progress:
                report = ingestor.sync(
                    targets, rebuild=rebuild, dry_run=dry_run, progress=progress, replace=replace
                )
    if as_json:
        print_json(report.as_dict())
    else:
        _print_report(report)
    if not report.dry_run and (report.changed or rebuild) and settings.index_snapshots:
        _save_snapshot(settings)
    if run_eval and report.changed and not report.dry_run:
        from cli.eval_cmds import eval_command

        eval_command(compare=settings.project_root / "evals" / "baseline.json", as_json=as_json)
    if report.failed:
        raise typer.Exit(EXIT_PARTIAL)


def _save_snapshot(settings: Settings) -> None:
    """Build and save the index snapshot of the version just written, so API workers and replicas
    starting afterwards restore it instead of building it (those running apply the change as a delta)."""
    import time

    from assistant.service import index_holder

    started = time.perf_counter()
    with user_errors():
        holder = index_holder(settings)
        saved = holder.save_snapshot()
    if saved is None:
        problem = holder.snapshots.problem if holder.snapshots else None
        err_console.print(
            f"[yellow]The search index snapshot was not saved[/] ({problem or 'see the warning above'}). "
            "The ingest itself is complete; API workers build the index themselves."
        )
    else:
        err_console.print(
            f"Search index snapshot saved in {settings.shown(saved)} ({time.perf_counter() - started:.1f}s)."
        )


def _print_report(report: object) -> None:
    from ingest.sync import SyncReport

    assert isinstance(report, SyncReport)
    verb = "Would" if report.dry_run else ""
    table = Table(title=f"{verb} ingest summary".strip().capitalize(), show_header=True)
    table.add_column("added", justify="right")
    table.add_column("updated", justify="right")
    table.add_column("unchanged", justify="right")
    table.add_column("removed", justify="right")
    table.add_column("failed", justify="right")
    table.add_row(
        str(len(report.added)),
        str(len(report.updated)),
        str(len(report.unchanged)),
        str(len(report.removed)),
        f"[red]{len(report.failed)}[/]" if report.failed else "0",
    )
    console.print(table)
    if report.dry_run:
        for label, ids in (("add", report.added), ("update", report.updated), ("remove", report.removed)):
            for doc_id in ids:
                console.print(f"would {label} {doc_id}")
    else:
        for doc_id in report.removed:  # what left the index is never only a count
            console.print(f"removed {doc_id}")
    for problem in report.failed:
        console.print(f"[red]failed[/] {problem.path}: {problem.reason}")
    for problem in report.warnings:
        # Text, not markup: a quoted planted instruction may hold brackets such as "[INST]".
        console.print(Text.assemble(("warning ", "yellow"), f"{problem.path}: {problem.reason}"))
    for path in report.unsupported:
        console.print(f"[dim]skipped {path}: unsupported file type[/]")
    for problem in report.skipped:
        console.print(Text.assemble(("skipped ", "yellow"), f"{problem.path}: {problem.reason}"))
    console.print(
        f"{report.chunks_embedded} chunks embedded in {report.seconds:.1f}s."
        + (" Nothing was written (dry run)." if report.dry_run else "")
    )
    if not report.dry_run and not report.failed:
        console.print('Ask a question: [bold]haln ask "Where do I start with local recruitment?"[/]')


def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Counts of documents and chunks by type, theme and organisation type, and the index fingerprint."""
    from core.errors import IndexMismatchError
    from core.sources import index_stats
    from core.store import ChunkStore

    with user_errors():
        store = ChunkStore.from_settings(Settings())
        try:
            stored = store.load()
        except IndexMismatchError as exc:
            _print_mismatch(store, exc, as_json)
            return
        result = index_stats(stored, {"collection": store.name, **store.shape.as_metadata()})
    if as_json:
        print_json(result.model_dump())
        return
    console.print(f"[bold]{result.documents}[/] documents, [bold]{result.chunks}[/] chunks")
    for label, counts in (
        ("doc_type", result.by_doc_type),
        ("theme", result.by_theme),
        ("org_type", result.by_org_type),
        ("nation", result.by_nation),
    ):
        console.print(f"[bold]by {label}[/]: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    console.print("[bold]fingerprint[/]: " + ", ".join(f"{k}={v}" for k, v in result.fingerprint.items()))


def _print_mismatch(store: object, exc: Exception, as_json: bool) -> None:
    """`haln stats` on an index built with other settings: both fingerprints, so the difference shows."""
    from core.store import ChunkStore

    assert isinstance(store, ChunkStore)
    on_disk = store.on_disk()
    wanted = {"collection": store.name, **store.shape.as_metadata()}
    if as_json:
        print_json({"mismatch": True, "settings": wanted, "on_disk": on_disk, "message": str(exc)})
        return
    console.print(Text.assemble(("index built with other settings ", "yellow"), str(exc)), soft_wrap=True)
    console.print(
        "[bold]current settings[/]: " + ", ".join(f"{k}={v}" for k, v in wanted.items()), soft_wrap=True
    )
    for found in on_disk:
        console.print("[bold]on disk[/]: " + ", ".join(f"{k}={v}" for k, v in found.items()), soft_wrap=True)
