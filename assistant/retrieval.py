"""Hybrid retrieval: BM25 and dense search fused by reciprocal rank fusion, with filters, a preference
for sources matching the asker, per-document diversity, and a confidence signal for refusals."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from assistant.analysis import AskerProfile
from assistant.config import RetrievalConfig
from assistant.dense import top_rows
from assistant.index import SearchIndex
from assistant.text import content_terms
from core.embedding import Embedder
from core.schemas import SearchFilters

# Sources about anchors in general rather than about one kind of organisation.
GENERAL_ORG_TYPES = frozenset({"network", "national_body"})


@dataclass
class Hit:
    row: int
    score: float
    dense: float
    bm25: float
    dense_rank: int | None
    bm25_rank: int | None
    gives_rules: bool = False
    """Added by the search for a start question's rules (`QueryAnalysis.rules_query`)."""


@dataclass
class RetrievalResult:
    hits: list[Hit]
    confidence: float
    query_terms: list[str]
    coverage: float
    top_dense: float
    timings_ms: dict[str, float] = field(default_factory=dict)


RECENT_QUERIES = 4
"""Query vectors kept for reuse: an answer's question, its glossed wording, and the previous answer's."""


class HybridRetriever:
    def __init__(self, embedder: Embedder, config: RetrievalConfig | None = None) -> None:
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self._recent: dict[str, np.ndarray] = {}
        self._recent_lock = threading.Lock()  # the API's answer threads share one retriever

    def embed_query(self, query: str) -> np.ndarray:
        """Recent queries' vectors are reused: one answer searches several times with its question (and,
        told as a story, with its glossed wording too)."""
        with self._recent_lock:
            vector = self._recent.get(query)
        if vector is None:
            vector = self.embedder.embed_query(query)
            with self._recent_lock:
                while len(self._recent) >= RECENT_QUERIES:
                    self._recent.pop(next(iter(self._recent)))
                self._recent[query] = vector
        return vector

    def dense(
        self, index: SearchIndex, query_vector: np.ndarray, mask: np.ndarray | None, k: int
    ) -> list[int]:
        return index.dense.search(query_vector, mask, k)

    def bm25(
        self, index: SearchIndex, query: str, mask: np.ndarray | None, k: int
    ) -> tuple[list[int], dict[int, float]]:
        if index.size == 0:
            return [], {}
        tokens = index.tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
        if not len(tokens[0]):
            return [], {}
        # Scoring every row and masking here costs a sixth of bm25s's own `weight_mask` retrieval at 100k.
        scores = index.bm25.get_scores(tokens[0])
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        kept = [(int(r), float(scores[r])) for r in top_rows(scores, k) if scores[r] > 0]
        return [r for r, _ in kept], dict(kept)

    def retrieve(
        self,
        index: SearchIndex,
        query: str,
        top_k: int,
        filters: SearchFilters | None = None,
        profile: AskerProfile | None = None,
        terms: list[str] | None = None,
        also_by_meaning: str = "",
    ) -> RetrievalResult:
        """`terms`: the question's topic terms, for coverage (the query may carry the asker's
        organisation type in words, which the question did not ask about). `also_by_meaning`: a second
        wording searched by meaning only and fused with the others (a story-like question with its
        themes' glosses, `QueryAnalysis.theme_query`)."""
        cfg = self.config
        timings: dict[str, float] = {}
        started = time.perf_counter()
        mask = index.mask(filters)
        query_vector = self.embed_query(query)
        timings["embed_ms"] = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        dense_rows = self.dense(index, query_vector, mask, cfg.candidates) if cfg.use_dense else []
        bm25_rows, bm25_scores = self.bm25(index, query, mask, cfg.candidates) if cfg.use_bm25 else ([], {})
        glossed_rows: list[int] = []
        if also_by_meaning and cfg.use_dense:
            glossed_vector = self.embed_query(also_by_meaning)
            glossed_rows = self.dense(index, glossed_vector, mask, cfg.candidates)
        timings["search_ms"] = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        fused: dict[int, float] = {}
        for rank, row in enumerate(dense_rows):
            fused[row] = fused.get(row, 0.0) + cfg.dense_weight / (cfg.rrf_k + rank + 1)
        for rank, row in enumerate(bm25_rows):
            fused[row] = fused.get(row, 0.0) + cfg.bm25_weight / (cfg.rrf_k + rank + 1)
        for rank, row in enumerate(glossed_rows):
            fused[row] = fused.get(row, 0.0) + cfg.glossed_weight / (cfg.rrf_k + rank + 1)
        if profile is not None and not profile.is_empty():
            for row in fused:
                fused[row] += self._preference(index, row, profile)
        dense_rank = {row: rank for rank, row in enumerate(dense_rows)}
        bm25_rank = {row: rank for rank, row in enumerate(bm25_rows)}
        ordered = sorted(fused, key=lambda r: (-fused[r], index.ids[r]))
        hits = [
            Hit(
                row=row,
                score=fused[row],
                dense=float(index.embeddings[row] @ query_vector),
                bm25=bm25_scores.get(row, 0.0),
                dense_rank=dense_rank.get(row),
                bm25_rank=bm25_rank.get(row),
            )
            for row in self._diversify(index, ordered, top_k, profile)
        ]
        if terms is None:
            terms = list(dict.fromkeys(content_terms(query, drop_question_noise=True)))
        coverage = self._coverage(index, hits, terms)
        top_dense = max((h.dense for h in hits), default=0.0)
        timings["fuse_ms"] = (time.perf_counter() - started) * 1000
        return RetrievalResult(
            hits=hits,
            confidence=confidence(top_dense, coverage),
            query_terms=terms,
            coverage=coverage,
            top_dense=top_dense,
            timings_ms=timings,
        )

    def _preference(self, index: SearchIndex, row: int, profile: AskerProfile) -> float:
        cfg = self.config
        meta = index.metadatas[row]
        bonus = 0.0
        if meta["org_type"] in profile.org_types:
            bonus += cfg.org_boost
        if meta["nation"] in profile.nations:
            bonus += cfg.nation_boost
        elif meta["nation"] == "UK" and profile.nations:
            bonus += cfg.nation_boost * cfg.uk_share
        if profile.org_types and meta["org_type"] in GENERAL_ORG_TYPES:
            bonus -= cfg.general_penalty
        shared = len(set(meta["themes"]) & set(profile.themes))
        return bonus + cfg.theme_boost * min(shared, 2)

    def _diversify(
        self, index: SearchIndex, ordered: list[int], top_k: int, profile: AskerProfile | None
    ) -> list[int]:
        """At most `max_chunks_per_doc` chunks of one document, so one long document cannot fill the
        list; for an asker whose organisation type is known, at most `max_general_docs` general
        overviews, so they cannot crowd out sources about the asker's own sector."""
        per_doc: dict[str, int] = {}
        general_docs: set[str] = set()
        limit_general = profile is not None and bool(profile.org_types)
        chosen: list[int] = []
        for row in ordered:
            doc = index.doc_ids[row]
            if per_doc.get(doc, 0) >= self.config.max_chunks_per_doc:
                continue
            if limit_general and index.metadatas[row]["org_type"] in GENERAL_ORG_TYPES:
                if doc not in general_docs and len(general_docs) >= self.config.max_general_docs:
                    continue
                general_docs.add(doc)
            per_doc[doc] = per_doc.get(doc, 0) + 1
            chosen.append(row)
            if len(chosen) == top_k:
                break
        return chosen

    @staticmethod
    def _coverage(index: SearchIndex, hits: list[Hit], terms: list[str]) -> float:
        """IDF-weighted share of the question's meaningful terms found in the top sources."""
        if not terms:
            return 0.0
        found: set[str] = set()
        for hit in hits[:5]:
            found |= index.sentences(hit.row).all_terms
            found |= set(content_terms(str(index.metadatas[hit.row]["title"])))
        return index.term_weights(terms).share(found)


def confidence(top_dense: float, coverage: float) -> float:
    """Blend of semantic closeness of the best source and lexical coverage of the question, in [0, 1]."""
    dense_part = min(max((top_dense - 0.15) / 0.5, 0.0), 1.0)
    return round(0.5 * dense_part + 0.5 * coverage, 4)
