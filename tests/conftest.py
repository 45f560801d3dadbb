"""Shared fixtures: one real embedder per session and small real indexes in tmp_path."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from core.embedding import MiniLMEmbedder, load_embedder
from core.settings import Settings

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"

# A small, varied slice of the real corpus: Markdown, HTML (with sidecar) and PDF (with sidecar).
SAMPLE_DOCS = [
    "markdown/haln-vibrant-network-qa.md",
    "markdown/haln-lambeth-gp-food-coop-case-study.md",
    "markdown/preston-spend-analysis-guide.md",
    "markdown/cles-sandwell-west-birmingham-hospitals.md",
    "markdown/north-ayrshire-cwb-council-case-study.md",
    "html/nhs-lanarkshire-anchor-organisation.html",
    "pdf/bnssg-inclusive-recruitment-toolkit.pdf",
]


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    return load_embedder(32)


def copy_docs(target: Path, docs: list[str] = SAMPLE_DOCS) -> Path:
    for rel in docs:
        src = CORPUS / rel
        dst = target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dst)
        sidecar = src.with_name(src.name + ".meta.yaml")
        if sidecar.exists():
            shutil.copy(sidecar, dst.with_name(dst.name + ".meta.yaml"))
    return target


@pytest.fixture
def sample_corpus(tmp_path: Path) -> Path:
    return copy_docs(tmp_path / "corpus")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", chroma_url=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path
