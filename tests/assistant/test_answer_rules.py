"""A start question that also asks which rules apply: the rules are searched for on their own, in the
asker's nation, and quoted before the first steps (a real small index of Northern Ireland and English
procurement documents)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.index import IndexHolder
from assistant.service import Assistant
from core.embedding import Embedder
from core.schemas import Asker
from core.settings import Settings
from core.store import ChunkStore
from ingest.sync import build_ingestor
from tests.conftest import copy_docs

DOCS = [
    "markdown/belfast-social-value-framework-2017.md",
    "markdown/belfast-social-value-procurement-policy.md",
    "markdown/lga-tendring-social-value-anchor-procurement.md",
    "markdown/nilga-social-value-local-government-2025.md",
    "markdown/ni-ppn-01-21-social-value-scoring.md",
    "markdown/sib-social-value-unit.md",
    "markdown/preston-spend-analysis-guide.md",
    "markdown/haln-vibrant-network-qa.md",
    "markdown/belfast-cwb-missed-opportunity.md",
    "markdown/advice-ni-cwb-briefing.md",
]
QUESTION = (
    "Procurement officer at a district council in Northern Ireland. We've been told to 'embed social value' "
    "in our tenders but nobody in our small team has done it before. Where do we start, and what rules do "
    "we have to work within here?"
)


@pytest.fixture(scope="module")
def ni_assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    root: Path = tmp_path_factory.mktemp("ni-rules")
    corpus = copy_docs(root / "corpus", DOCS)
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, chroma_url=None)
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed
    return Assistant(settings, IndexHolder(ChunkStore.from_settings(settings)), embedder)


def test_the_rules_a_start_question_asks_about_open_the_answer(ni_assistant: Assistant) -> None:
    asker = Asker(role="procurement", org_type="local_authority", nation="Northern Ireland")
    answer = ni_assistant.answer(QUESTION, asker=asker)
    assert not answer.refused
    opening = answer.answer.split("**First steps**")[0]
    assert "**First steps**" in answer.answer, answer.answer
    ppn = next(c for c in answer.citations if c.doc_id == "ni-ppn-01-21-social-value-scoring")
    assert f"[{ppn.n}]" in opening, answer.answer
    assert "minimum requirements that contracts must contain" in opening or "fair work" in opening, (
        answer.answer
    )
    assert answer.has_valid_citations()


def test_a_start_question_not_asking_for_rules_is_not_searched_for_them(ni_assistant: Assistant) -> None:
    asker = Asker(role="procurement", org_type="local_authority", nation="Northern Ireland")
    answer = ni_assistant.answer("Where do we start with social value in our tenders?", asker=asker)
    assert not answer.refused
    assert answer.answer.startswith("**First steps**"), answer.answer
