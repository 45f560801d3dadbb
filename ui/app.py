"""The practitioners' chat window (Streamlit). It only talks to the answer API and displays.

Run with `haln ui` (or `make run`, which starts the API too).
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path
from typing import Any

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run ui/app.py` from anywhere

from core.schemas import DOC_TYPES, NATIONS, ORG_TYPES, THEMES
from core.settings import Settings
from ui.client import ApiClient, ApiRefused, ApiUnavailable
from ui.render import (
    NATION_CHOICES,
    ORG_CHOICES,
    ROLES,
    STARTERS,
    answer_body,
    answered_for,
    asker_for,
    card_lines,
    conversation_markdown,
    escape_markdown,
    label_for,
    snippet_markdown,
)
from ui.store import ConversationStore

REASONS = ["Not relevant", "Missing sources", "Wrong or outdated", "Too vague", "Other"]
MAX_QUESTION_CHARS = 2000  # the API's limit on `question`
MAX_COMMENT_CHARS = 2000  # and on a feedback `comment`
RETRY_EVERY_S = 3
FILTER_KEYS = {
    "themes": "filter_themes",
    "org_type": "filter_org",
    "nation": "filter_nation",
    "doc_type": "filter_doc",
}
PAGE_CSS = """<style>
/* Whole labels on buttons: wrap instead of cutting them with an ellipsis. */
.stButton button p { white-space: normal; overflow-wrap: anywhere; text-align: left; }
/* The collapsed sidebar holds who is asking and the filters: say so next to its » icon. */
[data-testid="stExpandSidebarButton"] { width: auto; padding: 0 0.5rem; gap: 0.25rem; }
[data-testid="stExpandSidebarButton"]::after { content: "Filters"; font-size: 0.95rem; }
.stLinkButton a p { white-space: normal; overflow-wrap: anywhere; text-align: left; }
/* Captions (the metadata line on cards, "Answered for") at 4.5:1 or more; Streamlit fades them to
   60% opacity, 3.9:1. */
.stApp [data-testid="stCaptionContainer"] {
  opacity: 1; color: color-mix(in srgb, currentColor 75%, transparent);
}
/* The first thing a Tab reaches: a link to the question box, shown only while it has focus. */
.haln-skip { position: fixed; left: -10000px; top: 0.5rem; z-index: 1000100; }
.haln-skip:focus { left: 0.5rem; padding: 0.5rem 1rem; background: #fff; color: #1d3a8a;
  border: 2px solid #1d3a8a; border-radius: 0.5rem; font-weight: 600; }
.haln-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
@media (max-width: 640px) {
  [data-testid="stBottomBlockContainer"] { padding: 0.5rem 0.75rem 0.75rem; }
  [data-testid="stChatInput"] textarea { min-height: 2.5rem; }
}
</style>"""


def settings() -> Settings:
    if "settings" not in st.session_state:
        st.session_state.settings = Settings()
    return st.session_state.settings


def client() -> ApiClient:
    if "client" not in st.session_state:
        st.session_state.client = ApiClient(settings().api_url, settings().ui_api_key)
    return st.session_state.client


def store() -> ConversationStore:
    return ConversationStore(settings().data_dir / "ui-conversations")


def restore_conversation() -> None:
    """Bind this browser tab to a conversation id in the address, and reload what it held."""
    if "conversation_id" in st.session_state:
        return
    wanted = st.query_params.get("c")
    if ConversationStore.valid_id(wanted):
        saved = store().load(str(wanted))
        st.session_state.conversation_id = wanted
        st.session_state.messages = saved.get("messages", [])
        st.session_state.pending = saved.get("pending")
    else:
        st.session_state.conversation_id = ConversationStore.new_id()
        st.session_state.messages = []
        st.session_state.pending = None
        st.query_params["c"] = st.session_state.conversation_id


def save_conversation() -> None:
    store().save(
        st.session_state.conversation_id,
        {"messages": st.session_state.messages, "pending": st.session_state.pending},
    )


def new_conversation() -> None:
    st.session_state.conversation_id = ConversationStore.new_id()
    st.session_state.messages = []
    st.session_state.pending = None
    st.query_params["c"] = st.session_state.conversation_id


def clear_filters() -> None:
    for key in FILTER_KEYS.values():
        st.session_state[key] = []


def ask_again_unfiltered(question: str) -> None:
    clear_filters()
    st.session_state.ask_next = question


def queue_question(question: str) -> None:
    st.session_state.ask_next = question


def sidebar() -> dict[str, list[str]]:
    """Who is asking and the filters, visible and changeable for the whole conversation."""
    with st.sidebar:
        st.header("Who's asking")
        st.selectbox("I work in…", list(ROLES), key="role_select")
        st.selectbox("My organisation is…", list(ORG_CHOICES), key="org_select")
        st.selectbox("In…", NATION_CHOICES, key="nation_select")
        st.header("Filters")
        choices = {"themes": THEMES, "org_type": ORG_TYPES, "nation": NATIONS, "doc_type": DOC_TYPES}
        labels = {
            "themes": "Themes",
            "org_type": "Organisation type",
            "nation": "Nation",
            "doc_type": "Document type",
        }
        filters = {
            name: st.multiselect(
                labels[name], choices[name], format_func=label_for(name), key=FILTER_KEYS[name]
            )
            for name in FILTER_KEYS
        }
        if any(filters.values()):
            st.button("Clear filters", on_click=clear_filters, width="stretch")
        st.divider()
        st.button("New conversation", on_click=new_conversation, width="stretch")
        if st.session_state.messages:
            text = conversation_markdown(st.session_state.messages)
            st.download_button(
                "Download conversation (.md)", text, "haln-conversation.md", "text/markdown", width="stretch"
            )
            with st.expander("Copy conversation"):
                st.code(text, language="markdown")
    return {k: v for k, v in filters.items() if v}


def current_asker() -> dict[str, str] | None:
    return asker_for(
        st.session_state.get("role_select", "—"),
        st.session_state.get("org_select", "—"),
        st.session_state.get("nation_select", "—"),
    )


def linked_markers(text: str, index: int, citations: list[dict[str, Any]]) -> str:
    """Make each [n] a link to its source card below the answer, named for screen readers
    ("Source 1: <title>"). The answer's own text cannot carry HTML: its "<" are escaped."""
    titles = {str(c["n"]): c["title"] for c in citations}

    def link(match: re.Match[str]) -> str:
        n = match.group(1)
        name = html.escape(f"Source {n}: {titles[n]}" if n in titles else f"Source {n}", quote=True)
        return f'<a href="#src-{index}-{n}" aria-label="{name}" title="{name}">[{n}]</a>'

    return re.sub(r"\[(\d+)\]", link, text.replace("<", "&lt;"))


def anchor(element_id: str) -> None:
    st.markdown(f'<div id="{element_id}"></div>', unsafe_allow_html=True)


# Streamlit keeps a page with a chat input stuck to its bottom while its height changes; a scroll made
# once the height has settled (no change for 0.3 s) releases it, so the script waits for that.
SCROLL_SCRIPT = """<script>(function () {
  const target = %s; let last = -1, stable = 0, tries = 0, done = 0;
  const tick = () => {
    const main = document.querySelector('[data-testid="stAppScrollToBottomContainer"]');
    const el = document.getElementById(target);
    if (el && main) {
      if (main.scrollHeight === last) { stable++; } else { stable = 0; last = main.scrollHeight; }
      if (stable >= 3) {
        // Just below the page header; the top of the page is its very top.
        const header = document.querySelector('[data-testid="stHeader"]');
        const below = header ? header.getBoundingClientRect().height + 8 : 64;
        const rect = el.getBoundingClientRect().top - main.getBoundingClientRect().top;
        const wanted = target === 'top' ? 0 : Math.max(0, main.scrollTop + rect - below);
        main.scrollTo({top: wanted});
        if (Math.abs(main.scrollTop - wanted) < 4 || ++done > 5) { return; }
      }
    }
    if (tries++ < 150) { setTimeout(tick, 100); }
  };
  setTimeout(tick, 100);
})();</script>"""


# Added once to the page (outside Streamlit's tree, so reruns keep them): a "Skip to question" link
# first in the Tab order (the sidebar's widgets otherwise come before the input), and a polite live
# region that announces each new answer to screen readers.
A11Y_SCRIPT = """<script>(function () {
  const doc = window.document;
  if (!doc.getElementById('haln-skip')) {
    const skip = doc.createElement('a');
    skip.id = 'haln-skip'; skip.href = '#'; skip.className = 'haln-skip';
    skip.textContent = 'Skip to question';
    skip.addEventListener('click', (event) => {
      event.preventDefault();
      const box = doc.querySelector('textarea[data-testid="stChatInputTextArea"]');
      if (box) { box.focus(); }
    });
    doc.body.insertBefore(skip, doc.body.firstChild);
  }
  if (!doc.getElementById('haln-live')) {
    const live = doc.createElement('div');
    live.id = 'haln-live'; live.className = 'haln-sr-only';
    live.setAttribute('role', 'status'); live.setAttribute('aria-live', 'polite');
    doc.body.appendChild(live);
  }
})();</script>"""
ANNOUNCE_SCRIPT = """<script>(function () {
  const text = %s; /* %d */
  setTimeout(() => {
    const live = document.getElementById('haln-live');
    if (live) { live.textContent = ''; setTimeout(() => { live.textContent = text; }, 100); }
  }, 400);
})();</script>"""


def announce(text: str, nonce: int) -> None:
    """Say something to screen readers through the page's live region."""
    st.html(ANNOUNCE_SCRIPT % (json.dumps(text), nonce), unsafe_allow_javascript=True)


def scroll_to(element_id: str) -> None:
    """Bring an element to the top of the view once the page has settled."""
    st.html(SCROLL_SCRIPT % repr(element_id), unsafe_allow_javascript=True)


def suggestion_buttons(title: str, questions: list[str], key: str) -> None:
    if not questions:
        return
    st.markdown(f"**{title}**")
    for number, question in enumerate(questions):
        st.button(
            question,
            key=f"{key}-{number}",
            on_click=queue_question,
            args=(question,),
            help=f"Ask: {question}",
        )


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
        with st.container(border=True, key=f"card-{index}-{citation['n']}"):
            anchor(f"src-{index}-{citation['n']}")
            st.markdown(f"**\\[{citation['n']}\\] {escape_markdown(citation['title'])}**")
            st.caption(escape_markdown(citation["publisher"]) + " · " + " · ".join(card_lines(citation)))
            snippet = snippet_markdown(citation["snippet"], question)
            if snippet:
                st.container(key=f"snippet-{index}-{citation['n']}").markdown(snippet)
            # The link names its source, so a list of links (screen readers) says where each one goes.
            st.link_button(
                f"Open {citation['title']} ({citation['publisher']})",
                citation["source_url"],
                help=citation["source_url"],
            )


def render_feedback(message: dict[str, Any], index: int) -> None:
    if message.get("feedback_sent"):
        st.success(f"Thanks, your feedback was saved ({message['feedback_sent']}).")
        return
    with st.container(horizontal=True):
        if st.button("Helpful", key=f"up-{index}", icon=":material/thumb_up:", width="content"):
            _send_feedback(message, "up", None)
        if st.button("Not helpful", key=f"down-{index}", icon=":material/thumb_down:", width="content"):
            message["asking_reason"] = True
            st.rerun()
    if message.get("asking_reason"):
        reason = st.radio("What was wrong?", REASONS, key=f"reason-{index}", horizontal=True)
        comment = st.text_area(
            "Anything else? (optional)",
            key=f"comment-{index}",
            max_chars=MAX_COMMENT_CHARS,
            placeholder="What were you looking for, or what would have helped?",
        )
        if st.button("Send feedback", key=f"send-{index}"):
            _send_feedback(message, "down", reason, comment.strip() or None)


def _send_feedback(
    message: dict[str, Any], rating: str, reason: str | None, comment: str | None = None
) -> None:
    try:
        client().send_feedback(
            message["answer"]["answer_id"], rating, reason, message.get("question"), comment
        )
    except (ApiUnavailable, ApiRefused):
        st.warning("Your feedback could not be sent just now; please try again in a moment.")
        return
    message["feedback_sent"] = "thumbs up" if rating == "up" else f"thumbs down: {reason}"
    message.pop("asking_reason", None)
    save_conversation()
    st.rerun()


def render_history() -> None:
    for index, message in enumerate(st.session_state.messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                anchor(f"q-{index}")
                st.markdown(escape_markdown(message["content"]))
                continue
            answer = message["answer"]
            st.caption(answered_for(answer, message.get("filters") or {}))
            if answer.get("refused"):
                st.info(answer["answer"])
                if message.get("filters") and not answer.get("citations"):
                    st.button(
                        "Clear filters and ask again",
                        key=f"unfilter-{index}",
                        on_click=ask_again_unfiltered,
                        args=(message.get("question", ""),),
                    )
                suggestion_buttons("Not covered — try:", answer.get("followups", []), f"try-{index}")
            else:
                body = linked_markers(answer_body(message["content"]), index, answer.get("citations", []))
                st.markdown(body, unsafe_allow_html=True)
                suggestion_buttons("You could also ask", answer.get("followups", []), f"next-{index}")
                render_cards(answer, index, message.get("question", ""))
            render_feedback(message, index)


def first_screen() -> None:
    st.markdown(
        "Ask where to start with anchor work: local jobs and fair pay, spending and social value, land and "
        "buildings, environmental impact, partnerships and community engagement. Every answer cites the case "
        "studies, toolkits and guides it comes from. Say who you are and narrow the sources under "
        "**Filters** (the sidebar)."
    )
    st.markdown("**Try one of these:**")
    for number, starter in enumerate(STARTERS):
        st.button(
            starter,
            key=f"starter-{number}",
            on_click=queue_question,
            args=(starter,),
            help=starter,
            width="stretch",
        )


def api_problem() -> str | None:
    """None when the API answers; otherwise the technical reason (the page keeps working meanwhile)."""
    try:
        ready, reason = client().readiness()
    except ApiUnavailable as exc:
        return str(exc)
    if not ready:
        st.warning(
            f"The assistant is not ready: {reason}. If the corpus is empty, run `haln ingest corpus/`."
        )
    return None


@st.fragment(run_every=RETRY_EVERY_S)
def wait_for_api() -> None:
    """While the API is away, look for it every few seconds and reload the page when it is back."""
    try:
        client().readiness()
    except ApiUnavailable:
        return
    st.rerun(scope="app")


def outage_notice(problem: str) -> None:
    pending = st.session_state.pending
    kept = (
        "Your question is kept and will be sent" if pending else "You can keep typing; questions will be sent"
    )
    st.warning(
        f"The assistant can't be reached just now. {kept} as soon as it is back.",
        icon=":material/hourglass_top:",
    )
    st.caption(f"For whoever runs it: {problem}")
    wait_for_api()


def render_pending() -> None:
    question = st.session_state.pending
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
        st.caption("Not sent yet: waiting for the assistant.")
        with st.container(horizontal=True):
            st.button("Try again now", key="retry-pending", on_click=queue_question, args=(question,))
            st.button("Edit", key="edit-pending", on_click=edit_pending)


def edit_pending() -> None:
    st.session_state.chat_box = st.session_state.pending
    st.session_state.pending = None
    save_conversation()


def too_long(question: str) -> bool:
    """Over the API's limit: say so plainly and keep the text in the box to shorten (never sent)."""
    if len(question) <= MAX_QUESTION_CHARS:
        return False
    st.session_state.refused = (
        f"Your question is {len(question):,} characters long; the limit is {MAX_QUESTION_CHARS:,}. "
        "It is still in the box below: please shorten it and send it again."
    )
    st.session_state.refill = question  # put back in the box on the rerun
    return True


def ask(question: str, filters: dict[str, list[str]]) -> None:
    if too_long(question):
        st.rerun()
    asker = current_asker()
    history = [{"role": m["role"], "content": m["content"][:2000]} for m in st.session_state.messages[-6:]]
    index = len(st.session_state.messages)
    st.session_state.pending = None
    with st.chat_message("user"):
        anchor(f"q-{index}")
        st.markdown(escape_markdown(question))
    scroll_to(f"q-{index}")
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
        except ApiUnavailable:
            st.session_state.pending = question
            save_conversation()
            st.rerun()
        except ApiRefused:
            st.session_state.refused = (
                "The assistant could not take this question as written. It is still in the box below: "
                "please rephrase or shorten it and send it again."
            )
            st.session_state.refill = question  # put back in the box on the rerun
            st.rerun()
    if final is not None:
        st.session_state.messages += [
            {"role": "user", "content": question},
            {
                "role": "assistant",
                "content": final["answer"],
                "answer": final,
                "question": question,
                "filters": filters,
            },
        ]
        st.session_state.scroll_to = f"q-{index}"
        sources = len(final.get("citations", []))
        st.session_state.announce = (
            f"Answer ready for: {question}. "
            + (f"{sources} source{'s' if sources != 1 else ''} below it." if sources else "")
        ).strip()
        save_conversation()
    st.rerun()


def main() -> None:
    st.set_page_config(page_title="HALN anchor assistant", page_icon="🌳", layout="centered")
    st.html(PAGE_CSS)
    st.html(A11Y_SCRIPT, unsafe_allow_javascript=True)
    anchor("top")
    st.title("Where do I start?")
    st.caption("The Health Anchors Learning Network's assistant for anchor work")
    restore_conversation()
    filters = sidebar()
    problem = api_problem()
    if not st.session_state.messages and not st.session_state.pending:
        first_screen()
    render_history()
    if problem:
        outage_notice(problem)
    if st.session_state.pending:
        render_pending()
    if refused := st.session_state.pop("refused", None):
        st.warning(refused)
    if (refill := st.session_state.pop("refill", None)) is not None:
        # The box cannot be written once drawn in a run: its text goes back before it is drawn again.
        st.session_state.chat_box = refill
    typed = st.chat_input(
        f"Ask about anchor work… (up to {MAX_QUESTION_CHARS:,} characters)",
        key="chat_box",
        max_chars=MAX_QUESTION_CHARS,
    )
    question = typed or st.session_state.pop("ask_next", None)
    if question and problem:
        st.session_state.pending = question
        save_conversation()
        st.rerun()
    if not question and not problem and st.session_state.pending:
        question = st.session_state.pending  # the API is back: send what was kept
    if question:
        ask(question, filters)
    if said := st.session_state.pop("announce", None):
        announce(said, len(st.session_state.messages))
    if target := st.session_state.pop("scroll_to", None):
        scroll_to(target)
    elif not st.session_state.get("scrolled_once"):
        # A chat page otherwise opens scrolled to its bottom: show the top, or the last question kept.
        asked = [i for i, m in enumerate(st.session_state.messages) if m["role"] == "user"]
        scroll_to(f"q-{asked[-1]}" if asked else "top")
    st.session_state.scrolled_once = True


main()
