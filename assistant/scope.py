"""Is the question in scope?

Clinical questions are refused outright. A question about a specific name, place or number that the
corpus never mentions has its confidence cut: retrieval still finds something about the neighbouring
topic, but not about that subject. So does a question asking for a figure about a named subject ("How
much does Bristol spend locally?") when no top source gives a figure about it: the corpus may name
Bristol elsewhere, but quoting someone else's number would be wrong.
"""

from __future__ import annotations

import re

from assistant.index import SearchIndex
from assistant.text import QUESTION_NOISE, STOPWORDS, stem

CLINICAL = re.compile(
    # "Social prescribing" is community work, not medicine.
    r"\b(dose|doses|dosage|mg|milligrams?|(?<!social )prescrib\w*|diagnos\w*|symptoms?|medication|"
    r"medicines?|antibiotics?|amoxicillin|paracetamol|ibuprofen|insulin|overdose|side effects?|"
    r"slurred speech|chest pain|stroke|seizure|rash|fever|infection|treat(ment)? for|"
    r"should i take|is it safe to take|first aid)\b",
    re.IGNORECASE,
)
# An entity the asker uses to say who they are ("I'm at Sheffield council") is context, not subject.
SELF_CONTEXT = re.compile(
    r"\b(i'm|i am|i work|we're|we are|i manage|i lead|i run|based|our|my|at my|here at|for my)\b"
    r"[^.?!]{0,60}$",
    re.IGNORECASE,
)
GENERIC_CAPITALS = frozenset(
    {"hr", "ceo", "cfo", "coo", "gp", "gps", "pcn", "icb", "ics", "icp", "vcse", "nhs", "uk", "and", "the"}
)
UNCOVERED_PENALTY = 0.4
_SPECIFIC = re.compile(r"\b([A-Z][A-Za-z'’]+(?:\s+(?:and\s+)?[A-Z][A-Za-z'’]+)*|\d{4}|\d[\d,.]*\d%?)")


FIGURE_NOUNS = "percentage|proportion|share|year|rate|amount|number|figure|cost|price|total|salary|wage"
FIGURE_QUESTION = re.compile(
    r"\b(how (much|many)|how long|(by )?(what|which) (" + FIGURE_NOUNS + r")"
    # "What hourly rate does…", "what social return on investment figure has…": the noun must be
    # followed by what a question about it needs, so "Which trusts share their land" is not one.
    r"|(what|which)( [\w'’-]+){1,4}? (" + FIGURE_NOUNS + r")"
    r"( (of|does|do|did|is|are|was|were|has|have|had|will|would|can|could|should|for|per)\b|\s*\?))",
    re.IGNORECASE,
)
# Words of a figure question that say when or how it is counted, not what is counted.
FIGURE_NOISE = frozenset(
    "year years yearly each per annual annually current currently last now today total roughly "
    "approximately around typically usually make made difference".split()
)
MIN_FIGURE_OVERLAP = 0.3
YEAR_QUESTION = re.compile(r"\b((what|which) year|when)\b", re.IGNORECASE)
_MONTH = r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December)"
# Dates and years are not the figure asked for: "in 2019", "from 2018/19", "14 May 2020", "31/03/2023".
# A four-digit number after a currency sign or before a count word ("2000 staff") is left alone.
_DATE = re.compile(
    r"\b(\d{1,2}(st|nd|rd|th)? )?" + _MONTH + r"( \d{1,2}(st|nd|rd|th)?\b,?)?( (19|20)\d\d)?"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|(?<![£$€\d,.])\b(19|20)\d\d([/–-]\d{2,4})?s?\b(?! (staff|people|jobs|employees|homes|trees|sites)\b)",
    re.IGNORECASE,
)
# Counts written as words also answer "how many" ("three hospitals", "five years").
_NUMBER = re.compile(
    r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"hundreds|thousand|thousands|million|millions|billion|half|dozen)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\w\w+")


def tokens(text: str) -> set[str]:
    """Stemmed word tokens, split as the BM25 index splits them."""
    return {stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS}


def clinical_reason(question: str) -> str | None:
    match = CLINICAL.search(question)
    return match.group(0) if match else None


def question_entities(question: str) -> list[list[str]]:
    """Names and numbers the question is about, as stemmed tokens (self-description excluded)."""
    entities: list[list[str]] = []
    for match in _SPECIFIC.finditer(question):
        before = question[: match.start()]
        if SELF_CONTEXT.search(before[-80:]):
            continue
        words = match.group(1).split()
        if not before.strip() or before.rstrip().endswith((".", "?", "!", ":", '"', "-")):
            words = words[1:]  # a capital at the start of a sentence says nothing
        tokens = [
            stem(token)
            for word in words
            if not re.match(r"^I['’]", word)
            for token in _TOKEN.findall(word.lower())  # tokenised as the BM25 index does
            if token not in STOPWORDS and token not in GENERIC_CAPITALS
        ]
        if tokens:
            entities.append(tokens)
    return entities


def uncovered_entities(question: str, index: SearchIndex) -> list[str]:
    """Entity tokens that the corpus never mentions."""
    return [t for entity in question_entities(question) for t in entity if t not in index.idf]


def figure_rows(question: str, index: SearchIndex, rows: list[int], look_at: int = 5) -> list[int] | None:
    """For a question asking for a figure about a named subject: the chunks, from the top sources'
    documents that name the subject, with a sentence giving a number about what was asked (retrieved
    chunks first). Empty when there is none; None when the question is not that kind of question."""
    if not FIGURE_QUESTION.search(question):
        return None
    subject = {t for entity in question_entities(question) for t in entity}
    if not subject:
        return None
    weak = {stem(w) for w in FIGURE_NOISE | GENERIC_CAPITALS | QUESTION_NOISE}
    asked = tokens(FIGURE_QUESTION.sub(" ", question)) - subject - weak
    asks_when = bool(YEAR_QUESTION.search(question))
    weights = {t: index.term_idf(t) for t in asked}
    total = sum(weights.values())

    def has_figure(row: int) -> bool:
        """A sentence of the chunk gives a number (a date is not the figure asked for, unless the
        question asks when), and the chunk's number-giving sentences share enough of what was asked,
        weighted by rarity: "local" alone does not tie a number to "spend with local businesses"."""
        with_numbers = [
            s for s in index.sentences(row).sentences if _NUMBER.search(s if asks_when else _DATE.sub(" ", s))
        ]
        if not with_numbers or not total:
            return bool(with_numbers)
        shared = set().union(*(tokens(s) for s in with_numbers))
        return sum(w for t, w in weights.items() if t in shared) >= MIN_FIGURE_OVERLAP * total

    top = rows[:look_at]
    docs = list(dict.fromkeys(str(index.doc_ids[r]) for r in top))  # in retrieval order, each once
    naming = [doc for doc in docs if subject <= document_tokens(index, doc)]
    found = [r for r in top if str(index.doc_ids[r]) in naming and has_figure(r)]
    for doc in naming:
        found += [r for r in index.rows_of(doc) if r not in top and has_figure(r)]
    return found


def document_tokens(index: SearchIndex, doc_id: str) -> set[str]:
    """Tokens of a document's title and all its live chunks."""
    rows = index.rows_of(doc_id)
    title = str(index.metadatas[rows[0]]["title"]) if rows else ""
    return tokens(" ".join([title, *(index.texts[r] for r in rows)]))
