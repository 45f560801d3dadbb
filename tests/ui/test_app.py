"""The Streamlit page driven by AppTest against a real API on loopback."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from tests.api.conftest import RunningApi
from tests.conftest import REPO, free_port
from tests.ui.conftest import ADMIN
from ui.client import ApiClient, ApiRefused, StreamPiece

APP = str(REPO / "ui" / "app.py")


@pytest.fixture
def page(ui_api: RunningApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("HALN_API_URL", ui_api.url)
    monkeypatch.setenv("HALN_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=120)
    return at.run()


def all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_first_screen_helps_a_newcomer(page: AppTest) -> None:
    assert not page.exception
    assert [s.label for s in page.sidebar.selectbox] == ["I work in…", "My organisation is…", "In…"]
    starters = [b for b in page.button if b.key and b.key.startswith("starter-")]
    assert len(starters) == 6
    assert all(b.help == b.label for b in starters)  # a tooltip carries the whole question
    assert "Every answer cites" in all_markdown(page)


def test_a_starter_button_asks_its_question(page: AppTest) -> None:
    page.button(key="starter-0").click().run()
    assert not page.exception
    assert (
        page.session_state.messages[0]["content"]
        == "Where do I start with local recruitment and apprenticeships?"
    )
    assert not [b for b in page.button if b.key and b.key.startswith("starter-")]


def test_asker_is_sent_as_data_streamed_cited_and_shown(page: AppTest) -> None:
    page.selectbox(key="role_select").set_value("Procurement").run()
    page.selectbox(key="org_select").set_value("NHS trust").run()
    page.selectbox(key="nation_select").set_value("Wales").run()
    page.chat_input[0].set_value("Where do I start with social value?").run()
    assert not page.exception
    text = all_markdown(page)
    assert "\\[1\\]" in text  # markers link to the cards
    # ... and are named for screen readers by the source they stand for.
    title = page.session_state.messages[-1]["answer"]["citations"][0]["title"]
    assert f'aria-label="Source 1: {html.escape(title)}"' in text
    assert "First steps" in text
    answer = page.session_state.messages[-1]
    # The question goes as typed; who asks goes as structured data and comes back as understood.
    assert answer["question"] == "Where do I start with social value?"
    assert answer["answer"]["asker"] == {"role": "procurement", "org_type": "nhs_trust", "nation": "Wales"}
    assert answer["answer"]["citations"]
    card_titles = [m.value for m in page.markdown if m.value.startswith("**\\[1\\]")]
    assert card_titles
    assert any(b.label == "Helpful" for b in page.button)
    # What shaped the answer is said with it, and the selectors stay there to change.
    assert "Answered for\\: Procurement · NHS trust · Wales" in captions(page)
    assert "no filters" in captions(page)
    assert page.selectbox(key="role_select").value == "Procurement"
    page.multiselect(key="filter_nation").set_value(["Wales"]).run()
    page.chat_input[0].set_value("Who runs it?").run()
    assert "filters\\: Wales" in captions(page)


def test_followups_are_buttons_that_ask(page: AppTest) -> None:
    page.chat_input[0].set_value("Where do I start with local recruitment?").run()
    answer = page.session_state.messages[1]
    followups = answer["answer"]["followups"]
    assert followups
    assert f"- {followups[0]}" not in all_markdown(page)  # not a bullet to retype
    button = page.button(key="next-1-0")
    assert button.label == followups[0]
    button.click().run()
    assert not page.exception
    assert [m["content"] for m in page.session_state.messages if m["role"] == "user"] == [
        "Where do I start with local recruitment?",
        followups[0],
    ]


def test_refusal_is_a_helpful_not_covered_card(page: AppTest) -> None:
    page.chat_input[0].set_value("What dose of amoxicillin should a child take?").run()
    assert any("clinical" in i.value for i in page.info)
    assert "Not covered" in all_markdown(page)
    assert page.button(key="try-1-0").label  # the suggestions can be clicked


def test_no_match_under_filters_offers_to_clear_them(page: AppTest) -> None:
    page.multiselect(key="filter_nation").set_value(["USA"]).run()
    page.multiselect(key="filter_doc").set_value(["news"]).run()
    page.chat_input[0].set_value("How can we recruit more local people into NHS jobs?").run()
    assert page.session_state.messages[1]["answer"]["refused"]
    assert "filters\\: USA, News" in captions(page)
    page.button(key="unfilter-1").click().run()
    assert not page.exception
    assert page.multiselect(key="filter_nation").value == []
    last = page.session_state.messages[-1]
    assert last["question"] == "How can we recruit more local people into NHS jobs?" and not last["filters"]
    assert last["answer"]["citations"]


def test_thumbs_down_with_reason_is_stored(page: AppTest, ui_api: RunningApi) -> None:
    page.chat_input[0].set_value("What is the Lambeth GP Food Co-op?").run()
    page.button(key="down-1").click().run()
    page.radio(key="reason-1").set_value("Too vague").run()
    page.text_area(key="comment-1").input("I wanted the co-op's funding model.").run()
    page.button(key="send-1").click().run()
    assert any("feedback was saved" in s.value for s in page.success)
    answer_id = page.session_state.messages[1]["answer"]["answer_id"]
    stored = httpx.get(f"{ui_api.url}/v1/feedback", headers={"Authorization": f"Bearer {ADMIN}"}).json()[
        "items"
    ]
    assert any(
        f["answer_id"] == answer_id
        and f["reason"] == "Too vague"
        and f["comment"] == "I wanted the co-op's funding model."
        for f in stored
    )


def test_api_down_keeps_the_page_and_the_question(
    ui_api: RunningApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HALN_API_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("HALN_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and not at.error
    assert "can't be reached" in at.warning[0].value
    assert "make run" in captions(at)  # the technical hint is there, small, for whoever runs it
    assert at.chat_input  # still usable
    at.chat_input[0].set_value("Where do I start with social value?").run()
    assert at.session_state.pending == "Where do I start with social value?"
    assert "Where do I start with social value?" in all_markdown(at)
    assert "kept" in at.warning[0].value
    at.button(key="edit-pending").click().run()  # "Edit" puts it back in the box, unsent
    assert (
        at.session_state.pending is None and at.chat_input[0].value == "Where do I start with social value?"
    )
    at.chat_input[0].set_value("Where do I start with social value?").run()
    assert at.session_state.pending == "Where do I start with social value?"
    # The API is back: the kept question is sent without the user doing anything.
    at.session_state["client"] = ApiClient(ui_api.url)
    at.run()
    assert not at.warning
    assert at.session_state.pending is None
    assert at.session_state.messages[0]["content"] == "Where do I start with social value?"
    assert at.session_state.messages[1]["answer"]["citations"]


def test_the_conversation_survives_a_reload(page: AppTest, ui_api: RunningApi) -> None:
    page.chat_input[0].set_value("What is the Lambeth GP Food Co-op?").run()
    conversation = page.query_params["c"]
    assert conversation
    again = AppTest.from_file(APP, default_timeout=60)
    again.query_params["c"] = conversation
    again.run()
    assert [m["content"] for m in again.session_state.messages][:1] == ["What is the Lambeth GP Food Co-op?"]
    assert "Lambeth" in all_markdown(again)
    stranger = AppTest.from_file(APP, default_timeout=60)
    stranger.query_params["c"] = "../../etc/passwd"
    stranger.run()
    assert not stranger.exception and stranger.session_state.messages == []


class RefusingClient:
    """An API that answers readiness but refuses the question as the real one does over its limit."""

    def readiness(self) -> tuple[bool, str]:
        return True, ""

    def stream_answer(self, *args: object, **kwargs: object) -> Iterator[object]:
        raise ApiRefused("The question was not accepted (422): question: String should have at most 2000")
        yield


def test_long_questions_have_a_limit_and_a_refusal_keeps_the_text_plainly(page: AppTest) -> None:
    box = page.chat_input[0]
    assert box.max_chars == 2000  # the box itself stops at the API's limit, and says so
    assert "2,000 characters" in box.placeholder
    page.session_state["client"] = RefusingClient()
    question = "Where do I start with social value? " + "More detail. " * 100
    page.chat_input[0].set_value(question).run()
    assert not page.exception
    said = "\n".join(w.value for w in page.warning)
    assert "still in the box" in said
    assert "422" not in said and "String should" not in said
    assert page.session_state.messages == []
    assert page.chat_input[0].value == question  # never cleared


def test_values_read_as_labels_and_the_network_is_named(page: AppTest) -> None:
    assert "Health Anchors Learning Network" in captions(page) + all_markdown(page)
    page.selectbox(key="role_select").set_value("Community organisation").run()
    page.selectbox(key="org_select").set_value("Voluntary / faith").run()
    page.multiselect(key="filter_themes").set_value(["getting_started"]).run()
    page.multiselect(key="filter_org").set_value(["vcse", "nhs_trust"]).run()
    page.chat_input[0].set_value("Where do I start?").run()
    assert not page.exception
    said = captions(page)
    assert "Answered for\\: Community organisation · Voluntary / community" in said
    assert "Getting started" in said and "NHS trust" in said
    shown = said + all_markdown(page)
    for raw in ["getting_started", "getting started", "vcse", "nhs_trust", "nhs trust", "case_study"]:
        assert raw not in shown.replace("\\_", "_"), raw


class HostileAnswerClient:
    """An API whose answer text carries HTML (e.g. copied from a document by a language model)."""

    ANSWER = 'Start here <img src=x onerror="alert(1)"> and <b>map spend</b> [1].'

    def readiness(self) -> tuple[bool, str]:
        return True, ""

    def stream_answer(self, *args: object, **kwargs: object) -> Iterator[StreamPiece]:
        yield StreamPiece("delta", text=self.ANSWER)
        citation = {
            "n": 1,
            "title": 'Guide "A" <b>',
            "publisher": "P",
            "doc_type": "guide",
            "source_url": "https://x.org/g",
            "snippet": "Map spend first.",
        }
        answer = {"answer": self.ANSWER, "answer_id": "a1", "citations": [citation], "followups": []}
        yield StreamPiece("done", answer=answer)


def test_answer_html_is_shown_as_text_next_to_the_named_markers(page: AppTest) -> None:
    page.session_state["client"] = HostileAnswerClient()
    page.chat_input[0].set_value("Where do I start?").run()
    assert not page.exception
    body = next(m.value for m in page.markdown if "Start here" in m.value)
    assert "<img" not in body and "<b>" not in body and "&lt;img" in body
    assert 'aria-label="Source 1: Guide &quot;A&quot; &lt;b&gt;"' in body
