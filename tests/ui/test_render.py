"""Pure UI helpers."""

from __future__ import annotations

from ui.render import conversation_markdown, escape_markdown, highlight, shape_question


def test_selectors_shape_the_question() -> None:
    assert shape_question("Where do I start?", "Estates", "NHS trust") == (
        "I work in estates and facilities at an NHS trust. Where do I start?"
    )
    assert (
        shape_question("Where do I start?", "—", "Local authority")
        == "I work at a council. Where do I start?"
    )
    assert shape_question("Where do I start?", "—", "—") == "Where do I start?"


def test_source_text_cannot_inject_markup() -> None:
    nasty = "<script>alert(1)</script> [click](javascript:alert(1)) **bold**"
    safe = escape_markdown(nasty)
    assert "<script>" not in safe and "](" not in safe and "**" not in safe
    marked = highlight("Local recruitment <b>matters</b>.", "local recruitment")
    assert ":orange-background[Local]" in marked and "<b>" not in marked


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
    assert "**You:** Where do I start?" in text and "[1] Guide — P (guide): https://x.org/g" in text
