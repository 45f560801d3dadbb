"""`haln ui` and `haln run` stop their children (Streamlit, uvicorn) on SIGTERM and SIGINT.

Real processes: the test starts the command, waits until its servers answer, signals it with `kill`,
then checks that every process it started is gone and its ports are free again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cli_helpers import REPO, haln_command, haln_env
from tests.conftest import free_port


def descendants(pid: int) -> set[int]:
    """Every live process below pid (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier}
        frontier = children - found
        found |= children
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_until_up(process: subprocess.Popen[bytes], urls: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(urls)
    while waiting and time.monotonic() < deadline:
        assert process.poll() is None, f"the command exited with {process.returncode}"
        try:
            if httpx.get(waiting[0], timeout=1).status_code == 200:
                waiting.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    assert not waiting, f"not answering: {waiting}"


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("command", ["ui", "run"])
def test_a_signal_stops_the_children_and_frees_the_ports(
    command: str, how: signal.Signals, tmp_path: Path
) -> None:
    ui_port = free_port()
    api_port = free_port()
    if command == "ui":
        args = ["ui", "--port", str(ui_port), "--api-url", f"http://127.0.0.1:{api_port}"]
        urls = [f"http://127.0.0.1:{ui_port}/_stcore/health"]
        ports = [ui_port]
    else:
        args = ["run", "--ui-port", str(ui_port), "--api-port", str(api_port)]
        urls = [f"http://127.0.0.1:{ui_port}/_stcore/health", f"http://127.0.0.1:{api_port}/healthz"]
        ports = [ui_port, api_port]
    (tmp_path / "corpus").mkdir()
    process = subprocess.Popen(
        haln_command(*args),
        cwd=REPO,
        env=haln_env(tmp_path / "data", HALN_CORPUS_DIR=str(tmp_path / "corpus")),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: set[int] = set()
    try:
        wait_until_up(process, urls)
        children = descendants(process.pid)
        assert children, "no child processes found"
        os.kill(process.pid, how)  # as `kill -TERM` / `kill -INT` would
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (
            any(alive(pid) for pid in children) or not all(port_free(p) for p in ports)
        ):
            time.sleep(0.2)
        assert [pid for pid in children if alive(pid)] == [], "children left running"
        assert all(port_free(p) for p in ports), "a port is still held"
    finally:
        for pid in children | {process.pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.wait()


def test_run_fails_and_stops_the_ui_when_the_api_cannot_start(tmp_path: Path) -> None:
    ui_port = free_port()
    with socket.socket() as taken:  # the API's port is already in use
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        api_port = taken.getsockname()[1]
        (tmp_path / "corpus").mkdir()
        result = subprocess.run(
            haln_command("run", "--ui-port", str(ui_port), "--api-port", str(api_port)),
            cwd=REPO,
            env=haln_env(tmp_path / "data", HALN_CORPUS_DIR=str(tmp_path / "corpus")),
            capture_output=True,
            timeout=120,
        )
    assert result.returncode != 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not port_free(ui_port):
        time.sleep(0.2)
    assert port_free(ui_port)  # Streamlit was stopped with it
