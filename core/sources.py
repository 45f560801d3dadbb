"""Per-document view of the index (for `haln sources`, `haln stats` and `GET /v1/sources`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from core.store import StoredChunks

# Chunk metadata holds a document's ingest warnings as one string (Chroma refuses empty lists).
QUARANTINE_NOTE_SEPARATOR = "\n"


class SourceSummary(BaseModel):
    id: str
    title: str
    source_url: str
    publisher: str
    doc_type: str
    nation: str
    org_type: str
    themes: list[str]
    date: str | None
    path: str
    chunk_count: int
    sections: list[str]
    warnings: list[str] = Field(
        default_factory=list,
        description="What ingest removed from this document (e.g. passages quarantined as instructions).",
    )


class IndexStats(BaseModel):
    documents: int
    chunks: int
    by_doc_type: dict[str, int]
    by_theme: dict[str, int]
    by_org_type: dict[str, int]
    by_nation: dict[str, int]
    fingerprint: dict[str, Any]


def summarise_sources(metadatas: Sequence[dict[str, Any]]) -> list[SourceSummary]:
    by_doc: dict[str, SourceSummary] = {}
    for meta in metadatas:
        doc_id = str(meta["doc_id"])
        summary = by_doc.get(doc_id)
        if summary is None:
            summary = by_doc[doc_id] = SourceSummary(
                id=doc_id,
                title=str(meta["title"]),
                source_url=str(meta["source_url"]),
                publisher=str(meta["publisher"]),
                doc_type=str(meta["doc_type"]),
                nation=str(meta["nation"]),
                org_type=str(meta["org_type"]),
                themes=list(meta["themes"]),
                date=str(meta["date"]) or None,
                path=str(meta["path"]),
                chunk_count=0,
                sections=[],
                # Indexes built before quarantine existed have no such key.
                warnings=[w for w in str(meta.get("quarantine") or "").split(QUARANTINE_NOTE_SEPARATOR) if w],
            )
        summary.chunk_count += 1
        if meta["section"] not in summary.sections:
            summary.sections.append(str(meta["section"]))
    return sorted(by_doc.values(), key=lambda s: s.id)


def index_stats(stored: StoredChunks, fingerprint: dict[str, Any]) -> IndexStats:
    sources = summarise_sources(stored.metadatas)
    return IndexStats(
        documents=len(sources),
        chunks=len(stored.ids),
        by_doc_type=dict(Counter(s.doc_type for s in sources).most_common()),
        by_theme=dict(Counter(t for s in sources for t in s.themes).most_common()),
        by_org_type=dict(Counter(s.org_type for s in sources).most_common()),
        by_nation=dict(Counter(s.nation for s in sources).most_common()),
        fingerprint=fingerprint,
    )
