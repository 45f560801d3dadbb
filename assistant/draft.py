"""An answer before it is rendered: blocks of claims, each claim pointing at retrieved sources.

Both backends produce a Draft; rendering numbers the cited sources in order of first use, so every
`[n]` in the text is a source returned with the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from assistant.sources import RetrievedSource
from core.schemas import Citation

# Section headings of a where-to-start answer.
FIRST_STEPS_HEADING = "First steps"
CONTEXT_HEADING = "Worth knowing"

CITATION_MARK = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")


@dataclass
class Claim:
    text: str
    sources: list[int]  # positions in the retrieved list
    reference: bool = False  # a pointer to a source ("see the toolkit"), not a statement of fact
    support: float = 1.0
    label: str | None = None  # whose words these are ("Preston City Council's guide"); ours, in bold
    lead: str | None = None  # a step's lead-in sentence, quoted, shown in bold
    items: list[str] = field(default_factory=list)  # a list's items, quoted under its lead-in
    person: str | None = None
    """Who the passage's "Ms Russell" is, as its document first names them ("Elspeth Russell, consultant
    in public health at NHS Lanarkshire"); quoted with the label the first time the answer needs it."""

    def quoted(self) -> str:
        """Everything this claim quotes from its source."""
        return " ".join(part for part in (self.lead, self.text, *self.items) if part)


@dataclass
class Block:
    kind: Literal["paragraph", "bullets"]
    claims: list[Claim] = field(default_factory=list)
    heading: str | None = None


@dataclass
class Draft:
    blocks: list[Block] = field(default_factory=list)
    followups: list[str] = field(default_factory=list)
    unsupported: int = 0
    gaps: list[str] = field(default_factory=list)
    """What the sources do not give that was asked ("no example from Scotland"), said before the answer."""

    def claims(self) -> list[Claim]:
        return [c for b in self.blocks for c in b.claims]

    def drop_empty(self) -> None:
        self.blocks = [b for b in self.blocks if b.claims]


@dataclass
class Rendered:
    text: str
    citations: list[Citation]
    cited_positions: list[int]


def snippet_for(source: RetrievedSource, claims: list[Claim]) -> str:
    """The supporting passage shown on a source card: the quoted sentences, or the chunk start."""
    quoted = [c.quoted() for c in claims if not c.reference and (c.lead or c.text) in source.text]
    return " … ".join(quoted)[:600] if quoted else source.text[:400]


def render(draft: Draft, retrieved: list[RetrievedSource], evidence_label: str) -> Rendered:
    # One number per document: two chunks of the same document share it.
    numbers: dict[int, int] = {}
    doc_numbers: dict[object, int] = {}
    for claim in draft.claims():
        for position in claim.sources:
            if 0 <= position < len(retrieved) and position not in numbers:
                doc = retrieved[position].meta["doc_id"]
                if doc not in doc_numbers:
                    doc_numbers[doc] = len(doc_numbers) + 1
                numbers[position] = doc_numbers[doc]

    def with_marks(claim: Claim) -> str:
        marks = "".join(f"[{n}]" for n in dict.fromkeys(numbers[p] for p in claim.sources if p in numbers))
        whose = " — ".join(part for part in (claim.label, claim.person) if part)
        label = f"**{whose}:** " if whose else ""
        lead = f"**{claim.lead}** " if claim.lead else ""
        line = (
            f"{label}{lead}{claim.text} {marks}".strip() if claim.text or lead else f"{label}{marks}".strip()
        )
        return line + "".join(f"\n  - {item}" for item in claim.items)

    # A person is introduced once: the first passage needing it says who they are.
    introduced: set[str] = set()
    blocks: list[Block] = []
    for block in draft.blocks:
        claims = []
        for claim in block.claims:
            if claim.person in introduced:
                claim = replace(claim, person=None)
            elif claim.person:
                introduced.add(claim.person)
            claims.append(claim)
        blocks.append(replace(block, claims=claims))

    def docs_of(claims: list[Claim]) -> set[object]:
        return {retrieved[p].meta["doc_id"] for c in claims for p in c.sources if 0 <= p < len(retrieved)}

    parts: list[str] = [*draft.gaps]
    previous_label: str | None = None
    previous_docs: set[object] = set()
    for block in blocks:
        if block.heading:
            parts.append(f"**{block.heading}**")
            previous_label = None
        if block.kind == "paragraph":
            parts.append(" ".join(with_marks(c) for c in block.claims))
        else:
            lines = []
            for claim in block.claims:
                # Passages of one source in a row: its label once, not repeated on every bullet nor on
                # the first bullet after an opening with the same label (graders: "heading duplicated");
                # nor a shorter or longer form of it for the same document ("Creating healthy places"
                # after "NHS Property Services (NHSPS): Creating healthy places", or the reverse).
                docs = docs_of([claim])
                if (
                    claim.label
                    and previous_label
                    and not claim.person
                    and (
                        claim.label == previous_label
                        or (
                            (claim.label in previous_label or previous_label in claim.label)
                            and docs == previous_docs
                        )
                    )
                ):
                    claim = replace(claim, label=None)
                else:
                    previous_label = claim.label
                previous_docs = docs
                lines.append(f"- {with_marks(claim)}")
            parts.append("\n".join(lines))
            continue
        previous_label = block.claims[-1].label if block.claims else None
        previous_docs = docs_of(block.claims[-1:])
    if draft.followups:
        parts.append("**You could also ask**\n" + "\n".join(f"- {q}" for q in draft.followups))
    if evidence_label:
        parts.append(f"_{evidence_label}_")
    citations = []
    for n in sorted(set(numbers.values())):
        positions = [p for p, m in numbers.items() if m == n]
        claims = [c for c in draft.claims() if set(c.sources) & set(positions)]
        first = retrieved[positions[0]]
        snippets = [snippet_for(retrieved[p], claims) for p in positions]
        citations.append(first.citation(n, " … ".join(dict.fromkeys(snippets))[:800]))
    return Rendered("\n\n".join(parts), citations, list(numbers))


def parse_cited_sentences(text: str, n_sources: int) -> list[Claim]:
    """Split model output into sentences with their [n] markers (1-based in the prompt).

    Markers pointing outside the numbered sources are dropped here and never shown.
    """
    from assistant.text import split_sentences

    claims: list[Claim] = []
    for sentence in split_sentences(text):
        numbers: list[int] = []
        for group in CITATION_MARK.findall(sentence):
            numbers.extend(int(x) for x in re.split(r"\s*[,;]\s*", group))
        clean = CITATION_MARK.sub("", sentence).strip()
        clean = re.sub(r"^\*\*(.+?)\*\*:?\s*", r"\1: ", clean).strip(" :")
        if not clean:
            continue
        valid = [n - 1 for n in numbers if 1 <= n <= n_sources]
        claims.append(Claim(text=clean, sources=list(dict.fromkeys(valid))))
    return claims
