"""Removing documents from the index by hand: `haln sources delete ID` and `haln sources prune`.

Both hold the ingest lock, so they never interleave with an ingest's writes. An uploaded document's own
folder goes with it; a corpus file is left on disk (the maintainer owns it) and the result says so.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.errors import HalnError
from core.settings import Settings
from core.store import DocVersion
from ingest.sync import Ingestor


class UnknownDocumentError(HalnError):
    """No document with this id in the index."""


@dataclass(frozen=True)
class RemovedDocument:
    doc_id: str
    chunks_deleted: int
    source_path: str
    file_removed: bool  # an upload's folder was deleted with it
    file_remains: bool  # its file is still on disk: the next ingest of its folder adds it again


def _upload_folder(settings: Settings, source_path: str) -> Path | None:
    """The upload's own folder (directly inside the uploads folder), or None for any other file."""
    if not source_path:
        return None
    folder = Path(source_path).parent
    return folder if folder.parent.resolve() == settings.uploads_dir.resolve() else None


def _remove(
    ingestor: Ingestor, settings: Settings, collection: object, doc_id: str, versions: list[DocVersion]
) -> RemovedDocument:
    ids = [cid for v in versions for cid in v.chunk_ids]
    collection.delete(ids=ids)  # type: ignore[attr-defined]
    live = ingestor.store.live_version(versions) or versions[0]
    folder = _upload_folder(settings, live.source_path)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    return RemovedDocument(
        doc_id,
        len(ids),
        live.source_path,
        file_removed=folder is not None,
        file_remains=folder is None and Path(live.source_path).is_file(),
    )


def delete_documents(ingestor: Ingestor, settings: Settings, doc_ids: list[str]) -> list[RemovedDocument]:
    """Remove these documents; raises `UnknownDocumentError` (removing none) when one is not indexed."""
    with ingestor.lock.held() if ingestor.lock else contextlib.nullcontext():
        collection = ingestor.store.collection()
        versions = ingestor.store.doc_versions(collection)
        unknown = [d for d in doc_ids if d not in versions]
        if unknown:
            raise UnknownDocumentError(
                f"no document with id {', '.join(map(repr, unknown))} in the index; see `haln sources list`"
            )
        removed = [_remove(ingestor, settings, collection, d, versions[d]) for d in doc_ids]
        ingestor.store.bump_generation(collection, doc_ids)
    return removed


def orphans(ingestor: Ingestor) -> dict[str, list[DocVersion]]:
    """Indexed documents whose file no longer exists (its folder was moved or deleted)."""
    versions = ingestor.store.doc_versions(ingestor.store.collection())
    return {
        doc_id: vs
        for doc_id, vs in sorted(versions.items())
        if not Path((ingestor.store.live_version(vs) or vs[0]).source_path).is_file()
    }


def prune(ingestor: Ingestor, settings: Settings, dry_run: bool = False) -> list[RemovedDocument]:
    """Remove every orphan (see `orphans`); with `dry_run`, only name them."""
    if dry_run:
        return [
            RemovedDocument(d, sum(len(v.chunk_ids) for v in vs), vs[0].source_path, False, False)
            for d, vs in orphans(ingestor).items()
        ]
    with ingestor.lock.held() if ingestor.lock else contextlib.nullcontext():
        found = orphans(ingestor)
        collection = ingestor.store.collection()
        removed = [_remove(ingestor, settings, collection, d, vs) for d, vs in found.items()]
        if removed:
            ingestor.store.bump_generation(collection, [r.doc_id for r in removed])
    return removed
