"""Term candidates mined from aligned documents: French/English pairs a terminologist may adopt.

Three steps, all over plain beads (:class:`termbase.aligned.BeadText`):

1. *Candidate terms on each side*: runs of content words, possibly joined by the connectors
   terms are made with ("traite **des** personnes", "trafficking **in** persons", "Office **of
   the** High Commissioner"), cut at punctuation, numbers and every other function word; every
   sub-run that starts and ends with a content word is a candidate, up to ``max_words`` words.
   Words are keyed as the termbase keys them (:func:`termbase.normalize.key_forms`: lower case,
   plural folded), so "victimes de la traite" and "victime de la traite" are one candidate and a
   candidate's key is the key a look-up of it would use. A candidate that (almost) never occurs
   outside a longer one ("Nations" in "Nations Unies") is dropped in favour of the longer one.
2. *Association through beads*: for every French and English candidate found in the same bead,
   how often they co-occur against how often each occurs: Dice and the log-likelihood ratio
   (Dunning 1993) over beads.
3. *Pairing*: each French candidate's best English partner and each English candidate's best
   French partner, by association times lexical agreement; a pair is kept when it is the best
   partner on at least one side and near best on the other (competitive linking, relaxed for
   synonyms). Lexical agreement comes from the aligner's subword translation table
   (:class:`alignment.lexicon.Lexicon`): the share of each side's pieces the other side could
   translate; it tells "traite des personnes" ↔ "trafficking in persons" from "traite des
   personnes" ↔ "trafficking", which co-occur almost as often.

Candidates are ranked by a score that grows with the log-likelihood ratio and the lexical
agreement (see :func:`_score`). Each carries its frequency, the association figures, a few
example beads and a ``known`` flag when the termbase already pairs its two terms, so a list shows
what is new. ``key`` (normalised French ``|`` normalised English) is stable across runs and
documents: a review queue can store candidates under it and remember rejections.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from termbase.aligned import BeadText, as_bead
from termbase.normalize import fold_inflection, key_forms

if TYPE_CHECKING:
    from alignment.features import LexicalSpace
    from alignment.lexicon import Lexicon

# Words (letters with any combining marks), digit runs, and the punctuation that ends a run.
# Apostrophes and hyphens separate words without ending a run ("l'homme", "Secretary-General").
_TOKEN_RE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+|\d+|[^\w\s'’ʼ‘`´\-‐‑]")

# Connectors a multi-word term may hold inside it (never at its ends).
CONNECTORS = {
    "fr": frozenset("de d des du la le les l à au aux en et pour contre sur par dans".split()),
    "en": frozenset("of in for on and the to against with by from at".split()),
}

# Function words and the commonest non-term words of UN prose: they end a run.
_STOP_FR = """
a ai ainsi alors après as au aucun aucune aussi autre autres aux avait avant avec avoir ayant
bien c ça car ce ceci cela celle celles celui cependant ces cet cette ceux chacun chaque chez
comme comment concernant conformément d dans de dont du déjà depuis des dès donc doit doivent
e elle elles en encore entre est et étaient était été être eu eux faire fait faut font hors il
ils j jamais je jusqu l la laquelle le lequel les lesquelles lesquels leur leurs lors lorsqu
lorsque lui m ma mais me même mêmes mes moins mon n ne ni non nos notamment notre nous on ont ou
où par parce parmi pas pendant peu peut peuvent plus plusieurs pour pourquoi pourrait pourraient
qu quand que quel quelle quelles quels qui quoi s sa sans se selon sera seront ses si sien
soit sont sous souvent sur t ta tant te tel telle telles tels tes toujours tous tout toute
toutes très trop tu un une vers via voire vos votre vous y également ci afin ainsi compte
néanmoins toutefois cas fois lieu part façon manière mesure nombre égard
"""
_STOP_EN = """
a about above after again against all also although am an and any are as at be been before
being below between both but by can could did do does doing done down during each either else
etc ever every few for from further had has have having he her here hers herself him himself
his how however i if in into is it its itself just least less may me might more most must my
myself neither no nor not now of off on once only or other others otherwise our ours ourselves
out over own per rather same shall she should so some such than that the their theirs them
themselves then there therefore these they this those though through thus to too under until
up upon very via was we were what whatever when where whether which while who whom whose why
will with within without would yet you your yours also including inter alia well regard
whereby wherein thereof therein number way part case
"""
# Words that are numbers, dates or the verbs of drafting end a run as digits do: "soixante-
# neuvième session", "held on Thursday" and "prie le Secrétaire général" are not terms.
_NUMERIC_FR = """
deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt
trente quarante cinquante soixante cent cents mille premier première second seconde
janvier février mars avril mai juin juillet août septembre octobre novembre décembre
lundi mardi mercredi jeudi vendredi samedi dimanche
tiendra tiendront datée daté datées prie décide souligne réaffirme rappelle exhorte
"""
_NUMERIC_EN = """
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
hundred thousand first second third fourth fifth sixth seventh eighth ninth tenth eleventh
twelfth january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
held dated requests decides stresses reaffirms recalls urges invites
"""
STOP_WORDS = {
    "fr": frozenset(unicodedata.normalize("NFC", _STOP_FR + _NUMERIC_FR).split()),
    "en": frozenset((_STOP_EN + _NUMERIC_EN).split()),
}


def _numeric(lower: str, lang: str) -> bool:
    """Ordinals spelt out: "neuvième", "soixante-dixième" (hyphens split), "seventieth"."""
    if lang == "fr":
        return lower.endswith("ième") and len(lower) > 5
    return lower.endswith(("tieth", "teenth")) or (
        lower.endswith("th") and lower[:-2] in _EN_ORDINAL_STEMS
    )


_EN_ORDINAL_STEMS = frozenset("four fif six seven eigh nin ten hundred thousand".split())

# How much of a shorter candidate's occurrences a longer one may cover before the shorter one is
# dropped as a mere fragment of it.
NESTED_SHARE = 0.9


@dataclass(frozen=True, slots=True)
class Example:
    """A bead where the pair occurs: its reference and both sides."""

    ref: str
    fr: str
    en: str


@dataclass(slots=True)
class TermCandidate:
    """A proposed French/English term pair.

    ``frequency`` counts the beads with both terms, ``fr_frequency`` / ``en_frequency`` the beads
    with each; ``dice`` and ``llr`` measure their association over beads, ``lexical`` their
    agreement through the aligner's subword translation table (0 to 1); ``score`` ranks.
    ``known`` is True when the termbase already pairs the two terms; ``known_fr`` /
    ``known_en`` when it has the term on that side (under any concept).
    """

    fr: str
    en: str
    fr_key: str
    en_key: str
    frequency: int
    fr_frequency: int
    en_frequency: int
    dice: float
    llr: float
    lexical: float
    score: float
    examples: list[Example] = field(default_factory=list)
    known: bool = False
    known_fr: bool = False
    known_en: bool = False

    @property
    def key(self) -> str:
        """The pair's stable key: normalised French ``|`` normalised English."""
        return pair_key(self.fr_key, self.en_key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "fr": self.fr,
            "en": self.en,
            "fr_key": self.fr_key,
            "en_key": self.en_key,
            "frequency": self.frequency,
            "fr_frequency": self.fr_frequency,
            "en_frequency": self.en_frequency,
            "dice": round(self.dice, 4),
            "llr": round(self.llr, 2),
            "lexical": round(self.lexical, 4),
            "score": round(self.score, 4),
            "known": self.known,
            "known_fr": self.known_fr,
            "known_en": self.known_en,
            "examples": [{"ref": e.ref, "fr": e.fr, "en": e.en} for e in self.examples],
        }


@dataclass(frozen=True, slots=True)
class ExtractionOptions:
    """How candidates are found and kept.

    - ``max_words``: the most words (connectors included) a candidate may have;
    - ``min_frequency``: the fewest beads a pair must share (and each term occur in);
    - ``min_dice``: the weakest association kept;
    - ``single_words``: whether one-word terms ("traite" ↔ "trafficking") are proposed;
    - ``limit``: the most candidates returned (best first);
    - ``examples``: example beads kept per candidate.
    """

    max_words: int = 7
    min_frequency: int = 2
    min_dice: float = 0.2
    single_words: bool = True
    limit: int = 500
    examples: int = 3


def pair_key(fr_key: str, en_key: str) -> str:
    return f"{fr_key}|{en_key}"


def term_key(text: str, lang: str) -> str:
    """The key of a term as the termbase keys it (what :attr:`TermCandidate.fr_key` holds)."""
    return " ".join(key_forms(text, lang))


# -- step 1: candidates on one side -------------------------------------------------------------


@dataclass(slots=True)
class _Side:
    """Candidates of one language: per bead, the candidate keys found; per key, its surfaces."""

    lang: str
    per_bead: list[set[str]] = field(default_factory=list)
    surfaces: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    frequency: Counter[str] = field(default_factory=Counter)


def _word_kind(raw: str, lang: str) -> tuple[str, str]:
    """(form, kind) of a token: kind is ``c`` content, ``j`` connector, ``x`` run breaker."""
    if not raw[0].isalpha():
        return raw, "x"
    lower = unicodedata.normalize("NFC", raw).lower()
    if lower in CONNECTORS[lang]:
        return lower, "j"
    if lower in STOP_WORDS[lang] or len(lower) < 2 or _numeric(lower, lang):
        return lower, "x"
    return fold_inflection(lower, lang), "c"


def _runs(text: str, lang: str) -> Iterable[list[tuple[str, int, int, str]]]:
    """Runs of (form, start, end, kind) between run breakers."""
    run: list[tuple[str, int, int, str]] = []
    for match in _TOKEN_RE.finditer(text):
        form, kind = _word_kind(match.group(), lang)
        if kind == "x":
            if run:
                yield run
            run = []
            continue
        run.append((form, match.start(), match.end(), kind))
    if run:
        yield run


def candidates_in(text: str, lang: str, options: ExtractionOptions) -> dict[str, str]:
    """Every candidate term of ``text``: key -> the surface it has here."""
    found: dict[str, str] = {}
    for run in _runs(text, lang):
        n = len(run)
        for i in range(n):
            if run[i][3] != "c":
                continue
            content = 0
            for j in range(i, min(n, i + options.max_words)):
                if run[j][3] == "c":
                    content += 1
                else:
                    continue
                if j == i and not options.single_words:
                    continue
                if j == i and len(run[i][0]) < 3:
                    continue
                key = " ".join(token[0] for token in run[i : j + 1])
                if key not in found:
                    found[key] = text[run[i][1] : run[j][2]]
    return found


def _collect(beads: Sequence[BeadText], lang: str, options: ExtractionOptions) -> _Side:
    side = _Side(lang)
    for bead in beads:
        text = bead.fr if lang == "fr" else bead.en
        found = candidates_in(text, lang, options)
        keys = set(found)
        side.per_bead.append(keys)
        side.frequency.update(keys)
        for key, surface in found.items():
            side.surfaces[key][surface] += 1
    return side


def _drop_fragments(side: _Side, min_frequency: int) -> set[str]:
    """The candidates worth pairing: frequent enough, and not mere fragments of a longer one."""
    frequent = {k for k, c in side.frequency.items() if c >= min_frequency}
    covered: Counter[str] = Counter()  # key -> most occurrences of a longer frequent candidate
    for key in frequent:
        words = key.split(" ")
        if len(words) < 2:
            continue
        count = side.frequency[key]
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                if j - i == len(words):
                    continue
                sub = " ".join(words[i:j])
                if sub in frequent and count > covered[sub]:
                    covered[sub] = count
    return {k for k in frequent if covered[k] < NESTED_SHARE * side.frequency[k]}


# -- steps 2 and 3: association and pairing -----------------------------------------------------


def _llr(k11: int, k1: int, k2: int, n: int) -> float:
    """Dunning's log-likelihood ratio (G²) of a 2×2 table: both, first, second, total."""
    k12, k21 = k1 - k11, k2 - k11
    k22 = n - k1 - k2 + k11

    def h(*counts: int) -> float:
        total = sum(counts)
        return sum(c * math.log(c / total) for c in counts if c > 0)

    return max(
        0.0, 2.0 * (h(k11, k12, k21, k22) - h(k11 + k12, k21 + k22) - h(k11 + k21, k12 + k22))
    )


# Multi-word units are what a termbase lacks (a one-word pair is mostly a dictionary's): their
# score counts this much more.
MULTI_WORD_WEIGHT = 1.5


def _score(llr: float, dice: float, lexical: float, multi_word: bool) -> float:
    """The ranking score: association strength (LLR, log-damped), its purity (Dice), lexical
    agreement, which halves the score of a pair the translation table cannot link at all, and
    termhood: multi-word units first."""
    weight = MULTI_WORD_WEIGHT if multi_word else 1.0
    return math.log1p(llr) * dice * (0.5 + lexical) * weight


class _LexicalAgreement:
    """How well two terms translate each other through the aligner's lexicon (0 to 1): the
    lexical similarity the aligner's search gives a 1-1 bead
    (:meth:`alignment.features.LexicalSpace.similarity`)."""

    def __init__(self, lexicon: Lexicon | None) -> None:
        self.space = None if lexicon is None else _space_of(lexicon)

    def __call__(self, fr: str, en: str) -> float:
        if self.space is None:
            return 0.5
        return self.space.similarity(fr, en)


_SPACES: dict[int, tuple[Lexicon, LexicalSpace]] = {}


def _space_of(lexicon: Lexicon) -> LexicalSpace:
    """The lexicon's sentence space, built once per lexicon (it takes a moment and ~100 MB)."""
    held = _SPACES.get(id(lexicon))
    if held is None or held[0] is not lexicon:
        from alignment.features import LexicalSpace

        _SPACES.clear()  # one lexicon at a time: the default, in practice
        held = _SPACES[id(lexicon)] = (lexicon, LexicalSpace(lexicon))
    return held[1]


def extract_candidates(
    beads: Iterable[BeadText | Sequence[Any]],
    *,
    known_pairs: Iterable[tuple[str, str]] = (),
    lexicon: Lexicon | None = None,
    options: ExtractionOptions | None = None,
) -> list[TermCandidate]:
    """French/English term candidates from aligned beads, best first.

    ``known_pairs`` are the termbase's French/English equivalents (plain pairs of strings);
    ``lexicon`` the aligner's (:meth:`alignment.lexicon.Lexicon.load_default`), or None to pair
    on association alone. One-sided beads are skipped.
    """
    options = options or ExtractionOptions()
    pairs = [b for b in (as_bead(b) for b in beads) if b.fr.strip() and b.en.strip()]
    if not pairs:
        return []
    fr_side = _collect(pairs, "fr", options)
    en_side = _collect(pairs, "en", options)
    fr_keep = _drop_fragments(fr_side, options.min_frequency)
    en_keep = _drop_fragments(en_side, options.min_frequency)

    together: Counter[tuple[str, str]] = Counter()
    for fr_keys, en_keys in zip(fr_side.per_bead, en_side.per_bead, strict=True):
        fr_here = fr_keys & fr_keep
        en_here = en_keys & en_keep
        for f in fr_here:
            for e in en_here:
                together[(f, e)] += 1

    n = len(pairs)
    agreement = _LexicalAgreement(lexicon)
    surface = {
        "fr": {k: _best_surface(fr_side.surfaces[k]) for k in fr_keep},
        "en": {k: _best_surface(en_side.surfaces[k]) for k in en_keep},
    }
    scored: dict[tuple[str, str], tuple[float, float, float, float]] = {}
    for (f, e), both in together.items():
        if both < options.min_frequency:
            continue
        cf, ce = fr_side.frequency[f], en_side.frequency[e]
        dice = 2.0 * both / (cf + ce)
        if dice < options.min_dice:
            continue
        llr = _llr(both, cf, ce, n)
        lexical = agreement(surface["fr"][f], surface["en"][e])
        multi_word = " " in f or " " in e
        scored[(f, e)] = (_score(llr, dice, lexical, multi_word), dice, llr, lexical)

    best_for_fr: dict[str, float] = defaultdict(float)
    best_for_en: dict[str, float] = defaultdict(float)
    for (f, e), (score, *_rest) in scored.items():
        best_for_fr[f] = max(best_for_fr[f], score)
        best_for_en[e] = max(best_for_en[e], score)

    known_keys = set()
    known_fr: set[str] = set()
    known_en: set[str] = set()
    for fr_text, en_text in known_pairs:
        fk, ek = term_key(fr_text, "fr"), term_key(en_text, "en")
        known_keys.add((fk, ek))
        known_fr.add(fk)
        known_en.add(ek)

    scored = _best_of_nested(scored)
    kept: list[TermCandidate] = []
    for (f, e), (score, dice, llr, lexical) in scored.items():
        top_fr, top_en = best_for_fr[f], best_for_en[e]
        # Best partner on one side, and not far from it on the other: two synonyms may both
        # pair with one term, but a term's weak associates are left out.
        if not (
            (score >= top_fr and score >= 0.7 * top_en)
            or (score >= top_en and score >= 0.7 * top_fr)
        ):
            continue
        kept.append(
            TermCandidate(
                fr=surface["fr"][f],
                en=surface["en"][e],
                fr_key=f,
                en_key=e,
                frequency=together[(f, e)],
                fr_frequency=fr_side.frequency[f],
                en_frequency=en_side.frequency[e],
                dice=dice,
                llr=llr,
                lexical=lexical,
                score=score,
                known=(f, e) in known_keys,
                known_fr=f in known_fr,
                known_en=e in known_en,
            )
        )
    kept.sort(key=lambda c: (-c.score, -c.frequency, c.fr_key, c.en_key))
    kept = kept[: options.limit]
    _add_examples(kept, pairs, fr_side, en_side, options.examples)
    return kept


def _nested(a: str, b: str) -> bool:
    """Whether one key holds the other on word boundaries ("secretary" in "secretary general")."""
    return f" {a} " in f" {b} " or f" {b} " in f" {a} "


def _best_of_nested(
    scored: dict[tuple[str, str], tuple[float, float, float, float]],
) -> dict[tuple[str, str], tuple[float, float, float, float]]:
    """For each term, only the best of its partners that nest in one another: "Secrétaire
    général" pairs with "Secretary-General", not also with "Secretary" (nor "Secrétaire" with
    "Secretary-General") — the fragment co-occurs as often, but is a piece of the same pair."""
    ranked = sorted(scored.items(), key=lambda item: -item[1][0])
    partners: dict[tuple[int, str], list[str]] = defaultdict(list)
    kept: dict[tuple[str, str], tuple[float, float, float, float]] = {}
    for (f, e), figures in ranked:
        if any(_nested(e, other) for other in partners[(0, f)]):
            continue
        if any(_nested(f, other) for other in partners[(1, e)]):
            continue
        partners[(0, f)].append(e)
        partners[(1, e)].append(f)
        kept[(f, e)] = figures
    return kept


def _best_surface(surfaces: Counter[str]) -> str:
    """The spelling to show: the commonest, preferring one not capitalised only by its place at
    the start of a sentence (a lower-case spelling seen at least once wins over a capital one)."""
    ranked = surfaces.most_common()
    best = ranked[0][0]
    if best[:1].isupper() and not best[:2].isupper():
        lowered = best[:1].lower() + best[1:]
        if surfaces.get(lowered):
            return lowered
    return best


def _add_examples(
    candidates: list[TermCandidate],
    beads: Sequence[BeadText],
    fr_side: _Side,
    en_side: _Side,
    per_candidate: int,
) -> None:
    if per_candidate <= 0 or not candidates:
        return
    wanted: dict[tuple[str, str], TermCandidate] = {(c.fr_key, c.en_key): c for c in candidates}
    by_fr: dict[str, list[TermCandidate]] = defaultdict(list)
    for candidate in candidates:
        by_fr[candidate.fr_key].append(candidate)
    open_count = len(wanted)
    for bead, fr_keys, en_keys in zip(beads, fr_side.per_bead, en_side.per_bead, strict=True):
        for f in fr_keys & by_fr.keys():
            for candidate in by_fr[f]:
                if len(candidate.examples) < per_candidate and candidate.en_key in en_keys:
                    candidate.examples.append(Example(bead.ref, bead.fr, bead.en))
                    if len(candidate.examples) == per_candidate:
                        open_count -= 1
        if open_count <= 0:
            return


def known_pairs_of(concepts: Iterable[Any]) -> list[tuple[str, str]]:
    """The French × English pairs of usable terms (not deprecated or superseded) of each
    concept of a :class:`termbase.index.TermIndex` (``index.concepts()``): what ``known_pairs``
    takes."""
    pairs: list[tuple[str, str]] = []
    for concept in concepts:
        usable = [t for t in concept.terms if t.status not in ("deprecated", "superseded")]
        fr = [t.text for t in usable if t.primary == "fr"]
        en = [t.text for t in usable if t.primary == "en"]
        pairs.extend((f, e) for f in fr for e in en)
    return pairs
