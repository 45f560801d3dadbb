"""Background ingest jobs with progress, one at a time (ingest writes must not interleave)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from ingest.sync import SyncReport


@dataclass
class IngestJob:
    id: str
    kind: Literal["upload", "sync"]
    status: Literal["queued", "running", "done", "failed"] = "queued"
    progress: dict[str, dict[str, int]] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    error: str | None = None

    # SyncProgress protocol
    def start(self, phase: str, total: int) -> None:
        self.progress[phase] = {"done": 0, "total": total}

    def advance(self, phase: str, amount: int = 1) -> None:
        self.progress.setdefault(phase, {"done": 0, "total": 0})["done"] += amount


class JobManager:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")
        self._jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()

    def submit(self, kind: Literal["upload", "sync"], work: Callable[[IngestJob], SyncReport]) -> IngestJob:
        job = IngestJob(id=uuid.uuid4().hex, kind=kind)
        with self._lock:
            self._jobs[job.id] = job

        def run() -> None:
            job.status = "running"
            try:
                job.report = work(job).as_dict()
                job.status = "done"
            except Exception as exc:  # reported through the job, never lost in a thread
                job.error = f"{type(exc).__name__}: {exc}"
                job.status = "failed"

        self._executor.submit(run)
        return job

    def get(self, job_id: str) -> IngestJob | None:
        return self._jobs.get(job_id)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
