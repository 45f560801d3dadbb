"""The int8 ONNX Runtime embedder: exported from the bundled weights, close to torch, usable end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.index import IndexHolder
from assistant.service import Assistant
from core.embedding import MiniLMEmbedder
from core.onnx_embedder import ONNX_NAME, OnnxInt8Embedder, export_int8
from core.settings import Settings
from core.store import ChunkStore
from ingest.sync import build_ingestor
from tests.conftest import copy_docs

SENTENCES = [
    "The Leeds Health and Care Academy recruits local people into NHS careers.",
    "Free trees can be planted in the grounds of NHS trusts.",
    "Social value clauses in procurement contracts",
]


def test_export_is_close_to_torch_and_indexes_apart(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    model = export_int8(tmp_path / "model-int8.onnx")
    assert model.exists() and model.stat().st_size < 40_000_000  # int8: about a quarter of fp32
    onnx = OnnxInt8Embedder(model, batch_size=8)
    vectors = onnx.embed_texts(SENTENCES)
    reference = embedder.embed_texts(SENTENCES)
    cosines = (vectors * reference).sum(axis=1)
    assert np.all(cosines > 0.97), cosines
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
