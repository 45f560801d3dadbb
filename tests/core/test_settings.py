"""Issue 19, case 8: settings read relative paths and `.env` from the project root, not the working folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings, find_project_root


def test_relative_paths_and_env_come_from_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HALN_PROJECT_ROOT", "HALN_DATA_DIR", "HALN_CORPUS_DIR", "HALN_CHUNK_SIZE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "corpus").mkdir()
    (tmp_path / ".env").write_text("HALN_CHUNK_SIZE=128\nHALN_DATA_DIR=store\n", encoding="utf-8")
    deeper = tmp_path / "notes" / "deeper"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    settings = Settings()
    assert settings.project_root == tmp_path.resolve() and settings.chunk_size == 128
    assert settings.data_dir == tmp_path.resolve() / "store"
    assert settings.corpus_dir == tmp_path.resolve() / "corpus"
    assert settings.questions_dir == tmp_path.resolve() / "evals" / "questions"
    assert settings.shown(tmp_path / "corpus" / "a.md") == "corpus/a.md"
    assert settings.shown("/elsewhere/b.md") == "/elsewhere/b.md"


def test_haln_project_root_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALN_PROJECT_ROOT", str(tmp_path))
    assert find_project_root(Path("/")) == tmp_path.resolve()
    assert Settings(data_dir=Path("d")).data_dir == tmp_path.resolve() / "d"
