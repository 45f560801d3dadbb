"""Source card snippets as a reader should see them: whole sentences, lists as lists, no corpus boilerplate.

The API's `Citation.snippet` is one or more passages joined by " … ", each either quoted sentences or the
start of a chunk, cut at 400, 600 or 800 characters, so its last sentence or list item may stop mid-word.
Passages keep the source's Markdown line structure ("- item", "1. item") and sometimes its emphasis
asterisks and the corpus's provenance line ("This is a summary, in our own words, of …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PASSAGE_SEPARATOR = " … "
# What `assistant.draft` cuts a chunk start to; a passage this long may end mid-sentence.
CUT_LENGTH = 400

_BOILERPLATE = re.compile(
    r"(?:Source:\s*)?\**This is a summary, in our own words, of\b"
    r"(?:[^\n]*?\(https?://[^\s)]*\)\.?\**|[^\n]*$)",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^\s*(?:(?P<bullet>[-*•])|(?P<number>\d{1,3})[.)])\s+(?P<text>.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)")


@dataclass(frozen=True)
class Block:
    """A paragraph, or a list of items (numbered from `start` when ordered)."""

    kind: Literal["paragraph", "bullets", "numbered"]
    items: tuple[str, ...]
    start: int = 1


def _tidy(text: str) -> str:
    text = _BOILERPLATE.sub("", text)
    text = text.replace("*", "")  # emphasis markers, often cut in half by the snippet limit
    return re.sub(r"[ \t]+", " ", text)


def _whole_sentences(text: str) -> str:
    """`text` up to its last sentence end; "" when it has none."""
    ends = list(_SENTENCE_END.finditer(text))
    return text[: ends[-1].end()].strip() if ends else ""


def _to_clause(text: str) -> str | None:
    """A text without any sentence end, up to its last clause break and marked as cut."""
    cut = max(text.rfind(";"), text.rfind(","), text.rfind(":"))
    return text[:cut].rstrip() + " …" if cut > 40 else None


def _ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.rstrip()[-4:] + " "))


def _blocks(passage: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []

    def close_paragraph() -> None:
        if paragraph:
            blocks.append(Block("paragraph", (" ".join(paragraph),)))
            paragraph.clear()

    for raw in passage.splitlines():
        line = _HEADING.sub("", raw).strip()
        item = _ITEM.match(line)
        if not line:
            close_paragraph()
        elif item:
            close_paragraph()
            kind: Literal["bullets", "numbered"] = "numbered" if item["number"] else "bullets"
            text = item["text"].strip()
            if blocks and blocks[-1].kind == kind:
                last = blocks[-1]
                blocks[-1] = Block(kind, (*last.items, text), last.start)
            else:
                blocks.append(Block(kind, (text,), int(item["number"] or 1)))
        elif blocks and blocks[-1].kind != "paragraph" and raw[:1].isspace():
            last = blocks[-1]  # an item's continuation line
            blocks[-1] = Block(last.kind, (*last.items[:-1], f"{last.items[-1]} {line}"), last.start)
        else:
            paragraph.append(line)
    close_paragraph()
    return [b for b in blocks if any(b.items)]


def _drop_cut_end(blocks: list[Block]) -> list[Block]:
    """Remove a last sentence or list item that the length limit cut short."""
    if not blocks:
        return blocks
    last = blocks[-1]
    if last.kind == "paragraph":
        whole = _whole_sentences(last.items[0]) or (None if blocks[:-1] else _to_clause(last.items[0]))
        return [*blocks[:-1], Block("paragraph", (whole,))] if whole else blocks[:-1]
    tail = last.items[-1]
    if _ends_sentence(tail):
        return blocks
    if len(last.items) == 1 and len(blocks) == 1:  # the only text there is: keep it, marked as cut
        return [Block(last.kind, (tail.rstrip(" ,;:") + " …",), last.start)]
    items = last.items[:-1]
    return [*blocks[:-1], Block(last.kind, items, last.start)] if items else blocks[:-1]


def clean_snippet(snippet: str) -> list[list[Block]]:
    """The snippet as passages of blocks, each passage whole sentences or whole list items."""
    passages: list[str] = []
    for piece in snippet.split(PASSAGE_SEPARATOR):
        piece = _tidy(piece).strip()
        if not piece or any(piece in kept for kept in passages):
            continue
        passages = [kept for kept in passages if kept not in piece]
        passages.append(piece)
    cleaned: list[list[Block]] = []
    for position, passage in enumerate(passages):
        blocks = _blocks(passage)
        if position == len(passages) - 1 or len(passage) >= CUT_LENGTH - 1:
            blocks = _drop_cut_end(blocks)
        if blocks and blocks[0].kind == "paragraph" and blocks[0].items[0][:1].islower():
            blocks[0] = Block("paragraph", ("… " + blocks[0].items[0],))  # starts mid-sentence
        if blocks:
            cleaned.append(blocks)
    return cleaned
