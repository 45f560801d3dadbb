"""The LLM backend against a real OpenAI-compatible server (llama.cpp + SmolLM2-135M) on loopback.

The model is tiny: these tests assert behaviour (validated citations, fallback, streaming), never text.
Requests to the one server run one at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from assistant.index import IndexHolder
from assistant.llm import LLMClient
from assistant.service import Assistant
from assistant.sources import RetrievedSource
from core.embedding import Embedder
from core.settings import Settings
from core.store import ChunkStore
from tests.conftest import free_port
from tests.llm_server import llama_server, model_path

pytestmark = pytest.mark.skipif(
    model_path() is None, reason="llama.cpp server not installed; run `make install-llm`"
)

QUESTION = "What is the Lambeth GP Food Co-op and what does it grow?"


@pytest.fixture(scope="session")
def llm_url() -> Iterator[str]:
    with llama_server() as url:
        yield url


def make_assistant(settings: Settings, embedder: Embedder, llm: LLMClient | None) -> Assistant:
    return Assistant(settings, IndexHolder(ChunkStore.from_settings(settings)), embedder, llm)


@pytest.fixture(scope="session")
def llm_assistant(index_settings: Settings, embedder: Embedder, llm_url: str) -> Assistant:
    client = LLMClient(base_url=llm_url, model="smollm2", timeout_s=60, max_retries=0, max_tokens=200)
    return make_assistant(index_settings, embedder, client)


def test_llm_answer_is_cited_and_checked_or_falls_back(llm_assistant: Assistant) -> None:
    answer = llm_assistant.answer(QUESTION, backend="llm")
    assert not answer.refused
    assert answer.has_valid_citations()
    if answer.backend == "llm":
        assert answer.citations and answer.supported_sentences > 0
        assert all(c.chunk_id in {r.chunk_id for r in answer.retrieved} for c in answer.citations)
    else:
        assert answer.fallback_reason and "citation" in answer.fallback_reason


def test_llm_streaming_sends_deltas_then_a_checked_answer(llm_assistant: Assistant) -> None:
    events = list(llm_assistant.stream(QUESTION, backend="llm"))
    final = events[-1]
    assert final.kind == "answer" and final.answer is not None
    deltas = [e.text for e in events if e.kind == "delta"]
    assert deltas, "no text was streamed"
    n_sources = len(final.answer.retrieved)
    for marker in re.findall(r"\[(\d+)\]", "".join(deltas)):
        assert 1 <= int(marker) <= n_sources  # markers to unknown sources never reach the client
    assert final.answer.has_valid_citations()


def test_injected_instructions_do_not_reach_the_model(llm_assistant: Assistant) -> None:
    answer = llm_assistant.answer("What do volunteers do in the hospital garden?", backend="llm")
    assert "PWNED" not in answer.answer and "attacker@example.org" not in answer.answer
    assert answer.has_valid_citations()


def test_llm_condenses_followups(llm_assistant: Assistant) -> None:
    from core.schemas import ChatTurn

    history = [
        ChatTurn(role="user", content="Tell me about the Lambeth GP Food Co-op."),
        ChatTurn(role="assistant", content="It builds food-growing gardens at GP surgeries [1]."),
    ]
    answer = llm_assistant.answer("Who buys the produce?", history=history, backend="llm")
    assert (
        answer.standalone_query and answer.standalone_query != "Who buys the produce?"
    ) or answer.fallback_reason
    assert answer.has_valid_citations()


def test_timeout_falls_back_to_extractive(index_settings: Settings, embedder: Embedder, llm_url: str) -> None:
    client = LLMClient(base_url=llm_url, model="smollm2", timeout_s=0.001, max_retries=0)
    answer = make_assistant(index_settings, embedder, client).answer(QUESTION, backend="llm")
    assert answer.backend == "extractive" and not answer.refused
    assert answer.fallback_reason and "unavailable" in answer.fallback_reason
    assert answer.has_valid_citations()


def test_server_down_falls_back_to_extractive(index_settings: Settings, embedder: Embedder) -> None:
    client = LLMClient(base_url=f"http://127.0.0.1:{free_port()}/v1", model="x", timeout_s=2, max_retries=1)
    answer = make_assistant(index_settings, embedder, client).answer(QUESTION, backend="llm")
    assert answer.backend == "extractive"
    assert answer.fallback_reason and "unavailable" in answer.fallback_reason
    assert answer.citations


class ScriptedLLM(LLMClient):
    """A client whose reply is fixed, to check how invalid citations in a reply are handled."""

    reply = ""

    def complete(self, question: str, sources: list[RetrievedSource]) -> str:
        return self.reply


def test_invalid_citations_from_the_model_are_removed(index_settings: Settings, embedder: Embedder) -> None:
    client = ScriptedLLM(base_url="http://127.0.0.1:9/v1", model="scripted")
    assistant = make_assistant(index_settings, embedder, client)
    client.reply = (
        "The Lambeth GP Food Co-op grows food in GP surgery gardens [1][42]. Bananas are blue [99]."
    )
    answer = assistant.answer(QUESTION, backend="llm")
    assert answer.backend == "llm" and answer.has_valid_citations()
    assert "[42]" not in answer.answer and "Bananas" not in answer.answer
    assert answer.unsupported_sentences >= 1

    client.reply = "Everything is fine [77]. Nothing to see [0]."
    fallback = assistant.answer(QUESTION, backend="llm")
    assert fallback.backend == "extractive" and "valid" in (fallback.fallback_reason or "")
