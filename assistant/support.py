"""Check each cited sentence against the passages it cites.

Support = lexical (share of the sentence's content words found in the cited passage) blended with
semantic similarity (embedder cosine between sentence and passage) when an embedder is given. The
extractive backend quotes passages, so the lexical check alone decides there and costs no embedding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.config import SupportConfig
from assistant.draft import Draft
from assistant.index import SearchIndex
from assistant.sources import RetrievedSource
from assistant.text import content_terms
from core.embedding import Embedder


def lexical_support(sentence: str, passage_terms: set[str]) -> float:
    terms = set(content_terms(sentence))
    if not terms:
        return 0.0
    return len(terms & passage_terms) / len(terms)


def check_support(
    draft: Draft,
    sources: Sequence[RetrievedSource],
    index: SearchIndex,
    config: SupportConfig | None = None,
    embedder: Embedder | None = None,
) -> Draft:
    """Score every claim; drop claims with no valid citation or too little support, counting them."""
    passage_terms = {
        position: set().union(*index.sentences(src.row).terms, set(content_terms(src.title)))
        for position, src in enumerate(sources)
    }
    cfg = config or SupportConfig()
    claims = [c for c in draft.claims() if not c.reference]
    vectors: np.ndarray | None = None
    if embedder is not None and claims:
        vectors = embedder.embed_texts([c.quoted() for c in claims])
    semantic = {id(c): vectors[i] for i, c in enumerate(claims)} if vectors is not None else {}

    for block in draft.blocks:
        kept = []
        for claim in block.claims:
            claim.sources = [p for p in claim.sources if 0 <= p < len(sources)]
            if not claim.sources:
                draft.unsupported += 1
                continue
            if claim.reference:
                kept.append(claim)
                continue
            best = 0.0
            for position in claim.sources:
                lexical = lexical_support(claim.quoted(), passage_terms[position])
                score = lexical
                if id(claim) in semantic:
                    cosine = float(semantic[id(claim)] @ index.embeddings[sources[position].row])
                    semantic_part = max(0.0, (cosine - cfg.cosine_floor) / cfg.cosine_span)
                    score = cfg.lexical_share * lexical + (1 - cfg.lexical_share) * semantic_part
                best = max(best, score)
            claim.support = round(best, 3)
            if best >= cfg.threshold:
                kept.append(claim)
            else:
                draft.unsupported += 1
        block.claims = kept
    draft.drop_empty()
    return draft
