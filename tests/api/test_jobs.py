"""Issue 19, case 4: admin ingest jobs live in the database, so every API worker answers for every job;
jobs carry file names, document ids, timestamps and the admin key's name; an upload that was not indexed
is `failed` and leaves no file behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.jobs import JobManager
from core.db import Database
from core.embedding import Embedder
from core.settings import Settings
from ingest.sync import SyncReport, build_ingestor
from tests.api.conftest import ADMIN_KEY, RunningApi, stop_api
from tests.api.test_uploads import finish, report, upload
from tests.cli_helpers import REPO, haln_env
from tests.conftest import copy_docs, free_port


def wait_for(manager: JobManager, job_id: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = manager.get(job_id)
        assert job is not None
        if job.status in ("done", "failed"):
            return job.status
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def seen_by_another_manager(url: str) -> None:
    db = Database(url)
    db.migrate()
    first, second = JobManager(db), JobManager(Database(db.url))
    job = first.submit("sync", lambda progress: SyncReport(added=["a"]), requested_by="admin")
    assert wait_for(second, job.id) == "done"
    seen = second.get(job.id)
    assert seen is not None and seen.doc_ids == ["a"] and seen.requested_by == "admin"
    assert seen.started_at is not None and seen.finished_at is not None
    assert seen.created_at <= seen.started_at <= seen.finished_at
    assert seen.report is not None and seen.report["added"] == ["a"]


def test_a_job_started_by_one_manager_is_seen_by_another(tmp_path: Path) -> None:
    seen_by_another_manager(f"sqlite:///{tmp_path / 'haln.db'}")


def test_jobs_on_postgresql(pg_url: str) -> None:
    seen_by_another_manager(pg_url)


def test_an_upload_whose_file_failed_is_failed_not_done(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'haln.db'}")
    db.migrate()
    manager = JobManager(db)
    from ingest.sync import FileProblem

    failing = SyncReport(failed=[FileProblem("uploads/x/a.pdf", "not a readable PDF")])
    job = manager.submit("upload", lambda progress: failing, files=["uploads/x/a.pdf"], doc_ids=["a"])
    assert wait_for(manager, job.id) == "failed"
    seen = manager.get(job.id)
    assert seen is not None and "not a readable PDF" in (seen.error or "")
    assert seen.files == ["uploads/x/a.pdf"]


def test_a_job_whose_worker_died_reads_as_failed(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'haln.db'}")
    db.migrate()
    manager = JobManager(db)
    job = manager.submit("sync", lambda progress: time.sleep(30) or SyncReport())  # type: ignore[func-returns-value]
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    host = os.uname().nodename
    manager.store.update(job.id, worker=f"{host}:{int(dead.stdout)}")
    seen = manager.get(job.id)
    assert seen is not None and seen.status == "failed" and "stopped" in (seen.error or "")
    manager.shutdown()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[RunningApi]:
    root = tmp_path_factory.mktemp("jobs")
    corpus = copy_docs(root / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, chroma_url=None)
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers", "2"],
        cwd=REPO,
        env=haln_env(settings.data_dir, HALN_CORPUS_DIR=str(corpus), HALN_ADMIN_API_KEY=ADMIN_KEY),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    running = RunningApi(f"http://127.0.0.1:{port}", settings.data_dir, corpus, process)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, "API exited"
        try:
            if httpx.get(f"{running.url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    yield running
    stop_api(running)


def test_under_two_workers_every_poll_finds_the_job(two_workers: RunningApi) -> None:
    with httpx.Client(
        base_url=two_workers.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60
    ) as admin:
        done = finish(admin, upload(admin, "jobs-report.md", report("Jobs report", "jobs-report", "kale")))
        assert done["status"] == "done", done
        assert done["files"] == [f"uploads/{done['files'][0].split('/')[1]}/jobs-report.md"]
        assert done["doc_ids"] == ["jobs-report"] and done["requested_by"] == "admin"
        assert done["created_at"] and done["started_at"] and done["finished_at"]
        # New connections, so the kernel spreads the polls over both workers.
        codes = {
            httpx.get(f"{two_workers.url}/v1/ingest/{done['id']}", headers=admin.headers).status_code
            for _ in range(12)
        }
        assert codes == {200}

        broken = admin.post(
            "/v1/ingest",
            files={"file": ("broken.pdf", b"%PDF-1.4 not really a pdf", "application/pdf")},
            data={
                "metadata": json.dumps(
                    {
                        "title": "Broken upload",
                        "source_url": "https://example.org/broken",
                        "publisher": "Ex",
                        "doc_type": "report",
                        "nation": "England",
                        "org_type": "nhs_trust",
                        "themes": ["workforce"],
                    }
                )
            },
        )
        failed = finish(admin, broken)
        assert failed["status"] == "failed" and "PDF" in failed["error"], failed
        assert not list((two_workers.data_dir / "uploads").glob("**/broken.pdf"))


def test_two_uploads_at_once_on_two_workers_both_finish(two_workers: RunningApi) -> None:
    """The one-at-a-time rule holds across workers: each job waits for the shared ingest lock."""
    with httpx.Client(
        base_url=two_workers.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60
    ) as admin:
        started = [
            upload(admin, f"{slug}.md", report(f"Report {slug}", slug, "kale"))
            for slug in ("first-of-two", "second-of-two")
        ]
        finished = [finish(admin, response) for response in started]
        assert [job["status"] for job in finished] == ["done", "done"], finished
        listed = admin.get("/v1/sources", params={"limit": 200}).text
        assert "first-of-two" in listed and "second-of-two" in listed
