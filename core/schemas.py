"""Shapes shared across layers: document metadata (validated at the file boundary), filters and answers."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

DocType = Literal["case_study", "blog", "toolkit", "guide", "report", "news"]
Theme = Literal[
    "workforce",
    "procurement",
    "estates",
    "environment",
    "partnerships",
    "community_engagement",
    "measurement",
    "leadership",
    "getting_started",
]
Nation = Literal["England", "Scotland", "Wales", "Northern Ireland", "UK", "USA"]
OrgType = Literal[
    "nhs_trust",
    "integrated_care_system",
    "health_board",
    "health_system",
    "primary_care",
    "local_authority",
    "university",
    "housing",
    "vcse",
    "national_body",
    "network",
    "sport_club",
    "utility",
    "business",
]

DOC_TYPES: tuple[str, ...] = DocType.__args__  # type: ignore[attr-defined]
THEMES: tuple[str, ...] = Theme.__args__  # type: ignore[attr-defined]
NATIONS: tuple[str, ...] = Nation.__args__  # type: ignore[attr-defined]
ORG_TYPES: tuple[str, ...] = OrgType.__args__  # type: ignore[attr-defined]

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class DocumentMetadata(BaseModel):
    """Metadata every corpus document carries (front matter, or a `.meta.yaml` sidecar)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable slug; defaults to the file stem."
    )
    title: str = Field(min_length=3)
    source_url: HttpUrl
    publisher: str = Field(min_length=2)
    doc_type: DocType
    nation: Nation
    org_type: OrgType
    themes: list[Theme] = Field(min_length=1)
    date: str | None = Field(None, description='Publication date: "YYYY", "YYYY-MM" or "YYYY-MM-DD".')

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        # YAML reads an unquoted 2024-03-25 as a date object.
        if value is None:
            return None
        text = str(value)
        if not _DATE.match(text):
            raise ValueError('must look like "YYYY", "YYYY-MM" or "YYYY-MM-DD"')
        return text

    @field_validator("themes", mode="before")
    @classmethod
    def _themes_list(cls, value: object) -> object:
        if isinstance(value, str):
            raise ValueError("must be a list, e.g. [workforce, procurement]")
        return value


class SearchFilters(BaseModel):
    """Metadata filters; each list means "any of these". Empty or missing means no filter."""

    model_config = ConfigDict(extra="forbid")

    doc_type: list[DocType] = Field(default_factory=list)
    themes: list[Theme] = Field(default_factory=list)
    org_type: list[OrgType] = Field(default_factory=list)
    nation: list[Nation] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.doc_type or self.themes or self.org_type or self.nation)


class Asker(BaseModel):
    """Who is asking, when the caller knows it (the UI's selectors, a portal's user profile).

    Given as data, it is used as it is; without it the assistant reads the asker only from how the
    question describes them ("I'm an estates manager at a trust"), never from organisations named as
    partners or subjects.
    """

    model_config = ConfigDict(extra="forbid")

    role: str | None = Field(
        None, max_length=80, description='The asker\'s role in their own words, e.g. "procurement lead".'
    )
    org_type: OrgType | None = Field(None, description="The kind of organisation the asker works for.")
    nation: Nation | None = Field(None, description="The nation the asker works in.")

    def is_empty(self) -> bool:
        return not (self.role or self.org_type or self.nation)


class ChatTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=8000)


RefusalReason = Literal["clinical", "not_covered", "no_match_for_filters", "fact_missing", "index_empty"]


class Citation(BaseModel):
    """A retrieved source that the answer cites as [n]."""

    n: int = Field(description="The number the answer's `[n]` markers use for this source's document.")
    chunk_id: str = Field(description="The passage's id: its document, page and position.")
    doc_id: str = Field(description="The document's id, as in /v1/sources.")
    title: str
    source_url: str = Field(description="Where the document is published: link the citation here.")
    publisher: str
    doc_type: str = Field(description="case_study, blog, toolkit, guide, report or news.")
    org_type: str = Field(description="The kind of organisation the document is about or from.")
    nation: str
    date: str | None = Field(None, description='Publication date: "YYYY", "YYYY-MM" or "YYYY-MM-DD".')
    page: int | None = Field(None, description="The PDF page the passage is on (PDFs only).")
    section: str | None = Field(None, description="The section heading the passage is under.")
    snippet: str = Field(description="The passage's text that supports the answer (to show on a card).")
    score: float = Field(
        description="Retrieval score (reciprocal-rank fusion of keyword and semantic ranks, with boosts): "
        "only comparable between sources of one answer; higher ranked first."
    )


class Answer(BaseModel):
    """What every surface (CLI, API, UI, evals) gets from `assistant.answer()`."""

    answer: str = Field(
        description="The answer as Markdown: every sentence ends with `[n]` markers naming its sources."
    )
    citations: list[Citation]
    refused: bool = Field(
        description="True when the corpus does not answer the question (see `refusal_reason`)."
    )
    refusal_reason: RefusalReason | None = Field(
        None,
        description="Why the answer was refused, when it was: `clinical` (a clinical question, not the "
        "corpus's business), `not_covered` (the sources found do not answer it), `no_match_for_filters` "
        "(no document matches the filters), `fact_missing` (the sources lack the specific fact asked for; "
        "the answer gives the nearest facts), `index_empty` (nothing ingested yet).",
    )
    gaps: list[str] = Field(
        default_factory=list,
        description="What the question asked that no retrieved source gives, said plainly (the answer opens "
        "with it). With `refused`, the rest of the answer is only the nearest facts, labelled as such.",
    )
    asker: Asker | None = Field(
        None,
        description="Who the assistant took the asker to be: the caller's `asker`, filled in from how the "
        "question describes them. Shown so a reader can see (and correct) what shaped the answer.",
    )
    intent: str = Field(
        "general",
        description="What the question was read as asking for: start, definition, list, figure, who_when, "
        "examples or general.",
    )
    backend: Literal["extractive", "llm"] = Field(
        description="What composed the answer: quoted sentences (extractive) or the language model (llm)."
    )
    fallback_reason: str | None = Field(
        None, description="Why an LLM answer fell back to the extractive one, when it did."
    )
    followups: list[str] = Field(
        default_factory=list,
        description="Questions the asker could ask next (the answer's text ends with them).",
    )
    evidence_label: str = Field(
        "",
        description="What kind of evidence the answer rests on, e.g. "
        '"2 case studies (NHS trusts, 2022–2024)" (the answer ends with it, in italics).',
    )
    confidence: float = Field(
        0.0,
        description="How well the retrieved sources match the question, 0 to 1: half the best source's "
        "semantic closeness, half the share of the question's terms the sources hold. Below "
        "HALN_REFUSAL_THRESHOLD (0.45) the answer is refused as not covered.",
    )
    standalone_query: str = Field(
        "",
        description="The question as retrieval read it: a follow-up rewritten to stand alone with the "
        'history ("Who buys it?" after a question about the co-op: "Who buys the Lambeth GP Food Co-op\'s '
        'produce?").',
    )
    supported_sentences: int = Field(0, description="Cited sentences that passed the support check.")
    unsupported_sentences: int = Field(0, description="Sentences dropped for lacking a supported citation.")
    staleness_warnings: list[str] = Field(
        default_factory=list, description="Cited sources whose figures may be out of date, said plainly."
    )
    retrieved: list[Citation] = Field(
        default_factory=list, description="Every source retrieved, cited or not."
    )
    timings_ms: dict[str, float] = Field(
        default_factory=dict,
        description="Milliseconds per stage, for diagnosis: embed_ms, search_ms, fuse_ms (retrieval), "
        "compose_ms, total_ms; the keys can change between versions.",
    )

    def has_valid_citations(self) -> bool:
        """Every [n] in the text refers to a returned citation, and every citation was retrieved."""
        numbers = {int(n) for n in re.findall(r"\[(\d+)\]", self.answer)}
        cited = {c.n for c in self.citations}
        retrieved = {c.chunk_id for c in self.retrieved}
        return numbers <= cited and all(c.chunk_id in retrieved for c in self.citations)
