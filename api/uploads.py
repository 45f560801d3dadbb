"""Admin uploads: each stored under its own folder, never replacing a source it does not own unless the
admin asks to, and server paths shown to clients only relative to the corpus or uploads folder."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import DocumentOwnedError, IndexMissingError, SourceUrlOwnedError
from core.settings import Settings
from core.store import ChunkStore
from ingest.loaders import SIDECAR_SUFFIX, read_metadata, slugify

UPLOADS = "uploads"


def uploads_dir(settings: Settings) -> Path:
    return settings.uploads_dir


def store_upload(settings: Settings, name: str, data: bytes, sidecar_text: str | None) -> Path:
    """Write an upload under a folder of its own, so two uploads with one file name never collide.

    The file keeps its (sanitised) name, so a document without an `id` is still named after it."""
    folder = uploads_dir(settings) / uuid.uuid4().hex[:16]
    folder.mkdir(parents=True)
    target = folder / name
    target.write_bytes(data)
    if sidecar_text is not None:
        target.with_name(target.name + SIDECAR_SUFFIX).write_text(sidecar_text, encoding="utf-8")
    return target


def discard_upload(settings: Settings, target: Path) -> None:
    """Remove an upload's folder (only ever a folder directly inside the uploads folder)."""
    folder = target.parent
    if folder.parent.resolve() == uploads_dir(settings).resolve():
        shutil.rmtree(folder, ignore_errors=True)


def upload_doc_id(target: Path) -> str:
    """The document id the upload will be indexed under (as `ingest.loaders.load_document` names it)."""
    return read_metadata(target).id or slugify(target.stem)


@dataclass(frozen=True)
class Owner:
    """The source that already holds a document id."""

    doc_id: str
    title: str
    file: Path

    def conflict(self, settings: Settings) -> DocumentOwnedError:
        return DocumentOwnedError(
            self.doc_id, self.title, origin(settings, self.file), public_path(settings, self.file)
        )

    def url_conflict(self, settings: Settings, url: str) -> SourceUrlOwnedError:
        return SourceUrlOwnedError(
            url, self.doc_id, self.title, origin(settings, self.file), public_path(settings, self.file)
        )


def find_url_owner(store: ChunkStore, url: str, doc_id: str, target: Path) -> Owner | None:
    """The other document whose source_url the upload has (under another id), if any."""
    try:
        collection = store.collection()
    except IndexMissingError:
        return None
    metas = collection.get(where={"source_url": url}, include=["metadatas"])["metadatas"] or []
    others = [m for m in metas if m.get("doc_id") != doc_id and m.get("source_path") != str(target.resolve())]
    if not others:
        return None
    newest = max(others, key=lambda m: float(m.get("ingested_at", 0)))
    return Owner(
        str(newest["doc_id"]), str(newest.get("title", "")), Path(str(newest.get("source_path", "")))
    )


def find_owner(store: ChunkStore, doc_id: str, target: Path) -> Owner | None:
    """The other source indexed under `doc_id`, if any (an upload re-sent to its own file is no conflict)."""
    meta = store.document(doc_id)
    if meta is None:
        return None
    file = Path(str(meta.get("source_path") or meta.get("path") or ""))
    if file == target.resolve():
        return None
    return Owner(doc_id, str(meta.get("title", "")), file)


def origin(settings: Settings, path: Path) -> str:
    if _under(path, uploads_dir(settings)):
        return "uploaded"
    if _under(path, settings.corpus_dir):
        return "corpus"
    return "indexed"


def _under(path: Path, root: Path) -> bool:
    root = root.resolve()
    path = path if path.is_absolute() else Path.cwd() / path
    return path == root or root in path.parents


def public_path(settings: Settings, stored: str | Path) -> str:
    """A stored file as clients may see it: `uploads/<folder>/<name>` or relative to the corpus folder;
    empty for anything else. Never an absolute server path."""
    if not str(stored):
        return ""
    path = Path(stored)
    path = path if path.is_absolute() else Path.cwd() / path
    for root, label in ((uploads_dir(settings), UPLOADS), (settings.corpus_dir, "")):
        for form in {root.resolve(), root.absolute()}:
            if path == form or form in path.parents:
                relative = path.relative_to(form)
                return str(Path(label) / relative) if label else str(relative)
    return ""


def scrub(settings: Settings, text: str) -> str:
    """`text` with the server's own folders written relative (uploads, corpus, data)."""
    roots = [(uploads_dir(settings), UPLOADS + "/"), (settings.corpus_dir, ""), (settings.data_dir, "data/")]
    forms = sorted(
        ((str(form), label) for root, label in roots for form in {root.resolve(), root.absolute()}),
        key=lambda pair: -len(pair[0]),
    )
    for form, label in forms:
        text = text.replace(form + os.sep, label).replace(form, label.rstrip("/") or "corpus")
    return text


def scrub_all(settings: Settings, value: Any) -> Any:
    """`scrub` applied to every string of a JSON-like value; `path` fields become `public_path`s."""
    if isinstance(value, str):
        return scrub(settings, value)
    if isinstance(value, list):
        return [scrub_all(settings, v) for v in value]
    if isinstance(value, dict):
        return {
            k: public_path(settings, v) if k == "path" and isinstance(v, str) else scrub_all(settings, v)
            for k, v in value.items()
        }
    return value
