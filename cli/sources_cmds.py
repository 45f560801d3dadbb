"""`haln sources`: list, show, delete and prune the documents in the index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from cli.common import console, err_console, fail, print_json, user_errors
from core.settings import Settings

if TYPE_CHECKING:
    from ingest.manage import RemovedDocument

sources_app = typer.Typer(help="List, inspect and remove the documents in the index.", no_args_is_help=True)


@sources_app.command("list")
def sources_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List every document in the index."""
    from core.sources import summarise_sources
    from core.store import ChunkStore

    with user_errors():
        sources = summarise_sources(ChunkStore.from_settings(Settings()).load().metadatas)
    if as_json:
        print_json([s.model_dump() for s in sources])
        return
    table = Table(title=f"{len(sources)} documents")
    for column in ("id", "type", "nation", "org type", "chunks", "title"):
        table.add_column(column)
    for s in sources:
        table.add_row(s.id, s.doc_type, s.nation, s.org_type, str(s.chunk_count), s.title[:70])
    console.print(table)


@sources_app.command("show")
def sources_show(
    doc_id: Annotated[str, typer.Argument(help="Document id, as shown by `haln sources list`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one document's metadata, sections and chunk count."""
    from core.sources import summarise_sources
    from core.store import ChunkStore

    with user_errors():
        sources = {s.id: s for s in summarise_sources(ChunkStore.from_settings(Settings()).load().metadatas)}
    if doc_id not in sources:
        fail(f"no document with id {doc_id!r}; see `haln sources list`")
    source = sources[doc_id]
    if as_json:
        print_json(source.model_dump())
        return
    for key, value in source.model_dump(exclude={"warnings"}).items():
        console.print(f"[bold]{key}[/]: {value}")
    for warning in source.warnings:
        console.print(Text.assemble(("warning ", "yellow"), warning))


@sources_app.command("delete")
def sources_delete(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids, as shown by `haln sources list`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Remove documents from the index (an uploaded document's file goes with it).

    A corpus file is left on disk, and the next ingest of its folder adds it again: delete or move the
    file too. An unknown id removes nothing (exit 2)."""
    from ingest.manage import delete_documents
    from ingest.sync import build_ingestor

    settings = Settings()
    with user_errors():
        removed = delete_documents(build_ingestor(settings), settings, doc_ids)
    _print_removed(removed, as_json, "deleted")


@sources_app.command("prune")
def sources_prune(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Name the orphans; remove nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Remove documents whose file no longer exists (its folder was moved or deleted)."""
    from ingest.manage import prune
    from ingest.sync import build_ingestor

    settings = Settings()
    with user_errors():
        removed = prune(build_ingestor(settings), settings, dry_run=dry_run)
    _print_removed(removed, as_json, "would remove" if dry_run else "removed")
    if not removed and not as_json:
        console.print("No orphans: every indexed document's file exists.")


def _print_removed(removed: list[RemovedDocument], as_json: bool, verb: str) -> None:
    if as_json:
        print_json([vars(r) for r in removed])
        return
    for r in removed:
        console.print(f"{verb} [bold]{r.doc_id}[/] ({r.chunks_deleted} chunks; file {r.source_path})")
        if r.file_removed:
            console.print("  its upload folder was removed with it")
        if r.file_remains:
            err_console.print(
                f"  [yellow]its file is still on disk[/]: the next ingest of its folder adds it again; "
                f"delete or move {r.source_path}"
            )
