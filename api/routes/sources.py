"""GET /v1/sources, GET /v1/sources/{id}, DELETE /v1/sources/{id} (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.deps import AdminDep, AppState, ReadClientDep, StateDep
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
    _client: ReadClientDep,
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
def get_source(source_id: str, state: StateDep, _client: ReadClientDep) -> SourceSummary:
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

    A later corpus sync adds it again if its file is still in the corpus folder.
    """
    store = state.assistant.index.store
    collection = store.collection()
    versions = store.doc_versions(collection).get(source_id)
    if not versions:
        raise HTTPException(404, f"no source with id {source_id!r}")
    ids = [cid for v in versions for cid in v.chunk_ids]
    collection.delete(ids=ids)
    store.bump_generation(collection)
    state.assistant.index.reload()
    return DeletedSource(id=source_id, chunks_deleted=len(ids))
