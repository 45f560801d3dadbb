"""Ingest benchmark: raw embedder throughput vs full ingest on the same chunks, unchanged re-ingest,
peak RSS, and ingest time at 1x and Nx corpus size (synthetic documents made from the real ones).

Run: python bench/ingest.py [--scale 10]   (part of `make bench`)
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

from common import ROOT, machine, peak_rss_mb, save
from ingest_bench_helpers import chunk_texts

from core.embedding import embedder_from_settings
from core.settings import Settings
from ingest.sync import build_ingestor


def synthetic_corpus(target: Path, copies: int) -> Path:
    """`copies` variants of every Markdown document: new id and URL, paragraphs shuffled within sections."""
    rng = random.Random(7)
    out = target / "markdown"
    out.mkdir(parents=True)
    for source in sorted((ROOT / "corpus" / "markdown").glob("*.md")):
        text = source.read_text(encoding="utf-8")
        _, front, body = re.split(r"^---\s*$", text, maxsplit=2, flags=re.MULTILINE)
        for n in range(copies):
            sections = re.split(r"(?m)^(?=## )", body)
            shuffled = []
            for section in sections:
                head, *paras = section.split("\n\n")
                rng.shuffle(paras)
                shuffled.append("\n\n".join([head, *paras]))
            new_front = re.sub(r'(?m)^id: "?([^"\n]+?)"?$', rf'id: "\1-v{n}"', front)
            new_front = re.sub(r'(?m)^source_url: "?([^"\n]+?)"?$', rf'source_url: "\1#v{n}"', new_front)
            (out / f"{source.stem}-v{n}.md").write_text(
                f"---{new_front}---{''.join(shuffled)}", encoding="utf-8"
            )
    return target


def ingest_run(corpus: Path, embedder: object) -> tuple[float, float, int]:
    """(full ingest s, unchanged re-ingest s, chunks) into a fresh embedded index."""
    data = Path(tempfile.mkdtemp(prefix="haln-bench-"))
    try:
        settings = Settings(data_dir=data, corpus_dir=corpus)
        ingestor = build_ingestor(settings, embedder=embedder)  # type: ignore[arg-type]
        started = time.perf_counter()
        report = ingestor.sync([corpus])
        full = time.perf_counter() - started
        started = time.perf_counter()
        again = build_ingestor(settings, embedder=embedder).sync([corpus])  # type: ignore[arg-type]
        unchanged = time.perf_counter() - started
        assert not report.failed, report.failed[:3]
        assert again.chunks_embedded == 0
        return full, unchanged, report.chunks_embedded
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scale", type=int, default=10, help="Size multiple for the scale point (default 10)."
    )
    args = parser.parse_args()
    settings = Settings()
    embedder = embedder_from_settings(settings)
    corpus = ROOT / "corpus"

    texts = chunk_texts(corpus, settings)
    embedder.embed_texts(texts[:64])  # warm-up
    started = time.perf_counter()
    embedder.embed_texts(texts)
    raw_s = time.perf_counter() - started
    raw_rate = len(texts) / raw_s

    full_s, unchanged_s, chunks = ingest_run(corpus, embedder)
    ingest_rate = chunks / full_s
    results = {
        "machine": machine(),
        "chunks_1x": chunks,
        "raw_embedder_chunks_per_s": round(raw_rate, 2),
        "ingest_chunks_per_s": round(ingest_rate, 2),
        "ingest_to_embedder_ratio": round(ingest_rate / raw_rate, 3),
        "ingest_1x_s": round(full_s, 2),
        "unchanged_reingest_s": round(unchanged_s, 3),
        "unchanged_fraction_of_full": round(unchanged_s / full_s, 4),
    }

    tmp = Path(tempfile.mkdtemp(prefix="haln-bench-corpus-"))
    try:
        big = synthetic_corpus(tmp, args.scale)
        big_texts = chunk_texts(big, settings)
        sample = big_texts[:: max(1, len(big_texts) // 800)]
        started = time.perf_counter()
        embedder.embed_texts(sample)
        raw_big_rate = len(sample) / (time.perf_counter() - started)
        big_s, _, big_chunks = ingest_run(big, embedder)
        results.update(
            {
                "scale": args.scale,
                "chunks_nx": big_chunks,
                "ingest_nx_s": round(big_s, 2),
                "raw_embedder_chunks_per_s_nx_sample": round(raw_big_rate, 2),
                "ingest_nx_chunks_per_s": round(big_chunks / big_s, 2),
                "ingest_nx_to_embedder_ratio": round((big_chunks / big_s) / raw_big_rate, 3),
            }
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["peak_rss_mb"] = peak_rss_mb()
    save("ingest", results, echo=True)


if __name__ == "__main__":
    main()
