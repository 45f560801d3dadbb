"""Delta indexes: a change of a few documents applied to the full index in hand (assistant/delta.py)
serves what a full rebuild serves, is picked up by workers within seconds without a rebuild, and gives
way to a full rebuild (saved as a snapshot) once it outgrows its limits."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from assistant.delta import MAX_SHARE, apply_delta, needs_full_build
from assistant.index import IndexHolder, SearchIndex
from assistant.retrieval import HybridRetriever
from assistant.service import Assistant, index_holder
from assistant.snapshot import SnapshotStore
from core.embedding import Embedder
from core.schemas import SearchFilters
from core.settings import Settings
from core.store import CHANGE_LOG_MAX_DOCS, Changes, ChunkStore, StoredChunks
from ingest.manage import delete_documents
from ingest.sync import build_ingestor
from tests.assistant.test_snapshot import synthetic_index
from tests.conftest import CORPUS, copy_docs

ADDED = "markdown/preston-spend-analysis-guide.md"
# The real corpus's Markdown documents but one: three changed documents are a small change of it.
BASE_DOCS = sorted(f"markdown/{p.name}" for p in (CORPUS / "markdown").glob("*.md") if p.name not in ADDED)
QUESTIONS = [
    "Where do I start with local recruitment?",
    "How did Preston analyse its spend?",
    "What is community wealth building?",
    "How can a hospital buy more from local suppliers?",
    "What did Belfast do on social value?",
    "How do housing associations support local supply chains?",
    "What does an anchor institution do for employment of care leavers?",
    "Which councils in Scotland have community wealth building plans?",
    "How can estates and land be used for community benefit?",
    "What is the social value bill?",
]
FILTERS = [None, SearchFilters(doc_type=["case_study"]), SearchFilters(nation=["Wales", "Scotland"])]


def top(retriever: HybridRetriever, index: SearchIndex, question: str, f: SearchFilters | None) -> list[str]:
    return [index.ids[h.row] for h in retriever.retrieve(index, question, 8, filters=f).hits]


@pytest.fixture(scope="module")
def changed_store(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[Settings, SearchIndex, set[str]]:
    """A real store of 149 documents, its full index, then a change: one document rewritten, one added,
    one removed."""
    root = tmp_path_factory.mktemp("delta")
    assert ADDED not in BASE_DOCS
    corpus = copy_docs(root / "corpus", BASE_DOCS)
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, index_snapshots=False)
    ingestor = build_ingestor(settings, embedder=embedder)
    assert not ingestor.sync([corpus]).failed
    base = SearchIndex.from_store(ChunkStore.from_settings(settings))

    rewritten = corpus / BASE_DOCS[3]
    text = rewritten.read_text(encoding="utf-8")
    rewritten.write_text(
        text + "\n\n## Local recruitment update\n\nThe trust now advertises every entry-level vacancy in "
        "the borough's job centres first and guarantees an interview to local applicants.\n",
        encoding="utf-8",
    )
    copy_docs(corpus, [ADDED])
    (corpus / BASE_DOCS[7]).unlink()
    report = ingestor.sync([corpus])
    assert not report.failed
    changed = {*report.added, *report.updated, *report.removed}
    assert len(report.added) == len(report.updated) == len(report.removed) == 1
    return settings, base, changed


def test_the_store_logs_which_documents_each_version_changed(
    changed_store: tuple[Settings, SearchIndex, set[str]],
) -> None:
    settings, base, changed = changed_store
    store = ChunkStore.from_settings(settings)
    changes = store.changes_since(base.version)
    assert changes is not None and changes.version == store.version() != base.version
    assert changes.doc_ids == changed
    assert store.changes_since(store.version()).doc_ids == frozenset()  # type: ignore[union-attr]
    assert store.changes_since("0-unknown") is None
    chunks = store.load_documents(changed)
    full = store.load()
    assert chunks.ids == [i for i, m in zip(full.ids, full.metadatas, strict=True) if m["doc_id"] in changed]


def test_a_delta_serves_what_a_full_rebuild_serves(
    changed_store: tuple[Settings, SearchIndex, set[str]], embedder: Embedder
) -> None:
    settings, base, changed = changed_store
    store = ChunkStore.from_settings(settings)
    changes = store.changes_since(base.version)
    assert changes is not None
    delta = apply_delta(base, store.load_documents(changes.doc_ids), changes.doc_ids, changes.version)
    full = SearchIndex.from_store(store)
    assert delta.origin == "delta" and delta.version == full.version
    assert delta.live_size == full.size
    live = [delta.ids[r] for r in range(delta.size) if delta.alive is not None and delta.alive[r]]
    assert sorted(live) == full.ids
    assert set(delta.doc_ids) - {"\x00removed"} == set(full.doc_ids)

    def chunks_of(metas: list[dict]) -> list[tuple[str, str, int]]:
        return sorted((m["doc_id"], m["doc_hash"], m["chunk_index"]) for m in metas)

    assert chunks_of(delta.live_metadatas) == chunks_of(full.metadatas)  # what /v1/sources lists
    assert not needs_full_build(delta, 10_000, 1.0) and needs_full_build(delta, 10, 1.0)

    retriever = HybridRetriever(embedder)
    overlaps, identical = [], 0
    for question in QUESTIONS:
        vector = retriever.embed_query(question)
        for f in FILTERS:
            # Dense search is exact at this size: the same chunks in the same order.
            dense_delta = [delta.ids[r] for r in delta.dense.search(vector, delta.mask(f), 20)]
            dense_full = [full.ids[r] for r in full.dense.search(vector, full.mask(f), 20)]
            assert dense_delta == dense_full
            got, expected = top(retriever, delta, question, f), top(retriever, full, question, f)
            overlaps.append(len(set(got) & set(expected)) / len(expected))
            identical += got == expected
    # BM25 scores with the base's statistics (IDF, average length), not the rebuilt ones: within 2% of
    # the rebuild's score here, which moves a near-tie now and then. Measured: 29 of 30 top-8 lists hold
    # the same chunks (the other 7 of 8), 26 of 30 in the same order.
    assert min(overlaps) >= 7 / 8 and sum(overlaps) / len(overlaps) >= 0.98
    assert identical >= 0.8 * len(overlaps)

    # The composer's row paths read delta rows and skip the dead ones.
    for doc_id in changed | {str(full.doc_ids[0])}:
        rows = delta.rows_of(doc_id)
        assert sorted(delta.ids[r] for r in rows) == sorted(full.ids[r] for r in full.rows_of(doc_id))
        assert delta.document_tokens(doc_id) == full.document_tokens(doc_id)
        for r in rows:
            twin = full.ids.index(delta.ids[r])
            assert delta.sentences(r).sentences == full.sentences(twin).sentences
            assert delta.units(r) == full.units(twin)
            assert np.array_equal(delta.embeddings[r], full.embeddings[twin])
    for term in ("recruit", "borough", "preston", "spend"):  # stems, as the index keeps them
        assert delta.term_idf(term) == pytest.approx(full.term_idf(term), rel=0.05)

    # And the whole answer: the same as from the full rebuild.
    with_delta = Assistant(settings, IndexHolder(None, index=delta), embedder)
    with_full = Assistant(settings, IndexHolder(None, index=full), embedder)
    for question in QUESTIONS[:4]:
        a, b = with_delta.answer(question), with_full.answer(question)
        assert a.answer == b.answer and a.citations == b.citations, question


def test_delta_bm25_scores_a_chunk_as_the_base_does() -> None:
    """Re-adding documents unchanged as a delta gives their chunks the base's own BM25 scores (the delta
    is scored with the base's statistics) and the same dense results."""
    base = synthetic_index(400)
    changed = {"doc-3", "doc-50"}
    rows = [r for r in range(base.size) if base.doc_ids[r] in changed]
    chunks = StoredChunks(
        [base.ids[r] for r in rows],
        [base.texts[r] for r in rows],
        [base.metadatas[r] for r in rows],
        np.asarray(base.embeddings)[rows],
    )
    delta = apply_delta(base, chunks, changed, "4-next")
    assert delta.size == base.size + len(rows) and delta.live_size == base.size
    # The base's vectors are not copied; rows read through from either part.
    stacked = np.vstack([np.asarray(base.embeddings), chunks.embeddings])
    assert delta.embeddings.shape == stacked.shape and np.array_equal(np.asarray(delta.embeddings), stacked)
    assert np.array_equal(
        delta.embeddings[base.size - 2 : base.size + 2], stacked[base.size - 2 : base.size + 2]
    )
    assert np.allclose(delta.embeddings @ stacked[0], stacked @ stacked[0])
    for text in ("procurement carbon", "housing wellbeing item5", "anchor anchor estates"):
        tokens = delta.tokenizer.tokenize([text], update_vocab=False, return_as="ids", show_progress=False)[0]
        scores = delta.bm25.get_scores(tokens)
        expected = base.bm25.get_scores(tokens)
        assert np.allclose(scores[base.size :], expected[rows], rtol=1e-5)
        assert not scores[rows].any()  # the replaced rows score nothing
        for f in FILTERS:
            vector = np.asarray(base.embeddings)[rows[0]]
            found = [delta.ids[r] for r in delta.dense.search(vector, delta.mask(f), 10)]
            assert found == [base.ids[r] for r in base.dense.search(vector, base.mask(f), 10)]


def test_a_worker_applies_a_small_change_as_a_delta_then_rebuilds_past_the_limit(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = copy_docs(tmp_path / "corpus", BASE_DOCS[:12])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, index_check_s=0.05)
    ingestor = build_ingestor(settings, embedder=embedder)
    assert not ingestor.sync([corpus]).failed
    worker = index_holder(settings)
    worker.delta_limits = (10_000, 1.0)  # this store is small: any change is past the default share
    first = worker.get()
    assert first.origin == "built"

    copy_docs(corpus, [ADDED])
    assert not ingestor.sync([corpus]).failed
    version = ChunkStore.from_settings(settings).version()
    started = time.monotonic()
    while worker.get().version != version and time.monotonic() - started < 10:
        time.sleep(0.05)
    fresh = worker.get()
    assert fresh.version == version, "the new version was not picked up within 10 s"
    assert (fresh.origin, worker.built, worker.deltas) == ("delta", 1, 1)
    assert "preston-spend-analysis-guide" in set(fresh.doc_ids)
    assert fresh.delta_of is first

    # A worker starting now restores the saved snapshot of the old version and applies the delta on it.
    other = index_holder(settings)
    other.delta_limits = worker.delta_limits
    started_index = other.get()
    assert (started_index.origin, other.built, other.restored, other.deltas) == ("delta", 0, 1, 1)
    assert started_index.version == version and started_index.ids == fresh.ids

    # A removal past the limits: the delta serves at once, and a full rebuild replaces it and is saved.
    worker.delta_limits = (1, MAX_SHARE)
    removed = str(first.doc_ids[0])
    delete_documents(ingestor, settings, [removed])
    version = ChunkStore.from_settings(settings).version()
    started = time.monotonic()
    while (worker.get().version != version or worker.refreshing) and time.monotonic() - started < 30:
        time.sleep(0.05)
    final = worker.get()
    assert (final.version, final.origin, worker.built, worker.deltas) == (version, "built", 2, 2)
    assert removed not in set(final.doc_ids)
    assert SnapshotStore(settings.snapshot_path / worker.store.name).load(version) is not None


def test_a_rebuild_or_a_long_log_means_a_full_build(tmp_path: Path, embedder: Embedder) -> None:
    corpus = copy_docs(tmp_path / "corpus", BASE_DOCS[:2])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingestor = build_ingestor(settings, embedder=embedder)
    assert not ingestor.sync([corpus]).failed
    store = ChunkStore.from_settings(settings)
    first = store.version()
    collection = store.collection()
    for i in range(3):
        store.bump_generation(collection, [f"doc-{i}-{j}" for j in range(CHANGE_LOG_MAX_DOCS // 2)])
    assert store.changes_since(first) is None  # the log keeps the newest 2,000 ids: it no longer reaches
    middle = store.version()
    store.bump_generation(collection, ["a"])
    assert store.changes_since(middle) is not None
    latest = store.version()
    store.bump_generation(collection, [f"big-{j}" for j in range(CHANGE_LOG_MAX_DOCS + 1)])
    assert store.changes_since(latest) is None  # one change too large to log: readers rebuild
    middle = store.version()
    store.bump_generation(collection, ["b"])
    assert store.changes_since(middle) == Changes(store.version(), frozenset({"b"}))
    assert not ingestor.sync([corpus], rebuild=True).failed
    assert store.changes_since(middle) is None
