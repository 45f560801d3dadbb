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
from api.models import ConflictBody, ErrorBody, IngestJobView
from api.uploads import (
    discard_upload,
    find_owner,
    find_url_owner,
    public_path,
    scrub_all,
    store_upload,
    upload_doc_id,
)
from core.db import JobRecord
from core.errors import DocumentError
from core.schemas import DocumentMetadata
from ingest.loaders import SUPPORTED_SUFFIXES, metadata_problems, read_metadata
from ingest.sync import Ingestor, SyncReport, check_free_space, ingest_lock

router = APIRouter(prefix="/v1/ingest", tags=["admin"])


def sanitise_filename(name: str) -> str:
    """Keep only a plain base name: no folders, no dot-files, safe characters."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem if dot else base).strip("-._")[:100] or "upload"
    return f"{stem}.{suffix.lower()}" if dot else stem


JOB_LOCK_WAIT_S = 600.0
"""A job waits this long for another ingest (another worker's job, a `haln ingest`) to finish."""


def _ingestor(state: AppState) -> Ingestor:
    s = state.settings
    waiting = s.model_copy(update={"ingest_lock_wait_s": max(s.ingest_lock_wait_s, JOB_LOCK_WAIT_S)})
    return Ingestor(
        state.assistant.index.store,
        state.assistant.embedder,
        s.chunk_size,
        s.chunk_overlap,
        s.max_file_bytes,
        data_dir=s.data_dir,
        min_free_mb=s.min_free_mb,
        lock=ingest_lock(waiting, state.assistant.index.store),
    )


ADMIN_KEY_NAME = "admin"  # the one admin key, HALN_ADMIN_API_KEY; jobs record the key's name, never the key


def _view(state: AppState, job: JobRecord) -> IngestJobView:
    """A job as clients see it: paths relative to the corpus or uploads folder, never the server's own."""
    fields = {k: v for k, v in vars(job).items() if k != "worker"}
    return IngestJobView.model_validate(scrub_all(state.settings, fields))


@router.post(
    "",
    response_model=IngestJobView,
    status_code=202,
    responses={
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        409: {
            "model": ConflictBody,
            "description": "The upload's document id or source_url belongs to another source",
        },
        413: {"model": ErrorBody},
        422: {"model": ErrorBody},
        507: {"model": ErrorBody, "description": "Too little free disk space to ingest (HALN_MIN_FREE_MB)"},
    },
)
def start_ingest(
    state: StateDep,
    _admin: AdminDep,
    file: Annotated[UploadFile | None, File(description="A Markdown, HTML or PDF document.")] = None,
    metadata: Annotated[
        str | None,
        Form(description="JSON document metadata (needed for HTML and PDF; Markdown has front matter)."),
    ] = None,
    replace: Annotated[
        bool,
        Form(
            description="Replace the source that already has this upload's document id (a corpus document "
            "or an earlier upload). Without it such an upload is refused with 409 naming the owner."
        ),
    ] = False,
) -> IngestJobView:
    """Upload one document (with metadata), or send no file to sync the corpus and uploads folders.

    An upload never replaces a source it does not own: when its document id (`id` in the metadata or
    front matter, else its file name) or its source_url is already used by a corpus document or an earlier
    upload, the answer is 409 naming that document, unless the form field `replace=true` asks for the
    replacement. Each upload is stored under a folder of its own, so uploads with the same file name never
    overwrite each other's files. Runs in the background; poll `GET /v1/ingest/{job_id}` for progress and
    the summary.
    """
    settings = state.settings
    check_free_space(settings.data_dir, settings.min_free_mb)  # 507 before anything is written
    if file is None:
        folders = settings.managed_folders()

        def sync_corpus(job: object) -> SyncReport:
            report = _ingestor(state).sync(folders, progress=job)  # type: ignore[arg-type]
            state.assistant.index.reload()
            return report

        return _view(state, state.jobs.submit("sync", sync_corpus, requested_by=ADMIN_KEY_NAME))

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
            problems = "; ".join(f"metadata.{field}: {text}" for field, text in metadata_problems(exc))
            raise HTTPException(422, problems) from exc
        sidecar_text = yaml.safe_dump(meta.model_dump(mode="json", exclude_none=True), sort_keys=False)
    elif suffix not in {".md", ".markdown"}:
        raise HTTPException(
            422, "metadata: required for HTML and PDF uploads (JSON with title, source_url, ...)"
        )

    data = file.file.read(settings.max_file_bytes + 1)
    if len(data) > settings.max_file_bytes:
        raise HTTPException(413, f"file: over the {settings.max_file_mb:g} MiB limit (HALN_MAX_FILE_MB)")
    target = store_upload(settings, name, data, sidecar_text)
    store = state.assistant.index.store
    try:
        doc_id = upload_doc_id(target)
        url = str(read_metadata(target).source_url)
        owner = find_owner(store, doc_id, target)
        url_owner = find_url_owner(store, url, doc_id, target)
    except DocumentError as exc:
        discard_upload(settings, target)
        where = f"file: field `{exc.field}`" if exc.field else "file"
        raise HTTPException(422, f"{where}: {exc.problem}") from exc
    except BaseException:
        discard_upload(settings, target)
        raise
    if owner is not None and not replace:
        discard_upload(settings, target)
        raise owner.conflict(settings)
    if url_owner is not None and not replace:
        discard_upload(settings, target)
        raise url_owner.url_conflict(settings, url)

    def ingest_upload(job: object) -> SyncReport:
        indexed = False
        try:
            # Checked again: another upload may have taken the id while this one waited its turn.
            now = find_owner(store, doc_id, target)
            if now is not None and not replace:
                raise now.conflict(settings)
            report = _ingestor(state).sync([target], progress=job, replace=replace)  # type: ignore[arg-type]
            indexed = doc_id in report.added + report.updated + report.unchanged
        finally:
            if not indexed:
                discard_upload(settings, target)
        for replaced in (now, url_owner if replace else None):
            if replaced is not None:  # replaced: an earlier upload's own file goes with its document
                discard_upload(settings, replaced.file)
        state.assistant.index.reload()
        return report

    job = state.jobs.submit(
        "upload",
        ingest_upload,
        files=[public_path(settings, target)],
        doc_ids=[doc_id],
        requested_by=ADMIN_KEY_NAME,
    )
    return _view(state, job)


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
    return _view(state, job)
