"""Index snapshots: a second process restores the saved index instead of building it, and answers the same;
a new content version is picked up and saved once; the approximate (IVF) index survives the round trip."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.index import SearchIndex
from assistant.service import Assistant, index_holder
from assistant.snapshot import BYTES_PER_CHUNK, SnapshotStore
from core.embedding import Embedder
from core.schemas import THEMES, SearchFilters
from core.settings import Settings
from core.store import ChunkStore
from ingest.sync import build_ingestor
from tests.cli_helpers import REPO, haln_env, run_haln
from tests.conftest import copy_docs

QUESTIONS = [
    "Where do I start with local recruitment?",
    "How did Preston analyse its spend?",
    "What did NHS Lanarkshire do as an anchor organisation?",
]
FILTER = SearchFilters(doc_type=["case_study"])

SECOND_PROCESS = """
import json, sys
from assistant.service import Assistant
from core.schemas import SearchFilters
from core.settings import Settings
assistant = Assistant.from_settings(Settings())
index = assistant.index.get()
questions = json.loads(sys.argv[1])
answers = [assistant.answer(q).answer for q in questions]
answers += [assistant.answer(q, filters=SearchFilters(doc_type=["case_study"])).answer for q in questions]
print(json.dumps({
    "origin": index.origin, "built": assistant.index.built, "restored": assistant.index.restored,
    "version": index.version, "size": index.size, "answers": answers,
    "mapped": type(index.embeddings).__name__,
}))
"""


def run_second_process(data_dir: Path, corpus: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, json.dumps(QUESTIONS)],
        cwd=REPO,
        env=haln_env(data_dir, HALN_CORPUS_DIR=str(corpus)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_second_process_restores_the_snapshot_and_answers_identically(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = copy_docs(tmp_path / "corpus")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, chroma_url=None)
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed

    holder = index_holder(settings)
    built = holder.get()
    assert (holder.built, holder.restored, built.origin) == (1, 0, "built")
    store = ChunkStore.from_settings(settings)
    assert built.version == store.version() != ""
    snapshot = settings.snapshot_path / store.name / built.version
    assert (snapshot / "manifest.json").exists()

    here = Assistant(settings, holder, embedder)
    expected = [here.answer(q).answer for q in QUESTIONS]
    expected += [here.answer(q, filters=FILTER).answer for q in QUESTIONS]

    second = run_second_process(settings.data_dir, corpus)
    assert (second["origin"], second["built"], second["restored"]) == ("snapshot", 0, 1)
    assert second["version"] == built.version and second["size"] == built.size
    assert second["mapped"] == "memmap"  # the vectors are read from the file, not copied into memory
    assert second["answers"] == expected


def test_a_new_version_is_picked_up_and_saved_once(tmp_path: Path, embedder: Embedder) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, index_check_s=0.05)
    ingestor = build_ingestor(settings, embedder=embedder)
    assert not ingestor.sync([corpus]).failed
    worker = index_holder(settings)
    first = worker.get()

    copy_docs(corpus, ["markdown/preston-spend-analysis-guide.md"])
    started = time.monotonic()
    assert not ingestor.sync([corpus]).failed
    new_version = ChunkStore.from_settings(settings).version()
    assert new_version != first.version
    while worker.get() is first and time.monotonic() - started < 10:
        time.sleep(0.05)
    assert worker.get().version == new_version, "the new version was not picked up within 10 s"
    # Adding a document to a one-document store is past a delta's limits (assistant/delta.py): the
    # delta serves first, then the full build that replaces it, saved as the new version's snapshot.
    while worker.refreshing and time.monotonic() - started < 30:
        time.sleep(0.05)
    fresh = worker.get()
    assert (fresh.version, fresh.origin) == (new_version, "built")
    assert set(fresh.doc_ids) == {"haln-vibrant-network-qa", "preston-spend-analysis-guide"}
    assert (worker.built, worker.deltas) == (2, 1)

    # Another worker (or a restarted one) at this version restores it rather than building it.
    other = index_holder(settings)
    restored = other.get()
    assert (other.built, other.restored, restored.origin) == (0, 1, "snapshot")
    assert restored.ids == fresh.ids and restored.version == new_version
    # The snapshot of the older version is kept (KEEP = 2); nothing else is left in the folder.
    saved = sorted(p.name for p in (settings.snapshot_path / worker.store.name).iterdir() if p.is_dir())
    assert saved == sorted([first.version, new_version])


def test_snapshots_can_be_turned_off(tmp_path: Path, embedder: Embedder) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, index_snapshots=False)
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed
    for _ in range(2):
        holder = index_holder(settings)
        assert holder.get().origin == "built" and holder.built == 1
    assert not settings.snapshot_path.exists()


def synthetic_index(rows: int, dim: int = 32) -> SearchIndex:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(rows, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = ["anchor", "procurement", "recruitment", "housing", "estates", "wellbeing", "carbon", "spend"]
    texts = [" ".join(rng.choice(words, 6)) + f" item{i % 97}" for i in range(rows)]
    metas = [
        {
            "doc_id": f"doc-{i // 4}",
            "title": f"Document {i // 4}",
            "section": "Findings",
            "doc_type": ["case_study", "guide", "toolkit"][i % 3],
            "nation": ["England", "Scotland", "Wales"][i % 3 - 1],
            "org_type": ["nhs_trust", "council"][i % 2],
            "themes": [THEMES[i % len(THEMES)]],
        }
        for i in range(rows)
    ]
    return SearchIndex([f"c{i:06d}" for i in range(rows)], texts, metas, vectors, 3, "3-abc")


@pytest.mark.parametrize("rows", [0, 20_000])  # an empty store, and one above the IVF threshold
def test_snapshot_round_trip_keeps_every_search_structure(tmp_path: Path, rows: int) -> None:
    built = synthetic_index(rows)
    assert built.dense.approximate == (rows >= 20_000)
    snapshots = SnapshotStore(tmp_path / "snapshots")
    assert snapshots.save(built) is not None
    restored = snapshots.load("3-abc")
    assert restored is not None and restored.origin == "snapshot"
    assert restored.dense.approximate == built.dense.approximate
    assert restored.dense.nprobe == built.dense.nprobe
    assert snapshots.load("4-other") is None
    filters = [None, FILTER, SearchFilters(nation=["Wales"], themes=[THEMES[0]])]
    for f in filters:
        mask, again = built.mask(f), restored.mask(f)
        assert (mask is None and again is None) or np.array_equal(mask, again)
    if not rows:
        assert restored.size == 0
        return
    assert restored.idf == built.idf and restored.ids == built.ids
    for i in range(5):
        query = built.embeddings[i * 997]
        for f in filters:
            assert restored.dense.search(query, restored.mask(f), 40) == built.dense.search(
                query, built.mask(f), 40
            )
    for text in ("procurement carbon", "housing wellbeing item5"):
        tokens = built.tokenizer.tokenize([text], update_vocab=False, return_as="ids", show_progress=False)
        again = restored.tokenizer.tokenize([text], update_vocab=False, return_as="ids", show_progress=False)
        assert np.allclose(built.bm25.get_scores(tokens[0]), restored.bm25.get_scores(again[0]))


def test_a_damaged_snapshot_is_rebuilt_not_served(tmp_path: Path) -> None:
    snapshots = SnapshotStore(tmp_path / "snapshots")
    snapshots.save(synthetic_index(50))
    (snapshots.path("3-abc") / "embeddings.npy").write_bytes(b"not an array")
    assert snapshots.load("3-abc") is None


def test_haln_ingest_saves_the_snapshot_of_the_version_it_wrote(tmp_path: Path) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    data = tmp_path / "data"
    first = run_haln("ingest", "--json", data_dir=data, HALN_CORPUS_DIR=str(corpus), timeout=600)
    assert first.returncode == 0, first.stderr
    assert "Search index snapshot saved in" in first.stderr
    settings = Settings(data_dir=data, corpus_dir=corpus)
    store = ChunkStore.from_settings(settings)
    version = store.version()
    assert (settings.snapshot_path / store.name / version / "manifest.json").exists()

    # A worker starting afterwards restores it: no build.
    worker = index_holder(settings)
    assert (worker.get().origin, worker.built, worker.restored) == ("snapshot", 0, 1)

    # A change saves the new version's snapshot too; a run that changes nothing saves nothing new.
    copy_docs(corpus, ["markdown/preston-spend-analysis-guide.md"])
    second = run_haln("ingest", "--json", data_dir=data, HALN_CORPUS_DIR=str(corpus), timeout=600)
    assert second.returncode == 0, second.stderr
    new_version = store.version()
    assert new_version != version
    assert (settings.snapshot_path / store.name / new_version / "manifest.json").exists()
    other = index_holder(settings)
    assert (other.get().origin, other.built, other.get().version) == ("snapshot", 0, new_version)
    third = run_haln("ingest", "--json", data_dir=data, HALN_CORPUS_DIR=str(corpus), timeout=600)
    assert third.returncode == 0 and "snapshot" not in third.stderr

    # Off: nothing saved.
    off = tmp_path / "off"
    result = run_haln(
        "ingest", "--json", data_dir=off, HALN_CORPUS_DIR=str(corpus), HALN_INDEX_SNAPSHOTS="false"
    )
    assert result.returncode == 0, result.stderr
    assert not (off / "index-snapshots").exists()


def test_a_snapshot_that_would_fill_the_disk_is_not_written(tmp_path: Path) -> None:
    root = tmp_path / "snapshots"
    old = synthetic_index(400)
    assert SnapshotStore(root).save(old) is not None
    size = sum(f.stat().st_size for f in (root / "3-abc").rglob("*") if f.is_file())
    new = SearchIndex(
        old.ids * 2, old.texts * 2, old.metadatas * 2, np.vstack([old.embeddings] * 2), 4, "4-new"
    )

    # The estimate is the last snapshot's size on disk, scaled to the new index's chunks.
    snapshots = SnapshotStore(root, min_free_mb=10, disk_free=lambda _: 10 * 2**20 + size)
    assert snapshots.estimate_bytes(new) == 2 * size
    assert snapshots.save(new) is None
    assert snapshots.problem is not None and str(root) in snapshots.problem
    assert "HALN_MIN_FREE_MB" in snapshots.problem
    assert not snapshots.path("4-new").exists()
    assert snapshots.load("3-abc") is not None  # the saved one is kept
    roomy = SnapshotStore(root, min_free_mb=10, disk_free=lambda _: 10 * 2**20 + 2 * size + 1)
    assert roomy.save(new) is not None and roomy.problem is None

    # On the real disk: a margin larger than the free space refuses, and the worker keeps serving.
    real = SnapshotStore(tmp_path / "other", min_free_mb=shutil.disk_usage(tmp_path).free / 2**20 + 1)
    assert real.estimate_bytes(old) == 400 * BYTES_PER_CHUNK  # nothing saved there yet
    assert real.save(old) is None and not real.path("3-abc").exists()


def test_haln_ingest_skips_the_snapshot_when_the_disk_is_short(tmp_path: Path) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    data = tmp_path / "data"
    assert run_haln("ingest", data_dir=data, HALN_CORPUS_DIR=str(corpus)).returncode == 0
    settings = Settings(data_dir=data, corpus_dir=corpus)
    store = ChunkStore.from_settings(settings)
    saved = settings.snapshot_path / store.name / store.version()
    assert (saved / "manifest.json").exists()

    # The last snapshot looks large (a sparse file: its apparent size, no disk), so the next one is
    # estimated larger than the room above the margin while the ingest's own check still passes.
    free_mb = shutil.disk_usage(tmp_path).free / 2**20
    padding_mb = min(4000.0, free_mb / 2)
    with open(saved / "padding.bin", "wb") as handle:
        handle.truncate(int(padding_mb * 2**20))
    copy_docs(corpus, ["markdown/preston-spend-analysis-guide.md"])
    margin = free_mb - padding_mb / 2
    result = run_haln("ingest", data_dir=data, HALN_CORPUS_DIR=str(corpus), HALN_MIN_FREE_MB=f"{margin:.0f}")
    assert result.returncode == 0, result.stderr
    assert "The search index snapshot was not saved" in result.stderr
    assert str(settings.snapshot_path / store.name) in "".join(result.stderr.split("\n"))
    assert store.version() != saved.name
    assert not (settings.snapshot_path / store.name / store.version()).exists()
    assert (saved / "manifest.json").exists()  # the earlier snapshot is untouched
    # Workers still get the new version: the saved snapshot plus the change as a delta.
    worker = index_holder(settings)
    worker.delta_limits = (10_000, 1.0)
    assert (worker.get().version, worker.get().origin, worker.built) == (store.version(), "delta", 0)
