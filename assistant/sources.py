"""Numbering retrieved chunks as sources and turning them into `Citation` models."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.index import SearchIndex
from assistant.retrieval import Hit
from core.schemas import Citation

DOC_TYPE_LABELS = {
    "case_study": ("case study", "case studies"),
    "blog": ("blog", "blogs"),
    "toolkit": ("toolkit", "toolkits"),
    "guide": ("guide", "guides"),
    "report": ("report", "reports"),
    "news": ("news story", "news stories"),
}
ORG_TYPE_LABELS = {
    "nhs_trust": ("NHS trust", "NHS trusts"),
    "integrated_care_system": ("integrated care system", "integrated care systems"),
    "health_board": ("health board", "health boards"),
    "health_system": ("US health system", "US health systems"),
    "primary_care": ("primary care organisation", "primary care organisations"),
    "local_authority": ("council", "councils"),
    "university": ("university", "universities"),
    "housing": ("housing organisation", "housing organisations"),
    "vcse": ("voluntary or community organisation", "voluntary and community organisations"),
    "national_body": ("national body", "national bodies"),
    "network": ("anchor network", "anchor networks"),
    "sport_club": ("sports club", "sports clubs"),
    "utility": ("utility", "utilities"),
    "business": ("business", "businesses"),
}


def plural(label_pair: tuple[str, str], count: int) -> str:
    return label_pair[0] if count == 1 else label_pair[1]


@dataclass
class RetrievedSource:
    """One retrieved chunk with its metadata; `n` is set once the answer cites it."""

    row: int
    hit: Hit
    chunk_id: str
    text: str
    meta: dict[str, object]

    @property
    def doc_type(self) -> str:
        return str(self.meta["doc_type"])

    @property
    def org_type(self) -> str:
        return str(self.meta["org_type"])

    @property
    def title(self) -> str:
        return str(self.meta["title"])

    def citation(self, n: int, snippet: str | None = None) -> Citation:
        page = int(str(self.meta.get("page", -1)))
        return Citation(
            n=n,
            chunk_id=self.chunk_id,
            doc_id=str(self.meta["doc_id"]),
            title=self.title,
            source_url=str(self.meta["source_url"]),
            publisher=str(self.meta["publisher"]),
            doc_type=self.doc_type,
            org_type=self.org_type,
            nation=str(self.meta["nation"]),
            date=str(self.meta.get("date") or "") or None,
            page=page if page >= 1 else None,
            section=str(self.meta.get("section") or "") or None,
            snippet=snippet or self.text[:400],
            score=round(self.hit.score, 5),
        )


def to_sources(index: SearchIndex, hits: list[Hit]) -> list[RetrievedSource]:
    return [
        RetrievedSource(h.row, h, index.ids[h.row], index.texts[h.row], index.metadatas[h.row]) for h in hits
    ]
