"""Is the question in scope?

Clinical questions are refused outright. A question about a specific name, place or number that the
corpus never mentions has its confidence cut: retrieval still finds something about the neighbouring
topic, but not about that subject.
"""

from __future__ import annotations

import re

from assistant.index import SearchIndex
from assistant.text import STOPWORDS, stem

CLINICAL = re.compile(
    r"\b(dose|doses|dosage|mg|milligrams?|prescrib\w*|prescription|diagnos\w*|symptoms?|medication|"
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
            for token in re.findall(r"\w\w+", word.lower())  # tokenised as the BM25 index does
            if token not in STOPWORDS and token not in GENERIC_CAPITALS
        ]
        if tokens:
            entities.append(tokens)
    return entities


def uncovered_entities(question: str, index: SearchIndex) -> list[str]:
    """Entity tokens that the corpus never mentions."""
    return [t for entity in question_entities(question) for t in entity if t not in index.idf]
