"""schemathesis against the OpenAPI schema of a real server with every check (`--checks all`): no 5xx,
responses match the schema, schema-valid input accepted, invalid input refused, `Allow` headers right.
tests/api/schemathesis.toml says where a documented answer differs from a check's default, and why."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.embedding import Embedder
from core.settings import Settings
from ingest.sync import build_ingestor
from tests.api.conftest import RunningApi, start_api, stop_api
from tests.conftest import copy_docs

ADMIN = "schema-admin"
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="module")
def open_api(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[RunningApi]:
    root = tmp_path_factory.mktemp("schema")
    corpus = copy_docs(
        root / "corpus", ["markdown/haln-vibrant-network-qa.md", "markdown/preston-spend-analysis-guide.md"]
    )
    settings = Settings(data_dir=root / "data", corpus_dir=corpus)
    build_ingestor(settings, embedder=embedder).sync([corpus])
    running = start_api(
        settings.data_dir, corpus, HALN_RATE_LIMIT_PER_MINUTE="100000", HALN_ADMIN_API_KEY=ADMIN
    )
    yield running
    stop_api(running)


def test_api_conforms_to_its_openapi_schema(open_api: RunningApi) -> None:
    # schemathesis's pytest plugin does not support pytest 9 yet, so its CLI runs the same checks.
    st = Path(sys.executable).parent / "st"
    result = subprocess.run(
        [
            str(st),
            "--config-file",
            str(CONFIG),
            "run",
            f"{open_api.url}/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "10",
            "--seed",
            "1",
            "-H",
            f"Authorization: Bearer {ADMIN}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "generated" in result.stdout  # it really ran test cases
