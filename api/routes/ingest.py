"""POST /v1/ingest (upload a document or sync the corpus folder) and GET /v1/ingest/{job_id}; admin only."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import yaml
from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from pydantic import ValidationError

from api.deps import AdminDep, AppState, StateDep
from api.models import ErrorBody, IngestJobView
from core.schemas import DocumentMetadata
from ingest.loaders import SIDECAR_SUFFIX, SUPPORTED_SUFFIXES
from ingest.sync import Ingestor, SyncReport

router = APIRouter(prefix="/v1/ingest", tags=["admin"])


def sanitise_filename(name: str) -> str:
    """Keep only a plain base name: no folders, no dot-files, safe characters."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem if dot else base).strip("-._")[:100] or "upload"
    return f"{stem}.{suffix.lower()}" if dot else stem


def _ingestor(state: AppState) -> Ingestor:
    s = state.settings
    return Ingestor(
        state.assistant.index.store, state.assistant.embedder, s.chunk_size, s.chunk_overlap, s.max_file_bytes
    )


def _view(job: object) -> IngestJobView:
    return IngestJobView.model_validate(vars(job))


@router.post(
    "",
    response_model=IngestJobView,
    status_code=202,
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def start_ingest(
    state: StateDep,
    _admin: AdminDep,
    file: Annotated[UploadFile | None, File(description="A Markdown, HTML or PDF document.")] = None,
    metadata: Annotated[
        str | None,
        Form(description="JSON document metadata (needed for HTML and PDF; Markdown has front matter)."),
    ] = None,
) -> IngestJobView:
    """Upload one document (with metadata), or send no file to sync the whole corpus folder.

    Runs in the background; poll `GET /v1/ingest/{job_id}` for progress and the summary.
    """
    if file is None:
        corpus = state.settings.corpus_dir

        def sync_corpus(job: object) -> SyncReport:
            report = _ingestor(state).sync([corpus], progress=job)  # type: ignore[arg-type]
            state.assistant.index.reload()
            return report

        return _view(state.jobs.submit("sync", sync_corpus))

    name = sanitise_filename(file.filename or "upload")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise HTTPException(422, f"file: unsupported type {suffix or '(none)'}; send .md, .html or .pdf")
    sidecar_text = None
    if metadata is not None:
        try:
            meta = DocumentMetadata.model_validate(json.loads(metadata))
        except json.JSONDecodeError as exc:
            raise HTTPException(422, f"metadata: not valid JSON ({exc.msg})") from exc
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error["loc"])
            raise HTTPException(422, f"metadata.{field}: {error['msg']}") from exc
        sidecar_text = yaml.safe_dump(meta.model_dump(mode="json", exclude_none=True), sort_keys=False)
    elif suffix not in {".md", ".markdown"}:
        raise HTTPException(
            422, "metadata: required for HTML and PDF uploads (JSON with title, source_url, ...)"
        )

    uploads = state.settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / name
    data = file.file.read(state.settings.max_file_bytes + 1)
    if len(data) > state.settings.max_file_bytes:
        raise HTTPException(413, f"file: over the {state.settings.max_file_bytes} byte limit")
    target.write_bytes(data)
    if sidecar_text is not None:
        target.with_name(target.name + SIDECAR_SUFFIX).write_text(sidecar_text, encoding="utf-8")

    def ingest_upload(job: object) -> SyncReport:
        report = _ingestor(state).sync([target], progress=job)  # type: ignore[arg-type]
        state.assistant.index.reload()
        return report

    return _view(state.jobs.submit("upload", ingest_upload))


@router.get(
    "/{job_id}",
    response_model=IngestJobView,
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)
def get_job(job_id: str, state: StateDep, _admin: AdminDep) -> IngestJobView:
    """Progress and, when finished, the summary of an ingest job."""
    job = state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no ingest job {job_id!r}")
    return _view(job)
