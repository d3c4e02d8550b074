"""Build a synthetic French/English termbase in SQLite for the look-up benchmarks.

    .venv/bin/python bench/make_termbase.py --concepts 100000 \
        --db bench/out/termbase-100k.db --seed 42

The schema comes from the project's migrations (``app.db.upgrade``); rows are then written with
SQLAlchemy Core bulk inserts (concept, term, revision) and ``termbase_state.generation`` is bumped
with ``termbase.service.next_generation``, so the file is a valid termbase the service loads as is.

Terms are UN-style multi-word names composed from word lists: a head noun ("comité", "fonds",
"groupe de travail"...), an optional adjective agreeing in gender, a preposition, a complement
with its article ("de la sécurité alimentaire", "pour l'environnement", "sur les droits de
l'enfant"...), sometimes a second complement or a region ("pour l'Afrique de l'Ouest"). The English
term is the equivalent name ("regional committee on food security"). Accents, elided articles
(l', d') and hyphenated words (non-prolifération, socio-économique) occur naturally. Every concept
has one preferred French and one preferred English term, both unique by match key; about 30% of
concepts get one more term: an acronym, an admitted short form or spelling variant, or a
deprecated old name with a note. The output is deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from app.db import Database, upgrade  # noqa: E402
from termbase.models import Concept, Revision, Term  # noqa: E402
from termbase.normalize import match_key  # noqa: E402
from termbase.service import next_generation, term_match_key  # noqa: E402

# --------------------------------------------------------------------------------------------
# Vocabulary. Head nouns: French singular | gender | French plural | English | English plural.
HEADS = """
comité|m|comités|committee|committees
commission|f|commissions|commission|commissions
conseil|m|conseils|council|councils
bureau|m|bureaux|office|offices
programme|m|programmes|programme|programmes
fonds|m|fonds|fund|funds
centre|m|centres|centre|centres
institut|m|instituts|institute|institutes
agence|f|agences|agency|agencies
groupe de travail|m|groupes de travail|working group|working groups
groupe d'experts|m|groupes d'experts|expert group|expert groups
réseau|m|réseaux|network|networks
observatoire|m|observatoires|observatory|observatories
mécanisme|m|mécanismes|mechanism|mechanisms
plan d'action|m|plans d'action|action plan|action plans
stratégie|f|stratégies|strategy|strategies
initiative|f|initiatives|initiative|initiatives
partenariat|m|partenariats|partnership|partnerships
alliance|f|alliances|alliance|alliances
forum|m|forums|forum|forums
conférence|f|conférences|conference|conferences
sommet|m|sommets|summit|summits
convention|f|conventions|convention|conventions
protocole|m|protocoles|protocol|protocols
déclaration|f|déclarations|declaration|declarations
accord|m|accords|agreement|agreements
cadre|m|cadres|framework|frameworks
système|m|systèmes|system|systems
rapport|m|rapports|report|reports
examen|m|examens|review|reviews
évaluation|f|évaluations|assessment|assessments
fonds d'affectation spéciale|m|fonds d'affectation spéciale|trust fund|trust funds
sous-comité|m|sous-comités|subcommittee|subcommittees
équipe spéciale|f|équipes spéciales|task force|task forces
secrétariat|m|secrétariats|secretariat|secretariats
service|m|services|service|services
division|f|divisions|division|divisions
section|f|sections|section|sections
unité|f|unités|unit|units
mission|f|missions|mission|missions
projet|m|projets|project|projects
registre|m|registres|register|registers
base de données|f|bases de données|database|databases
indicateur|m|indicateurs|indicator|indicators
directive|f|directives|guideline|guidelines
politique|f|politiques|policy|policies
règlement|m|règlements|regulation|regulations
norme|f|normes|standard|standards
comité consultatif|m|comités consultatifs|advisory committee|advisory committees
dialogue|m|dialogues|dialogue|dialogues
campagne|f|campagnes|campaign|campaigns
décennie|f|décennies|decade|decades
journée internationale|f|journées internationales|international day|international days
rapporteur spécial|m|rapporteurs spéciaux|special rapporteur|special rapporteurs
envoyé spécial|m|envoyés spéciaux|special envoy|special envoys
tribunal|m|tribunaux|tribunal|tribunals
académie|f|académies|academy|academies
laboratoire|m|laboratoires|laboratory|laboratories
organisation|f|organisations|organization|organizations
"""

# Adjectives after a head: masculine | feminine | English.
ADJECTIVES = """
régional|régionale|regional
national|nationale|national
international|internationale|international
mondial|mondiale|global
permanent|permanente|standing
consultatif|consultative|advisory
technique|technique|technical
scientifique|scientifique|scientific
spécial|spéciale|special
conjoint|conjointe|joint
intergouvernemental|intergouvernementale|intergovernmental
interinstitutions|interinstitutions|inter-agency
multilatéral|multilatérale|multilateral
sous-régional|sous-régionale|subregional
exécutif|exécutive|executive
préparatoire|préparatoire|preparatory
indépendant|indépendante|independent
mixte|mixte|mixed
provisoire|provisoire|interim
extrabudgétaire|extrabudgétaire|extrabudgetary
opérationnel|opérationnelle|operational
statistique|statistique|statistical
juridique|juridique|legal
financier|financière|financial
administratif|administrative|administrative
humanitaire|humanitaire|humanitarian
stratégique|stratégique|strategic
thématique|thématique|thematic
intégré|intégrée|integrated
élargi|élargie|expanded
volontaire|volontaire|voluntary
africain|africaine|African
européen|européenne|European
arabe|arabe|Arab
latino-américain|latino-américaine|Latin American
asiatique|asiatique|Asian
méditerranéen|méditerranéenne|Mediterranean
mondialisé|mondialisée|globalized
pilote|pilote|pilot
coordonné|coordonnée|coordinated
"""

# Complement nouns: French with its article | gender/number (m, f, mp, fp) | English.
COMPLEMENTS = """
sécurité|f|security
développement|m|development
environnement|m|environment
santé|f|health
éducation|f|education
commerce|m|trade
énergie|f|energy
eau|f|water
migration|f|migration
paix|f|peace
désarmement|m|disarmament
droits de l'homme|mp|human rights
droits de l'enfant|mp|rights of the child
changement climatique|m|climate change
biodiversité|f|biodiversity
agriculture|f|agriculture
pêche|f|fisheries
forêts|fp|forests
océans|mp|oceans
statistiques|fp|statistics
population|f|population
urbanisation|f|urbanization
logement|m|housing
emploi|m|employment
travail|m|labour
femmes|fp|women
jeunes|mp|youth
personnes âgées|fp|older persons
personnes handicapées|fp|persons with disabilities
peuples autochtones|mp|indigenous peoples
réfugiés|mp|refugees
traite des personnes|f|trafficking in persons
trafic de migrants|m|smuggling of migrants
criminalité|f|crime
corruption|f|corruption
terrorisme|m|terrorism
drogues|fp|drugs
non-prolifération|f|non-proliferation
armes légères|fp|small arms
mines antipersonnel|fp|anti-personnel mines
maintien de la paix|m|peacekeeping
consolidation de la paix|f|peacebuilding
prévention des conflits|f|conflict prevention
état de droit|m|rule of law
gouvernance|f|governance
administration publique|f|public administration
fiscalité|f|taxation
dette|f|debt
financement|m|financing
investissement|m|investment
industrie|f|industry
technologie|f|technology
innovation|f|innovation
télécommunications|fp|telecommunications
transports|mp|transport
tourisme|m|tourism
culture|f|culture
patrimoine|m|heritage
sciences|fp|science
recherche|f|research
information|f|information
communication|f|communication
alimentation|f|food
nutrition|f|nutrition
pauvreté|f|poverty
inégalités|fp|inequality
protection sociale|f|social protection
assainissement|m|sanitation
catastrophes|fp|disasters
risques|mp|risks
désertification|f|desertification
sécheresse|f|drought
sols|mp|soils
montagnes|fp|mountains
zones côtières|fp|coastal areas
petits États insulaires|mp|small island States
pays les moins avancés|mp|least developed countries
espace extra-atmosphérique|m|outer space
droit de la mer|m|law of the sea
droit international|m|international law
commerce électronique|m|electronic commerce
propriété intellectuelle|f|intellectual property
produits chimiques|mp|chemicals
déchets dangereux|mp|hazardous wastes
pollution|f|pollution
ozone|m|ozone
climat|m|climate
mers régionales|fp|regional seas
zones humides|fp|wetlands
espèces migratrices|fp|migratory species
égalité des sexes|f|gender equality
autonomisation|f|empowerment
violence|f|violence
torture|f|torture
disparitions forcées|fp|enforced disappearances
détention arbitraire|f|arbitrary detention
liberté d'expression|f|freedom of expression
vie privée|f|privacy
intelligence artificielle|f|artificial intelligence
cybersécurité|f|cybersecurity
coopération Sud-Sud|f|South-South cooperation
coopération technique|f|technical cooperation
aide humanitaire|f|humanitarian assistance
relèvement|m|recovery
reconstruction|f|reconstruction
vaccination|f|immunization
paludisme|m|malaria
tuberculose|f|tuberculosis
VIH/sida|m|HIV/AIDS
maladies non transmissibles|fp|non-communicable diseases
santé mentale|f|mental health
eau potable|f|drinking water
énergie renouvelable|f|renewable energy
efficacité énergétique|f|energy efficiency
villes durables|fp|sustainable cities
infrastructures|fp|infrastructure
"""

# Adjectives after a complement: masculine | feminine | English (placed before the noun).
COMPLEMENT_ADJECTIVES = """
alimentaire|alimentaire|food
nucléaire|nucléaire|nuclear
rural|rurale|rural
urbain|urbaine|urban
maritime|maritime|maritime
numérique|numérique|digital
durable|durable|sustainable
économique|économique|economic
social|sociale|social
socio-économique|socio-économique|socio-economic
régional|régionale|regional
transfrontière|transfrontière|transboundary
côtier|côtière|coastal
industriel|industrielle|industrial
public|publique|public
privé|privée|private
informel|informelle|informal
mondial|mondiale|global
local|locale|local
scolaire|scolaire|school
professionnel|professionnelle|vocational
primaire|primaire|primary
intégré|intégrée|integrated
inclusif|inclusive|inclusive
équitable|équitable|equitable
autochtone|autochtone|indigenous
transnational|transnationale|transnational
organisé|organisée|organized
"""

REGIONS = """
l'Afrique|f|Africa
l'Afrique de l'Ouest|f|West Africa
l'Afrique centrale|f|Central Africa
l'Afrique de l'Est|f|East Africa
l'Afrique australe|f|Southern Africa
l'Asie et le Pacifique|f|Asia and the Pacific
l'Asie occidentale|f|Western Asia
l'Asie centrale|f|Central Asia
l'Europe|f|Europe
l'Europe du Sud-Est|f|South-Eastern Europe
l'Amérique latine et les Caraïbes|f|Latin America and the Caribbean
les Caraïbes|fp|the Caribbean
le Pacifique|m|the Pacific
le Sahel|m|the Sahel
la Corne de l'Afrique|f|the Horn of Africa
la région des Grands Lacs|f|the Great Lakes region
le bassin du Congo|m|the Congo Basin
la Méditerranée|f|the Mediterranean
l'Arctique|m|the Arctic
l'Antarctique|m|the Antarctic
les États arabes|mp|the Arab States
les pays en développement sans littoral|mp|landlocked developing countries
le Moyen-Orient|m|the Middle East
l'océan Indien|m|the Indian Ocean
la mer Noire|f|the Black Sea
la mer Baltique|f|the Baltic Sea
"""

# Prepositions joining head and complement: French | English.
PREPOSITIONS = [("de", "on"), ("pour", "for"), ("sur", "on"), ("contre", "against"), ("de", "of")]

# Complements that "contre"/"against" makes sense with; other complements take "de"/"on".
AGAINST_OK = {
    "traite des personnes",
    "trafic de migrants",
    "criminalité",
    "corruption",
    "terrorisme",
    "drogues",
    "torture",
    "violence",
    "pauvreté",
    "paludisme",
    "tuberculose",
    "VIH/sida",
    "désertification",
    "sécheresse",
    "pollution",
    "catastrophes",
    "inégalités",
    "disparitions forcées",
    "détention arbitraire",
    "maladies non transmissibles",
    "mines antipersonnel",
}

# Heads of deprecated old names (never used as heads of current names).
OLD_HEADS = [
    ("organe", "m", "body"),
    ("cellule", "f", "cell"),
    ("instance", "f", "authority"),
    ("dispositif", "m", "arrangement"),
    ("structure", "f", "structure"),
]

SUBJECT_FIELDS = [
    "economic and social affairs",
    "environment",
    "peace and security",
    "human rights",
    "humanitarian affairs",
    "international law",
    "development",
    "health",
    "statistics",
    "administration and finance",
    "crime prevention",
    "disarmament",
    "outer space",
    "oceans and law of the sea",
    "trade",
    "energy",
    "gender equality",
    "migration",
    "science and technology",
    "education and culture",
]

EN_US = {
    "programme": "program",
    "centre": "center",
    "labour": "labor",
    "organization": "organisation",
    "globalized": "globalised",
    "urbanization": "urbanisation",
    "immunization": "immunisation",
}

FR_MINOR = {
    "de",
    "d",
    "du",
    "des",
    "la",
    "le",
    "les",
    "l",
    "pour",
    "sur",
    "contre",
    "et",
    "en",
    "à",
    "au",
    "aux",
}
EN_MINOR = {"on", "for", "of", "the", "against", "and", "in", "with", "to", "a", "an"}

# Acronyms spelling an everyday word would be "recognised" in every sentence; real termbases
# avoid most of them, and so does the generator (acronyms have three letters or more).
COMMON_WORDS = {
    "des",
    "les",
    "une",
    "sur",
    "par",
    "pas",
    "son",
    "ses",
    "aux",
    "est",
    "été",
    "pour",
    "dans",
    "avec",
    "the",
    "and",
    "for",
    "its",
    "was",
    "are",
    "not",
    "but",
    "has",
    "had",
    "all",
    "can",
    "one",
    "per",
    "via",
    "who",
    "out",
    "our",
    "use",
    "sea",
    "mer",
    "eau",
    "art",
    "fin",
    "car",
    "ici",
    "lui",
    "ont",
    "que",
    "qui",
    "tout",
    "plan",
    "base",
    "cap",
    "pic",
    "sac",
    "dos",
    "mai",
    "mars",
}

VOWELS = set("aeiouyhéèêàâîïôûAEIOUYHÉÈÊÀÂÎÏÔÛ")


def _rows(block: str) -> list[list[str]]:
    return [line.split("|") for line in block.strip().splitlines()]


HEAD_ROWS = _rows(HEADS)
ADJ_ROWS = _rows(ADJECTIVES)
COMP_ROWS = _rows(COMPLEMENTS)
CADJ_ROWS = _rows(COMPLEMENT_ADJECTIVES)
REGION_ROWS = _rows(REGIONS)


def article(noun: str, gender: str) -> str:
    """The French definite article in front of ``noun``: l'eau, la paix, le climat, les femmes."""
    if gender.endswith("p"):
        return "les " + noun
    if noun[0] in VOWELS:
        return "l'" + noun
    return ("la " if gender == "f" else "le ") + noun


def with_preposition(prep: str, phrase: str) -> str:
    """de + le -> du, de + les -> des, à + le -> au; other prepositions keep the article."""
    if prep == "de" or prep.endswith(" de"):
        if phrase.startswith("le "):
            return prep[:-2] + "du " + phrase[3:]
        if phrase.startswith("les "):
            return prep[:-2] + "des " + phrase[4:]
    return f"{prep} {phrase}"


def agree(adj_row: list[str], gender: str) -> str:
    masc, fem = adj_row[0], adj_row[1]
    adj = fem if gender.startswith("f") else masc
    if gender.endswith("p"):
        if adj.endswith("al") and not gender.startswith("f"):
            adj = adj[:-2] + "aux"
        elif not adj.endswith(("s", "x")):
            adj += "s"
    return adj


def acronym(text: str, minor: set[str]) -> str:
    words = [
        w
        for w in text.replace("'", " ").replace("-", " ").replace("/", " ").split()
        if w.lower() not in minor
    ]
    return "".join(w[0].upper() for w in words)


class Generator:
    """Draws concepts whose French and English preferred terms are unique by match key."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fr_keys: set[str] = set()
        self.en_keys: set[str] = set()
        self.retries = 0

    def complement(self) -> tuple[str, str, str]:
        """A complement noun phrase: French without article, its gender/number, English."""
        rng = self.rng
        noun, gender, en = rng.choice(COMP_ROWS)
        if rng.random() < 0.45 and " " not in noun:
            cadj = rng.choice(CADJ_ROWS)
            return f"{noun} {agree(cadj, gender)}", gender, f"{cadj[2]} {en}"
        return noun, gender, en

    def draw(self) -> tuple[str, str, dict]:
        rng = self.rng
        pattern = rng.random()
        head = rng.choice(HEAD_ROWS)
        fr_head, gender, en_head = head[0], head[1], head[3]
        parts: dict = {"head": head}
        adj = rng.choice(ADJ_ROWS) if rng.random() < 0.5 else None
        if adj is not None and " " not in fr_head:
            fr_head = f"{fr_head} {agree(adj, gender)}"
            en_head = f"{adj[2]} {en_head}"
            parts["adj"] = adj
        if pattern < 0.04:
            # Two or three words: "comité régional", "sécurité alimentaire".
            if rng.random() < 0.5:
                noun, cgender, cen = self.complement()
                return noun, cen, {"short": True}
            return fr_head, en_head, parts
        prep_fr, prep_en = rng.choice(PREPOSITIONS)
        noun, cgender, cen = self.complement()
        if prep_fr == "contre" and noun.split(" ")[0] not in AGAINST_OK and noun not in AGAINST_OK:
            prep_fr, prep_en = "de", "on"
        fr = f"{fr_head} {with_preposition(prep_fr, article(noun, cgender))}"
        en = f"{en_head} {prep_en} {cen}"
        if pattern < 0.20:
            # A second complement: "... de la paix et du développement".
            noun2, cgender2, cen2 = self.complement()
            if noun2 != noun:
                parts["tail_fr"] = f" et {with_preposition(prep_fr, article(noun2, cgender2))}"
                parts["tail_en"] = f" and {cen2}"
        elif pattern < 0.40:
            region, rgender, ren = rng.choice(REGION_ROWS)
            parts["tail_fr"] = " " + with_preposition(
                rng.choice(["pour", "de", "en faveur de"]), region
            )
            parts["tail_en"] = f" for {ren}"
        fr += parts.get("tail_fr", "")
        en += parts.get("tail_en", "")
        return fr, en, parts

    def unique_pair(self) -> tuple[str, str, dict]:
        for _ in range(200):
            fr, en, parts = self.draw()
            fk, ek = match_key(fr, "fr"), match_key(en, "en")
            if fk and ek and fk not in self.fr_keys and ek not in self.en_keys:
                self.fr_keys.add(fk)
                self.en_keys.add(ek)
                return fr, en, parts
            self.retries += 1
        # The combination space is far larger than any sensible --concepts; this is a fallback.
        n = len(self.fr_keys)
        fr, en = f"{fr} (variante {n})", f"{en} (variant {n})"
        self.fr_keys.add(match_key(fr, "fr"))
        self.en_keys.add(match_key(en, "en"))
        return fr, en, parts

    def extra_term(self, fr: str, en: str, parts: dict) -> dict | None:
        """About 30% of concepts: an acronym, an admitted variant or a deprecated old name."""
        rng = self.rng
        roll = rng.random()
        if roll >= 0.33:  # a few draws give nothing usable: about 30% of concepts get one
            return None
        if roll < 0.12:
            lang, text = (
                ("fr", acronym(fr, FR_MINOR))
                if rng.random() < 0.5
                else ("en", acronym(en, EN_MINOR))
            )
            if len(text) < 3 or text.lower() in COMMON_WORDS:
                return None
            return {
                "lang": lang,
                "text": text,
                "status": "admitted",
                "term_type": "acronym",
                "part_of_speech": "noun",
            }
        if roll < 0.23:
            words = en.split()
            us = [EN_US.get(w, w) for w in words]
            if us != words:
                return {
                    "lang": "en",
                    "text": " ".join(us),
                    "status": "admitted",
                    "term_type": "variant",
                    "part_of_speech": "noun",
                }
            # A short form: the name without its region or second complement.
            if "tail_fr" in parts:
                lang, text = (
                    ("fr", fr[: -len(parts["tail_fr"])])
                    if rng.random() < 0.5
                    else ("en", en[: -len(parts["tail_en"])])
                )
                return {
                    "lang": lang,
                    "text": text,
                    "status": "admitted",
                    "term_type": "short_form",
                    "part_of_speech": "noun",
                }
            return {
                "lang": "en",
                "text": en.replace(" on ", " for ", 1),
                "status": "admitted",
                "term_type": "variant",
                "part_of_speech": "noun",
            }
        head = parts.get("head")
        if head is None:
            return None
        # Same gender as the current head, so the adjectives still agree.
        old_fr, _gender, old_en = rng.choice([o for o in OLD_HEADS if o[1] == head[1]])
        if rng.random() < 0.5:
            text = old_fr + fr[len(head[0]) :] if fr.startswith(head[0]) else None
            lang = "fr"
        else:
            text = en.replace(head[3], old_en, 1) if head[3] in en else None
            lang = "en"
        if not text:
            return None
        return {
            "lang": lang,
            "text": text,
            "status": "deprecated",
            "term_type": "full_form",
            "part_of_speech": "noun",
            "note": "Former name; do not use in new documents.",
        }


def build(path: Path, concepts: int, seed: int, chunk: int = 10_000) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    database = Database(f"sqlite:///{path}")
    upgrade(database.engine)
    migrated = time.perf_counter()

    gen = Generator(seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    concept_rows: list[dict] = []
    term_rows: list[dict] = []
    revision_rows: list[dict] = []
    term_id = 0
    extras = {"acronym": 0, "admitted": 0, "deprecated": 0}
    for concept_id in range(1, concepts + 1):
        fr, en, parts = gen.unique_pair()
        rng = gen.rng
        subject = rng.choice(SUBJECT_FIELDS)
        definition = None
        if rng.random() < 0.6:
            definition = (
                f"{en[0].upper()}{en[1:]}: the body or instrument through which Member "
                f"States coordinate their work in the field of {subject}."
            )
        terms = [
            {
                "lang": "fr",
                "text": fr,
                "status": "preferred",
                "term_type": "full_form",
                "part_of_speech": "noun",
            },
            {
                "lang": "en",
                "text": en,
                "status": "preferred",
                "term_type": "full_form",
                "part_of_speech": "noun",
            },
        ]
        extra = gen.extra_term(fr, en, parts)
        if extra is not None and all(
            not (t["lang"] == extra["lang"] and t["text"] == extra["text"]) for t in terms
        ):
            terms.append(extra)
            kind = "acronym" if extra["term_type"] == "acronym" else extra["status"]
            extras[kind] += 1
        concept_rows.append(
            {
                "id": concept_id,
                "subject_field": subject,
                "definition": definition,
                "note": None,
                "source": "bench/make_termbase.py",
                "created_at": now,
                "updated_at": now,
            }
        )
        for position, term in enumerate(terms):
            term_id += 1
            term_rows.append(
                {
                    "id": term_id,
                    "concept_id": concept_id,
                    "position": position,
                    "context": None,
                    "source": None,
                    "note": term.get("note"),
                    "match_key": term_match_key(term["text"], term["lang"]),
                    **{k: v for k, v in term.items() if k != "note"},
                }
            )
        revision_rows.append(
            {
                "concept_id": concept_id,
                "action": "create",
                "changed_at": now,
                "changed_by": "bench",
                "number": 1,
                "before": None,
                "after": {
                    "id": concept_id,
                    "subject_field": subject,
                    "terms": [
                        {"lang": t["lang"], "text": t["text"], "status": t["status"]} for t in terms
                    ],
                },
            }
        )
    generated = time.perf_counter()

    with database.session() as session:
        generation = next_generation(session=session)
        for row in revision_rows:
            row["generation"] = generation
        conn = session.connection()
        for table, rows in (
            (Concept.__table__, concept_rows),
            (Term.__table__, term_rows),
            (Revision.__table__, revision_rows),
        ):
            for start in range(0, len(rows), chunk):
                conn.execute(insert(table), rows[start : start + chunk])
    inserted = time.perf_counter()

    with database.sessionmaker() as session:
        n_concepts = session.execute(select(func.count()).select_from(Concept)).scalar_one()
        by_lang = dict(session.execute(select(Term.lang, func.count()).group_by(Term.lang)).all())
        n_revisions = session.execute(select(func.count()).select_from(Revision)).scalar_one()
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()

    words = [len(t["text"].split()) for t in term_rows]
    print(f"database:        {path} ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"seed:            {seed}")
    print(f"concepts:        {n_concepts}")
    per_language = ", ".join(f"{k} {v}" for k, v in sorted(by_lang.items()))
    print(f"terms:           {sum(by_lang.values())} ({per_language})")
    print(
        f"  extra terms:   {extras['acronym']} acronyms, {extras['admitted']} admitted, "
        f"{extras['deprecated']} deprecated"
    )
    print(f"  words/term:    mean {sum(words) / len(words):.2f}, max {max(words)}")
    print(f"revisions:       {n_revisions} (generation {generation})")
    print(f"unique-key redraws: {gen.retries}")
    print(
        f"time: migrate {migrated - started:.2f} s, generate {generated - migrated:.2f} s, "
        f"insert {inserted - generated:.2f} s, total {time.perf_counter() - started:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concepts", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=ROOT / "bench/out/termbase-100k.db")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    build(args.db, args.concepts, args.seed)


if __name__ == "__main__":
    main()
