"""Run the real `haln` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def haln_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALN_")}
    env.update({"HALN_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}, **extra)
    return env


def haln_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def run_haln(
    *args: str, data_dir: Path, cwd: Path | None = None, timeout: float = 300, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        haln_command(*args),
        cwd=cwd or REPO,
        env=haln_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
