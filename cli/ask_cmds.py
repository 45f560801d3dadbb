"""`haln ask` and `haln chat`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import BaseModel, ConfigDict, ValidationError
from rich.markdown import Markdown
from rich.panel import Panel

from cli.common import console, err_console, fail, user_errors
from core.schemas import Answer, Asker, ChatTurn, SearchFilters
from core.settings import Settings

BackendOption = Annotated[
    Literal["extractive", "llm"] | None,
    typer.Option("--backend", help="extractive (offline, default) or llm (needs HALN_LLM_BASE_URL)."),
]
ThemeOption = Annotated[
    list[str] | None, typer.Option("--theme", help="Only sources with this theme (repeatable).")
]
OrgOption = Annotated[
    list[str] | None, typer.Option("--org-type", help="Only this organisation type (repeatable).")
]
NationOption = Annotated[list[str] | None, typer.Option("--nation", help="Only this nation (repeatable).")]
DocTypeOption = Annotated[
    list[str] | None, typer.Option("--doc-type", help="Only this document type (repeatable).")
]


class BatchLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    question: str
    history: list[ChatTurn] = []
    filters: SearchFilters = SearchFilters()
    asker: Asker | None = None


def _filters(
    theme: list[str] | None, org: list[str] | None, nation: list[str] | None, doc: list[str] | None
) -> SearchFilters:
    try:
        return SearchFilters.model_validate(
            {"themes": theme or [], "org_type": org or [], "nation": nation or [], "doc_type": doc or []}
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        option = {
            "themes": "--theme",
            "org_type": "--org-type",
            "nation": "--nation",
            "doc_type": "--doc-type",
        }
        name = option.get(str(error["loc"][0]), str(error["loc"][0]))
        fail(f"{name}: {error['msg']}")


def _asker(role: str | None, org_type: str | None, nation: str | None) -> Asker | None:
    if not (role or org_type or nation):
        return None
    try:
        return Asker.model_validate({"role": role, "org_type": org_type, "nation": nation})
    except ValidationError as exc:
        error = exc.errors()[0]
        option = {"role": "--as-role", "org_type": "--as-org", "nation": "--as-nation"}
        fail(f"{option.get(str(error['loc'][0]), str(error['loc'][0]))}: {error['msg']}")


def print_answer(answer: Answer) -> None:
    style = "yellow" if answer.refused else "green"
    title = "Not covered" if answer.refused else f"Answer ({answer.backend})"
    console.print(Panel(Markdown(answer.answer), title=title, border_style=style))
    if answer.fallback_reason:
        console.print(f"[yellow]Note:[/] {answer.fallback_reason}")
    for warning in answer.staleness_warnings:
        console.print(f"[yellow]Possibly out of date:[/] {warning}")
    for c in answer.citations:
        where = f", page {c.page}" if c.page else (f", section “{c.section}”" if c.section else "")
        console.print(f"[bold][{c.n}][/] {c.title} — {c.publisher} ({c.doc_type}{where})\n    {c.source_url}")


def ask(
    question: Annotated[str | None, typer.Argument(help="The question, in your own words.")] = None,
    theme: ThemeOption = None,
    org_type: OrgOption = None,
    nation: NationOption = None,
    doc_type: DocTypeOption = None,
    backend: BackendOption = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch", help='Answer every {"id","question","history"?,"filters"?} line of a JSONL file.'
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer model as JSON.")] = False,
    role: Annotated[
        str | None, typer.Option("--as-role", help='Who is asking: your role, e.g. "procurement lead".')
    ] = None,
    as_org: Annotated[
        str | None,
        typer.Option("--as-org", help="Who is asking: your organisation type, e.g. nhs_trust, university."),
    ] = None,
    as_nation: Annotated[
        str | None, typer.Option("--as-nation", help="Who is asking: your nation, e.g. Wales.")
    ] = None,
) -> None:
    """Ask where to start (or anything else the corpus covers); the answer cites its sources as \\[n]."""
    from assistant.service import Assistant

    if batch is None and not question:
        fail("give a QUESTION or --batch FILE.jsonl")
    filters = _filters(theme, org_type, nation, doc_type)
    with user_errors():
        assistant = Assistant.from_settings(Settings())
        if batch is not None:
            _ask_batch(assistant, batch, backend, as_json)
            return
        assert question is not None
        answer = assistant.answer(
            question, filters=filters, backend=backend, asker=_asker(role, as_org, as_nation)
        )
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
    else:
        print_answer(answer)


def _ask_batch(
    assistant: object, path: Path, backend: Literal["extractive", "llm"] | None, as_json: bool
) -> None:
    from assistant.service import Assistant

    assert isinstance(assistant, Assistant)
    if not path.exists():
        fail(f"{path}: no such file")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    for number, line in enumerate(lines, start=1):
        try:
            item = BatchLine.model_validate_json(line)
        except ValidationError as exc:
            err_console.print(
                f"[red]{path}:{number}[/] skipped: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}"
            )
            continue
        answer = assistant.answer(
            item.question, history=item.history, filters=item.filters, backend=backend, asker=item.asker
        )
        if as_json:
            sys.stdout.write(json.dumps({"id": item.id, **answer.model_dump()}, ensure_ascii=False) + "\n")
        else:
            console.rule(f"{item.id}: {item.question}")
            print_answer(answer)


def chat(backend: BackendOption = None) -> None:
    """An interactive conversation in the terminal; follow-up questions use the conversation so far."""
    from assistant.service import Assistant

    with user_errors():
        assistant = Assistant.from_settings(Settings())
    console.print(
        "Ask where to start with anchor work. Empty line or Ctrl-D to quit, /new for a new conversation."
    )
    history: list[ChatTurn] = []
    while True:
        try:
            question = console.input("[bold cyan]you>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        if question == "/new":
            history = []
            console.print("[dim]New conversation.[/]")
            continue
        with user_errors():
            answer = assistant.answer(question, history=history, backend=backend)
        print_answer(answer)
        history += [
            ChatTurn(role="user", content=question),
            ChatTurn(role="assistant", content=answer.answer[:2000]),
        ]
