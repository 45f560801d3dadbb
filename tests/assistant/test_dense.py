"""Dense search: exact on small indexes and small filtered subsets, FAISS IVF on large ones, with the
filter applied inside the search."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.dense import DenseSearch, top_rows


def clustered_vectors(rows: int, dim: int = 32, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, dim))
    vectors = centres[rng.integers(0, 50, rows)] + rng.normal(scale=0.3, size=(rows, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return clustered_vectors(6000)


def exact(vectors: np.ndarray, query: np.ndarray, mask: np.ndarray | None, k: int) -> list[int]:
    scores = vectors @ query
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return [int(r) for r in top_rows(scores, k)]


def test_small_index_is_exact(vectors: np.ndarray) -> None:
    search = DenseSearch(vectors)
    assert not search.approximate
    query = vectors[7]
    assert search.search(query, None, 10) == exact(vectors, query, None, 10)
    assert search.search(query, None, 10)[0] == 7


def test_large_index_uses_ivf_with_high_recall_and_respects_filters(vectors: np.ndarray) -> None:
    search = DenseSearch(vectors, ann_min_rows=1000, exact_subset_rows=100)
    assert search.approximate
    rng = np.random.default_rng(1)
    mask = rng.random(vectors.shape[0]) < 0.3
    recalls, filtered_recalls = [], []
    for row in rng.integers(0, vectors.shape[0], 30):
        query = vectors[row] + rng.normal(scale=0.05, size=vectors.shape[1]).astype(np.float32)
        found = search.search(query, None, 40)
        recalls.append(len(set(found) & set(exact(vectors, query, None, 40))) / 40)
        found_filtered = search.search(query, mask, 40)
        assert len(found_filtered) == 40 and all(mask[r] for r in found_filtered)
        filtered_recalls.append(len(set(found_filtered) & set(exact(vectors, query, mask, 40))) / 40)
    assert np.mean(recalls) > 0.9, np.mean(recalls)
    assert np.mean(filtered_recalls) > 0.9, np.mean(filtered_recalls)


def test_selective_filters_are_searched_exactly(vectors: np.ndarray) -> None:
    search = DenseSearch(vectors, ann_min_rows=1000, exact_subset_rows=100)
    mask = np.zeros(vectors.shape[0], dtype=bool)
    mask[[3, 500, 4000, 5999]] = True
    query = vectors[4000]
    assert search.search(query, mask, 10) == exact(vectors, query, mask, 4)
    assert search.search(query, np.zeros_like(mask), 10) == []


def test_empty_index_returns_nothing() -> None:
    assert DenseSearch(np.zeros((0, 8), dtype=np.float32)).search(np.ones(8, dtype=np.float32), None, 5) == []


def test_exact_filtered_search_agrees_for_small_and_large_shares(vectors: np.ndarray) -> None:
    search = DenseSearch(vectors)
    rng = np.random.default_rng(2)
    query = vectors[11]
    for share in (0.02, 0.6):  # copied subset, and masked full product
        mask = rng.random(vectors.shape[0]) < share
        assert search.search(query, mask, 25) == exact(vectors, query, mask, 25)
