"""Issue 19, case 2: `haln sources delete ID` and `haln sources prune` (orphans)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.embedding import Embedder
from core.settings import Settings
from ingest.manage import UnknownDocumentError, delete_documents, orphans, prune
from ingest.sync import build_ingestor
from tests.cli_helpers import run_haln
from tests.ingest.test_identity import doc, live


def test_delete_removes_a_corpus_document_and_says_its_file_remains(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    doc(corpus, "a.md", "https://example.org/a")
    doc(corpus, "b.md", "https://example.org/b")
    ingestor = build_ingestor(settings, embedder=embedder)
    ingestor.sync([corpus])
    [removed] = delete_documents(ingestor, settings, ["a"])
    assert removed.chunks_deleted >= 1 and removed.file_remains and not removed.file_removed
    assert sorted(live(settings)) == ["b"]
    with pytest.raises(UnknownDocumentError, match="'nope'"):
        delete_documents(ingestor, settings, ["b", "nope"])
    assert sorted(live(settings)) == ["b"]  # an unknown id removes nothing


def test_delete_of_an_upload_removes_its_folder(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    upload = doc(settings.uploads_dir / "00aa11bb22cc33dd", "up.md", "https://example.org/up")
    ingestor = build_ingestor(settings, embedder=embedder)
    ingestor.sync([upload])
    [removed] = delete_documents(ingestor, settings, ["up"])
    assert removed.file_removed and not upload.parent.exists()
    assert live(settings) == {}


def test_prune_removes_only_documents_whose_file_is_gone(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    kept = doc(tmp_path / "kept", "kept.md", "https://example.org/kept")
    gone = doc(tmp_path / "gone", "gone.md", "https://example.org/gone")
    ingestor = build_ingestor(settings, embedder=embedder)
    ingestor.sync([kept.parent])
    ingestor.sync([gone.parent])
    gone.unlink()
    gone.parent.rmdir()
    assert list(orphans(ingestor)) == ["gone"]
    assert [r.doc_id for r in prune(ingestor, settings, dry_run=True)] == ["gone"]
    assert sorted(live(settings)) == ["gone", "kept"]
    assert [r.doc_id for r in prune(ingestor, settings)] == ["gone"]
    assert sorted(live(settings)) == ["kept"]
    assert prune(ingestor, settings) == []


def test_delete_and_prune_through_the_command_line(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    doc(corpus, "a.md", "https://example.org/a")
    orphan = doc(tmp_path / "other", "o.md", "https://example.org/o")
    ingestor = build_ingestor(settings, embedder=embedder)
    ingestor.sync([corpus])
    ingestor.sync([orphan.parent])
    orphan.unlink()
    data = settings.data_dir

    missing = run_haln("sources", "delete", "nope", data_dir=data)
    assert missing.returncode == 2 and "'nope'" in missing.stderr
    deleted = run_haln("sources", "delete", "a", data_dir=data)
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted a" in deleted.stdout and "still on disk" in deleted.stderr
    pruned = json.loads(run_haln("sources", "prune", "--json", data_dir=data).stdout)
    assert [p["doc_id"] for p in pruned] == ["o"]
    assert live(settings) == {}
