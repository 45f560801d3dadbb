"""Read the asker's context from the question: organisation type, role (as themes) and nation.

"I'm an estates manager at a district general hospital" -> org nhs_trust, theme estates. The profile
only *prefers* matching sources in ranking and in the "Examples like yours" section; it never filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ORG_CUES: dict[str, str] = {
    "nhs_trust": r"\b(nhs trust|foundation trust|hospital trust|acute trust|mental health trust|"
    r"(district general )?hospitals?|trust board|our trust|a trust)\b",
    "integrated_care_system": r"\b(ics|icb|integrated care (system|board|partnership)s?|icp)\b",
    "health_board": r"\b(health board|nhs board|nhs scotland|nhs wales)\b",
    "primary_care": r"\b(gp|gps|general practice|gp practice|surgery|surgeries|pcn|"
    r"primary care( network)?)\b",
    "local_authority": r"\b(council|councils|local authority|local authorities|local government|borough|"
    r"combined authority|city region)\b",
    "university": r"\b(university|universities|college|higher education|campus)\b",
    "housing": r"\b(housing association|housing provider|social landlord|housing)\b",
    "vcse": r"\b(charity|charities|voluntary|vcse|community organisation|community group|faith|"
    r"social enterprise|third sector)\b",
    "business": r"\b(business|businesses|company|companies|private sector|employer|firm|retailer)\b",
    "utility": r"\b(water company|utility|utilities|energy company)\b",
    "sport_club": r"\b(football club|sports club|premier league|efl)\b",
    "health_system": r"\b(health system|us hospital|american hospital)\b",
}

THEME_CUES: dict[str, str] = {
    "workforce": r"\b(recruit\w*|hr|human resources|workforce|apprentice\w*|hiring|hire|jobs?|employ\w*|"
    r"living wage|fair pay|pay|careers?|staff|work experience|widening participation)\b",
    "procurement": r"\b(procur\w*|buying|buy|spend\w*|suppliers?|purchas\w*|supply chain|"
    r"social value|contracts?|tender\w*|commissioning)\b",
    "estates": r"\b(estates?|land|buildings?|facilities|green space|sites?|property|premises|"
    r"car park\w*|gardens?|surplus)\b",
    "environment": r"\b(sustainab\w*|net zero|carbon|environment\w*|green|trees?|climate|emissions?|"
    r"biodiversity|anaesthetic gases|travel|transport)\b",
    "community_engagement": r"\b(communit(y|ies) engagement|engag\w*|residents|listen\w*|"
    r"community voice|co-?design|public health)\b",
    "leadership": r"\b(board|chief executive|ceo|leaders?|leadership|director|senior|strategy|charter)\b",
    "measurement": r"\b(measur\w*|evaluat\w*|metrics?|impact|data|evidence|spend analysis|"
    r"outcomes?|indicators?|toms)\b",
    "partnerships": r"\b(partner\w*|networks?|collaborat\w*|anchor network|system|place-based)\b",
}

NATION_CUES: dict[str, str] = {
    "Scotland": r"\b(scotland|scottish)\b",
    "Wales": r"\b(wales|welsh)\b",
    "Northern Ireland": r"\b(northern ireland|belfast|ni)\b",
    "England": r"\b(england|english|london|leeds|manchester|birmingham)\b",
    "USA": r"\b(us|usa|united states|america|american)\b",
}

START_CUES = re.compile(
    r"\b(where (do|should|can|would) (i|we) (start|begin)|where to (start|begin)|how (do|can|should) "
    r"(i|we) (start|begin|get started)|get(ting)? started|first steps?|starting point|new to|"
    r"just (starting|started)|what should (i|we) do first|how do (i|we) begin)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AskerProfile:
    org_types: tuple[str, ...] = field(default_factory=tuple)
    themes: tuple[str, ...] = field(default_factory=tuple)
    nations: tuple[str, ...] = field(default_factory=tuple)
    wants_start: bool = False

    def is_empty(self) -> bool:
        return not (self.org_types or self.themes or self.nations)


def _matches(cues: dict[str, str], text: str) -> tuple[str, ...]:
    return tuple(name for name, pattern in cues.items() if re.search(pattern, text, re.IGNORECASE))


def read_profile(question: str) -> AskerProfile:
    # "US" must stay upper-case to mean the country, not "us".
    nations = tuple(
        n
        for n in _matches(NATION_CUES, question)
        if n != "USA" or re.search(r"\b(US|USA|United States|America|American)\b", question)
    )
    themes = list(_matches(THEME_CUES, question))
    wants_start = bool(START_CUES.search(question))
    if wants_start:
        themes.append("getting_started")
    return AskerProfile(
        org_types=_matches(ORG_CUES, question),
        themes=tuple(themes),
        nations=nations,
        wants_start=wants_start,
    )
