"""One ingest at a time per index: a lock file in the data folder for the embedded store, a marker
collection on the Chroma server in server mode. A second ingest waits up to HALN_INGEST_LOCK_WAIT_S for
the one running, then refuses with `IngestLockedError` naming the holder (pid, host, start time).

The embedded lock is `fcntl.flock` on `data_dir/ingest.lock`, which also holds the holder's record:
the kernel drops the lock when its process dies, so a killed ingest never leaves it stale. (The
`filelock` package truncates the lock file on every attempt, which would erase the record a waiting
ingest reads.) A Chroma server has no such lock, so the marker collection is created (an atomic
create-if-absent), refreshed by a heartbeat while the ingest runs, and taken over when its heartbeat is
older than `STALE_AFTER_S` or its holder is a dead process on this host.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from core.errors import IngestLockedError, StoreUnavailableError

LOCK_FILE = "ingest.lock"
HEARTBEAT_S = 10.0
STALE_AFTER_S = 60.0
POLL_S = 0.5


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    started_at: float

    @classmethod
    def me(cls) -> LockHolder:
        return cls(os.getpid(), socket.gethostname(), time.time())

    def describe(self) -> str:
        started = dt.datetime.fromtimestamp(self.started_at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"pid {self.pid} on {self.host}, started {started}"

    @classmethod
    def parse(cls, data: Any) -> LockHolder | None:
        try:
            return cls(int(data["pid"]), str(data["host"]), float(data["started_at"]))
        except (KeyError, TypeError, ValueError):
            return None


class IngestLock(Protocol):
    def held(self) -> contextlib.AbstractContextManager[None]:
        """Hold the lock for the body of the `with`; raises `IngestLockedError` when it stays taken."""
        ...


def _refuse(holder: LockHolder | None, where: str, waited_s: float) -> IngestLockedError:
    who = holder.describe() if holder else "another process (its record is unreadable)"
    waited = f" after waiting {waited_s:g} s" if waited_s > 0 else ""
    return IngestLockedError(
        f"another ingest is running on {where}: {who}. Nothing was written{waited}; run the ingest again "
        "when it has finished (or set HALN_INGEST_LOCK_WAIT_S to wait for it)."
    )


def _wait(
    attempt: Callable[[], LockHolder | None],
    wait_s: float,
    where: str,
    on_wait: Callable[[LockHolder | None], None] | None,
) -> None:
    """Call `attempt` (None: acquired, else the holder) until it succeeds or `wait_s` has passed."""
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        holder = attempt()
        if holder is None:
            return
        if time.monotonic() >= deadline:
            raise _refuse(holder, where, wait_s)
        if on_wait is not None and not told:
            on_wait(holder)
            told = True
        time.sleep(POLL_S)


class FileIngestLock:
    """The embedded store's lock: `flock` on a file in the data folder that records its holder."""

    def __init__(
        self, data_dir: Path, wait_s: float = 0.0, on_wait: Callable[[LockHolder | None], None] | None = None
    ) -> None:
        self.path = data_dir / LOCK_FILE
        self.wait_s = wait_s
        self.on_wait = on_wait

    def holder(self) -> LockHolder | None:
        try:
            return LockHolder.parse(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreUnavailableError(
                f"cannot write in {self.path.parent} ({exc.strerror}): an ingest needs a writable data "
                "folder; reading (haln ask, haln stats) works without one"
            ) from exc
        try:

            def attempt() -> LockHolder | None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return self.holder() or LockHolder(0, "unknown", 0.0)
                return None

            _wait(attempt, self.wait_s, str(self.path.parent), self.on_wait)
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(asdict(LockHolder.me())).encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class ChromaIngestLock:
    """Server mode's lock: a marker collection on the Chroma server, named apart from the indexes."""

    def __init__(
        self,
        client: Callable[[], Any],
        prefix: str,
        where: str,
        wait_s: float = 0.0,
        on_wait: Callable[[LockHolder | None], None] | None = None,
        stale_after_s: float = STALE_AFTER_S,
    ) -> None:
        self._client = client
        # Not "<prefix>_…": collections with that prefix are indexes (core.store.ChunkStore._ours).
        self.name = f"{prefix}-ingest-lock"
        self.where = where
        self.wait_s = wait_s
        self.on_wait = on_wait
        self.stale_after_s = stale_after_s

    def holder(self) -> tuple[LockHolder | None, float]:
        """The recorded holder and its last heartbeat (0.0 when there is no marker)."""
        try:
            meta = self._client().get_collection(self.name, embedding_function=None).metadata or {}
        except Exception:
            return None, 0.0
        return LockHolder.parse(meta), float(meta.get("heartbeat", 0.0) or 0.0)

    def _stale(self, holder: LockHolder | None, heartbeat: float) -> bool:
        if time.time() - heartbeat > self.stale_after_s:
            return True
        if holder is not None and holder.host == socket.gethostname():
            try:
                os.kill(holder.pid, 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                return False
        return False

    def _attempt(self, me: LockHolder) -> LockHolder | None:
        client = self._client()
        meta = {**asdict(me), "heartbeat": time.time()}
        try:
            client.create_collection(self.name, metadata=meta, embedding_function=None)
            return None
        except Exception as exc:
            if not self._exists(client):
                raise StoreUnavailableError(f"cannot take the ingest lock on {self.where}: {exc}") from exc
        holder, heartbeat = self.holder()
        if self._stale(holder, heartbeat):
            with contextlib.suppress(Exception):
                client.delete_collection(self.name)
            return self._attempt(me) if not self._exists(client) else holder
        return holder or LockHolder(0, "unknown", 0.0)

    def _exists(self, client: Any) -> bool:
        try:
            client.get_collection(self.name, embedding_function=None)
        except Exception:
            return False
        return True

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        me = LockHolder.me()
        _wait(lambda: self._attempt(me), self.wait_s, self.where, self.on_wait)
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(HEARTBEAT_S):
                with contextlib.suppress(Exception):
                    marker = self._client().get_collection(self.name, embedding_function=None)
                    marker.modify(metadata={**asdict(me), "heartbeat": time.time()})

        beater = threading.Thread(target=beat, name="ingest-lock-heartbeat", daemon=True)
        beater.start()
        try:
            yield
        finally:
            stop.set()
            beater.join()
            with contextlib.suppress(Exception):
                self._client().delete_collection(self.name)
