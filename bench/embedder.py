"""Embedder benchmark: the int8 ONNX Runtime export against torch on the same chunks (throughput ratio),
and the retrieval-quality difference on the dev question set (hit@5 must not drop by more than 0.01
for ONNX to become the default). Run: python bench/embedder.py
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from common import ROOT, machine, save
from ingest_bench_helpers import chunk_texts

from assistant.service import Assistant
from core.embedding import load_embedder
from core.settings import Settings
from evals.baselines import ours
from evals.questions import load_questions
from evals.runner import run_questions
from ingest.sync import build_ingestor


def quality(kind: str) -> dict[str, float]:
    data = Path(tempfile.mkdtemp(prefix=f"haln-bench-{kind}-"))
    try:
        settings = Settings(data_dir=data, corpus_dir=ROOT / "corpus", embedder=kind)  # type: ignore[arg-type]
        embedder = load_embedder(settings.embed_batch_size, kind)
        build_ingestor(settings, embedder=embedder).sync([ROOT / "corpus"])
        assistant = Assistant.from_settings(settings, embedder=embedder)
        summary = run_questions(
            kind, load_questions(ROOT / "evals/questions/dev.jsonl"), ours(assistant)
        ).summary()
        return {k: summary[k] for k in ("hit_at_5", "mrr", "refusal_accuracy")}
    finally:
        shutil.rmtree(data, ignore_errors=True)


def throughput(kind: str, texts: list[str]) -> float:
    embedder = load_embedder(64, kind)
    embedder.embed_texts(texts[:64])  # warm-up
    started = time.perf_counter()
    embedder.embed_texts(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    texts = chunk_texts(ROOT / "corpus", Settings())
    torch_rate, onnx_rate = throughput("torch", texts), throughput("onnx-int8", texts)
    torch_q, onnx_q = quality("torch"), quality("onnx-int8")
    drop = round(torch_q["hit_at_5"] - onnx_q["hit_at_5"], 4)
    results = {
        "machine": machine(),
        "chunks": len(texts),
        "torch_chunks_per_s": round(torch_rate, 2),
        "onnx_int8_chunks_per_s": round(onnx_rate, 2),
        "onnx_to_torch_throughput_ratio": round(onnx_rate / torch_rate, 3),
        "torch_quality": torch_q,
        "onnx_int8_quality": onnx_q,
        "hit_at_5_drop": drop,
        "onnx_can_be_default": drop <= 0.01,
    }
    save("embedder", results)
    for key, value in results.items():
        if key != "machine":
            print(f"{key:32s} {value}")


if __name__ == "__main__":
    main()
