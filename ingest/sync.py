"""Incremental sync of files into the chunk store.

Order of writes per document: upsert the new version's chunks, then delete its older versions.
Readers only serve the newest *complete* version of a document, so a run killed at any point
leaves the previous index answering, and the next run finishes the job.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from core.embedding import Embedder
from core.errors import DiskSpaceError, DocumentError
from core.settings import Settings, find_project_root
from core.store import ChunkStore, DocVersion
from ingest.chunking import Chunk, chunk_document, chunk_metadata, make_splitter
from ingest.discover import discover
from ingest.loaders import (
    MIB,
    ImageOnlyPdfWarning,
    LoadedDocument,
    QuarantinedDocumentWarning,
    content_hash,
    load_document,
    read_metadata,
    slugify,
)
from ingest.lock import ChromaIngestLock, FileIngestLock, IngestLock, LockHolder

Action = Literal["added", "updated", "unchanged", "removed"]


class SyncProgress(Protocol):
    """Receives progress; the CLI draws it as Rich progress bars."""

    def start(self, phase: str, total: int) -> None: ...

    def advance(self, phase: str, amount: int = 1) -> None: ...


class NoProgress:
    def start(self, phase: str, total: int) -> None:
        pass

    def advance(self, phase: str, amount: int = 1) -> None:
        pass


@dataclass
class FileProblem:
    path: str
    reason: str
    field: str | None = None


@dataclass
class Quarantine:
    """Planted instructions removed from one file (or the whole file, when `whole_document`)."""

    path: str
    doc_id: str | None
    whole_document: bool
    notes: list[str]


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[FileProblem] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    skipped: list[FileProblem] = field(default_factory=list)
    quarantined: list[Quarantine] = field(default_factory=list)
    chunks_embedded: int = 0
    dry_run: bool = False
    rebuild: bool = False
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [vars(p) for p in self.failed],
            "warnings": [vars(p) for p in self.warnings],
            "unsupported": self.unsupported,
            "skipped": [vars(p) for p in self.skipped],
            "quarantined": [vars(q) for q in self.quarantined],
            "chunks_embedded": self.chunks_embedded,
            "dry_run": self.dry_run,
            "rebuild": self.rebuild,
            "seconds": round(self.seconds, 3),
            "embed_seconds": round(self.embed_seconds, 3),
        }


@dataclass
class _Pending:
    doc: LoadedDocument
    chunks: list[Chunk]
    action: Action


@functools.lru_cache(maxsize=8)
def _root_for(cwd: str) -> Path:
    return find_project_root(Path(cwd))


def display_path(path: Path, follow: bool = True) -> str:
    """The path relative to the project root when it is under it, else absolute, whatever the working
    folder; `follow=False` for links that may loop or dangle (resolving a symlink loop raises)."""
    absolute = path.resolve() if follow else path.absolute()
    try:
        return str(absolute.relative_to(_root_for(str(Path.cwd()))))
    except ValueError:
        return str(absolute)


def _within(source_path: str, roots: Sequence[Path]) -> bool:
    path = Path(source_path)
    return any(path == root or root in path.parents for root in roots)


class Ingestor:
    """Syncs files into one store with one embedder; both injected so tests can use their own."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        chunk_size: int,
        chunk_overlap: int,
        max_file_bytes: int,
        data_dir: Path | None = None,
        min_free_mb: float = 0.0,
        lock: IngestLock | None = None,
    ) -> None:
        """With `data_dir`, writing stops before it starts when that filesystem has under `min_free_mb`;
        with `lock`, a run that writes holds it from reading the index to its last write."""
        self.lock = lock
        self.data_dir = data_dir
        self.min_free_mb = min_free_mb
        self.store = store
        self.embedder = embedder
        self.splitter = make_splitter(chunk_size, chunk_overlap)
        self.max_file_bytes = max_file_bytes

    def sync(
        self,
        paths: Sequence[Path],
        rebuild: bool = False,
        dry_run: bool = False,
        progress: SyncProgress | None = None,
        replace: bool = False,
    ) -> SyncReport:
        """With `replace`, a file may take over a document id or source_url that another (still present)
        file owns in the index; without it such a file fails naming the owner."""
        holding = self.lock.held() if self.lock and not dry_run else contextlib.nullcontext()
        with holding:
            try:
                return self._sync(paths, rebuild, dry_run, progress, replace)
            except Exception as exc:
                if not disk_full(exc):
                    raise
                where = self.data_dir if self.data_dir is not None else self.store.where
                raise DiskSpaceError(
                    f"the disk of {where} filled up while the ingest was writing ({_first_line(exc)}). "
                    "Documents written before that stay indexed and the index keeps answering; free some "
                    "space (HALN_MIN_FREE_MB sets the margin checked before writing), then ingest again."
                ) from exc

    def _sync(
        self,
        paths: Sequence[Path],
        rebuild: bool,
        dry_run: bool,
        progress: SyncProgress | None,
        replace: bool,
    ) -> SyncReport:
        started = time.perf_counter()
        progress = progress or NoProgress()
        report = SyncReport(dry_run=dry_run, rebuild=rebuild)
        found = discover(list(paths))
        report.unsupported = [display_path(p) for p in found.unsupported]
        report.skipped = [FileProblem(display_path(p, follow=False), why) for p, why in found.skipped]
        if not dry_run:
            self.check_free_space()

        previous = self.store.previous_versions() if rebuild else {}
        if rebuild and not dry_run:
            collection = self.store.collection(rebuilding=True)
            existing: dict[str, list[DocVersion]] = {}
        elif dry_run:
            # Creates nothing, and fails on an index built with other settings as the real run would
            # (a rebuild replaces such an index, so its dry run reports every document as added).
            collection, existing = None, (self.store.peek_versions() or {}) if not rebuild else {}
        else:
            collection = self.store.collection(create=True)
            existing = self.store.doc_versions(collection)
        # Identity is checked against the whole index: the one being replaced, on a rebuild.
        indexed = previous if rebuild else existing
        if rebuild:
            # A rebuild keeps every indexed document whose file is still there (uploads, files ingested
            # from other folders), not only those under the folders scanned now.
            carried = self._carried_files(previous, found.roots)
            found.files.extend(carried)
            found.roots.extend(p.resolve() for p in carried)

        pending, seen_ids, failed_paths, displaced = self._load_changed(
            found.files, existing, indexed, report, progress, replace
        )
        self._embed_and_write(collection, pending, existing, report, progress, dry_run)

        # Documents whose file is gone (under the scanned folders) leave the index; a file that failed
        # to load this time keeps its previous version, so bad input never loses indexed content.
        cleaned: set[str] = set()  # older versions removed now (one an interrupted run left may be live)
        for doc_id, versions in sorted(existing.items()):
            if doc_id in seen_ids:
                live = self.store.live_version(versions)
                stale = [v for v in versions if v is not live]
                if stale and not dry_run:
                    collection.delete(ids=[cid for v in stale for cid in v.chunk_ids])
                    cleaned.add(doc_id)
                continue
            source_path = versions[0].source_path
            if doc_id not in displaced and (
                source_path in failed_paths or not _within(source_path, found.roots)
            ):
                continue
            report.removed.append(doc_id)
            if not dry_run:
                collection.delete(ids=[cid for v in versions for cid in v.chunk_ids])
        if rebuild and not dry_run:
            # The fresh index holds only what was read now: everything else has left it.
            report.removed = sorted(set(previous) - seen_ids)

        if not dry_run and collection is not None:
            if rebuild:
                self.store.finish_rebuild(collection)
            if report.changed or rebuild or cleaned:
                # The documents changed, for readers that apply a change as a delta (unknown on a rebuild).
                changed = None if rebuild else {*report.added, *report.updated, *report.removed, *cleaned}
                self.store.bump_generation(self.store.collection(), changed)
        report.seconds = time.perf_counter() - started
        return report

    def _carried_files(self, previous: dict[str, list[DocVersion]], roots: Sequence[Path]) -> list[Path]:
        carried: list[Path] = []
        for versions in previous.values():
            live = self.store.live_version(versions) or versions[0]
            path = Path(live.source_path)
            if live.source_path and not _within(live.source_path, roots) and path.is_file():
                carried.append(path)
        return sorted(set(carried))

    def check_free_space(self) -> None:
        if self.data_dir is not None:
            check_free_space(self.data_dir, self.min_free_mb)

    def _load_changed(
        self,
        files: list[Path],
        existing: dict[str, list[DocVersion]],
        indexed: dict[str, list[DocVersion]],
        report: SyncReport,
        progress: SyncProgress,
        replace: bool,
    ) -> tuple[list[_Pending], set[str], set[str], set[str]]:
        """Files to write, the ids read now, the paths that failed and, with `replace`, the documents
        whose source_url a file in this run took over."""
        progress.start("files", len(files))
        displaced: set[str] = set()
        pending: list[_Pending] = []
        seen_ids: set[str] = set()
        failed_paths: set[str] = set()

        def fail(path: Path, problem: FileProblem, warning: bool = False) -> None:
            (report.warnings if warning else report.failed).append(problem)
            failed_paths.add(str(path.resolve()))
            progress.advance("files")

        claims: list[tuple[Path, str, str]] = []
        for path in files:
            try:
                if path.stat().st_size > self.max_file_bytes:
                    load_document(path, self.max_file_bytes)  # raises the size error
                meta = read_metadata(path)
                claims.append((path, meta.id or slugify(path.stem), str(meta.source_url)))
            except DocumentError as error:
                fail(path, FileProblem(display_path(path), error.problem, error.field))
        owners = self._claim_owners(claims, existing)
        in_run = {str(path.resolve()) for path, _, _ in claims}
        held = identity_owners(indexed)

        for path, doc_id, url in claims:
            shown = display_path(path)
            if taken := held.conflict(path, doc_id, url, in_run):
                if not replace:
                    fail(path, FileProblem(shown, taken[1], taken[0]))
                    continue
                if taken[0] == "source_url":  # the document that had this source_url leaves the index
                    displaced.add(held.by_url[url][0])
            owner = owners[("url", url)]
            if owner != path:
                fail(
                    path,
                    FileProblem(
                        shown, f"source_url {url} is already claimed by {display_path(owner)}", "source_url"
                    ),
                )
                continue
            if owners[("id", doc_id)] != path:
                fail(
                    path,
                    FileProblem(
                        shown,
                        f"document id {doc_id!r} is already used by {display_path(owners[('id', doc_id)])}",
                        "id",
                    ),
                )
                continue
            try:
                live = self.store.live_version(existing.get(doc_id, []))
                moved = live is not None and live.source_path != str(path.resolve())
                if live is not None and live.doc_hash == content_hash(path) and not moved:
                    report.unchanged.append(doc_id)
                    seen_ids.add(doc_id)
                    progress.advance("files")
                    continue
                doc = load_document(path, self.max_file_bytes)
                chunks = chunk_document(doc, self.splitter)
                if not chunks:
                    raise DocumentError(path, "no text to index after extraction")
            except QuarantinedDocumentWarning as warning:
                report.quarantined.append(Quarantine(shown, doc_id, True, [warning.problem]))
                fail(path, FileProblem(shown, warning.problem), warning=True)
                continue
            except ImageOnlyPdfWarning as warning:
                fail(path, FileProblem(shown, warning.problem), warning=True)
                continue
            except DocumentError as error:
                fail(path, FileProblem(shown, error.problem, error.field))
                continue
            except OSError as error:
                fail(path, FileProblem(shown, f"cannot read file: {error}"))
                continue
            if doc.quarantine_notes:
                details = [note.detail() for note in doc.quarantine_notes]
                report.quarantined.append(Quarantine(shown, doc_id, False, details))
                report.warnings.extend(FileProblem(shown, detail) for detail in details)
            seen_ids.add(doc_id)
            pending.append(_Pending(doc, chunks, "updated" if doc_id in existing else "added"))
            progress.advance("files")
        return pending, seen_ids, failed_paths, displaced - seen_ids

    @staticmethod
    def _claim_owners(
        claims: list[tuple[Path, str, str]], existing: dict[str, list[DocVersion]]
    ) -> dict[tuple[str, str], Path]:
        """Who keeps a contested source_url or id: the file already indexed under it, else the first."""
        indexed = {(v.source_url, v.source_path) for vs in existing.values() for v in vs}
        owners: dict[tuple[str, str], Path] = {}
        for path, doc_id, url in claims:
            incumbent = (url, str(path.resolve())) in indexed
            for key in (("url", url), ("id", doc_id)):
                if key not in owners or incumbent:
                    owners[key] = path
        return owners

    def _embed_and_write(
        self,
        collection: Any,
        pending: list[_Pending],
        existing: dict[str, list[DocVersion]],
        report: SyncReport,
        progress: SyncProgress,
        dry_run: bool,
    ) -> None:
        total = sum(len(p.chunks) for p in pending)
        progress.start("chunks", total)
        for item in pending:
            getattr(report, item.action).append(item.doc.doc_id)
        if dry_run or not pending:
            return
        # Embed across documents in full batches (throughput), write one document at a time (safety).
        texts = [c.embedding_text(p.doc.meta.title) for p in pending for c in p.chunks]
        embed_started = time.perf_counter()
        vectors = self.embedder.embed_texts(texts, on_batch=lambda n: progress.advance("chunks", n))
        report.embed_seconds = time.perf_counter() - embed_started
        report.chunks_embedded = len(texts)
        self.check_free_space()  # again: embedding a large corpus takes minutes
        offset = 0
        for item in pending:
            n = len(item.chunks)
            ingested_at = time.time()
            display = display_path(item.doc.path)
            collection.upsert(
                ids=[c.chunk_id for c in item.chunks],
                embeddings=vectors[offset : offset + n],
                documents=[c.text for c in item.chunks],
                metadatas=[chunk_metadata(item.doc, c, n, display, ingested_at) for c in item.chunks],
            )
            offset += n
            old = [
                cid
                for v in existing.get(item.doc.doc_id, [])
                if v.doc_hash != item.doc.content_hash
                for cid in v.chunk_ids
            ]
            if old:
                collection.delete(ids=old)


@dataclass
class IdentityOwners:
    """Which file holds each document id and source_url in the index."""

    by_id: dict[str, tuple[str, str]]  # doc id -> (source_path, source_url)
    by_url: dict[str, tuple[str, str]]  # source_url -> (doc id, source_path)

    def conflict(self, path: Path, doc_id: str, url: str, in_run: set[str]) -> tuple[str, str] | None:
        """(field, reason) when `path` would take an id or source_url another file still owns.

        The owner counts while its file exists and is not part of this run (a file that moved, or whose
        old copy was deleted, takes its document over; one read now is settled between the files)."""
        mine = str(path.resolve())

        def other(source_path: str) -> bool:
            return (
                bool(source_path)
                and source_path != mine
                and source_path not in in_run
                and (Path(source_path).is_file())
            )

        if doc_id in self.by_id and other(owner := self.by_id[doc_id][0]):
            return "id", (
                f"document id {doc_id!r} is already used by {display_path(Path(owner))}; give this file "
                "another `id`, or pass --replace to replace that document with it"
            )
        if url in self.by_url:
            owner_id, owner_path = self.by_url[url]
            if owner_id != doc_id and other(owner_path):
                return "source_url", (
                    f"source_url {url} is already the source of document {owner_id!r} "
                    f"({display_path(Path(owner_path))}); pass --replace to replace that document with "
                    "this file"
                )
        return None


def identity_owners(indexed: dict[str, list[DocVersion]]) -> IdentityOwners:
    by_id: dict[str, tuple[str, str]] = {}
    by_url: dict[str, tuple[str, str]] = {}
    for doc_id, versions in indexed.items():
        live = ChunkStore.live_version(versions) or max(versions, key=lambda v: v.ingested_at)
        by_id[doc_id] = (live.source_path, live.source_url)
        if live.source_url:
            by_url.setdefault(live.source_url, (doc_id, live.source_path))
    return IdentityOwners(by_id, by_url)


# How a full disk shows through Chroma (SQLite, its Rust log compaction) and the OS.
DISK_FULL = ("disk is full", "no space left", "failed to apply logs", "database or disk is full")


def disk_full(exc: BaseException) -> bool:
    """Whether `exc` (or an error it was raised from) is the disk running out of space."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if any(sign in str(seen).lower() for sign in DISK_FULL):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def check_free_space(data_dir: Path, min_free_mb: float) -> None:
    """Refuse to write on a nearly full disk: Chroma fails inside its compaction there and leaves the
    index unreadable until space is freed. Raises `DiskSpaceError` naming the free and needed space."""
    if min_free_mb <= 0:
        return
    probe = data_dir.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < min_free_mb * MIB:
        raise DiskSpaceError(
            f"only {free / MIB:.0f} MiB free on the disk of {data_dir}, under the {min_free_mb:g} MiB "
            "an ingest needs (HALN_MIN_FREE_MB); nothing was written. Free some space (or lower "
            "HALN_MIN_FREE_MB) and run the ingest again."
        )


def ingest_lock(
    settings: Settings, store: ChunkStore, on_wait: Callable[[LockHolder | None], None] | None = None
) -> IngestLock:
    """The lock for this index: a file in the data folder, or a marker on the Chroma server."""
    if settings.chroma_url:
        return ChromaIngestLock(
            lambda: store.client,
            settings.collection_prefix,
            settings.chroma_url,
            settings.ingest_lock_wait_s,
            on_wait,
        )
    return FileIngestLock(settings.data_dir, settings.ingest_lock_wait_s, on_wait)


def build_ingestor(
    settings: Settings,
    embedder: Embedder | None = None,
    on_wait: Callable[[LockHolder | None], None] | None = None,
) -> Ingestor:
    """`on_wait` hears once that another ingest holds the lock and this one is waiting for it."""
    from core.embedding import LazyEmbedder

    store = ChunkStore.from_settings(settings)
    return Ingestor(
        store=store,
        embedder=embedder or LazyEmbedder(settings),
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        max_file_bytes=settings.max_file_bytes,
        data_dir=settings.data_dir,
        min_free_mb=settings.min_free_mb,
        lock=ingest_lock(settings, store, on_wait),
    )
