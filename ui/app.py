"""The practitioners' chat window (Streamlit). It only talks to the answer API and displays.

Run with `haln ui` (or `make run`, which starts the API too).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run ui/app.py` from anywhere

from core.schemas import DOC_TYPES, NATIONS, ORG_TYPES, THEMES
from core.settings import Settings
from ui.client import ApiClient, ApiUnavailable
from ui.render import (
    NATION_CHOICES,
    ORG_CHOICES,
    ROLES,
    STARTERS,
    asker_for,
    card_lines,
    conversation_markdown,
    escape_markdown,
    highlight,
)

REASONS = ["Not relevant", "Missing sources", "Wrong or outdated", "Too vague", "Other"]


def client() -> ApiClient:
    if "client" not in st.session_state:
        settings = Settings()
        st.session_state.client = ApiClient(settings.api_url, settings.ui_api_key)
    return st.session_state.client


def sidebar_filters() -> dict[str, list[str]]:
    with st.sidebar:
        st.header("Filters")
        filters = {
            "themes": st.multiselect("Themes", THEMES, format_func=lambda t: t.replace("_", " ")),
            "org_type": st.multiselect(
                "Organisation type", ORG_TYPES, format_func=lambda t: t.replace("_", " ")
            ),
            "nation": st.multiselect("Nation", NATIONS),
            "doc_type": st.multiselect("Document type", DOC_TYPES, format_func=lambda t: t.replace("_", " ")),
        }
        if st.button("New conversation", use_container_width=True):
            st.session_state.messages = []
            st.rerun()
        if st.session_state.messages:
            text = conversation_markdown(st.session_state.messages)
            st.download_button(
                "Download conversation (.md)",
                text,
                "haln-conversation.md",
                "text/markdown",
                use_container_width=True,
            )
            with st.expander("Copy conversation"):
                st.code(text, language="markdown")
    return {k: v for k, v in filters.items() if v}


def linked_markers(text: str, index: int) -> str:
    """Make each [n] a link to its source card below the answer."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[\\[{m.group(1)}\\]](#src-{index}-{m.group(1)})", text)


def render_cards(answer: dict[str, Any], index: int, question: str) -> None:
    if answer.get("fallback_reason"):
        st.info(f"The language model was not used for this answer: {answer['fallback_reason']}")
    for warning in answer.get("staleness_warnings", []):
        st.warning(f"Possibly out of date: {escape_markdown(warning)}")
    citations = answer.get("citations", [])
    if not citations:
        return
    st.markdown("**Sources**")
    for citation in citations:
        with st.container(border=True):
            st.markdown(f'<div id="src-{index}-{citation["n"]}"></div>', unsafe_allow_html=True)
            st.markdown(f"**\\[{citation['n']}\\] {escape_markdown(citation['title'])}**")
            st.caption(escape_markdown(citation["publisher"]) + " · " + " · ".join(card_lines(citation)))
            st.markdown(highlight(citation["snippet"], question))
            st.link_button("Open the original source", citation["source_url"])


def render_feedback(message: dict[str, Any], index: int) -> None:
    if message.get("feedback_sent"):
        st.success(f"Thanks, your feedback was saved ({message['feedback_sent']}).")
        return
    up, down, _ = st.columns([1, 1, 4])
    if up.button("👍 Helpful", key=f"up-{index}"):
        _send_feedback(message, "up", None)
    if down.button("👎 Not helpful", key=f"down-{index}"):
        message["asking_reason"] = True
        st.rerun()
    if message.get("asking_reason"):
        reason = st.radio("What was wrong?", REASONS, key=f"reason-{index}", horizontal=True)
        if st.button("Send feedback", key=f"send-{index}"):
            _send_feedback(message, "down", reason)


def _send_feedback(message: dict[str, Any], rating: str, reason: str | None) -> None:
    try:
        client().send_feedback(message["answer"]["answer_id"], rating, reason, message.get("question"))
    except ApiUnavailable as exc:
        st.error(str(exc))
        return
    message["feedback_sent"] = "thumbs up" if rating == "up" else f"thumbs down: {reason}"
    message.pop("asking_reason", None)
    st.rerun()


def render_history() -> None:
    for index, message in enumerate(st.session_state.messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(escape_markdown(message["content"]))
                continue
            answer = message["answer"]
            if answer.get("refused"):
                st.info(answer["answer"])
                if answer.get("followups"):
                    st.markdown("**Not covered — try:**\n" + "\n".join(f"- {q}" for q in answer["followups"]))
            else:
                st.markdown(linked_markers(message["content"], index))
                render_cards(answer, index, message.get("question", ""))
            render_feedback(message, index)


def first_screen() -> str | None:
    st.markdown(
        "Ask where to start with anchor work: local jobs and fair pay, spending and social value, land and "
        "buildings, environmental impact, partnerships and community engagement. Every answer cites the case "
        "studies, toolkits and guides it comes from."
    )
    left, middle, right = st.columns(3)
    st.session_state.role = left.selectbox("I work in…", list(ROLES), key="role_select")
    st.session_state.org = middle.selectbox("My organisation is…", list(ORG_CHOICES), key="org_select")
    st.session_state.nation = right.selectbox("In…", NATION_CHOICES, key="nation_select")
    st.markdown("**Try one of these:**")
    columns = st.columns(2)
    for number, starter in enumerate(STARTERS):
        if columns[number % 2].button(starter, key=f"starter-{number}", use_container_width=True):
            return starter
    return None


def ask(question: str, filters: dict[str, list[str]]) -> None:
    asker = asker_for(
        st.session_state.get("role", "—"),
        st.session_state.get("org", "—"),
        st.session_state.get("nation", "—"),
    )
    history = [{"role": m["role"], "content": m["content"][:2000]} for m in st.session_state.messages[-6:]]
    st.session_state.messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    final: dict[str, Any] | None = None
    with st.chat_message("assistant"):

        def deltas() -> Any:
            nonlocal final
            for piece in client().stream_answer(question, history, filters, asker):
                if piece.kind == "delta":
                    yield piece.text
                else:
                    final = piece.answer

        try:
            st.write_stream(deltas())
        except ApiUnavailable as exc:
            st.error(str(exc))
            st.session_state.messages.pop()
            return
    if final is not None:
        st.session_state.messages.append(
            {"role": "assistant", "content": final["answer"], "answer": final, "question": question}
        )
    st.rerun()


def main() -> None:
    st.set_page_config(page_title="HALN anchor assistant", page_icon="🌳", layout="centered")
    st.title("Where do I start? 🌳")
    st.session_state.setdefault("messages", [])
    filters = sidebar_filters()
    try:
        ready, reason = client().readiness()
    except ApiUnavailable as exc:
        st.error(str(exc))
        st.stop()
    if not ready:
        st.warning(
            f"The assistant is not ready: {reason}. If the corpus is empty, run `haln ingest corpus/`."
        )
    starter = first_screen() if not st.session_state.messages else None
    render_history()
    typed = st.chat_input("Ask about anchor work, e.g. where do I start with local recruitment?")
    question = typed or starter
    if question:
        ask(question, filters)


main()
