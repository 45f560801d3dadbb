"""Admin ingest jobs: run in a background thread of the worker that took the request, recorded in the
database so that every worker (`haln serve --workers N`) answers for every job.

Writes to the index never interleave: each job's sync holds the index's ingest lock (a file in the data
folder, or a marker on the Chroma server), which every worker and `haln ingest` share.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from core.db import Database, JobRecord, JobStore, utcnow
from ingest.sync import SyncReport

PROGRESS_EVERY_S = 0.5  # progress is written to the database at most this often (and at each phase start)
WORKER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class IngestJob:
    """The running side of one job: collects progress (the `SyncProgress` protocol) and writes it."""

    id: str
    store: JobStore
    progress: dict[str, dict[str, int]] = field(default_factory=dict)
    _written: float = 0.0

    def start(self, phase: str, total: int) -> None:
        self.progress[phase] = {"done": 0, "total": total}
        self._write(force=True)

    def advance(self, phase: str, amount: int = 1) -> None:
        self.progress.setdefault(phase, {"done": 0, "total": 0})["done"] += amount
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._written >= PROGRESS_EVERY_S:
            self._written = now
            self.store.update(self.id, progress=self.progress)


def outcome(kind: str, report: SyncReport, doc_ids: list[str]) -> str | None:
    """Why a finished sync counts as failed, or None: an upload whose document was not indexed, a sync in
    which any file failed."""
    problems = [f"{p.path}: {p.reason}" for p in report.failed + report.warnings]
    if kind == "upload":
        indexed = set(report.added + report.updated + report.unchanged)
        if not set(doc_ids) <= indexed:
            return "; ".join(problems) or "the document was not indexed"
        return None
    if report.failed:
        return f"{len(report.failed)} file(s) failed: " + "; ".join(problems)
    return None


class JobManager:
    def __init__(self, db: Database) -> None:
        self.store = JobStore(db)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")
        self._lock = threading.Lock()

    def submit(
        self,
        kind: Literal["upload", "sync"],
        work: Callable[[IngestJob], SyncReport],
        files: list[str] | None = None,
        doc_ids: list[str] | None = None,
        requested_by: str | None = None,
    ) -> JobRecord:
        record = JobRecord(
            id=uuid.uuid4().hex,
            kind=kind,
            status="queued",
            created_at=utcnow(),
            started_at=None,
            finished_at=None,
            requested_by=requested_by,
            worker=WORKER,
            files=files or [],
            doc_ids=doc_ids or [],
            progress={},
            report=None,
            error=None,
        )
        self.store.create(record)
        job = IngestJob(record.id, self.store)

        def run() -> None:
            self.store.update(job.id, status="running", started_at=utcnow())
            try:
                report = work(job)
            except Exception as exc:  # reported through the job, never lost in a thread
                self.store.update(
                    job.id, status="failed", finished_at=utcnow(), error=f"{type(exc).__name__}: {exc}"
                )
                return
            ids = record.doc_ids or sorted(set(report.added + report.updated + report.removed))
            failed = outcome(kind, report, record.doc_ids)
            self.store.update(
                job.id,
                status="failed" if failed else "done",
                finished_at=utcnow(),
                progress=job.progress,
                report=report.as_dict(),
                doc_ids=ids,
                error=failed,
            )

        self._executor.submit(run)
        return record

    def get(self, job_id: str) -> JobRecord | None:
        record = self.store.get(job_id)
        if record is not None and record.status in ("queued", "running") and _worker_gone(record.worker):
            error = "the API worker running this job stopped before it finished; send the upload again"
            self.store.update(job_id, status="failed", finished_at=utcnow(), error=error)
            record = self.store.get(job_id)
        return record

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _worker_gone(worker: str) -> bool:
    """Whether the worker process that owns a job is gone (only known for workers on this host)."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
