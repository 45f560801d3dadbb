"""Issue 15, case 8: symlink loops and other paths an ingest does not follow are listed in its summary and
its JSON, not skipped silently; the good files beside them are indexed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli_helpers import run_haln
from tests.conftest import copy_docs


def test_symlink_loops_and_dangling_links_are_listed(tmp_path: Path) -> None:
    corpus = copy_docs(tmp_path / "corpus", ["markdown/haln-vibrant-network-qa.md"])
    (corpus / "loop.md").symlink_to(corpus / "loop.md")  # a link to itself
    (corpus / "ping").symlink_to(corpus / "pong")
    (corpus / "pong").symlink_to(corpus / "ping")  # two links pointing at each other
    (corpus / "gone.md").symlink_to(tmp_path / "deleted.md")
    (corpus / "markdown" / "up").symlink_to(corpus, target_is_directory=True)  # a folder loop
    os.mkfifo(corpus / "pipe.md")
    data = tmp_path / "data"

    result = run_haln("ingest", "--json", str(corpus), data_dir=data, HALN_MIN_FREE_MB="0")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    skipped = {Path(item["path"]).name: item["reason"] for item in report["skipped"]}
    assert skipped == {
        "loop.md": "symlink loop",
        "ping": "symlink loop",
        "pong": "symlink loop",
        "gone.md": "broken symlink (its target does not exist)",
        "up": "symlink to a folder (not followed)",
        "pipe.md": "not a regular file",
    }
    assert report["added"] == ["haln-vibrant-network-qa"]

    text = run_haln("ingest", str(corpus), data_dir=data, HALN_MIN_FREE_MB="0", COLUMNS="200")
    assert text.returncode == 0, text.stderr
    lines = " ".join(text.stdout.split())
    assert "skipped" in lines and "loop.md: symlink loop" in lines and "up: symlink to a folder" in lines
