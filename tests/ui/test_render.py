"""Pure UI helpers."""

from __future__ import annotations

from ui.render import (
    answer_body,
    answered_for,
    asker_for,
    conversation_markdown,
    escape_markdown,
    highlight,
    snippet_markdown,
)
from ui.snippets import clean_snippet


def test_selectors_become_a_structured_asker() -> None:
    assert asker_for("Estates", "NHS trust", "Wales") == {
        "role": "estates and facilities",
        "org_type": "nhs_trust",
        "nation": "Wales",
    }
    assert asker_for("—", "Local authority") == {"org_type": "local_authority"}
    assert asker_for("—", "—", "—") is None


def test_source_text_cannot_inject_markup() -> None:
    nasty = "<script>alert(1)</script> [click](javascript:alert(1)) **bold**"
    safe = escape_markdown(nasty)
    assert "<script>" not in safe and "](" not in safe and "**" not in safe
    marked = highlight("Local recruitment <b>matters</b>.", "local recruitment")
    assert "**Local**" in marked and "<b>" not in marked


def test_conversation_export_lists_sources() -> None:
    messages = [
        {"role": "user", "content": "Where do I start?"},
        {
            "role": "assistant",
            "content": "Map your spend [1].",
            "answer": {
                "citations": [
                    {
                        "n": 1,
                        "title": "Guide",
                        "publisher": "P",
                        "doc_type": "guide",
                        "source_url": "https://x.org/g",
                    }
                ]
            },
        },
    ]
    text = conversation_markdown(messages)
    assert "**You:** Where do I start?" in text and "[1] Guide — P (Guide): https://x.org/g" in text


def test_snippets_end_on_whole_sentences() -> None:
    cut = "Anchors hire locally. They also buy from local firms and the council argu"
    assert snippet_markdown(cut, "") == "Anchors hire locally\\."
    # A chunk start cut at 400 characters, then a whole quoted passage.
    chunk = ("Spend analysis starts with a baseline. " * 10)[:390] + "Then the team looks at which suppl"
    kept = clean_snippet(chunk + " … The guide is clear about the aims.")
    assert [b.items for p in kept for b in p][-2][0].endswith("baseline.")
    assert kept[-1][0].items == ("The guide is clear about the aims.",)


def test_snippets_keep_lists_as_lists_and_drop_a_cut_item() -> None:
    snippet = "The policy sets objectives.\n\n1. Grow the economy.\n2. Create jobs.\n3. Build wealth for th"
    markdown = snippet_markdown(snippet, "")
    assert markdown == "The policy sets objectives\\.\n\n1. Grow the economy\\.\n2. Create jobs\\."
    bullets = snippet_markdown("- Publisher and date: New Start, 2017.\n- Place: Belfast.", "")
    assert bullets == "- Publisher and date\\: New Start, 2017\\.\n- Place\\: Belfast\\."


def test_snippets_drop_provenance_boilerplate_and_stray_asterisks() -> None:
    snippet = (
        '*This is a summary, in our own words, of "Anchors" published by CLES (Centre for Local Economic '
        "Strategies) (https://cles.org.uk/a-b/).*\n\nThe 2019 report *Building healthier communities* sets out "
        "five ways anchors act."
    )
    markdown = snippet_markdown(snippet, "")
    assert "summary" not in markdown and "*" not in markdown.replace("\\*", "")
    assert markdown == "The 2019 report Building healthier communities sets out five ways anchors act\\."
    assert snippet_markdown("This is a summary, in our own words, of the page (https://x.org/a", "") == ""


def test_snippet_links_are_whole_and_highlights_plain_bold() -> None:
    text = "See https://hubbub.org.uk/the-greener-communities-fund for local grants."
    markdown = snippet_markdown(text, "Which local grants?")
    assert "<https://hubbub.org.uk/the-greener-communities-fund>" in markdown
    assert "**local** **grants**" in markdown and "background" not in markdown


def test_answer_parts_for_the_page() -> None:
    text = "Do this [1].\n\n**You could also ask**\n- How?\n- Why?\n\n_Based on 1 guide._"
    assert answer_body(text) == "Do this [1].\n\n_Based on 1 guide._"
    line = answered_for(
        {"asker": {"role": "procurement", "org_type": "nhs_trust", "nation": "Wales"}, "intent": "start"},
        {"nation": ["Wales"], "doc_type": ["guide"]},
    )
    assert line.startswith("Answered for\\: Procurement · NHS trust · Wales")
    assert "filters\\: Wales, Guide" in line
    assert "anyone" in answered_for({"asker": None}, {}) and "no filters" in answered_for({}, {})
