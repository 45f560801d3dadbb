"""The Chroma chunk store: embedded `PersistentClient` by default, `HttpClient` for a `chroma run` server.

The collection is named after its fingerprint (model, dimension, chunking, parser), so vectors made
with different settings never mix. Each chunk records its document id and content hash; a document
version is *complete* when all of its `n_chunks` chunks are present. Readers serve only the newest
complete version of each document, which is what makes an interrupted ingest harmless.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shutil
import stat
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from core.embedding import MODEL_DIM, MODEL_NAME, embedder_name, index_fingerprint
from core.errors import IndexMismatchError, IndexMissingError, StoreUnavailableError
from core.settings import Settings

# 3: HTML stripped from bodies and metadata, planted instructions quarantined (ingest/quarantine.py).
# 4: a short PDF line before an upper-case line is a heading, not joined into the next sentence.
# 5: the corpus's provenance line ("This is a summary, in our own words, of …") is out of chunk text.
# 6: PDF running headers, footers and page labels removed; a wrapped line starting "2022." is not a list item.
# 7: a PDF page heading wrapped onto a second line keeps its rest ("…the NHS as" / "an anchor institution");
#    a Markdown paragraph's soft wraps are joined.
PARSER_VERSION = "7"
STAGING_SUFFIX = "_staging"
PAGE_SIZE = 2000
# The change log on the collection (which documents each content version changed, so a worker can apply
# a small change as a delta instead of rebuilding its index: assistant/delta.py) keeps at most this many
# document ids, oldest versions dropped first. Every worker reads the log with the version marker it
# polls, so it stays small: 2,000 ids are about 80 kB, and more than the largest delta a worker applies
# (assistant/delta.py MAX_ROWS, 8,192 chunks, is a few hundred documents of the real corpus's size).
CHANGE_LOG_MAX_DOCS = 2000
log = logging.getLogger("haln.store")


@dataclass(frozen=True)
class IndexShape:
    """What shaped the vectors; recorded on the collection."""

    model: str = MODEL_NAME
    dim: int = MODEL_DIM
    chunk_size: int = 256
    chunk_overlap: int = 32
    parser_version: str = PARSER_VERSION

    @property
    def fingerprint(self) -> str:
        return index_fingerprint(
            self.model, self.dim, self.chunk_size, self.chunk_overlap, self.parser_version
        )

    def as_metadata(self) -> dict[str, Any]:
        return {
            "embed_model": self.model,
            "dim": self.dim,
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "parser_version": self.parser_version,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> IndexShape:
        return cls(
            model=embedder_name(settings.embedder),
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
        )


@dataclass
class DocVersion:
    doc_id: str
    doc_hash: str
    n_chunks: int
    ingested_at: float
    source_url: str = ""
    source_path: str = ""
    chunk_ids: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.chunk_ids) >= self.n_chunks


@dataclass(frozen=True)
class Changes:
    """The documents changed between a version of the store and its current one (`version`)."""

    version: str
    doc_ids: frozenset[str]


@dataclass
class StoredChunks:
    """A snapshot of the chunks readers should see (newest complete version of each document)."""

    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    embeddings: np.ndarray


def writable(path: Path) -> bool:
    """Whether this process may write in `path`: false on a read-only mount even for root (EROFS)."""
    return os.access(path, os.W_OK)


def read_only_snapshot(chroma_path: Path) -> Path:
    """A private copy of an embedded index whose folder cannot be written.

    Chroma opens its SQLite database read-write and may compact its log on open, so it cannot open a
    read-only folder at all ("attempt to write a readonly database"). Readers get a copy in a temporary
    folder, removed at exit: answers come from the index as it was when the copy was made."""
    snapshot = Path(tempfile.mkdtemp(prefix="haln-readonly-index-"))
    atexit.register(shutil.rmtree, snapshot, True)
    target = snapshot / "chroma"
    shutil.copytree(chroma_path, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    log.warning("%s is read-only: reading a copy of its index (%s)", chroma_path, target)
    return target


def make_client(settings: Settings, is_writable: Callable[[Path], bool] = writable) -> Any:
    """The Chroma client for the settings. An embedded index in a folder this process cannot write (a
    read-only mount, `chmod a-w`) is read from a private copy; `is_writable` is the check."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        path = settings.chroma_path
        if path.is_dir() and not is_writable(path):
            path = read_only_snapshot(path)
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # chromadb raises bare ValueError/ConnectionError for an absent server
        where = settings.chroma_url or settings.chroma_path
        raise StoreUnavailableError(f"cannot open the Chroma store at {where}: {exc}") from exc


class ChunkStore:
    """Reads and writes one fingerprinted collection."""

    def __init__(
        self,
        client: Any,
        shape: IndexShape,
        prefix: str = "haln",
        where: str = "",
        connect: Callable[[], Any] | None = None,
    ) -> None:
        """`client` is an open Chroma client, or None with `connect` to open one when first needed."""
        self._client = client
        self._connect = connect
        self._connecting = threading.Lock()
        self.shape = shape
        self.prefix = prefix
        self.where = where
        self.name = f"{prefix}_{shape.fingerprint}"
        self.embedded_path: Path | None = None  # the embedded index's folder (None for a Chroma server)

    @classmethod
    def from_settings(cls, settings: Settings) -> ChunkStore:
        """Connects on first use, not here: a service can start while a Chroma server is down and use it
        once it is back (each use retries the connection until one succeeds)."""
        where = settings.chroma_url or str(settings.chroma_path)
        store = cls(
            None,
            IndexShape.from_settings(settings),
            settings.collection_prefix,
            where,
            connect=lambda: make_client(settings),
        )
        store.embedded_path = None if settings.chroma_url else settings.chroma_path
        return store

    def previous_versions(self) -> dict[str, list[DocVersion]]:
        """The documents of the index in use now, whatever settings built it (a rebuild after a settings
        change keeps what that index held); empty when there is none. Creates nothing."""
        if self.embedded_path is not None and not (self.embedded_path / "chroma.sqlite3").is_file():
            return {}
        names = [n for n in self._ours() if not n.endswith(STAGING_SUFFIX)]
        name = self.name if self.name in names else (names[0] if names else None)
        if name is None:
            return {}
        return self.doc_versions(self.client.get_collection(name, embedding_function=None))

    def on_disk(self) -> list[dict[str, Any]]:
        """Each index of ours in the store (name, what built it, chunk count), whatever its settings."""
        found = []
        for name in self._ours():
            collection = self.client.get_collection(name, embedding_function=None)
            meta = {k: v for k, v in (collection.metadata or {}).items() if k != "change_log"}
            found.append({"collection": name, **meta, "chunks": collection.count()})
        return found

    def peek_versions(self) -> dict[str, list[DocVersion]] | None:
        """Every document version, for a run that must write nothing (`--dry-run`, `haln check`): None
        when there is no index yet, and nothing is created looking for one. Raises `IndexMismatchError`
        for an index built with other settings, as a real run would."""
        if self.embedded_path is not None and not (self.embedded_path / "chroma.sqlite3").is_file():
            return None
        try:
            return self.doc_versions(self.collection())
        except IndexMissingError:
            return None

    @property
    def client(self) -> Any:
        """The Chroma client; raises `StoreUnavailableError` while the store cannot be opened."""
        if self._client is None:
            with self._connecting:
                if self._client is None:
                    if self._connect is None:
                        raise StoreUnavailableError(f"no Chroma client for {self.where}")
                    self._client = self._connect()
        return self._client

    # -- collections ---------------------------------------------------------------------------

    def _names(self) -> list[str]:
        try:
            return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma store at {self.where} is unreachable: {exc}") from exc

    def _ours(self) -> list[str]:
        return [n for n in self._names() if n.startswith(f"{self.prefix}_")]

    def _describe_other(self, name: str) -> str:
        meta = self.client.get_collection(name, embedding_function=None).metadata or {}
        return (
            f"model {meta.get('embed_model')}, dim {meta.get('dim')}, chunk_size {meta.get('chunk_size')}, "
            f"overlap {meta.get('chunk_overlap')}, parser {meta.get('parser_version')}"
        )

    def collection(self, create: bool = False, rebuilding: bool = False) -> Any:
        """The collection for the current shape. Errors say how to fix a missing or mismatched index."""
        names = self._ours()
        staging = self.name + STAGING_SUFFIX
        if rebuilding:
            if staging in names:
                self.client.delete_collection(staging)
            return self.client.create_collection(
                staging,
                metadata={**self.shape.as_metadata(), "complete": False, "generation": 0},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        if self.name in names:
            return self.client.get_collection(self.name, embedding_function=None)
        if staging in names:
            meta = self.client.get_collection(staging, embedding_function=None).metadata or {}
            if meta.get("complete"):  # a rebuild finished but was stopped before its final rename
                self.client.get_collection(staging, embedding_function=None).modify(name=self.name)
                return self.client.get_collection(self.name, embedding_function=None)
        others = [n for n in names if n != staging and not n.endswith(STAGING_SUFFIX)]
        if others:
            current = (
                f"{self.shape.model}, chunk_size {self.shape.chunk_size}, overlap {self.shape.chunk_overlap}"
            )
            raise IndexMismatchError(
                f"The index in {self.where} was built with other settings "
                f"({self._describe_other(others[0])}) than the current ones ({current}). "
                "Run `haln ingest --rebuild` to rebuild it."
            )
        if not create:
            raise IndexMissingError(
                f"No index in {self.where} for model {self.shape.model} — run `haln ingest corpus/` first."
            )
        return self.client.create_collection(
            self.name,
            metadata={**self.shape.as_metadata(), "complete": True, "generation": 0},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

    def finish_rebuild(self, staging: Any) -> None:
        """Swap a fully built staging collection in; until this point the old index kept serving."""
        meta = dict(staging.metadata or {})
        staging.modify(metadata={**meta, "complete": True})
        for name in self._ours():
            if name != staging.name:
                self.client.delete_collection(name)
        staging.modify(name=self.name)

    def bump_generation(self, collection: Any, changed: Collection[str] | None = None) -> int:
        """Readers compare this counter (and the content version beside it) to notice that an ingest run
        changed the index. The version is new on every bump, so it also tells apart two collections that
        reached the same counter (a rebuild starts again from 0).

        `changed`: the ids of the documents this change added, replaced or removed, appended to the
        change log (`changes_since`). None when unknown (a rebuild): the log starts again, and a reader
        at an older version rebuilds its whole index."""
        meta = dict(collection.metadata or {})
        generation = int(meta.get("generation", 0)) + 1
        token = uuid.uuid4().hex[:16]
        docs = sorted(set(changed or ()))
        log_entries: list[list[Any]] = []
        if changed is None or len(docs) > CHANGE_LOG_MAX_DOCS:
            docs = []  # unknown, or too many to log: the log starts again at this version
        else:
            with contextlib.suppress(ValueError, TypeError):
                log_entries = list(json.loads(str(meta.get("change_log", "[]"))))
        log_entries.append([f"{generation}-{token}", docs])
        while sum(len(d) for _, d in log_entries) > CHANGE_LOG_MAX_DOCS:
            log_entries.pop(0)
        meta["generation"] = generation
        meta["updated_at"] = time.time()
        meta["content_version"] = token
        meta["change_log"] = json.dumps(log_entries)
        collection.modify(metadata=meta)
        return generation

    def changes_since(self, version: str) -> Changes | None:
        """The store's current version and the documents changed since `version` (added, replaced or
        removed), read from the change log kept beside the version marker; None when the log does not
        reach back to `version` (a rebuild since, older than the log, or another collection)."""
        try:
            meta = self.client.get_collection(self.name, embedding_function=None).metadata or {}
            entries = json.loads(str(meta.get("change_log", "[]")))
        except Exception:
            return None
        current = f"{int(meta.get('generation', 0))}-{meta.get('content_version', 'initial')}"
        if version == current:
            return Changes(current, frozenset())
        versions = [str(entry[0]) for entry in entries]
        if version not in versions or versions[-1] != current:
            return None
        later = entries[versions.index(version) + 1 :]
        return Changes(current, frozenset(str(d) for _, docs in later for d in docs))

    def generation(self) -> int:
        try:
            meta = self.client.get_collection(self.name, embedding_function=None).metadata or {}
        except Exception:
            return -1
        return int(meta.get("generation", 0))

    def version(self) -> str:
        """The store's content version, the marker every worker and replica polls: `<generation>-<token>`,
        new after every ingest, delete or rebuild. An empty string while the store cannot be read."""
        try:
            meta = self.client.get_collection(self.name, embedding_function=None).metadata or {}
        except Exception:
            return ""
        return f"{int(meta.get('generation', 0))}-{meta.get('content_version', 'initial')}"

    # -- reading -------------------------------------------------------------------------------

    def _pages(self, collection: Any, include: list[str]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = collection.get(include=include, limit=PAGE_SIZE, offset=offset)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])

    def doc_versions(self, collection: Any) -> dict[str, list[DocVersion]]:
        """Every version of every document present, complete or not."""
        versions: dict[tuple[str, str], DocVersion] = {}
        for page in self._pages(collection, ["metadatas"]):
            for chunk_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                key = (str(meta["doc_id"]), str(meta["doc_hash"]))
                version = versions.setdefault(
                    key,
                    DocVersion(
                        key[0],
                        key[1],
                        int(meta["n_chunks"]),
                        float(meta["ingested_at"]),
                        str(meta.get("source_url", "")),
                        str(meta.get("source_path", "")),
                    ),
                )
                version.chunk_ids.append(chunk_id)
        by_doc: dict[str, list[DocVersion]] = {}
        for version in versions.values():
            by_doc.setdefault(version.doc_id, []).append(version)
        return by_doc

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """Metadata of the newest stored version of one document (its first chunk), or None when the
        index holds no such document (or there is no index yet)."""
        try:
            collection = self.collection()
        except IndexMissingError:
            return None
        metas = collection.get(where={"doc_id": doc_id}, include=["metadatas"])["metadatas"] or []
        if not metas:
            return None
        newest = max(metas, key=lambda m: (float(m.get("ingested_at", 0)), -int(m.get("chunk_index", 0))))
        return dict(newest)

    @staticmethod
    def live_version(versions: list[DocVersion]) -> DocVersion | None:
        complete = [v for v in versions if v.complete]
        return max(complete, key=lambda v: v.ingested_at) if complete else None

    def load(self) -> StoredChunks:
        """All live chunks with their embeddings, for the in-memory retrievers."""
        collection = self.collection()
        by_doc = self.doc_versions(collection)
        return self._live_chunks(by_doc, self._pages(collection, ["metadatas", "documents", "embeddings"]))

    def load_documents(self, doc_ids: Collection[str]) -> StoredChunks:
        """The live chunks of these documents only (none for a removed one): what a delta index holds."""
        collection = self.collection()
        where = {"doc_id": {"$in": sorted(doc_ids)}}
        pages: list[dict[str, Any]] = []
        if doc_ids:
            offset = 0
            while True:
                page = collection.get(
                    where=where,
                    include=["metadatas", "documents", "embeddings"],
                    limit=PAGE_SIZE,
                    offset=offset,
                )
                if not page["ids"]:
                    break
                pages.append(page)
                offset += len(page["ids"])
        versions: dict[tuple[str, str], DocVersion] = {}
        for page in pages:
            for chunk_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                key = (str(meta["doc_id"]), str(meta["doc_hash"]))
                found = versions.setdefault(
                    key, DocVersion(key[0], key[1], int(meta["n_chunks"]), float(meta["ingested_at"]))
                )
                found.chunk_ids.append(chunk_id)
        by_doc: dict[str, list[DocVersion]] = {}
        for found in versions.values():
            by_doc.setdefault(found.doc_id, []).append(found)
        return self._live_chunks(by_doc, iter(pages))

    def _live_chunks(
        self, by_doc: dict[str, list[DocVersion]], pages: Iterator[dict[str, Any]]
    ) -> StoredChunks:
        live = {v.doc_hash + v.doc_id for vs in by_doc.values() if (v := self.live_version(vs))}
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        vectors: list[np.ndarray] = []
        for page in pages:
            for chunk_id, text, meta, vector in zip(
                page["ids"], page["documents"], page["metadatas"], page["embeddings"], strict=True
            ):
                if str(meta["doc_hash"]) + str(meta["doc_id"]) in live:
                    ids.append(chunk_id)
                    texts.append(text)
                    metas.append(meta)
                    vectors.append(np.asarray(vector, dtype=np.float32))
        matrix = np.vstack(vectors) if vectors else np.zeros((0, self.shape.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: ids[i])  # stable order for reproducible ranking ties
        return StoredChunks(
            [ids[i] for i in order], [texts[i] for i in order], [metas[i] for i in order], matrix[order]
        )
