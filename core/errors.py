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


class DiskSpaceError(HalnError):
    """Too little free space to write an ingest safely; nothing was written."""


class IngestLockedError(HalnError):
    """Another ingest holds the index's ingest lock; names the holder (pid, host, start time)."""


class LLMUnavailableError(HalnError):
    """The configured LLM server failed, timed out or gave an unusable reply."""


class DocumentOwnedError(HalnError):
    """A new document would replace another source it does not own (same document id)."""

    def __init__(self, doc_id: str, owner_title: str, origin: str, path: str = "") -> None:
        self.doc_id = doc_id
        self.owner_title = owner_title
        self.origin = origin
        self.path = path
        super().__init__(
            f"document id {doc_id!r} already belongs to {owner_title!r} ({origin} document {doc_id}); "
            "send replace=true to replace it, or give the upload another `id`"
        )


class SourceUrlOwnedError(DocumentOwnedError):
    """A new document's `source_url` is already the source of another document (another id)."""

    def __init__(self, url: str, owner_id: str, owner_title: str, origin: str, path: str = "") -> None:
        super().__init__(owner_id, owner_title, origin, path)
        self.url = url
        self.args = (
            f"source_url {url} is already the source of {owner_title!r} ({origin} document {owner_id}); "
            "send replace=true to replace that document with the upload, or check the URL",
        )

    def __str__(self) -> str:
        return str(self.args[0])
