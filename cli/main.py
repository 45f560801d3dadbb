"""The `haln` command line: a thin shell over `ingest/` and `assistant/`."""

from __future__ import annotations

import typer

from cli import ask_cmds, check_cmds, eval_cmds, gaps_cmds, ingest_cmds, serve_cmds, sources_cmds

app = typer.Typer(
    name="haln",
    help="HALN anchor assistant: ingest the corpus, ask where to start, serve the API and the chat UI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("ingest")(ingest_cmds.ingest)
app.command("stats")(ingest_cmds.stats)
app.command("check")(check_cmds.check)
app.add_typer(sources_cmds.sources_app, name="sources")
app.command("ask")(ask_cmds.ask)
app.command("chat")(ask_cmds.chat)
app.command("serve")(serve_cmds.serve)
app.command("ui")(serve_cmds.ui)
app.command("run")(serve_cmds.run)
app.add_typer(serve_cmds.feedback_app, name="feedback")
app.command("eval")(eval_cmds.eval_command)
app.command("gaps")(gaps_cmds.gaps)


if __name__ == "__main__":
    app()
