"""Pure UI helpers."""

from __future__ import annotations

from ui.render import asker_for, conversation_markdown, escape_markdown, highlight


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
