"""Small pure pieces: asker profile, follow-up condensing, citation parsing, evidence label, staleness."""

from __future__ import annotations

from assistant.condense import condense, needs_history
from assistant.draft import parse_cited_sentences
from assistant.evidence import evidence_label, staleness_warnings
from assistant.llm import parse_answer
from assistant.profile import read_profile
from core.schemas import ChatTurn, Citation


def test_profile_reads_role_and_organisation() -> None:
    p = read_profile("I'm an estates manager at a district general hospital, where do I start?")
    assert "nhs_trust" in p.org_types and "estates" in p.themes and p.wants_start
    council = read_profile("I work for a council in Wales and want to buy more locally")
    assert "local_authority" in council.org_types and "procurement" in council.themes
    assert council.nations == ("Wales",)
    assert read_profile("Can you tell us about it?").nations == ()  # "us" is not the USA
    assert "USA" in read_profile("What are US hospitals doing?").nations
    assert not read_profile("What is the Leeds Health and Care Academy?").wants_start


def test_condense_only_leans_on_history_when_needed() -> None:
    history = [
        ChatTurn(role="user", content="What is the Leeds Health and Care Academy?"),
        ChatTurn(role="assistant", content="It is a **workforce partnership** in Leeds [1]."),
    ]
    short = condense("When did it start?", history)
    assert "Leeds Health and Care Academy" in short and "[1]" not in short and "**" not in short
    standalone = "What is the National TOMs framework used for in procurement across England?"
    assert not needs_history(standalone)
    assert condense(standalone, history) == standalone
    assert condense("When did it start?", None) == "When did it start?"


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


def test_clinical_and_figure_questions_are_recognised() -> None:
    from assistant.scope import FIGURE_QUESTION, clinical_reason

    assert clinical_reason("What dose of amoxicillin should I give?") == "dose"
    assert clinical_reason("What should I prescribe for a rash?") is not None
    # Social prescribing is community work, not medicine.
    assert clinical_reason("Where do I start with social prescribing in our GP practice?") is None
    for question in (
        "How many apprentices does the trust employ?",
        "What hourly rate does Northumbria pay its apprentices?",
        "What social return on investment figure has the co-op achieved?",
        "By what year must the NHS reach net zero?",
    ):
        assert FIGURE_QUESTION.search(question), question
    for question in ("What does a good anchor look like?", "Which networks could we join?"):
        assert not FIGURE_QUESTION.search(question), question
