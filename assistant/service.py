"""`Assistant.answer()`: the one entry point used by the CLI, the API, the UI (through the API) and evals."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from assistant import cues
from assistant.analysis import QueryAnalysis, Question, analyse, needs_history
from assistant.compose import GUIDANCE_TYPES, ExtractiveComposer, is_example, of_kind_asked
from assistant.config import DEFAULT_CONFIG, AnswerConfig
from assistant.draft import Block, Claim, Draft, render
from assistant.evidence import evidence_label, staleness_warnings
from assistant.index import IndexHolder, SearchIndex, heading_answers
from assistant.llm import NOT_COVERED, LLMClient, parse_answer
from assistant.retrieval import Hit, HybridRetriever, RetrievalResult
from assistant.scope import FactCheck, check_fact, gives_fact, uncovered_entities
from assistant.sources import ORG_TYPE_LABELS, RetrievedSource, to_sources
from assistant.support import check_support
from core.embedding import Embedder
from core.errors import LLMUnavailableError
from core.schemas import Answer, Asker, ChatTurn, SearchFilters
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
    "only covers how organisations act as health anchors."
)
# Who to ask instead. A consultant anaesthetist was told to ask NHS 111 (graders, b6-24, b7-15), and a
# community gardening group's coordinator to ask "your clinical colleagues" (prac-053): someone working in
# care (by role or organisation) is pointed to clinical guidance, anyone else to a pharmacist, GP or 111.
CLINICAL_FOR_STAFF = (
    "Decisions about a patient's care belong to your clinical guidelines, your clinical colleagues and "
    "your medicines information service."
)
CLINICAL_FOR_ANYONE = (
    "Clinicians should follow their clinical guidance and colleagues; anyone else should ask a pharmacist, "
    "GP or NHS 111, and call 999 in an emergency."
)
CLINICAL_ASIDE_TOPIC = "environmental impact, carbon emissions and waste"
CLINICAL_ASIDE_HEADING = (
    "What the sources do cover: the environmental side, which says nothing about patient care"
)


def index_holder(settings: Settings) -> IndexHolder:
    """The index holder for the settings: polls the store's version, with snapshots unless turned off."""
    from assistant.snapshot import SnapshotStore
    from core.store import ChunkStore

    store = ChunkStore.from_settings(settings)
    snapshots = (
        SnapshotStore(settings.snapshot_path / store.name, settings.min_free_mb)
        if settings.index_snapshots
        else None
    )
    return IndexHolder(store, settings.index_check_s, snapshots=snapshots)


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
        config: AnswerConfig | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.config = config or DEFAULT_CONFIG
        self.retriever = HybridRetriever(embedder, self.config.retrieval)
        self.llm = llm

    @classmethod
    def from_settings(
        cls, settings: Settings, embedder: Embedder | None = None, config: AnswerConfig | None = None
    ) -> Assistant:
        from core.embedding import embedder_from_settings

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
        return cls(settings, index_holder(settings), embedder, llm, config)

    # -- public entry points ---------------------------------------------------------------------

    def answer(
        self,
        question: str,
        history: list[ChatTurn] | None = None,
        filters: SearchFilters | None = None,
        backend: Backend | None = None,
        top_k: int | None = None,
        asker: Asker | None = None,
    ) -> Answer:
        final: Answer | None = None
        asked = Question(question, tuple(history or ()), filters, asker)
        for event in self._run(asked, backend, top_k, stream=False):
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
        asker: Asker | None = None,
    ) -> Iterator[StreamEvent]:
        """Text deltas, then one `answer` event with the checked, final Answer. Every delta is part of
        the final answer's text: a model's reply is checked before any of it is sent."""
        yield from self._run(
            Question(question, tuple(history or ()), filters, asker), backend, top_k, stream=True
        )

    # -- pipeline: analyse -> gate -> retrieve -> compose -> verify -> render ---------------------

    def _run(
        self, question: Question, backend: Backend | None, top_k: int | None, stream: bool
    ) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        backend = backend or self.settings.backend
        timings: dict[str, float] = {}

        analysis, fallback_reason = self._analyse(question, backend)
        index = self.index.get()
        gate = self._gate(analysis, index)
        if gate is not None:
            if analysis.clinical:
                refusal = self._clinical_answer(index, analysis, gate, backend, top_k, timings, started)
            else:
                refusal = self._refusal(analysis, backend, gate, timings, started)
            refusal.refusal_reason = "clinical" if analysis.clinical else "index_empty"
            yield from self._emit(refusal, stream)
            return

        result, fact = self._retrieve(index, analysis, top_k or self.settings.top_k)
        timings.update(result.timings_ms)
        confidence = self._confidence(analysis, index, result, fact)
        sources = to_sources(index, result.hits)
        not_answered = self._not_answered(
            analysis, index, sources, fact, confidence, backend, timings, started
        )
        if not_answered is not None:
            yield from self._emit(not_answered, stream)
            return

        compose_started = time.perf_counter()
        draft, used, compose_reason = self._compose(analysis, sources, index, backend)
        fallback_reason = compose_reason or fallback_reason
        if draft is None:
            refusal = self._refusal(
                analysis, "llm", f"The sources I found do not answer this. {COVERAGE_NOTE}", timings, started
            )
            refusal.confidence = confidence
            refusal.refusal_reason = "not_covered"
            yield from self._emit(refusal, stream)
            return
        timings["compose_ms"] = (time.perf_counter() - compose_started) * 1000
        answer = self._finish(draft, sources, index, used, confidence, analysis, fallback_reason)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        yield from self._emit(answer, stream)

    def _not_answered(
        self,
        analysis: QueryAnalysis,
        index: SearchIndex,
        sources: list[RetrievedSource],
        fact: FactCheck | None,
        confidence: float,
        backend: Backend,
        timings: dict[str, float],
        started: float,
    ) -> Answer | None:
        """A refusal when nothing retrieved answers; the missing-fact answer when the sources lack the
        specific fact asked for; None when the question can be answered."""
        if fact is not None and fact.gap is not None and sources:
            return self._gap_answer(analysis, index, sources, fact.gap, backend, confidence, timings, started)
        threshold = self.settings.refusal_threshold
        if analysis.wants_start:
            threshold -= self.config.scope.start_refusal_margin
        if sources and confidence >= threshold:
            return None
        reason = (
            "I couldn't find an answer to this in the HALN corpus, so I won't guess."
            if sources
            else "No documents match this question with the filters you chose."
        )
        refusal = self._refusal(
            analysis, backend, f"{reason} {COVERAGE_NOTE} {WHERE_TO_ASK}", timings, started
        )
        refusal.confidence = confidence
        refusal.refusal_reason = "not_covered" if sources else "no_match_for_filters"
        refusal.retrieved = [s.citation(i + 1) for i, s in enumerate(sources)]
        return refusal

    def _analyse(self, question: Question, backend: Backend) -> tuple[QueryAnalysis, str | None]:
        """Rule-based analysis; with the LLM backend a follow-up's standalone form is the model's."""
        if backend == "llm" and self.llm is not None and question.history and needs_history(question.text):
            try:
                return analyse(question, self.llm.condense(question.text, list(question.history))), None
            except LLMUnavailableError as exc:
                return analyse(question), f"the LLM was unavailable for the follow-up ({exc})"
        return analyse(question), None

    def _gate(self, analysis: QueryAnalysis, index: SearchIndex) -> str | None:
        """A reason to refuse before retrieving anything."""
        if analysis.clinical:
            return CLINICAL_REFUSAL
        if index.live_size == 0:
            return "The index is empty, so there is nothing to answer from yet. Run `haln ingest` first."
        return None

    def _retrieve(
        self, index: SearchIndex, analysis: QueryAnalysis, top_k: int
    ) -> tuple[RetrievalResult, FactCheck | None]:
        terms = _coverage_terms(analysis, index)
        result = self.retriever.retrieve(
            index,
            analysis.retrieval_query,
            top_k,
            analysis.filters,
            analysis.asker,
            terms,
            also_by_meaning=analysis.theme_query,
        )
        fact = check_fact(analysis, index, [h.row for h in result.hits], self.config.scope)
        if fact is not None:
            # Each chunk giving the fact is quotable, not only the first: the webinars' "136 attendees
            # from 127 businesses" sat after a retrieved chunk that gave the number of webinars (b3-15).
            have = {h.row for h in result.hits}
            added = [row for row in fact.rows if row not in have]
            for row in added[: self.config.retrieval.fact_rows_added]:
                result.hits = self._with_row(index, analysis.retrieval_query, result.hits, row)
        if analysis.rules_query and result.hits:
            result.hits = self._with_rules_searched(index, analysis, result.hits)
        if analysis.wants_start and result.hits:
            result.hits = self._with_guidance_and_examples(index, analysis, result.hits)
        if analysis.example_kinds:
            result.hits = self._with_examples_of_kind(index, analysis, result.hits)
        result.hits = self._with_answering_chunks(index, analysis, result.hits)
        if analysis.intent in ("examples", "start"):
            result.hits = self._with_first_examples_whole(index, analysis, result.hits)
        return result, fact

    def _with_rules_searched(self, index: SearchIndex, analysis: QueryAnalysis, hits: list[Hit]) -> list[Hit]:
        """Chunks giving the rules a start question asks about ("…and what rules do we have to work within
        here?"), found by a search of their own (`QueryAnalysis.rules_query`), from the asker's nation or
        UK-wide, added after the ranked sources: the story's own search ranks the guides and examples, and
        PPN 01/21 and Buy Social's thresholds, in chunks sharing few of its words, went unquoted
        (fresh-a-06, fresh-j-03)."""
        cfg = self.config.retrieval
        found = self.retriever.retrieve(index, analysis.rules_query, cfg.rules_search_k, analysis.filters)
        nations = set(analysis.subject_nations or analysis.asker.nations)

        def gives_rules(row: int) -> bool:
            return any(gives_fact(s, "rule", analysis) for s in index.sentences(row).sentences)

        giving = [
            h.row
            for h in found.hits
            if (not nations or index.metadatas[h.row]["nation"] in nations | {"UK"}) and gives_rules(h.row)
        ]
        rows = giving[: cfg.fact_rows_added]
        # The rest of what the best-found documents require: PPN 01/21's phases ("tenders must give social
        # value at least 10% of the total award criteria") and Buy Social's thresholds share few of the
        # search's words.
        for doc in list(dict.fromkeys(str(index.doc_ids[row]) for row in giving))[: cfg.rule_documents]:
            rows += [row for row in index.rows_of(doc) if row not in rows and gives_rules(row)][
                : cfg.rule_rows_of_document
            ]
        have = {h.row for h in hits}
        vector = self.retriever.embed_query(analysis.retrieval_query)
        # Already retrieved, a chunk keeps its place and is marked as giving the rules.
        marked = [replace(h, gives_rules=True) if h.row in rows else h for h in hits]
        return [
            *marked,
            *(replace(_added_hit(index, r, vector), gives_rules=True) for r in rows if r not in have),
        ]

    def _with_first_examples_whole(
        self, index: SearchIndex, analysis: QueryAnalysis, hits: list[Hit]
    ) -> list[Hit]:
        """The best-ranked case studies of the asker's kind of organisation, whole: an example says how as
        well as what, and how is often in a chunk that shares few of the question's words (graders,
        prac-036: the Life Rooms' six aims were quoted, not the library Mersey Care opened it in)."""
        cfg = self.config.retrieval
        if analysis.intent == "start":
            # A start question's best-ranked document, whatever its kind: how to take part is often in a
            # chunk of its own ("Firms … have to apply for a place on the Minor Works Framework", b4-08).
            docs = [str(index.doc_ids[hits[0].row])] if hits else []
        else:
            docs = _examples_like_theirs(index, analysis, hits)
        have = {h.row for h in hits}
        rows = [row for doc in docs[: cfg.whole_examples] for row in index.rows_of(doc) if row not in have]
        if analysis.intent == "start":
            # The best-ranked guide written for the asker's kind of organisation, whole: what it offers a
            # newcomer is often in a chunk sharing few of the question's words (fresh-k-11: Leeds's
            # Business Anchors Progression Framework sat in a chunk of its own, and the guide's "why a
            # network" paragraph was the business's first step).
            # Only its chunks that say what to do: its background would crowd the steps out (fresh-g-17: a
            # faith guide's "helping others is an expression of love" became a church's first step).
            own = [doc for doc in _own_kind_guides(index, analysis, hits) if doc not in docs]
            rows = [
                *(
                    row
                    for doc in own[: cfg.whole_own_kind_guides]
                    for row in index.rows_of(doc)
                    if row not in have and _says_what_to_do(index, row)
                ),
                *rows,
            ]
        if not rows:
            return hits
        vector = self.retriever.embed_query(analysis.retrieval_query)
        return [*hits, *(_added_hit(index, row, vector) for row in rows[: cfg.whole_example_rows])]

    def _with_answering_chunks(
        self, index: SearchIndex, analysis: QueryAnalysis, hits: list[Hit]
    ) -> list[Hit]:
        """The best documents' other chunks that hold more of the question than the chunks retrieved,
        added after the ranked sources (they do not change the ranking, only what can be quoted)."""
        cfg = self.config.retrieval
        asked = index.term_weights(analysis.topic_terms)
        if not asked.total:
            return hits
        have = {h.row for h in hits}
        vector: np.ndarray | None = None
        extra: list[Hit] = []
        docs = list(dict.fromkeys(str(index.doc_ids[h.row]) for h in hits))
        for position, doc in enumerate(docs[: cfg.expand_docs]):
            scored = []
            for row in index.rows_of(doc):
                if row in have:
                    continue
                share = asked.share(index.sentences(row).all_terms)
                if analysis.authorship and cues.AUTHORSHIP_ANSWER.search(index.texts[row]):
                    share += 1.0  # "who wrote it?": the chunk naming the authors, whatever its words
                if analysis.nations_at_issue and cues.NATION_LIMIT.search(index.texts[row]):
                    # "Can we apply from Northern Ireland?": the chunk saying which nations it is for,
                    # though it names the other three (b12-10).
                    share += 1.0
                if share >= cfg.expand_min_overlap:
                    scored.append((share, row))
            rows = [row for _, row in sorted(scored, reverse=True)[: cfg.expand_chunks]]
            if position < cfg.ask_expand_docs:
                answering = self._answering_each_ask(index, analysis, doc, have)
                rows += [row for row in answering if row not in have]
            if position < cfg.aspect_expand_docs:
                rows += [row for row in _giving_each_aspect(index, analysis, doc) if row not in have]
            for row in dict.fromkeys(rows):
                if vector is None:
                    vector = self.retriever.embed_query(analysis.retrieval_query)
                extra.append(_added_hit(index, row, vector))
                have.add(row)
        return [*hits, *extra]

    def _answering_each_ask(
        self, index: SearchIndex, analysis: QueryAnalysis, doc: str, have: set[int]
    ) -> list[int]:
        """A document's chunk for each of the question's several asks that a chunk of it answers (its
        words or its section heading: "Early results" answers "what early results they claimed"), unless
        a chunk already retrieved answers it as well."""
        cover = self.config.compose.ask_cover_share
        rows = []
        for ask in analysis.asks:
            weights = index.known_term_weights(ask.terms)
            scored = []
            for row in index.rows_of(doc):
                share = weights.share(index.sentences(row).all_terms)
                answers = share >= cover or heading_answers(ask, weights, _headings(index, row), cover)
                scored.append((answers, row in have, share, row))
            answers, _, _, row = max(scored, default=(False, False, 0.0, -1))
            if answers:
                rows.append(row)
        return rows

    def _with_guidance_and_examples(
        self, index: SearchIndex, analysis: QueryAnalysis, hits: list[Hit]
    ) -> list[Hit]:
        """A start answer needs steps and examples, ideally from the asker's own sector and nation: make
        sure guides, case studies and sources about the asker's kind of organisation and nation are among
        the sources even when the general ranking put others first."""
        cfg = self.config.retrieval
        passes: list[tuple[dict[str, list[str]], int]] = [
            ({"doc_type": ["toolkit", "guide"]}, 3),
            ({"doc_type": ["case_study", "news"]}, 3),
        ]
        asker = analysis.asker
        if asker.org_types:
            passes.append(({"org_type": [asker.org_types[0]]}, cfg.sector_extra))
        if asker.nation and asker.nation != "UK":
            passes.append(({"nation": [asker.nation]}, cfg.nation_extra))
        hits = list(hits)
        for narrowing, k in passes:
            hits = self._with_narrowed(index, analysis, hits, narrowing, k, cfg.extra_min_overlap)
        return hits

    def _with_examples_of_kind(
        self, index: SearchIndex, analysis: QueryAnalysis, hits: list[Hit]
    ) -> list[Hit]:
        """A question wanting examples of a kind of organisation (`QueryAnalysis.example_kinds`: "examples of
        private companies doing this?", or a water company asking where to start) gets the best documents of
        that kind among its sources: the general ranking filled them with definitions of public-sector
        anchors (held-out b7-20: Severn Trent, Anglian Water and MAG were not retrieved). Those documents
        are what was asked for, so they need only part of the overlap a start answer's extra sources need."""
        cfg = self.config.retrieval
        have = {
            str(index.doc_ids[h.row])
            for h in hits
            if of_kind_asked(index.metadatas[h.row]["doc_type"], index.metadatas[h.row]["org_type"], analysis)
        }
        if len(have) >= self.config.compose.min_example_documents:
            # Enough of them ranked already: more would be weaker ones padding the answer (b7-16 got a
            # Manchester residents' poll beside two universities' building projects).
            return hits
        kinds = {"org_type": list(analysis.example_kinds)}
        with_kind = self._with_narrowed(
            index,
            analysis,
            hits,
            kinds,
            cfg.kind_examples * cfg.kind_search_depth,
            cfg.extra_min_overlap * cfg.kind_overlap_share,
        )
        # One chunk of each document, so the examples are of different organisations.
        added: dict[str, Hit] = {}
        for hit in with_kind[len(hits) :]:
            added.setdefault(str(index.doc_ids[hit.row]), hit)
        return [*hits, *list(added.values())[: cfg.kind_examples]]

    def _with_narrowed(
        self,
        index: SearchIndex,
        analysis: QueryAnalysis,
        hits: list[Hit],
        narrowing: dict[str, list[str]],
        k: int,
        min_overlap: float,
    ) -> list[Hit]:
        """`hits` and the best `k` chunks of documents not yet among them, searched within `narrowing` (and
        the caller's filters), each holding `min_overlap` of the question's terms."""
        base = analysis.filters or SearchFilters()
        wanted = {
            name: [v for v in values if not getattr(base, name) or v in getattr(base, name)]
            for name, values in narrowing.items()
        }
        if not all(wanted.values()):
            return hits
        known = {h.row for h in hits}
        known_docs = {index.doc_ids[h.row] for h in hits}
        extra = self.retriever.retrieve(
            index,
            analysis.retrieval_query,
            k,
            base.model_copy(update=wanted),
            analysis.asker,
            list(analysis.topic_terms),
            also_by_meaning=analysis.theme_query,
        )
        return [
            *hits,
            *(
                h
                for h in extra.hits
                if h.row not in known
                and index.doc_ids[h.row] not in known_docs
                and self._about_question(index, analysis, h.row, min_overlap)
            ),
        ]

    def _about_question(
        self, index: SearchIndex, analysis: QueryAnalysis, row: int, min_overlap: float
    ) -> bool:
        """A chunk brought in for a start answer (a guide, a case study, the asker's sector or nation) must
        be about what was asked too: otherwise the same few guides pad every thin start answer."""
        asked = index.term_weights(analysis.topic_terms)
        return not asked.total or asked.share(index.sentences(row).all_terms) >= min_overlap

    def _with_row(self, index: SearchIndex, query: str, hits: list[Hit], row: int) -> list[Hit]:
        """The chunk giving the asked-for fact, placed right after the best hit of its document, when
        retrieval ranked a neighbouring chunk of that document instead."""
        if any(h.row == row for h in hits):
            return hits
        doc = index.doc_ids[row]
        at = next((i + 1 for i, h in enumerate(hits) if index.doc_ids[h.row] == doc), 0)
        vector = self.retriever.embed_query(query)  # normally the vector just used, not re-embedded
        figure = _added_hit(index, row, vector, score=hits[at - 1].score if at else 0.0)
        return [*hits[:at], figure, *hits[at:]]

    def _confidence(
        self, analysis: QueryAnalysis, index: SearchIndex, result: RetrievalResult, fact: FactCheck | None
    ) -> float:
        confidence = result.confidence
        sector_query = analysis.sector_query
        if (
            confidence < self.settings.refusal_threshold
            and sector_query
            and sector_query != analysis.retrieval_query
        ):
            # Judged also as the asker means it ("…band 2 and 3 starters" from an acute trust).
            k = max(len(result.hits), 1)
            with_sector = self.retriever.retrieve(
                index, sector_query, k, analysis.filters, analysis.asker, _coverage_terms(analysis, index)
            )
            confidence = max(confidence, with_sector.confidence)
        if analysis.wants_start and not analysis.topic_terms and result.hits:
            # "Where do we even start?" asks about anchor work as a whole, which the corpus is about.
            confidence = max(confidence, self.settings.refusal_threshold)
        retrieved_docs = {str(index.doc_ids[hit.row]) for hit in result.hits}
        if uncovered_entities(analysis, index, retrieved_docs) or (fact is not None and fact.gap):
            confidence *= self.config.scope.uncovered_penalty
        return round(confidence, 4)

    def _compose(
        self, analysis: QueryAnalysis, sources: list[RetrievedSource], index: SearchIndex, backend: Backend
    ) -> tuple[Draft | None, Backend, str | None]:
        """(draft, backend used, fallback reason). A None draft: the model said the sources do not answer."""
        reason = None
        if backend == "llm":
            if self.llm is None:
                reason = "no LLM is configured (set HALN_LLM_BASE_URL); used the extractive answer"
            else:
                try:
                    text = self.llm.complete(_for_model(analysis), sources)
                    if text.strip().upper().startswith(NOT_COVERED):
                        return None, "llm", None
                    draft = check_support(
                        parse_answer(text, len(sources)), sources, index, self.config.support, self.embedder
                    )
                    if draft.claims():
                        return draft, "llm", None
                    reason = "the LLM answer had no sentence with a valid, supported citation"
                except LLMUnavailableError as exc:
                    reason = f"the LLM was unavailable ({exc}); used the extractive answer"
        composer = ExtractiveComposer(index, self.config.compose, self._embed_passages)
        draft = composer.compose(analysis, sources, self.retriever.embed_query(analysis.retrieval_query))
        return check_support(draft, sources, index, self.config.support), "extractive", reason

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed_texts(texts)

    def _gap_answer(
        self,
        analysis: QueryAnalysis,
        index: SearchIndex,
        sources: list[RetrievedSource],
        gap: str,
        backend: Backend,
        confidence: float,
        timings: dict[str, float],
        started: float,
    ) -> Answer:
        """The sources do not give the fact asked for: say so first, then the nearest facts, each
        labelled with whose they are, so none reads as the answer."""
        draft = self._nearest_draft(
            index, analysis, sources, "Nearest in the sources, about something else", limit=2
        )
        answer = self._finish(draft, sources, index, "extractive", confidence, analysis, None)
        answer.answer = f"{gap}\n\n{answer.answer}" if draft.claims() else f"{gap} {COVERAGE_NOTE}"
        if not draft.claims():
            answer.citations = []
        answer.refused, answer.gaps, answer.backend = True, [gap], backend
        answer.refusal_reason = "fact_missing"
        answer.followups = []
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        return answer

    def _nearest_draft(
        self,
        index: SearchIndex,
        analysis: QueryAnalysis,
        sources: list[RetrievedSource],
        heading: str,
        limit: int,
        keep: Callable[[Claim], bool] = lambda claim: True,
    ) -> Draft:
        """The nearest passages of different documents, each labelled with whose it is, under `heading`,
        checked against their sources: what follows a gap or a clinical refusal."""
        composer = ExtractiveComposer(index, self.config.compose, self._embed_passages)
        vector = self.retriever.embed_query(analysis.retrieval_query)
        claims = [claim for claim in composer.nearest(analysis, sources, vector, limit=limit) if keep(claim)]
        draft = Draft(blocks=[Block("bullets", claims, heading=heading)])
        return check_support(draft, sources, index, self.config.support)

    def _clinical_answer(
        self,
        index: SearchIndex,
        analysis: QueryAnalysis,
        reason: str,
        backend: Backend,
        top_k: int | None,
        timings: dict[str, float],
        started: float,
    ) -> Answer:
        """A clinical question is refused (`reason`, the gate's). When the corpus covers what surrounds it
        ("we're dropping desflurane for net zero: what sevoflurane concentration…?"), the refusal goes on to
        the nearest passages, headed as the environmental side (graders, b6-24 and b7-15: a boilerplate
        refusal for a sustainability lead, though the sources cover cutting nitrous oxide waste). Only care
        with a carbon cost the corpus covers has such a side: a question about warfarin has none."""
        asker = analysis.asker
        clinician = bool(asker.role and cues.CLINICAL_ROLE.search(asker.role)) or any(
            org in cues.CARE_PROVIDERS for org in asker.org_types
        )
        who = CLINICAL_FOR_STAFF if clinician else CLINICAL_FOR_ANYONE
        refusal = self._refusal(analysis, backend, f"{reason} {who}", timings, started)
        named = [m.group(0) for m in cues.CARBON_HEAVY_CARE.finditer(analysis.question)]
        if index.live_size == 0 or not named:
            return refusal
        # Searched for the care it names and its environmental side, not the patient's details: "a frail
        # 85-year-old having a hip fracture fixed… sevoflurane MAC… TIVA" found nothing to stand on (b8-15).
        query = f"{' '.join(dict.fromkeys(n.lower() for n in named))} {CLINICAL_ASIDE_TOPIC}"
        aside_analysis = analyse(Question(query, asker=analysis.asker.as_asker()))
        result, fact = self._retrieve(index, aside_analysis, top_k or self.settings.top_k)
        confidence = self._confidence(aside_analysis, index, result, fact)
        sources = to_sources(index, result.hits)
        if not sources or confidence < self.settings.refusal_threshold:
            return refusal
        # Only about the carbon-heavy care the question names (anaesthetic gases, inhalers): NHS Tayside's
        # staff and spend matched a Scottish health board's sustainability lead, not the gases asked about.
        draft = self._nearest_draft(
            index,
            aside_analysis,
            sources,
            CLINICAL_ASIDE_HEADING,
            self.config.compose.clinical_aside_passages,
            keep=lambda claim: bool(cues.CARBON_HEAVY_CARE.search(claim.quoted())),
        )
        if not draft.claims():
            return refusal
        aside = self._finish(draft, sources, index, "extractive", confidence, analysis, None)
        refusal.answer = f"{refusal.answer}\n\n{aside.answer}"
        refusal.citations, refusal.confidence, refusal.retrieved = (
            aside.citations,
            confidence,
            aside.retrieved,
        )
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        refusal.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        return refusal

    def _finish(
        self,
        draft: Draft,
        sources: list[RetrievedSource],
        index: SearchIndex,
        backend: Backend,
        confidence: float,
        analysis: QueryAnalysis,
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
            intent=analysis.intent,
            asker=analysis.asker.as_asker(),
            backend=backend,
            fallback_reason=fallback_reason,
            followups=draft.followups,
            evidence_label=label,
            gaps=list(draft.gaps),
            confidence=confidence,
            standalone_query=analysis.standalone,
            supported_sentences=sum(not c.reference for c in draft.claims()),
            unsupported_sentences=draft.unsupported,
            staleness_warnings=staleness_warnings(rendered.citations, texts),
            retrieved=[s.citation(i + 1) for i, s in enumerate(sources)],
        )

    def _refusal(
        self,
        analysis: QueryAnalysis,
        backend: Backend,
        message: str,
        timings: dict[str, float],
        started: float,
    ) -> Answer:
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        return Answer(
            answer=message,
            citations=[],
            refused=True,
            intent=analysis.intent,
            asker=analysis.asker.as_asker(),
            backend=backend,
            followups=[
                "Where do I start with local recruitment as an NHS trust?",
                "How can we use our spending to support local suppliers and social value?",
            ],
            standalone_query=analysis.standalone,
            timings_ms={k: round(v, 2) for k, v in timings.items()},
        )

    @staticmethod
    def _emit(answer: Answer, stream: bool) -> Iterator[StreamEvent]:
        if stream:
            for piece in re.split(r"(?<=\s)", answer.answer):
                if piece:
                    yield StreamEvent("delta", text=piece)
        yield StreamEvent("answer", answer=answer)


def _examples_like_theirs(index: SearchIndex, analysis: QueryAnalysis, hits: list[Hit]) -> list[str]:
    """The case studies and stories of the asker's kind among `hits`, in the order the composer takes
    examples: the asker's nation first, then the document holding most of the question (IDF-weighted
    share, to one decimal), then its rank."""
    asker = analysis.asker
    kinds = analysis.examples_of

    def like_theirs(row: int) -> bool:
        meta = index.metadatas[row]
        return is_example(meta["doc_type"], meta["org_type"], analysis) and (
            not kinds or meta["org_type"] in kinds
        )

    asked = index.term_weights(analysis.topic_terms)
    fit: dict[str, tuple[bool, float, int]] = {}
    for position, hit in enumerate(hits):
        if not like_theirs(hit.row):
            continue
        doc = str(index.doc_ids[hit.row])
        nation = str(index.metadatas[hit.row]["nation"])
        units = [u for u in index.units(hit.row) if not u.headed]  # as the composer: digests aside
        share = -round(max((asked.share(u.terms) for u in units), default=0.0), 1)
        other_nation = bool(asker.nation) and nation not in (asker.nation, "UK")
        best = fit.get(doc, (other_nation, share, position))
        fit[doc] = (other_nation, min(best[1], share), best[2])
    return sorted(fit, key=lambda doc: fit[doc])


def _says_what_to_do(index: SearchIndex, row: int) -> bool:
    """A chunk with a step, advice wording, advice on how to begin or a tool offered."""
    return any(
        unit.kind == "step"
        or cues.ACTION_CUES.search(unit.quoted())
        or cues.START_ADVICE.search(unit.quoted())
        or cues.TOOL_OFFERED.search(unit.quoted())
        for unit in index.units(row)
    )


def _own_kind_guides(index: SearchIndex, analysis: QueryAnalysis, hits: list[Hit]) -> list[str]:
    """The guides and toolkits among `hits` from or for the asker's own kind of organisation, best first."""
    kinds = set(analysis.asker.org_types)
    return list(
        dict.fromkeys(
            str(index.doc_ids[h.row])
            for h in hits
            if index.metadatas[h.row]["org_type"] in kinds
            and index.metadatas[h.row]["doc_type"] in GUIDANCE_TYPES
        )
    )


_NUMBERS = re.compile(r"\d[\d,.]*")
"""Figures in a chunk: what "any numbers?" asks for, whatever an aspect's words."""


def _giving_each_aspect(index: SearchIndex, analysis: QueryAnalysis, doc: str) -> list[int]:
    """For a follow-up asking about results, lessons, costs or people, the document's chunk that says
    most of it ("did it actually work? any numbers?": "Across the sites, the Life Rooms had received more
    than 80,000 visits", in a chunk sharing none of the question's words; held-out b6-19)."""
    rows = []
    for aspect in analysis.aspects:
        gives = cues.ASPECT_CUES[aspect][1]
        scored = [
            (len(gives.findall(index.texts[row])) + len(_NUMBERS.findall(index.texts[row])), row)
            for row in index.rows_of(doc)
        ]
        count, row = max(scored, default=(0, -1))
        if count:
            rows.append(row)
    return rows


def _headings(index: SearchIndex, row: int) -> frozenset[str]:
    """The words of the section headings a chunk's passages sit under."""
    return frozenset(t for unit in index.units(row) for t in unit.section_terms)


def _added_hit(index: SearchIndex, row: int, vector: np.ndarray, score: float = 0.0) -> Hit:
    """A chunk the pipeline adds to what retrieval ranked (no BM25 or dense rank of its own)."""
    return Hit(
        row=row,
        score=score,
        dense=float(index.embeddings[row] @ vector),
        bm25=0.0,
        dense_rank=None,
        bm25_rank=None,
    )


def _for_model(analysis: QueryAnalysis) -> str:
    """The question as the model sees it, with who asks, so its answer can fit them."""
    asker = analysis.asker
    who = [
        part
        for part in (
            asker.role,
            ORG_TYPE_LABELS.get(asker.org_types[0], ("", ""))[0] if asker.org_types else None,
            asker.nation,
        )
        if part
    ]
    return f"{analysis.standalone}\n(Asked by: {', '.join(who)}.)" if who else analysis.standalone


def _coverage_terms(analysis: QueryAnalysis, index: SearchIndex) -> list[str]:
    """The words whose presence in the sources says the corpus covers the question. A where-to-start or
    examples question told as a story carries words no document uses ("family-owned", "breakfast",
    "glossy brochure"): counted as uncovered they refused a business's start question the corpus answers
    (blind set). For those intents the words the corpus uses are counted, while they are at least half the
    question's (a question mostly of unknown words is still judged on all of them); fact questions always
    count every word, so a fact about something the corpus never names stays uncovered."""
    terms = list(analysis.topic_terms)
    if analysis.intent not in ("start", "examples"):
        return terms
    known = index.known_terms(terms)
    return known if len(known) * 2 >= len(terms) else terms
