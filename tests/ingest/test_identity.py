"""Issue 19, cases 1 and 2: one document identity for every path, and uploads kept by a rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.embedding import Embedder
from core.settings import Settings
from core.store import ChunkStore
from ingest.sync import build_ingestor

BODY = (
    "Anchor institutions buy locally and recruit from nearby neighbourhoods. "
    "The hospital's procurement team set a target for local spend and reported on it every quarter. "
    "Staff volunteering days supported community growing groups across the borough.\n"
)


def doc(folder: Path, name: str, url: str, doc_id: str | None = None, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    id_line = f"id: {doc_id}\n" if doc_id else ""
    path = folder / name
    path.write_text(
        f"---\n{id_line}title: Note {name}\nsource_url: {url}\npublisher: Example Trust\n"
        "doc_type: blog\nnation: England\norg_type: nhs_trust\nthemes: [procurement]\n---\n"
        f"# Note\n\n{BODY}{extra}",
        encoding="utf-8",
    )
    return path


def live(settings: Settings) -> dict[str, str]:
    stored = ChunkStore.from_settings(settings).load()
    return {str(m["doc_id"]): str(m["source_path"]) for m in stored.metadatas}


def test_a_file_elsewhere_with_a_corpus_documents_id_is_refused_naming_the_owner(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    owner = doc(corpus, "a.md", "https://example.org/a", doc_id="shared-id")
    ingestor = build_ingestor(settings, embedder=embedder)
    assert ingestor.sync([corpus]).added == ["shared-id"]

    other = doc(tmp_path / "elsewhere", "b.md", "https://example.org/b", doc_id="shared-id")
    report = ingestor.sync([other.parent])
    assert not report.updated and not report.added
    assert [(p.field, "a.md" in p.reason, "--replace" in p.reason) for p in report.failed] == [
        ("id", True, True)
    ]
    # Alternating the two runs never swaps them: the corpus file keeps its document.
    assert ingestor.sync([corpus]).unchanged == ["shared-id"]
    assert live(settings)["shared-id"] == str(owner.resolve())

    replaced = ingestor.sync([other.parent], replace=True)
    assert replaced.updated == ["shared-id"] and not replaced.failed
    assert live(settings)["shared-id"] == str(other.resolve())


def test_a_duplicate_source_url_is_caught_across_runs(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    ingestor = build_ingestor(settings, embedder=embedder)
    ingestor.sync([doc(tmp_path / "one", "first.md", "https://example.org/same")])
    second = doc(tmp_path / "two", "second.md", "https://example.org/same")
    report = ingestor.sync([second.parent])
    assert [p.field for p in report.failed] == ["source_url"]
    assert "'first'" in report.failed[0].reason and "first.md" in report.failed[0].reason
    assert sorted(live(settings)) == ["first"]

    replaced = ingestor.sync([second.parent], replace=True)
    assert replaced.added == ["second"] and replaced.removed == ["first"]
    assert sorted(live(settings)) == ["second"]


def test_a_moved_file_takes_its_document_over(settings: Settings, tmp_path: Path, embedder: Embedder) -> None:
    ingestor = build_ingestor(settings, embedder=embedder)
    old = doc(tmp_path / "old", "moved.md", "https://example.org/moved")
    ingestor.sync([old.parent])
    new = tmp_path / "new" / "moved.md"
    new.parent.mkdir()
    old.rename(new)
    report = ingestor.sync([new.parent])
    assert report.updated == ["moved"] and not report.failed and not report.removed
    assert live(settings)["moved"] == str(new.resolve())


def test_rebuild_keeps_uploads_and_files_from_other_folders_and_says_what_left(
    settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    doc(corpus, "kept.md", "https://example.org/kept")
    upload = doc(settings.uploads_dir / "0123456789abcdef", "uploaded.md", "https://example.org/up")
    gone = doc(tmp_path / "elsewhere", "gone.md", "https://example.org/gone")
    ingestor = build_ingestor(settings, embedder=embedder)
    ingestor.sync([corpus])
    ingestor.sync([upload])
    ingestor.sync([gone])
    gone.unlink()

    report = ingestor.sync([corpus], rebuild=True)
    assert sorted(report.added) == ["kept", "uploaded"]
    assert report.removed == ["gone"]
    assert sorted(live(settings)) == ["kept", "uploaded"]


def test_a_plain_ingest_syncs_the_uploads_folder_too(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")
    assert settings.managed_folders() == [tmp_path / "corpus"]
    settings.uploads_dir.mkdir(parents=True)
    assert settings.managed_folders() == [tmp_path / "corpus", tmp_path / "data" / "uploads"]


@pytest.mark.parametrize("with_id", [True, False])
def test_re_ingesting_the_same_file_is_no_conflict(
    settings: Settings, tmp_path: Path, embedder: Embedder, with_id: bool
) -> None:
    path = doc(tmp_path / "c", "same.md", "https://example.org/same", doc_id="same" if with_id else None)
    ingestor = build_ingestor(settings, embedder=embedder)
    ingestor.sync([path.parent])
    doc(path.parent, "same.md", "https://example.org/same", "same" if with_id else None, extra="More.\n")
    assert ingestor.sync([path.parent]).updated == ["same"]
