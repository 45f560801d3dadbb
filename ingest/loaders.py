"""Turn one file (Markdown, HTML or PDF) into validated metadata plus text sections.

Every failure is a `DocumentError` naming the file and, where one is at fault, the metadata field.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.errors import DocumentError
from core.plaintext import hides_text, html_to_text, plain_line
from core.schemas import DocumentMetadata
from core.untrusted import normalise
from ingest.quarantine import (
    SENTENCE_END,
    QuarantineNote,
    QuarantineOutcome,
    hidden_text_notes,
    metadata_instruction,
    passages,
    quarantine_text,
    too_much_quarantined,
)

MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
SIDECAR_SUFFIX = ".meta.yaml"
MIB = 1024 * 1024  # HALN_MAX_FILE_MB counts these
MIN_HTML_TEXT_CHARS = 200
MIN_PDF_TEXT_CHARS = 40

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?!\s)|(?<!\w)_(?!\s))")
# The corpus's provenance line ("This is a summary, in our own words, of "T" published by P (URL).") says
# who wrote the document, not what the source says: it is kept out of chunk text (answers quote chunks)
# and kept on the document as `LoadedDocument.provenance` (issue 14). In a PDF the URL may wrap.
PROVENANCE = re.compile(
    r"(?:Source(?: note)?:\s*)?This is a summary, in our own words, of\b"
    r"(?:.*?\(\s*https?://[^)]*\)\.?|[^\n]*$)[ \t]*",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)


class ImageOnlyPdfWarning(DocumentError):
    """A PDF with no extractable text: reported as a warning, not indexed."""


class QuarantinedDocumentWarning(DocumentError):
    """A document whose metadata, or much of whose text, reads as instructions to an assistant:
    reported as a warning, not indexed (see `ingest/quarantine.py`)."""


@dataclass
class Section:
    heading: str
    text: str
    page: int | None = None


@dataclass
class LoadedDocument:
    path: Path
    doc_id: str
    meta: DocumentMetadata
    content_hash: str
    sections: list[Section] = field(default_factory=list)
    quarantine_notes: list[QuarantineNote] = field(default_factory=list)
    provenance: str = ""
    """The document's own provenance line, removed from its text (see `PROVENANCE`)."""


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


READER_REVISIONS = {".pdf": 2}
"""Raised when a reader's output changes for the same file, so the next `haln ingest` re-reads the files
of that type and nothing else. PDF 2: headings wrapped before a capitalised word keep it
(`_carries_heading_on`)."""


def content_hash(path: Path) -> str:
    """Hash of the file, its sidecar and its reader's revision: any of them changing means the indexed
    document is out of date."""
    digest = hashlib.sha256(path.read_bytes())
    sidecar = sidecar_path(path)
    if sidecar.exists():
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    revision = READER_REVISIONS.get(path.suffix.lower())
    if revision is not None:
        digest.update(f"\0reader\0{revision}".encode())
    return digest.hexdigest()


def metadata_problems(exc: ValidationError) -> list[tuple[str | None, str]]:
    """Every problem of a metadata validation as (field, message), without pydantic's "Value error,"."""
    problems: list[tuple[str | None, str]] = []
    for error in exc.errors():
        name = ".".join(str(p) for p in error["loc"]) or None
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "literal_error" and "expected" in error.get("ctx", {}):
            message = f"{error['input']!r} is not allowed; expected {error['ctx']['expected']}"
        elif error["type"] == "extra_forbidden":
            message = "is not a metadata field (see corpus/README.md for the fields)"
        problems.append((name, message))
    return problems


def validate_metadata(path: Path, raw: Any) -> DocumentMetadata:
    """Raises a `DocumentError` naming the first bad field, with every other problem in its message."""
    if not isinstance(raw, dict):
        raise DocumentError(path, "metadata must be a YAML mapping of fields (title, source_url, ...)")
    try:
        meta = DocumentMetadata.model_validate(raw)
    except ValidationError as exc:
        raise MetadataError(path, metadata_problems(exc)) from exc
    return _plain_metadata(path, meta)


class MetadataError(DocumentError):
    """Invalid metadata: names the first bad field, and holds every problem as (field, message)."""

    def __init__(self, path: Path | str, problems: list[tuple[str | None, str]]) -> None:
        (field, first), *others = problems
        also = "; ".join(f"`{name}` {text}" for name, text in others)
        super().__init__(path, first + (f" (also: {also})" if also else ""), field)
        self.problems = problems


def _plain_metadata(path: Path, meta: DocumentMetadata) -> DocumentMetadata:
    """Title and publisher as plain text: markup in metadata would reach every citation."""
    update = {}
    for name, minimum in (("title", 3), ("publisher", 2)):
        value = getattr(meta, name)
        plain = normalise(plain_line(value))
        if len(plain) < minimum:
            raise DocumentError(path, f"is empty once HTML markup is removed ({value[:60]!r})", field=name)
        if plain != value:
            update[name] = plain
    return meta.model_copy(update=update) if update else meta


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(path, "file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            path, f"not valid UTF-8 (bad byte at position {exc.start}); re-save the file as UTF-8"
        ) from exc


def read_metadata(path: Path) -> DocumentMetadata:
    """Metadata only (cheap): front matter for Markdown, the `.meta.yaml` sidecar otherwise."""
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        front, _ = split_front_matter(path, _read_text(path))
        return validate_metadata(path, front)
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        raise DocumentError(path, f"no metadata: expected a sidecar file {sidecar.name} beside it")
    try:
        raw = yaml.safe_load(_read_text(sidecar))
    except yaml.YAMLError as exc:
        raise DocumentError(sidecar, f"malformed YAML: {exc}") from exc
    return validate_metadata(sidecar, raw)


def split_front_matter(path: Path, text: str) -> tuple[Any, str]:
    if not text.startswith("---"):
        raise DocumentError(path, "missing YAML front matter (the file must start with a `---` block)")
    parts = re.split(r"^---\s*$", text, maxsplit=2, flags=re.MULTILINE)
    if len(parts) < 3:
        raise DocumentError(path, "front matter is not closed by a `---` line")
    try:
        front = yaml.safe_load(parts[1])
    except yaml.YAMLError as exc:
        raise DocumentError(path, f"malformed front matter: {exc}") from exc
    return front, parts[2]


def clean_inline(text: str) -> str:
    """Drop Markdown link and emphasis syntax so answers quote plain sentences."""
    return _EMPHASIS.sub("", _LINK.sub(r"\1", text))


def markdown_sections(body: str, default_heading: str) -> list[Section]:
    sections: list[Section] = []
    heading = default_heading
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append(Section(heading=heading, text=text))
        lines.clear()

    for line in _unwrapped_markdown_lines(body):
        match = _HEADING.match(line)
        if match:
            flush()
            heading = clean_inline(match.group(2)) or default_heading
            continue
        lines.append(clean_inline(line.rstrip()))
    flush()
    return sections


_MARKDOWN_BLOCK_START = re.compile(r"^\s*([-*+•]\s|\d{1,3}[.)]\s|#{1,6}\s|\||>|```|~~~)")
"""A line starting a list item, heading, table row, quote or code fence begins a block of its own."""


def _unwrapped_markdown_lines(body: str) -> list[str]:
    """Lines with a paragraph's (or list item's) soft wraps joined, as Markdown renders them: a file
    wrapped at 80 columns otherwise had "…published by the Riverside Foundation in" quoted as a sentence
    of its own, cut before "August 2021". Only a line that stops mid-sentence is carried on: one ending a
    sentence stays a passage of its own, as the quarantine reads passages (ingest/quarantine.py), so a
    planted instruction on the next line does not take its neighbours with it."""
    out: list[str] = []
    for line in body.splitlines():
        previous = out[-1] if out else ""
        continues = (
            line.strip()
            and previous.strip()
            and not _MARKDOWN_BLOCK_START.match(line)
            and not previous.rstrip().endswith(SENTENCE_END)
            and not _HEADING.match(previous)
            and not previous.lstrip().startswith(("|", "```", "~~~"))
        )
        if continues:
            out[-1] = f"{previous.rstrip()} {line.strip()}"
        else:
            out.append(line)
    return out


Loaded = tuple[DocumentMetadata, list[Section], list[str]]
"""What a loader returns: metadata, sections of plain text, and text that was hidden from readers."""


def load_markdown(path: Path) -> Loaded:
    front, body = split_front_matter(path, _read_text(path))
    meta = validate_metadata(path, front)
    # Whole body at once: a <script> or hidden <div> may span several lines.
    plain = html_to_text(body)
    sections = markdown_sections(plain.text, meta.title)
    if not sections:
        raise DocumentError(path, "has front matter but no body text")
    return meta, sections, plain.hidden


def _without_hidden_elements(html: str) -> tuple[Any, list[str]]:
    """The page as an lxml tree without elements hidden from a sighted reader, and their text.

    trafilatura keeps `display:none` text; a page hides text only to plant it for a machine reader."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        tree = lxml.html.document_fromstring(html)
    except ValueError:  # a str with an XML encoding declaration: lxml wants the bytes
        try:
            tree = lxml.html.document_fromstring(html.encode("utf-8"))
        except (ParserError, ValueError):
            return html, []
    except ParserError:
        return html, []
    hidden: list[str] = []
    for element in list(tree.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        attrs = [(str(k), str(v)) for k, v in element.attrib.items()]
        if hides_text(element.tag.lower(), attrs):
            text = " ".join(element.text_content().split())
            if text:
                hidden.append(text)
            element.drop_tree()
    return tree, hidden


def load_html(path: Path) -> Loaded:
    import trafilatura

    meta = read_metadata(path)
    page, hidden = _without_hidden_elements(_read_text(path))
    main_text = trafilatura.extract(
        page,
        output_format="markdown",
        include_formatting=True,
        include_comments=False,
        include_tables=True,
        include_links=False,
        include_images=False,
    )
    if not main_text or not _looks_like_prose(main_text):
        raise DocumentError(
            path, "no main content found: the page is mostly navigation, scripts or boilerplate"
        )
    return meta, markdown_sections(html_to_text(main_text).text, meta.title), hidden


def _looks_like_prose(text: str) -> bool:
    """Navigation and script leftovers have few words and almost no sentence endings."""
    words = len(text.split())
    sentences = len(re.findall(r"[a-z][.!?](\s|$)", text))
    return len(text.strip()) >= MIN_HTML_TEXT_CHARS and words >= 40 and sentences >= 2


def load_pdf(path: Path) -> Loaded:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    meta = read_metadata(path)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(path, "PDF is encrypted; save an unencrypted copy to ingest it")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(path, f"not a readable PDF (corrupt or truncated): {exc}") from exc
    if sum(len(p.strip()) for p in pages) < MIN_PDF_TEXT_CHARS:
        raise ImageOnlyPdfWarning(path, "PDF has no extractable text (scanned images?); not indexed")
    sections: list[Section] = []
    heading = meta.title
    # Fonts without a glyph (e.g. a bullet) come out as control characters.
    page_lines = [[ln.strip() for ln in _CONTROL.sub("", text).splitlines() if ln.strip()] for text in pages]
    for number, lines in enumerate(_without_page_furniture(page_lines), start=1):
        if not lines:
            continue
        if len(lines[0]) <= PDF_HEADING_MAX_CHARS and not lines[0].endswith("."):
            heading, lines = _page_heading(lines)
        text = _join_pdf_lines(lines)
        if text:
            sections.append(Section(heading=heading, text=text, page=number))
    return meta, sections, []


PDF_HEADING_MAX_CHARS = 90
"""A page's first line this short, without a full stop, is the heading of what follows on the page."""

PDF_HEADING_WRAP_CHARS = 60
"""A heading too long for one line wraps: a short next line starting in lower case carries it on
("Building healthier communities: the role of the NHS as" / "an anchor institution. Chapter 1"). Ten of the
corpus's PDF chunks began with such a leftover ("procurement The Welsh Government says…"); the longest
was 47 characters."""

PDF_HEADING_MAX_WORDS = 10
"""A one-line paragraph this short, unpunctuated, before a line starting in upper case is a heading."""

PDF_FURNITURE_LINES = 2
PDF_FURNITURE_MIN_PAGES = 3
"""Running headers and footers are looked for among this many lines at the top and bottom of each page."""

_PAGE_LABEL = re.compile(
    r"^(page\s+)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$", re.IGNORECASE
)
_ITEM = re.compile(r"^([-•*]|\d{1,2}[.)])\s")


def _furniture_key(line: str) -> str:
    """A header or footer line with its page number blanked, so "Report 2023 | 4" matches "… | 5"."""
    return re.sub(r"\d+", "#", line.lower())


def _without_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Pages without running headers and footers (the same line at the top or bottom of most pages: read
    as every section's title before) and without page labels ("Page 3", "3 of 12", "- 3 -")."""
    tops: dict[str, int] = {}
    bottoms: dict[str, int] = {}
    for lines in pages:
        for key in {_furniture_key(ln) for ln in lines[:PDF_FURNITURE_LINES]}:
            tops[key] = tops.get(key, 0) + 1
        for key in {_furniture_key(ln) for ln in lines[-PDF_FURNITURE_LINES:]}:
            bottoms[key] = bottoms.get(key, 0) + 1
    # On three pages or more, and on at least half of them, in the same place: a sentence that happens to
    # end two pages (the toolkit's "the needs of the service have changed.") is not a footer.
    needed = max(PDF_FURNITURE_MIN_PAGES, (sum(1 for lines in pages if lines) + 1) // 2)
    running = {k for counts in (tops, bottoms) for k, n in counts.items() if n >= needed}

    def furniture(line: str) -> bool:
        return _furniture_key(line) in running or bool(_PAGE_LABEL.match(line))

    cleaned: list[list[str]] = []
    for lines in pages:
        head = 0
        while head < min(PDF_FURNITURE_LINES, len(lines)) and furniture(lines[head]):
            head += 1
        tail = len(lines)
        while tail > max(head, len(lines) - PDF_FURNITURE_LINES) and furniture(lines[tail - 1]):
            tail -= 1
        cleaned.append(lines[head:tail])
    return cleaned


def _page_heading(lines: list[str]) -> tuple[str, list[str]]:
    """The page's heading (its first line, with the wrapped rest of it) and the lines after it."""
    heading, rest = lines[0], lines[1:]
    while rest and _carries_heading_on(heading, rest[0], first=heading == lines[0]):
        heading, rest = f"{heading} {rest[0]}", rest[1:]
    return heading, rest


def _carries_heading_on(heading: str, line: str, first: bool) -> bool:
    """Whether `line` is the wrapped rest of `heading`: a short line starting in lower case, or a name
    wrapped onto its own line ("…social value in Northern" / "Ireland", "…in our region through the" /
    "Severn Trent Community Fund": the Northern Ireland thresholds chunk began "Ireland The Social Value
    Unit lists…"). Only the first line after it may be capitalised: a heading wraps once."""
    if heading.endswith(SENTENCE_END) or len(line) > PDF_HEADING_WRAP_CHARS or _ITEM.match(line):
        return False
    if line[:1].islower():
        return True
    if not first or line.endswith(SENTENCE_END):
        return False
    ends_mid_phrase = heading.split()[-1].lower() in _HEADING_CANNOT_END
    near_full_width = len(heading) >= PDF_HEADING_FULL_LINE_CHARS
    return ends_mid_phrase or (near_full_width and len(line.split()) <= PDF_HEADING_TAIL_WORDS)


PDF_HEADING_FULL_LINE_CHARS = 45
"""A heading's first line this long may have wrapped even before a capital: the corpus's wrapped titles
break at 46-55 characters; its one-line headings that are followed by a short capitalised line are
none."""

PDF_HEADING_TAIL_WORDS = 3
"""The most words a capitalised wrapped rest of a long heading has ("Ireland"); a longer capitalised line
after a heading ending in a full word is its first sentence."""

_HEADING_CANNOT_END = frozenset("a an and as at by for from in of on or the to with".split())
"""A heading does not end on these words: the line after it carries it on, capitalised or not."""


def _starts_item(line: str, previous: str) -> bool:
    """A bullet, or a number of one or two digits after a finished sentence, a heading or another item: a
    wrapped line that begins "2022." or "12." in mid-sentence continues that sentence."""
    if not _ITEM.match(line):
        return False
    if line[0] in "-•*" or not previous:
        return True
    return previous.endswith(SENTENCE_END) or bool(_ITEM.match(previous)) or not previous[-1:].islower()


def _join_pdf_lines(lines: list[str]) -> str:
    """PDF text comes as visual lines; rejoin wrapped lines but keep list items and headings apart (a
    heading run into its first sentence was quoted as "What the toolkit is and why it exists BNSSG…")."""
    paragraphs: list[str] = []
    single_line = False
    for line in lines:
        previous = paragraphs[-1] if paragraphs else ""
        starts_item = _starts_item(line, previous)
        # A short heading or list item ("5. Outcomes") ends before a line starting in upper case.
        heading_before = (
            single_line
            and len(previous.split()) <= PDF_HEADING_MAX_WORDS
            and (previous[:1].isupper() or bool(_ITEM.match(previous)))
            and line[:1].isupper()
        )
        if (
            paragraphs
            and not starts_item
            and not heading_before
            and not previous.endswith((".", ":", "?", "!"))
        ):
            paragraphs[-1] += " " + line
            single_line = False
        else:
            paragraphs.append(line)
            single_line = True
    return "\n".join(paragraphs)


def load_document(path: Path, max_bytes: int) -> LoadedDocument:
    """Load and validate one file. Raises `DocumentError` naming the file and the problem."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(path, f"unsupported file type {suffix!r}")
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(
            path,
            f"file is {size / MIB:.1f} MiB, over the {max_bytes / MIB:g} MiB limit (HALN_MAX_FILE_MB)",
        )
    if size == 0:
        raise DocumentError(path, "file is empty")
    if suffix in MARKDOWN_SUFFIXES:
        meta, sections, hidden = load_markdown(path)
    elif suffix in HTML_SUFFIXES:
        meta, sections, hidden = load_html(path)
    else:
        meta, sections, hidden = load_pdf(path)
    sections, notes = _quarantined(path, meta, sections, hidden)
    sections, provenance = _without_provenance(sections)
    return LoadedDocument(
        path=path,
        doc_id=meta.id or slugify(path.stem),
        meta=meta,
        content_hash=content_hash(path),
        sections=sections,
        quarantine_notes=notes,
        provenance=provenance,
    )


def _without_provenance(sections: list[Section]) -> tuple[list[Section], str]:
    """Sections without the provenance line, and the line (the first one found; "" when none)."""
    found: list[str] = []

    def remove(match: re.Match[str]) -> str:
        found.append(" ".join(match.group(0).split()))
        return ""

    kept: list[Section] = []
    for section in sections:
        text = PROVENANCE.sub(remove, section.text)
        if found:
            text = re.sub(r"\n[ \t]*(?=\n)", "\n", text)  # the line it stood on, now blank
            text = re.sub(r"\n{3,}", "\n\n", text).strip()
        if text:
            kept.append(Section(heading=section.heading, text=text, page=section.page))
    return kept, (found[0] if found else "")


def _quarantined(
    path: Path, meta: DocumentMetadata, sections: list[Section], hidden: list[str]
) -> tuple[list[Section], list[QuarantineNote]]:
    """Sections as plain text with planted instructions removed, and a note for each removal.

    Raises `QuarantinedDocumentWarning` when the metadata, or too much of the text, is planted."""
    reason = metadata_instruction({"title": meta.title, "publisher": meta.publisher})
    if reason:
        raise QuarantinedDocumentWarning(path, f"quarantined, not indexed: {reason}")
    outcome = QuarantineOutcome()
    hidden_text_notes(hidden, outcome)
    kept: list[Section] = []
    total = 0
    for section in sections:
        heading = normalise(plain_line(section.heading)) or meta.title
        text = normalise(html_to_text(section.text).text)
        total += len(passages(text)) + 1
        where = f"section “{heading[:60]}”" + (f" (page {section.page})" if section.page else "")
        if metadata_instruction({"heading": heading}):
            outcome.passages_removed += 1
            what = "quarantined the whole section: its heading reads as instructions to an assistant"
            outcome.notes.append(QuarantineNote(where, what, heading[:60]))
            continue
        text = quarantine_text(text, where, outcome)
        if text.strip():
            kept.append(Section(heading=heading, text=text, page=section.page))
    if too_much_quarantined(outcome, total):
        raise QuarantinedDocumentWarning(
            path,
            f"quarantined, not indexed: {outcome.passages_removed} passages read as instructions to an "
            f"assistant ({'; '.join(n.detail() for n in outcome.notes[:3])})",
        )
    return kept, outcome.notes


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "document"
