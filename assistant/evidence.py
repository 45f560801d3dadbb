"""The evidence label ("Based on 2 case studies (NHS trusts, 2022–2023) and 1 toolkit") and staleness
warnings for cited sources that predate a structural change (kept as data in structural_changes.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.sources import DOC_TYPE_LABELS, ORG_TYPE_LABELS, plural
from core.schemas import Citation

CHANGES_FILE = Path(__file__).parent / "data" / "structural_changes.yaml"


@dataclass(frozen=True)
class StructuralChange:
    id: str
    effective: str
    terms: tuple[str, ...]
    note: str


@lru_cache(maxsize=4)
def load_changes(path: Path = CHANGES_FILE) -> tuple[StructuralChange, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple(
        StructuralChange(str(r["id"]), str(r["effective"]), tuple(r["terms"]), str(r["note"])) for r in raw
    )


def evidence_label(citations: list[Citation]) -> str:
    if not citations:
        return ""
    by_doc: dict[str, Citation] = {}
    for c in citations:
        by_doc.setdefault(c.doc_id, c)
    groups: dict[str, list[Citation]] = {}
    for c in by_doc.values():
        groups.setdefault(c.doc_type, []).append(c)
    order = ["case_study", "toolkit", "guide", "report", "news", "blog"]
    parts: list[str] = []
    for doc_type in sorted(groups, key=lambda t: order.index(t) if t in order else 99):
        docs = groups[doc_type]
        part = f"{len(docs)} {plural(DOC_TYPE_LABELS.get(doc_type, (doc_type, doc_type)), len(docs))}"
        details: list[str] = []
        orgs = sorted({d.org_type for d in docs})
        if len(orgs) <= 2:
            details.extend(
                plural(ORG_TYPE_LABELS.get(o, (o, o)), sum(d.org_type == o for d in docs)) for o in orgs
            )
        years = sorted({d.date[:4] for d in docs if d.date})
        if years:
            details.append(years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}")
        if details:
            part += f" ({', '.join(details)})"
        parts.append(part)
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Based on {joined}."


def staleness_warnings(citations: list[Citation], texts: dict[str, str]) -> list[str]:
    """Warnings for cited sources dated before a change whose old terms they use."""
    warnings: list[str] = []
    for change in load_changes():
        for c in citations:
            if not c.date or c.date[: len(change.effective)] >= change.effective[: len(c.date)]:
                continue
            text = texts.get(c.chunk_id, c.snippet)
            if any(re.search(rf"\b{re.escape(term)}\b", text) for term in change.terms):
                warnings.append(f"[{c.n}] {c.title} ({c.date}) predates a change: {change.note}")
    return warnings
