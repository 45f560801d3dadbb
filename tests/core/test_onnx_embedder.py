"""ONNX Runtime exports of the bundled weights: fp32 gives torch's vectors (and serves questions by
default), int8 is close to torch, keeps its own index, and works end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.index import IndexHolder
from assistant.service import Assistant
from core.embedding import MODEL_NAME, DualRuntimeEmbedder, MiniLMEmbedder
from core.onnx_embedder import ONNX_NAME, OnnxEmbedder
from core.onnx_export import export_fp32, export_int8
from core.settings import Settings
from core.store import ChunkStore
from ingest.sync import build_ingestor
from tests.conftest import copy_docs

SENTENCES = [
    "The Leeds Health and Care Academy recruits local people into NHS careers.",
    "Free trees can be planted in the grounds of NHS trusts.",
    "Social value clauses in procurement contracts",
]


@pytest.fixture(scope="module")
def fp32_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_fp32(tmp_path_factory.mktemp("onnx") / "model-fp32.onnx")


@pytest.fixture(scope="module")
def torch_embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder(batch_size=8)


def test_fp32_export_gives_torch_vectors_and_serves_questions(
    fp32_model: Path, torch_embedder: MiniLMEmbedder
) -> None:
    reference = torch_embedder.embed_texts(SENTENCES)
    dual = DualRuntimeEmbedder(batch_size=8, onnx_path=fp32_model, threads=1)
    assert dual.name == MODEL_NAME  # same vectors, so the same index fingerprint
    for sentence, expected in zip(SENTENCES, reference, strict=True):
        assert float(dual.embed_query(sentence) @ expected) > 0.9999
    # Few texts go through ONNX Runtime, many through torch: the vectors agree either way.
    few = dual.embed_texts(SENTENCES)
    many = dual.embed_texts(SENTENCES * 30)
    assert dual._documents is not None  # torch was loaded for the large batch only
    assert np.allclose(few, reference, atol=1e-4) and np.allclose(many[:3], reference, atol=1e-4)


def test_int8_export_is_close_to_torch_and_indexes_apart(
    tmp_path: Path, fp32_model: Path, torch_embedder: MiniLMEmbedder
) -> None:
    model = export_int8(tmp_path / "model-int8.onnx", fp32=fp32_model)
    assert model.exists() and model.stat().st_size < 40_000_000  # int8: about a quarter of fp32
    onnx = OnnxEmbedder(model, batch_size=8)
    vectors = onnx.embed_texts(SENTENCES)
    reference = torch_embedder.embed_texts(SENTENCES)
    cosines = (vectors * reference).sum(axis=1)
    assert np.all(cosines > 0.97), cosines
    assert np.all(cosines < 0.9999)  # close, not the same: hence its own fingerprint
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # Activations are quantised per batch, so alone and in a batch agree closely but not exactly.
    assert float(onnx.embed_query(SENTENCES[0]) @ vectors[0]) > 0.98

    corpus = copy_docs(
        tmp_path / "corpus",
        ["markdown/haln-vibrant-network-qa.md", "markdown/preston-spend-analysis-guide.md"],
    )
    settings = Settings(data_dir=tmp_path / "data", embedder="onnx-int8")
    assert not build_ingestor(settings, embedder=onnx).sync([corpus]).failed
    store = ChunkStore.from_settings(settings)
    assert store.collection().metadata["embed_model"] == ONNX_NAME
    assistant = Assistant(settings, IndexHolder(store), onnx)
    answer = assistant.answer("How do I join the Health Anchors Learning Network?")
    assert not answer.refused and answer.citations[0].doc_id == "haln-vibrant-network-qa"
