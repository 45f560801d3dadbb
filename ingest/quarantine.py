"""Quarantine planted instructions at ingest, so they are never stored, quoted or sent to a model.

A passage (a paragraph, a list item, a PDF paragraph) in which `core.untrusted` finds an instruction to
an assistant or its readers is removed from the document before chunking, together with the text that an
instruction announces (the rest of its paragraph, the list after a "…:" lead-in, the next line of a
wrapped paragraph). Instructions in the title, the publisher or a section heading, or in many passages,
quarantine the whole document: such a document is not a source. Every removal is reported as a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.untrusted import CueKind, instruction_spans, normalise

# More quarantined passages than this, or more than this share of all passages, and the whole document is
# quarantined: a document that is mostly planted text is not a source. Set so that one planted paragraph
# with its payload (two or three passages) leaves the rest of a document answering; the injection test
# corpus (tests/ingest/injection_corpus.py) exercises both sides.
MAX_QUARANTINED_PASSAGES = 3
MAX_QUARANTINED_SHARE = 0.5
# Cues that announce a payload in what follows ("Ignore the above. <payload>"); the passage after them in
# the same block is quarantined with them.
LEAD_IN_KINDS: frozenset[CueKind] = frozenset({"override", "addressed_to_ai", "role_play", "prompt_markup"})
# How much of a quarantined passage a note quotes (enough to find it in the file, not enough to re-plant it).
NOTE_QUOTE_CHARS = 60

_LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s")
SENTENCE_END = (".", "!", "?", ":", ";")
"""How a line that ends a sentence (or leads into a list) ends: a line that does not carries on."""


@dataclass
class Passage:
    text: str
    block: int
    is_list_item: bool
    quarantined: bool = False


@dataclass(frozen=True)
class QuarantineNote:
    """One removal: where, what it looked like, and the start of the removed text."""

    where: str
    what: str
    quote: str

    def detail(self) -> str:
        """For the operator running ingest (summary, `--json`): with the quote, to find it in the file."""
        return f"{self.where}: {self.what}: “{self.quote}”"

    def public(self) -> str:
        """For anyone reading the index (`haln sources show`, `/v1/sources`): never repeats planted text."""
        return f"{self.where}: {self.what}"


@dataclass
class QuarantineOutcome:
    """What was removed from a document, and whether the document as a whole is quarantined."""

    notes: list[QuarantineNote] = field(default_factory=list)
    passages_removed: int = 0
    whole_document: str | None = None  # the reason, when the whole document is quarantined


def passages(text: str) -> list[Passage]:
    """Paragraphs and list items of a section; a line that does not end a sentence continues the last."""
    found: list[Passage] = []
    for block_no, block in enumerate(re.split(r"\n[ \t]*\n", text)):
        for line in block.splitlines():
            if not line.strip():
                continue
            item = bool(_LIST_ITEM.match(line))
            last = found[-1] if found and found[-1].block == block_no else None
            if last is not None and not item and not last.text.rstrip().endswith(SENTENCE_END):
                last.text += "\n" + line
            else:
                found.append(Passage(line, block_no, item))
    return found


def _kinds(text: str) -> set[CueKind]:
    return {span.kind for span in instruction_spans(text)}


def mark_instructions(found: list[Passage]) -> None:
    """Set `quarantined` on passages holding an instruction and on the payload they announce."""
    for i, passage in enumerate(found):
        kinds = _kinds(passage.text)
        nxt = found[i + 1] if i + 1 < len(found) else None
        if not kinds and nxt is not None and not _kinds(nxt.text):
            # An instruction split across two passages ("Ignore all of the" / "previous instructions.").
            kinds = _kinds(passage.text + " " + nxt.text)
            if kinds:
                nxt.quarantined = True
        if not kinds:
            continue
        passage.quarantined = True
        if nxt is None:
            continue
        if passage.text.rstrip().endswith(":"):
            # A "…:" lead-in: the rest of its block, or the list that follows it, is what it introduces.
            payload_block = nxt.block
            for later in found[i + 1 :]:
                if later.block != passage.block and not (later.block == payload_block and later.is_list_item):
                    break
                later.quarantined = True
        elif (
            kinds & LEAD_IN_KINDS
            and nxt.block == passage.block
            and not (passage.is_list_item or nxt.is_list_item)
        ):
            nxt.quarantined = True  # "Ignore the above." followed by its payload on the next line


def _quote(text: str) -> str:
    flat = " ".join(normalise(text).split())
    return flat if len(flat) <= NOTE_QUOTE_CHARS else flat[: NOTE_QUOTE_CHARS - 1] + "…"


def _kind_names(text: str) -> str:
    return ", ".join(sorted(k.replace("_", " ") for k in _kinds(text))) or "continues an instruction"


def quarantine_text(text: str, where: str, outcome: QuarantineOutcome) -> str:
    """`text` without its planted instructions; each removal is noted in `outcome`."""
    found = passages(text)
    mark_instructions(found)
    kept_blocks: dict[int, list[str]] = {}
    for passage in found:
        if passage.quarantined:
            outcome.passages_removed += 1
            kinds = _kind_names(passage.text)
            what = f"quarantined a passage that reads as instructions to an assistant ({kinds})"
            outcome.notes.append(QuarantineNote(where, what, _quote(passage.text)))
        else:
            kept_blocks.setdefault(passage.block, []).append(passage.text)
    return "\n\n".join("\n".join(lines) for _, lines in sorted(kept_blocks.items()))


def metadata_instruction(fields: dict[str, str]) -> str | None:
    """The reason to quarantine a whole document for its metadata, or None when it is clean."""
    for name, value in fields.items():
        if instruction_spans(value):
            return (
                f"the {name} reads as instructions to an assistant ({_kind_names(value)}): “{_quote(value)}”"
            )
    return None


def hidden_text_notes(hidden: list[str], outcome: QuarantineOutcome) -> None:
    """Text hidden from a sighted reader is already removed; say so, louder when it held instructions."""
    for text in hidden:
        kinds = _kind_names(text) if instruction_spans(text) else None
        what = f"hidden text that reads as instructions to an assistant ({kinds})" if kinds else "hidden text"
        outcome.notes.append(QuarantineNote("body", f"removed {what}", _quote(text)))


def too_much_quarantined(outcome: QuarantineOutcome, total_passages: int) -> bool:
    removed = outcome.passages_removed
    return removed > MAX_QUARANTINED_PASSAGES or (
        total_passages > 0 and removed / total_passages > MAX_QUARANTINED_SHARE
    )
