"""Untrusted document text end to end: planted instructions and HTML never come back from any surface.

One real index in tmp_path (a slice of the corpus, the injection corpus and a document full of markup),
built by the real `haln ingest`, then asked through `haln ask`, the Python entry point, and a real uvicorn
serving /v1/answer (JSON and SSE), /v1/chat/completions and /v1/sources/{id}.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.index import IndexHolder
from assistant.service import Assistant
from core.embedding import Embedder
from core.settings import Settings
from core.store import ChunkStore
from tests.api.conftest import RunningApi, start_api, stop_api
from tests.api.test_e2e import parse_sse
from tests.cli_helpers import run_haln
from tests.conftest import copy_docs
from tests.ingest.injection_corpus import ADVICE, ADVICE_DOC_ID, leaked, write_injection_corpus

pytestmark = pytest.mark.slow

XSS_DOC_ID = "catering-markup-note"
XSS_DOC = f"""---
id: {XSS_DOC_ID}
title: '<script>alert(1)</script>Catering tenders with local growers'
source_url: https://example.org/{XSS_DOC_ID}
publisher: '<img src=x onerror=alert(1)><a href="javascript:alert(1)" onclick="x()">Example Growers</a>'
doc_type: case_study
nation: England
org_type: nhs_trust
themes: [procurement]
date: '2024-02-01'
---
# Catering tenders

## Working with local growers

The hospital catering team <script>alert(1)</script>met local growers every month to plan seasonal menus.
Growers supplied <img src=x onerror=alert(1)>vegetables for patient meals under a two-year catering tender.
<a href="javascript:alert(1)" onclick="x()">The catering tender</a> scored social value at twenty per cent.
&lt;script&gt;alert(2)&lt;/script&gt;Local growers now supply a third of the catering fruit and vegetables.
"""
MARKUP = re.compile(r"<script|onerror|javascript:|<img|<a\s|onclick", re.IGNORECASE)

QUESTIONS = [
    "Where do I start with social value procurement?",
    "What is the first step in anchor recruitment?",
    "How do I start mapping our anchor spend?",
    "What did the anchor partnership do on supplier diversity and community gardens?",
    "How did partners report progress on housing partnerships and local apprenticeships?",
    "How did the hospital catering tender work with local growers?",
]


@dataclass
class HostileIndex:
    data_dir: Path
    corpus: Path
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> HostileIndex:
    root = tmp_path_factory.mktemp("hostile")
    corpus = copy_docs(root / "corpus")
    write_injection_corpus(corpus / "injected")
    (corpus / "markdown" / f"{XSS_DOC_ID}.md").write_text(XSS_DOC, encoding="utf-8")
    result = run_haln("ingest", str(corpus), "--json", data_dir=root / "data")
    assert result.returncode == 0, result.stderr
    return HostileIndex(root / "data", corpus, json.loads(result.stdout))


@pytest.fixture(scope="module")
def hostile_api(hostile_index: HostileIndex) -> Iterator[RunningApi]:
    running = start_api(hostile_index.data_dir, hostile_index.corpus, HALN_RATE_LIMIT_PER_MINUTE="1000")
    yield running
    stop_api(running)


@pytest.fixture(scope="module")
def hostile_assistant(hostile_index: HostileIndex, embedder: Embedder) -> Assistant:
    settings = Settings(data_dir=hostile_index.data_dir, corpus_dir=hostile_index.corpus, chroma_url=None)
    return Assistant(settings, IndexHolder(ChunkStore.from_settings(settings)), embedder)


def strings(value: object) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_clean(payload: object, where: str) -> None:
    text = "\n".join(strings(payload))
    assert leaked(text) == [], f"{where}: planted text came back"
    assert not MARKUP.search(text), f"{where}: markup came back: {MARKUP.search(text)}"


def test_ingest_summary_reports_every_quarantine(hostile_index: HostileIndex) -> None:
    quarantined = {q["doc_id"]: q for q in hostile_index.summary["quarantined"]}
    assert {"injected-title", "injected-publisher"} <= {
        d for d, q in quarantined.items() if q["whole_document"]
    }
    assert len(quarantined) >= 30
    assert ADVICE_DOC_ID in hostile_index.summary["added"]
    assert hostile_index.summary["warnings"] and not hostile_index.summary["failed"]


def test_nothing_planted_or_marked_up_is_stored(hostile_index: HostileIndex) -> None:
    settings = Settings(data_dir=hostile_index.data_dir, chroma_url=None)
    stored = ChunkStore.from_settings(settings).load()
    assert_clean({"texts": stored.texts, "metadatas": stored.metadatas}, "chunk store")
    assert any(ADVICE in text for text in stored.texts)


def test_sources_show_warns_about_the_quarantine(hostile_index: HostileIndex) -> None:
    shown = run_haln("sources", "show", "injected-issue-15-probe", data_dir=hostile_index.data_dir)
    assert shown.returncode == 0 and "warning" in shown.stdout and "quarantined a passage" in shown.stdout
    as_json = json.loads(
        run_haln(
            "sources", "show", "injected-issue-15-probe", "--json", data_dir=hostile_index.data_dir
        ).stdout
    )
    assert as_json["warnings"] and leaked(json.dumps(as_json)) == []


def test_haln_ask_never_quotes_planted_text(hostile_index: HostileIndex) -> None:
    for question in QUESTIONS[:2]:
        result = run_haln("ask", question, "--json", data_dir=hostile_index.data_dir)
        assert result.returncode == 0, result.stderr
        assert_clean(json.loads(result.stdout), f"haln ask {question!r}")


def test_python_entry_point_never_quotes_planted_text_and_still_quotes_advice(
    hostile_assistant: Assistant,
) -> None:
    for question in QUESTIONS:
        answer = hostile_assistant.answer(question)
        assert_clean(answer.model_dump(), f"answer() {question!r}")
    advice = hostile_assistant.answer("How do I start mapping our anchor spend with the finance team?")
    assert ADVICE.rstrip(".") in advice.answer
    catering = hostile_assistant.answer(QUESTIONS[-1])
    assert XSS_DOC_ID in {c.doc_id for c in catering.retrieved}  # the markup document was really tested


def test_api_answers_never_carry_planted_text_or_markup(hostile_api: RunningApi) -> None:
    with httpx.Client(base_url=hostile_api.url, timeout=60) as http:
        for question in QUESTIONS:
            reply = http.post("/v1/answer", json={"question": question})
            assert reply.status_code == 200
            assert_clean(reply.json(), f"/v1/answer {question!r}")
            streamed = http.post("/v1/answer", json={"question": question, "stream": True})
            assert streamed.status_code == 200
            assert_clean([data for _, data in parse_sse(streamed.text)], f"SSE {question!r}")
            chat = http.post(
                "/v1/chat/completions",
                json={"model": "haln-assistant", "messages": [{"role": "user", "content": question}]},
            )
            assert chat.status_code == 200
            assert_clean(chat.json(), f"/v1/chat/completions {question!r}")
            chat_stream = http.post(
                "/v1/chat/completions",
                json={"messages": [{"role": "user", "content": question}], "stream": True},
            )
            assert_clean(chat_stream.text.replace("\\u003c", "<"), f"chat stream {question!r}")
        source = http.get(f"/v1/sources/{XSS_DOC_ID}")
        assert source.status_code == 200 and source.json()["title"] == "Catering tenders with local growers"
        assert_clean(source.json(), "/v1/sources/{id}")
        listing = http.get("/v1/sources", params={"limit": 200})
        assert_clean(listing.json(), "/v1/sources")
