"""GET /v1/sources, GET /v1/sources/{doc_id}, DELETE /v1/sources/{doc_id} (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api import examples
from api.deps import AdminDep, AppState, ReadClientDep, StateDep
from api.errors import ApiError
from api.models import READ_ERRORS, DeletedSource, ErrorBody, SourcePage, SourceView
from api.security import is_admin
from api.uploads import public_path
from core.schemas import DocType, Nation, OrgType, SearchFilters, Theme
from core.sources import summarise_sources

router = APIRouter(prefix="/v1/sources", tags=["sources"])


def public_sources(state: AppState, request: Request) -> list[SourceView]:
    """The index's documents; each file (shown only to the admin) relative to the corpus or uploads folder,
    never as a server path."""
    metadatas = state.assistant.index.get().live_metadatas
    files = {str(m["doc_id"]): str(m.get("source_path") or m["path"]) for m in metadatas}
    admin = is_admin(request, state.settings.admin_api_key)
    return [
        SourceView.of(s.model_copy(update={"path": public_path(state.settings, files[s.id])}), admin)
        for s in summarise_sources(metadatas)
    ]


FILTERS_NOTE = "Any of these values (repeat the parameter for more), as in the answer's `filters`."


@router.get(
    "",
    response_model=SourcePage,
    responses={**READ_ERRORS, 200: examples.json_example(examples.SOURCES), 503: {"model": ErrorBody}},
)
def list_sources(
    request: Request,
    state: StateDep,
    _client: ReadClientDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    doc_type: Annotated[list[DocType] | None, Query(description=FILTERS_NOTE)] = None,
    themes: Annotated[list[Theme] | None, Query(description=FILTERS_NOTE)] = None,
    org_type: Annotated[list[OrgType] | None, Query(description=FILTERS_NOTE)] = None,
    nation: Annotated[list[Nation] | None, Query(description=FILTERS_NOTE)] = None,
    theme: Annotated[
        list[Theme] | None, Query(deprecated=True, description="Deprecated: the same as `themes`.")
    ] = None,
) -> SourcePage:
    """Documents in the index, in pages, filtered as answers are: each filter is a list meaning "any of
    these" (`?themes=workforce&themes=procurement`), and filters combine with "and"."""
    filters = SearchFilters(
        doc_type=doc_type or [],
        themes=[*(themes or []), *(theme or [])],
        org_type=org_type or [],
        nation=nation or [],
    )
    items = [
        s
        for s in public_sources(state, request)
        if (not filters.doc_type or s.doc_type in filters.doc_type)
        and (not filters.themes or set(filters.themes) & set(s.themes))
        and (not filters.org_type or s.org_type in filters.org_type)
        and (not filters.nation or s.nation in filters.nation)
    ]
    return SourcePage(total=len(items), offset=offset, limit=limit, items=items[offset : offset + limit])


@router.get(
    "/{doc_id}",
    response_model=SourceView,
    responses={**READ_ERRORS, 200: examples.json_example(examples.SOURCE), 404: {"model": ErrorBody}},
)
def get_source(doc_id: str, request: Request, state: StateDep, _client: ReadClientDep) -> SourceView:
    """One document's metadata, sections and chunk count."""
    for source in public_sources(state, request):
        if source.doc_id == doc_id:
            return source
    raise ApiError(404, f"doc_id: no source with id {doc_id!r}", "not_found", param="doc_id")


@router.delete(
    "/{doc_id}",
    response_model=DeletedSource,
    responses={
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody, "description": "Another ingest holds the index; nothing was removed."},
    },
)
def delete_source(doc_id: str, state: StateDep, _admin: AdminDep) -> DeletedSource:
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
        [removed] = delete_documents(ingestor, settings, [doc_id])
    except UnknownDocumentError as exc:
        raise ApiError(404, f"doc_id: no source with id {doc_id!r}", "not_found", param="doc_id") from exc
    state.assistant.index.reload()
    return DeletedSource(id=doc_id, doc_id=doc_id, chunks_deleted=removed.chunks_deleted)
