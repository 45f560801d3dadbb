"""Metrics on hand-checked cases."""

from __future__ import annotations

import math

import pytest

from evals import metrics


def test_ranking_metrics() -> None:
    ranked = ["a", "b", "c", "d", "e", "f"]
    assert metrics.hit_at_k(ranked, {"c"}, 3) == 1.0
    assert metrics.hit_at_k(ranked, {"c"}, 2) == 0.0
    assert metrics.reciprocal_rank(ranked, {"c", "e"}) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(ranked, {"z"}) == 0.0
    # relevant at ranks 1 and 3 of 2 relevant: (1 + 1/log2(4)) / (1 + 1/log2(3))
    expected = (1 + 1 / 2) / (1 + 1 / math.log2(3))
    assert metrics.ndcg_at_k(ranked, {"a", "c"}, 5) == pytest.approx(expected)
    assert metrics.ndcg_at_k(ranked, {"a"}, 5) == 1.0


def test_citation_metrics() -> None:
    assert metrics.citation_validity(["x", "y"], {"x", "y", "z"}) == 1.0
    assert metrics.citation_validity(["x", "q"], {"x"}) == 0.5
    assert metrics.citation_precision({"a", "b"}, {"a"}) == 0.5
    assert metrics.citation_recall({"a", "b"}, {"a", "c", "d", "e"}) == 0.25


def test_mentions_and_refusals() -> None:
    assert metrics.mention_coverage("The Leeds Health and Care Academy", ["leeds health", "1,137"]) == 0.5
    scores = metrics.refusal_scores([True, True, False, False], [True, False, False, True])
    assert scores == {"refusal_precision": 0.5, "refusal_recall": 0.5, "refusal_accuracy": 0.5}


def test_percentile() -> None:
    assert metrics.percentile([1, 2, 3, 4, 5], 50) == 3
    assert metrics.percentile([10, 20], 95) == pytest.approx(19.5)
    assert metrics.percentile([], 50) == 0.0
