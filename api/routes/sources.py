"""GET /v1/sources, GET /v1/sources/{id}, DELETE /v1/sources/{id} (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.deps import AdminDep, AppState, ClientDep, StateDep
from api.models import DeletedSource, ErrorBody, SourcePage
from api.uploads import public_path
from core.schemas import DocType, Nation, OrgType, Theme
from core.sources import SourceSummary, summarise_sources

router = APIRouter(prefix="/v1/sources", tags=["sources"])


def public_sources(state: AppState) -> list[SourceSummary]:
    """The index's documents, each file shown relative to the corpus or uploads folder, never as a server
    path."""
    metadatas = state.assistant.index.get().metadatas
    files = {str(m["doc_id"]): str(m.get("source_path") or m["path"]) for m in metadatas}
    return [
        s.model_copy(update={"path": public_path(state.settings, files[s.id])})
        for s in summarise_sources(metadatas)
    ]


@router.get("", response_model=SourcePage, responses={503: {"model": ErrorBody}})
def list_sources(
    state: StateDep,
    _client: ClientDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    doc_type: Annotated[DocType | None, Query()] = None,
    theme: Annotated[Theme | None, Query()] = None,
    org_type: Annotated[OrgType | None, Query()] = None,
    nation: Annotated[Nation | None, Query()] = None,
) -> SourcePage:
    """Documents in the index, filterable by metadata, in pages."""
    items = public_sources(state)
    items = [
        s
        for s in items
        if (doc_type is None or s.doc_type == doc_type)
        and (theme is None or theme in s.themes)
        and (org_type is None or s.org_type == org_type)
        and (nation is None or s.nation == nation)
    ]
    return SourcePage(total=len(items), offset=offset, limit=limit, items=items[offset : offset + limit])


@router.get("/{source_id}", response_model=SourceSummary, responses={404: {"model": ErrorBody}})
def get_source(source_id: str, state: StateDep, _client: ClientDep) -> SourceSummary:
    """One document's metadata, sections and chunk count."""
    for source in public_sources(state):
        if source.id == source_id:
            return source
    raise HTTPException(404, f"no source with id {source_id!r}")


@router.delete(
    "/{source_id}",
    response_model=DeletedSource,
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)
def delete_source(source_id: str, state: StateDep, _admin: AdminDep) -> DeletedSource:
    """Remove a document's chunks from the index (admin).

    An uploaded document's file is removed with it; a later corpus sync adds a corpus document again if
    its file is still in the corpus folder.
    """
    from ingest.manage import UnknownDocumentError, delete_documents
    from ingest.sync import Ingestor, ingest_lock

    store = state.assistant.index.store
    settings = state.settings
    ingestor = Ingestor(
        store,
        state.assistant.embedder,
        settings.chunk_size,
        settings.chunk_overlap,
        settings.max_file_bytes,
        lock=ingest_lock(settings, store),
    )
    try:
        [removed] = delete_documents(ingestor, settings, [source_id])
    except UnknownDocumentError as exc:
        raise HTTPException(404, f"no source with id {source_id!r}") from exc
    state.assistant.index.reload()
    return DeletedSource(id=source_id, chunks_deleted=removed.chunks_deleted)
