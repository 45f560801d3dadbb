"""Delta indexes: a small change to the store applied to a full index without rebuilding it.

A full build costs 45-60 s at 100k chunks (bench/RESULTS.md), so an ingest of a few documents used to
leave every worker on the old version for that long. The store keeps a change log beside its version
marker (`ChunkStore.changes_since`): which documents each version added, replaced or removed. A worker
at version A that sees version B reads only those documents' live chunks and builds a delta on top of
the full index of A (its *base*):

- rows: the base's rows, then the delta's; base rows of a changed document are dead (`alive` False), so
  a replacement is a removal plus an addition. Row numbers of the base stay valid, so what the composer
  keeps per row (`sentences`, `units`) carries over, and `rows_of`/`document_tokens` skip dead rows.
- dense: the base's search (IVF above its threshold) with the dead rows masked out, and an exact search
  over the delta's vectors; inner products are comparable, so the two lists merge by score.
- BM25: bm25s's precomputed scores are those of the base's statistics (IDF, average length). The delta's
  chunks are scored with the same statistics: the base's IDF for a term the base holds, and for a new
  term the IDF the Lucene formula gives its delta document frequency among the base's N chunks; the
  base's average length. The two score lists are then on one scale and merge as one. Re-normalising
  two separately built BM25 indexes instead would make a delta chunk's score depend on the delta's size.
  What differs from a full rebuild is only that the statistics are the base's, not recomputed over the
  new rows; over a small change the difference is small (tests/assistant/test_delta.py compares the
  top results with a full rebuild's).

Each new version is applied to the same base (the changes since the base accumulate), never a delta on a
delta. Once the delta outgrows `needs_full_build`'s limits the worker rebuilds the full index in the
background, saves its snapshot, and swaps it in (assistant/index.py `IndexHolder`).
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any, overload

import numpy as np
import scipy.sparse as sp

from assistant.dense import EXACT_SUBSET_ROWS, DenseSearch
from assistant.index import (
    FILTER_COLUMNS,
    Prebuilt,
    SearchIndex,
    VectorSearch,
    filter_columns,
    theme_matrix,
)
from core.context import context_text
from core.store import StoredChunks

# Past this many rows (delta chunks plus base rows they replaced or removed) a delta is merged by a full
# rebuild. Its searches are exact scans; dense.py's EXACT_SUBSET_ROWS (8,192) is where it measured an
# exact scan still costing about what a probe of the 100k IVF index does.
MAX_ROWS = EXACT_SUBSET_ROWS
# ... or past this share of the base's rows: BM25 scores the delta with the base's statistics, which drift
# from a rebuild's as the change grows. Measured on the real corpus's Markdown documents (818 chunks,
# tests/assistant/test_delta.py): a change of 2.6% of the rows left 29 of 30 top-8 retrievals holding the
# same chunks as a full rebuild (mean overlap 0.996); a change of 9% of a 218-chunk slice, 25 of 30 (mean
# overlap 0.979). 5% sits between the two. A small corpus crosses it with any change, and builds in a
# second anyway.
MAX_SHARE = 0.05


def needs_full_build(index: SearchIndex, max_rows: int = MAX_ROWS, max_share: float = MAX_SHARE) -> bool:
    """Whether a delta index has grown past the point where a full rebuild should replace it."""
    base = index.delta_of
    if base is None:
        return False
    delta_rows = index.size - base.size
    dead = base.size - (index.live_size - delta_rows)  # base rows the delta replaced or removed
    rows = delta_rows + dead
    return rows > max_rows or rows > max_share * max(base.size, 1)


class StackedVectors:
    """The base's vectors (memory-mapped from a snapshot) followed by the delta's, without copying the
    base: a row reads from whichever holds it."""

    def __init__(self, base: Any, delta: np.ndarray) -> None:
        self.base = base
        self.delta = np.asarray(delta, dtype=np.float32)
        self.split = int(base.shape[0])
        self.shape = (self.split + self.delta.shape[0], int(base.shape[1]))

    def __len__(self) -> int:
        return self.shape[0]

    @overload
    def __getitem__(self, rows: int | np.integer[Any]) -> np.ndarray: ...
    @overload
    def __getitem__(self, rows: slice | np.ndarray | list[int]) -> np.ndarray: ...
    def __getitem__(self, rows: Any) -> np.ndarray:
        if isinstance(rows, int | np.integer):
            row = int(rows) % self.shape[0] if rows < 0 else int(rows)
            return np.asarray(self.base[row] if row < self.split else self.delta[row - self.split])
        picked = np.arange(self.shape[0])[rows]
        out = np.empty((len(picked), self.shape[1]), dtype=np.float32)
        low = picked < self.split
        out[low] = self.base[picked[low]]
        out[~low] = self.delta[picked[~low] - self.split]
        return out

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        return np.concatenate([np.asarray(self.base @ vector), self.delta @ vector])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.concatenate([np.asarray(self.base), self.delta]).astype(dtype or np.float32)


class DeltaDense:
    """Dense search over base + delta rows: each searched with its own mask, merged by inner product."""

    def __init__(self, base: SearchIndex, delta: DenseSearch, alive: np.ndarray) -> None:
        self.base = base.dense
        self.base_vectors = base.embeddings
        self.delta = delta
        self.split = base.size
        self.alive = alive[: base.size]

    @property
    def approximate(self) -> bool:
        return self.base.approximate

    def search(self, query: np.ndarray, mask: np.ndarray | None, k: int) -> list[int]:
        query = np.asarray(query, dtype=np.float32)
        base_mask = self.alive if mask is None else mask[: self.split] & self.alive
        delta_mask = None if mask is None else mask[self.split :]
        found = [(float(self.base_vectors[r] @ query), r) for r in self.base.search(query, base_mask, k)]
        found += [
            (float(self.delta.vectors[r] @ query), r + self.split)
            for r in self.delta.search(query, delta_mask, k)
        ]
        found.sort(key=lambda pair: -pair[0])
        return [row for _, row in found[:k]]


class DeltaBM25:
    """BM25 scores of base + delta rows on one scale (the base's statistics: see the module's note)."""

    def __init__(self, base: SearchIndex, delta_scores: sp.csc_matrix, alive: np.ndarray) -> None:
        self.base = base.bm25
        self.base_terms = int(len(self.base.scores["indptr"]) - 1) if base.size else 0
        self.delta_scores = delta_scores
        self.alive = alive[: base.size]

    def get_scores(self, token_ids: list[int]) -> np.ndarray:
        known = [t for t in token_ids if t < self.base_terms]
        base = self.base.get_scores(known) if known else np.zeros(self.alive.shape[0], dtype=np.float32)
        base = np.where(self.alive, base, 0.0).astype(np.float32)
        wanted = [t for t in token_ids if t < self.delta_scores.shape[1]]
        delta = np.zeros(self.delta_scores.shape[0], dtype=np.float32)
        if wanted:
            delta = np.asarray(self.delta_scores[:, wanted].sum(axis=1), dtype=np.float32).ravel()
        return np.concatenate([base, delta])


def _extended_tokenizer(base: Any) -> Any:
    """A copy of the base's tokenizer whose vocabulary can grow without changing the base's ids."""
    tokenizer = copy.copy(base)
    tokenizer.word_to_stem = dict(base.word_to_stem)
    tokenizer.stem_to_sid = dict(base.stem_to_sid)
    tokenizer.word_to_id = dict(base.word_to_id)
    return tokenizer


def _delta_bm25(base: SearchIndex, chunks: StoredChunks) -> tuple[Any, sp.csc_matrix, dict[str, float]]:
    """The extended tokenizer, the delta's BM25 score matrix (rows x terms) and the IDF of new terms."""
    tokenizer = _extended_tokenizer(base.tokenizer)
    corpus = [
        context_text(str(m["title"]), str(m["section"]), t)
        for m, t in zip(chunks.metadatas, chunks.texts, strict=True)
    ]
    token_ids = tokenizer.tokenize(corpus, update_vocab=True, return_as="ids", show_progress=False)
    vocab: dict[str, int] = tokenizer.get_vocab_dict()
    n_terms = max(vocab.values(), default=-1) + 1
    df = np.zeros(n_terms, dtype=np.int64)
    for doc in token_ids:
        df[np.unique(np.asarray(doc, dtype=np.int64))] += 1
    n = max(base.size, 1)
    idf = np.zeros(n_terms, dtype=np.float64)
    new_terms: dict[str, float] = {}
    for stem, sid in vocab.items():
        if stem in base.idf:
            idf[sid] = base.idf[stem]
        elif stem and df[sid]:
            # Lucene's IDF, as bm25s computes it, for the term's document frequency in the delta.
            idf[sid] = new_terms[stem] = float(np.log(1 + (n - df[sid] + 0.5) / (df[sid] + 0.5)))
    k1, b = float(base.bm25.k1), float(base.bm25.b)
    avgdl = base.avgdl or float(np.mean([len(d) for d in token_ids]) if token_ids else 1.0)
    rows, cols, values = [], [], []
    for row, doc in enumerate(token_ids):
        length = len(doc)
        for term, tf in Counter(doc).items():
            rows.append(row)
            cols.append(term)
            values.append(idf[term] * tf / (tf + k1 * (1 - b + b * length / avgdl)))
    matrix = sp.csc_matrix(
        (np.asarray(values, dtype=np.float32), (rows, cols)), shape=(len(token_ids), n_terms)
    )
    return tokenizer, matrix, new_terms


def apply_delta(
    base: SearchIndex, chunks: StoredChunks, changed: set[str] | frozenset[str], version: str
) -> SearchIndex:
    """The index of `version`: `base` (a full index) with the documents in `changed` replaced by their
    live chunks in `chunks` (none for a removed document)."""
    if base.delta_of is not None:
        raise ValueError("a delta applies to a full index, not to another delta")
    order = sorted(range(len(chunks.ids)), key=lambda i: chunks.ids[i])
    ids = [chunks.ids[i] for i in order]
    texts = [chunks.texts[i] for i in order]
    metas = [chunks.metadatas[i] for i in order]
    vectors = np.asarray(chunks.embeddings, dtype=np.float32).reshape(-1, base.embeddings.shape[1])[order]
    kept = np.fromiter((d not in changed for d in base.doc_ids), dtype=bool, count=base.size)
    alive = np.concatenate([kept, np.ones(len(ids), dtype=bool)])

    columns: dict[str, tuple[list[str], np.ndarray]] = {}
    delta_columns = filter_columns(metas)
    for name in FILTER_COLUMNS:
        categories, codes = base.columns[name]
        merged = list(categories)
        position = {value: i for i, value in enumerate(merged)}
        new_categories, new_codes = delta_columns[name]
        for value in new_categories:
            if value not in position:
                position[value] = len(merged)
                merged.append(value)
        remap = np.array([position[v] for v in new_categories], dtype=np.int32)
        columns[name] = (merged, np.concatenate([codes, remap[new_codes]]).astype(np.int32))
    themes = np.concatenate([np.asarray(base.theme_matrix), theme_matrix(metas)])

    tokenizer, delta_scores, new_terms = _delta_bm25(base, StoredChunks(ids, texts, metas, vectors))
    idf = {**base.idf, **new_terms} if new_terms else base.idf
    dense: VectorSearch = DeltaDense(base, DenseSearch(vectors, ann_min_rows=MAX_ROWS * 4), alive)
    prebuilt = Prebuilt(
        dense, columns, themes, tokenizer, DeltaBM25(base, delta_scores, alive), idf, base.avgdl
    )
    generation = int(version.partition("-")[0]) if version else -1
    index = SearchIndex(
        base.ids + ids,
        base.texts + texts,
        base.metadatas + metas,
        StackedVectors(base.embeddings, vectors),
        generation,
        version,
        prebuilt,
        alive=alive,
        delta_of=base,
    )
    # What the composer computed per base row still holds: the rows kept their numbers.
    index._sentences.update(base._sentences)
    index._units.update(base._units)
    index.doc_tokens.update({d: t for d, t in base.doc_tokens.items() if d not in changed})
    return index
