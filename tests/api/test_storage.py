"""Feedback and answer-log storage on SQLite and on a real PostgreSQL server; readiness with the store down."""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.db import AnswerLog, Database
from core.embedding import Embedder
from core.schemas import Answer
from core.settings import Settings
from ingest.sync import build_ingestor
from tests.api.conftest import start_api, stop_api
from tests.cli_helpers import run_haln
from tests.conftest import copy_docs, free_port
from tests.ingest.test_server_and_crash import (  # noqa: F401  (chroma_server is a fixture)
    chroma_server,
    start_chroma,
    stop_chroma,
)

ANSWER = Answer(answer="x [1]", citations=[], refused=False, backend="extractive")


def exercise(db: Database) -> None:
    db.migrate()
    db.migrate()  # idempotent
    db.ping()
    answer_id = db.log_answer("Where do I start?", ANSWER, 12.5)
    feedback_id = db.add_feedback(answer_id, "down", "vague", "needs examples", None)
    with pytest.raises(KeyError):
        db.add_feedback("missing", "up", None, None, None)
    rows = db.list_feedback("down")
    assert [(r.id, r.question, r.reason) for r in rows] == [(feedback_id, "Where do I start?", "vague")]
    # Retention: an old log row is purged, newer ones stay.
    with Session(db.engine) as session, session.begin():
        session.execute(update(AnswerLog).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=90)))
    fresh = db.log_answer("New question", ANSWER, 1.0)
    assert db.purge_old() == 1
    with Session(db.engine) as session:
        assert [r.id for r in session.query(AnswerLog).all()] == [fresh]


def test_sqlite_storage(tmp_path: Path) -> None:
    exercise(Database(f"sqlite:///{tmp_path / 'haln.db'}"))


def test_postgresql_storage(pg_url: str) -> None:
    exercise(Database(pg_url))


def test_question_logging_can_be_turned_off(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'haln.db'}", log_questions=False)
    db.migrate()
    answer_id = db.log_answer("my name is Jane and ...", ANSWER, 1.0)
    db.add_feedback(answer_id, "down", None, None, "my name is Jane and ...")
    assert db.list_feedback()[0].question is None


def test_api_on_postgresql_and_feedback_export(pg_url: str, tmp_path: Path, embedder: Embedder) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    build_ingestor(settings, embedder=embedder).sync([corpus])
    api = start_api(settings.data_dir, corpus, HALN_DATABASE_URL=pg_url)
    try:
        answer_id = httpx.post(
            f"{api.url}/v1/answer", json={"question": "How do I join HALN?"}, timeout=60
        ).json()["answer_id"]
        assert (
            httpx.post(
                f"{api.url}/v1/feedback", json={"answer_id": answer_id, "rating": "down", "reason": "wrong"}
            ).status_code
            == 201
        )
    finally:
        stop_api(api)
    out = tmp_path / "candidates.jsonl"
    result = run_haln(
        "feedback", "export", "-o", str(out), data_dir=settings.data_dir, HALN_DATABASE_URL=pg_url
    )
    assert result.returncode == 0, result.stderr
    from evals.questions import load_questions

    candidates = [q for q in load_questions(out) if q.question == "How do I join HALN?"]
    assert candidates and "wrong" in candidates[0].notes


def test_readyz_is_503_with_a_reason_when_the_store_goes_down(
    chroma_server: str,  # noqa: F811
    tmp_path: Path,
    embedder: Embedder,
) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, chroma_url=chroma_server)
    build_ingestor(settings, embedder=embedder).sync([corpus])
    api = start_api(settings.data_dir, corpus, HALN_CHROMA_URL=chroma_server)
    try:
        assert httpx.get(f"{api.url}/readyz").status_code == 200
        port = chroma_server.rsplit(":", 1)[1]
        subprocess.run(["pkill", "-f", f"chroma run .*--port {port}"], check=False)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = httpx.get(f"{api.url}/readyz", timeout=30)
            if ready.status_code == 503:
                break
            time.sleep(0.5)
        assert ready.status_code == 503
        assert "Chroma" in ready.json()["reason"] or "unreachable" in ready.json()["reason"]
        assert "Traceback" not in ready.text
    finally:
        stop_api(api)


def test_api_starts_while_chroma_is_down_and_becomes_ready_when_it_returns(
    tmp_path: Path, embedder: Embedder
) -> None:
    port = free_port()
    chroma_url = f"http://127.0.0.1:{port}"
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, chroma_url=chroma_url)
    chroma = start_chroma(tmp_path / "chroma-server", port)
    build_ingestor(settings, embedder=embedder).sync([corpus])
    stop_chroma(chroma)

    api = start_api(settings.data_dir, corpus, HALN_CHROMA_URL=chroma_url)  # raises if start-up fails
    try:
        down = httpx.get(f"{api.url}/readyz", timeout=30)
        assert down.status_code == 503, down.text
        assert f"127.0.0.1:{port}" in down.json()["reason"] and "Traceback" not in down.text
        assert httpx.get(f"{api.url}/healthz").status_code == 200
        unanswered = httpx.post(f"{api.url}/v1/answer", json={"question": "How do I join HALN?"}, timeout=60)
        assert unanswered.status_code == 503 and unanswered.headers["x-request-id"]

        chroma = start_chroma(tmp_path / "chroma-server", port)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                ready = httpx.get(f"{api.url}/readyz", timeout=30)
                if ready.status_code == 200:
                    break
                time.sleep(0.5)
            assert ready.status_code == 200 and ready.json()["chunks"] > 0, ready.text
            answered = httpx.post(
                f"{api.url}/v1/answer", json={"question": "How do I join HALN?"}, timeout=60
            )
            assert answered.status_code == 200 and answered.json()["citations"]
            assert api.process.poll() is None  # the same process, never restarted
        finally:
            stop_chroma(chroma)
    finally:
        stop_api(api)
