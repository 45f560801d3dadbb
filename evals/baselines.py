"""Systems compared side by side on the same index and questions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from assistant.index import SearchIndex
from assistant.retrieval import Hit
from assistant.service import Assistant
from assistant.sources import RetrievedSource
from core.schemas import Answer
from evals.questions import EvalQuestion

AnswerFn = Callable[[EvalQuestion], Answer]


def ours(assistant: Assistant, backend: str | None = None) -> AnswerFn:
    def run(q: EvalQuestion) -> Answer:
        return assistant.answer(q.question, q.history, q.filters, backend=backend, asker=q.asker)  # type: ignore[arg-type]

    return run


def with_retrieval(assistant: Assistant, **changes: object) -> AnswerFn:
    """Our full pipeline with one retriever switched off (BM25 only, dense only)."""
    variant = Assistant(
        assistant.settings,
        assistant.index,
        assistant.embedder,
        assistant.llm,
        replace(assistant.config, retrieval=replace(assistant.config.retrieval, **changes)),  # type: ignore[arg-type]
    )
    return ours(variant)


def llamaindex_default(assistant: Assistant, top_k: int = 2) -> AnswerFn:
    """LlamaIndex's default: a VectorStoreIndex over the same chunks and vectors, dense top-2, no reranking.

    It retrieves only (no answer composition), so it is compared on retrieval metrics.
    """
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.schema import TextNode

    index: SearchIndex = assistant.index.get()
    LlamaSettings.embed_model = assistant.embedder.llama_model  # type: ignore[attr-defined]
    LlamaSettings.llm = MockLLM()  # its default would call OpenAI
    nodes = [
        TextNode(id_=chunk_id, text=text, embedding=index.embeddings[row].tolist(), metadata={"row": row})
        for row, (chunk_id, text) in enumerate(zip(index.ids, index.texts, strict=True))
        if index.alive is None or index.alive[row]
    ]
    retriever = VectorStoreIndex(nodes).as_retriever(similarity_top_k=top_k)

    def run(q: EvalQuestion) -> Answer:
        started = time.perf_counter()
        question = q.question if not q.history else f"{q.question} {q.history[0].content}"
        found = retriever.retrieve(question)
        sources = []
        for result in found:
            row = int(result.node.metadata["row"])
            hit = Hit(row, float(result.score or 0), float(result.score or 0), 0.0, None, None)
            sources.append(RetrievedSource(row, hit, index.ids[row], index.texts[row], index.metadatas[row]))
        retrieved = [s.citation(i + 1) for i, s in enumerate(sources)]
        return Answer(
            answer="\n".join(f"{s.text} [{i + 1}]" for i, s in enumerate(sources)),
            citations=retrieved,
            refused=False,
            backend="extractive",
            retrieved=retrieved,
            timings_ms={"total_ms": (time.perf_counter() - started) * 1000},
        )

    return run


def all_systems(assistant: Assistant) -> dict[str, AnswerFn]:
    return {
        "llamaindex-default (dense top-2)": llamaindex_default(assistant),
        "bm25-only": with_retrieval(assistant, use_dense=False),
        "dense-only": with_retrieval(assistant, use_bm25=False),
        "ours (hybrid)": ours(assistant),
    }
