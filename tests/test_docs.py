"""The README matches the code: every setting, command and endpoint it should mention, it mentions."""

from __future__ import annotations

import re

from core.settings import Settings
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        assert f"HALN_{name.upper()}" in README, name
        assert field.description, f"{name} has no description"


def test_every_command_is_documented() -> None:
    from cli.main import app

    commands = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    for command in commands:
        assert f"haln {command}" in README, command


def test_every_endpoint_is_documented() -> None:
    from api.app import create_app

    paths = set(create_app(Settings()).openapi()["paths"])
    assert len(paths) == 11
    documented = re.sub(r"\{[^}]+\}", "{}", README)
    for path in paths:
        assert re.sub(r"\{[^}]+\}", "{}", path) in documented, path
    assert README.startswith("# HALN anchor assistant")
    assert (
        "make run" in README.split("## What it does")[0] and "make test" in README.split("## What it does")[0]
    )
