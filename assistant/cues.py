"""Every word list the answer pipeline reads questions and passages with, in one place.

Weights and thresholds are in `assistant.config`; these are the vocabularies. Each list was written from
the question sets (dev, check, practitioner) and the issue 13 graders' findings, as noted.
"""

from __future__ import annotations

import re

# -- who is asking ------------------------------------------------------------------------------------
# Organisation types practitioners name (issue 13: faith groups, PCNs, HSC trusts, health boards and
# ICBs were not recognised). Order matters only for display.
ORG_CUES: dict[str, str] = {
    "nhs_trust": r"(nhs trust|foundation trust|hospital trust|acute trust|mental health trust|ambulance trust|"
    r"community trust|(district general |acute |local |community )?hospitals?|trust board|trust)",
    "integrated_care_system": r"(ics|icb|integrated care (system|board|partnership)s?|icp)",
    # Northern Ireland's health and social care trusts sit with the health boards of Scotland and Wales:
    # all are area-wide NHS bodies outside England's trust/ICB structure.
    "health_board": r"(health board|nhs board|(university )?health board|hsc trust|health and social care trust|"
    r"health (and|&) social care trust|nhs scotland|nhs wales|special health board)",
    "primary_care": r"(gp|gps|general practice|gp practice|gp surgery|surgery|surgeries|pcn|"
    r"primary care( network)?|practice)",
    "local_authority": r"(council|local authority|local government|borough|combined authority|city region|"
    r"county council|unitary)",
    "university": r"(university|universities|college|higher education|campus|uni)",
    "housing": r"(housing association|housing provider|social landlord|housing trust|housing group|"
    r"registered provider|housing)",
    "vcse": r"(charity|charities|voluntary|vcse|community organisation|community group|faith (group|organisation|"
    r"community)|faith|church|churches|parish|diocese|mosque|gurdwara|temple|synagogue|congregation|"
    r"social enterprise|third sector)",
    "business": r"(business|company|private sector|employer|firm|retailer|sme|manufacturer|supermarket)",
    "utility": r"(water company|utility|utilities|energy company)",
    "sport_club": r"(football club|sports club|premier league|efl|club)",
}
# Said of the asker: an indefinite article or a possessive before the organisation ("at a council",
# "our trust", "as a housing association"). A partner is named after "with", "the", "alongside", or is
# followed by "partners" ("we run sessions with the hospital", "our council partners").
INDEFINITE_ASKER = (
    # "as a housing association", "for a university", "how can a church get involved": the kind of
    # organisation asking, not a partner ("with the hospital").
    r"\b(?:as|for|at|from|in|of|on|can|could|should|would|does|do|might|is)\s+an?\s+(?:[\w-]+\s+){0,3}?[\w-]+"
)
PARTNER_AFTER = r"\s*(?:partners?|colleagues|staff next door|down the road)\b"
ROLE_CUES: dict[str, str] = {
    "procurement": r"procure|buyer|purchas|commercial|contract",
    "workforce": r"\bhr\b|human resources|recruit|workforce|people (team|director)|talent|apprentice",
    "estates": r"estates?|facilities|property|capital",
    "environment": r"sustainab|net zero|green|fleet|transport|travel|environment|climate",
    "community_engagement": r"engagement|community development|volunteer|comms|communications",
    "leadership": r"board|chief|director|executive|chair|trustee|non-exec|leader|vicar|minister|pastor",
    "measurement": r"analyst|data|evaluat|performance",
    "partnerships": r"partnership|public health|policy|strategy|population health",
}
THEME_CUES: dict[str, str] = {
    "workforce": r"\b(recruit\w*|hr|human resources|workforce|apprentice\w*|hiring|hire|jobs?|employ\w*|"
    r"starters?|entry[- ]level|band [1-4]|vacanc\w*|"
    r"living wage|fair pay|pay|careers?|staff|work experience|widening participation)\b",
    "procurement": r"\b(procur\w*|buying|buy|spend\w*|suppliers?|purchas\w*|supply chain|"
    r"social value|contracts?|tender\w*|commissioning)\b",
    "estates": r"\b(estates?|land|buildings?|facilities|green space|sites?|property|premises|"
    r"car park\w*|gardens?|surplus)\b",
    "environment": r"\b(sustainab\w*|net zero|carbon|environment\w*|green|trees?|climate|emissions?|"
    r"biodiversity|anaesthetic gases|travel|transport|fleet)\b",
    "community_engagement": r"\b(communit(y|ies) engagement|engag\w*|residents|listen\w*|"
    r"community voice|co-?design|public health)\b",
    "leadership": r"\b(board|chief executive|ceo|leaders?|leadership|director|senior|strategy|charter)\b",
    "measurement": r"\b(measur\w*|evaluat\w*|metrics?|impact|data|evidence|spend analysis|"
    r"outcomes?|indicators?|toms)\b",
    "partnerships": r"\b(partner\w*|networks?|collaborat\w*|anchor network|system|place-based)\b",
}
# What the corpus calls each theme, added to the search query of a where-to-start or examples question
# told as a story ("hardly any of our band 2 and 3 starters live locally"): the story's words are far from
# any source's, and the embedder placed such questions nearer tree planting than local recruitment
# (practitioner set: cosine to the recruitment sources 0.30 as told, 0.43 with the gloss).
THEME_GLOSSES: dict[str, str] = {
    "workforce": "local recruitment and employment: jobs, apprenticeships and careers for local people",
    "procurement": "procurement and social value: local spending, suppliers and contracts",
    "estates": "land and buildings: estates, sites and space opened to the community",
    "environment": "environmental sustainability and net zero: carbon, travel, transport and green space",
    "community_engagement": "community engagement: involving and listening to local residents",
    "leadership": "leadership: board and senior leaders' support for anchor work",
    "measurement": "measuring impact: data, evaluation and indicators",
    "partnerships": "partnerships: anchor networks with local organisations",
}
# What a start question asking for rules is also searched with, beside its themes' glosses and the asker's
# nation: "Where do we start, and what rules do we have to work within here?" from a Northern Ireland
# council is searched as "rules, requirements, thresholds and policy; procurement and social value: …;
# Northern Ireland" (graders, fresh-a-06: PPN 01/21 was not retrieved). Only rules: a nation's rules sit in
# documents of their own, where a figure, date or name asked of the story's subject is in the story's
# documents (a fleet deadline, a health board's 77 sites, searched apart, gave way to other documents' facts).
RULE_SEARCH_WORDS = "rules, requirements, thresholds and policy"
NATION_CUES: dict[str, str] = {
    "Scotland": r"\b(scotland|scottish|glasgow|edinburgh|lanarkshire|ayrshire|nhs scotland)\b",
    "Wales": r"\b(wales|welsh|cymru|cardiff|swansea|hywel dda)\b",
    "Northern Ireland": r"\b(northern ireland|belfast|\bni\b|derry|hsc)\b",
    "England": r"\b(england|english|london|leeds|manchester|birmingham)\b",
    "USA": r"\b(US|USA|United States|America|American)\b",  # case-sensitive: "us" is not the USA
}

# -- what is asked ------------------------------------------------------------------------------------
# Start and how-to questions get First steps (issue 13: "where do we even start", "what's the first
# thing we should actually do", "how do we actually start" were missed).
START_CUES = re.compile(
    r"\b(where (do|should|can|would|could|might) (i|we|you|one|they|a \w+|an \w+)( even| actually| best| first)? "
    r"(start|begin)|where to (start|begin)|where'?s (the|a good) (place )?to start|"
    r"first (thing|things|step|steps|move|moves)|starting points?|(?<!did it )(?<!did they )(?<!was it )get(ting)? (started|going|involved)|"
    r"(know|sure|idea|clue) (where|how) to (even |actually )?(start|begin)|need to (start|begin|get)|"
    r"where (have|did) others?\b[^?]{0,30}?\b(start|started|begin|began|begun)|what should (i|we) be doing|"
    r"got (\w+ )?(started|going|off the ground)|"
    r"kick off|new to|(just|only) (starting|started|beginning|begun)|"
    # Not "how did they…": how others did it is asked of examples (held-out b3-10: "Has any health board
    # done this, and how did they set it up?"), as "did they get started" is above.
    r"how (do|can|should|would|could|might|does) (i|we|you|one|a|an|they)\b[^?]{0,40}? (start|begin|set up|"
    r"become|get|go about|approach|make|take|use|build|develop|improve|support|increase|reduce|cut|open|"
    r"recruit|buy|spend|engage|work|measure|embed|set|join|widen|pay|involve|bring)|"
    r"what (should|can|could|do|would) (i|we|they|a \w+)( \w+)? do( first| next)?\b|"
    r"what (are|would be) (the|some|our)( good| practical| sensible| quick| low-cost)? (first|next|initial) steps|"
    # "what's the first practical step?" asks for it (b12-11); "nobody could say what the first concrete
    # step is" reports that no one knew, and its question is what others did first (fresh-b-10).
    r"what(?:'s| is| would be| are) (the|a|our) first \w+ (step|steps|move|thing)\b)",
    re.IGNORECASE,
)
DEFINITION_CUES = re.compile(
    r"(^|[.?!-]\s*|\b(so|but|and),? )(what('?s| is| are| does| do)|define|meaning of|what counts as)\b"
    r"(?![^?]*\b(doing|done|did|spend|cost|first|start|next)\b)"
    r"[^?]{0,60}\b(mean|means|meant|is an?|are|anchor|anchors|institution|network|model|wealth)\b",
    re.IGNORECASE,
)
LIST_CUES = re.compile(
    r"\b(what are the (\w+ )?(ways|pillars|principles|steps|areas|themes|elements|types|kinds|levers|"
    r"things|parts|stages|priorities|commitments|criteria|actions)|list|which (ways|areas|levers)|"
    r"(five|six|four|three|seven|main|key) (ways|pillars|principles|levers|areas|commitments))\b",
    re.IGNORECASE,
)
WHO_CUES = re.compile(
    r"\b(who (wrote|published|led|leads|runs|ran|is|are|was|were|funds|funded|delivers|delivered|set up|"
    r"started|founded|chairs|authored)|which organisations? (wrote|published|led|funds|runs|delivers))\b",
    re.IGNORECASE,
)
# "Which of the trusts in Northern Ireland are accredited…?": the answer is named organisations that
# have the property asked about.
WHICH_ONES = re.compile(
    r"\bwhich (of )?(the )?([\w'’-]+ ){0,5}(trusts|councils|boards|organisations|universities|employers|companies|"
    r"bodies|hospitals|housing associations|charities|churches)\b(?! (have|has) (done|tried))",
    re.IGNORECASE,
)
# "…and when?" after another question: a date is asked too.
WHEN_TOO = re.compile(r"\b(and|or) when\b|\bwhen\s*\?", re.IGNORECASE)
# "Who wrote it / who's leading it / whose views": the answer is the people or body behind a piece of work.
AUTHORSHIP_QUESTION = re.compile(
    r"\bwho(['’]s| is| was| were| are)? (actually |really )?(wrote|writes|authored|published|put (it|this|that) out|"
    r"behind|(is |was )?lead(ing)?|led|runs|ran|chairs|chaired|funded|funds|produced)\b|\bwhose (views|work|report|idea)\b|"
    r"\bwho (were|are) the authors\b",
    re.IGNORECASE,
)
# The kinds of document a sentence says someone published (AUTHORSHIP_ANSWER, PUBLICATION_STATEMENT).
PUBLISHED_KINDS = (
    "report|guide|toolkit|paper|briefing|document|case study|blog|evaluation|review|news item|news story|"
    "article|press release|news release|statement|opinion piece|piece|post|page|webpage|announcement"
)
AUTHORSHIP_ANSWER = re.compile(
    r"\b(written|authored|led|published|edited|produced|chaired|funded|commissioned|delivered|run|put together) by\b|"
    r"\bco-?authors?\b|\bauthors?\b|\bnamed on\b|\b(is|are|was|were) leading\b|\bspearhead|"
    r"\b(published|produced|released|launched|issued) (a|an|the|its|their) (new |short |joint )?"
    rf"({PUBLISHED_KINDS})\b",
    re.IGNORECASE,
)
# The clause of a question asking who ("Who's leading the push to get every trust paying…"), up to the
# next clause: its words are not what a figure asked in the same question counts.
WHO_CLAUSE = re.compile(r"\bwho(['’]s| is| was| were| are)?\b[^,;?]*", re.IGNORECASE)
# A phrase the asker quotes ('fair work', "Building healthier communities"): asked about as written.
QUOTED_PHRASE = re.compile(r"(?:(?<=[\s(])|^)['‘\"“]([^'’\"”?]{3,60}?)['’\"”](?!\w)")
# A title quoted in an answer ("Yes: 'Health, wealth and wellbeing: the NHS' role in economic and social
# recovery'."): what a follow-up's "it" means (prac-042). The closing quote ends the sentence or a clause.
QUOTED_TITLE = re.compile(r"['‘\"“]([A-Z][^\"”‘’]{10,120}?)['’\"”](?=[.,;:)]|\s*$)")
# "What deadline are we working to?": a date something must be done by, not any date.
DEADLINE_QUESTION = re.compile(r"\b(deadlines?|by when|target dates?|due date|timescales?)\b", re.I)
DEADLINE_ANSWER = re.compile(
    r"\b(by|before|until|no later than|deadline|target|due)\b[^.;:]{0,40}?\b(19|20)\d\d\b", re.I
)
WHEN_CUES = re.compile(
    r"\b(when (was|did|were|is|will|does)|what year|which year|what date|since when)\b", re.I
)
EXAMPLE_CUES = re.compile(
    # "Any Welsh HAs who've done this I could learn from?" (b12-14 got a direct answer opening mid-story)
    r"\b(examples?|case stud\w*|who (has|have) (done|tried)|who['’]ve (done|tried)|anyone (done|doing)|ha(s|ve) any \w+( \w+)? (done|tried)|(which|what) (\w+ )?(trusts|councils|"
    r"universities|organisations|anchors|boards|businesses|churches|groups|housing associations) "
    r"(have|has|are)|others like us|like ours?|similar to us)\b",
    re.IGNORECASE,
)
# "Examples of private companies…", "case studies from Welsh housing associations", "anything from a
# university": the kind of organisation wanted as an example follows (not "for example on contracts with
# small firms", nor "examples of hospitals helping to create a local business").
EXAMPLES_OF = (
    r"\b(examples?|case stud(?:y|ies)|anything|anyone|any)\s+(?:of|from|among)\s+(?:an?\s+|other\s+|the\s+)?"
    r"(?:[\w'’-]+\s+){0,2}?"
)
# Kinds of organisation whose examples the NHS's outnumber in the corpus, so a general ranking buries them,
# as an examples question names them: an examples question asking for them, or a start question from an
# asker of one, gets them searched for (held-out b7-20, b10-08).
KINDS_OUTSHONE: dict[str, str] = {
    "business": r"(businesses|business|companies|company|firms?|employers?|private sector)",
    "utility": r"(water compan(y|ies)|utilit(y|ies)|energy compan(y|ies))",
    "university": r"(universit(y|ies)|colleges?|higher education)",
    "housing": r"(housing associations?|housing providers?|social landlords?)",
    "vcse": r"(charit(y|ies)|voluntary (groups?|organisations?)|community (groups?|organisations?)|"
    r"faith (groups?|organisations?|communities)|churches|church|mosques?|gurdwaras?|temples?|"
    r"social enterprises?|third sector)",
    "local_authority": r"(councils?|local authorit(y|ies)|local government)",
    "sport_club": r"(football clubs?|sports? clubs?)",
}
# What a follow-up (or any question) asks about its subject, with the passage words that answer it.
ASPECT_CUES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "lessons": (
        re.compile(
            r"\b(learn\w*|lessons?|takeaways?|what worked|went wrong|advice|challenges?|barriers?)\b", re.I
        ),
        re.compile(
            r"\b(learn\w*|lessons?|found that|key to|important|challeng\w*|barriers?|worked|success\w*|"
            r"should|helped|needed|difficult|hard)\b",
            re.I,
        ),
    ),
    "results": (
        re.compile(
            r"\b(results?|outcomes?|impact|difference|achieve\w*|did (it|they|this|that) (\w+ )?work|how did it go|"
            r"effect|any (numbers|figures|data|evidence)|worth copying)\b",
            re.I,
        ),
        re.compile(
            r"\b(result\w*|outcomes?|impact|led to|rose|fell|increased|reduced|saved|achieved|created|"
            r"supported|helped|\d)\b",
            re.I,
        ),
    ),
    "costs": (
        re.compile(r"\b(cost\w*|budget|fund\w*|money|paid|pay for|afford|price|invest\w*)\b", re.I),
        re.compile(r"(£|\$|€|\bcost\w*|\bfund\w*|\bbudget|\binvest\w*|\bgrant)", re.I),
    ),
    "people": (
        re.compile(r"\b(who|whom|people|partners|involved)\b", re.I),
        re.compile(r"\b(with|partners?|led by|involv\w*|together|alongside|brought)\b", re.I),
    ),
}

# The question asks for a specific fact; with a named subject, a source must give it (or the answer
# says it does not). "minimum" and "must" are rule words: issue 13 saw England's 10% weighting given
# for a question about Scotland.
FIGURE_NOUNS = (
    "percentage|proportion|share|year|rate|amount|number|figure|cost|price|total|salary|wage|weighting|target"
)
# Figure nouns that say what the figure is (kept as what was asked); the rest only say "a number".
SPECIFIC_FIGURE_NOUNS = frozenset({"salary", "wage", "weighting", "target", "cost", "price", "rate"})
FIGURE_QUESTION = re.compile(
    r"\b(how (much|many)|how long|(by )?(what|which) (" + FIGURE_NOUNS + r")"
    # "What hourly rate does…": the noun must be followed by what a question about it needs, so
    # "Which trusts share their land" is not one.
    r"|(what(['’]s)?|which)( [\w'’-]+){1,6}? (" + FIGURE_NOUNS + r")"
    r"( (of|does|do|did|is|are|was|were|has|have|had|will|would|can|could|should|for|per|in|and)\b|\s*[?,]))"
    # "What % of Belfast City Council's procurement spend goes to Belfast-based suppliers?" (b4-22).
    r"|\bwhat ?%",
    re.IGNORECASE,
)
# What kind of number a figure question wants: a sum of money, a share, or a count of something.
# A weighting is a share of the marks ("what's the minimum weighting?": 10%).
SHARE_QUESTION = re.compile(
    r"\b(percentage|proportion|share|what percent|per ?cent|what fraction|weighting)\b|%", re.I
)
MONEY_QUESTION = re.compile(
    r"\b(cost\w*|spend\w*|spent|price|budget|worth|invest\w*|paid|pay|salary|wage|hourly|money|"
    r"rate|fund\w*|grants?|turnover|£)",
    re.I,
)
# Words saying what a money figure is, not what it is about.
OUTCOME_WORDS = frozenset(
    "achieve achieved achievement results result outcome outcomes impact difference".split()
)
MONEY_WORDS = frozenset("money cost costs funding funded fund price budget paid pay".split())
COUNT_QUESTION = re.compile(r"\b(how many|number of)\b", re.I)
# "What should I do first, and what rules and thresholds apply here?" asks a rule (held-out b10-03).
RULES_APPLY = r"(what|which) (\w+ ){0,2}(rules?|thresholds?|requirements?|regulations?)( \w+){0,3} (apply|applies|are there)"
# A start question asking whether rules reach it: "How do I begin, and do the social value rules kick in for
# contracts the size we could realistically bid for?" (fresh-l-12). Only beside a start question: asked
# alone ("Above what contract values do the Buy Social requirements apply?") it asks for the figure.
RULES_REACH_US = re.compile(
    r"\b(do|does|would|will) (the )?(\w+ ){0,3}(rules?|thresholds?|requirements?|regulations?) "
    r"(apply|kick in|cover)\b",
    re.IGNORECASE,
)
RULE_QUESTION = re.compile(
    # A rule asked about, not a word in passing ("…policy, law, that kind of thing?").
    r"\b(must|(legally |statutorily )?(required|obliged|bound) to|have to|has to|mandatory|a legal (duty|requirement)|"
    r"minimum\b[^?]{0,30}\b(weighting|wage|rate|share|percentage)|is it (a )?(legal|statutory|compulsory)|compulsory|"
    rf"{RULES_APPLY})\b",
    re.IGNORECASE,
)
RULE_WORDS = re.compile(
    r"\b(must|required|requirements?|require[sd]?|mandatory|mandate|rules?|law|legal(ly)?|duty|statutory|thresholds?|"
    r"obliged|obligation|minimum|legislation|act|regulations?|policy|weighting|compulsory|voluntary|"
    # "what conditions would we have to meet?": "checks that each site meets a short list of conditions".
    r"conditions?|criteria|eligib\w*)\b",
    re.IGNORECASE,
)
OUTCOME_QUESTION = re.compile(
    r"\b(what (were|was|are) the (results?|outcomes?|impact)|what difference|did it (work|help)|how did it go)\b",
    re.IGNORECASE,
)
# Words of a fact question that say when or how it is counted, not what is counted.
FACT_NOISE = frozenset(
    "year years yearly each per annual annually current currently last now today total roughly "
    "approximately around typically usually make made difference minimum maximum rule rules must far so "
    "required requirement requirements have has mandatory law legal duty quote quoted quoting talk talking "
    "say says said go going try trying according".split()
)

CLINICAL = re.compile(
    # "Social prescribing" is community work, not medicine.
    r"\b(dose|doses|dosage|dosing|overdos\w*|mg|mcg|milligrams?|micrograms?|ml/kg|mg/kg|(?<!social )prescrib\w*|"
    r"diagnos\w*|symptoms?|medication|medicines?|drugs? for|antibiotics?|amoxicillin|paracetamol|ibuprofen|"
    r"insulin|opioids?|morphine|side effects?|contraindicat\w*|titrat\w*|administer\w*|induction of anaesthesia|"
    r"anaesthetise|sedat\w*|slurred speech|chest pain|stroke|seizure|rash|fever|infection|treat(ment)? (for|of)|"
    # A patient is clinical only with a treatment word near ("a patient with asthma on desflurane" has
    # "desflurane"); "a garden for patients with diabetes" is estates work (held-out set, ho-08).
    r"should (i|we|they) (take|give)|is it safe to (take|give)|first aid|my patient|"
    r"clinically|how much (sevoflurane|desflurane|isoflurane|nitrous oxide|entonox)\b|"
    r"(concentration|dose|mac|amount) of (sevoflurane|desflurane|isoflurane|nitrous oxide|entonox|propofol)|"
    # "what sevoflurane concentration should we run instead?" asks the same the other way round.
    r"(sevoflurane|desflurane|isoflurane|nitrous oxide|entonox|propofol) (concentrations?|doses?|dosing|mac)\b|"
    r"\binduce (an?|the|my|our) |\d+[- ]year[- ]old|warfarin|statins?|aspirin|metformin|blood thinners?|"
    r"should (he|she|they|i|we) (stop|keep taking|eat|avoid)|"
    # "Which anaesthetic agent should our anaesthetists use instead, and at what concentration?" for a
    # patient with a family history of malignant hyperthermia (held-out b4-24).
    r"(which|what) (anaesthetic |inhaled |volatile |alternative )?(agent|drug|medicine)s? (should|to use|do)|"
    r"at what (concentration|dose|dosage)|malignant hyperthermia|family history of|"
    r"patients? with (a |an )?(history|allerg\w+))\b",
    re.IGNORECASE,
)

# -- follow-ups ---------------------------------------------------------------------------------------
# A follow-up asking whether others have done it ("Has any trust done it just for their own employees
# first?") wants other examples of the topic asked before, not more of the organisation just described
# (fresh-e-19 replayed Lewisham's contractor numbers).
OTHERS_DONE_IT = re.compile(
    r"\b((has|have|did|do|does) (any|anyone|anybody|any other|other|others)\b(?! of (them|those|these))|"
    r"any other\b|anyone else|anywhere else|elsewhere|someone else)",
    re.IGNORECASE,
)
ANAPHORA = re.compile(
    r"\b(it|its|they|them|their|theirs|that|this|those|these|there|he|she|his|her|what about|how about|"
    r"and (in|for|what|how)|same|else|the (programme|scheme|project|network|academy|co-?op|trust|council|"
    r"charter|toolkit|report|organisation|board|partnership|fund|model|initiative|approach|study))\b",
    re.IGNORECASE,
)

# -- passages -----------------------------------------------------------------------------------------
ACTION_START = re.compile(
    r"^(start|begin|map|identify|build|set|agree|work|talk|review|use|make|create|involve|bring|ask|"
    r"measure|consider|plan|appoint|join|sign|look|find|check|engage|develop|pay|commit|adopt|partner|"
    r"focus|choose|pick|write|track|share|offer|open|run|test|publish|name|gather|collect|invite|"
    r"analyse|analyze|understand|think|keep|define|prioritise|secure|apply|register|contact|learn|meet|get|"
    r"compare|embed|establish|train|support|recruit|put|take|align|encourage|connect|audit|walk|listen|"
    # Imperatives of case studies' own method lists ("Spot suitable tenders.", "Go to the market
    # directly.", b15-01: NHS Lothian's approach was read as background, not as steps).
    r"spot|go|hold|visit|reach|speak|seek|tell|give|help|design|hire|switch|reduce|cut|plant|target|"
    r"tailor|promote|fund)\b",
    re.IGNORECASE,
)
# What an organisation did ("brought together 600 attendees", "ran four sessions"): an example or a
# result, not a step for the asker.
REPORTED_ACTIVITY = re.compile(
    r"^(\w+ed|brought|ran|began|built|made|took|gave|won|grew|set up|held|met|led|paid|spent|sent|saw|"
    r"became|found|kept|got)\b",
    re.IGNORECASE,
)
ACTION_CUES = re.compile(
    r"\b(start by|first step|begin by|a good (first|place|starting|way to (begin|start))|should|can start|"
    r"(good|natural|obvious|useful|best) starting point|starting point (is|for|would)|"
    r"recommend\w*|step \d|you can|we can|organisations can|anchors can|it helps to|the first (step|thing|task|job|priority|stage|theme)|"
    r"advises|suggests|encourages)\b",
    re.IGNORECASE,
)
# A list's lead-in naming a way of doing something: "a model for building relationships between faith
# groups and health services … rests on three elements:" is how a church gets in the door, where "the
# authors argue that churches can play a foundational part" is a case for it (graders, b7-17).
METHOD_LEAD_IN = re.compile(
    r"\b(model|approach|method|framework|process|routes?|ways?|steps|stages)\b[^:]{0,80}\b(for|to|of) "
    r"(building|working|getting|engaging|starting|developing|making|setting up|reaching|joining)\b",
    re.IGNORECASE,
)
# A tool offered for the work: "To help businesses make practical progress, the network offers the
# Business Anchors Progression Framework. It is a self-assessment tool…" is where a business starts, where
# the same guide's "many businesses… told the council it can be hard to know…" is background (fresh-k-11).
TOOL_OFFERED = re.compile(
    r"\b(offers|provides|has (developed|published|produced|created)|makes available)\b[^.]{0,80}"
    r"\b(tool|toolkit|framework|self-assessment|checklist|template|standard)\b",
    re.IGNORECASE,
)
# What a supplier or partner has to do to take part: "Firms that want to compete… have to apply for a place
# on the health board's new Minor Works Framework" (held-out b4-08 got the Circuit of Wales instead). Advice
# for an asker who would take part (a business, a community group), not for the buyer (b7-14).
TAKE_PART = re.compile(
    r"\b((have|has|need|needs) to (apply|register|bid|join|sign up|submit|complete|contact)|can (apply|register|"
    r"bid|join|sign up)|how to (apply|register|bid|join))\b",
    re.IGNORECASE,
)
# A passage pointing elsewhere in its document: "Use the key messages above: …" (b7-14).
POINTS_ELSEWHERE = re.compile(r"\b(above|below|earlier in (this|the) (guide|page|document))\b", re.IGNORECASE)
# Advice on how to begin, said as such: "a good way to begin is to agree an anchor framework", "start by
# meeting the senior leaders", "the first step is…".
START_ADVICE = re.compile(
    r"\b(start by|begin by|a good (first step|place to (start|begin)|starting point|way to (begin|start))|"
    r"the first step (is|was|should)|first steps? (for|would|could|should)|can start (by|with)|"
    # "Miriam Dobson's advice is to start small", "do not wait for a big budget… before you start" (b10-04)
    r"start small|(do not|don't) wait for)\b",
    re.IGNORECASE,
)
DEFINITION_WORDS = re.compile(
    r"\b(is|are) (an? |the )?(large|organisations?|institutions?|bodies|term|approach|way|people-centred|"
    r"network|model)|\b(means|refers to|defined as|describes?|known as|rooted)\b",
    re.IGNORECASE,
)
# A sentence opening with one of these leans on the one before it; alone it is a fragment.
BACK_REFERENCE = re.compile(
    r"^(it|its|it's|this|that|these|those|they|their|them|he|she|his|her|such|both|here|there|also|however|"
    r"even so|still|yet|nevertheless|nonetheless|despite this|in spite of this|otherwise|"
    r"but|and|so|then|instead|meanwhile|similarly|likewise|in addition|as a result|in turn|in this way|"
    r"for example|for instance|the same|other|another|each of (them|these)|all of (them|these)|"
    # "Examples include local councils, universities…": examples of what the passage before said (b11-07).
    r"examples (include|are|of this|such as)\b|"
    # "The Advice NI paper builds on this earlier work…" (held-out b11-07: quoted with no earlier work).
    r"[^.]{0,80}\b(builds? on|following|after|unlike|like) this (earlier|previous|prior) \w+|"
    # "Together they are exploring…" (held-out b9-10: quoted with no "they").
    r"together,? (they|the two|both|these)|between them|"
    r"(on|at|by) the same (day|time|event|meeting|date)|"
    # "The Social Value Procurement Policy is the result.": the result of what the sentence before said.
    r"[^.]{0,60}\b(is|was) the (result|outcome|upshot)(?=\.)|"
    # "Like MFT, the NCA has…": compared with a body the passage before introduced.
    r"like (?-i:(?:the )?[A-Z][\w&'’-]*(?: [A-Z][\w&'’-]*){0,3})(?=,)|"
    r"one of (them|these)|some of (them|these)|(\w+ ){1,3}(this|these|those|such)( \w+)?,|"
    # "For them, the clinical and ethical benefits…", "Much of it is informal activity…": a "them" and an
    # "it" the sentence before said (graders, dev-006, fresh-i-01). Not "In response, …": opening its
    # paragraph, Theos's "In response, the report sets out a model for building relationships…" would be
    # an orphan, and that model is what a faith group starts from (b7-17).
    r"for (them|him|her)\b|(alongside|beyond|besides|apart from|because of|as part of) (it|them)\b|"
    r"(much|most|many|part|none|all|each|any) of (it|this|that|them|these|those)\b|"
    r"(on|for|with|in|as|by|from|to|alongside|beyond|besides|unlike|apart from|because of|as part of|"
    r"as a result of|in doing|to do) (this|these|that|those|so)\b|"
    # "In May 2020 it launched…": a time or place opener, then a pronoun subject.
    r"(in|on|by|at|from|since|after|before|during|within|over) [^,]{1,30}?,? (it|they|he|she|its|their)\b|"
    # "Through its MHLDA programme, it set out…": an opening phrase about "its" something, then a
    # pronoun subject; who "it" is, the sentence before said (graders, prac-040, bl-19).
    r"(through|under|with|using|via|as part of|thanks to|across|for|in|by|from|after|since) (its|their|his|her) "
    r"[^.]{0,120}?, (it|they|he|she)\b)\b",
    re.IGNORECASE,
)
# A sentence opening with a definite description ("The figures were released…", "The £3.6 million
# development will…", "The Commission is…") names something the sentence before it introduced, when there
# is one in its paragraph: quoted alone, graders read "The figures" with no figures and "The Commission"
# with no commission (held-out b9-09, b9-05). A name ("The Health Foundation", "The NHS") stands alone;
# "The trust…", "The council…" are left to the label, which names the body (`DEFINITE_REFERENCE`).
DEFINITE_LEAN = re.compile(
    r"^The (?:[£$€]?\d[\d.,]*\s*(?:m|bn|k|million|billion)?\s+)?"
    r"(?!(?:trust|council|board|university|company|charity|association|hospital|organisation)\b)"
    r"(?:[a-z][\w-]*\b|[A-Z][a-z]+(?= [a-z]))"
)
# "United Welsh then asked how it could do things differently", "Staff therefore need to…", "To explain the
# comparison, …": what came before, or what follows from it, is in the sentence before, and is quoted with it
# when its paragraph has one (graders, b12-14, b12-09, b12-23). Opening a paragraph, it stands alone: "United
# Welsh then asked…, It found a partner in Vision 21" is the example itself (fresh-e-11 lost it as an orphan).
CARRIES_ON = re.compile(
    r"^((?!if\b|when\b|once\b|where\b)[\w'’&.-]+(?: [\w'’&.-]+){0,4},? (then|therefore|thus)\b(?! (on|again)\b)|"
    r"to (explain|illustrate|put) (the|this|that) (comparison|difference|figure|figures|result|point)\b)",
    re.IGNORECASE,
)
# "…one part of that preventative answer": a demonstrative after a preposition, inside the sentence, points
# at something the sentence before said (held-out ho-11). "This" is left out: "in this way", "this year".
DEMONSTRATIVE_INSIDE = re.compile(
    r"\b(of|to|in|on|for|with|from|by|as|at|into|about|behind|under) (that|those|these) "
    r"(?!is\b|are\b|was\b|were\b|who\b|which\b)((?:[a-z]+ )?)([a-z]+)|"
    # "According to the SCA, these organisations typically:", "…suggests that these leaders develop…":
    # "these"/"those" and a noun anywhere (graders: "'these organisations' has no referent", b5-03, b5-08).
    r"\b()(these|those) ()(?!who\b|which\b|that\b|are\b|were\b|include\b|two\b|three\b|four\b|five\b)"
    r"([a-z]+)",
    re.IGNORECASE,
)
# Bylines and sentences about the document rather than its subject: never quoted (issue 13, finding 6).
BYLINE = re.compile(
    # "By Jane Smith", not a list item "by helping to relieve some of the pressures on the NHS workforce".
    r"^((?-i:[Bb]y(?= [A-Z]))|written by|posted( by| on)?|author(s|ed by)?|published( by| on)?|updated|date|"
    r"photo|image|credit|source|read more|share|tags?|filed under|contact|email|tel|phone)\b[:\s]",
    re.IGNORECASE,
)
# A lead-in announcing how many items follow ("He names two further ways…:").
COUNTED_LEAD_IN = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|\d+)\b", re.IGNORECASE)
# A sentence about the document itself: quoted only to say who wrote it or when (units.Unit.about_document).
ABOUT_DOCUMENT = re.compile(
    # "This case study, published by X on 23 August 2023, describes how…" counts too.
    # "The "About" page of Buy Social NI is published by…", "First, it records how…", "It opens by stating
    # that…": what the page does, not what it says (graders, b7-02 and b6-15: "filler bullets describing
    # what the web page does").
    r"^the [\"“'‘][^\"”'’]{1,30}[\"”'’] (page|section) |"
    # "The release gives these figures:" frames a list; "The release describes SWCEP as a strategic
    # partnership" says what SWCEP is, so a release is about the document only when it frames (b11-02).
    r"^the release (gives|lists|sets out) (these|the following)\b|"
    r"^((first|second|third|then|next|finally|lastly),? )?it (then )?(records (how|that|what|when)|opens by|closes by|ends by|"
    r"gives an overview|turns to|goes on to)\b|"
    # "The Democrat's article reports on…" too (held-out b9-09: quoted as an NHSGGC example).
    r"^(this|the|our|that|(?:the )?[A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,4}['’]s) "
    r"(document|page|guide|report|toolkit|case study|blog|article|story|briefing|summary|"
    r"piece|post|q&a|interview|webinar|paper|evaluation|study|pdf|chapter|section|web page|long read|explainer|"
    r"foreword|publication|resource|directory entry|entry|listing|news story|press release|news release|"
    r"item)"
    # "The briefing's own discussion centres on…" (held-out b8-24)
    r"(['’]s own (discussion|focus|argument|analysis|conclusion)s?)?"
    r"(,[^,]{0,90},)?( also| then| itself)? (centres|centers|is|was|looks|looked|sets|set|explains|describes|gives|lists|"
    r"focuses|pulls|draws together|brings together|"
    r"covers|summarises|summarized|summarised|presents|outlines|reviews|considers|examines|notes|asks|argues|"
    r"includes|draws|focuses|discusses|gives|features|shares|provides|reports|offers|aims|brings|was written|"
    r"is written|is based|is part|was published|is published|starts|begins|opens|points|links|does)\b|"
    # "The author, Mary McManus, brings the perspective of someone who…" introduces the writer (b12-04);
    # "The author sets out the steps Accord took:" frames a list and stays.
    r"^the (author|writer),? (?-i:[A-Z])[\w'’ -]{1,40},? (brings|writes|wrote|worked|works|has worked|is|was)\b",
    re.IGNORECASE,
)
# How a document frames its content ("This guide summarises…", "The report notes that…"): never quoted,
# even in a sentence that also names its authors.
# "NHS Providers … published a report called Being an anchor institution that gathers…": a sentence
# whose news is that a document exists is about the document, not advice or an example (graders,
# prac-001: offered as a newcomer's first step). It answers who published it, so it counts as authorship.
PUBLICATION_STATEMENT = re.compile(
    r"\b(published|produced|released|launched|issued|posted) (a|an|the|this|its|their) (new |short |joint )?"
    rf"({PUBLISHED_KINDS}|framework document)"
    r"( called| titled| entitled)?\b|"
    # "CLES features Sandwell and West Birmingham Hospitals NHS Trust in its series on…" (graders: padding).
    r"\bfeatures\b.{0,100}\bin (one of )?(its|their) (series|collection|case stud(y|ies)|blogs?|reports?)\b",
    re.IGNORECASE,
)
DOCUMENT_FRAMING = re.compile(
    r"\b(this|the) (case study|report|blog|article|page|q&a|briefing|guide|summary) (looks at|describes|covers|"
    r"summarises|notes that|sets out how)|"
    # "Preston City Council uses this page to set out what it has done itself…" (graders: a meta-sentence
    # quoted as an example, fresh-h-13).
    r"\buses (this|the|its) (page|web page|website|document|report|blog|article|post|briefing|guide) to\b",
    re.IGNORECASE,
)
# Never content: our provenance line, links, pointers elsewhere, framing of what follows.
NOT_CONTENT = re.compile(
    r"in our own words|^(source|read the|see the|see also|find out more|more information|for more)\b|https?://|"
    r"^reading (the|this) \w+ as\b|^(attendees|participants|delegates) (heard|were told)\b|"
    r"^the following (list|steps|points)\b|"
    # "The subject is social value in public contracts: what it has delivered…" frames the record.
    r"^the (subject|topic|focus) (is|was|of (the|this) (debate|session|question|record))\b",
    re.IGNORECASE,
)
META_SENTENCE = re.compile(f"({ABOUT_DOCUMENT.pattern})|({NOT_CONTENT.pattern})", re.IGNORECASE)
# A section heading that introduces a summary of facts, not an answer: "Key facts at a glance".
DIGEST_HEADING = re.compile(
    r"^(key (facts|points|figures)|at a glance|in brief|facts and figures|headline (figures|facts|numbers))\b",
    re.I,
)
# A list the corpus's writer made to sum up the page ("The main dates and figures reported by Carson McDowell
# are:", "The piece by HACT's chief executive makes these points…:", "Summary of the article:", "Key points
# from the report:"): like a
# `DIGEST_HEADING` digest, its items restate the page, so one already quoted is not said again (compose).
SUMMARY_LEAD_IN = re.compile(
    r"\b(the main (facts|points|figures|dates and figures)\b|makes these (main )?points|^summary\b|"
    r"^key (facts|points|figures) (from|of|in)\b)",
    re.IGNORECASE,
)
# Sections written by the corpus's own writers, not by the source (issue 14's audit): not quoted.
WRITERS_SECTIONS = re.compile(
    r"^(who to involve|why (it|this) matters\b.*|what we take from it|lessons for (other|health)\b.*|"
    r"source note|checklist\b.*|how to use this summary|about this summary|recommendations and implications)$",
    re.IGNORECASE,
)

# An example that shows something done or achieved; and one that only dates a project.
DID_SOMETHING = re.compile(
    r"\b(set up|launched|created|built|opened|developed|introduced|trained|recruited|employed|paid|planted|"
    r"bought|buys|spent|invested|partnered|worked with|works with|helped|supported|co-designed|designed|"
    r"delivered|runs|ran a|offers|offered|provides|provided|committed|signed|adopted|cut|reduced|saved|"
    r"increased|raised|moved|switched|achieved|won|grew|now|completed|piloted|trialled|tested|rolled out|"
    r"carried out|mapped|analysed|reviewed|studied|looked at|commissioned|joined|hosted|converted|refurbished)\b",
    re.IGNORECASE,
)
# What an organisation means to do, not what it did: "Its aims are to spend locally…", "The board wants to
# work with local SMEs…", "The strategy will…" (graders: examples "quoting a programme's aims").
AIMS_ONLY = re.compile(
    r"\b(aims? (to|are|is)|the aim (is|was)|objectives? (is|are)|sets? out to|intends? to|wants? to|hopes? to|"
    r"plans? to|will|would|ambitions?|is expected to|are expected to|seeks? to)\b|"
    # A list of aims under its heading ("Six aims: raise the profile…", graders prac-036).
    r"^(\w+ )?(aims|objectives|goals|ambitions)\s*:",
    re.IGNORECASE,
)
TIMELINE_ONLY = re.compile(
    r"^(the (project|programme|scheme|work|pilot) (ran|runs|began|started|lasted)|it (ran|began|started))\b",
    re.IGNORECASE,
)

# A named person or body, for "who" questions: "Professor Philip Whyman", "Innovation Unit", "Dr …".
PERSON_OR_BODY = re.compile(
    r"\b(Professor|Dr|Dame|Sir|Lord|Baroness|Cllr|Councillor)\b|(?<![.!?] )\b[A-Z][a-z]+ [A-Z][a-z'’-]+\b|"
    r"\b(written|authored|led|published|delivered|funded|chaired) by\b"
)
# "The trust…", "The Act…": a sentence leaning on a name given somewhere else.
# "According to Ms Russell…": a person named by title and surname alone was introduced elsewhere.
PERSON_TITLES = r"Mr|Ms|Mrs|Miss|Dr|Cllr|Councillor|Professor|Prof"
UNINTRODUCED_PERSON = re.compile(rf"\b({PERSON_TITLES})\.? ([A-Z][a-z'’-]+)\b(?! [A-Z])")


def person_introduction(surname: str) -> re.Pattern[str]:
    """How a document first names a person it later calls by title and surname: first name and surname,
    with the title and the role after a comma when given ("Elspeth Russell, consultant in public health at
    NHS Lanarkshire", "Councillor Ellen Forson, leader of Clackmannanshire Council")."""
    return re.compile(
        rf"(?:\b(?:{PERSON_TITLES})\.? )?\b(?!(?:{PERSON_TITLES})\b)[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+)? "
        rf"{re.escape(surname)}\b(?:, (?!(?:said|says|explained|added|told)\b)[^,.;:]{{3,90}}(?=[,.;:]))?"
    )


DEFINITE_REFERENCE = re.compile(
    r"^the (trust|council|board|act|programme|scheme|project|network|academy|partnership|organisation|"
    r"company|university|association|charity|group|fund|strategy|plan|report|team|hospital|service)\b",
    re.IGNORECASE,
)

# The full name a passage's "The trust…" or "The council…" stands for, found in its document's title or
# text: capitalised words ending in that kind of organisation ("Northumbria Healthcare NHS Foundation
# Trust"), not starting with a sentence's first word ("The", "In", "When").
_NAME_WORDS = (
    r"(?!(?:The|In|At|On|When|After|Since|Its|Our|This|A|An)\b)"
    r"(?:[A-Z][\w&.-]*(?:['’][A-Za-z]+)?,?\s+(?:(?:and|of|upon|&)\s+)?){1,6}"
)


def _organisation(suffix: str) -> re.Pattern[str]:
    return re.compile(r"\b" + _NAME_WORDS + r"(?:" + suffix + r")\b")


ORGANISATION_NAMES: dict[str, re.Pattern[str]] = {
    "trust": _organisation(r"NHS Foundation Trust|NHS Trust|Health and Social Care Trust|HSC Trust"),
    "council": _organisation(r"(?:City|County|Borough|District|Metropolitan Borough) Council|Council"),
    "board": _organisation(r"University Health Board|Health Board|Integrated Care Board"),
    "university": re.compile(
        r"\bUniversity of (?:the )?[A-Z][\w-]*(?: [A-Z][\w-]*){0,3}|\b" + _NAME_WORDS + r"University\b"
    ),
    "association": _organisation(r"Housing Association|Housing Group"),
    # "The network brings together 13 employers" (graders: "'the network' is unnamed", prac-004, prac-017).
    "network": _organisation(r"Anchors? Network|Anchor Institutions['’]? Network|Learning Network|Network"),
    "partnership": _organisation(r"Health and Care Partnership|Partnership"),
}
# "When the trust was accredited, …": the kind of body a passage's first clause refers to by "the …".
# Initials a passage may use before its document spells them out ("the NCA", "CWP"): spelled out in the
# label when they come in its first words. Sector initials every reader knows are left as they are.
INITIALS = re.compile(r"\b([A-Z][A-Z&]{1,6})\b")
INITIALS_WITHIN_WORDS = 8
GENERIC_INITIALS = frozenset(
    "NHS UK US USA ICS ICB ICP PCN GP GPS SME SMES VCSE HR CEO NI HSC CIC CWB NHSE MP MSP MS AM IT ICT EU "
    "PPN TOMS CO2 LGBTQ BAME".split()
)
NAME_BEFORE_INITIALS = r"((?!(?:The|A|An|In|At|On|By|For|Its|Our)\b)[A-Z][\w&'’.-]*(?: (?:[A-Z][\w&'’.-]*|and|of|for|the|upon|&)){1,9}) "
EARLY_DEFINITE = re.compile(rf"^(?:\S+\s+){{0,6}}?the ({'|'.join(ORGANISATION_NAMES)})\b", re.IGNORECASE)
# Questions whose answer is a name: "Which big US health systems…", "Has any trust…", "Is there a team…".
NAMES_WANTED = re.compile(
    r"\b(which|what) (\w+ ){0,3}(health systems|systems|trusts|councils|boards|organisations|bodies|networks|"
    r"companies|hospitals|universities|charities|teams|programmes|schemes|funds|policies|notes)\b|"
    r"\bha(s|ve) (any|anyone|another)\b|\bis there (an?|any)\b|\bare there any\b|\bwho\b",
    re.IGNORECASE,
)

# A start question that also asks a fact: "Where do I start, and what deadline are we working to?"
FACT_IN_START = re.compile(
    r"\b(deadline|by when|what year|which year|target|how much|how many|what (rate|percentage|weighting)|"
    rf"is there a (rule|requirement|minimum)|do we have to|must we|{RULES_APPLY})\b",
    re.IGNORECASE,
)
# The corpus writers' framing of lessons for others, not the source's: not quoted.
WRITERS_LEAD_IN = re.compile(
    r"^(what (other|others|other organisations|other anchors|other places)\b[^:]{0,30}(take|learn)|"
    r"(lessons|takeaways) for (other|others)|reading (the|this) \w+ as)\b",
    re.IGNORECASE,
)

# A question wanting figures with whatever else it asks: "Are there examples of universities that have
# managed this, with numbers?" (held-out b7-16: UCLan's example said what it wanted from contractors,
# not its 96p in every £1 spent with small firms).
FIGURES_WANTED = re.compile(
    r"\b(with|any|some|hard|headline|the) (numbers|figures|stats|statistics|data)\b|\bhow (much|many)\b|"
    r"\b(quantif\w*|numbers|figures)\b(?=[^.?!]*\?)",
    re.IGNORECASE,
)
# Who works in care: a clinician's role, or an organisation that provides care.
CLINICAL_ROLE = re.compile(
    r"\b(anaesthetist|doctor|gp|nurse|midwife|pharmacist|surgeon|consultant|clinician|clinical|physician|"
    r"paramedic|therapist|dentist|theatre|matron|ward)\b",
    re.IGNORECASE,
)
CARE_PROVIDERS = frozenset({"nhs_trust", "health_board", "primary_care", "health_system"})
# Care whose carbon cost the corpus covers: a clinical question naming it is refused, then told what the
# sources say about its environmental side (graders, b6-24, b7-15).
CARBON_HEAVY_CARE = re.compile(
    r"\b(desflurane|sevoflurane|isoflurane|nitrous oxide|entonox|gas and air|anaesthetic gas(es)?|inhalers?)\b",
    re.IGNORECASE,
)
# A question asking for several figures at once, each of its own kind.
SEVERAL_FIGURES = re.compile(r"\b(what|which|any|the) (figures|numbers|stats|statistics)\b|\bhow big\b", re.I)

# A passage saying what something achieved, for a follow-up asking whether it worked.
RESULT_GIVEN = re.compile(
    r"\b(results?|outcomes?|impact|rose|fell|increased|reduced|cut|saved|achieved|awards?|won)\b", re.I
)

# -- the separate things one question asks ---------------------------------------------------------------

# A sentence that asks without a question mark: "I need the areas and the headline numbers."
_REQUEST = (
    r"(i need|i'd like|i would like|i want|i'm after|i am after|i'm looking for|we need|tell me|"
    r"give me|please|can you|could you)\b"
)
REQUEST_SENTENCE = re.compile(rf"^\s*{_REQUEST}", re.IGNORECASE)
# A request anywhere in a sentence ("For a Dundee paper I need NHS Tayside's headline numbers - …").
REQUEST_WORDS = re.compile(rf"\b{_REQUEST}", re.IGNORECASE)
# Where one question moves on to a further ask: "How many pledges are in that charter, does it cover
# climate stuff, and who else has signed up?"; "what it focused on …, and what early results they claimed".
# The words a question (or a further ask within one) opens with.
_WH_WORDS = "who|what|when|where|which|how|why|whether"
_ASKING_VERBS = "does|do|did|is|are|was|were|has|have|can|could|should|will|would"
ASK_BOUNDARY = re.compile(
    rf"\s*[,;]\s*(?:and\s+|or\s+|plus\s+)?(?=(?:{_WH_WORDS}|{_ASKING_VERBS})\b)|"
    rf"\s+(?:and|plus)\s+(?:also\s+)?(?=(?:{_WH_WORDS}|does|did|has|have)\b)",
    re.IGNORECASE,
)
# Words that say how something is asked, not what: "Who put it out…", "How long did it take…", "how did
# they set it up?" (alone they matched passages that merely used the word: "put health … at the heart").
ASK_NOISE = frozenset(
    "put take took taken come came done do did set get got go tend tends right happen happened use used "
    "mean means remind long much many actual actually claim claimed say said".split()
)
ASK_OPENING = re.compile(
    r"^\s*(?:(?:and|or|so|but|also|plus|ok|okay|great|right)[,\s]+)*"
    rf"(?:{_WH_WORDS}|whom|whose|what's|{_ASKING_VERBS}|had|any|anyone|anything)\b",
    re.IGNORECASE,
)
# How an ask is put, and the words a section heading answering it uses: "What tends to get in the way?" is
# answered under "Barriers to closer working" (graders, b5-06: the report's barriers left out).
ASK_HEADINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(gets? in the way|stands? in the way|holds? \w+ back|obstacles?|hurdles?|blockers?|barriers?|"
            r"difficult(y|ies)|challenges?|went wrong|problems?)\b",
            re.I,
        ),
        "barriers challenges",
    ),
    (re.compile(r"\b(what good looks like|benchmarks?|yardstick|norm)\b", re.I), "benchmark"),
    (re.compile(r"\b(learn\w*|lessons?|takeaways?)\b", re.I), "lessons"),
    (
        re.compile(
            r"\b(results?|outcomes?|impact|difference|did it work|deliver(ed)?|achieve\w*|retention|"
            r"stay(ed|s)? (on|in post|in work|in the job))\b",
            re.I,
        ),
        "results",
    ),
    # "How did they set it up?" is answered under "How the programme worked" (held-out b7-08: the Belfast
    # Trust's three-step programme was left out for its budget and staff numbers).
    (
        re.compile(
            r"\bhow (did|do|does|was|were|is|are|has|have) (\w+ ){0,3}?(set (it |this |that |them )?up|"
            r"go about|organi[sz]ed?|run|work(ed|s)?|do (it|this|that)|make (it|this|that) work)\b",
            re.I,
        ),
        "how worked approach steps",
    ),
    # Not "fund": it is in names ("the Severn Trent Community Fund").
    # "Who actually decides?" is answered under "How decisions are made" ("decides" and "decisions" stem
    # apart; held-out b10-18 left out the Severn Trent fund's customer panel).
    (
        re.compile(
            r"\bwho (\w+ )?(decides?|chooses?|approves?|picks?|judges?|signs? (it |them )?off)\b", re.I
        ),
        "decisions panel",
    ),
    # "What the £40 million City Deal contribution pays for" answers "how is it being paid for?" (b10-20).
    (re.compile(r"\b(cost\w*|paid|pay for|funded|funding|afford\w*)\b", re.I), "costs funding pays"),
)
# A request naming several things: "the areas and the headline numbers".
REQUEST_ITEMS = re.compile(r"\s*(?:,|\band\b)\s+(?=the\b|any\b|its\b|their\b)", re.IGNORECASE)

# Places or organisations the asker says every example already comes from ("Every anchor example I get sent
# is from Leeds or Birmingham", "not just the usual GB ones like Preston"): examples about them are what the
# asker did not ask for (fresh-a-18 got Sandwell and West Birmingham; fresh-i-11 got Preston first).
SEEN_ALREADY = re.compile(
    r"\b(?:not (?:just |only )?(?:the usual |another )?(?:[\w-]+ ){0,3}?(?:like|such as)|"
    r"every (?:[\w-]+ ){0,3}?examples?[^.?]*?\b(?:is|are|comes?) from|other than|apart from|besides) "
    r"((?-i:[A-Z][\w'’-]+)(?:(?:,| or| and) (?-i:[A-Z][\w'’-]+))*)",
    re.IGNORECASE,
)
SEEN_ALREADY_SPLIT = re.compile(r",| or | and ")

# Asking whether the asker may take part ("can we apply?"): where they are is part of the question, so a
# passage limiting the scheme to some nations answers it (fresh-a-21, a GP practice in Co. Down, was told
# who the bundles are for before "only … England, Wales and Scotland").
ELIGIBILITY_QUESTION = re.compile(
    r"\b(can|could|may) (we|i|our [\w-]+) (apply|join|bid|sign up|take part|get (one|them|it|some|funding)|"
    r"be (eligible|considered))\b|\b(are|am) (we|i) eligible\b|\b(is|are) (it|they|this|that) open to (us|me)\b",
    re.IGNORECASE,
)
# Where something applies, by nation: "Tree bundles can only be delivered to healthcare sites in England,
# Wales and Scotland" answers "Can we apply from Northern Ireland?" (b12-10 quoted who is eligible, not where).
_NATION_NAMES = r"(England|Wales|Scotland|Northern Ireland|the UK|Great Britain)"
NATION_LIMIT = re.compile(
    rf"\b(only|solely|limited to|restricted to|not (available|open) (in|to))\b[^.;]{{0,80}}\b{_NATION_NAMES}|"
    rf"\b{_NATION_NAMES}\b[^.;]{{0,40}}\bonly\b"
)
