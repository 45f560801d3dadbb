"""A real uvicorn serving the API on a free loopback port, over a small real index."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from core.embedding import Embedder
from core.settings import Settings
from ingest.sync import build_ingestor
from tests.cli_helpers import REPO, haln_env
from tests.conftest import copy_docs, free_port
from tests.fake_llm_server import FakeLLM, fake_llm_server
from tests.pg_server import pg_available, postgres_server

CLIENT_KEY = "client-key-1"
SPARE_KEY = "client-key-2"
# A key of its own for modules that send many requests in a burst, so they never meet the 30/minute limit
# the other modules share (a fast machine ran them within one minute of each other).
BURST_KEY = "client-key-3"
ADMIN_KEY = "admin-secret"


@dataclass
class RunningApi:
    url: str
    data_dir: Path
    corpus: Path
    process: subprocess.Popen[bytes]


def start_api(data_dir: Path, corpus: Path, **env: str) -> RunningApi:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
        cwd=REPO,
        env=haln_env(data_dir, HALN_CORPUS_DIR=str(corpus), **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"API exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return RunningApi(url, data_dir, corpus, process)
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("API did not start in 120 s")


def stop_api(api: RunningApi) -> None:
    api.process.terminate()
    try:
        api.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        api.process.kill()


@pytest.fixture(scope="session")
def api_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("api")
    corpus = copy_docs(root / "corpus")
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, chroma_url=None)
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed
    return settings.data_dir, corpus


@pytest.fixture(scope="session")
def api(api_index: tuple[Path, Path]) -> Iterator[RunningApi]:
    data_dir, corpus = api_index
    running = start_api(
        data_dir,
        corpus,
        HALN_API_KEYS=f"{CLIENT_KEY},{SPARE_KEY},{BURST_KEY}",
        HALN_ADMIN_API_KEY=ADMIN_KEY,
        HALN_RATE_LIMIT_PER_MINUTE="30",
        HALN_MAX_BODY_BYTES="20000",
    )
    yield running
    stop_api(running)


@pytest.fixture
def client(api: RunningApi) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=api.url, headers={"Authorization": f"Bearer {CLIENT_KEY}"}, timeout=60
    ) as http:
        yield http


@pytest.fixture
def admin(api: RunningApi) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60) as http:
        yield http


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeLLM]:
    with fake_llm_server() as fake:
        yield fake


@pytest.fixture(scope="module")
def llm_api(  # an API whose LLM backend is the fake server: one per test module
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, fake_llm: FakeLLM
) -> Iterator[RunningApi]:
    root = tmp_path_factory.mktemp("fake-llm-api")
    corpus = copy_docs(root / "corpus", ["markdown/haln-lambeth-gp-food-coop-case-study.md"])
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, chroma_url=None)
    assert not build_ingestor(settings, embedder=embedder).sync([corpus]).failed
    running = start_api(
        Path(settings.data_dir),
        corpus,
        HALN_BACKEND="llm",
        HALN_LLM_BASE_URL=fake_llm.base_url,
        HALN_LLM_MAX_RETRIES="0",
        HALN_LLM_TIMEOUT_S="10",
        HALN_RATE_LIMIT_PER_MINUTE="1000",
    )
    yield running
    stop_api(running)


PORTAL_KEY = "portal-key"  # the contract API's client key: one portal serving many users
PAGE_ORIGIN_HOST = "127.0.0.1"
CONTRACT_ANSWERS_PER_MINUTE = 5
CONTRACT_READS_PER_MINUTE = 10


@dataclass
class ContractApi:
    api: RunningApi
    page_origin: str  # the one origin CORS allows (a page served on another port)
    page_port: int


@pytest.fixture(scope="session")
def contract_api(api_index: tuple[Path, Path]) -> Iterator[ContractApi]:
    """An API configured as a browser portal uses it: CORS for the portal's origin, tight limits."""
    data_dir, corpus = api_index
    page_port = free_port()
    origin = f"http://{PAGE_ORIGIN_HOST}:{page_port}"
    running = start_api(
        data_dir,
        corpus,
        HALN_API_KEYS=PORTAL_KEY,
        HALN_ADMIN_API_KEY=ADMIN_KEY,
        HALN_CORS_ORIGINS=origin,
        # Tight limits, so the tests reach them: each test names its own end user (X-HALN-User).
        HALN_RATE_LIMIT_PER_MINUTE=str(CONTRACT_ANSWERS_PER_MINUTE),
        HALN_READ_RATE_LIMIT_PER_MINUTE=str(CONTRACT_READS_PER_MINUTE),
        HALN_MAX_BODY_BYTES="20000",
    )
    yield ContractApi(running, origin, page_port)
    stop_api(running)


@pytest.fixture(scope="session")
def empty_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApi]:
    """An API over a data folder nothing has been ingested into."""
    root = tmp_path_factory.mktemp("empty-api")
    (root / "corpus").mkdir()
    running = start_api(root / "data", root / "corpus", HALN_RATE_LIMIT_PER_MINUTE="1000")
    yield running
    stop_api(running)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A real PostgreSQL on loopback for one test module (skipped where it is not installed)."""
    if not pg_available():
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it")
    with postgres_server() as url:
        yield url
