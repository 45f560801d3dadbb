"""One error hierarchy for the project; only the CLI and API translate it to exit codes or HTTP codes."""

from __future__ import annotations

from pathlib import Path


class HalnError(Exception):
    """Base class: a problem the user can act on; the message says what to do."""


class DocumentError(HalnError):
    """A file could not be ingested. Names the file and, where one is at fault, the field."""

    def __init__(self, path: Path | str, problem: str, field: str | None = None) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f"{self.path}: field `{field}`" if field else self.path
        super().__init__(f"{where}: {problem}")


class IndexMismatchError(HalnError):
    """The index on disk was built with other settings (model, chunking) than the current ones."""


class IndexMissingError(HalnError):
    """No index exists yet for the current settings."""


class StoreUnavailableError(HalnError):
    """The vector store (Chroma) or the database cannot be reached."""


class LLMUnavailableError(HalnError):
    """The configured LLM server failed, timed out or gave an unusable reply."""
