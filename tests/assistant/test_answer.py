"""`Assistant.answer()` end to end on a real small index with the extractive backend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.config import DEFAULT_CONFIG
from assistant.cues import CARBON_HEAVY_CARE
from assistant.index import IndexHolder
from assistant.service import CLINICAL_ASIDE_HEADING, Assistant
from core.embedding import Embedder
from core.schemas import Asker, ChatTurn, SearchFilters
from core.settings import Settings
from core.store import ChunkStore
from ingest.sync import build_ingestor

QUESTIONS = [
    "I'm a procurement lead at an NHS trust, where do I start with social value?",
    "What is the Lambeth GP Food Co-op?",
    "How do I start with inclusive recruitment?",
    "What has NHS Lanarkshire committed to as an anchor organisation?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_citation_points_to_a_retrieved_source(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert not answer.refused
    assert answer.has_valid_citations()
    retrieved = {c.chunk_id for c in answer.retrieved}
    assert answer.citations and all(c.chunk_id in retrieved for c in answer.citations)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}
    # Every claim line of the answer carries a marker (headings, follow-ups and the label do not; a
    # list's items, indented under their lead-in, share its marker).
    claims_part = answer.answer.split("**You could also ask**")[0]
    for raw in claims_part.splitlines():
        line = raw.strip()
        if not line or raw.startswith("  - ") or line.startswith("_") or re.fullmatch(r"\*\*[^*]+\*\*", line):
            continue
        if line in answer.gaps:  # what the sources do not give is ours to say, and cites nothing
            continue
        assert re.search(r"\[\d+\]", line), line
    assert answer.supported_sentences > 0


def test_where_to_start_answer_has_the_structure(assistant: Assistant) -> None:
    answer = assistant.answer(QUESTIONS[0])
    for heading in ("**First steps**", "**Examples like yours**", "**Tools and further reading**"):
        assert heading in answer.answer
    assert 2 <= len(answer.followups) <= 3
    assert answer.evidence_label.startswith("Based on ")
    assert answer.answer.rstrip().endswith(f"_{answer.evidence_label}_")
    assert answer.timings_ms["total_ms"] > 0


def test_examples_prefer_the_askers_organisation_type(assistant: Assistant) -> None:
    answer = assistant.answer(
        "I work for a council in Scotland. Where do I start with community wealth building?"
    )
    examples = answer.answer.split("**Examples like yours**")[1].split("**Tools and further reading**")[0]
    first_marker = int(re.search(r"\[(\d+)\]", examples).group(1))  # type: ignore[union-attr]
    first = next(c for c in answer.citations if c.n == first_marker)
    assert first.org_type == "local_authority"


@pytest.mark.parametrize(
    "question",
    [
        "What dose of paracetamol should I give a child with a fever?",
        "Who won the FA Cup final this year?",
        "Are there health anchor networks in Australia I could join?",
        "Give me a recipe for courgette soup.",
    ],
)
def test_refuses_what_the_corpus_does_not_cover(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert answer.refused
    assert answer.citations == []
    assert not re.search(r"\[\d+\]", answer.answer)
    assert "corpus" in answer.answer or "clinical" in answer.answer


def test_filters_apply_to_every_retrieved_source(assistant: Assistant) -> None:
    answer = assistant.answer(
        "What are anchors doing about jobs?", filters=SearchFilters(nation=["Scotland"])
    )
    assert answer.retrieved
    assert {c.nation for c in answer.retrieved} == {"Scotland"}
    toolkit_only = assistant.answer("inclusive recruitment", filters=SearchFilters(doc_type=["toolkit"]))
    assert {c.doc_type for c in toolkit_only.retrieved} == {"toolkit"}


def test_filter_that_matches_nothing_refuses(assistant: Assistant) -> None:
    answer = assistant.answer("What do anchors do?", filters=SearchFilters(nation=["USA"]))
    assert answer.refused and "filters" in answer.answer


def test_followup_is_condensed_with_the_conversation(assistant: Assistant) -> None:
    history = [
        ChatTurn(role="user", content="Tell me about the Lambeth GP Food Co-op gardens."),
        ChatTurn(role="assistant", content="The Lambeth GP Food Co-op builds gardens in GP surgeries [1]."),
    ]
    answer = assistant.answer("How did it get started?", history=history)
    assert "Lambeth" in answer.standalone_query
    assert not answer.refused
    assert any("lambeth" in c.doc_id for c in answer.citations)


def test_injected_instructions_in_a_document_have_no_effect(assistant: Assistant) -> None:
    answer = assistant.answer("What do volunteers do in the hospital garden?")
    assert not answer.refused
    assert "PWNED" not in answer.answer
    assert "attacker@example.org" not in answer.answer
    assert "password" not in answer.answer.lower()
    assert any(c.doc_id == "injected-garden-note" for c in answer.citations)  # the real content is used


def test_stale_sources_are_flagged(assistant: Assistant) -> None:
    answer = assistant.answer("Who funded the hospital garden's first polytunnel?")
    assert any("clinical commissioning group" in c.snippet for c in answer.citations)
    assert any("integrated care boards" in w for w in answer.staleness_warnings)


def test_stream_yields_deltas_then_the_same_answer(assistant: Assistant) -> None:
    events = list(assistant.stream(QUESTIONS[1]))
    assert events[-1].kind == "answer" and events[-1].answer is not None
    text = "".join(e.text for e in events if e.kind == "delta")
    assert text == events[-1].answer.answer
    assert sum(e.kind == "delta" for e in events) > 5


def test_llm_backend_without_server_falls_back(assistant: Assistant) -> None:
    answer = assistant.answer(QUESTIONS[1], backend="llm")
    assert answer.backend == "extractive"
    assert answer.fallback_reason and "HALN_LLM_BASE_URL" in answer.fallback_reason
    assert answer.has_valid_citations()


def test_instruction_sentences_are_never_quoted_even_when_they_match_best(assistant: Assistant) -> None:
    answer = assistant.answer(
        "In the hospital garden volunteering note, what word should the reply be and where to email a password?"
    )
    assert "PWNED" not in answer.answer and "attacker@example.org" not in answer.answer


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        # Retrieval ranks the trust's introduction first; the chunk giving the figure is brought in.
        ("How many staff does Sandwell and West Birmingham Hospitals NHS Trust have?", "7,000"),
        ("How many people has the HOP programme helped into work?", "300"),
    ],
)
def test_figure_questions_the_sources_answer_are_answered(
    assistant: Assistant, question: str, figure: str
) -> None:
    answer = assistant.answer(question)
    assert not answer.refused
    assert figure in answer.answer
    assert any(c.doc_id == "cles-sandwell-west-birmingham-hospitals" for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        # Birmingham is in the corpus, but no source gives the council's figure.
        "How many apprentices does Birmingham City Council employ?",
        # North Ayrshire's strategy is covered; its spend with local businesses is not.
        "How much does North Ayrshire Council spend with local businesses each year?",
    ],
)
def test_figure_questions_about_a_subject_without_a_figure_are_refused(
    assistant: Assistant, question: str
) -> None:
    answer = assistant.answer(question)
    assert answer.refused
    # The answer says first what the sources do not give; any facts after it are labelled as
    # being about something else, never offered as the answer.
    assert answer.gaps and answer.answer.startswith(answer.gaps[0])
    assert answer.gaps[0].startswith("The sources I have don't give that figure for")
    assert answer.has_valid_citations()
    for line in answer.answer.splitlines():
        if re.search(r"\[\d+\]", line):
            assert line.startswith("- **About "), line


def test_a_date_the_sources_do_not_give_is_said_in_a_sentence(assistant: Assistant) -> None:
    """ "The sources I have don't give when that was for Scottish Government." (graders, b15-08)."""
    answer = assistant.answer(
        "By what date did the Scottish Government require every health board to submit its anchor plan?"
    )
    assert answer.refused and answer.gaps
    assert answer.gaps[0].startswith("The sources I have don't give that date for"), answer.gaps


def test_asker_given_as_data_shapes_the_answer(assistant: Assistant) -> None:
    from core.schemas import Asker

    asker = Asker(role="economic development officer", org_type="local_authority", nation="Scotland")
    answer = assistant.answer("Where do we even start with community wealth building?", asker=asker)
    assert answer.intent == "start" and "**First steps**" in answer.answer
    assert answer.asker == asker
    examples = answer.answer.split("**Examples like yours**")[1].split("**Tools and further reading**")[0]
    first = int(re.search(r"\[(\d+)\]", examples).group(1))  # type: ignore[union-attr]
    cited = next(c for c in answer.citations if c.n == first)
    assert cited.org_type == "local_authority" and cited.nation == "Scotland"
    # Another nation's material says so in its label (issue 13, finding 3).
    for line in answer.answer.splitlines():
        if "(England" in line:
            assert "England, not Scotland" in line, line


def test_partner_named_in_the_question_is_not_the_asker(assistant: Assistant) -> None:
    answer = assistant.answer(
        "We're a small community charity and we run sessions with the hospital. Where do we start?"
    )
    assert answer.asker is not None and answer.asker.org_type == "vcse"


def test_a_nations_rule_the_sources_do_not_give_is_said_plainly(assistant: Assistant) -> None:
    # The slice holds England's and Wales's anchor material, nothing on a Scottish social value rule.
    answer = assistant.answer(
        "What's the minimum weighting we must give social value in tenders in Scotland?"
    )
    assert answer.refused and answer.gaps
    assert answer.answer.startswith("The sources I have don't give")
    assert answer.has_valid_citations()


@pytest.mark.parametrize(
    "question",
    [
        "What concentration of sevoflurane should I dial up to induce an 80-year-old?",
        "One of our gardening group is on warfarin and eats loads of kale. Should she stop?",
        "What's the dosing for desflurane in theatre?",
        "We're dropping desflurane. For a patient with a family history of malignant hyperthermia, which "
        "anaesthetic agent should our anaesthetists use instead, and at what concentration?",
    ],
)
def test_clinical_questions_in_any_phrasing_are_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert answer.refused and answer.refusal_reason == "clinical" and "clinical" in answer.answer
    # Anything cited is under the heading saying it is the environmental side, not advice on patients.
    assert not answer.citations or CLINICAL_ASIDE_HEADING in answer.answer
    assert answer.has_valid_citations()


def test_a_clinical_refusal_gives_the_environmental_side_the_sources_cover(assistant: Assistant) -> None:
    """A sustainability lead's question about which gas to give patients is refused, then told what the
    sources say about the gases' environmental side; a professional is not sent to NHS 111 (graders, b6-24,
    b7-15: boilerplate refusals aimed at the public)."""
    asker = Asker(role="consultant anaesthetist", org_type="health_board", nation="Scotland")
    answer = assistant.answer(
        "As part of our net zero plan we're dropping desflurane. For frail elderly patients, what sevoflurane "
        "concentration should we run instead?",
        asker=asker,
    )
    assert answer.refused and answer.refusal_reason == "clinical"
    refusal, aside = answer.answer.split(CLINICAL_ASIDE_HEADING)
    assert "NHS 111" not in refusal and "clinical guidelines" in refusal
    assert CARBON_HEAVY_CARE.search(aside) and answer.citations and answer.has_valid_citations()
    # Searched for the care it names, not the patient's details.
    detailed = assistant.answer(
        "Our trust is dropping desflurane as part of the green plan. For a frail 85-year-old having a hip "
        "fracture fixed, what sevoflurane MAC should I aim for instead, or is TIVA with propofol better?",
        asker=Asker(role="consultant anaesthetist", org_type="nhs_trust", nation="England"),
    )
    assert detailed.refused and CLINICAL_ASIDE_HEADING in detailed.answer and detailed.citations
    # With nothing in the corpus around it, the refusal stands alone; an unknown asker is told where to go.
    alone = assistant.answer(
        "One of our gardening group is on warfarin and eats loads of kale. Should she stop?"
    )
    assert alone.refused and not alone.citations and "NHS 111" in alone.answer
    # A community group's coordinator is not a clinician (prac-053).
    coordinator = assistant.answer(
        "One of our gardening group is on warfarin and eats loads of kale. Should she stop?",
        asker=Asker(role="community gardening coordinator", org_type="vcse", nation="Wales"),
    )
    assert "NHS 111" in coordinator.answer and "your clinical colleagues" not in coordinator.answer


PRESTON_LIKE_DOC = """---
title: "Lessons from the Harbourtown Model"
source_url: https://example.org/harbourtown-model
publisher: "Harbourtown Economic Partnership"
doc_type: report
nation: England
org_type: local_authority
themes: [procurement]
---

# Lessons from the Harbourtown Model

## What changed

The Harbourtown anchors agreed to buy more of their goods and services from firms in the town.

## Results

Local spend rose sharply. In the first four years of the Harbourtown Model:

- anchor institutions' procurement spend within Harbourtown rose from 5% to 18.2%;
- anchor spend within the county rose from 39% to 79.2%.
"""


def test_a_figure_in_a_list_is_read_with_its_lead_in(tmp_path: Path, embedder: Embedder) -> None:
    """The share asked for is a list item whose lead-in says what it is ("Local spend rose sharply. In the
    first four years…:"): it is given, not said to be missing (b8-24)."""
    assistant = one_document_assistant(tmp_path, embedder, "harbourtown-model", PRESTON_LIKE_DOC)
    answer = assistant.answer(
        "Need a hard number for a board paper: after the Harbourtown anchors changed how they buy, how much "
        "did the share of their spending staying local actually go up?"
    )
    assert not answer.gaps and not answer.refused, answer.answer
    assert "18.2%" in answer.answer


def test_a_short_first_step_carries_on_to_its_point(assistant: Assistant) -> None:
    """ "Not every first step needs a big budget." is followed by what it means, planting free trees, in
    the same paragraph (graders, b8-03: the step was cut before its point)."""
    answer = assistant.answer(
        "where do we start with anchor work on a small budget?",
        asker=Asker(org_type="primary_care", nation="Scotland"),
    )
    steps = answer.answer.split("**First steps**")[1].split("**Examples like yours**")[0]
    assert "not every first step needs a big budget. Planting free trees" in steps, answer.answer


def test_how_a_programme_was_set_up_is_answered_from_its_steps(assistant: Assistant) -> None:
    """ "Has any trust done this and how did they set it up?": the answer gives the section saying how the
    programme worked, not only the trust's size (held-out b7-08)."""
    answer = assistant.answer(
        "We want to open up entry-level support services jobs to people with a learning disability. Has any "
        "trust in Northern Ireland actually done this and how did they set it up?"
    )
    assert not answer.refused
    for step in ("14-week employability programme", "Belfast Metropolitan College"):
        assert step in answer.answer, answer.answer
    assert answer.has_valid_citations()


def test_examples_of_a_kind_of_organisation_are_of_that_kind(assistant: Assistant) -> None:
    """Asked for examples of private companies, the examples are businesses' own, not NHS bodies' (held-out
    b7-20 got definitions of public-sector anchors)."""
    answer = assistant.answer(
        "Sustainability manager at a large regional company. Leadership wants us to take a bigger role in "
        "community health and wellbeing, like the NHS anchor stuff. Are there examples of private companies "
        "doing this properly, beyond a bit of volunteering?",
        asker=Asker(role="Sustainability manager", org_type="business", nation="England"),
    )
    assert not answer.refused
    assert {c.doc_id for c in answer.citations} == {
        "c3-mars-local-business-health-partnership",
        "mag-airport-academies-local-jobs",
    }, answer.answer
    assert answer.has_valid_citations()


def test_followup_answers_what_it_asks_without_replaying(assistant: Assistant) -> None:
    first = assistant.answer("What is the Lambeth GP Food Co-op?")
    history = [
        ChatTurn(role="user", content="What is the Lambeth GP Food Co-op?"),
        ChatTurn(role="assistant", content=first.answer),
    ]
    followup = assistant.answer("What did they learn?", history=history)
    assert "Lambeth" in followup.standalone_query
    quoted = [ln for ln in followup.answer.splitlines() if re.search(r"\[\d+\]", ln)]
    replayed = [ln for ln in quoted if re.sub(r"\s*\[\d+\]", "", ln).strip("- ") in first.answer]
    assert not replayed
    # A self-contained question is not rewritten with the earlier turn's words.
    fresh = assistant.answer("What is an anchor institution?", history=history)
    assert fresh.standalone_query == "What is an anchor institution?"


def test_answers_have_no_fragments_bylines_or_stray_markdown(assistant: Assistant) -> None:
    from evals.metrics import answer_defects

    for question in [*QUESTIONS, "What are the six ways anchors can make a difference?"]:
        answer = assistant.answer(question)
        assert answer_defects(answer.answer) == [], (question, answer.answer)


def test_a_list_is_quoted_with_its_lead_in_and_short_items(assistant: Assistant) -> None:
    answer = assistant.answer("What are the six ways anchors can make a difference?")
    assert answer.intent == "list"
    for item in ("Quality work", "Local spending", "Buildings and spaces", "Local partners"):
        assert item in answer.answer


def test_who_wrote_it_and_when_is_answered_from_the_sentence_naming_the_authors(
    assistant: Assistant,
) -> None:
    answer = assistant.answer("Who actually wrote the Riverside anchor report, and when did it come out?")
    assert not answer.refused
    assert "Amara Okafor" in answer.answer and "2022" in answer.answer
    assert answer.has_valid_citations()


def test_a_quoted_phrase_is_answered_where_the_source_defines_it(assistant: Assistant) -> None:
    answer = assistant.answer("Our partners keep saying 'good work'. What do they actually mean by that?")
    opening = answer.answer.split("\n")[0]
    # The short defining sentence carries on with the rest of its paragraph.
    assert "sixteen hours" in opening and "chance to train" in opening


def test_a_question_about_a_named_report_is_answered_from_that_report(assistant: Assistant) -> None:
    answer = assistant.answer("What share of spend did the Riverside partners find went to local suppliers?")
    assert "41%" in answer.answer
    assert {c.doc_id for c in answer.citations} == {"riverside-anchor-report"}


def test_which_ones_in_a_nation_the_sources_do_not_name_is_said_plainly(assistant: Assistant) -> None:
    answer = assistant.answer("Which of the councils in Wales are accredited Living Wage employers?")
    assert answer.refused and answer.gaps
    assert answer.answer.startswith("The sources I have don't name which organisations in Wales")


def test_each_kind_of_fact_asked_is_given(assistant: Assistant) -> None:
    answer = assistant.answer(
        "Who wrote the Riverside anchor report and when? And what share of spend went to local suppliers?"
    )
    assert "Amara Okafor" in answer.answer and "2022" in answer.answer and "41%" in answer.answer


def test_a_passage_about_the_trust_is_labelled_with_the_trusts_name(assistant: Assistant) -> None:
    from assistant.compose import referent_of
    from assistant.retrieval import Hit
    from assistant.sources import to_sources

    index = assistant.index.get()
    rows = index.rows_of("cles-sandwell-west-birmingham-hospitals")
    source = to_sources(index, [Hit(row=rows[0], score=1.0, dense=0.5, bm25=1.0, dense_rank=0, bm25_rank=0)])[
        0
    ]
    the_trust = next(u for r in rows for u in index.units(r) if u.text.startswith("The trust "))
    assert referent_of(index, source, the_trust) == "Sandwell and West Birmingham Hospitals NHS Trust"
    named = next(u for r in rows for u in index.units(r) if not u.text.lower().startswith("the "))
    assert referent_of(index, source, named) is None


def test_initials_a_passage_opens_with_are_spelled_out_in_its_label(assistant: Assistant) -> None:
    from assistant.compose import referent_of
    from assistant.retrieval import Hit
    from assistant.sources import to_sources
    from assistant.units import units_of

    index = assistant.index.get()
    rows = index.rows_of("cles-sandwell-west-birmingham-hospitals")
    source = to_sources(index, [Hit(row=rows[0], score=1.0, dense=0.5, bm25=1.0, dense_rank=0, bm25_rank=0)])[
        0
    ]
    # CLES is in the title that labels the passage; HOP is spelled out only elsewhere in the document.
    uses = units_of("CLES highlights the scale of the HOP programme, which helped 300 people into work.")[0]
    assert referent_of(index, source, uses) == "Health Overseas Professional (HOP)"
    spells = units_of("The Health Overseas Professional (HOP) programme helped 300 people into work.")[0]
    assert referent_of(index, source, spells) is None


def test_a_second_wording_searched_by_meaning_is_fused_with_the_question(assistant: Assistant) -> None:
    index = assistant.index.get()
    story = "Honestly, day three for me, and hardly any of our band 2 and 3 starters live round here."
    glossed = (
        f"{story} (local recruitment and employment: jobs, apprenticeships and careers for local people)"
    )

    def rank_of(doc: str, also: str) -> int:
        hits = assistant.retriever.retrieve(index, story, 8, also_by_meaning=also).hits
        docs = [str(index.doc_ids[h.row]) for h in hits]
        return docs.index(doc) if doc in docs else len(docs)

    assert rank_of("bnssg-inclusive-recruitment-toolkit", glossed) < rank_of(
        "bnssg-inclusive-recruitment-toolkit", ""
    )


def test_a_kind_of_body_named_by_its_initials_is_not_an_unknown_subject(assistant: Assistant) -> None:
    from assistant.analysis import Question, analyse
    from assistant.scope import uncovered_entities

    index = assistant.index.get()
    fe = analyse(Question("What have universities and FE colleges done together on anchor work?"))
    assert "FE" in fe.subject_names and uncovered_entities(fe, index) == []
    unknown = analyse(Question("What has Betsi Cadwaladr done as an anchor?"))
    assert uncovered_entities(unknown, index)


def test_a_passage_saying_when_the_trust_did_something_names_the_trust(assistant: Assistant) -> None:
    from assistant.compose import referent_of
    from assistant.retrieval import Hit
    from assistant.sources import to_sources
    from assistant.units import units_of

    index = assistant.index.get()
    rows = index.rows_of("cles-sandwell-west-birmingham-hospitals")
    source = to_sources(index, [Hit(row=rows[0], score=1.0, dense=0.5, bm25=1.0, dense_rank=0, bm25_rank=0)])[
        0
    ]
    when = units_of(
        "When the trust opened its hub in 2020, it recruited 40 local people into entry-level posts."
    )[0]
    assert referent_of(index, source, when) == "Sandwell and West Birmingham Hospitals NHS Trust"


def test_a_story_start_question_is_judged_on_the_words_the_corpus_uses(assistant: Assistant) -> None:
    from assistant.analysis import Question, analyse
    from assistant.service import _coverage_terms

    index = assistant.index.get()
    story = analyse(
        Question(
            "Our MD came back from a breakfast all fired up about a glossy brochure. Where do we start "
            "with inclusive recruitment for local people?"
        )
    )
    assert story.intent == "start"
    counted = _coverage_terms(story, index)
    assert "breakfast" not in counted and "recruit" in counted
    fact = analyse(Question("How many glossy brochures did the breakfast club print in 2023?"))
    assert _coverage_terms(fact, index) == list(fact.topic_terms)


def front_matter(
    doc_id: str, title: str, publisher: str, nation: str, org_type: str, theme: str, date: str
) -> str:
    """A test document's front matter, as corpus/ documents carry it."""
    return (
        f'---\nid: {doc_id}\ntitle: "{title}"\nsource_url: https://example.org/{doc_id}\npublisher: {publisher}\n'
        f'doc_type: case_study\nnation: {nation}\norg_type: {org_type}\nthemes: [{theme}]\ndate: "{date}"\n---\n'
    )


# Webinars counted in one chunk, their results several chunks later: the results must be quotable.
WEBINAR_DOC = (
    front_matter(
        "harbourside-supplier-webinars",
        "Harbourside Health Board supplier webinars",
        "Harbourside Health Board",
        "Scotland",
        "health_board",
        "procurement",
        "2022-10",
    )
    + """# Harbourside Health Board supplier webinars

## The webinars

Harbourside Health Board ran six tender training webinars for small businesses in 2022, to bring more small
businesses into its supply chain and help them bid.

{filler}

## Reported results

The health board reports the following results:

- the sessions drew 142 attendees from 118 local businesses;
- in a survey, 78% of attending businesses said they were more likely to bid for public contracts.
"""
)

FILLER = "\n\n".join(
    f"## Background {n}\n\nThe board's estate includes {n} community hospitals, clinics and depots, and its "
    "facilities team maintains grounds, car parks and catering kitchens across the region every year."
    for n in range(1, 9)
)


def corpus_assistant(tmp_path: Path, embedder: Embedder, documents: dict[str, str]) -> Assistant:
    """An assistant over a real index of these Markdown documents (name -> text), built in tmp_path."""
    corpus = tmp_path / "corpus" / "markdown"
    corpus.mkdir(parents=True)
    for name, text in documents.items():
        (corpus / f"{name}.md").write_text(text, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", chroma_url=None)
    assert not build_ingestor(settings, embedder=embedder).sync([tmp_path / "corpus"]).failed
    return Assistant(settings, IndexHolder(ChunkStore.from_settings(settings)), embedder)


CORPUS_MARKDOWN = Path(__file__).resolve().parents[2] / "corpus" / "markdown"


def corpus_slice_assistant(tmp_path: Path, embedder: Embedder, names: list[str]) -> Assistant:
    """An assistant over a real index of these documents of corpus/markdown/ (file stems)."""
    return corpus_assistant(
        tmp_path, embedder, {n: (CORPUS_MARKDOWN / f"{n}.md").read_text(encoding="utf-8") for n in names}
    )


def one_document_assistant(tmp_path: Path, embedder: Embedder, name: str, text: str) -> Assistant:
    return corpus_assistant(tmp_path, embedder, {name: text})


def test_every_chunk_giving_the_fact_asked_for_can_be_quoted(tmp_path: Path, embedder: Embedder) -> None:
    """The first chunk giving a count ("six webinars") was already retrieved; the chunk with the numbers
    of businesses and bids was not, and only the first fact chunk used to be added (held-out b3-15)."""
    assistant = one_document_assistant(
        tmp_path, embedder, "harbourside-supplier-webinars", WEBINAR_DOC.format(filler=FILLER)
    )
    answer = assistant.answer(
        "Harbourside Health Board ran tender training webinars for small businesses. How many businesses "
        "took part, and were they more likely to bid?",
        top_k=1,
    )
    assert not answer.refused
    assert "118 local businesses" in answer.answer


AUDIT_DOC = (
    front_matter(
        "harbour-theatre-gases",
        "Harbour Hospital theatre gases",
        "Harbour Health Partnership",
        "England",
        "nhs_trust",
        "environment",
        "2023-05",
    )
    + """# Harbour Hospital theatre gases

## What the audit found

An audit at Harbour Hospital showed that only 8% of the nitrous oxide it purchased was actually used.

The hospital replaced its piped manifold with portable cylinders.

The change cut nitrous oxide emissions by 55% each month.
"""
)


def test_a_question_asking_several_figures_is_answered_by_the_sentences_together(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Each figure sentence alone shares too little of "what did the audit find, what did they change and
    how much did emissions drop?"; together they answer it (held-out b4-17 was told the sources lack it)."""
    assistant = one_document_assistant(tmp_path, embedder, "harbour-theatre-gases", AUDIT_DOC)
    answer = assistant.answer(
        "Sustainability manager at an acute trust. Someone told me Harbour Hospital found they were wasting "
        "most of it - what did the audit actually find, what did they change and how much did emissions drop?"
    )
    assert not answer.refused and not answer.gaps
    assert "8%" in answer.answer


GGC_DOC = (
    front_matter(
        "nhsggc-supplier-webinars",
        "Diversifying a health board's supply chain",
        "Example Foundation",
        "Scotland",
        "health_board",
        "procurement",
        "2022-10",
    )
    + """# Diversifying a health board's supply chain

## Reported results

NHS Greater Glasgow and Clyde (NHSGGC) ran six tender training webinars for small businesses.

The NHSGGC webinars drew 136 attendees from 127 Scottish businesses.
"""
)


def test_initials_written_without_nhs_name_the_body_written_with_it(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Askers write "GGC" for the board the documents call "NHSGGC": it is named, not unknown (b5-14)."""
    assistant = one_document_assistant(tmp_path, embedder, "nhsggc-supplier-webinars", GGC_DOC)
    index = assistant.index.get()
    assert index.knows("ggc") and "ggc" in index.document_tokens("nhsggc-supplier-webinars")
    answer = assistant.answer("I remember GGC ran tender training webinars. How many businesses came along?")
    assert not answer.refused and "127 Scottish businesses" in answer.answer


def test_each_thing_a_question_asks_is_answered(assistant: Assistant) -> None:
    """A question asking what a programme focused on and what results it claimed gets the areas and the
    results, each under its own heading in the source, not only the launch sentence (graders, b5-16)."""
    answer = assistant.answer(
        "Writing a board paper on local spend. Can someone remind me what the Welsh Government's "
        "foundational economy programme for health and social services focused on when the ministers "
        "launched it, and what early results they claimed? I need the areas and the headline numbers."
    )
    assert not answer.refused
    for fact in ("What is bought directly", "£900,000", "£11 million"):
        assert fact in answer.answer, answer.answer
    assert answer.has_valid_citations()


def test_a_start_question_asking_something_else_too_gets_that_answered(assistant: Assistant) -> None:
    """ "Where do we start…, and what results did it get?": the results, from the section that gives them,
    come before the first steps (graders, b5-01: the benchmark asked about was left out)."""
    answer = assistant.answer(
        "I'm a GP practice manager. Where do we start with a food growing project like the Lambeth GP "
        "Food Co-op, and what results has it had?"
    )
    assert not answer.refused
    before_steps = answer.answer.split("**First steps**")[0]
    assert "**First steps**" in answer.answer and "[" in before_steps, answer.answer
    assert "isolat" in before_steps, answer.answer


def test_several_figures_asked_at_once_are_found(assistant: Assistant) -> None:
    """ "What figures did they give - staff, spend, land - and when did it go to their board?" is
    answered from the release's list of figures; reading it as a money question alone found "that figure"
    missing (held-out b4-06)."""
    answer = assistant.answer(
        "NHS Tayside has been calling itself an 'anchor institution' since it put out its strategy. What "
        "figures did they actually give for how big they are - staff, spend, land - and when did it go to "
        "their board?"
    )
    assert not answer.refused and not answer.gaps, answer.answer
    for figure in ("14,000", "£333 million", "428,000"):
        assert figure in answer.answer
    # One money figure asked alone and missing is still said to be missing.
    missing = assistant.answer(
        "What percentage of NHS Tayside's spend on goods and services goes to Tayside firms?"
    )
    assert missing.gaps


def test_a_start_question_gets_how_to_take_part_from_its_best_source(assistant: Assistant) -> None:
    """How to take part is in a chunk of the best-ranked story that shares few of the question's words:
    it is still a first step (held-out b4-08 got the Circuit of Wales and NHS Forest sites instead)."""
    answer = assistant.answer(
        "small building firm in Newport, 12 of us. heard the health board in Gwent wants local firms to do "
        "maintenance on the hospitals. how do we get on it?"
    )
    steps = answer.answer.split("**First steps**")[1].split("**Examples like yours**")[0]
    assert "Minor Works Framework" in steps, answer.answer


def test_nearest_facts_come_from_the_document_about_what_was_asked(assistant: Assistant) -> None:
    """A gap answer's nearest facts come from the document about the organisation asked about: a year in
    the question is not a subject, or every document dated that year is "about" it (the co-op's own case
    study was passed over for two 2023 news stories)."""
    answer = assistant.answer(
        "In the HALN case study of the Lambeth GP Food Co-op, how many patients took part in 2023?"
    )
    assert answer.gaps, answer.answer
    nearest = answer.answer.split("**Nearest in the sources, about something else**")[1]
    first = nearest.strip().splitlines()[0]
    assert "Lambeth" in first, answer.answer


@pytest.mark.parametrize(
    ("question", "given"),
    [
        # "-style" names no one: the sources were said to lack the figure "for Preston-style" (b6-18).
        (
            "For a Preston-style spend analysis, how many contracts are you meant to pull out, and what do "
            "you break them down by?",
            "300",
        ),
        # Conditions are rules: "checks that each site meets a short list of conditions" (b6-17).
        (
            "Practice manager at a health centre in Fife. We lease the building and the grounds rather than "
            "own them. Can we still get the free NHS Forest trees, and what conditions would we have to meet?",
            "conditions",
        ),
    ],
)
def test_facts_the_sources_give_are_not_said_to_be_missing(
    assistant: Assistant, question: str, given: str
) -> None:
    answer = assistant.answer(question)
    assert not answer.gaps and not answer.refused, answer.answer
    assert given in answer.answer


def test_a_followup_asking_whether_it_worked_gets_the_numbers(assistant: Assistant) -> None:
    """ "Did it actually work? any numbers?" is answered from the chunk giving them, though it shares none
    of the question's words (held-out b6-19 got the case study's introduction again)."""
    history = [
        ChatTurn(
            role="user", content="Has any mental health trust turned an old building into a community hub?"
        ),
        ChatTurn(role="assistant", content="Yes. Mersey Care NHS Foundation Trust runs the Life Rooms."),
    ]
    answer = assistant.answer(
        "that sounds great but did it actually work? any numbers, or anything showing it's worth copying?",
        history,
    )
    assert "Southport" in answer.answer or "80,000" in answer.answer, answer.answer


FUND_DOC = (
    front_matter(
        "brookwater-community-fund",
        "The Brookwater Community Fund",
        "Brookwater Water",
        "England",
        "utility",
        "partnerships",
        "2021-01-01",
    )
    + """
# The Brookwater Community Fund

## Who can apply and for what

Non-profit organisations can apply to the Brookwater Community Fund for grants of between £2,000 and £200,000. Projects must support community wellbeing in the Brookwater region.

{filler}

## How decisions are made

Brookwater explains that the beneficiaries of the fund are its customers, so it wants customers to be part of the decisions. An independent panel of customers therefore oversees the Community Fund and makes the final awards.
"""
)


def test_a_sum_and_who_decides_are_both_answered_whoever_asks(tmp_path: Path, embedder: Embedder) -> None:
    """ "small charity in Riverford here - how much…, and who actually decides?": the asker's county before
    the dash is not what the sum is about (held-out b10-18 was told the sources lack it, then quoted it),
    and "who decides" is answered under "How decisions are made" ("decides" and "decisions" stem apart)."""
    assistant = one_document_assistant(
        tmp_path, embedder, "brookwater-community-fund", FUND_DOC.format(filler=FILLER)
    )
    answer = assistant.answer(
        "small charity in Riverford here - how much can we apply to the Brookwater Community Fund for, and "
        "who actually decides?"
    )
    assert not answer.refused and not answer.gaps, answer.answer
    assert "£200,000" in answer.answer
    assert "independent panel of customers" in answer.answer


COUNCIL_FIGURES_DOC = """---
title: "Community wealth building in action"
source_url: https://example.org/harbourtown-council-cwb
publisher: "Harbourtown Council"
doc_type: case_study
nation: England
org_type: local_authority
themes: [procurement]
---

# Community wealth building in action

## Figures

Harbourtown Council reports figures for six partner institutions taken together. Between 2012/13 and 2016/17:

- procurement kept within the town rose by £74 million;
- procurement within the wider county rose by £200 million.
"""


def test_another_document_about_what_the_question_names_is_not_padding(
    tmp_path: Path, embedder: Embedder
) -> None:
    """A direct answer leaves out other documents' passages about little of the question, but not one
    about the organisation the question names: the council's £74m rise beside the briefing's 5% -> 18.2%
    (held-out b8-24)."""
    corpus = tmp_path / "corpus" / "markdown"
    corpus.mkdir(parents=True)
    (corpus / "harbourtown-model.md").write_text(PRESTON_LIKE_DOC, encoding="utf-8")
    (corpus / "harbourtown-council-cwb.md").write_text(COUNCIL_FIGURES_DOC, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", chroma_url=None)
    assert not build_ingestor(settings, embedder=embedder).sync([tmp_path / "corpus"]).failed
    assistant = Assistant(settings, IndexHolder(ChunkStore.from_settings(settings)), embedder)
    answer = assistant.answer(
        "Need a hard number for a board paper: after the Harbourtown anchors changed how they buy, how much "
        "did the share of their spending staying local actually go up?"
    )
    assert "18.2%" in answer.answer and "£74 million" in answer.answer, answer.answer


def chaptered_report(doc_id: str, body: str) -> str:
    """One chapter of a report published as a page of its own, as the Health Foundation's are."""
    header = front_matter(
        doc_id,
        "Building greener wards",
        "Riverside Foundation",
        "England",
        "national_body",
        "estates",
        "2021-08",
    )
    return f"{header}# Building greener wards\n\n{body}\n"


def test_who_wrote_it_is_answered_by_name_when_other_sentences_share_more_of_the_question(
    tmp_path: Path, embedder: Embedder
) -> None:
    """The chapters' summaries give the year and repeat the report's name and publisher, so they share more
    of "who wrote the Riverside Foundation's 'Building greener wards' report, and when" than the sentence
    naming the authors; "published by the Riverside Foundation" names only the publisher (prac-031)."""
    documents = {
        "greener-wards-introduction": chaptered_report(
            "greener-wards-introduction",
            "Building greener wards is a research report published by the Riverside Foundation in August 2021. "
            "It looks at how the NHS can improve health through its jobs and land.\n\n"
            "The report is written by Amara Okafor, Ben Hale, Carys Lloyd and Dev Patel. It thanks the staff "
            "who took part.",
        )
    }
    for n, (name, role) in enumerate(
        [("employer", "an employer of local people"), ("buyer", "a buyer of goods"), ("land", "a landowner")],
        start=2,
    ):
        documents[f"greener-wards-{name}"] = chaptered_report(
            f"greener-wards-{name}",
            f"Chapter {n} of the Riverside Foundation's 2021 report Building greener wards examines the NHS "
            f"as {role}. It asks what wards could do differently.\n\n"
            f"The Riverside Foundation's report Building greener wards came out in 2021 with {n} case "
            f"studies of wards as {role}.",
        )
    assistant = corpus_assistant(tmp_path, embedder, documents)
    answer = assistant.answer(
        "Who actually wrote the Riverside Foundation's 'Building greener wards' report, and when did it "
        "come out? I want to reference it properly."
    )
    assert "Amara Okafor" in answer.answer and "2021" in answer.answer
    assert answer.has_valid_citations()


def test_a_start_question_is_answered_a_little_below_the_refusal_threshold(
    index_settings: Settings, embedder: Embedder
) -> None:
    """What to do first is what the corpus is about: a start question told at length in the asker's words
    shares few terms with any passage, and was refused just under the threshold (fresh-b-08)."""
    question = "What's a sensible first step for a food manufacturer like us on local jobs?"

    def asked(threshold: float, margin: float) -> bool:
        settings = index_settings.model_copy(update={"refusal_threshold": threshold})
        config = DEFAULT_CONFIG.with_overrides({"scope.start_refusal_margin": str(margin)})
        holder = IndexHolder(ChunkStore.from_settings(settings))
        return not Assistant(settings, holder, embedder, config=config).answer(question).refused

    confidence = (
        Assistant(index_settings, IndexHolder(ChunkStore.from_settings(index_settings)), embedder)
        .answer(question)
        .confidence
    )
    assert confidence is not None and asked(confidence, 0.0)
    raised = confidence + DEFAULT_CONFIG.scope.start_refusal_margin / 2
    assert asked(raised, DEFAULT_CONFIG.scope.start_refusal_margin)
    assert not asked(raised, 0.0)


def test_figures_requested_in_a_statement_are_found_where_the_source_gives_them(assistant: Assistant) -> None:
    """The figures are asked for in a sentence ending with a full stop, and the question mark comes later
    on another ask: the figures must still be what the answer is checked for (b12-20 was told the sources
    lack NHS Tayside's staff, spend and estate, then quoted them as 'nearest')."""
    answer = assistant.answer(
        "For a Dundee community planning paper I need NHS Tayside's headline anchor numbers - roughly how "
        "many staff, how much they spend a year on goods and services, and how big their estate is. What "
        "did they publish when they launched the anchor strategy?"
    )
    assert not answer.refused and not answer.gaps
    assert "14,000" in answer.answer and "£333 million" in answer.answer


POLICY_DOC = (
    front_matter(
        "riverside-property-procurement-policy",
        "Sustainable procurement policy",
        "Riverside Property Services",
        "England",
        "national_body",
        "procurement",
        "2023-01",
    )
    + """# Sustainable procurement policy

## Social value

Riverside Property Services (RPS) manages buildings for the NHS. Its tenders for cleaning, facilities management and
maintenance are scored for social value, and bid managers should read the NHS guidance on social value weighting.

From 1 April 2022, the NHS extended the Social Value Model to organisations buying on its behalf. Riverside Property Services therefore describes itself as an in-scope organisation.
"""
)

DEAL_DOC = (
    front_matter(
        "harbour-health-village-approval",
        "Approval for the Harbour Health Village",
        "Harbour News",
        "Wales",
        "local_authority",
        "estates",
        "2021-03",
    )
    + """# Approval for the Harbour Health Village

## Funding

Over the coming years, a £40 million contribution from the Harbour City Deal is to fund the village's skills centre and clinic.

## Impact

The parts of the village funded by the City Deal are projected to create 1,289 jobs.
"""
)


def test_a_figure_the_question_restates_is_not_what_the_answer_must_name(
    tmp_path: Path, embedder: Embedder
) -> None:
    """ "Is the NHS 10% weighting a minimum…, and does it apply to Riverside Property Services?": the
    policy giving the date does not repeat "10%", and it answers (b12-09 was told the sources lack it)."""
    blog = front_matter(
        "nhs-weighting-blog",
        "The NHS mandate",
        "Value Blog",
        "England",
        "national_body",
        "procurement",
        "2022-04",
    )
    weighting = (
        f"{blog}# The NHS mandate\n\nNHS procurements must give social value a minimum weighting of 10% "
        "when tenders are evaluated.\n"
    )
    assistant = corpus_assistant(
        tmp_path,
        embedder,
        {"riverside-property-procurement-policy": POLICY_DOC, "nhs-weighting-blog": weighting},
    )
    answer = assistant.answer(
        "Quick check: is the NHS 10% social value weighting a minimum or a fixed figure, when did it start, "
        "and does it apply to Riverside Property Services tenders as well?"
    )
    assert not answer.gaps and "1 April 2022" in answer.answer


def test_a_money_ask_naming_nothing_but_its_subject_is_answered_from_the_sum(
    tmp_path: Path, embedder: Embedder
) -> None:
    """ "How much of that is City Deal money, and what will it deliver in jobs?": the money ask's only word
    is what a sum is, so the sum needs no other word of the question (b12-16 was told the sources lack the
    £40m, checked against "deliver" and "jobs")."""
    assistant = one_document_assistant(tmp_path, embedder, "harbour-health-village-approval", DEAL_DOC)
    history = [
        ChatTurn(
            role="user", content="Is there a Welsh council building a health village with its health board?"
        ),
        ChatTurn(
            role="assistant", content="Yes - the Harbour Health Village, with a skills centre and clinic."
        ),
    ]
    answer = assistant.answer(
        "How much of that is City Deal money, and what are they saying it'll deliver in jobs?", history
    )
    assert not answer.refused and not answer.gaps
    assert "£40 million" in answer.answer and "1,289 jobs" in answer.answer


def test_whether_it_applies_in_a_nation_is_answered_by_the_passage_limiting_it(assistant: Assistant) -> None:
    """ "Can we apply from Northern Ireland?": the FAQ's "can only be delivered to healthcare sites in
    England, Wales and Scotland" names the other nations, not the one asked about, and opens the answer
    (b12-10 quoted who is eligible and implied a Northern Ireland surgery could apply)."""
    answer = assistant.answer(
        "GP surgery in Co. Down here. One of our partners saw that surgeries can get free tree bundles from "
        "the NHS Forest for their grounds. Can we apply from Northern Ireland?"
    )
    opening = answer.answer.split("\n\n")[0]
    assert "England, Wales and Scotland" in opening


def test_can_we_apply_is_asked_from_where_the_asker_is(assistant: Assistant) -> None:
    """ "Can we apply?" from an asker the portal knows is in Northern Ireland asks whether the scheme
    reaches there, though the question names no nation (fresh-a-21 opened with who the bundles are for and
    left "only … England, Wales and Scotland" to a later bullet)."""
    question = "We saw that the NHS Forest gives free tree bundles to healthcare sites - can we apply?"
    answer = assistant.answer(question, asker=Asker(org_type="primary_care", nation="Northern Ireland"))
    opening = answer.answer.split("\n\n")[0]
    assert "England, Wales and Scotland" in opening, answer.answer
    from assistant.analysis import Question, analyse

    northern_irish = Asker(org_type="primary_care", nation="Northern Ireland")
    assert analyse(Question(question, asker=northern_irish)).nations_at_issue == ("Northern Ireland",)
    about_trees = analyse(Question("What do NHS Forest tree bundles contain?", asker=northern_irish))
    assert about_trees.nations_at_issue == ()


@pytest.mark.parametrize(
    ("names", "question", "asker", "quoted", "not_quoted", "until"),
    [
        # The best-ranked blog's "a good way to begin is to agree an anchor framework or charter" sits in a
        # chunk the pipeline added after the ranked hits: the best documents' advice on how to begin is a
        # first step whichever of their chunks holds it (fresh-i-08 got a charter's Barking Riverside hub).
        (
            [
                "healthcare-leader-anchor-charter-first-step",
                "nel-anchor-charter",
                "nhs-providers-enablers-anchor-working",
                "nhs-leadership-academy-anchor-masterclasses",
            ],
            "ICB population health lead here. We've got four trusts, five councils and plenty of goodwill, "
            "but no shared anchor plan - everyone's doing their own thing. What's the first practical step to "
            "get a system-wide approach going?",
            Asker(role="Population health lead", org_type="integrated_care_system", nation="England"),
            "a good way to begin is to agree an anchor framework or charter",
            None,
            "**Examples like yours**",
        ),
        # Leeds's business anchors guide offers a self-assessment framework in a chunk sharing few of a
        # manufacturer's words; its "why a network" background was the business's first step (fresh-k-11).
        # The best-ranked guide of the asker's kind is quoted for the tool it offers.
        (
            [
                "leeds-business-anchors-progression-framework",
                "nhs-providers-anchor-foreword",
                "kingsfund-anchor-institutions-explainer",
                "c3-mars-local-business-health-partnership",
                "ppp-population-health-in-business",
            ],
            "We're a family-owned manufacturer in Leeds, about 450 staff. Our MD has been reading about "
            "'anchor institutions' and wants us to be one. Is that even a thing for a private company or is "
            "it just NHS/council stuff? And what's the first practical step?",
            Asker(role="HR and sustainability manager", org_type="business", nation="England"),
            "the network offers the Business Anchors Progression Framework",
            "it can be hard to know what inclusive growth means",
            "**Tools and further reading**",
        ),
    ],
    ids=["advice-in-an-added-chunk", "tool-over-background"],
)
def test_a_start_answer_quotes_what_its_best_sources_say_to_do(
    tmp_path: Path,
    embedder: Embedder,
    names: list[str],
    question: str,
    asker: Asker,
    quoted: str,
    not_quoted: str | None,
    until: str,
) -> None:
    answer = corpus_slice_assistant(tmp_path, embedder, names).answer(question, asker=asker)
    steps = answer.answer.split("**First steps**")[1].split(until)[0]
    assert quoted in steps, answer.answer
    assert not_quoted is None or not_quoted not in steps, answer.answer


def test_a_guides_steps_are_quoted_from_its_first_in_its_order(assistant: Assistant) -> None:
    """Preston's spend analysis guide numbers seven steps. A start answer led by one of them quotes the
    guide's first step and its next best ones, in the guide's order (graders: "only two of seven steps,
    in reversed order", fresh-b-24; fresh-d-14 started at step 2)."""
    answer = assistant.answer(
        "I head up procurement at a district council. Members have started saying we should 'spend more "
        "locally, like Preston' but honestly we don't know where our money goes right now, and a fair chunk "
        "of our suppliers are sole traders so the data's patchy. How do we even start?"
    )
    steps = answer.answer.split("**First steps**")[1].split("**Examples like yours**")[0]
    leads = re.findall(r"\*\*([A-Z][^*]+?)\.\*\*", steps)
    guide = [
        "Meet top management",
        "Get help with the set-up",
        "Collect data on the top 300 contracts",
        "Analyse by sector and geography",
        "Compare against a benchmark",
        "Find gaps in the local supply base",
        "Consider what to change",
    ]
    quoted = [lead for lead in leads if lead in guide]
    assert quoted[:1] == ["Meet top management"], answer.answer
    assert len(quoted) >= 3 and quoted == sorted(quoted, key=guide.index), answer.answer


def test_a_rate_asked_for_a_year_no_source_about_it_names_is_not_answered_with_another_years(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Once the corpus named 2026 elsewhere (a Scottish Act of 2026), "what will the rate be for 2026?"
    was answered with a trust's 2023 rate (dev-073, check-032): a year the question is about needs a
    retrieved document naming it together with the rest of what was asked."""
    pay = front_matter(
        "harbour-trust-living-wage",
        "Harbour Trust pays the Real Living Wage",
        "Harbour Trust",
        "England",
        "nhs_trust",
        "workforce",
        "2023-04",
    ) + (
        "# Harbour Trust pays the Real Living Wage\n\n## The new rate\n\nHarbour Trust's hourly rate for "
        "Agenda for Change band 2 porters and cleaners is £10.90 per hour, which took effect from 1 April 2023. "
        "Agenda for Change pay rates would go above this hourly rate if the pay deal was accepted.\n\n"
        + FILLER
    )
    act = front_matter(
        "harbour-act-2026",
        "The Harbour Community Wealth Act 2026",
        "Harbour Parliament",
        "Scotland",
        "national_body",
        "partnerships",
        "2026-02",
    ) + (
        "# The Harbour Community Wealth Act 2026\n\n## What the Act does\n\nThe Act, passed in 2026, requires "
        "each local authority to prepare a community wealth building action plan and to change how it "
        "reports on local spending.\n\n" + FILLER
    )
    assistant = corpus_assistant(tmp_path, embedder, {"pay": pay, "act": act})
    from assistant.analysis import Question, analyse
    from assistant.scope import uncovered_entities

    index = assistant.index.get()
    asked = analyse(Question("What will the hourly rate be for an Agenda for Change band 2 porter in 2026?"))
    assert uncovered_entities(asked, index) == []  # the corpus names 2026 (the Act)
    # Retrieved with the Act, the trust's page is the one naming Agenda for Change, and it never says 2026.
    assert uncovered_entities(asked, index, {"harbour-trust-living-wage", "harbour-act-2026"}) == ["2026"]
    known = analyse(Question("What was the hourly rate for an Agenda for Change band 2 porter in 2023?"))
    assert uncovered_entities(known, index, {"harbour-trust-living-wage", "harbour-act-2026"}) == []


def test_a_case_studys_own_steps_come_before_its_background(tmp_path: Path, embedder: Embedder) -> None:
    """NHS Lothian's "Spot suitable tenders. / Go to the market directly." is how it opened contracts to
    local firms; "many local businesses do not take part in those frameworks" is why. A health board's
    procurement lead asking where to start gets the steps first (graders, b15-01: only the background was
    a first step)."""
    lothian = Path("corpus/markdown/nhs-lothian-anchor-local-spend.md").read_text(encoding="utf-8")
    assistant = one_document_assistant(tmp_path, embedder, "nhs-lothian-anchor-local-spend", lothian)
    answer = assistant.answer(
        "Most of what we buy goes through national frameworks and local firms keep telling us they never get a "
        "look in. Where do we start if we want to open up more of our contracts to local businesses?",
        asker=Asker(role="procurement lead", org_type="health_board", nation="Scotland"),
    )
    steps = answer.answer.split("**First steps**")[1].split("\n\n**")[0]
    assert "Spot suitable tenders" in steps and "Go to the market directly" in steps, answer.answer


SPEAKER_DOC = (
    front_matter(
        "harbour-board-anchor-pledge",
        "Harbour Health Board pledges to act as an anchor",
        "Harbour Health Board",
        "Scotland",
        "health_board",
        "leadership",
        "2024",
    )
    + "\n# Harbour Health Board pledges to act as an anchor\n\n"
    "## The pledge\n\nHarbour Health Board has pledged to use its jobs, spending and buildings to tackle "
    "inequalities in the towns it serves. Morag Lindsay, consultant in public health at Harbour Health Board, "
    "presented the pledge to the board in March.\n\n"
    "{filler}\n\n"
    "## What anchor decisions can do\n\nAccording to Ms Lindsay, anchor decisions on recruitment and "
    "purchasing can:\n\n- bring more local people into stable jobs;\n- keep more of the board's spending with "
    "local suppliers;\n- open the board's buildings to community groups.\n"
)


def test_a_person_called_by_surname_is_said_who_they_are(tmp_path: Path, embedder: Embedder) -> None:
    """ "According to Ms Lindsay, anchor decisions can:" quoted without the chunk introducing her left
    readers asking who she is (graders: NHS Lanarkshire's "Ms Russell"); the label says who, in the
    document's own words, once."""
    assistant = one_document_assistant(
        tmp_path, embedder, "harbour-board-anchor-pledge", SPEAKER_DOC.format(filler=FILLER)
    )
    answer = assistant.answer("What can anchor decisions on recruitment and purchasing do?", top_k=1)
    assert "According to Ms Lindsay" in answer.answer, answer.answer
    assert answer.answer.count("Morag Lindsay, consultant in public health at Harbour Health Board") == 1
    from evals.metrics import answer_defects

    assert "unintroduced_person" not in answer_defects(answer.answer)


def test_examples_from_places_the_asker_already_has_are_not_offered_again(
    tmp_path: Path, embedder: Embedder
) -> None:
    """ "Every anchor example I get sent is from Leeds or Birmingham. Is there anything from coastal
    places like ours?" asks for anywhere else: Blackpool's and Northumbria's coastal work, not Sandwell and
    West Birmingham's again (fresh-a-18 was offered it beside Blackpool)."""
    from assistant.analysis import Question, analyse

    names = [
        "health-foundation-anchoring-on-the-coast",
        "haln-northumbria-community-promise-apprenticeships",
        "cles-sandwell-west-birmingham-hospitals",
    ]
    documents = {name: (CORPUS_MARKDOWN / f"{name}.md").read_text(encoding="utf-8") for name in names}
    assistant = corpus_assistant(tmp_path, embedder, documents)
    question = (
        "Non-exec director at a hospital trust in a seaside town: seasonal jobs, lots of older residents, "
        "poor transport. Every anchor example I get sent is from Leeds or Birmingham. Is there anything "
        "from coastal places like ours?"
    )
    analysis = analyse(Question(question))
    assert analysis.seen_already == (frozenset({"leed"}), frozenset({"birmingham"}))
    assert not any("birmingham" in subject for subject in analysis.subjects)
    answer = assistant.answer(question)
    assert "Blackpool" in answer.answer and "Northumbria" in answer.answer, answer.answer
    assert "Sandwell" not in answer.answer and "Birmingham" not in answer.answer, answer.answer


def test_first_steps_are_advice_and_context_beside_them_is_labelled_so(assistant: Assistant) -> None:
    """Beside a source's advice ("Six ways anchors can make a difference"), a passage that only reports
    ("strong partnership working was essential… The partners named are:") goes under "Worth knowing", not
    "First steps" (graders: first steps that aren't steps)."""
    answer = assistant.answer("How do we start an anchor network with partners?")
    assert not answer.refused
    steps, _, rest = answer.answer.partition("**First steps**")[2].partition("**Worth knowing**")
    assert "Six ways anchors can make a difference" in steps, answer.answer
    assert "partners named are" in rest.split("**Examples")[0], answer.answer
    assert "partners named are" not in steps, answer.answer
