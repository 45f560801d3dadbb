"""Understand a question once: who asks, what they ask for, about what, and whether it follows on.

A `Question` (text, history, filters and, when the caller knows it, the asker) becomes a
`QueryAnalysis` that every later stage reads; nothing downstream parses the question text again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from assistant import cues
from assistant.text import QUESTION_NOISE, STOPWORDS, content_terms, split_typed_sentences, stem, tokens
from core.schemas import Asker, ChatTurn, SearchFilters

Intent = Literal["start", "definition", "list", "figure", "who_when", "examples", "general"]
FactKind = Literal["figure", "rule", "who", "when", "outcome", "which"]
FigureKind = Literal["money", "share", "count", "number"]

# Names that are not subjects: acronyms of sector terms, and words capitalised at a sentence start.
GENERIC_CAPITALS = frozenset(
    "hr ceo cfo coo gp gps pcn pcns icb ics icp vcse vcs cvs nhs uk and the hsc smes sme toms cwb haln "
    "q&a csr esg cic it non exec pa ops what ni".split()  # "NI" is a nation (NATION_CUES), not a name
)
NATION_TOKENS = {
    "Scotland": ("scotland", "scottish"),
    "Wales": ("wale", "welsh"),  # stemmed "wales" is "wale"
    "Northern Ireland": ("northern", "ireland"),
    "England": ("england", "english"),
}
ALL_NATION_TOKENS = frozenset(t for words in NATION_TOKENS.values() for t in words)
_SPECIFIC = re.compile(
    r"\b([A-Z][A-Za-z'’&-]+(?:\s+(?:and\s+|of\s+|the\s+)?[A-Z][A-Za-z'’&-]+)*|\d[\d,.]*\d%?)"
)
# How askers describe themselves ("I head up CSR at…"): names in these clauses are context, not subject.
SELF_WORDS = (
    r"\b(i'?m|i am|i work|we['’]re|we are|our|my|based|here at|i head( up)?|i look after|i help( run)?|"
    r"i run|i manage|i lead|i sit|i chair|i volunteer|"
    r"i'?ve (just )?(joined|picked up|been appointed|started)|"
    # A question opening with the asker's role, no "I'm": "Councillor in Perth & Kinross and I sit on our
    # IJB." (held-out b4-06), "Sustainability manager at an acute trust." (b4-17).
    r"^(?:[\w&-]+ ){0,3}(?:councillor|officer|manager|lead|director|chair|member|registrar|consultant|"
    r"coordinator|co-ordinator|head|trustee|vicar|minister|nurse|planner|buyer|adviser|advisor)s? "
    r"(?:in|at|for|with|of))\b"
)
_SELF_CLAUSE = re.compile(
    r"\b(i'?m|i am|i work|we['’]re|we are|i manage|i lead|i run|i sit|i chair|as an?|our|my|here (at|in)|"
    r"i'?ve (just )?(been appointed|joined|started)|"
    r"based (at|in))\b[^.?!;]{0,70}|"
    # A question opening with what the asker's organisation is: "small building firm in Newport, 12 of us."
    r"^(?:[\w&-]+ ){0,3}(?:firm|company|business|charity|contractor|supplier|social enterprise)s? "
    r"(?:in|at|from|based)\b[^.?!;]{0,70}",
    re.IGNORECASE,
)
# A name inside the asker's description of themselves, up to the end of that clause ("We're a community
# development trust in a rural bit of Argyll."): where they are, not what they ask about. The clause ends
# at a sentence or clause mark or a question word ("I'm a buyer - what weighting does Manchester give?").
_SAID_OF_SELF = re.compile(
    SELF_WORDS + r"(?:(?!\b(?:what|which|how|who|when|where|why|does|did|is|are|can|could|should|would)\b)"
    r"[^.?!;:\u2013\u2014]){0,80}$",
    re.IGNORECASE,
)
# "I'm a procurement lead at…", "I work as the estates manager for…": the role in the asker's words.
_ROLE_SAID = re.compile(
    r"\b(?:i'?m|i am|i work as|i'?ve (?:just )?been appointed(?: as)?)\s+(?:an?|the)\s+"
    r"((?!(?:small|large|big|new|local)\b)[\w/ -]{3,40}?)\s+(?:at|in|for|on|of|with)\b",
    re.IGNORECASE,
)
# "I'm a researcher at the University of Dundee evaluating NHS Tayside's anchor strategy": what the asker
# is studying is what the question is about (held-out b10-23 had no subject, so Tayside's missing job
# figures were answered with its staff numbers).
_STUDYING = re.compile(
    r"\b(evaluating|studying|researching|reviewing|analysing|analyzing|assessing|auditing|comparing|"
    r"looking (at|into)|writing (about|up|on)|working on|reporting on)\b",
    re.IGNORECASE,
)
# Where the asker heard of something ("Saw on LinkedIn that…", "I read in the HSJ that…"): not a subject.
_WHERE_HEARD = re.compile(
    r"\b(saw|seen|read|heard|spotted|noticed|came across)( (it|this|that|something|a post))? "
    r"(on|in|via|through|from) (the )?$",
    re.IGNORECASE,
)
_PARTNER_CUT = re.compile(r"\b(with|alongside|partner\w*|together|and the|and our|to the)\b", re.IGNORECASE)
_ALREADY = re.compile(
    r"\b(?:we'?ve|we have|i'?ve|i have|we|our \w+ (?:has|have))\s+(?:already\s+)?(?:just\s+)?"
    r"(signed|joined|done|got|set up|created|adopted|published|appointed|paid|become|completed|run|mapped|"
    r"agreed|launched|started)\s+(?:up\s+)?(?:to\s+)?(?:an?|the|our)?\s*([\w\s'-]{3,40})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AskerProfile:
    """Who is asking. From the caller's `Asker` when given, else from how the question describes them."""

    org_types: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    nations: tuple[str, ...] = ()
    role: str | None = None

    def is_empty(self) -> bool:
        return not (self.org_types or self.themes or self.nations)

    @property
    def nation(self) -> str | None:
        return self.nations[0] if self.nations else None

    def as_asker(self) -> Asker | None:
        """The profile in the API's shape (first organisation type and nation), or None when empty."""
        if self.is_empty() and not self.role:
            return None
        return Asker.model_validate(
            {
                "role": self.role,
                "org_type": self.org_types[0] if self.org_types else None,
                "nation": self.nation,
            }
        )


@dataclass(frozen=True)
class Question:
    text: str
    history: tuple[ChatTurn, ...] = ()
    filters: SearchFilters | None = None
    asker: Asker | None = None


@dataclass(frozen=True)
class Ask:
    """One of the things a question asks: the words only it has, and what kind of question it is on its
    own ("Where do we start…, and is there any benchmark?" asks to start and about a benchmark)."""

    terms: tuple[str, ...]
    intent: Intent
    heading_words: tuple[str, ...] = ()
    """Stemmed words a section heading answering it would use ("barrier" for "what gets in the way?")."""


@dataclass(frozen=True)
class QueryAnalysis:
    question: str
    """The question as asked."""
    standalone: str
    """What retrieval searches for: the question, with a follow-up's subject added from earlier turns."""
    intent: Intent
    asker: AskerProfile
    topic_terms: tuple[str, ...]
    """Stemmed words of what is asked about (question noise removed)."""
    subjects: tuple[tuple[str, ...], ...] = ()
    """Names the question is about (stemmed tokens), the asker's own self-description excluded."""
    subject_names: tuple[str, ...] = ()
    """The same names as written, for saying what the sources do not give."""
    subject_nations: tuple[str, ...] = ()
    """Nations the question asks about (not the asker's own, unless the question is about it)."""
    context_nations: tuple[str, ...] = ()
    """Nations the question names only where the asker says who they are: context, not topic."""
    fact: FactKind | None = None
    """A specific fact the question asks for (a figure, rule, name, date or outcome)."""
    fact_kinds: tuple[FactKind, ...] = ()
    """Every kind of fact asked, the main one first ("who wrote it and when" asks who and when)."""
    authorship: bool = False
    """The question asks who wrote, leads or is behind something: authors and leads answer it."""
    phrases: tuple[str, ...] = ()
    """Phrases the asker quotes ('fair work'), lower-cased: asked about as written."""
    figure: FigureKind | None = None
    """For a figure question: money, a share, a count, or another number."""
    aspects: tuple[str, ...] = ()
    """What a follow-up asks about its subject: lessons, results, costs, people."""
    wants_names: bool = False
    """The answer is a name (which organisations, has anyone, is there a team)."""
    example_kinds: tuple[str, ...] = ()
    """Kinds of organisation whose documents are searched for as examples, and are examples whatever their
    type: those an examples question names ("examples of private companies doing this?": businesses;
    `kinds_wanted`), or a start question's asker's own kind when the NHS's documents outnumber it
    (`outshone_kinds`)."""
    wants_figures: bool = False
    """The question wants figures besides whatever else it asks ("examples…, with numbers?")."""
    already_done: tuple[frozenset[str], ...] = ()
    """Things the asker says they have done ("we've signed the charter"): not offered as steps."""
    seen_already: tuple[frozenset[str], ...] = ()
    """Places or organisations every example the asker gets already comes from ("…is from Leeds or
    Birmingham"), as stemmed words: not what they are asking about, and not examples to give again."""
    asks_eligibility: bool = False
    """The question asks whether the asker may take part ("can we apply?"): where they are is part of it."""
    clinical: str | None = None
    is_followup: bool = False
    followup_subjects: tuple[tuple[str, ...], ...] = ()
    """For a follow-up, the names its earlier turns give it as subject ("North Ayrshire", "Touchstone"),
    as stemmed tokens: the documents about them say what it asks."""
    previous_answer: str = ""
    filters: SearchFilters | None = None
    retrieval_query: str = ""
    sector_query: str = ""
    """The question with the asker's kind of organisation in words: what a long, specific question from a
    known asker also means, used to judge whether the corpus covers it."""
    """The standalone question plus the asker's organisation type in words, for retrieval only."""
    deadline: bool = False
    """The date asked for is one something must be done by ("what deadline are we working to?")."""
    theme_query: str = ""
    """A story-like start or examples question with its themes' glosses: a second dense search (or "")."""
    rules_query: str = ""
    """A start question's rules part ("…and what rules do we have to work within here?") searched on its
    own: rules in words, the question's themes and the asker's nation (`cues.RULE_SEARCH_WORDS`), or ""."""
    theme_terms: tuple[str, ...] = ()
    """The stemmed words of those glosses: what the story is about, for judging passages at a discount."""
    facts_asked: tuple[str, ...] = field(default_factory=tuple)
    """Stemmed words of what the fact question counts or requires (subject and noise removed)."""
    asks: tuple[Ask, ...] = ()
    """The separate things the question asks, each with the words only it has (see `asks_of`)."""

    @property
    def nations_at_issue(self) -> tuple[str, ...]:
        """The nations whose rules or limits decide the answer: those the question asks about, or for
        "can we apply?" the asker's own."""
        if self.subject_nations:
            return self.subject_nations
        return self.asker.nations if self.asks_eligibility else ()

    @property
    def wants_start(self) -> bool:
        return self.intent == "start"

    @property
    def examples_of(self) -> tuple[str, ...]:
        """The kinds of organisation examples should be of: those asked for, else the asker's own."""
        return self.example_kinds or self.asker.org_types

    @property
    def named_subjects(self) -> tuple[frozenset[str], ...]:
        """The organisations and works the question names, each as its stemmed words; nations are the
        asker's or the fact's context (`subject_nations`), judged apart."""
        # Nor is a year ("…how many patients took part in 2023?"): every document dated 2023 names it.
        return tuple(
            frozenset(e)
            for e in self.subjects
            if not set(e) <= ALL_NATION_TOKENS and not all(re.fullmatch(r"[\d,.%]+", t) for t in e)
        )


# -- the asker -----------------------------------------------------------------------------------------


def _org_types_said_of_self(text: str) -> tuple[str, ...]:
    """Organisation types in the asker's self-description ("I'm at a council", "our trust", "as a
    housing association"), not partners ("with the hospital", "our council partners")."""
    spans: list[tuple[int, int]] = []
    for match in _SELF_CLAUSE.finditer(text):
        cut = _PARTNER_CUT.search(match.group(0), 3)
        spans.append((match.start(), match.start() + (cut.start() if cut else len(match.group(0)))))
    for match in re.finditer(cues.INDEFINITE_ASKER, text, re.IGNORECASE):
        spans.append((match.start(), match.end()))
    found: list[str] = []
    for org, pattern in cues.ORG_CUES.items():
        for match in re.finditer(r"\b(" + pattern + r")\b", text, re.IGNORECASE):
            inside = any(start <= match.start() < end for start, end in spans)
            if inside and not re.match(cues.PARTNER_AFTER, text[match.end() :], re.IGNORECASE):
                found.append(org)
                break
    # "a university health board" is a health board; "trust" inside "HSC trust" is not an NHS trust.
    if (
        "health_board" in found
        and "nhs_trust" in found
        and re.search(r"hsc trust|social care trust", text, re.I)
    ):
        found.remove("nhs_trust")
    if (
        "health_board" in found
        and "university" in found
        and re.search(r"university health board", text, re.I)
    ):
        found.remove("university")
    if (
        "primary_care" in found
        and re.search(r"\bpractice (?!manager|nurse)", text, re.I)
        and not re.search(r"\b(gp|general|pcn|primary|surgery)\b", text, re.I)
    ):
        found.remove("primary_care")  # "good practice" is not a GP practice
    return tuple(found)


def _self_clauses(text: str) -> str:
    """The parts of the question where the asker describes themselves, cut before any partner."""
    parts = []
    for match in _SELF_CLAUSE.finditer(text):
        clause = match.group(0)
        cut = _PARTNER_CUT.search(clause, 3)
        parts.append(clause[: cut.start()] if cut else clause)
    return " . ".join(parts)


def _nations(text: str) -> tuple[str, ...]:
    return tuple(
        name
        for name, pattern in cues.NATION_CUES.items()
        if re.search(pattern, text, 0 if name == "USA" else re.IGNORECASE)
    )


START_THEME = "getting_started"
"""The theme every where-to-start question has: it says how the asker asks, not what about."""


def _themes(text: str) -> list[str]:
    return [name for name, pattern in cues.THEME_CUES.items() if re.search(pattern, text, re.IGNORECASE)]


def read_asker(text: str, given: Asker | None, wants_start: bool) -> AskerProfile:
    """The asker's profile: the caller's `Asker` wins field by field; the question fills the gaps, read
    only from how the asker describes themselves (partners and subjects named in it are not the asker)."""
    said = _self_clauses(text)
    org_types = _org_types_said_of_self(text)
    nations = _nations(said)
    # In a start question, "…in Scotland" says where the asker works ("where do we start in Wales?").
    if not nations and wants_start:
        nations = _nations(text)
    themes = _themes(text)
    said_role = _ROLE_SAID.search(text)
    role = said_role.group(1).strip() if said_role else None
    if given is not None and given.role:
        role = given.role
    for theme, pattern in cues.ROLE_CUES.items():
        if role and re.search(pattern, role, re.IGNORECASE) and theme not in themes:
            themes.append(theme)
    if given is not None:
        if given.org_type:
            org_types = (given.org_type,)
        if given.nation:
            nations = (given.nation,)
    if wants_start:
        themes.append(START_THEME)
    return AskerProfile(
        tuple(org_types), tuple(themes), tuple(n for n in nations if n != "USA") or nations, role
    )


def asker_from_description(text: str) -> Asker | None:
    """The asker as a description of them says ("housing association in Wales", "The user is a procurement
    lead at an NHS trust"): a chat client's system message. All of it is about the asker, so it is read
    as if they said it of themselves."""
    profile = read_asker(text, None, wants_start=True)
    if not profile.org_types or not profile.role:
        said = read_asker(f"I work at {text}", None, wants_start=True)
        profile = AskerProfile(
            profile.org_types or said.org_types, profile.themes, profile.nations or said.nations, profile.role
        )
    return profile.as_asker()


# -- what is asked -------------------------------------------------------------------------------------


def clinical_reason(text: str) -> str | None:
    match = cues.CLINICAL.search(text)
    return match.group(0) if match else None


def intent_of(text: str) -> Intent:
    if cues.FIGURE_QUESTION.search(text) and not cues.START_CUES.search(text):
        return "figure"
    if cues.START_CUES.search(text):
        return "start"
    if cues.WHO_CUES.search(text) or cues.WHEN_CUES.search(text):
        return "who_when"
    if cues.LIST_CUES.search(text):
        return "list"
    if cues.EXAMPLE_CUES.search(text):
        return "examples"
    if cues.DEFINITION_CUES.search(text):
        return "definition"
    return "general"


def fact_kind(text: str, intent: Intent) -> FactKind | None:
    """The specific fact asked for. A start question may ask one too ("…and what deadline are we
    working to?"): the answer then gives it before the steps."""
    rules_reach = intent == "start" and bool(cues.RULES_REACH_US.search(text))
    if intent == "start" and not (cues.FACT_IN_START.search(text) or rules_reach):
        return None
    if re.search(r"\b(what|which) year\b", text, re.IGNORECASE) or cues.DEADLINE_QUESTION.search(text):
        return "when"  # "by what year?" asks for a date, which a figure check would strip
    if cues.FIGURE_QUESTION.search(text):
        return "figure"
    if cues.WHEN_CUES.search(text):
        return "when"
    if cues.WHO_CUES.search(text):
        return "who"
    if rules_reach or (
        cues.RULE_QUESTION.search(text) and re.search(r"\?\s*$|^\s*(is|are|do|does|must|what)\b", text, re.I)
    ):
        return "rule"
    if cues.OUTCOME_QUESTION.search(text):
        return "outcome"
    if cues.WHICH_ONES.search(text):
        return "which"
    return None


def fact_kinds_of(text: str, main: FactKind | None, authorship: bool) -> tuple[FactKind, ...]:
    """The main fact kind and any other the question also asks ("who wrote it, and when?")."""
    kinds: list[FactKind] = [main] if main else []
    also: list[tuple[bool, FactKind]] = [
        (bool(cues.WHO_CUES.search(text)) or authorship, "who"),
        (bool(cues.WHEN_CUES.search(text) or cues.WHEN_TOO.search(text)), "when"),
        (bool(cues.FIGURE_QUESTION.search(text)), "figure"),
    ]
    kinds += [kind for asked, kind in also if asked and kind not in kinds]
    return tuple(kinds)


def quoted_phrases(text: str) -> tuple[str, ...]:
    return tuple(m.group(1).strip().lower() for m in cues.QUOTED_PHRASE.finditer(text))


def figure_kind(text: str) -> FigureKind:
    """What kind of figure the question's figure ask wants, read from that ask alone: "…have to pay our
    staff the living wage if we win - is that right? What's the minimum weighting and since when?" asks
    for a share, not money (b12-18 was told Northern Ireland's 10% was missing)."""
    asks = [s for s in split_typed_sentences(asking_part(text)) if cues.FIGURE_QUESTION.search(s)]
    text = asks[0] if asks else text
    if cues.SHARE_QUESTION.search(text):
        return "share"
    if cues.COUNT_QUESTION.search(text):  # "how many … got a pay rise" counts people, not money
        return "count"
    if cues.MONEY_QUESTION.search(text):
        return "money"
    return "number"


def asking_part(text: str) -> str:
    """The sentences that ask (end with "?"), or the whole text when none does; a preamble before a colon
    is not part of the ask ("Need a hard number for a board paper: … how much did the share … go up?"
    was checked for "board" and "paper", and Preston's 5% to 18.2% said to be missing; b8-24)."""
    asking = [_PREAMBLE.sub("", s) for s in split_typed_sentences(text) if is_asking(s)]
    return " ".join(asking) or text


def is_asking(sentence: str) -> bool:
    """A question sentence, or a request for figures put as a statement: "For a Dundee paper I need NHS
    Tayside's headline numbers - roughly how many staff, how much they spend a year…, and how big their
    estate is." (b12-20 was checked only for its last sentence's words, "publish" and "launch", and told
    the sources lack the figures they give)."""
    return sentence.endswith("?") or bool(
        cues.REQUEST_WORDS.search(sentence) and cues.FIGURE_QUESTION.search(sentence)
    )


def without_preambles(text: str) -> str:
    """The question with what its question sentences say before the part that asks left out: "small
    charity in Nottinghamshire here - how much can we apply to the Severn Trent Community Fund for…?" is
    about the fund, not Nottinghamshire (held-out b10-18 was told the sources lack the sum, since no
    document about the fund names the county)."""
    return " ".join(_PREAMBLE.sub("", s) if is_asking(s) else s for s in split_typed_sentences(text))


_PREAMBLE = re.compile(
    r"^(?:(?!\b(?:who|what|when|where|which|how|why)\b)[^:?])+?"
    r"(?::\s+(?=.*\b(?:who|what|when|where|which|how|why)\b)|"
    r"\s[-–—]\s+(?=(?:so |and |but )?(?:who|what|when|where|which|how|why)\b))",
    re.IGNORECASE,
)
"""What a question sentence says before a colon or a dash, when only the part after it asks (a wh-word):
"In England the NHS has to give social value at least 10% of the marks - what's the minimum weighting
Welsh health boards have to use?" asks about Wales (b9-22 was told the sources lack the rule "for
England")."""


def outshone_kinds(asker: AskerProfile, intent: Intent) -> tuple[str, ...]:
    """A start question's examples should be of the asker's own kind, and when the NHS's documents
    outnumber that kind's (`cues.KINDS_OUTSHONE`), its documents are searched for as an examples question
    asking for them is: a water company's community lead got a business partnership and no water company
    (held-out b10-08), though Severn Trent and Anglian Water tell their own stories."""
    if intent != "start" or not asker.org_types or asker.org_types[0] not in cues.KINDS_OUTSHONE:
        return ()
    # Only the asker's own kind: a Belfast firm's start answer took a water companies' blog as "like
    # yours" when businesses counted utilities too (prac-015).
    return (asker.org_types[0],)


def kinds_wanted(text: str) -> tuple[str, ...]:
    """Kinds of organisation an examples question asks for examples of ("Are there examples of private
    companies doing this properly?": businesses; held-out b7-20 got definitions of public anchors). Only
    the kinds whose documents the NHS's outnumber (`cues.KINDS_OUTSHONE`)."""
    found: list[str] = []
    asking = asking_part(text)
    for org, words in cues.KINDS_OUTSHONE.items():
        wanted = cues.EXAMPLES_OF + words + r"\b"
        if re.search(wanted, asking, re.IGNORECASE):
            found.append(org)
    if "business" in found and "utility" not in found:
        found.append("utility")  # water companies are private companies (the corpus's "utility")
    return tuple(found)


def asks_of(text: str, drop: frozenset[str] | set[str]) -> tuple[Ask, ...]:
    """The separate things a question asks, each as the stemmed words only it has ("How many pledges
    are in that charter, does it cover climate stuff, and who else has signed up?" asks about pledges,
    climate and signing up; the charter is all three's subject). Fewer than two asks: ()."""
    parts: list[str] = []
    for sentence in split_typed_sentences(text):
        if is_asking(sentence):
            # "Looking back at COVID, what did anchor leaders learn…?" asks one thing: a part asks only
            # when it opens as a question does.
            # "ok - how is it being paid for, and how many jobs…?": what comes before the dash is not
            # part of the ask (held-out b10-20 lost its funding ask, so the £40m went unquoted).
            asking = _PREAMBLE.sub("", sentence)
            parts += [part for part in cues.ASK_BOUNDARY.split(asking) if cues.ASK_OPENING.match(part)]
        elif cues.REQUEST_SENTENCE.match(sentence):
            parts += cues.REQUEST_ITEMS.split(sentence)
    asks = [
        Ask(
            tuple(dict.fromkeys(t for t in content_terms(part, drop_question_noise=True) if t not in drop)),
            intent_of(part),
            tuple(
                t
                for pattern, words in cues.ASK_HEADINGS
                if pattern.search(part)
                for t in content_terms(words)
            ),
        )
        for part in parts
    ]
    asks = [ask for ask in asks if ask.terms or ask.heading_words]
    if len(asks) < 2:
        return ()
    shared = set(asks[0].terms).intersection(*(ask.terms for ask in asks[1:]))
    distinct = [replace(ask, terms=tuple(t for t in ask.terms if t not in shared)) for ask in asks]
    return tuple(ask for ask in distinct if ask.terms or ask.heading_words)


_LIKENESS = re.compile(r"-(style|like|type|esque)\b", re.IGNORECASE)


def subjects_of(text: str) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """Names and numbers the question is about, as stemmed tokens and as written (self-description and
    sentence-initial capitals excluded)."""
    entities: list[tuple[str, ...]] = []
    names: list[str] = []
    for match in _SPECIFIC.finditer(text):
        before = text[: match.start()]
        said = _SAID_OF_SELF.search(before)
        if said and not _STUDYING.search(said.group(0)):
            continue  # "I'm procurement manager at a district council in the East Midlands": context
        if _WHERE_HEARD.search(before):
            continue  # "Saw on LinkedIn that NHS Forest gives…": where the asker heard it (b4-10)
        # "a Preston-style spend analysis" is about Preston's: "-style" names no one (b6-18 was told the
        # sources lack the figure "for Preston-style").
        words = [_LIKENESS.sub("", word) for word in match.group(1).split()]
        if not before.strip() or before.rstrip().endswith((".", "?", "!", ":", '"', "-")):
            words = words[1:]  # a capital at the start of a sentence says nothing
        kept = [
            stem(token)
            for word in words
            if not re.match(r"^I['’]", word)
            for token in re.findall(r"\w\w+", word.lower())
            if token not in STOPWORDS and token not in GENERIC_CAPITALS
        ]
        if kept:
            entities.append(tuple(kept))
            names.append(" ".join(w for w in words if not re.match(r"^I['’]", w)))
    return tuple(entities), tuple(names)


def _seen_already(text: str) -> tuple[frozenset[str], ...]:
    return tuple(
        frozenset(tokens(name))
        for match in cues.SEEN_ALREADY.finditer(text)
        for name in cues.SEEN_ALREADY_SPLIT.split(match.group(1))
        if tokens(name)
    )


def _already_done(text: str) -> tuple[frozenset[str], ...]:
    done = []
    for verb, thing in _ALREADY.findall(text):
        thing = re.split(r"\b(and|but|so|now|last|this|in|with|for|,)\b", thing, maxsplit=1)[0]
        terms = frozenset(tokens(f"{verb} {thing}"))
        if len(terms) >= 2:
            done.append(terms)
    return tuple(done)


# -- follow-ups ------------------------------------------------------------------------------------------


def needs_history(question: str) -> bool:
    """A follow-up leans on earlier turns: it refers back ("they", "that programme") or has no topic of
    its own ("and in Wales?"). A self-contained question is never rewritten with earlier words."""
    own_terms = content_terms(question, drop_question_noise=True)
    # A short question about "the produce" or "the garden" means the one just talked about.
    short_definite = len(question.split()) <= 6 and re.search(r"\bthe\b", question, re.IGNORECASE)
    return bool(cues.ANAPHORA.search(question) or short_definite) or len(own_terms) <= 1


def _subject_of_turn(text: str) -> str:
    """The topic words of an earlier question, without its question words."""
    words = [w for w in re.findall(r"[\w'’&-]+", text) if w.lower() not in STOPWORDS | QUESTION_NOISE]
    return " ".join(words[:14])


def resolve_followup(question: str, history: tuple[ChatTurn, ...]) -> tuple[str, bool, str]:
    """(standalone question, is it a follow-up, the previous answer's text)."""
    last_answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    if not history or not needs_history(question):
        return question, False, last_answer
    last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
    if cues.OTHERS_DONE_IT.search(question):
        # "it" is the topic asked before; the answer's organisation and its figures are what is not wanted.
        return f"{question} {_subject_of_turn(last_user)}".strip(), True, last_answer
    context = _answer_sentence_asked_about(question, last_answer)
    if context:
        return f"{question} {_subject_of_turn(context)}".strip(), True, last_answer
    # "Did it actually work?" after "Has any trust turned an old building into a hub?" / "Yes. Mersey Care
    # … runs the Life Rooms.": "it" is what the answer named, so its names join the question's topic (an
    # employability award for mental health posts outranked the Life Rooms without them). A follow-up
    # naming its own subject ("And is the new Monklands hospital part of that?") is about that.
    named = "" if subjects_of(question)[1] else " ".join(_names_answered(last_answer))
    return f"{question} {_subject_of_turn(last_user)} {named}".strip(), True, last_answer


def _subjects_added(question: str, resolved: str) -> tuple[tuple[str, ...], ...]:
    """The names the standalone form of a follow-up has that the follow-up itself does not: its subject
    from earlier turns, whether the rules or an LLM wrote that form."""
    own = set(subjects_of(question)[0])
    return tuple(entity for entity in subjects_of(resolved)[0] if entity not in own)


FOLLOWUP_ANSWER_NAMES = 2
"""Names from the previous answer's first sentence naming any that a follow-up's "it" may mean: the
organisation and what it runs ("Mersey Care NHS Foundation Trust runs the Life Rooms")."""


def _names_answered(answer: str) -> list[str]:
    """Titles quoted and names of two words or more ("Life Rooms"; a one-word capital is too often a
    sentence's "Health…"), from the first sentence naming anything: what the answer is about."""
    for sentence in split_typed_sentences(answer):
        titles = [m.group(1) for m in cues.QUOTED_TITLE.finditer(sentence)]
        names = subjects_of(sentence)[1]
        if titles or names:
            return [*titles, *(name for name in names if len(name.split()) > 1)][:FOLLOWUP_ANSWER_NAMES]
    return []


ANSWER_CONTEXT_TERMS = 2
"""A follow-up sharing at least this many topic words with one sentence of the previous answer ("was our area
one of those Public Services Board clusters?") is about that sentence, not the question before it."""


def _answer_sentence_asked_about(question: str, answer: str) -> str:
    asked = set(content_terms(question, drop_question_noise=True))
    best, shared = "", 0
    for sentence in split_typed_sentences(answer):
        overlap = len(asked & set(content_terms(sentence)))
        if overlap > shared:
            best, shared = sentence, overlap
    return best if shared >= ANSWER_CONTEXT_TERMS else ""


# -- all together ----------------------------------------------------------------------------------------

GENERIC_TOPIC = 4
"""A question with at most this many topic terms is generic enough to search with the asker's sector."""
STORY_WORDS = 25
"""A question of at least this many words tells a story (who we are, what is wrong, then the ask): it is
also searched with its themes' glosses. The practitioner set's narrative questions run 26-46 words; most
dev questions, asked plainly, 10-24."""
MAX_GLOSSES = 2
"""At most this many theme glosses: more would outweigh the question's own words in the query vector."""
ASK_NOISE = frozenset(stem(w) for w in cues.ASK_NOISE)
FACT_TOPICS = frozenset({"job", "work", "works", "working", "role", "new"})

ORG_WORDS = {
    "nhs_trust": "NHS trust hospital",
    "integrated_care_system": "integrated care board system",
    "health_board": "health board",
    "primary_care": "primary care GP practice",
    "local_authority": "council local authority",
    "university": "university",
    "housing": "housing association",
    "vcse": "community voluntary faith organisation",
    "business": "business private sector employer",
    "utility": "utility water company",
    "sport_club": "football club",
}


def analyse(question: Question, standalone: str | None = None) -> QueryAnalysis:
    """Everything later stages need to know about the question. `standalone` is given when an LLM
    already rewrote a follow-up; otherwise follow-ups are resolved by rule."""
    text = question.text.strip()
    resolved, is_followup, previous = resolve_followup(text, question.history)
    if standalone is not None:
        resolved, is_followup = standalone, standalone != text
    # What others are quoted as asking ("members want to know 'how much of our spend stays local'") is
    # not the asker's question: intent and fact kind are read with quotations set aside.
    own_words = cues.QUOTED_PHRASE.sub(" it ", text)
    intent = intent_of(own_words)
    asker = read_asker(text, question.asker, intent == "start")
    # A where-to-start or examples question is about what its question sentences name: "Every example I get
    # is from Leeds or Birmingham. Is there anything from coastal places?" is not about Leeds (ho-18).
    entities, names = subjects_of(
        asking_part(text) if intent in ("start", "examples") else without_preambles(text)
    )
    seen = _seen_already(text)
    entities = tuple(e for e in entities if frozenset(e) not in seen)
    names = tuple(n for n in names if frozenset(tokens(n)) not in seen)
    mentioned = _nations(text)
    # Nations said only of the asker ("I'm a health improvement practitioner in Wales. Is there a network…
    # I could join?"): where they are, not what they ask about ("Has any health board in Wales…?" asks).
    said_of_self = set(_nations(_self_clauses(text)))
    outside_self = set(_nations(_SELF_CLAUSE.sub(" ", text)))
    context_nations = tuple(n for n in mentioned if n in said_of_self and n not in outside_self)
    subject_nations = tuple(n for n in mentioned if n not in asker.nations or intent != "start")
    fact = fact_kind(own_words, intent)
    authorship = bool(cues.AUTHORSHIP_QUESTION.search(text))
    phrases = quoted_phrases(text)
    aspects = (
        tuple(name for name, (asks, _) in cues.ASPECT_CUES.items() if asks.search(text))
        if is_followup
        else ()
    )
    subject_tokens = {t for e in entities for t in e} | {
        t for n in subject_nations for t in NATION_TOKENS.get(n, ())
    }
    # What a fact counts is often a job, a role or work: those stay; other question words go.
    fact_noise = {stem(w) for w in cues.FACT_NOISE | GENERIC_CAPITALS}
    weak = fact_noise | {stem(w) for w in QUESTION_NOISE - FACT_TOPICS} | ASK_NOISE
    if fact == "outcome":
        # "What did it actually achieve?": what an outcome is, is checked by the outcome itself, as a money
        # question's "money" is (b9-15 was told I Can's results were missing).
        weak |= {stem(w) for w in cues.OUTCOME_WORDS}
    # What the fact is about, without how the asker describes themselves ("I'm at a Welsh university
    # writing about…") or the figure question's own words.
    # Only the sentences that ask: "Sustainability manager at an acute trust. Someone told me King's found
    # … what did the audit find?" counts audits, not managers (held-out b4-17, b4-04).
    stripped = re.sub(SELF_WORDS + r"[^.?!]*[.?!]?", " ", asking_part(text), flags=re.IGNORECASE)
    if fact == "figure":
        # The question's own words go, but a specific figure noun stays: "what weighting…" asks for a
        # weighting, and the sentence giving it says so.
        kept_nouns = " ".join(
            noun
            for m in cues.FIGURE_QUESTION.finditer(stripped)
            for noun in re.findall(cues.FIGURE_NOUNS, m.group(0), re.IGNORECASE)
            if noun.lower() in cues.SPECIFIC_FIGURE_NOUNS
        )
        stripped = cues.FIGURE_QUESTION.sub(" ", stripped) + " " + kept_nouns
    if fact == "figure":
        # "Who's leading the push…, and what rate…": the who-clause is not what the figure counts.
        stripped = cues.WHO_CLAUSE.sub(" ", stripped)
    if fact == "figure" and figure_kind(text) == "money":
        # "How much money are we talking about?": what a money figure is ("money", "funding", "cost") is
        # checked by the figure itself, and no sentence giving the sum need repeat it (b6-20).
        weak |= {stem(w) for w in cues.MONEY_WORDS}
    facts_asked = tuple(sorted(tokens(stripped) - subject_tokens - weak))
    retrieval_query = resolved
    sector_words = ORG_WORDS.get(asker.org_types[0], "") if asker.org_types else ""
    sector_query = f"{resolved} ({sector_words})" if sector_words else ""
    topic_terms = tuple(dict.fromkeys(content_terms(resolved, drop_question_noise=True)))
    # A quoted phrase is asked about whole: its words stay even when they are usually question noise
    # ("what do they mean by 'fair work'" is about work).
    topic_terms += tuple(t for p in phrases for t in content_terms(p) if t not in topic_terms)
    # A start or examples question told at length is also searched (by meaning) with what the corpus
    # calls its themes: fused with the question's own searches, not instead of them.
    theme_query = ""
    theme_terms: tuple[str, ...] = ()
    if intent in ("start", "examples") and len(text.split()) >= STORY_WORDS:
        glosses = [cues.THEME_GLOSSES[t] for t in _themes(resolved) if t in cues.THEME_GLOSSES]
        if glosses:
            theme_query = f"{resolved} ({'; '.join(glosses[:MAX_GLOSSES])})"
            theme_terms = tuple(
                t for g in glosses[:MAX_GLOSSES] for t in content_terms(g) if t not in topic_terms
            )
    rules_query = ""
    if intent == "start" and fact == "rule":
        themes = [cues.THEME_GLOSSES[t] for t in _themes(resolved) if t in cues.THEME_GLOSSES]
        where = subject_nations or asker.nations
        rules_query = "; ".join([cues.RULE_SEARCH_WORDS, *(themes[:MAX_GLOSSES] or [resolved]), *where])
    # Only a question with little topic of its own ("Where do we start?") is searched with the asker's
    # kind of organisation in words: otherwise it pulls that sector's documents about other topics
    # (a fleet question from an ICB got ICB recruitment material).
    if (
        asker.org_types
        and intent in ("start", "examples", "general", "list")
        and len(topic_terms) <= GENERIC_TOPIC
    ):
        words = ORG_WORDS.get(asker.org_types[0], "")
        if words and not re.search(words.split()[0], resolved, re.IGNORECASE):
            retrieval_query = f"{resolved} ({words})"
    return QueryAnalysis(
        question=text,
        standalone=resolved,
        intent=intent,
        asker=asker,
        topic_terms=topic_terms,
        subjects=entities,
        subject_names=names,
        subject_nations=subject_nations,
        context_nations=context_nations,
        fact=fact,
        fact_kinds=fact_kinds_of(text, fact, authorship) if intent != "start" or fact else (),
        authorship=authorship,
        phrases=phrases,
        figure=figure_kind(text) if fact == "figure" else None,
        aspects=aspects,
        already_done=_already_done(text),
        seen_already=seen,
        asks_eligibility=bool(cues.ELIGIBILITY_QUESTION.search(text)),
        wants_names=bool(cues.NAMES_WANTED.search(text)),
        wants_figures=bool(cues.FIGURES_WANTED.search(asking_part(text))),
        example_kinds=kinds_wanted(text) if intent == "examples" else outshone_kinds(asker, intent),
        deadline=bool(cues.DEADLINE_QUESTION.search(text)),
        clinical=clinical_reason(text),
        is_followup=is_followup,
        followup_subjects=_subjects_added(text, resolved) if is_followup else (),
        previous_answer=previous,
        filters=question.filters,
        retrieval_query=retrieval_query,
        sector_query=sector_query,
        theme_query=theme_query,
        rules_query=rules_query,
        theme_terms=theme_terms,
        facts_asked=facts_asked,
        asks=asks_of(text, subject_tokens | fact_noise | ASK_NOISE),
    )
