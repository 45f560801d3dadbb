"""Sentence-aware chunking; each chunk carries its document title and section heading as context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.context import context_text
from core.sources import QUARANTINE_NOTE_SEPARATOR
from ingest.loaders import LoadedDocument

if TYPE_CHECKING:  # llama_index takes about 2 s to import: an API worker loads it on its first ingest
    from llama_index.core.node_parser import SentenceSplitter


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    text: str
    section: str
    page: int | None
    index: int

    def embedding_text(self, title: str) -> str:
        """What the embedder and BM25 see: the title and section give a short chunk its context."""
        return context_text(title, self.section, self.text)


def make_splitter(chunk_size: int, chunk_overlap: int) -> SentenceSplitter:
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap, paragraph_separator="\n\n")


def chunk_document(doc: LoadedDocument, splitter: SentenceSplitter) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in doc.sections:
        for piece in splitter.split_text(section.text):
            piece = piece.strip()
            if not piece:
                continue
            index = len(chunks)
            chunks.append(
                Chunk(
                    # Stable: the same file content always yields the same chunk ids.
                    chunk_id=f"{doc.doc_id}:{doc.content_hash[:12]}:{index:04d}",
                    doc_id=doc.doc_id,
                    text=piece,
                    section=section.heading,
                    page=section.page,
                    index=index,
                )
            )
    return chunks


def chunk_metadata(
    doc: LoadedDocument, chunk: Chunk, n_chunks: int, display_path: str, ingested_at: float
) -> dict[str, Any]:
    """Chroma metadata for one chunk (scalars and lists of strings only)."""
    meta = doc.meta
    return {
        "doc_id": doc.doc_id,
        "doc_hash": doc.content_hash,
        "n_chunks": n_chunks,
        "chunk_index": chunk.index,
        "ingested_at": ingested_at,
        "title": meta.title,
        "source_url": str(meta.source_url),
        "publisher": meta.publisher,
        "doc_type": meta.doc_type,
        "nation": meta.nation,
        "org_type": meta.org_type,
        "themes": list(meta.themes),
        "date": meta.date or "",
        "path": display_path,
        "source_path": str(doc.path.resolve()),
        "page": chunk.page if chunk.page is not None else -1,
        "section": chunk.section,
        # Empty when nothing was removed; read back by core.sources.summarise_sources.
        # The document's "This is a summary, in our own words, of …" line, kept out of the chunk text.
        "provenance": doc.provenance,
        "quarantine": QUARANTINE_NOTE_SEPARATOR.join(n.public() for n in doc.quarantine_notes),
    }
