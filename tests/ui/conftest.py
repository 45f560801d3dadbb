"""A real API on loopback (no keys) over a small index, for the UI tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.embedding import Embedder
from core.settings import Settings
from ingest.sync import build_ingestor
from tests.api.conftest import RunningApi, start_api, stop_api
from tests.conftest import copy_docs

ADMIN = "ui-admin"


@pytest.fixture(scope="session")
def ui_api(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[RunningApi]:
    root = tmp_path_factory.mktemp("ui")
    corpus = copy_docs(root / "corpus")
    settings = Settings(data_dir=root / "data", corpus_dir=corpus)
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed
    running = start_api(
        settings.data_dir, corpus, HALN_ADMIN_API_KEY=ADMIN, HALN_RATE_LIMIT_PER_MINUTE="10000"
    )
    yield running
    stop_api(running)
