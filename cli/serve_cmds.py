"""`haln serve`, `haln ui`, `haln run` and `haln feedback export`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, err_console, fail, user_errors
from core.settings import MAX_THREADS, Settings

feedback_app = typer.Typer(help="Work with practitioners' feedback on answers.", no_args_is_help=True)
UI_SCRIPT = Path(__file__).resolve().parent.parent / "ui" / "app.py"


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes; each loads the models once.")] = 1,
) -> None:
    """Start the answer API (FastAPI on uvicorn). Docs at http://HOST:PORT/docs."""
    import uvicorn

    from core.db import Database

    settings = Settings()
    with user_errors():
        # Migrate once here, so several workers never race to create the same tables.
        Database(settings.sqlalchemy_url, settings.log_questions, settings.log_retention_days).migrate()
    if settings.query_threads == 0:
        from core.embedding import default_threads

        # Answers in flight share the cores; more embedding threads than that only contend.
        threads = default_threads(workers * settings.answer_threads)
        os.environ["HALN_QUERY_THREADS"] = str(min(MAX_THREADS, threads))
    console.print(f"API on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_keep_alive=settings.keep_alive_s,
    )


def ui_command(port: int, api_url: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(UI_SCRIPT),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        # End users get no developer controls (Deploy, Rerun, Clear cache) and no tracebacks.
        "--client.toolbarMode",
        "minimal",
        "--client.showErrorDetails",
        "none",
    ]


def ui(
    port: Annotated[int, typer.Option(help="Port for the chat UI.")] = 8501,
    api_url: Annotated[str | None, typer.Option(help="Answer API URL (default HALN_API_URL).")] = None,
) -> None:
    """Start the Streamlit chat window for practitioners (it talks to the answer API)."""
    url = api_url or Settings().api_url
    env = {**os.environ, "HALN_API_URL": url}
    console.print(f"Chat UI on http://127.0.0.1:{port}  (API: {url})")
    raise typer.Exit(subprocess.call(ui_command(port, url), env=env))


def run(
    api_port: Annotated[int, typer.Option(help="Port for the answer API.")] = 8000,
    ui_port: Annotated[int, typer.Option(help="Port for the chat UI.")] = 8501,
) -> None:
    """Start the API and the chat UI together; Ctrl-C stops both."""
    api_url = f"http://127.0.0.1:{api_port}"
    env = {**os.environ, "HALN_API_URL": api_url}
    api = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(api_port)], env=env, start_new_session=True
    )
    ui_process = subprocess.Popen(
        ui_command(ui_port, api_url), env=env, start_new_session=True, stdout=subprocess.DEVNULL
    )
    console.print(f"[bold]Answer API[/]  {api_url}   (docs: {api_url}/docs)")
    console.print(f"[bold]Chat UI[/]     http://127.0.0.1:{ui_port}")
    console.print("Press Ctrl-C to stop both.")
    try:
        while api.poll() is None and ui_process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in (ui_process, api):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (ui_process, api):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@feedback_app.command("export")
def feedback_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL file to write.")] = Path(
        "evals/questions/feedback-candidates.jsonl"
    ),
) -> None:
    """Write thumbs-down answers as candidate eval questions (question-set JSONL) to complete by hand."""
    from core.db import Database

    settings = Settings()
    with user_errors():
        db = Database(settings.sqlalchemy_url, settings.log_questions, settings.log_retention_days)
        db.migrate()
        items = db.list_feedback("down", limit=100_000)
    written = skipped = 0
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as handle:
        for item in items:
            if not item.question:
                skipped += 1
                continue
            notes = f"from thumbs-down feedback {item.id}: reason: {item.reason or '-'}"
            notes += f"; comment: {item.comment or '-'}"
            notes += f"; cited: {', '.join(item.cited_sources) or 'nothing'}; fill expected_sources and kind"
            record = {
                "id": f"feedback-{item.id}",
                "question": item.question,
                "kind": "answerable",
                "history": [],
                "filters": {},
                "expected_sources": [],
                "must_mention": [],
                "notes": notes,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    console.print(f"Wrote {written} candidate questions to {output}.")
    if skipped:
        err_console.print(f"{skipped} thumbs-down items had no stored question (HALN_LOG_QUESTIONS off).")
    if not items:
        fail("no thumbs-down feedback stored yet", code=0)
