"""In-memory search index over the live chunks: dense search, a BM25 index and filter columns.

Chroma is the durable store; searching a snapshot in memory keeps filtered search fast (a boolean mask
over numpy columns, passed into both searches) where Chroma's own `where` search slows down on large
collections.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import bm25s
import numpy as np

from assistant.dense import DenseSearch
from assistant.text import content_terms, split_sentences, tokens
from assistant.units import Unit, units_of
from core.context import context_text
from core.errors import IndexMissingError
from core.schemas import THEMES, SearchFilters
from core.store import ChunkStore, StoredChunks

if TYPE_CHECKING:
    from assistant.analysis import Ask
    from assistant.delta import StackedVectors
    from assistant.snapshot import SnapshotStore

    Vectors: TypeAlias = np.ndarray | StackedVectors

log = logging.getLogger("haln.index")
FILTER_COLUMNS = ("doc_type", "nation", "org_type")
REMOVED = "\x00removed"  # the doc_id of a row a delta replaced or removed (assistant/delta.py)

NHS_PREFIX = "nhs"
"""Initials of NHS bodies are often written with it run in ("NHSGGC", "NHSPS")."""


@dataclass
class ChunkSentences:
    sentences: list[str]
    terms: list[set[str]]

    @property
    def all_terms(self) -> set[str]:
        return set().union(*self.terms) if self.terms else set()


@dataclass(frozen=True)
class TermWeights:
    """A question's terms weighted by rarity (IDF) in the index: how much of the question a passage holds."""

    weights: dict[str, float]
    total: float

    def share(self, terms: Collection[str]) -> float:
        """IDF-weighted share of the question's terms found in `terms` (0 for a question with none)."""
        return sum(w for t, w in self.weights.items() if t in terms) / self.total if self.total else 0.0


def heading_answers(ask: Ask, weights: TermWeights, heading: Collection[str], cover: float) -> bool:
    """A section heading answers one of a question's asks when it holds `cover` of the ask's own words
    (`weights`, IDF-weighted) or a word such a heading uses ("Barriers…" for "what gets in the way?")."""
    return any(word in heading for word in ask.heading_words) or weights.share(heading) >= cover


@dataclass(frozen=True)
class Prebuilt:
    """What building an index computes (the slow part at scale), given back whole when an index is
    restored from a snapshot (assistant/snapshot.py) instead of rebuilt."""

    dense: VectorSearch
    columns: dict[str, tuple[list[str], np.ndarray]]
    theme_matrix: np.ndarray
    tokenizer: Any
    bm25: Any
    idf: dict[str, float]
    avgdl: float = 0.0  # mean BM25 document length in tokens


class VectorSearch(Protocol):
    """Dense search over an index's rows: `DenseSearch`, or a base and a delta together (delta.py)."""

    @property
    def approximate(self) -> bool: ...

    def search(self, query: np.ndarray, mask: np.ndarray | None, k: int) -> list[int]: ...


def filter_columns(metadatas: list[dict[str, Any]]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Filter columns as category codes: a filter becomes a table lookup, not string comparisons."""
    columns = {}
    for name in FILTER_COLUMNS:
        values = [str(m[name]) for m in metadatas]
        categories = sorted(set(values))
        position = {value: i for i, value in enumerate(categories)}
        codes = np.fromiter((position[v] for v in values), dtype=np.int32, count=len(values))
        columns[name] = (categories, codes)
    return columns


def theme_matrix(metadatas: list[dict[str, Any]]) -> np.ndarray:
    matrix = np.zeros((len(metadatas), len(THEMES)), dtype=bool)
    for row, meta in enumerate(metadatas):
        for theme in meta["themes"]:
            if theme in THEMES:
                matrix[row, THEMES.index(theme)] = True
    return matrix


def new_tokenizer() -> Any:
    import Stemmer

    return bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en")


@dataclass
class SearchIndex:
    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    embeddings: Vectors
    generation: int = 0
    version: str = ""  # the store's content version this index was built from (ChunkStore.version)
    prebuilt: Prebuilt | None = field(default=None, repr=False)
    # A delta index (assistant/delta.py): the rows still served (None: all), the full index it extends.
    alive: np.ndarray | None = field(default=None, repr=False)
    delta_of: SearchIndex | None = field(default=None, repr=False)
    _sentences: dict[int, ChunkSentences] = field(default_factory=dict, repr=False)
    _units: dict[int, list[Unit]] = field(default_factory=dict, repr=False)
    doc_tokens: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _doc_rows: dict[str, list[int]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.size = len(self.ids)  # rows, including any a delta no longer serves (`live_size`)
        self.doc_ids = np.array([str(m["doc_id"]) for m in self.metadatas], dtype=object)
        if self.alive is not None:
            self.doc_ids[~self.alive] = REMOVED
        self.columns: dict[str, tuple[list[str], np.ndarray]]
        self.idf: dict[str, float]
        self.dense: VectorSearch
        if self.prebuilt is not None:
            self.dense = self.prebuilt.dense
            self.columns = self.prebuilt.columns
            self.theme_matrix = self.prebuilt.theme_matrix
            self.tokenizer = self.prebuilt.tokenizer
            self.bm25 = self.prebuilt.bm25
            self.idf = self.prebuilt.idf
            self.avgdl = self.prebuilt.avgdl
        else:
            self._build()
        self._max_idf = max(self.idf.values(), default=1.0)

    @property
    def origin(self) -> str:
        """ "snapshot" when restored from a saved index, "built" when computed from the chunks here,
        "delta" when a full index plus the documents changed since (assistant/delta.py)."""
        if self.delta_of is not None:
            return "delta"
        return "snapshot" if self.prebuilt is not None else "built"

    @property
    def live_metadatas(self) -> list[dict[str, Any]]:
        """Metadata of the chunks served, without the rows a delta replaced or removed: what to list."""
        if self.alive is None:
            return self.metadatas
        return [m for m, alive in zip(self.metadatas, self.alive, strict=True) if alive]

    @property
    def live_size(self) -> int:
        """Chunks served: the rows less those a delta replaced or removed."""
        return self.size if self.alive is None else int(self.alive.sum())

    def _build(self) -> None:
        self.dense = DenseSearch(np.asarray(self.embeddings))
        self.columns = filter_columns(self.metadatas)
        self.theme_matrix = theme_matrix(self.metadatas)
        self.tokenizer = new_tokenizer()
        self.bm25 = bm25s.BM25()
        self.idf = {}
        self.avgdl = 0.0
        if self.size:
            corpus = [
                context_text(str(m["title"]), str(m["section"]), t)
                for m, t in zip(self.metadatas, self.texts, strict=True)
            ]
            token_ids = self.tokenizer.tokenize(
                corpus, update_vocab=True, return_as="ids", show_progress=False
            )
            self.bm25.index(token_ids, show_progress=False)
            self.idf = self._idf(token_ids)
            # bm25s keeps no average length, which scoring a delta with this index's statistics needs.
            self.avgdl = float(np.mean([len(doc) for doc in token_ids]))

    def _idf(self, token_ids: Any) -> dict[str, float]:
        vocab = self.tokenizer.get_vocab_dict()
        seen = np.concatenate([np.unique(np.asarray(doc, dtype=np.int64)) for doc in token_ids if len(doc)])
        df = np.bincount(seen, minlength=len(vocab))
        return {
            stem: float(np.log(1 + (self.size - df[i] + 0.5) / (df[i] + 0.5)))
            for stem, i in vocab.items()
            if stem
        }

    @classmethod
    def from_store(cls, store: ChunkStore) -> SearchIndex:
        version = store.version()
        stored: StoredChunks = store.load()
        generation = int(version.partition("-")[0]) if version else -1
        return cls(stored.ids, stored.texts, stored.metadatas, stored.embeddings, generation, version)

    def mask(self, filters: SearchFilters | None) -> np.ndarray | None:
        """Rows passing the filters, or None when there is no filter."""
        if filters is None or filters.is_empty():
            return None
        keep = np.ones(self.size, dtype=bool) if self.alive is None else self.alive.copy()
        for name in FILTER_COLUMNS:
            wanted = getattr(filters, name)
            if wanted:
                categories, codes = self.columns[name]
                allowed = np.array([c in wanted for c in categories], dtype=bool)
                keep &= allowed[codes]
        if filters.themes:
            keep &= self.theme_matrix[:, [THEMES.index(t) for t in filters.themes]].any(axis=1)
        return keep

    def sentences(self, row: int) -> ChunkSentences:
        """Sentences of a chunk and their content terms, computed once per chunk and kept."""
        cached = self._sentences.get(row)
        if cached is None:
            sentences = split_sentences(self.texts[row])
            cached = ChunkSentences(sentences, [set(content_terms(s)) for s in sentences])
            self._sentences[row] = cached
        return cached

    def units(self, row: int) -> list[Unit]:
        """The passages of a chunk that can be quoted alone, computed once per chunk and kept."""
        cached = self._units.get(row)
        if cached is None:
            cached = units_of(self.texts[row], str(self.metadatas[row].get("section") or ""))
            self._units[row] = cached
        return cached

    def rows_of(self, doc_id: str) -> list[int]:
        """Rows of one document's live chunks (the map is built on first use)."""
        if self._doc_rows is None:
            doc_rows: dict[str, list[int]] = {}
            for row, doc in enumerate(self.doc_ids):
                doc_rows.setdefault(str(doc), []).append(row)
            doc_rows.pop(REMOVED, None)
            self._doc_rows = doc_rows
        return self._doc_rows.get(doc_id, [])

    def document_tokens(self, doc_id: str) -> set[str]:
        """Tokens of a document's title and all its live chunks (computed once per document and kept)."""
        cached = self.doc_tokens.get(doc_id)
        if cached is None:
            rows = self.rows_of(doc_id)
            title = str(self.metadatas[rows[0]]["title"]) if rows else ""
            cached = set(tokens(" ".join([title, *(self.texts[r] for r in rows)])))
            # "NHSGGC" is also "GGC", as askers write it (held-out b5-14 was told the sources lack it).
            cached |= {t[len(NHS_PREFIX) :] for t in cached if t.startswith(NHS_PREFIX) and len(t) >= 6}
            self.doc_tokens[doc_id] = cached
        return cached

    def knows(self, token: str) -> bool:
        """The corpus uses this word, or an NHS body's initials it writes with "NHS" run in ("GGC" as
        "NHSGGC")."""
        return token in self.idf or f"{NHS_PREFIX}{token}" in self.idf

    def known_term_weights(self, terms: Iterable[str]) -> TermWeights:
        """Weights of the terms the corpus uses: a word no document has ("unaffordable") cannot be quoted
        by any passage, and weighed at the rarest IDF it made every passage fall short."""
        return self.term_weights(self.known_terms(terms))

    def known_terms(self, terms: Iterable[str]) -> list[str]:
        """The terms the corpus uses at all (in its vocabulary), in the given order."""
        return [t for t in terms if t in self.idf]

    def term_idf(self, term: str) -> float:
        return self.idf.get(term, self._max_idf)

    def term_weights(self, terms: Iterable[str]) -> TermWeights:
        weights = {t: self.term_idf(t) for t in terms}
        return TermWeights(weights, sum(weights.values()))


class IndexHolder:
    """Keeps the current index; swaps in a new one when the store's content version changes.

    Every `check_every_s` a question's `get()` compares the store's version marker (in the Chroma
    collection's metadata, so every worker and replica sees the same one) with the index in hand. A new
    version is, in order of preference: restored from its snapshot when one was saved (about a second at
    100k chunks); applied as a delta (assistant/delta.py) to the full index in hand, or to a saved
    snapshot, when the store's change log names the documents changed since (a fraction of a second for
    a few documents); else built from the store (45-60 s at 100k) and saved, one process per machine at a
    time: the others wait and restore it. A delta grown past its limits is replaced by a full build in
    the background. All of it happens in a background thread while questions are answered from the
    index in hand, and the new index is swapped in whole.
    """

    def __init__(
        self,
        store: ChunkStore | None,
        check_every_s: float = 5.0,
        index: SearchIndex | None = None,
        snapshots: SnapshotStore | None = None,
        delta_limits: tuple[int, float] | None = None,
    ) -> None:
        """With no store, the given index is served as it is (benchmarks, fixed snapshots). With
        `snapshots`, indexes are restored from and saved to it. `delta_limits`: (rows, share of the
        base) past which a delta is replaced by a full build (assistant/delta.py MAX_ROWS, MAX_SHARE);
        (0, 0) applies no delta at all."""
        from assistant.delta import MAX_ROWS, MAX_SHARE

        self._store = store
        self.check_every_s = check_every_s
        self.snapshots = snapshots
        self.delta_limits = delta_limits or (MAX_ROWS, MAX_SHARE)
        self._lock = threading.Lock()
        self._index: SearchIndex | None = index
        self._checked_at = time.monotonic() if index is not None else 0.0
        self._refreshing: threading.Thread | None = None
        self._builds_started = self._installed_build = 0
        # Indexes built from the store / restored from a snapshot / applied as a delta.
        self.built = self.restored = self.deltas = 0

    def get(self) -> SearchIndex:
        now = time.monotonic()
        with self._lock:
            if self._index is None:  # nothing to serve yet, so the first load is waited for
                self._index = self._fresh()
                self._checked_at = now
                index = self._index
                first = True
            else:
                first = False
                index = self._index
                due = self._store is not None and now - self._checked_at > self.check_every_s
                if due:
                    self._checked_at = now
        if first:
            self._full_build_if_due(index)
            return index
        if due and self.store.version() != index.version:
            self._refresh_in_background()
        return index

    def _fresh(self, full: bool = False) -> SearchIndex:
        """The index of the store's current version: restored from its snapshot, else a delta on a full
        index (unless `full`), else built (and saved)."""
        if self.snapshots is None:
            delta = None if full else self._delta(self._index)
            if delta is not None:
                return delta
            self.built += 1
            return SearchIndex.from_store(self.store)
        version = self.store.version()
        restored = self.snapshots.load(version)
        if restored is None and not full:
            delta = self._delta(self._index) or self._delta_on_saved()
            if delta is not None:
                return delta
        if restored is None:
            with self.snapshots.building():
                # Another worker may have built and saved it while this one waited for the lock.
                restored = self.snapshots.load(version)
                if restored is None:
                    fresh = SearchIndex.from_store(self.store)
                    self.built += 1
                    self.snapshots.save(fresh)
                    log.info("index built from the store (version %s, %d chunks)", fresh.version, fresh.size)
                    return fresh
        self.restored += 1
        log.info("index restored from its snapshot (version %s, %d chunks)", version, restored.size)
        return restored

    def _delta(self, current: SearchIndex | None) -> SearchIndex | None:
        """The store's current version as a delta on `current`'s full index, when the store's change log
        reaches back to it; None otherwise (or with deltas turned off)."""
        if current is None or self.delta_limits == (0, 0.0):
            return None
        base = current.delta_of or current
        changes = self.store.changes_since(base.version)
        if changes is None or not base.version:
            return None
        if changes.version == base.version:  # back at the base's own version: nothing to apply
            return base
        from assistant.delta import apply_delta

        started = time.perf_counter()
        chunks = self.store.load_documents(changes.doc_ids)
        index = apply_delta(base, chunks, changes.doc_ids, changes.version)
        self.deltas += 1
        log.info(
            "index version %s applied as a delta on %s: %d documents changed, %d chunks read (%.2f s)",
            changes.version,
            base.version,
            len(changes.doc_ids),
            len(chunks.ids),
            time.perf_counter() - started,
        )
        return index

    def _delta_on_saved(self) -> SearchIndex | None:
        """A delta on the newest saved snapshot the change log reaches back to (a worker starting after
        an ingest that saved no snapshot of its own version)."""
        assert self.snapshots is not None
        if self.delta_limits == (0, 0.0):
            return None
        for version in self.snapshots.saved():
            if self.store.changes_since(version) is None:
                continue
            base = self.snapshots.load(version)
            if base is not None:
                self.restored += 1
                return self._delta(base)
        return None

    def _outgrown(self, index: SearchIndex) -> bool:
        """A delta grown past its limits, due to be replaced by a full build (said in the log)."""
        from assistant.delta import needs_full_build

        if not needs_full_build(index, *self.delta_limits):
            return False
        log.info("the delta on %s has grown past its limits: rebuilding the full index", index.version)
        return True

    def _full_build_if_due(self, index: SearchIndex) -> None:
        """Start a full rebuild in the background once a delta has outgrown its limits."""
        if self._outgrown(index):
            self._refresh_in_background(full=True)

    def save_snapshot(self) -> Path | None:
        """Make sure the store's current version has a saved snapshot, building it now when none is:
        what `haln ingest` does after a change, so workers starting afterwards restore the index instead
        of building it. The folder, or None when snapshots are off or it could not be written."""
        if self.snapshots is None:
            return None
        folder = self.snapshots.path(self.store.version())
        if not (folder / "manifest.json").exists():
            self._fresh(full=True)
        return folder if (folder / "manifest.json").exists() else None

    @property
    def store(self) -> ChunkStore:
        if self._store is None:
            raise IndexMissingError("this index is a fixed snapshot with no store behind it")
        return self._store

    @property
    def refreshing(self) -> bool:
        thread = self._refreshing
        return thread is not None and thread.is_alive()

    def reload(self) -> SearchIndex:
        """Load the store's current version now and wait for it (after an ingest this process ran)."""
        index = self._build_and_swap()
        self._full_build_if_due(index)
        return index

    def _build_and_swap(self, full: bool = False) -> SearchIndex:
        with self._lock:
            self._builds_started += 1
            build = self._builds_started
        fresh = self._fresh(full)
        with self._lock:
            # A build that started earlier but finished later read older data: it must not win.
            if build > self._installed_build:
                self._index, self._installed_build = fresh, build
            self._checked_at = time.monotonic()
            assert self._index is not None
            return self._index

    def _refresh_in_background(self, full: bool = False) -> None:
        with self._lock:
            if self.refreshing:
                return
            self._refreshing = threading.Thread(
                target=self._refresh, args=(full,), name="index-refresh", daemon=True
            )
            self._refreshing.start()

    def _refresh(self, full: bool = False) -> None:
        try:
            index = self._build_and_swap(full)
            if not full and self._outgrown(index):  # already in the background: rebuild here
                self._build_and_swap(full=True)
        except Exception:  # the index in hand keeps serving; the next check tries again
            log.warning("rebuilding the search index failed; still serving the previous one", exc_info=True)
