"""Query benchmark: hybrid retrieval and extractive-answer latency, unfiltered and filtered, at corpus
size, 10x, 100x and 100k chunks, beside the floor measured in the same run: query embedding alone +
raw Chroma top-k + raw BM25 top-k.

The large indexes are synthetic, built from the real chunks: texts re-sampled, vectors = real
embeddings plus small noise, so nothing is re-embedded. Run: python bench/query.py
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ROOT, bm25_floor_p95_ms, corpus_index, machine, p, peak_rss_mb, save, timed

from assistant.config import DEFAULT_CONFIG
from assistant.dense import top_rows
from assistant.index import IndexHolder, SearchIndex
from assistant.service import Assistant
from core.embedding import embedder_from_settings, load_embedder
from core.schemas import SearchFilters
from core.settings import Settings
from core.store import ChunkStore
from evals.questions import load_questions

CANDIDATES = DEFAULT_CONFIG.retrieval.candidates
TOP_K = 20
FILTER = SearchFilters(doc_type=["case_study"])


def real_index(embedder: object) -> SearchIndex:
    settings = Settings(data_dir=corpus_index(embedder), corpus_dir=ROOT / "corpus")
    return SearchIndex.from_store(ChunkStore.from_settings(settings))


def synthetic(base: SearchIndex, size: int, seed: int = 3) -> SearchIndex:
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, base.size, size)
    noise = rng.normal(0, 0.02, (size, base.embeddings.shape[1])).astype(np.float32)
    vectors = base.embeddings[rows] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts, metas = [], []
    for i, row in enumerate(rows):
        other = int(rng.integers(0, base.size))
        sentences = base.texts[row].split(". ") + base.texts[other].split(". ")[:2]
        texts.append(". ".join(sentences))
        meta = dict(base.metadatas[row])
        meta["doc_id"] = f"{meta['doc_id']}-s{i // 8}"
        metas.append(meta)
    ids = [f"syn-{i:06d}" for i in range(size)]
    return SearchIndex(ids, texts, metas, vectors)


def chroma_collection(index: SearchIndex, path: Path) -> object:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection(
        "bench", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )
    step = 5000
    for start in range(0, index.size, step):
        end = min(start + step, index.size)
        collection.add(
            ids=index.ids[start:end],
            embeddings=index.embeddings[start:end],
            metadatas=[{"doc_type": str(m["doc_type"])} for m in index.metadatas[start:end]],
        )
    return collection


def dense_recall(index: SearchIndex, vectors: list[np.ndarray], mask: np.ndarray | None) -> float:
    """Share of the exact top-40 dense candidates that the index's dense search returns."""
    found = 0
    for vector in vectors:
        scores = index.embeddings @ vector
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        truth = set(top_rows(scores, CANDIDATES).tolist())
        found += len(truth & set(index.dense.search(vector, mask, CANDIDATES)))
    return round(found / (CANDIDATES * len(vectors)), 4)


def measure(
    index: SearchIndex, assistant: Assistant, questions: list[str], with_chroma: bool
) -> dict[str, float]:
    retriever = assistant.retriever
    embedder = assistant.embedder
    vectors = [embedder.embed_query(q) for q in questions]
    out: dict[str, float] = {"chunks": index.size, "dense_approximate": float(index.dense.approximate)}
    out["dense_recall_at_40"] = dense_recall(index, vectors, None)
    out["dense_recall_at_40_filtered"] = dense_recall(index, vectors, index.mask(FILTER))
    counter = iter(range(10**9))

    def next_q() -> str:
        return questions[next(counter) % len(questions)]

    for label, filters in (("unfiltered", None), ("filtered", FILTER)):
        # Distinct strings defeat the one-entry query-vector cache, so embedding is measured too.
        samples = timed(lambda f=filters: retriever.retrieve(index, next_q() + " ", 8, f), 200)  # type: ignore[misc]
        out[f"hybrid_{label}_p50_ms"] = p(samples, 50)
        out[f"hybrid_{label}_p95_ms"] = p(samples, 95)
        answers = timed(lambda f=filters: assistant.answer(next_q() + "  ", filters=f), 100)  # type: ignore[misc]
        out[f"answer_{label}_p50_ms"] = p(answers, 50)
        out[f"answer_{label}_p95_ms"] = p(answers, 95)

    out["floor_embed_p95_ms"] = p(timed(lambda: embedder.embed_query(next_q() + "   "), 200), 95)
    torch_embedder = load_embedder(64, "torch", "torch")
    out["torch_query_embed_p95_ms"] = p(timed(lambda: torch_embedder.embed_query(next_q() + "    "), 200), 95)
    out["floor_bm25_p95_ms"] = bm25_floor_p95_ms(index, questions, 200, k=TOP_K)
    if with_chroma:
        path = Path(tempfile.mkdtemp(prefix="haln-bench-chroma-"))
        try:
            collection = chroma_collection(index, path)

            def chroma(where: dict[str, str] | None) -> None:
                collection.query(
                    query_embeddings=[vectors[next(counter) % len(vectors)]], n_results=TOP_K, where=where
                )  # type: ignore[attr-defined]

            out["floor_chroma_p95_ms"] = p(timed(lambda: chroma(None), 100), 95)
            out["floor_chroma_filtered_p95_ms"] = p(
                timed(lambda: chroma({"doc_type": "case_study"}), 100), 95
            )
        finally:
            shutil.rmtree(path, ignore_errors=True)
        floor = out["floor_embed_p95_ms"] + out["floor_chroma_p95_ms"] + out["floor_bm25_p95_ms"]
        floor_filtered = (
            out["floor_embed_p95_ms"] + out["floor_chroma_filtered_p95_ms"] + out["floor_bm25_p95_ms"]
        )
        out["floor_p95_ms"] = round(floor, 2)
        out["floor_filtered_p95_ms"] = round(floor_filtered, 2)
        out["hybrid_to_floor_ratio"] = round(out["hybrid_unfiltered_p95_ms"] / floor, 3)
        out["hybrid_filtered_to_floor_ratio"] = round(out["hybrid_filtered_p95_ms"] / floor_filtered, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--max-chunks", type=int, default=100_000, help="Largest synthetic index (default 100k)."
    )
    args = parser.parse_args()
    settings = Settings()
    embedder = embedder_from_settings(settings)
    base = real_index(embedder)
    # Plain dev questions and the practitioner set's long, story-like ones (searched twice by meaning).
    questions = [
        q.question
        for name in ("dev", "practitioner")
        for q in load_questions(ROOT / f"evals/questions/{name}.jsonl")
    ]
    sizes = [("1x", base.size), ("10x", base.size * 10), ("100x", base.size * 100), ("100k", args.max_chunks)]
    results: dict[str, object] = {"machine": machine()}
    for label, size in sizes:
        started = time.perf_counter()
        index = base if size == base.size else synthetic(base, size)
        build_s = round(time.perf_counter() - started, 1)
        assistant = Assistant(settings, IndexHolder(None, index=index), embedder)
        results[label] = measure(index, assistant, questions, with_chroma=label in ("1x", "100k"))
        results[label]["index_build_s"] = build_s  # type: ignore[index]
        print(label, results[label], flush=True)
    results["peak_rss_mb"] = peak_rss_mb()
    save("query", results)


if __name__ == "__main__":
    main()
