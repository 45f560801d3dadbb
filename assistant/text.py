"""Small text utilities shared by retrieval, composition and support checks."""

from __future__ import annotations

import re
from functools import lru_cache

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9£$])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.%£$]*")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me
    more most my myself no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves i'm im we're ive i've let's also us get
    got don't doesn't didn't can't cannot won't isn't aren't wasn't weren't haven't hasn't hadn't couldn't
    shouldn't wouldn't we've we'd we'll i'd i'll you've you'd you'll they've they'd they'll it's that's
    there's here's who's maybe""".split()
)
# Words of the question that say nothing about its topic.
QUESTION_NOISE = frozenset(
    """start started starting begin beginning where first step steps know want need like tell help
    please work works working job role new anyone someone thing things way ways good best example
    examples give show find look looking idea ideas kind sort lot lots really actually even exactly just
    bit sure quite honestly basically pretty hardly anyway what whats what's what’s
    change day days week weeks couple patch loads keep keeps talking talk picked pick brief mix everyone
    everybody usually alone rather nearly anything everything always big stuff bunch whole around
    currently went came fired sent tried gone ok okay still absolutely nothing something anybody
    somebody think thought called remember recall reckon""".split()
)


# Document text is data. Sentences addressed to an AI are never quoted into an answer nor shown to an LLM.
INSTRUCTION_LIKE = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|above|previous)\b|"
    r"\b(system prompt|you are (an? )?(ai|assistant|language model|chatbot)|as an ai|"
    r"(assistant|ai|model)s? (must|should) (now )?(say|reply|respond|answer|output))\b",
    re.IGNORECASE,
)


def without_instructions(text: str) -> str:
    """The text with instruction-like sentences removed (line structure kept)."""
    lines = []
    for line in text.splitlines():
        parts = _SENTENCE_END.split(line)
        lines.append(" ".join(p for p in parts if not INSTRUCTION_LIKE.search(p)))
    return "\n".join(lines)


def split_line_sentences(line: str) -> list[str]:
    """The sentences of one line of text (the one sentence splitter every module uses)."""
    return [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]


_TYPED_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_typed_sentences(text: str) -> list[str]:
    """The sentences of a question or answer as typed in the chat: a practitioner's next sentence may
    start in lower case ("i run a small firm. how many came along?"), which `split_line_sentences`,
    made for documents, does not split on."""
    return _TYPED_SENTENCE_END.split(text.strip())


def split_sentences(text: str) -> list[str]:
    """Sentences, with each list item or line of its own kept apart."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        line = re.sub(r"^([-•*]|\d+[.)])\s+", "", line)
        sentences.extend(split_line_sentences(line))
    return sentences


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))  # type: ignore[attr-defined]


def content_terms(text: str, drop_question_noise: bool = False) -> list[str]:
    """Lower-cased, stemmed words that carry meaning (stopwords removed)."""
    terms = []
    for match in _WORD.finditer(text.lower()):
        word = match.group(0).replace("’", "'").strip("'-.,")
        if len(word) < 2 or word in STOPWORDS:
            continue
        if drop_question_noise and word in QUESTION_NOISE:
            continue
        terms.append(stem(word))
    return terms


@lru_cache(maxsize=65_536)
def tokens(text: str) -> frozenset[str]:
    """The set of a text's content terms (stemmed, stopwords removed); cached, since the same
    passages are checked for many questions."""
    return frozenset(content_terms(text))
