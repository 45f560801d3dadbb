"""Small pure pieces: asker profile, follow-up condensing, citation parsing, evidence label, staleness."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from assistant import cues
from assistant.analysis import Question, analyse, asking_part, needs_history, read_asker, resolve_followup
from assistant.compose import Candidate, ExtractiveComposer
from assistant.config import DEFAULT_CONFIG
from assistant.draft import Claim, parse_cited_sentences
from assistant.evidence import evidence_label, staleness_warnings
from assistant.llm import parse_answer
from assistant.retrieval import Hit
from assistant.scope import _subject_phrase
from assistant.sources import RetrievedSource
from assistant.text import tokens
from assistant.units import Unit, units_of
from core.schemas import Asker, ChatTurn, Citation


def a_source(
    doc: str,
    doc_type: str = "case_study",
    org_type: str = "nhs_trust",
    nation: str = "England",
    title: str | None = None,
    publisher: str | None = None,
    text: str = "",
) -> RetrievedSource:
    """A retrieved source with the metadata the composer reads, for composer tests without an index."""
    meta = {
        "doc_id": doc,
        "doc_type": doc_type,
        "org_type": org_type,
        "nation": nation,
        "title": title or doc.title(),
        "publisher": publisher or doc.title(),
        "source_url": f"https://example.org/{doc}",
    }
    return RetrievedSource(0, Hit(0, 1.0, 0.5, 1.0, 0, 0), f"{doc}#0", text, meta)


def listed(lead_in: str, *items: str) -> Unit:
    """A list unit with this lead-in and these items."""
    return units_of(f"{lead_in}:\n\n" + "\n".join(f"- {item};" for item in items))[0]


def direct_answer(docs: tuple[str, ...], candidates: list[Candidate]) -> list[str]:
    """The passages a direct answer to "What do the guides list?" quotes from these candidates, in order."""
    sources = [a_source(d, doc_type="guide") for d in docs]
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    draft = composer._direct(analyse(Question("What do the guides list?")), sources, candidates)
    return [c.text for c in draft.claims()]


@dataclass
class ChunkUnits:
    """What the composer reads of a source's chunk beyond its candidates (a guide's other steps): here,
    each source's candidates, by the source's row."""

    by_row: dict[int, list[Unit]]

    def units(self, row: int) -> list[Unit]:
        return self.by_row.get(row, [])


def first_steps(
    question: str, asker: Asker, sources: list[RetrievedSource], candidates: list[Candidate]
) -> list[Claim]:
    """The First steps of a start answer composed from these candidates (no index needed)."""
    sources = [replace(source, row=position) for position, source in enumerate(sources)]
    chunks = ChunkUnits({p: [c.unit for c in candidates if c.position == p] for p in range(len(sources))})
    composer = ExtractiveComposer(chunks, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    draft = composer._where_to_start(analyse(Question(question, asker=asker)), sources, candidates)
    return next(b for b in draft.blocks if b.heading == "First steps").claims


def test_asker_is_read_from_self_description_only() -> None:
    p = read_asker("I'm an estates manager at a district general hospital, where do I start?", None, True)
    assert "nhs_trust" in p.org_types and "estates" in p.themes
    council = read_asker("I work for a council in Wales and want to buy more locally", None, False)
    assert council.org_types[0] == "local_authority" and "procurement" in council.themes
    assert council.nations == ("Wales",)
    # Partners named in the question are not the asker (issue 13, finding 4).
    partner = read_asker(
        "We're a small charity and we run sessions with the hospital. Where do we start?", None, True
    )
    assert partner.org_types == ("vcse",)
    assert read_asker("our council partners want to know where to start", None, True).org_types == ()
    for text, org in (
        ("I'm the vicar of a church in Leeds, where do we even start?", "vcse"),
        ("I manage a PCN in Cardiff", "primary_care"),
        ("I work at an HSC trust in Belfast", "health_board"),
        ("I'm on the board of a university health board", "health_board"),
        ("we're a housing association", "housing"),
    ):
        assert read_asker(text, None, True).org_types[:1] == (org,), text
    assert read_asker("Can you tell us about it?", None, False).nations == ()  # "us" is not the USA


def test_caller_asker_wins_and_role_gives_themes() -> None:
    p = read_asker(
        "Where do I start?", Asker(role="procurement lead", org_type="university", nation="Scotland"), True
    )
    assert p.org_types == ("university",) and p.nations == ("Scotland",) and "procurement" in p.themes
    # The caller's organisation type is the asker's: a council named in the question does not join it
    # (fresh-b-08, a food manufacturer whose MD "went to a council breakfast", got council material).
    firm = read_asker(
        "I'm HR director for a food manufacturer. Our MD went to a council breakfast about business "
        "anchors. What's a sensible first step for a firm like us?",
        Asker(org_type="business"),
        True,
    )
    assert firm.org_types == ("business",)


def test_intents() -> None:
    for text in (
        "where do we even start",
        "what's the first thing we should actually do about our estate?",
        "how do we actually start?",
        "How can a church get involved in anchor work?",
        # Asked with a word between "first" and "step" (b12-11).
        "Is that even a thing for a private company? And what's the first practical step?",
    ):
        assert analyse(Question(text)).intent == "start", text
    # Reporting that nobody knew the first step asks what others did, not for steps (fresh-b-10).
    reported = (
        "Nobody could say what the first concrete step is. What have other systems actually done first?"
    )
    assert analyse(Question(reported)).intent != "start"
    assert analyse(Question("What is an anchor institution?")).intent == "definition"
    # How others did it asks for examples (held-out b3-10).
    assert (
        analyse(Question("Has any health board done this, and how did they set it up?")).intent == "examples"
    )
    assert analyse(Question("What are the five pillars of community wealth building?")).intent == "list"
    assert analyse(Question("How many trees did the NHS Forest plant in 2020-21?")).intent == "figure"
    assert analyse(Question("Who wrote the Preston briefing and when?")).intent == "who_when"


def test_fact_questions_about_a_nation_name_it_as_subject() -> None:
    a = analyse(Question("What's the minimum social value weighting for NHS procurement in Scotland?"))
    assert a.fact is not None and a.subject_nations == ("Scotland",)
    assert analyse(Question("What dose of sevoflurane is used for induction?")).clinical
    assert analyse(Question("What's the dosing for desflurane in a patient with asthma?")).clinical
    assert analyse(Question("Where do I start with social prescribing in our GP practice?")).clinical is None


def test_followups_resolve_but_self_contained_questions_do_not() -> None:
    history = (
        ChatTurn(role="user", content="How did Northumbria set up its health care academy?"),
        ChatTurn(role="assistant", content="It is a **workforce partnership** [1]."),
    )
    standalone, is_followup, previous = resolve_followup("What did they learn?", history)
    assert is_followup and "Northumbria" in standalone and "[1]" not in standalone
    assert previous.startswith("It is a")
    assert not needs_history("What is an anchor institution?")
    assert resolve_followup("What is an anchor institution?", history)[0] == "What is an anchor institution?"
    followup = analyse(Question("What did they learn?", history))
    assert followup.aspects == ("lessons",) and followup.is_followup


def test_already_done_steps_are_recognised() -> None:
    a = analyse(Question("We've already signed the anchor charter. What should we do next?"))
    assert a.already_done and any({"sign", "charter"} <= set(done) for done in a.already_done)


def test_units_stand_alone() -> None:
    text = "\n".join(
        [
            "Written by Jane Smith, 3 May 2022.",
            "This case study looks at how the trust began.",
            "The trust pays the Real Living Wage to all staff. It will pay it to contractors from 2024.",
            "It also runs open days for local people.",
            "Have you joined the network?",
            "The Q&A sets out six broad ways in which an anchor can act:",
            "",
            "1. Quality work.",
            "2. Local spending.",
            "3. Buildings and **spaces**.",
            "The guide then sets its steps out one by one for each anchor.",
            "1. Meet top management. Start by meeting the senior leaders of each anchor institution individually.",
        ]
    )
    units = units_of(text, "Six ways an anchor can act")
    texts = [u.text for u in units]
    assert (
        texts[0]
        == "The trust pays the Real Living Wage to all staff. It will pay it to contractors from 2024."
    )
    assert not any("Written by" in t or "looks at" in t or t.endswith("?") for t in texts)
    assert not any(t.startswith("It also") for t in texts)  # a fragment on its own line
    lists = [u for u in units if u.kind == "list"]
    assert lists and lists[0].items == ("Quality work.", "Local spending.", "Buildings and spaces.")
    step = next(u for u in units if u.kind == "step")
    assert step.lead == "Meet top management." and step.text.startswith("Start by meeting")
    assert units_of("Speak to your chief executive about the plan for next year.", "Who to involve") == []


def test_citation_parsing_drops_markers_outside_the_sources() -> None:
    claims = parse_cited_sentences(
        "Trees are free [1]. Gardens help [2][7]. Nothing cited here.", n_sources=2
    )
    assert [c.text for c in claims] == ["Trees are free.", "Gardens help.", "Nothing cited here."]
    assert [c.sources for c in claims] == [[0], [1], []]
    grouped = parse_cited_sentences("Both say so [1, 2].", n_sources=2)
    assert grouped[0].sources == [0, 1]


def test_llm_output_is_parsed_into_blocks() -> None:
    text = "**First steps**\n- Map your spend [1].\n- Talk to suppliers [2].\n\n**Examples like yours**\n- Leeds did it [3]."
    draft = parse_answer(text, n_sources=3)
    assert [b.heading for b in draft.blocks] == ["First steps", "Examples like yours"]
    assert [c.sources for c in draft.blocks[0].claims] == [[0], [1]]


def _citation(n: int, doc_type: str, org: str, date: str | None, snippet: str = "text") -> Citation:
    return Citation(
        n=n,
        chunk_id=f"c{n}",
        doc_id=f"d{n}",
        title=f"T{n}",
        source_url=f"https://x/{n}",
        publisher="P",
        doc_type=doc_type,
        org_type=org,
        nation="England",
        date=date,
        snippet=snippet,
        score=0.1,
    )


def test_evidence_label() -> None:
    label = evidence_label(
        [
            _citation(1, "case_study", "nhs_trust", "2022-05"),
            _citation(2, "case_study", "nhs_trust", "2023"),
            _citation(3, "toolkit", "national_body", None),
        ]
    )
    assert label == "Based on 2 case studies (NHS trusts, 2022–2023) and 1 toolkit (national body)."
    assert evidence_label([]) == ""


def test_staleness_needs_an_old_date_and_an_old_term() -> None:
    old = _citation(1, "report", "nhs_trust", "2021-01", "The clinical commissioning group agreed.")
    new = _citation(2, "report", "nhs_trust", "2023-01", "The clinical commissioning group agreed.")
    unrelated = _citation(3, "report", "nhs_trust", "2019", "Nothing about commissioning here.")
    warnings = staleness_warnings([old, new, unrelated], {})
    assert len(warnings) == 1 and warnings[0].startswith("[1]")


def test_figure_questions_are_recognised() -> None:
    from assistant.cues import FIGURE_QUESTION

    for question in (
        "How many apprentices does the trust employ?",
        "What hourly rate does Northumbria pay its apprentices?",
        "What social return on investment figure has the co-op achieved?",
        "By what year must the NHS reach net zero?",
    ):
        assert FIGURE_QUESTION.search(question), question
    for question in ("What does a good anchor look like?", "Which networks could we join?"):
        assert not FIGURE_QUESTION.search(question), question


def test_sentences_about_the_document_are_marked_and_links_never_quoted() -> None:
    units = units_of(
        "The report is written by Amara Okafor and Tom Bell.\n"
        "The partners found that 41% of spend stayed local.\n"
        "See the full report at https://example.org/report."
    )
    about = [u for u in units if u.about_document]
    assert [u.text for u in about] == ["The report is written by Amara Okafor and Tom Bell."]
    assert not any("https://" in u.text for u in units)
    assert any(not u.about_document and "41%" in u.text for u in units)


def test_who_and_when_questions_ask_both_and_quoted_phrases_are_kept() -> None:
    analysis = analyse(Question("Who wrote the 'Building healthier communities' report, and when?"))
    assert set(analysis.fact_kinds) == {"who", "when"} and analysis.authorship
    assert analysis.phrases == ("building healthier communities",)
    fair = analyse(Question("Our papers keep saying 'fair work'. What do they actually mean by that?"))
    assert fair.intent == "definition" and "work" in fair.topic_terms
    # A question opening "When X did Y, what…" asks what, not when.
    audit = analyse(Question("When King's College Hospital audited its gas, what did it find?"))
    assert "when" not in audit.fact_kinds


def test_a_figure_question_keeps_what_the_figure_is_and_drops_its_own_words() -> None:
    weighting = analyse(Question("What weighting does Manchester City Council give social value in tenders?"))
    assert "weight" in weighting.facts_asked
    leaks = analyse(Question("According to the anchor report, how much money leaks out of Leeds?"))
    assert "accord" not in leaks.facts_asked and "leak" in leaks.facts_asked


def test_a_lead_in_keeps_its_content_but_not_its_framing() -> None:
    units = units_of("The Charter has three tiers. The page describes the first two:\n- Supporter\n- Member")
    assert [(u.text, u.items) for u in units] == [("The Charter has three tiers.", ("Supporter", "Member"))]


def test_a_figure_is_a_number_not_a_date_or_a_name() -> None:
    from assistant.scope import has_figure

    assert has_figure("about £9.1bn") and has_figure("50% of the budget") and has_figure("27 homes")
    assert not has_figure("after the COVID-19 pandemic, on 20 October 2021")


def test_a_long_title_is_shortened_to_its_main_part_never_cut() -> None:
    from assistant.compose import short_title

    long = (
        "Sandwell and West Birmingham Hospitals NHS Trust (CLES community wealth building in practice, 2024)"
    )
    assert short_title(long) == "Sandwell and West Birmingham Hospitals NHS Trust"
    assert short_title("x" * 200) == ""
    # The part before a colon labels only when it names something (graders, check-017: "What works:").
    tail = ": a brief reviewing how health care organisations act as anchors" + " at length" * 5
    assert short_title("What works" + tail) == ""
    assert short_title("Our CWB journey" + tail) == "Our CWB journey"


def test_a_list_whose_lead_in_leans_back_is_introduced_by_its_section() -> None:
    units = units_of("It focuses on three areas:\n- learning\n- support\n- projects", "Three areas of focus")
    assert [(u.text, u.items) for u in units] == [
        ("Three areas of focus:", ("learning", "support", "projects"))
    ]
    # A heading that does not name what the lead-in did would misstate the items: not quoted (graders:
    # "Why the Academy was set up:" over what it offers; "Background:" over a list of reports).
    assert units_of("It offers three things:\n- learning\n- support\n- projects", "Why it was set up") == []


def test_a_story_like_start_question_is_also_searched_by_what_it_is_about() -> None:
    story = analyse(
        Question(
            "We're an acute trust in a pretty deprived area and hardly any of our band 2 and 3 starters "
            "actually live locally. What's the first thing we should do to change that?"
        )
    )
    assert story.intent == "start"
    assert "local recruitment" in story.theme_query and story.theme_query.startswith("We're an acute trust")
    assert "recruit" in story.theme_terms and "recruit" not in story.topic_terms
    # A plain question is searched as asked.
    plain = analyse(Question("Where do I start with inclusive recruitment?"))
    assert plain.theme_query == "" and plain.theme_terms == ()


def test_a_deadline_is_a_date_to_be_done_by() -> None:
    from assistant.scope import gives_fact

    deadline = analyse(Question("Where do I start with our fleet, and what deadline are we working to?"))
    assert deadline.fact == "when" and deadline.deadline
    by_2027 = (
        "All new vehicles owned or leased by the NHS, except ambulances, are to be zero emission by 2027."
    )
    planting = "It planned to plant its 1,000 trees across four of its hospital sites at the end of March."
    assert gives_fact(by_2027, "when", deadline)
    assert not gives_fact(planting, "when", deadline)
    # Any date answers a plain "when".
    when = analyse(Question("When did the trust plant its trees?"))
    assert not when.deadline and gives_fact(planting, "when", when)


def test_a_figure_question_asking_two_figures_takes_either_when_ranking() -> None:
    from assistant.scope import gives_fact

    both = analyse(
        Question("Roughly how much does the health board spend a year, and how many people does it serve?")
    )
    spend = "In revenue terms, the health board spends in the order of £1bn a year."
    assert both.figure == "count" and not gives_fact(spend, "figure", both)
    assert gives_fact(spend, "figure", both, exact_figure=False)


def test_a_sentence_announcing_a_publication_is_about_the_document() -> None:
    units = units_of(
        "NHS Providers published a report called Being an anchor institution that gathers case studies.\n\n"
        "Trusts that succeeded explained how anchor work fits the organisation's strategic objectives."
    )
    about = [u.text for u in units if u.about_document]
    assert about == [
        "NHS Providers published a report called Being an anchor institution that gathers case studies."
    ]
    assert any(not u.about_document and "strategic objectives" in u.text for u in units)


def test_the_trust_a_passage_means_is_named_in_its_label() -> None:
    from assistant import cues

    names = cues.ORGANISATION_NAMES
    said = "One of them, Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust (CNTW), planted trees."
    assert (
        names["trust"].search(said).group(0) == "Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust"
    )  # type: ignore[union-attr]
    title = "Our Community Promise: leveraging the power of apprenticeships in Northumbria Healthcare NHS Foundation Trust"
    assert names["trust"].search(title).group(0) == "Northumbria Healthcare NHS Foundation Trust"  # type: ignore[union-attr]
    assert (
        names["council"].search("In May 2020 North Ayrshire Council launched it").group(0)
        == "North Ayrshire Council"
    )  # type: ignore[union-attr]
    assert names["university"].search("The University of Central Lancashire's campus").group(0) == (  # type: ignore[union-attr]
        "University of Central Lancashire"
    )
    assert names["trust"].search("The Trust said so.") is None
    assert names["network"].search("The Leeds Anchor Network was formed in 2018.").group(0) == (  # type: ignore[union-attr]
        "Leeds Anchor Network"
    )
    assert names["partnership"].search("Cheshire and Merseyside Health and Care Partnership set up").group(
        0
    ) == (  # type: ignore[union-attr]
        "Cheshire and Merseyside Health and Care Partnership"
    )


def test_a_sentence_leaning_on_the_one_before_is_not_quoted_alone() -> None:
    units = units_of(
        "Alongside that informal community life there are formal voluntary organisations.\n\n"
        "Beyond this, the council funds a small grants scheme."
    )
    assert not any(u.text.startswith(("Alongside that", "Beyond this")) for u in units)
    # "Through its … programme, it set out…" is about whoever the sentence before named (prac-040).
    units = units_of(
        "West Yorkshire Health and Care Partnership is the integrated care system for West Yorkshire. "
        "Through its Mental Health, Learning Disability and Autism (MHLDA) programme, it set out to make "
        "the workforce more diverse."
    )
    assert len(units) == 1 and units[0].text.startswith("West Yorkshire Health and Care Partnership")
    # A sentence naming its own subject is not leaning back.
    assert len(units_of("When the council published its strategy, it said so. Hackney signed.")) == 2


def test_a_digest_does_not_repeat_what_the_prose_beside_it_says() -> None:

    digest = units_of(
        "- Partnership between the charity St Basils and Sandwell and West Birmingham Hospitals NHS Trust.\n"
        "- Building refurbished at cost by Keepmoat; brought back into use with Empty Homes funding.\n"
        "- Opened to young people in 2015.",
        section="Key facts",
    )[0]
    assert digest.headed
    prose = units_of(
        "The scheme is a partnership between St Basils, the youth homelessness charity, and Sandwell and "
        "West Birmingham Hospitals NHS Trust."
    )[0]
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    lead, rest = composer._without_repeated_items(
        Candidate(digest, 0, 1.0, "doc"), [Candidate(prose, 0, 0.9, "doc")]
    )
    assert lead.unit.items == (
        "Building refurbished at cost by Keepmoat; brought back into use with Empty Homes funding.",
        "Opened to young people in 2015.",
    )
    assert rest[0].unit is prose


def test_a_digest_quoted_beside_the_answer_keeps_only_its_facts_about_the_question() -> None:
    from assistant.compose import LEFT_OUT

    digest = units_of(
        "- Run by Blackpool Teaching Hospitals NHS Foundation Trust with Health Foundation funding.\n"
        "- Ran from January 2022 to January 2023.\n"
        "- The Fylde Coast comprises Blackpool, Fylde and Wyre.\n"
        "- Four community researchers worked with the trust's research team.\n"
        "- Coastal communities face different challenges from urban ones.",
        section="Key facts at a glance",
    )[0]
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    terms = ("fyld", "coast", "coastal")  # stemmed, as QueryAnalysis.topic_terms are
    aside = composer._claim(
        Candidate(digest, 0, 1.0, "doc"), "About Anchoring on the Coast", terms, aside=True
    )
    # The facts kept stand alone: no "… (3 more in the source)" line, which graders read as debris.
    assert aside.items == [
        "The Fylde Coast comprises Blackpool, Fylde and Wyre.",
        "Coastal communities face different challenges from urban ones.",
    ]
    # A list under a heading that is not a digest's ("Who took part") is a set: its count stays.
    members = replace(digest, text="Who took part:")
    listed_aside = composer._claim(Candidate(members, 0, 1.0, "doc"), "About it", terms, aside=True)
    assert listed_aside.items[-1] == LEFT_OUT.format(n=3)
    # Quoted as the answer itself, the digest is whole (what it says may be the answer).
    assert len(composer._claim(Candidate(digest, 0, 1.0, "doc"), None, terms).items) == 5


def test_a_direct_answer_puts_the_better_documents_passages_first() -> None:
    """Not the better-ranked source's weaker passage before a stronger one ("buried last", graders)."""
    candidates = [
        Candidate(listed("The opening passage lists", "apprentices", "bursaries"), 0, 1.0, "opening", 0.5),
        Candidate(listed("A weaker passage lists", "gardens", "benches"), 1, 0.5, "ranked", 0.5),
        Candidate(listed("A stronger passage lists", "suppliers", "contracts"), 2, 0.9, "stronger", 0.5),
    ]
    assert direct_answer(("opening", "ranked", "stronger"), candidates) == [
        "The opening passage lists:",
        "A stronger passage lists:",
        "A weaker passage lists:",
    ]


def test_the_first_example_says_how_as_well_as_what() -> None:

    what, how, also = (
        units_of(text)[0]
        for text in (
            "Aneurin Bevan University Health Board wants local small firms to look after 77 properties.",
            "Firms that want the contracts apply for a place on its new Minor Works Framework.",
            "Ayrshire and Arran publishes its contract pipeline so that local builders can plan their bids.",
        )
    )
    sources = [a_source(d, "news", "health_board", "Wales") for d in ("abuhb", "ayrshire")]
    candidates = [
        Candidate(how, 0, 0.8, "abuhb", 0.3),
        Candidate(what, 0, 0.9, "abuhb", 0.3),
        Candidate(also, 1, 0.7, "ayrshire", 0.3),
    ]
    analysis = analyse(Question("Has any health board opened its minor works to local builders?"))
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    plain = composer._examples(analysis, sources, candidates, set(), limit=2)
    assert [c.text for c in plain] == [what.text, also.text]
    detailed = composer._examples(analysis, sources, candidates, set(), limit=2, detail=1)
    assert [c.text for c in detailed] == [what.text, how.text, also.text]


def test_a_start_answer_takes_an_example_like_the_askers_at_a_lower_bar() -> None:

    best = units_of("Boards that succeeded tied anchor work to the trust's strategic objectives.")[0]
    acute = units_of("Blackpool's acute trust built its anchor framework with four community researchers.")[0]
    council = units_of("Preston City Council mapped where its top 300 contracts were spent locally.")[0]
    sources = [
        a_source("guide", "guide", "national_body"),
        a_source("blackpool", org_type="nhs_trust"),
        a_source("preston", org_type="local_authority"),
    ]
    candidates = [
        Candidate(best, 0, 1.0, "guide", 0.5),
        Candidate(acute, 1, 0.6, "blackpool", 0.12),
        Candidate(council, 2, 0.6, "preston", 0.12),
    ]
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    start = analyse(
        Question("Where should a board start?", asker=Asker(org_type="nhs_trust", nation="England"))
    )
    assert [c.text for c in composer._examples(start, sources, candidates, set(), limit=3)] == [acute.text]
    # Asked for examples, the question says what of: the bar stays.
    examples = analyse(
        Question(
            "Are there examples of boards doing this?", asker=Asker(org_type="nhs_trust", nation="England")
        )
    )
    assert composer._examples(examples, sources, candidates, set(), limit=3) == []


def test_these_and_a_noun_not_named_before_lean_back() -> None:
    from assistant.units import _points_back_inside

    assert _points_back_inside("Public Policy Projects suggests that these leaders develop frameworks.")
    assert not _points_back_inside("The council works with those who are furthest from work.")
    assert not _points_back_inside("The trust set up three hubs; these hubs opened in 2020.")


def test_sentences_about_posting_or_featuring_the_document_are_about_the_document() -> None:
    for text in (
        "The blog starts from the Health Foundation's report Building healthier communities.",
        "The Co-operative Councils' Innovation Network posted this case study on 25 March 2021.",
        "CLES features Sandwell and West Birmingham Hospitals NHS Trust in its series on community wealth.",
    ):
        assert all(u.about_document for u in units_of(text)), text


def test_a_list_under_a_key_facts_heading_is_a_digest_whatever_its_framing_line() -> None:
    items = "\n\n- Church land: about 6,000 acres.\n- Assets: £8.7bn.\n- Homes: eight million affected."
    framed = units_of("These are the main facts in the i's report:" + items, section="Key facts at a glance")
    assert framed and framed[0].headed and framed[0].text == "Key facts at a glance:"
    ways = units_of("It names six ways:" + items, section="Six ways anchors can make a difference")
    assert ways and not ways[0].headed
    # A lead-in that is itself a digest's heading (prac-002's first step was a programme's statistics).
    figures = units_of("Headline figures reported for the programme:" + items)
    assert figures and figures[0].headed


def test_a_start_answer_gives_the_best_guides_own_first_steps_not_its_introduction() -> None:

    intro, meet, collect = units_of(
        "Preston City Council is known for the Preston Model, and its guide sets out how other places can "
        "carry out a spend analysis.\n\n"
        "1. Meet top management. Start by meeting the senior leaders of each anchor institution individually.\n"
        "2. Collect data on the top 300 contracts. Ask each anchor to identify its top 300 contracts by value."
    )
    sources = [a_source("preston", "guide", "local_authority")]
    # The introduction holds most of the question's words; the steps hold little of a long question.
    candidates = [
        Candidate(intro, 0, 1.4, "preston", 0.25),
        Candidate(meet, 0, 1.0, "preston", 0.08),
        Candidate(collect, 0, 1.2, "preston", 0.17),
    ]
    steps = first_steps(
        "I head up procurement at a district council and we don't know where our money goes. "
        "How do we even start on a spend analysis?",
        Asker(org_type="local_authority", nation="England"),
        sources,
        candidates,
    )
    assert [c.lead for c in steps[:2]] == ["Meet top management.", "Collect data on the top 300 contracts."]


def test_advice_on_how_to_begin_leads_a_guides_steps_unless_from_another_nation() -> None:
    """ "A good way to begin is to agree an anchor framework or charter" came third, after the NEL charter's
    priority areas, for an ICB chief executive asking for a first step (graders, b15-10). Said of another
    nation than the asker's, it does not go before the asker's own nation's guide."""
    procure, land = units_of(
        "1. Procurement for social value. Partners are matching social value measures to local health needs.\n"
        "2. Getting the most value from buildings and land. An example is the hub at Barking Riverside."
    )
    begin = units_of(
        "For many ICSs, the article suggests, a good way to begin is to agree an anchor framework or charter."
    )[0]

    def leading(begin_nation: str, asker_nation: str) -> str:
        sources = [
            a_source("charter", "guide", "integrated_care_system", asker_nation),
            a_source("blog", "blog", "integrated_care_system", begin_nation),
        ]
        candidates = [
            Candidate(procure, 0, 2.0, "charter", 0.3),
            Candidate(land, 0, 1.8, "charter", 0.3),
            Candidate(begin, 1, 1.0, "blog", 0.2),
        ]
        question = "Nothing joins up across our trusts and councils. What's a sensible first step to work as an anchor system?"
        return first_steps(
            question, Asker(org_type="integrated_care_system", nation=asker_nation), sources, candidates
        )[0].text

    assert "a good way to begin" in leading("England", "England")
    assert "a good way to begin" not in leading("England", "Wales")


def test_a_start_answer_takes_the_first_ranked_sources_advice_when_no_words_are_shared() -> None:

    advice = units_of("For many ICSs, a good way to begin is to agree an anchor framework or charter.")[0]
    context = units_of("Eleven members across the region meet every quarter to share their plans.")[0]
    sources = [a_source("charter-blog", "blog", "integrated_care_system"), a_source("members", "news")]
    # The advice shares only "anchor" with the long question; a passage of context shares more.
    candidates = [Candidate(advice, 0, 0.8, "charter-blog", 0.02), Candidate(context, 1, 0.7, "members", 0.3)]
    steps = first_steps(
        "Every partner - trusts, councils, the uni - has its own social value policy. The ICP wants an "
        "anchor approach across the system. What's a realistic first step?",
        Asker(org_type="integrated_care_system", nation="England"),
        sources,
        candidates,
    )
    assert [c.text for c in steps] == [advice.text]


def test_advice_on_how_to_begin_leads_the_first_steps_of_the_source_that_gives_it() -> None:
    """The best-ranked source says how to begin and gives a theme sharing more of the question: both are
    steps, the advice on how to begin first, as the source orders them (held-out b4-09)."""

    text = (
        "For many ICSs, a good way to begin is to agree an anchor framework or charter.\n\n"
        "The first theme is clarity and capacity. Before drafting anything, a system should define what "
        "an anchor framework means for its partners and their social value policies."
    )
    begin, theme = [u for u in units_of(text) if u.kind == "sentences"][:2]
    sources = [a_source("charter-blog", "blog", "integrated_care_system")]
    candidates = [
        Candidate(theme, 0, 0.81, "charter-blog", 0.05),
        Candidate(begin, 0, 0.77, "charter-blog", 0.02),
    ]
    steps = first_steps(
        "Every partner has its own social value policy. The ICP wants an anchor approach across the "
        "system. What's a realistic first step?",
        Asker(org_type="integrated_care_system", nation="England"),
        sources,
        candidates,
    )
    assert [c.text for c in steps] == [begin.text, theme.text]


def test_one_case_study_is_not_a_set_of_examples() -> None:

    def listed(lead_in: str, *items: str) -> Unit:
        return units_of(f"{lead_in}:\n\n" + "\n".join(f"- {item};" for item in items))[0]

    sources = [a_source("network", "guide", "business"), a_source("pilot", org_type="business")]
    candidates = [
        Candidate(
            listed("Businesses as anchors can", "recruit locally", "buy locally"), 0, 1.0, "network", 0.5
        ),
        Candidate(
            listed("Why the companies took part", "business interest", "local ties"), 1, 0.9, "pilot", 0.5
        ),
    ]
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    asked = analyse(Question("Are there examples of businesses like us doing this?"))
    draft = composer._examples_first(asked, sources, candidates)
    assert not any(b.heading == "Examples like yours" for b in draft.blocks)
    assert [c.text for c in draft.claims()] == ["Businesses as anchors can:", "Why the companies took part:"]


def test_a_list_under_its_own_lead_in_keeps_the_items_it_promises() -> None:
    """ "…delivered through three elements:" shows three, though the prose beside it uses their words
    (graders, prac-041: "says three elements and shows only one")."""

    listed = units_of(
        "The council says the project is delivered through three elements that are linked to one another:\n\n"
        "- Community Wealth Building locality officers;\n- a Community Wealth Building fund;\n"
        "- Fair Work Ayrshire."
    )[0]
    prose = units_of("The council presents it as an example of how community wealth building can work.")[0]
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    _, rest = composer._without_repeated_items(
        Candidate(prose, 0, 1.0, "doc"), [Candidate(listed, 0, 0.9, "doc")]
    )
    assert len(rest[0].unit.items) == 3


def test_an_opening_and_the_bullet_after_it_from_one_source_are_labelled_once() -> None:
    from assistant.draft import Block, Claim, Draft, render

    source = a_source(
        "abuhb",
        "news",
        "health_board",
        "Wales",
        "Welsh health board calls on local firms",
        "ABUHB",
        text="Firms apply. It opens in May.",
    )
    label = "Welsh health board calls on local firms (Wales, not Scotland)"
    draft = Draft(
        blocks=[
            Block("paragraph", [Claim("Firms apply.", [0], label=label)]),
            Block("bullets", [Claim("It opens in May.", [0], label=label)]),
        ]
    )
    text = render(draft, [source], "").text
    assert text.count(label) == 1
    assert "- It opens in May. [1]" in text
    # A shorter form of the label for the same document is not repeated either.
    draft.blocks[0].claims[0].label = f"Aneurin Bevan University Health Board (ABUHB): {label}"
    assert "- It opens in May. [1]" in render(draft, [source], "").text


def test_examples_from_other_nations_only_say_so_first() -> None:
    from assistant.compose import _missing_nation
    from assistant.draft import Block, Claim, Draft

    sources = [
        a_source("abuhb", "news", "health_board", "Wales"),
        a_source("lanarkshire", "news", "health_board", "Scotland"),
    ]
    question = "Are there examples of Scottish health boards opening the door to small local firms?"
    analysis = analyse(Question(question, asker=Asker(org_type="business")))
    welsh_only = Draft(blocks=[Block("bullets", [Claim("Firms apply.", [0])])])
    assert _missing_nation(analysis, sources, welsh_only) == [
        "The sources I have give no example from Scotland; the nearest is from Wales."
    ]
    with_scottish = Draft(blocks=[Block("bullets", [Claim("Firms apply.", [0]), Claim("We buy.", [1])])])
    assert _missing_nation(analysis, sources, with_scottish) == []
    # No nation asked for and none known of the asker: nothing to say.
    plain = analyse(Question("Are there examples of health boards opening the door to small firms?"))
    assert _missing_nation(plain, sources, welsh_only) == []


def test_held_out_phrasings_are_read_as_meant() -> None:
    from assistant.analysis import subjects_of

    # Where the asker is, said of themselves, is not what they ask about; "were" is not "we're".
    assert subjects_of("We're a community development trust in a rural bit of Argyll. How do we start?") == (
        (),
        (),
    )
    assert subjects_of(
        "I'm procurement manager at a district council in the East Midlands. What's the method?"
    ) == (
        (),
        (),
    )
    assert subjects_of("How many trees were planted through the NHS Forest in 2024/25?")[1][0] == "NHS Forest"
    # A question opening with the asker's role says where they are, not what they ask about (b4-06).
    assert subjects_of("Councillor in Perth & Kinross and I sit on our IJB. What did NHS Tayside say?")[
        1
    ] == ("NHS Tayside",)
    # "What %" asks for a figure (b4-22); "The subject is…" frames a record, it is not content.
    assert analyse(Question("What % of Belfast City Council's spend goes to Belfast firms?")).fact == "figure"
    assert (
        units_of("The subject is social value in public contracts: what it has delivered since 2022.") == []
    )
    # "NI" is a nation, not a name the documents must contain (b5-02).
    assert subjects_of("What are the actual rules here in NI?") == ((), ())
    # Where the asker heard of it is not what they ask about (b4-10).
    assert subjects_of("Saw on LinkedIn that NHS Forest gives hospitals free trees. Can we apply?")[1] == (
        "NHS Forest",
    )
    # What a fact counts comes from the sentences that ask, not the story around them (b4-17).
    story = analyse(
        Question(
            "Sustainability manager at an acute trust. Someone told me King's found they were wasting most "
            "of theirs - what did the audit actually find, and how much did emissions drop?"
        )
    )
    assert {"audit", "emiss"} <= set(story.facts_asked) and not {"manag", "acut"} & set(story.facts_asked)
    # A question others are quoted as asking is not the asker's question.
    quoted = analyse(
        Question(
            "Members want to know 'how much of our spend stays local'. I've never done a spend analysis. "
            "What's the method, and what problems should I expect with our data?"
        )
    )
    assert quoted.intent != "figure" and quoted.fact is None
    # Patients named in an estates question do not make it clinical; a dose does.
    assert (
        analyse(Question("How do we turn scrubland into a garden for patients with diabetes?")).clinical
        is None
    )
    assert analyse(Question("What's the dosing for desflurane in a patient with asthma?")).clinical


def test_on_the_same_day_leans_on_the_sentence_before() -> None:
    units = units_of(
        "On the same day, CREW launched the What Wales Can Do report on the Swansea Bay economy."
    )
    assert not any(u.text.startswith("On the same day") for u in units)
    compared = units_of("Like MFT, the NCA has a dedicated Widening Participation Team for local people.")
    assert not any(u.text.startswith("Like MFT") for u in compared)
    assert units_of("Like many trusts, Leeds Teaching Hospitals pays the Real Living Wage to all its staff.")


def test_them_and_it_said_before_lean_on_the_sentence_that_said_them() -> None:
    orphan = units_of(
        "For them, the clinical and ethical benefits of an initiative were the main reason to act."
    )
    assert not any(u.text.startswith("For them") for u in orphan)
    alongside = units_of(
        "Alongside it, the council is pursuing a municipal housebuilding programme for Newham."
    )
    assert not any(u.text.startswith("Alongside it") for u in alongside)
    joined = units_of(
        "The Scottish Community Alliance starts by describing what most of the community sector looks like. "
        "Much of it is informal activity that is often unconstituted and unfunded."
    )
    assert next(u.text for u in joined if "Much of it" in u.text).startswith(
        "The Scottish Community Alliance"
    )
    # Not every "for" or "in response" leans back: what it is for, or responds to, is named.
    assert units_of("For the council, the first step was a spend analysis of its top 300 contracts.")
    assert units_of("In response, the report sets out a model for building relationships with faith groups.")


def test_a_demonstrative_inside_a_sentence_leans_on_the_one_before() -> None:
    from assistant.units import _points_back_inside

    assert _points_back_inside("The authors see social prescribing as one part of that preventative answer.")
    assert _points_back_inside("On that basis, roughly £1 of every £5 went to local businesses.")
    # Named earlier in the same sentence: it points inside.
    assert not _points_back_inside(
        "It was trialling 10% more on its highways contracts, taking the weighting on those contracts to 30%."
    )
    assert not _points_back_inside("Preston City Council says that local spending rose.")


def test_a_list_of_names_is_quoted_whole_and_a_cut_list_says_so() -> None:
    from assistant.compose import LEFT_OUT

    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    names = units_of(
        "The Partnership names the following signatories:\n\n"
        + "\n".join(
            f"- {n};"
            for n in [
                "Orkney Islands Council",
                "NHS Orkney",
                "UHI Orkney",
                "HITRANS",
                "Skills Development Scotland",
                "Voluntary Action Orkney",
                "the Local Action Group",
            ]
        )
    )[0]
    assert composer._trimmed(names, {"council"}).items == names.items
    long_items = [
        f"Fact number {i} about the programme, its partners, its funding and its many outcomes."
        for i in range(12)
    ]
    outcomes = units_of("The programme's outcomes:\n\n" + "\n".join(f"- {item}" for item in long_items))[0]
    cut = composer._trimmed(outcomes, {"fund"})
    kept = DEFAULT_CONFIG.compose.max_list_items
    assert len(cut.items) == kept + 1 and cut.items[-1] == LEFT_OUT.format(n=len(long_items) - kept)
    # A "Key facts" digest's facts stand alone: cut, it gives no count of the rest (graders: "cut off").
    facts = units_of("Key facts:\n\n" + "\n".join(f"- {item}" for item in long_items))[0]
    assert composer._trimmed(facts, {"fund"}).items == tuple(long_items[:kept])


def test_a_followup_about_part_of_the_last_answer_is_resolved_to_that_part() -> None:
    history = (
        ChatTurn(role="user", content="Has any health board in Wales worked on community wealth building?"),
        ChatTurn(
            role="assistant",
            content="Yes. CLES has worked with Hywel Dda University Health Board since 2020. Separately, CLES "
            "has supported anchor institutions in selected Public Services Board clusters across Wales.",
        ),
    )
    resolved, is_followup, _ = resolve_followup(
        "That second bit - was our area one of those Public Services Board clusters?", history
    )
    assert is_followup and "CLES" in resolved and "Hywel" not in resolved
    # Sharing nothing with the answer, a follow-up is about the question before it.
    plain, _, _ = resolve_followup("What did they learn?", history)
    assert "health board" in plain.lower()


def test_a_followup_asking_whether_others_did_it_is_about_the_topic_not_the_last_example() -> None:
    """ "Has any trust done it just for their own employees first?" after an answer about Lewisham's
    contractor staff wants another trust: the earlier question's topic, not the answer's figures and names
    (fresh-e-19 was searched with "750 contractor staff employed ISS catering" and replayed Lewisham)."""
    history = (
        ChatTurn(
            role="user",
            content="Has any NHS trust become a Living Wage employer and included its contractors?",
        ),
        ChatTurn(
            role="assistant",
            content="Yes. Lewisham and Greenwich NHS Trust became accredited; about 750 contractor staff employed "
            "by ISS (catering, cleaning) were also raised to the London Living Wage.",
        ),
    )
    resolved, is_followup, _ = resolve_followup(
        "We can't bring the contractor staff in yet. Has any trust done it just for their own employees first?",
        history,
    )
    assert is_followup and "Living Wage" in resolved
    assert "750" not in resolved and "ISS" not in resolved and "Lewisham" not in resolved


def test_a_missing_fact_names_what_was_asked_about() -> None:
    """The gap sentence names whose the fact is: not what the asker says first, not where it is, not
    what it is compared with, and not a city's nation in place of the names the asker gave."""
    expected = {
        "In England the NHS has to give social value at least 10% of the tender score. What's the equivalent "
        "minimum weighting that NHS boards in Scotland have to use?": "Scotland",
        # Before the dash is context; the ask names Wales (b9-22 read "for England").
        "In England the NHS has to give social value at least 10% of the marks - what's the minimum "
        "weighting Welsh health boards have to use?": "Wales",
        # A city in the ask is not its nation (fresh-c-18).
        "I know CLES did a spend analysis with Belfast City Council. What proportion of their spend was "
        "with Belfast-based suppliers?": "CLES and Belfast City Council",
        "What percentage of Belfast City Council's spend went to Belfast-based suppliers?": "Belfast City Council",
        # Where it is (b7-06) and what it is compared with (b7-19).
        "What percentage of Hywel Dda health board's spending goes to businesses in Carmarthenshire, "
        "Ceredigion and Pembrokeshire?": "Hywel Dda",
        "Is there a set minimum weighting for social value that NHS boards in Scotland have to use when "
        "scoring tenders, like the 10% thing in England?": "Scotland",
    }
    for question, subject in expected.items():
        assert _subject_phrase(analyse(Question(question))) == subject, question


def test_how_a_question_is_put_is_not_what_a_fact_is_about() -> None:
    """ "I think it was called I Can? … what did it actually achieve?" asks for I Can's results: "think",
    "called" and "achieve" are how it is asked (b9-15 was told the results were missing)."""
    asked = analyse(
        Question(
            "There was a Birmingham scheme getting unemployed local people into entry-level NHS jobs - I think "
            "it was called I Can? How did it work and what did it actually achieve?"
        )
    )
    assert asked.fact == "outcome"
    assert not {"think", "call", "achiev", "get"} & set(asked.facts_asked), asked.facts_asked


def test_an_examples_question_is_about_what_its_question_sentence_names() -> None:
    coastal = analyse(
        Question(
            "Non-exec at a hospital trust in a seaside town. Every anchor example I get sent is from Leeds "
            "or Birmingham. Is there anything from coastal places like ours?"
        )
    )
    assert coastal.intent == "examples" and coastal.subjects == ()
    named = analyse(Question("Are there examples like Preston's from other councils in the North West?"))
    assert ("preston",) in named.subjects


def test_contractions_carry_no_topic() -> None:
    from assistant.text import content_terms

    assert content_terms("We’ve got a plan, but I don't know. Maybe there's a way?") == [
        "plan",
        "know",
        "way",
    ]
    # A story's verbs say nothing about its topic either.
    assert content_terms("Our MD went to a breakfast and came back fired up", drop_question_noise=True) == [
        "md",
        "breakfast",
        "back",
    ]


def test_a_section_heading_that_leans_back_does_not_introduce_a_list() -> None:
    units = units_of(
        "### It is not a one-off programme\n\n"
        "The foreword argues that anchor work is not an extra. Instead it is about better using assets:\n\n"
        "- employing people;\n- buying goods and services;\n- forming partnerships."
    )
    # Nothing is left to say what the items are: no bare list (prac-001 opened its first steps with one).
    assert not [u for u in units if u.kind == "list"]


def test_examples_in_the_askers_sector_come_in_order_of_how_much_of_the_question_they_hold() -> None:

    acute = units_of("Blackpool Teaching Hospitals employs 7,500 staff and has a turnover of £552 million.")[
        0
    ]
    mental = units_of(
        "Mersey Care, a mental health and community trust, opened its Life Rooms in a library."
    )[0]
    sources = [
        a_source("blackpool", title="Anchoring on the Coast", publisher="CLES"),
        a_source("mersey", title="The Life Rooms", publisher="CLES"),
    ]
    candidates = [Candidate(acute, 0, 1.0, "blackpool", 0.25), Candidate(mental, 1, 0.9, "mersey", 0.6)]
    analysis = analyse(
        Question(
            "We're a mental health trust. Is there anything from trusts like ours?",
            asker=Asker(org_type="nhs_trust"),
        )
    )
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    claims = composer._examples(analysis, sources, candidates, set(), limit=2)
    assert (claims[0].label or "").startswith("The Life Rooms")


def test_a_question_asking_several_things_is_read_as_several_asks() -> None:
    several = analyse(
        Question(
            "How many pledges are actually in that charter, does it cover climate stuff, and who else has "
            "signed up apart from the council?"
        )
    )
    assert [ask.terms for ask in several.asks] == [
        ("pledg", "charter"),
        ("cover", "climat"),
        ("els", "sign", "apart", "council"),
    ]
    request = analyse(Question("What did the programme focus on? I need the areas and the headline numbers."))
    assert [ask.terms for ask in request.asks][1:] == [("area",), ("headlin", "number")]
    # A preamble before the question is not an ask of its own.
    assert analyse(Question("Looking back at COVID, what did anchor leaders learn from it?")).asks == ()
    # How an ask is put says what a heading answering it is called; a start question's other ask is
    # not a start question.
    start = analyse(Question("How should we go about building that link? What tends to get in the way?"))
    assert [(ask.intent, ask.heading_words) for ask in start.asks] == [
        ("start", ()),
        ("general", ("barrier", "challeng")),
    ]


def test_how_something_was_set_up_is_an_ask_answered_under_a_how_heading() -> None:
    """ "Has any trust done this and how did they set it up?" asks two things; the second is answered
    under a heading such as "How the programme worked" (held-out b7-08)."""
    analysis = analyse(
        Question("Has any trust in Northern Ireland actually done this and how did they set it up?")
    )
    assert len(analysis.asks) == 2
    assert {"work", "step"} <= set(analysis.asks[1].heading_words)
    assert analyse(
        Question("Are there examples of universities that have managed this, with numbers?")
    ).wants_figures
    assert not analyse(Question("Are there examples of universities that have managed this?")).wants_figures


def test_a_fact_carried_on_by_a_sentence_about_the_article_is_quotable() -> None:
    """A group of sentences is about the document when it opens or closes so, not when a sentence about
    the article carries the fact on (held-out b7-18: NHSGGC's £9.64m of ~£50m was never quotable)."""
    fact = units_of(
        "According to The Democrat, NHSGGC awarded £9.64 million of contracts to local businesses. The article "
        "sets this against the board's total contract awards of nearly £50m. On that basis, roughly £1 of every "
        "£5 went to local businesses."
    )
    assert fact and not fact[0].about_document and "£9.64 million" in fact[0].text
    framing = units_of(
        "The Greener Communities Fund is a grant programme run by Hubbub. This guide explains what the fund "
        "is, who is behind it and why it exists."
    )
    assert all(unit.about_document for unit in framing)
    # What a page does is not what it says.
    for sentence in (
        'The "About" page of Buy Social NI is published by the Social Value Unit.',
        "First, it records how the Buy Social approach was agreed for different kinds of contract.",
        "The page then does two things.",
    ):
        assert cues.ABOUT_DOCUMENT.search(sentence), sentence
    assert not cues.ABOUT_DOCUMENT.search("It records a fall in emissions of 20%.")


def test_a_preamble_before_a_colon_is_not_what_a_fact_question_asks() -> None:
    """ "Need a hard number for a board paper: … how much did the share … go up?" asks about the share,
    not about boards or papers (b8-24 was told Preston's 5% to 18.2% was missing)."""
    asked = analyse(
        Question(
            "Need a hard number for a board paper: after the Preston anchors changed how they buy, how much "
            "did the share of their spending staying local actually go up?"
        )
    )
    assert asked.fact == "figure" and not {"board", "paper"} & set(asked.facts_asked)
    assert asking_part("What's the weighting: 10% or 20%?") == "What's the weighting: 10% or 20%?"


def test_the_kind_of_organisation_an_examples_question_wants_is_read() -> None:
    """ "Examples of private companies doing this?" wants businesses (and utilities); "for example on
    contracts with small firms" and "examples of hospitals helping to create a local business" do not ask
    for businesses' examples."""
    wanted = {
        "Are there examples of private companies doing this properly?": ("business", "utility"),
        "Any examples from Welsh housing associations?": ("housing",),
        "Are there examples of faith groups and public health bodies agreeing to work together?": ("vcse",),
        "How is London's anchor network doing, for example on contracts with small firms?": (),
        "Are there examples of hospitals helping to create a local business that then supplies them?": (),
        "Is there an example from a mental health trust like ours?": (),
    }
    for question, kinds in wanted.items():
        assert analyse(Question(question)).example_kinds == kinds, question


def test_a_followup_about_it_is_searched_with_what_the_answer_named() -> None:
    """ "Did it actually work?" after an answer naming the Life Rooms is about the Life Rooms; a follow-up
    naming its own subject is searched with that, not the answer's names."""
    history = (
        ChatTurn(
            role="user", content="Has any mental health trust turned an old building into a community hub?"
        ),
        ChatTurn(role="assistant", content="Yes. Mersey Care NHS Foundation Trust runs the Life Rooms."),
    )
    followup = analyse(Question("that sounds great but did it actually work?", history=history))
    assert followup.is_followup and "Life Rooms" in followup.standalone
    own = analyse(Question("And is the new Monklands hospital part of that?", history=history))
    assert "Life Rooms" not in own.standalone


def test_an_example_shows_what_was_done_not_a_list_of_aims() -> None:
    """The best-placed chunk of a case study holds only its aims: the example comes from another chunk
    of it that says what the organisation runs (graders, prac-036: the Life Rooms' "Six aims")."""
    aims = units_of(
        "Six aims:\n\n- raise the profile of mental wellbeing;\n- promote wellbeing through non-clinical "
        "opportunities;\n- improve access to meaningful occupation."
    )[0]
    runs = units_of(
        "The Life Rooms is a service run by Mersey Care NHS Foundation Trust, which offers community hubs "
        "where people find learning, advice and peer support."
    )[0]
    sources = [a_source("life-rooms"), a_source("life-rooms")]
    candidates = [Candidate(aims, 0, 0.9, "life-rooms", 0.3), Candidate(runs, 1, 0.8, "life-rooms", 0.3)]
    analysis = analyse(Question("Is there an example from a mental health trust like ours?"))
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    examples = composer._examples(analysis, sources, candidates, set(), limit=2)
    assert [c.text for c in examples] == [runs.text]


def test_an_example_wanted_with_numbers_adds_its_passage_giving_one() -> None:
    """Asked for examples "with numbers", an example passage without a figure is followed by its
    document's passage giving one (held-out b7-16: UCLan said what it wanted from contractors, not that 96p
    in every £1 went to small firms); asked without, the example stays one passage."""
    wanted = units_of(
        "UCLan wanted contractors for its masterplan that shared its commitment to supporting the local economy."
    )[0]
    figure = units_of(
        "Small businesses were the big winners: 96p in every £1 of the masterplan spend went to SMEs."
    )[0]
    sources = [a_source("uclan", "news", "university"), a_source("uclan", "news", "university")]
    candidates = [Candidate(wanted, 0, 0.9, "uclan", 0.3), Candidate(figure, 1, 0.6, "uclan", 0.2)]
    composer = ExtractiveComposer(None, DEFAULT_CONFIG.compose)  # type: ignore[arg-type]
    with_numbers = analyse(
        Question("Are there examples of universities that have managed this, with numbers?")
    )
    examples = composer._examples(with_numbers, sources, candidates, set(), limit=2)
    assert [c.text for c in examples] == [wanted.text, figure.text]
    plain = analyse(Question("Are there examples of universities that have managed this?"))
    assert [c.text for c in composer._examples(plain, sources, candidates, set(), limit=2)] == [wanted.text]


def test_a_money_question_counts_no_money_words_and_a_chatty_opening_is_no_topic() -> None:
    """ "How much money are we talking about?" is answered by any sum about the subject: "money" need not be
    in the sentence giving it (b6-20 was told the sources lack Derry's figure beside "£150,000 for Derry")."""
    asked = analyse(
        Question("ok so who's actually funding the Derry one, and how much money are we talking about?")
    )
    assert asked.fact == "figure" and asked.figure == "money"
    assert asked.facts_asked == ()
    assert not {"ok", "still", "absolut", "noth"} & set(
        analyse(Question("ok we still have absolutely nothing on the land. any ideas?")).topic_terms
    )


def test_how_to_take_part_is_a_first_step_for_a_supplier_not_for_the_buyer() -> None:
    """ "Firms … have to apply for a place on the framework" tells a building firm what to do (b4-08); to a
    health board's procurement manager it is someone else's step (b7-14)."""
    apply = units_of(
        "Firms that want to compete for the contracts have to apply for a place on the health board's new "
        "Minor Works Framework."
    )[0]
    sources = [a_source("abuhb", "news", "health_board", "Wales")]
    question = "Where do we start with getting onto the health board's maintenance work?"
    for org_type, expected in (("business", [apply.text]), ("health_board", [])):
        steps = first_steps(
            question,
            Asker(org_type=org_type, nation="Wales"),
            sources,
            [Candidate(apply, 0, 0.9, "abuhb", 0.4)],
        )
        assert [c.text for c in steps] == expected, org_type


def test_a_way_in_set_out_by_the_askers_own_kind_is_a_first_step() -> None:
    """A faith group's report's model for building relationships with health services is a church's first
    step, though a long question shares few words with it; its case for churches is not (graders,
    b7-17)."""
    argument = units_of(
        "Because of their focus on community, the authors argue that churches and faith groups can play a "
        "foundational part in preventative healthcare."
    )[0]
    model = units_of(
        "In response, the report sets out a model for building relationships between faith groups and health "
        "services. "
        "The model rests on three elements:\n- active networking;\n- engaged collaboration;\n- forward planning."
    )[0]
    sources = [a_source("theos", "report", "vcse"), a_source("theos", "report", "vcse")]
    question = (
        "hello, I'm on the church council of a Methodist church in a deprived part of Derby. We run a food bank "
        "and a lunch club, and our hall is empty most weekdays. We'd love to work with the local GPs but have "
        "no idea how to get in the door. any advice on where to start?"
    )
    candidates = [Candidate(argument, 0, 0.8, "theos", 0.11), Candidate(model, 1, 0.75, "theos", 0.03)]
    steps = first_steps(question, Asker(org_type="vcse", nation="England"), sources, candidates)
    assert steps and steps[0].items == ["active networking;", "engaged collaboration;", "forward planning."]


def test_a_step_keeps_no_sentence_pointing_elsewhere_in_its_guide() -> None:
    step = units_of(
        "1. Meet top management. Start by meeting the senior leaders of each anchor individually. Use the key "
        "messages above: extra value from existing spend, lawful and no premium."
    )[0]
    assert step.kind == "step" and "above" not in step.text and step.text.startswith("Start by meeting")


def test_a_question_opening_with_what_the_askers_organisation_is_says_who_asks() -> None:
    firm = read_asker("small building firm in Newport, 12 of us. how do we get on the framework?", None, True)
    assert firm.org_types == ("business",)
    # A named organisation the question is about is not the asker.
    assert (
        read_asker(
            "NHS Tayside has been calling itself an anchor. What figures did it give?", None, False
        ).org_types
        == ()
    )


def test_a_definite_description_is_quoted_with_the_sentence_that_introduced_it() -> None:
    # Held-out b9-05: "The Commission is a partnership…" was quoted with no commission named.
    units = units_of(
        "North Ayrshire Council set up its Community Wealth Building Commission in June 2019. The "
        "Commission is a partnership that brings together council services and regional partners."
    )
    assert [u.text[:25] for u in units] == ["North Ayrshire Council se"]
    assert "The Commission is a partnership" in units[0].text
    figures = units_of(
        "A flagship example is the planned Community and Visitor Hub at Lochshore. The £3.6 million "
        "development will use council land and assets to benefit the community."
    )
    assert len(figures) == 1 and figures[0].text.startswith("A flagship example")
    # After a sentence about the document it goes with it, not quoted dangling (b9-09).
    dangling = units_of(
        "The Democrat's article reports on local spending by NHS Greater Glasgow and Clyde in 2020/21. The "
        "figures were released when the health board published its Procurement Annual Report."
    )
    assert all(u.about_document for u in dangling)
    # A name, or "The trust" (which the label names), stands alone; so does a paragraph's first sentence.
    named = units_of(
        "Leeds Teaching Hospitals pays the Real Living Wage to all staff. The Health Foundation funded the "
        "evaluation of the programme. The trust has 20,000 staff across seven hospitals."
    )
    assert len(named) == 3
    assert units_of("The figures show that £9.64 million of contracts went to local businesses.")
    # "Together they…" leans back (b9-10).
    assert not units_of("Together they are exploring how a health board can use its spending power.")


def test_a_figure_of_the_kind_asked_counts_more_than_another_figure() -> None:
    """ "How many pledges…?" is answered by "16 pledges", before a passage whose figures are a sum and dates
    (held-out b10-17 opened with a £3m project); another figure still counts a little, since a question may
    ask two."""
    config = DEFAULT_CONFIG.compose
    composer = ExtractiveComposer(None, config)  # type: ignore[arg-type]
    analysis = analyse(Question("How many pledges are in the anchor charter, and how many have signed it?"))
    count = units_of("The Charter contains 16 pledges grouped under the five pillars of the approach.")[0]
    money = units_of("In March 2021 the business case for a £3 million project was approved by the board.")[0]
    none = units_of("Loch Council launched its anchor charter with partners across the whole region.")[0]
    source = a_source("charter")

    def bonus(unit: Unit) -> float:
        return composer._for_intent(unit, source, analysis, 0.5)

    assert bonus(count) - bonus(money) == pytest.approx(config.fact_bonus * (1 - config.other_figure_share))
    assert bonus(money) - bonus(none) == pytest.approx(config.fact_bonus * config.other_figure_share)


def test_what_comes_before_the_ask_is_not_its_subject_nor_an_ask() -> None:
    from assistant.analysis import asks_of

    # "ok - how is it being paid for, and how many jobs…?" asks two things (held-out b10-20).
    asks = asks_of("ok - how is it being paid for, and how many jobs is it supposed to create?", set())
    assert len(asks) == 2 and "costs funding pays" not in str(asks)
    assert "pay" in asks[0].heading_words
    # The asker's county before the dash is not what the sum is about (b10-18).
    analysis = analyse(
        Question(
            "small charity in Riverford here - how much can we apply to the Brookwater Community Fund for, "
            "and who actually decides?"
        )
    )
    assert analysis.subject_names == ("Brookwater Community Fund",)
    assert any("decis" in ask.heading_words for ask in analysis.asks)
    # What a researcher is evaluating is the subject, where they work is not (b10-23).
    studying = analyse(
        Question(
            "I'm a researcher at the University of Dundee evaluating NHS Tayside's anchor strategy. How many "
            "local people has it got into jobs so far?"
        )
    )
    assert studying.subject_names == ("NHS Tayside's",)
    working = analyse(Question("I'm a researcher at the University of Dundee. How many jobs did it create?"))
    assert working.subject_names == ()


def test_a_release_framing_its_figures_is_about_the_document() -> None:
    assert cues.ABOUT_DOCUMENT.search("The release gives these figures:")
    assert cues.ABOUT_DOCUMENT.search("The briefing's own discussion centres on what would need to change.")
    assert cues.ABOUT_DOCUMENT.search("The Democrat's article reports on local spending by the board.")
    assert not cues.ABOUT_DOCUMENT.search("The trust's programme trained 50 people last year.")
    # A release saying what something is says it (b11-02); one framing a list frames it.
    assert not cues.ABOUT_DOCUMENT.search("The release describes SWCEP as a strategic partnership.")
    # "…builds on this earlier work" leans on the passage before (b11-07).
    assert not units_of("The Advice NI paper builds on this earlier work and adds to the movement.")
    assert not units_of(
        "Examples include local councils, universities, health trusts and housing associations."
    )


def test_a_uk_wide_example_is_one_from_the_askers_nation_unless_a_nation_is_asked_for() -> None:
    from assistant.compose import _missing_nation
    from assistant.draft import Block, Claim, Draft

    sources = [a_source("efl-trust", "case_study", "sport_club", "UK")]
    uk_only = Draft(blocks=[Block("bullets", [Claim("Clubs run health checks.", [0])])])
    asked = "Are there examples of football clubs working with hospitals?"
    english = analyse(Question(asked, asker=Asker(org_type="sport_club", nation="England")))
    assert _missing_nation(english, sources, uk_only) == []  # held-out b8-18 was told "none from England"
    scottish = analyse(Question("Are there examples of Scottish football clubs working with hospitals?"))
    assert _missing_nation(scottish, sources, uk_only) == [
        "The sources I have give no example from Scotland."
    ]


def test_a_direct_answer_leaves_out_other_documents_passages_about_little_of_the_question() -> None:
    """Graders read another document's passage holding far less of the question than the opening as
    padding (held-out b8/b9); the opening document's own further passages stay, as its context."""
    floor = DEFAULT_CONFIG.compose.bullet_relevance_share
    candidates = [
        Candidate(listed("The opening passage lists", "apprentices", "bursaries"), 0, 1.0, "opening", 0.6),
        Candidate(listed("A further passage lists", "mentors", "tutors"), 0, 0.8, "opening", 0.1),
        Candidate(
            listed("A padding passage lists", "gardens", "benches"), 1, 0.7, "padding", 0.6 * floor - 0.01
        ),
        Candidate(
            listed("A related passage lists", "suppliers", "contracts"), 2, 0.6, "related", 0.6 * floor
        ),
    ]
    assert direct_answer(("opening", "padding", "related"), candidates) == [
        "The opening passage lists:",
        "A further passage lists:",
        "A related passage lists:",
    ]


def test_a_list_whose_lead_in_only_frames_it_is_introduced_by_its_heading() -> None:
    """ "The release gives these figures:" is about the document; the heading above says what the items
    are, whatever words the two share."""
    units = units_of(
        "The release gives these figures:\n\n- NHS Tayside employs around 14,000 people;\n- it spends more "
        "than £333 million a year on goods and services.",
        section="NHS Tayside's scale",
    )
    assert [(u.text, len(u.items)) for u in units] == [("NHS Tayside's scale:", 2)]


def test_a_start_question_asking_what_rules_apply_asks_a_rule() -> None:
    """ "What should I actually do first, and what rules and thresholds apply here?" opens with the rule
    before the steps (held-out b10-03 gave an event's date first)."""
    analysis = analyse(
        Question(
            "I've just taken over procurement at a district council in Northern Ireland. What should I actually "
            "do first, and what rules and thresholds apply here?"
        )
    )
    assert (analysis.intent, analysis.fact) == ("start", "rule")
    assert analyse(Question("What should we do first with social value?")).fact is None


def test_a_start_questions_examples_are_searched_for_among_the_askers_outshone_kind() -> None:
    """A water company's start question gets water companies' stories as examples like theirs (held-out
    b10-08 got a business partnership); an NHS trust's kind is not outshone, and an examples question
    names its own kinds."""
    water = Asker(org_type="utility", nation="England")
    assert analyse(
        Question("How would a water company actually get started?", asker=water)
    ).example_kinds == ("utility",)
    trust = Asker(org_type="nhs_trust", nation="England")
    assert analyse(Question("Where do we start with anchor work?", asker=trust)).example_kinds == ()
    firm = Asker(org_type="business", nation="Northern Ireland")
    assert analyse(Question("Where do we start with anchor work?", asker=firm)).example_kinds == ("business",)
    assert analyse(Question("What is an anchor institution?", asker=firm)).example_kinds == ()


def eleven_tips() -> Unit:
    """A list of eleven tips for job adverts, one topic word each (apples … kites)."""
    topics = [
        "apples",
        "bikes",
        "cars",
        "doors",
        "eggs",
        "farms",
        "gates",
        "hills",
        "islands",
        "jams",
        "kites",
    ]
    items = [f"item number {n} is a longer piece of advice about {topic}" for n, topic in enumerate(topics)]
    return units_of("Best practice for job adverts:\n\n" + "\n".join(f"- {item};" for item in items))[0]


def test_a_long_list_with_one_item_about_the_question_keeps_its_first_items_too() -> None:
    """One item of eleven and "… (10 more in the source)" read as a leftover (held-out b10-04): the first
    items show what the list is; with two or more items about the question, those are kept."""
    config = DEFAULT_CONFIG.compose
    composer = ExtractiveComposer(None, config)  # type: ignore[arg-type]
    unit = eleven_tips()
    one = composer._trimmed(unit, set(tokens("islands")))
    assert one.items[:-1] == (*unit.items[: config.sparse_list_items], unit.items[8])
    assert one.items[-1] == "… (6 more in the source)"
    two = composer._trimmed(unit, set(tokens("islands jams")))
    assert two.items[:-1] == (unit.items[8], unit.items[9])


def test_a_list_whose_lead_in_is_about_the_question_is_quoted_whole() -> None:
    """Five of WIN's eleven tips for job adverts and "… (6 more in the source)" hid the salary and skills
    tips a practice manager asked for (graders, b15-04): a list whose lead-in shares two of the question's
    terms is the answer and is quoted whole; one shared word is not enough."""
    config = DEFAULT_CONFIG.compose
    composer = ExtractiveComposer(None, config)  # type: ignore[arg-type]
    unit = eleven_tips()
    assert (
        composer._trimmed(unit, set(tokens("what should we change in our job adverts"))).items == unit.items
    )
    cut = composer._trimmed(unit, set(tokens("adverts for islands and jams")))
    assert cut.items[-1] == f"… ({len(unit.items) - 2} more in the source)"


def test_a_list_that_would_leave_out_one_item_is_quoted_whole() -> None:
    """ "… (1 more in the source)" takes the line the item would and hid MFT's tip to start checks early
    (fresh-a-03): a list one item over the cut is quoted whole; two over are cut as before."""
    config = DEFAULT_CONFIG.compose
    composer = ExtractiveComposer(None, config)  # type: ignore[arg-type]

    def advice_list(n: int) -> Unit:
        items = [f"item number {k} is a longer piece of advice about topic{k}" for k in range(n)]
        return units_of("Best practice for job adverts:\n\n" + "\n".join(f"- {item};" for item in items))[0]

    one_over = advice_list(config.max_list_items + 1)
    assert composer._trimmed(one_over, set()).items == one_over.items
    two_over = advice_list(config.max_list_items + 2)
    cut = composer._trimmed(two_over, set())
    assert cut.items[:-1] == two_over.items[: config.max_list_items]
    assert cut.items[-1] == "… (2 more in the source)"


def test_the_figure_asked_for_is_read_from_its_own_ask() -> None:
    """ "…have to pay our staff the living wage… What's the minimum weighting and since when?" asks for a
    share, not money (b12-18); a request for figures put as a statement is part of what is asked (b12-20)."""
    from assistant.analysis import figure_kind

    assert (
        figure_kind(
            "Someone told us we'll have to pay our staff the living wage if we win - is that right? "
            "What's the minimum weighting and since when?"
        )
        == "share"
    )
    asked = asking_part(
        "For a paper I need NHS Tayside's headline numbers - roughly how many staff and how big their "
        "estate is. What did they publish?"
    )
    assert "how many staff" in asked and "What did they publish?" in asked


def test_asking_for_those_who_have_done_it_asks_for_examples() -> None:
    """ "Any Welsh HAs who've done this I could learn from?" wants examples (b12-14 got a direct answer that
    opened mid-story and left out the sector's figures)."""
    from assistant.analysis import intent_of

    assert (
        intent_of("Any Welsh HAs who've done this I could learn from - ideally with figures?") == "examples"
    )


def test_a_sentence_introducing_the_writer_is_about_the_document() -> None:
    """ "The author, Mary McManus, brings the perspective of…" is a byline in prose (b12-04 opened with it);
    "The author sets out the steps Accord took:" frames the steps and is quoted with them."""
    from assistant import cues

    assert cues.ABOUT_DOCUMENT.search(
        "The author, Mary McManus, brings the perspective of someone who worked in an advice centre."
    )
    assert not cues.ABOUT_DOCUMENT.search("The author sets out the steps Accord took:")


def test_a_sentence_carrying_on_a_story_is_quoted_with_the_one_before() -> None:
    """ "United Welsh then asked…", "Staff therefore need…" and "To explain the comparison, …" lean on the
    sentence before them (graders: b12-14 opened mid-story, b12-23 with an unexplained comparison)."""
    text = (
        "United Welsh opened two schemes, each with a restaurant. United Welsh then asked who it knew that "
        "provided food services. It found Vision 21.\n"
        "Returns showed 461 jobs. To explain the comparison, the news item gives the norm of one job per £1m."
    )
    quoted = [u.text for u in units_of(text)]
    assert not any(t.startswith(("United Welsh then", "To explain")) for t in quoted)
    assert any(t.startswith("United Welsh opened") and "then asked" in t for t in quoted)
    # Opening its paragraph, such a sentence is the story itself and is kept (fresh-e-11 lost Vision 21).
    alone = [
        u.text for u in units_of("United Welsh then asked who provided food services. It found Vision 21.")
    ]
    assert any("Vision 21" in t for t in alone)


def test_a_sentence_carrying_on_from_a_dropped_orphan_goes_with_it() -> None:
    """ "This guest blog was first published… The Living Wage Foundation then republished it." The first
    leans on nothing and is dropped; the second carried its story on and alone read as the start of one
    (fresh-a-30 quoted "The Living Wage Foundation then republished it."). What follows and names its own
    subject is kept."""
    text = (
        "This guest blog was first published on the network's website in November 2022. The Living Wage "
        "Foundation then republished it. It was written by two programme leads. The authors argue that NHS "
        "trusts should become accredited Living Wage employers."
    )
    quoted = [u.text for u in units_of(text)]
    assert not any("republished" in t for t in quoted), quoted
    assert any(t.startswith("The authors argue") for t in quoted), quoted


def test_examples_are_called_like_the_askers_only_when_one_is_of_their_kind() -> None:
    """A hospital trust's plan under "Examples like yours" for a manufacturer misled (graders, fresh-a-10,
    prac-015); NHS bodies' stories are like one another's; with the asker's kind unknown, nothing is said."""
    from assistant.analysis import AskerProfile
    from assistant.compose import _examples_heading

    sources = [a_source("blackpool", "case_study", "nhs_trust"), a_source("leeds", "case_study", "business")]
    trust_story = [Claim("Blackpool co-designed its framework.", [0])]
    firm_story = [Claim("Leeds firms formed a network.", [1])]
    firm = AskerProfile(org_types=("business",))
    assert _examples_heading(trust_story, sources, firm) == "Examples from other kinds of organisation"
    assert _examples_heading(trust_story + firm_story, sources, firm) == "Examples like yours"
    board = AskerProfile(org_types=("health_board",))
    assert _examples_heading(trust_story, sources, board) == "Examples like yours"
    assert _examples_heading(trust_story, sources, AskerProfile()) == "Examples like yours"


def test_what_an_earlier_section_said_is_not_said_again() -> None:
    """Graders: "the 10% and the living wage stated three times" (b15-07, fresh-c-14). A passage whose
    words were mostly quoted before goes, and so does such an item of a "Key facts" digest; a longer passage
    after a short line that shares its few words stays; the source's own list keeps all its items, and
    short items are never dropped alone."""
    from assistant.compose import _drop_repeats
    from assistant.draft import Block, Draft

    phase = Claim(
        "From 1 June 2022 tenders must give social value at least 10% of the total award criteria, and the "
        "living wage becomes a condition of contract.",
        [0],
    )
    digest = Claim(
        "Key facts at a glance:",
        [0],
        items=[
            "1 June 2022: a minimum of 10% of total award criteria goes to social value and the living wage "
            "becomes a condition of contract;",
            "four social value themes: employment and skills, ethical supply chains, zero carbon, wellbeing;",
            "criteria;",
        ],
    )
    again = Claim(
        "Tenders must give social value at least 10% of the total award criteria from 1 June 2022.", [1]
    )
    short = Claim("Public Health Wales is the national public health body for Wales.", [2])
    longer = Claim(
        "Public Health Wales set up its Wider Determinants of Health Unit in 2019 under the Well-being of "
        "Future Generations Act, which frames how public bodies in Wales work together.",
        [2],
    )
    counted = Claim(
        "The second phase brings these changes:",
        [0],
        items=[digest.items[0], "suppliers must publish a carbon reduction plan before the contract starts;"],
    )
    draft = Draft(
        blocks=[
            Block("paragraph", [phase, short]),
            Block("bullets", [digest, again, longer, counted], heading="First steps"),
        ]
    )
    _drop_repeats(draft, DEFAULT_CONFIG.compose)
    kept = draft.blocks[1].claims
    assert again not in kept and longer in kept and counted in kept
    assert kept[0].items == digest.items[1:]


def test_a_numbered_list_whose_first_item_is_long_stays_one_list() -> None:
    """Belfast's five objectives: the first, long, was a step of its own and items 2 to 5 read as the whole
    list under the heading (graders: "2 more in the source" after two of five)."""
    text = (
        "1. **Grow an inclusive and resilient local economy.** Engage local suppliers, micro and small "
        "businesses (about 90% of Belfast businesses), social enterprises and co-operatives, so that money "
        "is spent again within the Belfast economy.\n"
        "2. **Create jobs for those furthest from work.** Increase local employment.\n"
        "3. **Promote socially responsible suppliers.** Use socially responsible criteria.\n"
        "4. **Support fair and ethical trading.** Expect suppliers to respect human rights."
    )
    units = units_of(text, section="The social value objectives")
    lists = [u for u in units if u.kind == "list"]
    assert len(lists) == 1 and len(lists[0].items) == 4, units
    assert not any(u.kind == "step" for u in units)


def test_a_start_question_asking_whether_rules_reach_it_asks_for_the_rules() -> None:
    question = (
        "I run a small social enterprise café in east Belfast. How do I begin, and do the social value "
        "rules kick in for contracts the size we could realistically bid for?"
    )
    analysis = analyse(Question(question))
    assert analysis.intent == "start" and analysis.fact == "rule"
    assert "Northern Ireland" in analysis.rules_query and "rules" in analysis.rules_query
    # Not a start question, and no rules asked for: no rules' search of its own.
    assert not analyse(Question("What is the Lambeth GP Food Co-op?")).rules_query


@pytest.mark.parametrize(
    ("question", "context"),
    [
        (
            "I'm a health improvement practitioner in Wales. Is there a network for people working on the "
            "wider determinants that I could join?",
            ("Wales",),
        ),
        ("Has any health board in Wales done a garden project with patients?", ()),
        # Said of the asker and asked about too: a topic.
        ("I'm a GP in Wales. What rules apply to NHS procurement in Wales?", ()),
    ],
)
def test_a_nation_said_only_of_the_asker_is_context_not_topic(
    question: str, context: tuple[str, ...]
) -> None:
    assert analyse(Question(question)).context_nations == context


def test_a_body_using_its_page_to_set_something_out_is_not_quoted() -> None:
    text = (
        "Preston City Council uses this page to set out what it has done itself under the banner of community "
        "wealth building in Preston, Lancashire. Its community wealth building activity began in 2011."
    )
    assert not any("uses this page" in u.text for u in units_of(text))
