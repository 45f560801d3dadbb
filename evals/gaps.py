"""Content gaps from real use: what users asked that the corpus did not answer well, and what it never
used. Read from the answer log (refused or low-confidence answers) and thumbs-down feedback.

A question the assistant should refuse is not a gap in the corpus: clinical questions (the assistant's own
clinical cue list) and off-topic ones (no theme, organisation type, nation or anchor word in them) are listed
apart as out of scope. The rest are grouped by the theme, organisation type and nation they mention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant import cues
from core.db import AnswerRecord, FeedbackRecord

LOW_CONFIDENCE = 0.6  # as the eval report's content gaps
# Words that put a question in the corpus's field even with no theme, organisation type or nation in it.
DOMAIN = re.compile(
    r"\b(anchors?|haln|community wealth|social value|wider determinants|health inequalit\w*|"
    r"population health|local economy|place[- ]based|nhs|health|wellbeing|communit\w*)\b",
    re.IGNORECASE,
)
NOT_MENTIONED = "(not mentioned)"


@dataclass
class GapQuestion:
    question: str
    why: str  # "refused", "low confidence 0.42", "thumbs down: vague"
    count: int = 1
    themes: list[str] = field(default_factory=list)
    org_types: list[str] = field(default_factory=list)
    nations: list[str] = field(default_factory=list)


@dataclass
class GapReport:
    answers_read: int = 0
    feedback_read: int = 0
    not_covered: list[GapQuestion] = field(default_factory=list)
    clinical: list[GapQuestion] = field(default_factory=list)
    off_topic: list[GapQuestion] = field(default_factory=list)
    never_cited: list[dict[str, str]] = field(default_factory=list)
    questions_not_logged: int = 0

    def grouped(self, key: str) -> dict[str, list[GapQuestion]]:
        """Not-covered questions by `themes`, `org_types` or `nations` (one question may be in several)."""
        groups: dict[str, list[GapQuestion]] = {}
        for gap in self.not_covered:
            for name in getattr(gap, key) or [NOT_MENTIONED]:
                groups.setdefault(name, []).append(gap)
        return dict(sorted(groups.items(), key=lambda kv: (-sum(g.count for g in kv[1]), kv[0])))

    def as_dict(self) -> dict[str, Any]:
        def rows(gaps: list[GapQuestion]) -> list[dict[str, Any]]:
            return [vars(g) for g in gaps]

        return {
            "answers_read": self.answers_read,
            "feedback_read": self.feedback_read,
            "questions_not_logged": self.questions_not_logged,
            "not_covered": {
                "by_theme": {k: [g.question for g in v] for k, v in self.grouped("themes").items()},
                "by_org_type": {k: [g.question for g in v] for k, v in self.grouped("org_types").items()},
                "by_nation": {k: [g.question for g in v] for k, v in self.grouped("nations").items()},
                "questions": rows(self.not_covered),
            },
            "out_of_scope": {"clinical": rows(self.clinical), "off_topic": rows(self.off_topic)},
            "never_cited": self.never_cited,
        }


def _found(table: dict[str, str], text: str) -> list[str]:
    return [name for name, pattern in table.items() if re.search(r"\b(" + pattern + r")", text, re.I)]


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def content_gaps(
    answers: Sequence[AnswerRecord],
    feedback: Sequence[FeedbackRecord],
    documents: Sequence[dict[str, str]] = (),
) -> GapReport:
    """`documents` (id, title, source_url) are the indexed ones, for the never-cited list."""
    report = GapReport(answers_read=len(answers), feedback_read=len(feedback))
    seen: dict[str, GapQuestion] = {}

    def add(question: str | None, why: str) -> None:
        if not question:
            report.questions_not_logged += 1
            return
        key = _key(question)
        if key in seen:
            seen[key].count += 1
            return
        gap = GapQuestion(
            question,
            why,
            themes=_found(cues.THEME_CUES, question),
            org_types=_found(cues.ORG_CUES, question),
            nations=_found(cues.NATION_CUES, question),
        )
        seen[key] = gap
        if cues.CLINICAL.search(question):
            report.clinical.append(gap)
        elif not (gap.themes or gap.org_types or gap.nations or DOMAIN.search(question)):
            report.off_topic.append(gap)
        else:
            report.not_covered.append(gap)

    for answer in answers:
        if answer.refused:
            add(answer.question, "refused")
        elif answer.confidence < LOW_CONFIDENCE:
            add(answer.question, f"low confidence {answer.confidence:.2f}")
    for item in feedback:
        add(item.question, f"thumbs down: {item.reason or 'no reason'}")

    cited = {url for answer in answers for url in answer.cited_sources}
    report.never_cited = [d for d in documents if d["source_url"] not in cited]
    return report
