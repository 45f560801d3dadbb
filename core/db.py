"""The feedback and answer-log database: SQLite (WAL) by default, PostgreSQL when HALN_DATABASE_URL is set.

Schema changes go through Alembic migrations in core/migrations; `Database.migrate()` runs them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from core.errors import StoreUnavailableError
from core.schemas import Answer

MIGRATIONS = Path(__file__).parent / "migrations"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class AnswerLog(Base):
    __tablename__ = "answer_log"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    question: Mapped[str | None] = mapped_column(Text, nullable=True)
    backend: Mapped[str] = mapped_column(String(20))
    refused: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)
    latency_ms: Mapped[float] = mapped_column(Float)
    cited_sources: Mapped[str] = mapped_column(Text)  # JSON list of source URLs
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)  # kept only with log_questions


class Feedback(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    answer_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("answer_log.id", ondelete="SET NULL"), nullable=True
    )
    rating: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    question: Mapped[str | None] = mapped_column(Text, nullable=True)


class IngestJobRow(Base):
    __tablename__ = "ingest_job"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    requested_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    worker: Mapped[str] = mapped_column(String(200))  # "host:pid" of the API worker running it
    files: Mapped[str] = mapped_column(Text)  # JSON list of file names (as clients see them)
    doc_ids: Mapped[str] = mapped_column(Text)  # JSON list of document ids
    progress: Mapped[str] = mapped_column(Text)  # JSON {phase: {done, total}}
    report: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON sync summary
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


JOB_JSON_FIELDS = ("files", "doc_ids", "progress", "report")


@dataclass
class JobRecord:
    """One admin ingest job as stored; every API worker reads the same rows."""

    id: str
    kind: str
    status: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    requested_by: str | None
    worker: str
    files: list[str]
    doc_ids: list[str]
    progress: dict[str, dict[str, int]]
    report: dict[str, Any] | None
    error: str | None


@dataclass
class AnswerRecord:
    id: str
    created_at: dt.datetime
    question: str | None
    refused: bool
    confidence: float
    cited_sources: list[str]


@dataclass
class FeedbackRecord:
    id: int
    created_at: dt.datetime
    answer_id: str | None
    rating: str
    reason: str | None
    comment: str | None
    question: str | None
    cited_sources: list[str]
    answer: str | None = None
    refused: bool | None = None
    confidence: float | None = None


class Database:
    def __init__(self, url: str, log_questions: bool = True, retention_days: int = 30) -> None:
        self.url = url
        self.log_questions = log_questions
        self.retention_days = retention_days
        self.engine: Engine = create_engine(url, pool_pre_ping=True, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except Exception as exc:
            raise StoreUnavailableError(f"database at {self._safe_url()} is unavailable: {exc}") from exc

    def _safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def ping(self) -> None:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            raise StoreUnavailableError(f"database at {self._safe_url()} is unreachable: {exc}") from exc

    def log_answer(
        self, question: str, answer: Answer, latency_ms: float, answer_id: str | None = None
    ) -> str:
        answer_id = answer_id or str(uuid.uuid4())
        row = {
            "id": answer_id,
            "created_at": utcnow(),
            "question": question if self.log_questions else None,
            "backend": answer.backend,
            "refused": answer.refused,
            "confidence": answer.confidence,
            "latency_ms": latency_ms,
            "cited_sources": json.dumps([c.source_url for c in answer.citations]),
            "answer": answer.answer if self.log_questions else None,
        }
        # A Core insert: the ORM's unit of work cost a sixth of the API's CPU time under load.
        with self.engine.begin() as connection:
            connection.execute(insert(AnswerLog), [row])
        return answer_id

    def purge_old(self) -> int:
        cutoff = utcnow() - dt.timedelta(days=self.retention_days)
        with Session(self.engine) as session, session.begin():
            result = session.execute(delete(AnswerLog).where(AnswerLog.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    def add_feedback(
        self, answer_id: str, rating: str, reason: str | None, comment: str | None, question: str | None
    ) -> int:
        return self.vote(answer_id, rating, reason, comment, question)[0]

    def vote(
        self, answer_id: str, rating: str, reason: str | None, comment: str | None, question: str | None
    ) -> tuple[int, bool]:
        """One vote per answer (an answer id is one asker's): a later vote replaces the earlier one.
        Returns the feedback id and whether a vote was replaced."""
        with Session(self.engine) as session, session.begin():
            known = session.get(AnswerLog, answer_id)
            if known is None:
                raise KeyError(answer_id)
            row = session.scalars(
                select(Feedback).where(Feedback.answer_id == answer_id).order_by(Feedback.id).limit(1)
            ).first()
            replaced = row is not None
            if row is None:
                row = Feedback(answer_id=answer_id)
                session.add(row)
            row.created_at = utcnow()
            row.rating, row.reason, row.comment = rating, reason, comment
            row.question = (question or known.question) if self.log_questions else None
            session.flush()
            return int(row.id), replaced

    def count_feedback(self, rating: str | None = None) -> int:
        query = select(func.count()).select_from(Feedback)
        if rating:
            query = query.where(Feedback.rating == rating)
        with Session(self.engine) as session:
            return int(session.scalar(query) or 0)

    def list_answers(self, since: dt.datetime | None = None, limit: int = 100_000) -> list[AnswerRecord]:
        """Logged answers, newest first (questions are None when HALN_LOG_QUESTIONS is off)."""
        query = select(AnswerLog).order_by(AnswerLog.created_at.desc()).limit(limit)
        if since is not None:
            query = query.where(AnswerLog.created_at >= since)
        with Session(self.engine) as session:
            return [
                AnswerRecord(
                    a.id, a.created_at, a.question, a.refused, a.confidence, json.loads(a.cited_sources)
                )
                for a in session.scalars(query)
            ]

    def list_feedback(
        self, rating: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[FeedbackRecord]:
        query = select(Feedback, AnswerLog).outerjoin(AnswerLog, Feedback.answer_id == AnswerLog.id)
        if rating:
            query = query.where(Feedback.rating == rating)
        query = query.order_by(Feedback.id).limit(limit).offset(offset)
        with Session(self.engine) as session:
            return [
                FeedbackRecord(
                    id=f.id,
                    created_at=f.created_at,
                    answer_id=f.answer_id,
                    rating=f.rating,
                    reason=f.reason,
                    comment=f.comment,
                    question=f.question,
                    cited_sources=json.loads(a.cited_sources) if a is not None else [],
                    answer=a.answer if a is not None else None,
                    refused=a.refused if a is not None else None,
                    confidence=a.confidence if a is not None else None,
                )
                for f, a in session.execute(query).all()
            ]


class JobStore:
    """Admin ingest jobs in the database (the same SQLite or PostgreSQL as the answer log)."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine

    def create(self, job: JobRecord) -> None:
        row = {k: (json.dumps(v) if k in JOB_JSON_FIELDS else v) for k, v in vars(job).items()}
        with self.engine.begin() as connection:
            connection.execute(insert(IngestJobRow), [row])

    def update(self, job_id: str, **fields: Any) -> None:
        values = {k: (json.dumps(v) if k in JOB_JSON_FIELDS else v) for k, v in fields.items()}
        with self.engine.begin() as connection:
            connection.execute(
                IngestJobRow.__table__.update().where(IngestJobRow.id == job_id).values(**values)  # type: ignore[attr-defined]
            )

    def get(self, job_id: str) -> JobRecord | None:
        with Session(self.engine) as session:
            row = session.get(IngestJobRow, job_id)
            return _job_record(row) if row is not None else None

    def unfinished(self) -> list[JobRecord]:
        query = select(IngestJobRow).where(IngestJobRow.status.in_(("queued", "running")))
        with Session(self.engine) as session:
            return [_job_record(row) for row in session.scalars(query)]


def _job_record(row: IngestJobRow) -> JobRecord:
    def aware(value: dt.datetime | None) -> dt.datetime | None:  # SQLite drops the time zone
        return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value

    return JobRecord(
        id=row.id,
        kind=row.kind,
        status=row.status,
        created_at=aware(row.created_at) or row.created_at,
        started_at=aware(row.started_at),
        finished_at=aware(row.finished_at),
        requested_by=row.requested_by,
        worker=row.worker,
        files=json.loads(row.files),
        doc_ids=json.loads(row.doc_ids),
        progress=json.loads(row.progress),
        report=json.loads(row.report) if row.report else None,
        error=row.error,
    )


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL still survives an application crash; it skips an fsync on every answer logged.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
