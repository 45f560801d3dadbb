"""Incremental sync against a real embedded Chroma in tmp_path with the real embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.embedding import Embedder
from core.errors import IndexMismatchError, IndexMissingError
from core.settings import Settings
from core.store import ChunkStore
from ingest.sync import Ingestor, build_ingestor
from tests.conftest import SAMPLE_DOCS

N_DOCS = len(SAMPLE_DOCS)


def ingestor_for(settings: Settings, embedder: Embedder) -> Ingestor:
    return build_ingestor(settings, embedder=embedder)


def live_doc_ids(settings: Settings) -> list[str]:
    stored = ChunkStore.from_settings(settings).load()
    return sorted({str(m["doc_id"]) for m in stored.metadatas})


def all_chunk_ids(settings: Settings) -> list[str]:
    store = ChunkStore.from_settings(settings)
    return list(store.collection().get(include=[])["ids"])


def test_first_sync_indexes_every_format_with_metadata(
    settings: Settings, sample_corpus: Path, embedder: Embedder
) -> None:
    report = ingestor_for(settings, embedder).sync([sample_corpus])
    assert len(report.added) == N_DOCS and not report.failed
    stored = ChunkStore.from_settings(settings).load()
    assert stored.embeddings.shape == (len(stored.ids), 384)
    by_doc = {str(m["doc_id"]): m for m in stored.metadatas}
    pdf_pages = {m["page"] for m in stored.metadatas if m["doc_id"] == "bnssg-inclusive-recruitment-toolkit"}
    assert min(pdf_pages) >= 1 and len(pdf_pages) >= 3
    html = by_doc["nhs-lanarkshire-anchor-organisation"]
    assert html["nation"] == "Scotland" and html["org_type"] == "health_board"
    lambeth = by_doc["haln-lambeth-gp-food-coop-case-study"]
    assert lambeth["doc_type"] == "case_study" and "community_engagement" in lambeth["themes"]
    assert all(m["section"] for m in stored.metadatas)
    assert all(m["path"].endswith((".md", ".html", ".pdf")) for m in stored.metadatas)


def test_repeat_sync_skips_unchanged_and_never_duplicates(
    settings: Settings, sample_corpus: Path, embedder: Embedder
) -> None:
    ingestor = ingestor_for(settings, embedder)
    ingestor.sync([sample_corpus])
    before = sorted(all_chunk_ids(settings))
    again = ingestor.sync([sample_corpus])
    assert sorted(again.unchanged) == live_doc_ids(settings)
    assert again.chunks_embedded == 0 and not again.added and not again.updated
    assert sorted(all_chunk_ids(settings)) == before
    assert len(before) == len(set(before))


def test_edit_replaces_chunks_and_delete_removes(
    settings: Settings, sample_corpus: Path, embedder: Embedder
) -> None:
    ingestor = ingestor_for(settings, embedder)
    ingestor.sync([sample_corpus])
    edited = sample_corpus / "markdown/preston-spend-analysis-guide.md"
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\n\nA brand new closing paragraph about zebras.\n"
    )
    (sample_corpus / "markdown/north-ayrshire-cwb-council-case-study.md").unlink()

    report = ingestor.sync([sample_corpus])
    assert report.updated == ["preston-spend-analysis-guide"]
    assert report.removed == ["north-ayrshire-cwb-council-case-study"]
    assert len(report.unchanged) == N_DOCS - 2

    store = ChunkStore.from_settings(settings)
    raw = store.collection().get(include=["metadatas", "documents"])
    preston = [
        (m, d)
        for m, d in zip(raw["metadatas"], raw["documents"], strict=True)
        if m["doc_id"] == "preston-spend-analysis-guide"
    ]
    assert len({m["doc_hash"] for m, _ in preston}) == 1  # old version gone
    assert any("zebras" in d for _, d in preston)
    assert "north-ayrshire-cwb-council-case-study" not in {m["doc_id"] for m in raw["metadatas"]}


def test_bad_files_fail_alone_and_lose_nothing(
    settings: Settings, sample_corpus: Path, embedder: Embedder
) -> None:
    ingestor = ingestor_for(settings, embedder)
    ingestor.sync([sample_corpus])
    good = sample_corpus / "markdown/preston-spend-analysis-guide.md"
    good.write_text("---\ntitle: [broken\n---\n", encoding="utf-8")  # an indexed file goes bad
    (sample_corpus / "empty.md").write_text("")
    (sample_corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    duplicate = sample_corpus / "markdown/copy-of-lambeth.md"
    shutil.copy(sample_corpus / "markdown/haln-lambeth-gp-food-coop-case-study.md", duplicate)
    text = duplicate.read_text(encoding="utf-8")
    duplicate.write_text(text.replace("id: haln-lambeth-gp-food-coop-case-study", "id: copy-of-lambeth"))

    report = ingestor.sync([sample_corpus])
    failures = {Path(p.path).name: p for p in report.failed}
    assert set(failures) == {"preston-spend-analysis-guide.md", "empty.md", "copy-of-lambeth.md"}
    assert "malformed front matter" in failures["preston-spend-analysis-guide.md"].reason
    assert "already claimed by" in failures["copy-of-lambeth.md"].reason
    assert failures["copy-of-lambeth.md"].field == "source_url"
    assert report.unsupported and report.unsupported[0].endswith("notes.docx")
    # The previously indexed version of the now-broken file still answers.
    assert "preston-spend-analysis-guide" in live_doc_ids(settings)
    assert not report.removed


def test_dry_run_writes_nothing(settings: Settings, sample_corpus: Path, embedder: Embedder) -> None:
    report = ingestor_for(settings, embedder).sync([sample_corpus], dry_run=True)
    assert len(report.added) == N_DOCS and report.chunks_embedded == 0
    with pytest.raises(IndexMissingError, match="haln ingest"):
        ChunkStore.from_settings(settings).load()


def test_a_new_reader_revision_rereads_only_its_file_type(
    settings: Settings, sample_corpus: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fix to how PDFs are read reaches an existing index on the next plain `haln ingest`, without
    re-embedding the Markdown and HTML documents it does not touch."""
    from ingest import loaders

    ingestor_for(settings, embedder).sync([sample_corpus])
    pdfs = sorted(p.stem for p in sample_corpus.rglob("*.pdf"))
    assert pdfs
    monkeypatch.setitem(loaders.READER_REVISIONS, ".pdf", loaders.READER_REVISIONS[".pdf"] + 1)
    report = ingestor_for(settings, embedder).sync([sample_corpus])
    assert sorted(report.updated) == pdfs and not report.added and not report.failed
    assert len(report.unchanged) == N_DOCS - len(pdfs)
    assert len(live_doc_ids(settings)) == N_DOCS


def test_changed_chunking_needs_rebuild(settings: Settings, sample_corpus: Path, embedder: Embedder) -> None:
    ingestor_for(settings, embedder).sync([sample_corpus])
    other = settings.model_copy(update={"chunk_size": 128})
    with pytest.raises(IndexMismatchError, match="haln ingest --rebuild"):
        ingestor_for(other, embedder).sync([sample_corpus])
    report = ingestor_for(other, embedder).sync([sample_corpus], rebuild=True)
    assert len(report.added) == N_DOCS
    store = ChunkStore.from_settings(other)
    assert store.collection().metadata["chunk_size"] == 128
    assert [c.name for c in store.client.list_collections()] == [store.name]
    with pytest.raises(IndexMismatchError):
        ChunkStore.from_settings(settings).load()
