"""Chunk texts of a corpus exactly as ingest embeds them, for side-by-side embedder measurements."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from ingest.chunking import chunk_document, make_splitter
from ingest.discover import discover
from ingest.loaders import load_document


def chunk_texts(corpus: Path, settings: Settings) -> list[str]:
    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)
    texts = []
    for path in discover([corpus]).files:
        doc = load_document(path, settings.max_file_bytes)
        texts += [c.embedding_text(doc.meta.title) for c in chunk_document(doc, splitter)]
    return texts
