"""The extractive backend: a structured answer built from the best sentences of the retrieved chunks.

No model writes anything: each sentence is quoted from a source and cited to it, so it needs no
network and cannot invent. Structure and ordering make it read as an answer, not a pile of snippets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.draft import Block, Claim, Draft
from assistant.index import SearchIndex
from assistant.profile import AskerProfile
from assistant.sources import DOC_TYPE_LABELS, ORG_TYPE_LABELS, RetrievedSource
from assistant.text import INSTRUCTION_LIKE, content_terms

GUIDANCE_TYPES = {"toolkit", "guide"}
EXAMPLE_TYPES = {"case_study", "news"}
READING_TYPES = {"toolkit", "guide", "report"}
ACTION_START = re.compile(
    r"^(start|begin|map|identify|build|set|agree|work|talk|review|use|make|create|involve|bring|ask|"
    r"measure|consider|plan|appoint|join|sign|look|find|check|engage|develop|pay|commit|adopt|partner|"
    r"focus|choose|pick|write|track|share|offer|open|run|test|publish|name|gather|collect|invite|"
    r"analyse|analyze|understand|think|keep|define|prioritise|secure|apply|register|contact|learn)\b",
    re.IGNORECASE,
)
ACTION_CUES = re.compile(
    r"\b(start by|first step|begin by|a good (first|place)|should|can start|"
    r"recommend\w*|step \d|you can|we can|organisations can|anchors can|it helps to)\b",
    re.IGNORECASE,
)
BOILERPLATE = re.compile(
    r"(https?://|in our own words|\bsummar(y|ises|ised)\b|"
    r"^this (document|page|guide|report|toolkit|case study|blog|article|story) "
    r"(is|sets out|explains|describes|looks|covers))",
    re.IGNORECASE,
)


@dataclass
class ScoredSentence:
    text: str
    position: int  # index in the retrieved list
    score: float
    order: int  # sentence order within its chunk


class ExtractiveComposer:
    def __init__(self, index: SearchIndex, max_direct_sentences: int = 5) -> None:
        self.index = index
        self.max_direct_sentences = max_direct_sentences

    # -- sentence scoring ------------------------------------------------------------------------

    def _candidates(self, sources: list[RetrievedSource], query_terms: list[str]) -> list[ScoredSentence]:
        weights = {t: self.index.term_idf(t) for t in query_terms}
        total = sum(weights.values()) or 1.0
        out: list[ScoredSentence] = []
        for position, source in enumerate(sources):
            rank_prior = 1.0 / (1 + position)
            chunk = self.index.sentences(source.row)
            for order, (sentence, terms) in enumerate(zip(chunk.sentences, chunk.terms, strict=True)):
                quotable = quotable_form(sentence)
                if quotable is None:
                    continue
                text, bonus = quotable
                overlap = sum(w for t, w in weights.items() if t in terms) / total
                score = overlap + 0.35 * rank_prior + 0.1 * source.hit.dense + bonus
                out.append(ScoredSentence(text, position, score, order))
        return out

    # -- answer shapes -------------------------------------------------------------------------

    def compose(self, sources: list[RetrievedSource], query_terms: list[str], profile: AskerProfile) -> Draft:
        candidates = self._candidates(sources, query_terms)
        if profile.wants_start:
            draft = self._where_to_start(sources, candidates, profile)
        else:
            draft = self._direct(candidates)
        draft.followups = suggest_followups(sources, profile)
        draft.drop_empty()
        return draft

    def _direct(self, candidates: list[ScoredSentence]) -> Draft:
        chosen = _pick(candidates, self.max_direct_sentences, per_source=2)
        # Keep each source's sentences together and in reading order, best source first.
        first_seen: dict[int, float] = {}
        for s in chosen:
            first_seen[s.position] = max(first_seen.get(s.position, 0.0), s.score)
        chosen.sort(key=lambda s: (-first_seen[s.position], s.position, s.order))
        return Draft(blocks=[Block("paragraph", [Claim(s.text, [s.position]) for s in chosen])])

    def _where_to_start(
        self, sources: list[RetrievedSource], candidates: list[ScoredSentence], profile: AskerProfile
    ) -> Draft:
        def actionable(s: ScoredSentence) -> float:
            bonus = 0.0
            if ACTION_START.match(s.text):
                bonus += 0.3
            if ACTION_CUES.search(s.text):
                bonus += 0.2
            if sources[s.position].doc_type in GUIDANCE_TYPES:
                bonus += 0.25
            return s.score + bonus

        steps_pool = [
            ScoredSentence(s.text, s.position, actionable(s), s.order)
            for s in candidates
            if ACTION_START.match(s.text) or ACTION_CUES.search(s.text)
        ]
        steps = _pick(steps_pool, 4, per_source=2)
        if len(steps) < 2:  # no actionable wording: fall back to the best guidance sentences
            guidance = [s for s in candidates if sources[s.position].doc_type in GUIDANCE_TYPES | {"report"}]
            steps += _pick([s for s in guidance if s not in steps], 3 - len(steps), per_source=1)

        used = {s.text for s in steps}
        example_claims: list[Claim] = []
        example_positions = [p for p, src in enumerate(sources) if src.doc_type in EXAMPLE_TYPES]
        # Examples from the asker's kind of organisation first, then the rest in retrieval order.
        example_positions.sort(key=lambda p: (sources[p].org_type not in profile.org_types, p))
        seen_docs: set[object] = set()
        for position in example_positions:
            doc = sources[position].meta["doc_id"]
            if doc in seen_docs:
                continue
            best = max(
                (s for s in candidates if s.position == position and s.text not in used),
                key=lambda s: s.score,
                default=None,
            )
            if best is None:
                continue
            seen_docs.add(doc)
            used.add(best.text)
            example_claims.append(Claim(f"{_short_title(sources[position])}: {best.text}", [position]))
            if len(example_claims) == 3:
                break

        reading: list[Claim] = []
        for position, source in enumerate(sources):
            if source.doc_type in READING_TYPES and source.meta["doc_id"] not in {
                sources[c.sources[0]].meta["doc_id"] for c in reading
            }:
                label = DOC_TYPE_LABELS[source.doc_type][0]
                reading.append(
                    Claim(f"{source.title} ({label}, {source.meta['publisher']})", [position], reference=True)
                )
            if len(reading) == 3:
                break

        return Draft(
            blocks=[
                Block("bullets", [Claim(s.text, [s.position]) for s in steps], heading="First steps"),
                Block("bullets", example_claims, heading="Examples like yours"),
                Block("bullets", reading, heading="Tools and further reading"),
            ]
        )


@lru_cache(maxsize=65_536)
def quotable_form(sentence: str) -> tuple[str, float] | None:
    """The sentence as it would be quoted and its specificity bonus, or None when it is unfit to quote
    (too short or long, a fragment, boilerplate, instruction-like). Cached: the same chunks come back
    for many questions, and these regexes were a tenth of an answer's time."""
    words = len(sentence.split())
    if (
        words < 6
        or words > 70
        or sentence.endswith((":", ";", ","))
        or BOILERPLATE.search(sentence)
        or INSTRUCTION_LIKE.search(sentence)
    ):
        return None
    return _finish(sentence), specificity(sentence)


def specificity(sentence: str) -> float:
    """Concrete sentences (numbers, named organisations) make better answers than general framing."""
    bonus = 0.08 if re.search(r"\d", sentence) else 0.0
    names = re.findall(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]+(?: [A-Z][a-z]+)+", sentence)
    return bonus + (0.06 if names else 0.0)


def _pick(candidates: list[ScoredSentence], limit: int, per_source: int) -> list[ScoredSentence]:
    """Best sentences first, at most `per_source` from one source, no near-duplicates."""
    chosen: list[ScoredSentence] = []
    per: dict[int, int] = {}
    seen_terms: list[set[str]] = []
    for s in sorted(candidates, key=lambda s: -s.score):
        if per.get(s.position, 0) >= per_source:
            continue
        terms = set(content_terms(s.text))
        if any(len(terms & other) / max(1, min(len(terms), len(other))) > 0.7 for other in seen_terms):
            continue
        chosen.append(s)
        seen_terms.append(terms)
        per[s.position] = per.get(s.position, 0) + 1
        if len(chosen) == limit:
            break
    return chosen


def _finish(sentence: str) -> str:
    sentence = sentence.strip()
    if sentence and sentence[-1] not in ".!?\"'”)":
        sentence += "."
    return sentence[0].upper() + sentence[1:] if sentence else sentence


def _short_title(source: RetrievedSource) -> str:
    title = source.title
    return title if len(title) <= 80 else title[:77].rsplit(" ", 1)[0] + "…"


THEME_FOLLOWUPS = {
    "workforce": "How have anchors widened access to jobs and apprenticeships for local people?",
    "procurement": "How can we use our spending to support local suppliers and social value?",
    "estates": "How have anchors opened up their land and buildings to the community?",
    "environment": "What low-cost steps can we take to cut our environmental impact?",
    "partnerships": "Who should we partner with locally, and how do anchor networks work?",
    "community_engagement": "How have anchors listened to and involved local communities?",
    "measurement": "How do we measure the impact of our anchor work?",
    "leadership": "How do we get our board and senior leaders behind anchor work?",
    "getting_started": "What are the first steps for an organisation new to anchor work?",
}


def suggest_followups(sources: list[RetrievedSource], profile: AskerProfile) -> list[str]:
    """2–3 follow-up questions on themes the retrieved sources cover but the question did not ask."""
    counts: dict[str, int] = {}
    for source in sources:
        for theme in source.meta["themes"]:  # type: ignore[attr-defined]
            counts[str(theme)] = counts.get(str(theme), 0) + 1
    asked = set(profile.themes)
    ranked = [t for t in sorted(counts, key=lambda t: -counts[t]) if t not in asked and t in THEME_FOLLOWUPS]
    followups = [THEME_FOLLOWUPS[t] for t in ranked[:2]]
    for org in profile.org_types[:1]:
        followups.append(f"Which {ORG_TYPE_LABELS[org][1]} have done this well, and what did they learn?")
    if len(followups) < 2:
        followups.append(THEME_FOLLOWUPS["getting_started"])
    return followups[:3]
