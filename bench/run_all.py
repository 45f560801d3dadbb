"""`make bench`: run the ingest, query and API-load benchmarks and write bench/RESULTS.md."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import OUT, ROOT, machine

SCRIPTS = ["ingest.py", "query.py", "api_load.py", "embedder.py", "snapshot.py", "soak.py"]


def run(script: str, args: list[str] | None = None) -> dict:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "bench" / script), *(args or [])], check=True, cwd=ROOT)
    data = json.loads((OUT / script.replace(".py", ".json")).read_text(encoding="utf-8"))
    data["bench_seconds"] = round(time.perf_counter() - started, 1)
    return data


def chart(ingest: dict, query: dict) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    sizes = [ingest["chunks_1x"], ingest["chunks_nx"]]
    left.plot(sizes, [ingest["ingest_1x_s"], ingest["ingest_nx_s"]], "o-", label="full ingest")
    floor = [
        sizes[0] / ingest["raw_embedder_chunks_per_s"],
        sizes[1] / ingest["raw_embedder_chunks_per_s_nx_sample"],
    ]
    left.plot(sizes, floor, "s--", label="raw embedder (floor)")
    left.set_xlabel("chunks")
    left.set_ylabel("seconds")
    left.set_title("Ingest time")
    left.legend()
    labels = [k for k in ("1x", "10x", "100x", "100k") if k in query]
    chunks = [query[k]["chunks"] for k in labels]
    right.plot(chunks, [query[k]["hybrid_unfiltered_p95_ms"] for k in labels], "o-", label="hybrid p95")
    right.plot(
        chunks, [query[k]["hybrid_filtered_p95_ms"] for k in labels], "o-", label="hybrid filtered p95"
    )
    right.plot(
        chunks, [query[k]["answer_unfiltered_p95_ms"] for k in labels], "^-", label="extractive answer p95"
    )
    right.set_xscale("log")
    right.set_xlabel("chunks")
    right.set_ylabel("ms")
    right.set_title("Query latency")
    right.legend(fontsize=8)
    fig.tight_layout()
    path = ROOT / "bench" / "scale.png"
    fig.savefig(path, dpi=100)
    return path


def snapshot_md(snap: dict, soak: dict) -> list[str]:
    st = snap["store"]
    full, first, restored = st["full_build"], st["first_worker"], st["snapshot"]
    lines = [
        "",
        "## Index snapshots (`bench/snapshot.py`)",
        "",
        f"A synthetic store of {st['chunks']} chunks in embedded Chroma (like the 100k query point). Each row is "
        "a fresh process loading the index as an API worker does, timed from process start to the index in "
        "hand; `haln serve` is timed from process start to `/readyz` 200.",
        "",
        "| how the index is loaded | ready s | RSS MB (anonymous) | ratio to full build |",
        "|---|---|---|---|",
        f"| full build from the store (snapshots off, the old way) | {full['ready_s']} | {full['rss_mb']} "
        f"({full['rss_anon_mb']}) | 1 |",
        f"| first worker: build and save the snapshot | {first['ready_s']} | {first['rss_mb']} "
        f"({first['rss_anon_mb']}) | {round(first['ready_s'] / full['ready_s'], 3)} |",
        f"| restore the snapshot (memory-mapped) | {restored['ready_s']} | {restored['rss_mb']} "
        f"({restored['rss_anon_mb']}) | **{st['ready_ratio']}** |",
        f"| `haln serve` to `/readyz` 200, full build | {st['api_ready_full_build_s']} | — | 1 |",
        f"| `haln serve` to `/readyz` 200, snapshot | {st['api_ready_snapshot_s']} | — | **{st['api_ready_ratio']}** |",
        "",
        f"Snapshot on disk: {st['snapshot_mb']} MB; writing the store took {st['store_write_s']} s. Targets "
        "(issue 17): worker ready ≤ 5 s from process start and API RSS ≤ 1 GB at 100k chunks. The anonymous "
        "part of RSS is private to a worker; the rest is file pages the kernel shares between workers.",
    ]
    if "switch_delta" in st:
        full_switch, delta_switch, late = st["switch_full"], st["switch_delta"], st["start_after_change"]
        lines += [
            "",
            f"A change of {st['changed_docs']} documents (new text, as an ingest writes it) while a worker "
            "serves, timed from the store's new version to the worker serving it (the worker checks the "
            "version every second here; the default `HALN_INDEX_CHECK_S` of 5 s adds up to 5 s to both):",
            "",
            "| how the worker switches | switch s | RSS MB (anonymous) after | ratio to full rebuild |",
            "|---|---|---|---|",
            f"| full rebuild and save (deltas off, the way before deltas) | {full_switch['switch_s']} | "
            f"{full_switch['rss_mb']} ({full_switch['rss_anon_mb']}) | 1 |",
            f"| delta on the index in hand (`assistant/delta.py`) | {delta_switch['switch_s']} | "
            f"{delta_switch['rss_mb']} ({delta_switch['rss_anon_mb']}) | **{st['switch_ratio']}** |",
            "",
            f"A worker started after the change (its snapshot not saved yet) restores the last snapshot and "
            f"applies the change as a delta: ready in {late['ready_s']} s ({late['rss_mb']} MB RSS).",
        ]
    million = snap.get("million")
    if million:
        r = million["restore"]
        lines += [
            "",
            f"1M chunks (`python bench/snapshot.py --million`, no Chroma at this size): building the index "
            f"{million['build_s']} s, saving it {million['save_s']} s, restoring it in a fresh process "
            f"{r['ready_s']} s (**{round(r['ready_s'] / million['build_s'], 3)}** of the build), RSS "
            f"{r['rss_mb']} MB ({r['rss_anon_mb']} anonymous); hybrid retrieval p95 "
            f"{million['hybrid_unfiltered_p95_ms']} ms unfiltered, {million['hybrid_filtered_p95_ms']} ms "
            f"filtered, beside a floor of query embedding {million['floor_embed_p95_ms']} ms + BM25 top-20 "
            f"{million['floor_bm25_p95_ms']} ms.",
        ]
    else:
        lines += ["", "1M chunks: opt-in (`python bench/run_all.py --million`), not in this run."]
    lines += [
        "",
        "## Soak (`bench/soak.py`)",
        "",
        f"{soak['minutes']} min of mixed traffic ({soak['clients']} clients: answers, streamed answers, chat, "
        f"sources, feedback, readiness, metrics) against `haln serve --workers {soak['workers']}` on 127.0.0.1 "
        f"with the rate limit raised: {soak['requests']} requests ({soak['requests_per_s']}/s, p95 "
        f"{soak['p95_ms']} ms), **{soak['errors']} errors**, RSS {soak['rss_after_warm_up_mb']} MB after "
        f"warm-up → {soak['rss_final_mb']} MB at the end (**{round(100 * soak['rss_growth'], 1)}%** growth; "
        "target 0 errors and < 10%). `python bench/soak.py --minutes 5` is the long run.",
    ]
    return lines


def results_md(ingest: dict, query: dict, api: dict, emb: dict, snap: dict, soak: dict) -> str:
    m = machine()
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')}: Python {m['python']}, {m['cpus']} CPUs, {m['platform']}.",
        "Every ratio compares two figures measured side by side in the same run.",
        "",
        "## Ingest (`bench/ingest.py`)",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| raw embedder throughput | {ingest['raw_embedder_chunks_per_s']} chunks/s | — |",
        f"| full ingest throughput ({ingest['chunks_1x']} chunks) | {ingest['ingest_chunks_per_s']} chunks/s | — |",
        f"| ingest / raw embedder | {ingest['ingest_to_embedder_ratio']} | ≥ 0.8 |",
        f"| unchanged re-ingest | {ingest['unchanged_reingest_s']} s = {ingest['unchanged_fraction_of_full']} of full | ≤ 0.03 |",
        f"| {ingest['scale']}× corpus ({ingest['chunks_nx']} chunks) ingest | {ingest['ingest_nx_s']} s | — |",
        f"| {ingest['scale']}× ingest / raw embedder on the same chunks | {ingest['ingest_nx_to_embedder_ratio']} | ≥ 0.8 |",
        f"| peak RSS | {ingest['peak_rss_mb']} MB | — |",
        "",
        "## Query (`bench/query.py`)",
        "",
        "| chunks | hybrid p50 / p95 ms | filtered p50 / p95 ms | answer p95 ms (filtered) | floor p95 ms (filtered) | ratio to floor (filtered) |",
        "|---|---|---|---|---|---|",
    ]
    for label in ("1x", "10x", "100x", "100k"):
        q = query.get(label)
        if not q:
            continue
        floor = f"{q['floor_p95_ms']} ({q['floor_filtered_p95_ms']})" if "floor_p95_ms" in q else "—"
        ratio = (
            f"{q['hybrid_to_floor_ratio']} ({q['hybrid_filtered_to_floor_ratio']})"
            if "hybrid_to_floor_ratio" in q
            else "—"
        )
        lines.append(
            f"| {q['chunks']} | {q['hybrid_unfiltered_p50_ms']} / {q['hybrid_unfiltered_p95_ms']} | "
            f"{q['hybrid_filtered_p50_ms']} / {q['hybrid_filtered_p95_ms']} | {q['answer_unfiltered_p95_ms']} "
            f"({q['answer_filtered_p95_ms']}) | {floor} | {ratio} |"
        )
    big = query.get("100k", {})
    if big:
        lines += [
            "",
            f"Floor parts at 100k: query embedding p95 {big['floor_embed_p95_ms']} ms, raw Chroma top-20 p95 "
            f"{big['floor_chroma_p95_ms']} ms ({big['floor_chroma_filtered_p95_ms']} ms with a `where` filter), "
            f"raw BM25 top-20 p95 {big['floor_bm25_p95_ms']} ms. Targets: hybrid p95 ≤ 1.5× the floor and ≤ 40 ms "
            "at 100k, also filtered; extractive answer p95 ≤ 150 ms.",
            "",
            "Question vectors come from the fp32 ONNX export (same vectors as torch); torch itself takes "
            f"{big['torch_query_embed_p95_ms']} ms p95 per question in the same run. At 100k chunks dense search "
            f"is FAISS IVF-Flat: recall of the exact top 40 {big['dense_recall_at_40']} unfiltered, "
            f"{big['dense_recall_at_40_filtered']} filtered; building the in-memory index (synthetic texts, BM25, "
            f"IVF) took {big['index_build_s']} s.",
        ]
    q_lat = emb["question_latency"]
    lines += [
        "",
        "## Embedder (`bench/embedder.py`)",
        "",
        "| runtime | one question p50 / p95 ms | batch throughput | dev hit@5 / MRR |",
        "|---|---|---|---|",
        f"| torch | {q_lat['torch']['p50_ms']} / {q_lat['torch']['p95_ms']} | {emb['torch_chunks_per_s']} chunks/s | "
        f"{emb['torch_quality']['hit_at_5']} / {emb['torch_quality']['mrr']} |",
        f"| ONNX fp32 (question vectors, default) | {q_lat['onnx_fp32']['p50_ms']} / {q_lat['onnx_fp32']['p95_ms']} "
        "| — (torch embeds ingest batches) | same vectors as torch |",
        f"| ONNX int8 (`HALN_EMBEDDER=onnx-int8`) | {q_lat['onnx_int8']['p50_ms']} / {q_lat['onnx_int8']['p95_ms']} | "
        f"{emb['onnx_int8_chunks_per_s']} chunks/s ({emb['onnx_to_torch_throughput_ratio']}× torch) | "
        f"{emb['onnx_int8_quality']['hit_at_5']} / {emb['onnx_int8_quality']['mrr']} |",
    ]
    lines += [
        "",
        "## API load (`bench/api_load.py`)",
        "",
        "`haln serve` on 127.0.0.1 with its defaults (2 answer threads per worker), extractive backend, "
        f"load generator on the same cores; in-process `answer()`: {api['in_process_answers_per_s']} answers/s.",
        "",
        "| workers | concurrent clients | requests | answers/s | p50 ms | p95 ms | p99 ms | errors | ratio to in-process |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in api["runs"]:
        for lv in run["levels"]:
            lines.append(
                f"| {run['workers']} | {lv['concurrency']} | {lv['requests']} | {lv['answers_per_s']} | "
                f"{lv['p50_ms']} | {lv['p95_ms']} | {lv['p99_ms']} | {lv['errors']} | "
                f"{run['ratio_to_in_process'][str(lv['concurrency'])]} |"
            )
    lines += [
        "",
        "Targets: ≥ 30 answers/s at 8 concurrent, p95 < 500 ms at 32, 0 errors.",
    ]
    lines += snapshot_md(snap, soak)
    lines += ["", "![scale curves](scale.png)", ""]
    return "\n".join(lines)


def saved(script: str) -> dict:
    path = OUT / script.replace(".py", ".json")
    if not path.exists():
        raise SystemExit(f"no saved results at {path}: run it first (python bench/run_all.py)")
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SCRIPTS,
        help="Run only these benchmarks; the others' last saved results (bench/out/*.json) are reused.",
    )
    parser.add_argument("--million", action="store_true", help="Add the 1M-chunk snapshot point (slow).")
    parser.add_argument("--soak-minutes", type=float, default=1.0, help="Soak length (default 1 minute).")
    args = parser.parse_args()
    chosen = args.only or SCRIPTS
    extra = {
        "snapshot.py": ["--million"] if args.million else [],
        "soak.py": ["--minutes", str(args.soak_minutes)],
    }
    ingest, query, api, emb, snap, soak = (run(s, extra.get(s)) if s in chosen else saved(s) for s in SCRIPTS)
    chart(ingest, query)
    text = results_md(ingest, query, api, emb, snap, soak)
    (ROOT / "bench" / "RESULTS.md").write_text(text, encoding="utf-8")
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
