"""`Assistant.answer()`: the one entry point used by the CLI, the API, the UI (through the API) and evals."""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Literal

from assistant.compose import ExtractiveComposer
from assistant.condense import condense
from assistant.draft import Draft, render
from assistant.evidence import evidence_label, staleness_warnings
from assistant.index import IndexHolder, SearchIndex
from assistant.llm import NOT_COVERED, LLMClient, parse_answer
from assistant.profile import AskerProfile, read_profile
from assistant.retrieval import Hit, HybridRetriever, RetrievalConfig, RetrievalResult
from assistant.scope import UNCOVERED_PENALTY, clinical_reason, figure_rows, uncovered_entities
from assistant.sources import RetrievedSource, to_sources
from assistant.support import check_support
from core.embedding import Embedder
from core.errors import LLMUnavailableError
from core.schemas import Answer, ChatTurn, SearchFilters
from core.settings import Settings

Backend = Literal["extractive", "llm"]

COVERAGE_NOTE = (
    "The corpus covers how health anchors (NHS trusts, councils, universities, housing associations, "
    "businesses and community organisations) act through local recruitment and fair pay, spending and "
    "social value, land and buildings, environmental impact, partnerships, community engagement, "
    "measurement and leadership, with case studies, toolkits and guides from across the UK."
)
WHERE_TO_ASK = (
    "For anything beyond it, the Health Anchors Learning Network's events and learning sets are a good "
    "place to ask other practitioners."
)
CLINICAL_REFUSAL = (
    "I can't help with clinical questions such as medicines, doses, symptoms or diagnoses: this assistant "
    "only covers how organisations act as health anchors. Please ask a pharmacist, GP or NHS 111, and "
    "call 999 in an emergency."
)


@dataclass
class StreamEvent:
    kind: Literal["delta", "answer"]
    text: str = ""
    answer: Answer | None = None


class Assistant:
    """Retrieval plus an answer backend. Every dependency is injected so tests can swap any of them."""

    def __init__(
        self,
        settings: Settings,
        index: IndexHolder,
        embedder: Embedder,
        llm: LLMClient | None = None,
        retrieval: RetrievalConfig | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.retriever = HybridRetriever(embedder, retrieval)
        self.llm = llm

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> Assistant:
        from core.embedding import embedder_from_settings
        from core.store import ChunkStore

        llm = None
        if settings.llm_base_url:
            llm = LLMClient(
                base_url=settings.llm_base_url,
                model=settings.llm_model,
                api_key=settings.llm_api_key,
                timeout_s=settings.llm_timeout_s,
                max_retries=settings.llm_max_retries,
                max_tokens=settings.llm_max_tokens,
            )
        embedder = embedder or embedder_from_settings(settings)
        return cls(settings, IndexHolder(ChunkStore.from_settings(settings)), embedder, llm)

    # -- public entry points ---------------------------------------------------------------------

    def answer(
        self,
        question: str,
        history: list[ChatTurn] | None = None,
        filters: SearchFilters | None = None,
        backend: Backend | None = None,
        top_k: int | None = None,
    ) -> Answer:
        final: Answer | None = None
        for event in self._run(question, history, filters, backend, top_k, stream=False):
            if event.kind == "answer":
                final = event.answer
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: list[ChatTurn] | None = None,
        filters: SearchFilters | None = None,
        backend: Backend | None = None,
        top_k: int | None = None,
    ) -> Iterator[StreamEvent]:
        """Text deltas as they are ready, then one `answer` event with the checked, final Answer."""
        yield from self._run(question, history, filters, backend, top_k, stream=True)

    # -- pipeline ----------------------------------------------------------------------------------

    def _run(
        self,
        question: str,
        history: list[ChatTurn] | None,
        filters: SearchFilters | None,
        backend: Backend | None,
        top_k: int | None,
        stream: bool,
    ) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        backend = backend or self.settings.backend
        question = question.strip()
        timings: dict[str, float] = {}

        if clinical_reason(question):
            yield from self._emit(
                self._refusal(question, backend, CLINICAL_REFUSAL, timings, started), stream
            )
            return

        standalone, fallback_reason = self._condense(question, history, backend)
        profile = read_profile(standalone)
        index = self.index.get()
        if index.size == 0:
            message = "The index is empty, so there is nothing to answer from yet. Run `haln ingest` first."
            yield from self._emit(self._refusal(standalone, backend, message, timings, started), stream)
            return

        result = self.retriever.retrieve(index, standalone, top_k or self.settings.top_k, filters, profile)
        timings.update(result.timings_ms)
        # The question as asked: a follow-up's standalone form carries history words that would make
        # "how much are they used?" look like a request for a figure about the earlier subject.
        figures = figure_rows(question, index, [h.row for h in result.hits])
        confidence = self._confidence(question, index, result, figure_found=figures != [])
        if figures:
            result.hits = self._with_figure(index, standalone, result.hits, figures[0])
        hits = self._with_guidance_and_examples(index, standalone, result, filters, profile)
        sources = to_sources(index, hits)
        if not result.hits or confidence < self.settings.refusal_threshold:
            reason = (
                "I couldn't find an answer to this in the HALN corpus, so I won't guess."
                if result.hits
                else "No documents match this question with the filters you chose."
            )
            refusal = self._refusal(
                standalone, backend, f"{reason} {COVERAGE_NOTE} {WHERE_TO_ASK}", timings, started
            )
            refusal.confidence = confidence
            refusal.retrieved = [s.citation(i + 1) for i, s in enumerate(sources)]
            yield from self._emit(refusal, stream)
            return

        compose_started = time.perf_counter()
        draft: Draft | None = None
        used: Backend = "extractive"
        if backend == "llm":
            if self.llm is None:
                fallback_reason = "no LLM is configured (set HALN_LLM_BASE_URL); used the extractive answer"
            else:
                try:
                    draft = yield from self._llm_draft(standalone, sources, index, stream)
                    used = "llm"
                    if draft is None:
                        refusal = self._refusal(
                            standalone,
                            "llm",
                            f"The sources I found do not answer this. {COVERAGE_NOTE}",
                            timings,
                            started,
                        )
                        refusal.confidence = confidence
                        yield from self._emit(refusal, stream=False)
                        return
                    if not draft.claims():
                        fallback_reason = "the LLM answer had no sentence with a valid, supported citation"
                        draft, used = None, "extractive"
                except LLMUnavailableError as exc:
                    fallback_reason = f"the LLM was unavailable ({exc}); used the extractive answer"
        if draft is None:
            draft = ExtractiveComposer(index).compose(sources, result.query_terms, profile)
            draft = check_support(draft, sources, index)
        timings["compose_ms"] = (time.perf_counter() - compose_started) * 1000

        answer = self._finish(draft, sources, index, used, confidence, standalone, fallback_reason)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        # An LLM stream has already sent its text; the extractive one is sent in pieces here.
        yield from self._emit(answer, stream and used == "extractive")

    def _condense(
        self, question: str, history: list[ChatTurn] | None, backend: Backend
    ) -> tuple[str, str | None]:
        if not history:
            return question, None
        if backend == "llm" and self.llm is not None:
            try:
                return self.llm.condense(question, history), None
            except LLMUnavailableError as exc:
                return condense(question, history), f"the LLM was unavailable for the follow-up ({exc})"
        return condense(question, history), None

    def _with_guidance_and_examples(
        self,
        index: SearchIndex,
        query: str,
        result: RetrievalResult,
        filters: SearchFilters | None,
        profile: AskerProfile,
    ) -> list[Hit]:
        """A "where do I start" answer needs steps and examples: make sure toolkits/guides and case
        studies are among the sources even when the general ranking put other types first."""
        hits = list(result.hits)
        if not profile.wants_start or not hits:
            return hits
        base = filters or SearchFilters()
        for doc_types, k in ((["toolkit", "guide"], 3), (["case_study", "news"], 3)):
            wanted = [t for t in doc_types if not base.doc_type or t in base.doc_type]
            if not wanted:
                continue
            narrowed = base.model_copy(update={"doc_type": wanted})
            known = {h.row for h in hits}
            extra = self.retriever.retrieve(index, query, k, narrowed, profile)
            hits.extend(h for h in extra.hits if h.row not in known)
        return hits

    def _with_figure(self, index: SearchIndex, query: str, hits: list[Hit], row: int) -> list[Hit]:
        """The chunk giving the asked-for figure, placed right after the best hit of its document,
        when retrieval ranked a neighbouring chunk of that document instead."""
        if any(h.row == row for h in hits):
            return hits
        doc = index.doc_ids[row]
        at = next((i + 1 for i, h in enumerate(hits) if index.doc_ids[h.row] == doc), 0)
        vector = self.retriever.embed_query(query)  # normally the vector just used, not re-embedded
        dense = float(index.embeddings[row] @ vector)
        figure = Hit(
            row=row,
            score=hits[at - 1].score if at else 0.0,
            dense=dense,
            bm25=0.0,
            dense_rank=None,
            bm25_rank=None,
        )
        return [*hits[:at], figure, *hits[at:]]

    def _confidence(
        self, question: str, index: SearchIndex, result: RetrievalResult, figure_found: bool = True
    ) -> float:
        confidence = result.confidence
        if uncovered_entities(question, index) or not figure_found:
            confidence *= UNCOVERED_PENALTY
        return round(confidence, 4)

    def _llm_draft(
        self, question: str, sources: list[RetrievedSource], index: SearchIndex, stream: bool
    ) -> Generator[StreamEvent, None, Draft | None]:
        """Yields streamed deltas; returns the checked draft, or None when the model says not covered."""
        assert self.llm is not None
        if stream:
            text = ""
            pending = ""
            for delta in self.llm.stream(question, sources):
                text += delta
                pending += delta
                # Release text sentence by sentence, with markers to unknown sources removed.
                cut = max(pending.rfind(". "), pending.rfind("\n"))
                if cut > 0:
                    ready, pending = pending[: cut + 1], pending[cut + 1 :]
                    yield StreamEvent("delta", text=_strip_invalid_marks(ready, len(sources)))
            if pending:
                yield StreamEvent("delta", text=_strip_invalid_marks(pending, len(sources)))
        else:
            text = self.llm.complete(question, sources)
        if text.strip().upper().startswith(NOT_COVERED):
            return None
        draft = parse_answer(text, len(sources))
        return check_support(draft, sources, index, embedder=self.embedder)

    def _finish(
        self,
        draft: Draft,
        sources: list[RetrievedSource],
        index: SearchIndex,
        backend: Backend,
        confidence: float,
        standalone: str,
        fallback_reason: str | None,
    ) -> Answer:
        first = render(draft, sources, "")
        label = evidence_label(first.citations)
        rendered = render(draft, sources, label)
        texts = {s.chunk_id: s.text for s in sources}
        return Answer(
            answer=rendered.text,
            citations=rendered.citations,
            refused=False,
            backend=backend,
            fallback_reason=fallback_reason,
            followups=draft.followups,
            evidence_label=label,
            confidence=confidence,
            standalone_query=standalone,
            supported_sentences=sum(not c.reference for c in draft.claims()),
            unsupported_sentences=draft.unsupported,
            staleness_warnings=staleness_warnings(rendered.citations, texts),
            retrieved=[s.citation(i + 1) for i, s in enumerate(sources)],
        )

    def _refusal(
        self, standalone: str, backend: Backend, message: str, timings: dict[str, float], started: float
    ) -> Answer:
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        return Answer(
            answer=message,
            citations=[],
            refused=True,
            backend=backend,
            followups=[
                "Where do I start with local recruitment as an NHS trust?",
                "How can we use our spending to support local suppliers and social value?",
            ],
            standalone_query=standalone,
            timings_ms={k: round(v, 2) for k, v in timings.items()},
        )

    @staticmethod
    def _emit(answer: Answer, stream: bool) -> Iterator[StreamEvent]:
        if stream:
            for piece in re.split(r"(?<=\s)", answer.answer):
                if piece:
                    yield StreamEvent("delta", text=piece)
        yield StreamEvent("answer", answer=answer)


def _strip_invalid_marks(text: str, n_sources: int) -> str:
    def keep(match: re.Match[str]) -> str:
        return match.group(0) if 1 <= int(match.group(1)) <= n_sources else ""

    return re.sub(r"\[(\d+)\]", keep, text)


def citations_are_valid(answer: Answer) -> bool:
    """Every [n] in the text refers to a returned citation, and every citation was retrieved."""
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    cited = {c.n for c in answer.citations}
    retrieved = {c.chunk_id for c in answer.retrieved}
    return numbers <= cited and all(c.chunk_id in retrieved for c in answer.citations)
