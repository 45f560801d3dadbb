"""Embedder benchmark: the int8 ONNX Runtime export against torch on the same chunks (throughput ratio),
the retrieval-quality difference on the dev question set (hit@5 must not drop by more than 0.01
for ONNX to become the default), and one-question latency of torch, the fp32 ONNX export (which serves
question vectors by default) and int8, side by side. Run: python bench/embedder.py
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from common import ROOT, machine, p, save, timed
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


def question_latency(questions: list[str]) -> dict[str, dict[str, float]]:
    """p50/p95 ms to embed one question, per runtime, all with the same thread count."""
    runtimes = {
        "torch": load_embedder(64, "torch", "torch"),
        "onnx_fp32": load_embedder(64, "torch", "onnx"),
        "onnx_int8": load_embedder(64, "onnx-int8"),
    }
    out = {}
    for name, embedder in runtimes.items():
        samples = [
            timed(lambda e=embedder, q=question: e.embed_query(q), 1)[0]  # type: ignore[misc]
            for question in questions * 3
        ]
        out[name] = {"p50_ms": p(samples, 50), "p95_ms": p(samples, 95)}
    return out


def main() -> None:
    questions = [q.question for q in load_questions(ROOT / "evals/questions/dev.jsonl")]
    latency = question_latency(questions)
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
        "question_latency": latency,
        "onnx_fp32_to_torch_question_p95_ratio": round(
            latency["onnx_fp32"]["p95_ms"] / latency["torch"]["p95_ms"], 3
        ),
    }
    save("embedder", results, echo=True)


if __name__ == "__main__":
    main()
