"""Passages that stand alone: what the composer quotes.

A chunk's text keeps its lines (list items, numbered steps, paragraphs). From them we build units that
can be quoted without what came before: a list with its lead-in (short items kept), a numbered step
with its lead-in sentence, a sentence together with the sentence it refers back to. Bylines, sentences
about the document, questions, headings, fragments and the corpus writers' own sections are never units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from assistant import cues
from assistant.text import INSTRUCTION_LIKE, content_terms, split_line_sentences, tokens

UnitKind = Literal["sentences", "step", "list"]
_ITEM = re.compile(r"^\s*([-•*+]|\d{1,2}[.)])\s+")
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")
_STRAY_MARKUP = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)|`+|^#+\s*|^>\s*")
MAX_GROUP_SENTENCES = 3
MIN_HEADED_LIST = 3
MAX_LIST_ITEM_WORDS = 30
MIN_NAMING_HEADING_TERMS = 3
"""A heading of this many content words names what a list is ("NHS Tayside's scale": nhs, tayside, scale);
"The issue" or "Why Blackpool" do not (they put a weakly related list into three answers, prac-043)."""


@dataclass(frozen=True)
class Unit:
    kind: UnitKind
    text: str
    """Plain text as quoted: sentences joined by spaces; a list's items are in `items`."""
    items: tuple[str, ...] = ()
    lead: str | None = None
    """A step's lead-in sentence ("Meet top management."), shown in bold."""
    order: int = 0
    terms: frozenset[str] = frozenset()
    headed: bool = False
    """A list introduced only by its section heading ("Key facts at a glance:"): a digest, not an answer."""
    section_terms: frozenset[str] = frozenset()
    """Terms of the section heading the unit sits under ("Commitments: fleet"): what the passage is
    about even when its own words do not say it ("all new vehicles … by 2027")."""
    paragraph: int = -1
    """Which line of the chunk the unit comes from: sentences of one paragraph share it."""
    about_document: bool = False
    """Says something about the document itself ("The report is written by…", "This case study was
    published in…"): quoted only when the question asks who wrote it or when."""

    @property
    def words(self) -> int:
        return len(self.text.split()) + sum(len(i.split()) for i in self.items)

    def quoted(self) -> str:
        """All the text the unit quotes, for support checks and repeats."""
        return " ".join([self.text, *self.items]).strip()


def clean_markup(text: str) -> str:
    """Markdown the loader left behind (half-stripped emphasis, code ticks, quote marks)."""
    return re.sub(r"\s{2,}", " ", _STRAY_MARKUP.sub("", text)).strip()


def finish(sentence: str) -> str:
    sentence = sentence.strip()
    if sentence and sentence[-1] not in ".!?\"'”)":
        sentence += "."
    return sentence[0].upper() + sentence[1:] if sentence else sentence


def unfit(sentence: str, item: bool = False, allow_meta: bool = False) -> bool:
    """Never quoted: questions, bylines, sentences about the document (unless the caller marks them as
    such), instructions to an assistant, and sentences starting in lower case (the rest of a line the
    PDF or chunk boundary cut)."""
    return (
        (sentence[:1].islower() and not item)  # list items may continue their lead-in in lower case
        or sentence.rstrip().endswith("?")
        or bool(cues.BYLINE.match(sentence))
        or bool(cues.NOT_CONTENT.search(sentence))
        or bool(cues.DOCUMENT_FRAMING.search(sentence))
        or (not allow_meta and bool(cues.ABOUT_DOCUMENT.search(sentence)))
        or bool(INSTRUCTION_LIKE.search(sentence))
    )


def _is_heading(line: str) -> bool:
    return len(line.split()) <= 12 and not re.search(r"[.!?:;]$", line) and not _ITEM.match(line)


def units_of(text: str, section: str = "") -> list[Unit]:
    """The quotable units of one chunk, in reading order."""
    if cues.WRITERS_SECTIONS.match(section.strip()):
        return []
    lines = [cleaned for line in text.splitlines() if (cleaned := clean_markup(line))]
    units: list[Unit] = []
    heading_terms = frozenset(content_terms(section))
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line or (_is_heading(line) and not (i + 1 < len(lines) and _ITEM.match(lines[i + 1]))):
            i += 1
            continue
        # A lead-in ending with ":" and the list items after it, kept together.
        if line.endswith(":") and i + 1 < len(lines) and _ITEM.match(lines[i + 1]):
            items: list[str] = []
            j = i + 1
            while j < len(lines) and _ITEM.match(lines[j]):
                items.append(_ITEM.sub("", lines[j]).strip())
                j += 1
            units.extend(_list_unit(line, items, len(units), section))
            i = j
            continue
        run = _item_run(lines, i)
        if not run and _NUMBERED.match(line):
            # A numbered list whose first item is long ("1. **Grow an inclusive and resilient local
            # economy.** Engage local suppliers, …") is still one list: read as a step of its own, it left
            # items 2 to 5 to read as the whole list under the heading, and "… (2 more in the source)"
            # after two of them miscounted Belfast's five objectives (graders, fresh-c-03).
            following = _item_run(lines, i + 1)
            if len(following) + 1 >= MIN_HEADED_LIST and all(_NUMBERED.match(item) for item in following):
                run = [line, *following]
        if len(run) >= MIN_HEADED_LIST and section:
            # Items with no lead-in line of their own: the section heading introduces them, and an item
            # saying "It…" has nothing to lean on.
            items = [_ITEM.sub("", item).strip() for item in run]
            items = [item for item in items if not cues.BACK_REFERENCE.match(item)]
            units.extend(replace(unit, headed=True) for unit in _list_unit(f"{section}:", items, len(units)))
            i += len(run)
            continue
        if _ITEM.match(line):
            body = _ITEM.sub("", line)
            sentences = split_line_sentences(body)
            if _NUMBERED.match(line) and len(sentences) >= 2 and len(sentences[0].split()) <= 10:
                lead, rest = sentences[0], sentences[1:]
                # "Use the key messages above: …" points at text the answer does not quote (b7-14).
                rest = [sentence for sentence in rest if not cues.POINTS_ELSEWHERE.search(sentence)] or rest
                leans_back = bool(cues.BACK_REFERENCE.match(rest[0]))  # "That meeting led…"
                if not unfit(lead) and not leans_back and not any(unfit(s) for s in rest):
                    units.append(_unit("step", " ".join(rest), len(units), lead=finish(lead)))
                i += 1
                continue
            # A bare item with no lead-in: a sentence unit when it reads as one.
            units.extend(_sentence_units(sentences, len(units)))
            i += 1
            continue
        units.extend(replace(u, paragraph=i) for u in _sentence_units(split_line_sentences(line), len(units)))
        i += 1
    return [replace(unit, section_terms=heading_terms) for unit in units]


def _item_run(lines: list[str], start: int) -> list[str]:
    """Consecutive short list items from `start` (long items read as paragraphs and stay sentences)."""
    run = []
    for line in lines[start:]:
        if not _ITEM.match(line) or len(line.split()) > MAX_LIST_ITEM_WORDS:
            break
        run.append(line)
    return run


def _unit(
    kind: UnitKind, text: str, order: int, items: tuple[str, ...] = (), lead: str | None = None
) -> Unit:
    joined = " ".join([lead or "", text, *items])
    return Unit(kind, text, items, lead, order, frozenset(content_terms(joined)))


def _list_unit(lead_in: str, items: list[str], order: int, section: str = "") -> list[Unit]:
    if (
        lead_in.rstrip().endswith("?")
        or cues.BYLINE.match(lead_in)
        or INSTRUCTION_LIKE.search(lead_in)
        or cues.WRITERS_LEAD_IN.match(lead_in)
    ):
        return []
    kept = tuple(item for item in items if not unfit(item, item=True))
    if not kept or (len(kept) < len(items) and cues.COUNTED_LEAD_IN.search(lead_in)):
        return []  # "He names two further ways…:" showing one misstates the source (graders, b6-12)
    # A lead-in about the document ("The case study describes…:") or leaning on text before it
    # ("It places its project…:") is not quoted; the items are, under the source's label.
    # "The article was led by Savannah Fishel…:" names the authors: kept, for "who wrote it?" only.
    about_document = bool(cues.ABOUT_DOCUMENT.search(lead_in) and cues.AUTHORSHIP_ANSWER.search(lead_in))
    headed = False
    if not about_document:
        # Sentences framing the document ("The page describes the first two:") go; the rest stays.
        kept_lead = [
            sentence
            for sentence in split_line_sentences(lead_in)
            if not (cues.META_SENTENCE.search(sentence) or cues.DOCUMENT_FRAMING.search(sentence))
        ]
        own_words = frozenset(content_terms(lead_in))
        # "The release gives these figures:" only frames its items: a heading above naming what they are
        # ("NHS Tayside's scale") says it, whatever words the two share; "The issue" names nothing.
        only_framing = not kept_lead and len(content_terms(section)) >= MIN_NAMING_HEADING_TERMS
        lead_in = " ".join(kept_lead)
        if cues.BACK_REFERENCE.match(lead_in):
            lead_in = ""
        if (
            not lead_in
            and section
            and not cues.WRITERS_SECTIONS.match(section)
            and not cues.BACK_REFERENCE.match(section)  # "It is not a one-off programme" leans back too
            # The heading says what the items are only when it names what the lead-in did: "Three areas
            # of focus" for "It focuses on three areas:", not "Formal voluntary organisations" for "Many
            # of them have a specific focus, and the page gives examples:" (graders: misstated lists,
            # prac-005, b5-03, b5-07). A "Key facts" heading says what its items are whatever the lead-in.
            and (
                only_framing
                or own_words & frozenset(content_terms(section))
                or cues.DIGEST_HEADING.match(section)
            )
        ):
            # "It focuses on three areas:" leaned on the text before it; the section heading says what
            # the items are, so the list is not quoted bare (graders: "a list with no lead-in").
            lead_in = f"{section.rstrip(':')}:"
        if not lead_in:
            return []  # nothing says what the items are: "employing people; buying goods…" of what?
        # A digest, whether its lead-in is a "Key facts at a glance" heading (after "These are the main
        # facts in the i's report:" went as framing, b4-11) or its own "Headline figures reported for the
        # programme:" (prac-002); "Six ways anchors can make a difference" is not one.
        headed = bool(cues.DIGEST_HEADING.match(lead_in))
    unit = _unit("list", lead_in, order, items=kept)
    return [replace(unit, about_document=about_document, headed=headed)]


def _points_back_inside(sentence: str) -> bool:
    """ "…one part of that preventative answer": the demonstrative's noun was not named earlier in the
    sentence, so it is something the sentence before said ("…weighting on those contracts" after
    "its highways contracts" points inside the sentence). Not applied to a list's lead-in: replaced by its
    section heading, "According to the SCA, these organisations typically:" read as "What effective
    communities have in common:", which misstated the source (graders, b5-03)."""
    for match in cues.DEMONSTRATIVE_INSIDE.finditer(sentence):
        earlier = tokens(sentence[: match.start()])
        first = 3 if match.group(4) else 7  # which of the pattern's two forms matched
        named = tokens(f"{match.group(first) or ''}{match.group(first + 1) or ''}")
        if not named & earlier:
            return True
    return False


def _sentence_units(sentences: list[str], order: int) -> list[Unit]:
    """Sentences of one paragraph. A sentence that refers back ("It…", "This…") is joined to the one
    before it; with nothing before it, it is a fragment and dropped."""
    groups: list[tuple[bool, list[str]]] = []  # (stands alone, sentences)
    for sentence in sentences:
        leans_back = bool(cues.BACK_REFERENCE.match(sentence) or _points_back_inside(sentence))
        # A definite description ("The figures were released…") is carried with the sentence that
        # introduced what it names, and left out with it when that is not quoted ("The Democrat's article
        # reports…", b9-09); with none before it, it stands alone. "The article also notes…" is about the
        # document, so it is left out alone.
        names_earlier = bool(
            cues.DEFINITE_LEAN.match(sentence) or cues.CARRIES_ON.match(sentence)
        ) and not unfit(sentence)
        joinable = bool(groups) and groups[-1][0] and len(groups[-1][1]) < MAX_GROUP_SENTENCES
        # After an orphan, a sentence carrying its story on ("This guest blog was first published… The
        # Living Wage Foundation then republished it.") goes with it: alone it reads as the start of a
        # story it is not (fresh-a-30). A definite description ("The working group is a network…") names
        # its subject and stands alone.
        after_orphan = bool(groups) and not groups[-1][0] and len(groups[-1][1]) < MAX_GROUP_SENTENCES
        if (joinable and (leans_back or names_earlier)) or (
            after_orphan and (leans_back or cues.CARRIES_ON.match(sentence))
        ):
            groups[-1][1].append(sentence)
        else:
            # One leaning back with nothing before it to lean on is an orphan.
            groups.append((not leans_back, [sentence]))
    units: list[Unit] = []
    for stands_alone, group in groups:
        if (
            not stands_alone
            or any(unfit(s, allow_meta=True) for s in group)
            or group[-1].endswith((":", ";", ","))
        ):
            continue
        text = " ".join(finish(s) for s in group)
        unit = _unit("sentences", text, order + len(units))
        # A group is about the document when it opens or closes so ("…green spaces. This guide explains what
        # the fund is…"), or says when or where it was published; a fact carried on by "The article sets
        # this against the board's total … nearly £50m. On that basis, roughly £1 of every £5…" is the fact
        # (held-out b7-18: NHSGGC's £9.64m was never quotable).
        if (
            cues.ABOUT_DOCUMENT.search(group[0])
            or cues.ABOUT_DOCUMENT.search(group[-1])
            or any(cues.PUBLICATION_STATEMENT.search(s) for s in group)
        ):
            unit = replace(unit, about_document=True)
        units.append(unit)
    return units
