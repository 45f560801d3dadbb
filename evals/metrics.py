"""Evaluation metrics as pure functions of plain values (unit-tested on hand-checked cases)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from assistant import cues
from assistant.draft import FIRST_STEPS_HEADING


def first_relevant_rank(ranked: Sequence[str], relevant: set[str]) -> int | None:
    """1-based rank of the first relevant item, or None."""
    for rank, item in enumerate(ranked, start=1):
        if item in relevant:
            return rank
    return None


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return 1.0 if any(item in relevant for item in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    rank = first_relevant_rank(ranked, relevant)
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Binary-relevance nDCG@k; each relevant item counts once."""
    seen: set[str] = set()
    dcg = 0.0
    for rank, item in enumerate(ranked[:k], start=1):
        if item in relevant and item not in seen:
            dcg += 1.0 / math.log2(rank + 1)
            seen.add(item)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def citation_validity(cited: Sequence[str], retrieved: set[str]) -> float:
    """Share of cited items that were retrieved (must be 1.0). No citations counts as valid."""
    return sum(c in retrieved for c in cited) / len(cited) if cited else 1.0


def citation_precision(cited: set[str], expected: set[str]) -> float:
    """Share of cited sources that are expected (ALCE-style precision over sources)."""
    return len(cited & expected) / len(cited) if cited else 0.0


def citation_recall(cited: set[str], expected: set[str]) -> float:
    """Share of expected sources that are cited."""
    return len(cited & expected) / len(expected) if expected else 0.0


_SAME_WRITING = (
    (re.compile(r"(\d)\s*(?:million|mn)\b"), r"\1m"),
    (re.compile(r"(\d)\s*(?:billion|bn)\b"), r"\1bn"),
    (re.compile(r"(\d)\s*(?:per ?cent)\b"), r"\1%"),
    (re.compile(r"[’‘]"), "'"),
    (re.compile(r"[–—]"), "-"),
    (re.compile(r"\s+"), " "),
)


def _as_written(text: str) -> str:
    """One way of writing what can be written several ways: "£32 million" and "£32m", "55 per cent" and
    "55%", curly and straight apostrophes, so a fact is found however the source spelled it."""
    text = text.lower()
    for pattern, replacement in _SAME_WRITING:
        text = pattern.sub(replacement, text)
    return text


def mention_coverage(answer: str, must_mention: Sequence[str]) -> float:
    """Share of must-mention facts found in the answer (case-insensitive substring, with amounts and
    punctuation written one way)."""
    if not must_mention:
        return 1.0
    text = _as_written(answer)
    return sum(_as_written(m) in text for m in must_mention) / len(must_mention)


def missed_mentions(answer: str, must_mention: Sequence[str]) -> list[str]:
    """The must-mention terms the answer lacks (case-insensitive substring), for the report."""
    text = answer.lower()
    return [m for m in must_mention if m.lower() not in text]


def refusal_scores(refused: Sequence[bool], should_refuse: Sequence[bool]) -> dict[str, float]:
    """Precision and recall of refusing, and accuracy of the answer/refuse decision."""
    pairs = list(zip(refused, should_refuse, strict=True))
    true_pos = sum(r and s for r, s in pairs)
    predicted = sum(r for r, _ in pairs)
    actual = sum(s for _, s in pairs)
    return {
        "refusal_precision": true_pos / predicted if predicted else 1.0,
        "refusal_recall": true_pos / actual if actual else 1.0,
        "refusal_accuracy": sum(r == s for r, s in pairs) / len(pairs) if pairs else 1.0,
    }


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# -- answer shape (issue 13): what a reader trips over, found in the rendered Markdown ------------------
_LABEL = re.compile(r"^\s*-\s+\*\*([^*]+)\*\*:?\s*")
_DEFECTS: dict[str, re.Pattern[str]] = {
    "byline_or_meta": re.compile(
        # "By Jane Smith", not a list item "by helping to relieve some of the pressures…" under its lead-in.
        r"^((?-i:[Bb]y(?= [A-Z]))|written by|posted|published|author)\b|"
        r"\b(this|the) (case study|report|blog|article|page|q&a|briefing|guide) "
        r"(looks at|describes|covers|summarises|notes that|sets out how)|in our own words",
        re.IGNORECASE,
    ),
    "question_quoted": re.compile(r"\?\s*(\[\d+\])*\s*$"),
    "stray_markdown": re.compile(r"(?<!\*)\*(?!\*)|__|`|^#+ "),
    "cut_title": re.compile(r"…\*?\*?:"),
    # A list quoted with nothing saying what its items are ("**NHS Providers' report:** [1]" then items).
    "bare_list": re.compile(r"^(\[\d+\])+$"),
    # A quoted passage opening by leaning on text that was not quoted.
    "fragment": re.compile(
        r"^(it|its|this|that|these|those|they|their|he|she|his|her|such|also|however|but)\b", re.IGNORECASE
    ),
}
START_QUESTION = re.compile(
    r"\b(where (do|should|can|would) (i|we|you)( even| actually)? (start|begin)|where to start|"
    r"first (thing|step)|"
    r"how (do|can|should) (i|we)( actually)? (start|begin|get started)|"
    r"(?<!did it )(?<!did they )get(ting)? started|new to)\b",
    re.IGNORECASE,
)


def answer_defects(answer: str) -> list[str]:
    """Kinds of defect in the quoted passages of an answer (one entry per defective line, the most
    specific kind: "This case study looks at…" is a meta-sentence, not also a fragment)."""
    found: list[str] = []
    in_suggestions = False
    above = ""
    for raw in answer.splitlines():
        above += raw + "\n"
        line = raw.strip()
        if line.startswith("**You could also ask"):
            in_suggestions = True
        if not line or in_suggestions or (line.startswith("_") and line.endswith("_")):
            continue
        if line.startswith("**") and line.endswith("**"):
            continue  # a section heading
        label = _LABEL.match(raw)
        quoted = raw[label.end() :] if label else re.sub(r"^\s*-\s+", "", raw)
        quoted = re.sub(r"^\*\*[^*]+\*\*\s*", "", quoted.strip())  # a step's bold lead-in
        item = raw.startswith("  - ")  # a list item, read with the lead-in above it
        for name, pattern in _DEFECTS.items():
            if item and name == "fragment":
                continue
            if pattern.search(raw if name == "cut_title" else quoted):
                found.append(name)
                break  # one defect per line: the most specific kind
        else:
            # "According to Ms Russell…" with no Elspeth Russell anywhere above it in the answer: the reader
            # cannot tell who is speaking (graders, issue 13: "Ms Russell", "Dr Fletcher").
            titled = cues.UNINTRODUCED_PERSON.search(raw)
            if titled and not cues.person_introduction(titled.group(2)).search(above):
                found.append("unintroduced_person")
    return found


def has_start_shape(answer: str) -> bool:
    """A start question's answer leads with first steps."""
    return f"**{FIRST_STEPS_HEADING}**" in answer
