"""Index snapshots: the built in-memory index saved beside the store, keyed by the store's content version.

Building the index (BM25, FAISS IVF, filter columns) from Chroma takes about 30 s at 100k chunks, and
every API worker and replica did it at start and after every change. A snapshot holds what the build
computes; a process whose store is at the same content version (`ChunkStore.version()`) restores it in
about a second instead, with the chunk vectors, the filter columns and BM25's score matrix memory-mapped
(read-only pages the kernel shares between the workers of a machine). One process per machine builds a
missing snapshot while the others wait for it (a file lock), so N workers cost one build, not N.

Layout: `<root>/<content version>/` with `manifest.json` (written last: a folder without it is not a
snapshot), `chunks.json` (ids, texts, metadata), `embeddings.npy`, `columns/*.npy`, `themes.npy`,
`idf.json`, `bm25/` (bm25s's own format plus the tokenizer's vocabulary) and `ivf.faiss` above the
approximate-search threshold. A folder is written under a temporary name and renamed into place, so a
reader never sees half of one; the newest `KEEP` are kept.
"""

from __future__ import annotations

import copy
import fcntl
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import orjson

from assistant.dense import DenseSearch
from assistant.index import FILTER_COLUMNS, Prebuilt, SearchIndex, new_tokenizer
from core.schemas import THEMES

log = logging.getLogger("haln.snapshot")

# Bump when the layout or what SearchIndex precomputes changes: older snapshots are ignored.
# 2: BM25's average document length (`avgdl`), which a delta index scores its chunks with.
FORMAT = 2
KEEP = 2
MIB = 1024 * 1024
# What a snapshot takes on disk per chunk when no earlier one can be measured: 518.2 MB for 100k chunks
# in bench/RESULTS.md (vectors, texts and metadata, BM25's score matrix, the IVF lists).
BYTES_PER_CHUNK = 5_200
COLUMNS = FILTER_COLUMNS


def _folder_name(version: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", version)


def free_bytes(path: Path) -> int:
    """Free space on the filesystem holding `path` (or its nearest existing parent)."""
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


class SnapshotStore:
    """Saved indexes of one collection under `root` (e.g. data/index-snapshots/<collection name>)."""

    def __init__(
        self, root: Path, min_free_mb: float = 0.0, disk_free: Callable[[Path], int] = free_bytes
    ) -> None:
        """A snapshot is written only while the disk keeps `min_free_mb` MiB free after it
        (HALN_MIN_FREE_MB, the margin ingest keeps for Chroma); `disk_free` measures the free space."""
        self.root = root
        self.min_free_mb = min_free_mb
        self.disk_free = disk_free
        self.problem: str | None = None  # why the last save wrote nothing, for the CLI to say

    def path(self, version: str) -> Path:
        return self.root / _folder_name(version)

    # -- reading -------------------------------------------------------------------------------

    def load(self, version: str) -> SearchIndex | None:
        """The index saved for `version`, or None when there is none (or it cannot be read: the caller
        then builds from the store, so a damaged snapshot costs a rebuild, never an answer)."""
        if not version:
            return None
        folder = self.path(version)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if manifest.get("format") != FORMAT or manifest.get("themes") != list(THEMES):
            return None
        try:
            return self._restore(folder, manifest)
        except Exception:
            log.warning("index snapshot %s could not be read; building from the store", folder, exc_info=True)
            return None

    def _restore(self, folder: Path, manifest: dict[str, Any]) -> SearchIndex:
        chunks = orjson.loads((folder / "chunks.json").read_bytes())
        embeddings = np.load(folder / "embeddings.npy", mmap_mode="r")
        columns = {
            name: (
                list(manifest["categories"][name]),
                np.load(folder / "columns" / f"{name}.npy", mmap_mode="r"),
            )
            for name in COLUMNS
        }
        themes = np.load(folder / "themes.npy", mmap_mode="r")
        tokenizer = new_tokenizer()
        bm25 = bm25s.BM25()
        if manifest["size"]:
            tokenizer.load_vocab(str(folder / "bm25"))
            bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
            bm25.vocab_dict = {int(k): v for k, v in bm25.vocab_dict.items()}
        ivf = None
        if (folder / "ivf.faiss").exists():
            ivf = _read_faiss(folder / "ivf.faiss")
        dense = DenseSearch(embeddings, ivf=ivf, nprobe=int(manifest["nprobe"]))
        idf = orjson.loads((folder / "idf.json").read_bytes())
        prebuilt = Prebuilt(dense, columns, themes, tokenizer, bm25, idf, float(manifest["avgdl"]))
        index = SearchIndex(
            chunks["ids"],
            chunks["texts"],
            chunks["metadatas"],
            embeddings,
            int(manifest["generation"]),
            str(manifest["version"]),
            prebuilt,
        )
        if index.size != manifest["size"] or embeddings.shape[0] != index.size:
            raise ValueError(f"snapshot {folder} is inconsistent")
        return index

    # -- writing -------------------------------------------------------------------------------

    def save(self, index: SearchIndex) -> Path | None:
        """Write `index` under its content version; None when it has no version or cannot be written
        (a read-only data folder: the index still serves, the next process builds its own)."""
        self.problem = None
        if not index.version or index.delta_of is not None:  # a delta is rebuilt from its base's snapshot
            return None
        final = self.path(index.version)
        if (final / "manifest.json").exists():
            return final
        if self.min_free_mb > 0:
            needed = self.estimate_bytes(index)
            free = self.disk_free(self.root)
            if free - needed < self.min_free_mb * MIB:
                self.problem = (
                    f"not saving the index snapshot in {self.root}: {free / MIB:.0f} MiB free, and the "
                    f"snapshot needs about {needed / MIB:.0f} MiB on top of the {self.min_free_mb:g} MiB "
                    "HALN_MIN_FREE_MB keeps free for the store. The index in memory keeps serving and the "
                    "saved snapshots are kept; free some space (or lower HALN_MIN_FREE_MB)."
                )
                log.warning(self.problem)
                return None
        temporary = self.root / f".tmp-{_folder_name(index.version)}-{os.getpid()}"
        try:
            shutil.rmtree(temporary, ignore_errors=True)
            self._write(index, temporary)
            try:
                temporary.rename(final)
            except OSError:  # another process saved the same version first
                shutil.rmtree(temporary, ignore_errors=True)
            self.prune(keep=index.version)
        except OSError as exc:
            shutil.rmtree(temporary, ignore_errors=True)
            self.problem = f"could not save the index snapshot in {self.root}: {exc}"
            log.warning(self.problem)
            return None
        return final

    def estimate_bytes(self, index: SearchIndex) -> int:
        """Disk space a snapshot of `index` will take: the newest saved snapshot's size on disk scaled to
        this index's chunks, else BYTES_PER_CHUNK each."""
        for version in self.saved():
            folder = self.path(version)
            with suppress(OSError, ValueError, KeyError):
                rows = int(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["size"])
                used = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
                if rows:
                    return int(used * index.size / rows)
            break
        return index.size * BYTES_PER_CHUNK

    def _write(self, index: SearchIndex, folder: Path) -> None:
        (folder / "columns").mkdir(parents=True)
        chunks = {"ids": index.ids, "texts": index.texts, "metadatas": index.metadatas}
        (folder / "chunks.json").write_bytes(orjson.dumps(chunks, option=orjson.OPT_SERIALIZE_NUMPY))
        np.save(folder / "embeddings.npy", np.ascontiguousarray(index.embeddings, dtype=np.float32))
        for name in COLUMNS:
            np.save(folder / "columns" / f"{name}.npy", index.columns[name][1])
        np.save(folder / "themes.npy", np.asarray(index.theme_matrix))
        (folder / "idf.json").write_bytes(orjson.dumps(index.idf))
        if index.size:
            # Indexed from token ids, BM25's vocabulary is keyed by int, which JSON cannot hold: saved
            # with string keys and turned back on restore.
            vocab = index.bm25.vocab_dict
            keyed = copy.copy(index.bm25)
            keyed.vocab_dict = {str(k): v for k, v in vocab.items()}
            keyed.save(str(folder / "bm25"), show_progress=False)
            index.tokenizer.save_vocab(str(folder / "bm25"))
        if not isinstance(index.dense, DenseSearch):
            raise TypeError("only a full index is saved as a snapshot")
        if index.dense.ivf is not None:
            import faiss

            faiss.write_index(index.dense.ivf, str(folder / "ivf.faiss"))
        manifest = {
            "format": FORMAT,
            "version": index.version,
            "generation": index.generation,
            "size": index.size,
            "nprobe": index.dense.nprobe,
            "avgdl": index.avgdl,
            "themes": list(THEMES),
            "categories": {name: index.columns[name][0] for name in COLUMNS},
            "created_at": time.time(),
            "bm25s": bm25s.__version__,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    def saved(self) -> list[str]:
        """Content versions with a readable manifest of this format, newest first."""
        found: list[tuple[float, str]] = []
        if self.root.is_dir():
            for folder in self.root.iterdir():
                with suppress(OSError, ValueError, KeyError):
                    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
                    if manifest.get("format") == FORMAT:
                        found.append((float(manifest["created_at"]), str(manifest["version"])))
        return [version for _, version in sorted(found, reverse=True)]

    def prune(self, keep: str) -> None:
        """Remove all but the newest `KEEP` snapshots (never `keep`) and temporary folders left by a
        killed writer. A process still reading a removed snapshot keeps its mapped pages (Linux frees
        them when it lets go)."""
        if not self.root.is_dir():
            return
        saved: list[tuple[float, Path]] = []
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            if folder.name.startswith(".tmp-"):
                with suppress(OSError):
                    if time.time() - folder.stat().st_mtime > 3600:
                        shutil.rmtree(folder, ignore_errors=True)
                continue
            with suppress(OSError, ValueError):
                created = float(json.loads((folder / "manifest.json").read_text())["created_at"])
                saved.append((created, folder))
        saved.sort(reverse=True)
        for _, folder in saved[KEEP:]:
            if folder.name != _folder_name(keep):
                shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def building(self) -> Iterator[None]:
        """Held while a process builds an index to save: the other workers of the machine wait, then
        restore what it saved instead of building the same index again."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / "build.lock", "a+")  # noqa: SIM115  (closed below)
        except OSError:  # a read-only data folder: every process builds for itself
            yield
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            handle.close()  # closing releases the lock


def _read_faiss(path: Path) -> Any:
    import faiss

    try:  # the inverted lists memory-mapped, shared between the workers of a machine
        return faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
    except RuntimeError:
        return faiss.read_index(str(path))
