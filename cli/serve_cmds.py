"""`haln serve`, `haln ui`, `haln run` and `haln feedback export`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
    with shared_metrics(workers):
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            timeout_keep_alive=settings.keep_alive_s,
        )


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_metrics(workers: int) -> Iterator[None]:
    """With several workers, prometheus-client's multiprocess mode: each worker writes its values to files
    in PROMETHEUS_MULTIPROC_DIR and `/metrics` adds them up. The folder is ours (a temporary one, removed
    at exit) unless the variable is already set, in which case its files from an earlier run are cleared,
    as prometheus-client requires. One worker keeps its metrics in memory."""
    if workers == 1:
        yield
        return
    given = os.environ.get(MULTIPROC_ENV)
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="haln-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)  # inherited by the worker processes uvicorn starts
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(folder, ignore_errors=True)


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
    with stop_signals_interrupt():
        process = subprocess.Popen(ui_command(port, url), env=env, start_new_session=True)
        raise typer.Exit(supervise([process]))


def run(
    api_port: Annotated[int, typer.Option(help="Port for the answer API.")] = 8000,
    ui_port: Annotated[int, typer.Option(help="Port for the chat UI.")] = 8501,
) -> None:
    """Start the API and the chat UI together; Ctrl-C (or SIGTERM) stops both."""
    api_url = f"http://127.0.0.1:{api_port}"
    env = {**os.environ, "HALN_API_URL": api_url}
    with stop_signals_interrupt():
        processes: list[subprocess.Popen[bytes]] = []
        try:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "cli.main", "serve", "--port", str(api_port)],
                    env=env,
                    start_new_session=True,
                )
            )
            processes.insert(
                0,
                subprocess.Popen(
                    ui_command(ui_port, api_url), env=env, start_new_session=True, stdout=subprocess.DEVNULL
                ),
            )
        except BaseException:
            stop_all(processes)
            raise
        console.print(f"[bold]Answer API[/]  {api_url}   (docs: {api_url}/docs)")
        console.print(f"[bold]Chat UI[/]     http://127.0.0.1:{ui_port}")
        console.print("Press Ctrl-C to stop both.")
        raise typer.Exit(supervise(processes))  # a child that failed by itself fails the command


class _Stopped(Exception):
    """A SIGTERM (or SIGHUP) arrived: stop the children as Ctrl-C would."""


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP stop `haln ui` / `haln run` the way Ctrl-C does, so a service manager, CI or
    `kill` never leaves Streamlit or uvicorn running behind (they run in their own sessions, so only
    we can stop them)."""

    def raise_stopped(signum: int, frame: object) -> None:
        raise _Stopped(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, raise_stopped) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def supervise(processes: list[subprocess.Popen[bytes]]) -> int:
    """Wait until one child exits or we are told to stop (Ctrl-C, SIGTERM); then stop them all.
    Returns the exit code to pass on: the child's own when it ended by itself, 0 when stopped."""
    code = 0
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.2)
        code = next(p.returncode for p in processes if p.returncode is not None)
    except (KeyboardInterrupt, _Stopped):
        code = 0
    finally:
        stop_all(processes)
    return code


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each child's process group, then SIGKILL what is still there after 15 s."""
    # A second signal while stopping must not cut the clean-up short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        for process in processes:
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
            _signal_group(process, signal.SIGKILL)  # anything the child left in its group
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@feedback_app.command("export")
def feedback_export(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="JSONL file to append to. Default: feedback-candidates.jsonl in HALN_QUESTIONS_DIR.",
        ),
    ] = None,
) -> None:
    """Append thumbs-down answers to a question-set file as draft questions to complete by hand.

    Each draft carries the question, the answer users got and the sources it cited; `haln eval` skips
    drafts (with a warning) until `kind`, `expected_sources` and `must_mention` are filled in and `draft`
    is removed. A question already in the file (or exported before) is not added again.
    """
    from core.db import Database
    from evals.feedback import export_candidates

    settings = Settings()
    output = output or settings.questions_dir / "feedback-candidates.jsonl"
    with user_errors():
        db = Database(settings.sqlalchemy_url, settings.log_questions, settings.log_retention_days)
        db.migrate()
        items = db.list_feedback("down", limit=100_000)
        result = export_candidates(items, output)
    console.print(
        f"Appended {result.written} draft question(s) to {output.absolute()} "
        f"({result.duplicates} already there or repeated).",
        soft_wrap=True,
    )
    if result.no_question:
        err_console.print(
            f"{result.no_question} thumbs-down items had no stored question (HALN_LOG_QUESTIONS off)."
        )
    if not items:
        fail("no thumbs-down feedback stored yet", code=0)
