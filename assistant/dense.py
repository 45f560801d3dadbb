"""Dense search over the live chunk vectors, exact while that is cheap, approximate once it is not.

Below `ann_min_rows` vectors (the real corpus is under a thousand chunks) a matrix-vector product is
exact and takes a millisecond or two. Above it, scanning every vector costs tens of milliseconds per
question (100k x 384 floats is 150 MB of memory traffic), so an inverted-file index (FAISS IVF-Flat,
exact inner products inside the probed clusters) is built when the index loads. Filters go into the
search as an ID bitmap, so a filtered question never waits for a post-filter; a filter that keeps few
rows is searched exactly over just those rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

ANN_MIN_ROWS = 20_000
EXACT_SUBSET_ROWS = 8_192


@cache
def single_threaded_blas() -> None:
    """One BLAS thread per process: OpenBLAS threads spin after each product and starve the embedding
    threads that run next (measured: question embedding p95 126 ms instead of 19 ms beside a 100k scan)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


@dataclass
class DenseSearch:
    vectors: np.ndarray
    ann_min_rows: int = ANN_MIN_ROWS
    exact_subset_rows: int = EXACT_SUBSET_ROWS
    # Given when restored from an index snapshot (assistant/snapshot.py), else built here when needed.
    ivf: Any = field(default=None, repr=False)
    nprobe: int = 0

    def __post_init__(self) -> None:
        single_threaded_blas()
        self.vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        if self.ivf is None and self.vectors.shape[0] >= self.ann_min_rows:
            self._build_ivf()

    @property
    def approximate(self) -> bool:
        return self.ivf is not None

    def _build_ivf(self) -> None:
        import faiss

        # One OpenMP thread, set in the building thread (the setting is per thread): a rebuild in the
        # background must not spin every core while questions are being answered.
        faiss.omp_set_num_threads(1)
        rows, dim = self.vectors.shape
        nlist = int(2 * math.sqrt(rows))
        # Probing a tenth of the clusters keeps recall@40 near 0.99 on the 100k benchmark index.
        self.nprobe = max(8, nlist // 10)
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = self.vectors
        if rows > nlist * 64:
            picked = np.random.default_rng(0).choice(rows, nlist * 64, replace=False)
            sample = self.vectors[np.sort(picked)]
        ivf.train(sample)
        ivf.add(self.vectors)
        self.ivf = ivf

    def search(self, query: np.ndarray, mask: np.ndarray | None, k: int) -> list[int]:
        """Rows of the k closest vectors (inner product), best first, among rows where mask is True."""
        selected = self.vectors.shape[0] if mask is None else int(mask.sum())
        if k <= 0 or selected == 0:
            return []
        query = np.asarray(query, dtype=np.float32)
        few_rows_kept = mask is not None and selected <= self.exact_subset_rows
        if self.ivf is not None and not few_rows_kept:
            rows = self._approximate(query, mask, k)
            if len(rows) >= min(k, selected):
                return rows
            # The probed clusters held too few matching rows: search them all.
        return self._exact(query, mask, k, selected)

    def _exact(self, query: np.ndarray, mask: np.ndarray | None, k: int, selected: int) -> list[int]:
        if mask is not None and selected * 4 <= mask.shape[0]:
            # A small share of the rows: score just those (copying a large share costs more than
            # scoring every row).
            rows = np.flatnonzero(mask)
            return [int(rows[i]) for i in top_rows(self.vectors[rows] @ query, k)]
        scores = self.vectors @ query
        if mask is not None:
            scores[~mask] = -np.inf
        return [int(r) for r in top_rows(scores, min(k, selected))]

    def _approximate(self, query: np.ndarray, mask: np.ndarray | None, k: int) -> list[int]:
        import faiss

        selector = None
        if mask is not None:
            bitmap = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))
        params = faiss.SearchParametersIVF()
        params.nprobe = self.nprobe
        if selector is not None:
            params.sel = selector
        _, found = self.ivf.search(query[None, :], k, params=params)
        return [int(r) for r in found[0] if r >= 0]
