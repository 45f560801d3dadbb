"""Plain text from text that may hold HTML: what ingest stores, so no surface ever returns markup.

Markdown bodies and metadata may carry raw HTML (`<script>`, `<img onerror=…>`, `<a href="javascript:…">`).
The API returns stored text to a portal that may render it, so markup is removed at ingest: script, style
and other non-text elements are dropped with their contents, comments are dropped, every other tag is
unwrapped and entities are unescaped. Text hidden from a sighted reader (`display:none`, white text,
`hidden`, zero size) is dropped too and returned apart, because hiding text is how instructions are
planted for a machine reader (see `core/untrusted.py`); so are comments.

Parsing uses the standard library's `html.parser`, which is lenient about the stray `<` of prose
("under <10 staff" stays text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements whose content is code or data, never text a reader sees.
DROPPED_ELEMENTS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head", "title"}
)
# Elements that end a line, so unwrapping them does not glue two paragraphs or list items together.
BLOCK_ELEMENTS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "section",
        "article",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "footer",
        "aside",
        "pre",
        "hr",
        "dd",
        "dt",
    }
)
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
# Inline styles that hide text from a sighted reader: the common tricks for planting text for a machine.
HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)|"
    r"font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:;|$)|"
    r"(?<![-\w])color\s*:\s*(?:#fff(?:fff)?\b|white\b|rgba?\(\s*255\s*,\s*255\s*,\s*255|transparent\b)|"
    r"(?:left|top|text-indent)\s*:\s*-\d{3,}|clip\s*:\s*rect\(\s*0",
    re.IGNORECASE,
)
# Entities can spell markup ("&lt;script&gt;"); a second pass strips what the first one unescaped.
MAX_PASSES = 3
_LOOKS_LIKE_MARKUP = re.compile(r"<[A-Za-z/!?]|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.IGNORECASE)


@dataclass
class PlainText:
    text: str
    hidden: list[str] = field(default_factory=list)


def hides_text(tag: str, attrs: Sequence[tuple[str, str | None]]) -> bool:
    values = dict(attrs)
    if "hidden" in values or (tag == "input" and (values.get("type") or "").lower() == "hidden"):
        return True
    return bool(HIDING_STYLE.search(values.get("style") or ""))


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_parts: list[str] = []
        # Open elements whose text is dropped (code) or hidden (tricks), as a stack of tag names.
        self._dropping: list[str] = []
        self._hiding: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_ELEMENTS:
            self.parts.append("\n")
        if tag in VOID_ELEMENTS:
            return
        if tag in DROPPED_ELEMENTS:
            self._dropping.append(tag)
        elif hides_text(tag, attrs) or self._hiding:
            if not self._hiding:
                self.hidden_parts.append("")  # one entry per outermost hidden element
            self._hiding.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_ELEMENTS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        for stack in (self._dropping, self._hiding):
            if tag in stack:
                while stack and stack.pop() != tag:
                    pass
                break
        if tag in BLOCK_ELEMENTS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._dropping:
            return
        if self._hiding:
            self.hidden_parts[-1] += data
        else:
            self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.hidden_parts.append(data)  # a comment is text no reader sees


def _strip_once(text: str) -> PlainText:
    collector = _TextCollector()
    collector.feed(text)
    collector.close()
    hidden = [" ".join(part.split()) for part in collector.hidden_parts]
    return PlainText("".join(collector.parts), [h for h in hidden if h])


def html_to_text(text: str) -> PlainText:
    """`text` without markup: tags unwrapped, code and comments dropped, entities unescaped, hidden text
    moved to `hidden`. Text with no markup comes back unchanged."""
    result = PlainText(text)
    for _ in range(MAX_PASSES):
        if not _LOOKS_LIKE_MARKUP.search(result.text):
            break
        stripped = _strip_once(result.text)
        result = PlainText(stripped.text, result.hidden + stripped.hidden)
    # What is still left after the passes is only angle brackets of prose or an attack nested deeper than
    # MAX_PASSES; either way no `<tag` survives.
    result.text = re.sub(r"<(?=[A-Za-z/!?])", "‹", result.text)
    result.text = re.sub(r"[ \t]+\n", "\n", result.text)
    return result


def plain_line(text: str) -> str:
    """A one-line field (title, publisher, heading) as plain text with whitespace collapsed."""
    return " ".join(html_to_text(text).text.split())
