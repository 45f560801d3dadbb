"""Is the question in scope, and do the sources give what it asks?

A question naming something the corpus never mentions has its confidence cut. A question asking for a
specific fact (a figure, rule, name, date or outcome) about a named subject or nation needs a source
that gives that fact about that subject; when none does, the answer says so first (`Answer.gaps`)
instead of offering a neighbouring organisation's or nation's fact as if it answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant import cues
from assistant.analysis import NATION_TOKENS, QueryAnalysis
from assistant.config import ScopeConfig
from assistant.index import SearchIndex
from assistant.text import tokens

_MONTH = r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December)"
# Dates and years are not the figure asked for: "in 2019", "from 2018/19", "14 May 2020", "31/03/2023".
# A four-digit number after a currency sign or before a count word ("2000 staff") is left alone.
_DATE = re.compile(
    r"\b(\d{1,2}(st|nd|rd|th)? )?" + _MONTH + r"( \d{1,2}(st|nd|rd|th)?\b,?)?( (19|20)\d\d)?"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|(?<![£$€\d,.])\b(19|20)\d\d([/–-]\d{2,4})?s?\b(?! (staff|people|jobs|employees|homes|trees|sites)\b)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19|20)\d\d\b|" + _MONTH)
# Counts written as words also answer "how many" ("three hospitals", "five years").
_NUMBER = re.compile(
    r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"hundreds|thousand|thousands|million|millions|billion|half|dozen)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)\b[A-Z][a-z]+(?: [A-Z][a-z'’]+)+|\b(Professor|Dr|Dame|Sir|Lord)\b")
_OUTCOME = cues.ASPECT_CUES["results"][1]

KIND_WORDS = {
    "figure": "that figure",
    "rule": "that rule or requirement",
    "who": "who that was",
    "when": "when that was",
    "outcome": "that result",
}


@dataclass(frozen=True)
class FactCheck:
    rows: list[int]
    """Chunks giving the asked-for fact about the subject (retrieved ones first); empty: a gap."""
    gap: str | None
    """What the sources do not give, said plainly, or None."""


def uncovered_entities(analysis: QueryAnalysis, index: SearchIndex) -> list[str]:
    """Subject tokens that the corpus never mentions."""
    return [t for entity in analysis.subjects for t in entity if t not in index.idf]


def _gives_fact(sentence: str, kind: str) -> bool:
    if kind == "figure":
        return bool(_NUMBER.search(_DATE.sub(" ", sentence)))
    if kind == "when":
        return bool(_YEAR.search(sentence))
    if kind == "who":
        return bool(_NAME.search(sentence))
    if kind == "rule":
        return bool(cues.RULE_WORDS.search(sentence))
    return bool(_OUTCOME.search(sentence))


def check_fact(
    analysis: QueryAnalysis, index: SearchIndex, rows: list[int], cfg: ScopeConfig
) -> FactCheck | None:
    """None when the question does not ask for a specific fact about a named subject or nation."""
    kind = analysis.fact
    subject = {t for entity in analysis.subjects for t in entity}
    nations = set(analysis.subject_nations)
    if kind is None or not (subject or nations):
        return None
    weights = {t: index.term_idf(t) for t in analysis.facts_asked}
    total = sum(weights.values())

    def names_subject(doc: str) -> bool:
        doc_rows = index.rows_of(doc)
        if not doc_rows:
            return False
        meta = index.metadatas[doc_rows[0]]
        words = document_tokens(index, doc)
        for nation in nations:  # about the nation: from it, or naming it
            if meta["nation"] != nation and not set(NATION_TOKENS.get(nation, ())) & words:
                return False
        return subject <= words

    def has_fact(row: int) -> bool:
        """A sentence gives that kind of fact, and the fact-giving sentences share enough of what was
        asked, weighted by rarity: "local" alone does not tie a number to "spend with local businesses"."""
        giving = [s for s in index.sentences(row).sentences if _gives_fact(s, kind)]
        # Names and dates are checked by subject alone: what else the question says ("I want to
        # reference it properly") is not what the name or date is about.
        if not giving or not total or kind in ("who", "when"):
            return bool(giving)
        shared = set().union(*(tokens(s) for s in giving))
        return sum(w for t, w in weights.items() if t in shared) >= cfg.min_fact_overlap * total

    top = rows[: cfg.fact_look_at]
    docs = list(dict.fromkeys(str(index.doc_ids[r]) for r in top))
    naming = [doc for doc in docs if names_subject(doc)]
    found = [r for r in top if str(index.doc_ids[r]) in naming and has_fact(r)]
    for doc in naming:
        found += [r for r in index.rows_of(doc) if r not in top and has_fact(r)]
    if found:
        return FactCheck(found, None)
    about = [re.sub(r"['’]s?$", "", name) for name in (*analysis.subject_names, *sorted(nations))]
    return FactCheck([], f"The sources I have don't give {KIND_WORDS[kind]} for {_join(about)}.")


def _join(names: list[str]) -> str:
    names = list(dict.fromkeys(n for n in names if n)) or ["what you asked about"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def document_tokens(index: SearchIndex, doc_id: str) -> set[str]:
    """Tokens of a document's title and all its live chunks (cached per index)."""
    cached = index.doc_tokens.get(doc_id)
    if cached is None:
        rows = index.rows_of(doc_id)
        title = str(index.metadatas[rows[0]]["title"]) if rows else ""
        cached = tokens(" ".join([title, *(index.texts[r] for r in rows)]))
        index.doc_tokens[doc_id] = cached
    return cached
