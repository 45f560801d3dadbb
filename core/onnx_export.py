"""Export the bundled MiniLM weights to ONNX (fp32 for question vectors, int8 for HALN_EMBEDDER=onnx-int8),
checked against torch. Run at install time: `python -m core.onnx_export`."""

from __future__ import annotations

import sys
from pathlib import Path

from core.embedding import MiniLMEmbedder
from core.model import MODEL_NAME, model_dir
from core.onnx_embedder import DEFAULT_FP32_PATH, DEFAULT_ONNX_PATH, OnnxEmbedder

# The fp32 export may stand in for torch only if it gives the same vectors.
MIN_FP32_COSINE = 0.9999
CHECK_SENTENCES = [
    "an example sentence",
    "Where do I start with social value in NHS procurement?",
    "The council set up an apprenticeship academy with local colleges and employers.",
]


def export_fp32(target: Path = DEFAULT_FP32_PATH) -> Path:
    """Export the bundled weights to an fp32 ONNX graph and check it against torch."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(model_dir()).eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir())

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


def export_all() -> list[Path]:
    fp32 = export_fp32()
    return [fp32, export_int8(fp32=fp32)]


if __name__ == "__main__":
    if sys.argv[1:] in ([], ["export"]):
        for path in export_all():
            print(f"exported {path}")
    else:
        print("usage: python -m core.onnx_export")
        sys.exit(2)
