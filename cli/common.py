"""Shared CLI plumbing: consoles, error translation to exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console

from core.errors import DiskSpaceError, HalnError, IngestLockedError

console = Console()
err_console = Console(stderr=True)

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_NO_SPACE = 3  # too little free disk space to ingest (HALN_MIN_FREE_MB); nothing was written
EXIT_LOCKED = 4  # another ingest of the same index is running; nothing was written


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    err_console.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the project's errors into a one-line message and an exit code (2; 3 for a full disk, 4 while
    another ingest runs), never a traceback."""
    try:
        yield
    except DiskSpaceError as exc:
        fail(str(exc), EXIT_NO_SPACE)
    except IngestLockedError as exc:
        fail(str(exc), EXIT_LOCKED)
    except HalnError as exc:
        fail(str(exc))
    except FileNotFoundError as exc:
        fail(str(exc))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def lazy(import_path: str) -> Callable[..., Any]:
    """Import heavy modules only when a command runs, so `--help` stays instant."""
    module_name, _, attr = import_path.rpartition(".")

    def call(*args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(module_name), attr)(*args, **kwargs)

    return call
