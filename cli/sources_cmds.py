"""`haln sources`: list, show, delete and prune the documents in the index."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from cli.common import console, err_console, fail, print_json, user_errors
from core.settings import Settings

if TYPE_CHECKING:
    from ingest.manage import RemovedDocument

TITLE_MIN = 30
sources_app = typer.Typer(help="List, inspect and remove the documents in the index.", no_args_is_help=True)


@sources_app.command("list")
def sources_list(
    doc_type: Annotated[
        list[str] | None, typer.Option("--type", help="Only this document type (repeatable).")
    ] = None,
    theme: Annotated[
        list[str] | None, typer.Option(help="Only documents with this theme (repeatable).")
    ] = None,
    org_type: Annotated[
        list[str] | None, typer.Option(help="Only this organisation type (repeatable).")
    ] = None,
    nation: Annotated[list[str] | None, typer.Option(help="Only this nation (repeatable).")] = None,
    stale: Annotated[
        bool, typer.Option("--stale", help="Only documents with no date or dated before --stale-years ago.")
    ] = False,
    stale_years: Annotated[int, typer.Option(min=1, help="How old counts as stale, in years.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the documents in the index; filter by type, theme, org type, nation, or --stale (oldest first)."""
    import datetime as dt

    from core.sources import summarise_sources
    from core.store import ChunkStore

    with user_errors():
        sources = summarise_sources(ChunkStore.from_settings(Settings()).load().metadatas)
    cutoff = str(dt.date.today().year - stale_years)
    sources = [
        s
        for s in sources
        if (not doc_type or s.doc_type in doc_type)
        and (not theme or set(theme) & set(s.themes))
        and (not org_type or s.org_type in org_type)
        and (not nation or s.nation in nation)
        and (not stale or not s.date or s.date[:4] < cutoff)
    ]
    if stale:
        sources.sort(key=lambda s: s.date or "")
    if as_json:
        print_json([s.model_dump() for s in sources])
        return
    table = Table(title=f"{len(sources)} documents")
    rows = [
        (s.id, s.date or "-", s.doc_type, s.nation, s.org_type, str(s.chunk_count), s.title) for s in sources
    ]
    headers = ("id", "date", "type", "nation", "org type", "chunks")
    # Every column but the title is shown whole (ids were cut at 160 columns); the title folds.
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    for header, width in zip(headers, widths, strict=True):
        table.add_column(header, no_wrap=True, min_width=width)
    table.add_column("title", overflow="fold", min_width=TITLE_MIN)
    for row in rows:
        table.add_row(*row)
    needed = sum(widths) + TITLE_MIN + 3 * (len(widths) + 1) + 1  # columns, title, borders and padding
    console.print(table, width=max(console.width, needed), crop=False)


@sources_app.command("chunks")
def sources_chunks(
    target: Annotated[
        str, typer.Argument(help="A document id in the index, or a file to chunk without ingesting.")
    ],
    full: Annotated[bool, typer.Option("--full", help="Print each chunk's whole text.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show how a document is (or a file would be) cut into chunks: page, section, size and text."""
    settings = Settings()
    path = Path(target)
    rows: list[dict[str, object]] = []
    with user_errors():
        if path.is_file():
            from ingest.chunking import chunk_document, make_splitter
            from ingest.loaders import load_document

            doc = load_document(path, settings.max_file_bytes)
            for c in chunk_document(doc, make_splitter(settings.chunk_size, settings.chunk_overlap)):
                rows.append({"index": c.index, "page": c.page, "section": c.section, "text": c.text})
        else:
            from core.store import ChunkStore

            stored = ChunkStore.from_settings(settings).load()
            for text, meta in zip(stored.texts, stored.metadatas, strict=True):
                if meta["doc_id"] == target:
                    page = int(meta.get("page", -1))
                    rows.append(
                        {
                            "index": int(meta["chunk_index"]),
                            "page": page if page > 0 else None,
                            "section": str(meta.get("section", "")),
                            "text": text,
                        }
                    )
            if not rows:
                fail(
                    f"no document with id {target!r} in the index, and no such file; see `haln sources list`"
                )
    rows.sort(key=lambda r: int(str(r["index"])))
    if as_json:
        print_json(rows)
        return
    for row in rows:
        text = str(row["text"])
        where = f" page {row['page']}" if row["page"] else ""
        console.print(
            Text.assemble(
                (f"#{row['index']}{where} ", "bold"), f"[{row['section']}] ", f"{len(text.split())} words"
            )
        )
        console.print(Text(text if full else text[:240] + ("…" if len(text) > 240 else "")), soft_wrap=True)
    console.print(
        f"{len(rows)} chunks (chunk_size {settings.chunk_size} tokens, overlap {settings.chunk_overlap})."
    )


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


CATALOGUE_COLUMNS = ("id", "title", "source_url", "publisher", "doc_type", "nation", "org_type", "themes")


@sources_app.command("catalogue")
def sources_catalogue(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="TSV file to write. Default: standard output.")
    ] = None,
) -> None:
    """The indexed documents as rows in corpus/catalogue.tsv's format (tab-separated, themes joined by `;`,
    `key_facts` left empty to fill in), for documents that have no row yet."""
    import csv
    import io

    from core.sources import summarise_sources
    from core.store import ChunkStore

    with user_errors():
        sources = summarise_sources(ChunkStore.from_settings(Settings()).load().metadatas)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([*CATALOGUE_COLUMNS, "key_facts"])
    for s in sorted(sources, key=lambda s: s.id):
        writer.writerow(
            [
                s.id,
                s.title,
                s.source_url,
                s.publisher,
                s.doc_type,
                s.nation,
                s.org_type,
                ";".join(s.themes),
                "",
            ]
        )
    if output is None:
        sys.stdout.write(buffer.getvalue())
        return
    output.write_text(buffer.getvalue(), encoding="utf-8")
    console.print(f"Wrote {len(sources)} rows to {Settings().shown(output)}.", soft_wrap=True)


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
    settings = Settings()
    for r in removed:
        shown = settings.shown(r.source_path)
        console.print(f"{verb} [bold]{r.doc_id}[/] ({r.chunks_deleted} chunks; file {shown})", soft_wrap=True)
        if r.file_removed:
            console.print("  its upload folder was removed with it")
        if r.file_remains:
            err_console.print(
                f"  [yellow]its file is still on disk[/]: the next ingest of its folder adds it again; "
                f"delete or move {shown}",
                soft_wrap=True,
            )
