"""The Streamlit page driven by AppTest against a real API on loopback."""

from __future__ import annotations

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from tests.api.conftest import RunningApi
from tests.conftest import REPO, free_port
from tests.ui.conftest import ADMIN

APP = str(REPO / "ui" / "app.py")


@pytest.fixture
def page(ui_api: RunningApi, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("HALN_API_URL", ui_api.url)
    at = AppTest.from_file(APP, default_timeout=120)
    return at.run()


def all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_first_screen_helps_a_newcomer(page: AppTest) -> None:
    assert not page.exception
    assert [s.label for s in page.selectbox] == ["I work in…", "My organisation is…", "In…"]
    starters = [b for b in page.button if b.key and b.key.startswith("starter-")]
    assert len(starters) == 6
    assert "Every answer cites" in all_markdown(page)


def test_asker_is_sent_as_data_streamed_and_cited(page: AppTest) -> None:
    page.selectbox(key="role_select").set_value("Procurement").run()
    page.selectbox(key="org_select").set_value("NHS trust").run()
    page.selectbox(key="nation_select").set_value("Wales").run()
    page.chat_input[0].set_value("Where do I start with social value?").run()
    assert not page.exception
    text = all_markdown(page)
    assert "\\[1\\]" in text  # markers link to the cards
    assert "First steps" in text
    answer = page.session_state.messages[-1]
    # The question goes as typed; who asks goes as structured data and comes back as understood.
    assert answer["question"] == "Where do I start with social value?"
    assert answer["answer"]["asker"] == {"role": "procurement", "org_type": "nhs_trust", "nation": "Wales"}
    assert answer["answer"]["citations"]
    card_titles = [m.value for m in page.markdown if m.value.startswith("**\\[1\\]")]
    assert card_titles
    assert any(b.label == "👍 Helpful" for b in page.button)


def test_thumbs_down_with_reason_is_stored(page: AppTest, ui_api: RunningApi) -> None:
    page.chat_input[0].set_value("What is the Lambeth GP Food Co-op?").run()
    page.button(key="down-1").click().run()
    page.radio(key="reason-1").set_value("Too vague").run()
    page.button(key="send-1").click().run()
    assert any("feedback was saved" in s.value for s in page.success)
    answer_id = page.session_state.messages[1]["answer"]["answer_id"]
    stored = httpx.get(f"{ui_api.url}/v1/feedback", headers={"Authorization": f"Bearer {ADMIN}"}).json()
    assert any(f["answer_id"] == answer_id and f["reason"] == "Too vague" for f in stored)


def test_refusal_is_a_helpful_not_covered_card(page: AppTest) -> None:
    page.chat_input[0].set_value("What dose of amoxicillin should a child take?").run()
    assert any("clinical" in i.value for i in page.info)
    assert "Not covered" in all_markdown(page)


def test_api_down_says_what_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALN_API_URL", f"http://127.0.0.1:{free_port()}")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.error and "make run" in at.error[0].value
