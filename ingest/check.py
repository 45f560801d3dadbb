"""`haln check`: validate every document and question set at once and report every problem; write nothing.

What it checks: each file's metadata (every field, not only the first bad one) and text; ids and
source_urls used by two files, or by a file and another file in the index; question sets (every line)
and their `expected_sources`, which must be the source_url of a document checked here or indexed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.errors import DocumentError
from core.store import DocVersion
from ingest.discover import discover
from ingest.loaders import MetadataError, load_document, metadata_problems, read_metadata, slugify
from ingest.sync import FileProblem, display_path, identity_owners


@dataclass
class CheckReport:
    documents: int = 0
    question_sets: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    index: str = "not read"  # "read", "none" or why it was not read

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "question_sets": self.question_sets,
            "index": self.index,
            "problems": [vars(p) for p in self.problems],
        }


def check_documents(
    paths: list[Path], indexed: dict[str, list[DocVersion]], max_file_bytes: int, report: CheckReport
) -> dict[str, str]:
    """Every problem of every file; returns the checked documents' source_urls by document id."""
    found = discover(paths)
    report.problems += [FileProblem(display_path(p, follow=False), why) for p, why in found.skipped]
    claims: dict[tuple[str, str], list[Path]] = {}
    urls: dict[str, str] = {}
    for path in found.files:
        report.documents += 1
        shown = display_path(path)
        try:
            meta = read_metadata(path)
        except MetadataError as error:
            report.problems += [FileProblem(display_path(Path(error.path)), m, f) for f, m in error.problems]
            continue
        except DocumentError as error:
            report.problems.append(FileProblem(shown, error.problem, error.field))
            continue
        doc_id = meta.id or slugify(path.stem)
        urls[doc_id] = str(meta.source_url)
        claims.setdefault(("id", doc_id), []).append(path)
        claims.setdefault(("source_url", str(meta.source_url)), []).append(path)
        try:
            load_document(path, max_file_bytes)
        except DocumentError as error:
            report.problems.append(FileProblem(shown, error.problem, error.field))
    for (kind, value), holders in claims.items():
        for extra in holders[1:]:
            what = f"document id {value!r}" if kind == "id" else f"source_url {value}"
            report.problems.append(
                FileProblem(display_path(extra), f"{what} is also used by {display_path(holders[0])}", kind)
            )
    held = identity_owners(indexed)
    checked = {str(p.resolve()) for p in found.files}
    for (kind, value), holders in claims.items():
        if kind != "id":
            continue
        for path in holders:
            conflict = held.conflict(path, value, urls[value], checked)
            if conflict is not None:
                report.problems.append(FileProblem(display_path(path), conflict[1], conflict[0]))
    return urls


def check_question_sets(question_sets: list[Path], known_urls: set[str], report: CheckReport) -> None:
    """Every line of every set: its shape, unique ids, and expected_sources that resolve to a document."""
    from evals.questions import EvalQuestion

    for path in question_sets:
        report.question_sets += 1
        seen: set[str] = set()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{display_path(path)}:{number}"
            try:
                question = EvalQuestion.model_validate(json.loads(line))
            except json.JSONDecodeError as exc:
                report.problems.append(FileProblem(where, f"not valid JSON ({exc.msg})"))
                continue
            except ValidationError as exc:
                report.problems += [FileProblem(where, m, f) for f, m in metadata_problems(exc)]
                continue
            if question.id in seen:
                report.problems.append(FileProblem(where, f"duplicate question id {question.id!r}", "id"))
            seen.add(question.id)
            for url in question.expected_sources:
                if url not in known_urls:
                    hint = "" if url.startswith("http") else " (a document id? give its source_url)"
                    report.problems.append(
                        FileProblem(
                            where,
                            f"{url!r} is not the source_url of any document checked or indexed{hint}",
                            "expected_sources",
                        )
                    )
