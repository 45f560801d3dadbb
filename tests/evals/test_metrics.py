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


def test_answer_defects_find_what_a_reader_trips_over() -> None:
    from evals.metrics import answer_defects, has_start_shape

    clean = (
        "**First steps**\n\n"
        "- **Preston City Council's guide:** **Meet top management.** Start by meeting leaders. [1]\n"
        "- **The Q&A:** The Q&A sets out six ways: [2]\n  - they are rooted;\n  - Local spending.\n\n"
        "**You could also ask**\n- Where do we start?\n\n_Based on 1 guide._"
    )
    assert answer_defects(clean) == []
    assert has_start_shape(clean)
    assert answer_defects("- **A:** It also runs open days for local people. [1]") == ["fragment"]
    assert answer_defects("- **A:** This case study looks at the trust. [1]") == ["byline_or_meta"]
    assert answer_defects("- **A:** By Jane Smith, 3 May 2022. [1]") == ["byline_or_meta"]
    # A list item continuing its lead-in ("He names two further ways…:") is not a byline.
    assert answer_defects("- **A:** HACT names two ways: [1]\n  - by helping to relieve the pressures.") == []
    assert answer_defects("- **A:** Have you joined the network? [1]") == ["question_quoted"]
    assert answer_defects("- **A:** The *trust pays well. [1]") == ["stray_markdown"]
    assert answer_defects("- **Stimulating local growth through…:** Local spend rose. [1]") == ["cut_title"]
    assert answer_defects("- **NHS Providers' report:** [1]\n  - employing people;\n  - buying goods.") == [
        "bare_list"
    ]
    assert not has_start_shape("Anchors are large organisations. [1]")
    # A person called by title and surname is introduced somewhere above, or the reader cannot tell who.
    assert answer_defects("- **A:** According to Ms Russell, anchor decisions can: [1]") == [
        "unintroduced_person"
    ]
    introduced = (
        "- **A — Elspeth Russell, consultant in public health:** According to Ms Russell, it can: [1]"
    )
    assert answer_defects(introduced) == []
    earlier = "- **A:** Councillor Ellen Forson spoke. [1]\n- Councillor Forson said she was proud. [1]"
    assert answer_defects(earlier) == []


def test_answer_config_overrides_are_typed_and_named() -> None:
    import pytest

    from assistant.config import DEFAULT_CONFIG

    changed = DEFAULT_CONFIG.with_overrides({"compose.semantic_pool": "12", "retrieval.use_bm25": "false"})
    assert changed.compose.semantic_pool == 12 and changed.retrieval.use_bm25 is False
    assert DEFAULT_CONFIG.compose.semantic_pool == 0  # the default is untouched
    with pytest.raises(ValueError, match="unknown parameter"):
        DEFAULT_CONFIG.with_overrides({"compose.no_such_weight": "1"})


def test_mention_coverage_finds_a_fact_however_it_is_written() -> None:
    answer = "The academy cost £32 million; 55 per cent stayed local; Hywel Dda’s spend is £1.4 billion."
    assert metrics.mention_coverage(answer, ["£32m", "55%", "Hywel Dda's", "£1.4bn"]) == 1.0
    assert metrics.mention_coverage(answer, ["£33m"]) == 0.0
