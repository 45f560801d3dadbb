"""The index holder serves the index in hand while a newer one is built in the background."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.index import IndexHolder
from core.embedding import Embedder
from core.settings import Settings
from core.store import ChunkStore
from ingest.sync import build_ingestor
from tests.conftest import copy_docs


def test_new_ingest_is_picked_up_in_the_background(tmp_path: Path, embedder: Embedder) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingestor = build_ingestor(settings, embedder=embedder)
    assert not ingestor.sync([corpus]).failed
    holder = IndexHolder(ChunkStore.from_settings(settings), check_every_s=0)
    first = holder.get()
    assert set(first.doc_ids) == {"haln-vibrant-network-qa"}

    copy_docs(corpus, ["markdown/preston-spend-analysis-guide.md"])
    assert not ingestor.sync([corpus]).failed
    # The change is noticed, but the question in hand is answered from the index in hand.
    assert holder.get() is first
    deadline = time.monotonic() + 60
    # Adding a document to a one-document store is past a delta's limits: the delta is swapped in, then
    # the full build that replaces it.
    while (holder.get() is first or holder.refreshing) and time.monotonic() < deadline:
        time.sleep(0.05)
    fresh = holder.get()
    assert fresh is not first and not holder.refreshing and fresh.origin == "built"
    assert set(fresh.doc_ids) == {"haln-vibrant-network-qa", "preston-spend-analysis-guide"}
    assert fresh.generation == ChunkStore.from_settings(settings).generation()


def test_reload_waits_and_an_unchanged_store_is_not_rebuilt(tmp_path: Path, embedder: Embedder) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed
    holder = IndexHolder(ChunkStore.from_settings(settings), check_every_s=0, delta_limits=(10_000, 1.0))
    first = holder.get()
    assert holder.get() is first and not holder.refreshing
    assert holder.reload() is first  # nothing changed: nothing to load

    copy_docs(corpus, ["markdown/preston-spend-analysis-guide.md"])
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed
    reloaded = holder.reload()  # in hand when it returns, no background thread
    assert reloaded is not first and holder.get() is reloaded and not holder.refreshing
    assert reloaded.version == ChunkStore.from_settings(settings).version()
    assert "preston-spend-analysis-guide" in set(reloaded.doc_ids)
