"""In-process service time of term look-up and recognition on a bench termbase.

    .venv/bin/python bench/lookup_service_time.py --db bench/out/termbase-100k.db

Loads the term index from the database (``TermIndex().load``) and times what the look-up route
does for one request, without HTTP: ``index.lookup(...)`` plus ``app.schemas.lookup_item(hit, tgt)``
for each hit. Query sets, all drawn from the termbase with a fixed seed:

- exact: existing terms (all statuses and types, acronyms included), some as stored and some with
  case, plural inflection, a leading article, typographic apostrophes, no-break spaces/hyphens;
- prefix: the first 40-90% of the characters of a term;
- fuzzy (typos): one or two random edits (drop, swap, replace a letter) in a term;
- fuzzy (no accents): terms with diacritics, accents stripped.

For each set it prints p50/p90/p99/max in ms (of the service time, and of ``index.lookup`` alone)
and the hit rate: whether the concept the query was made from came back in the page (top 20) and
first. Then it times ``index.recognize`` over a generated ~10,000-word text (French, then English)
with a good share of termbase terms, inflected and typographic variants and filler words, and the
cost of the freshness check the API runs before every request (``index.refresh`` when nothing
changed). It prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import psutil  # noqa: E402
from _machine import busy_cores_since, busy_mark  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.bootstrap import settle_collector  # noqa: E402
from app.db import Database  # noqa: E402
from app.schemas import (  # noqa: E402
    LookupPage,
    RecognizeResponse,
    lookup_item,
    recognized_terms,
)
from termbase.index import MatchMode, TermIndex  # noqa: E402
from termbase.models import Term  # noqa: E402

PAGE = 20  # the route's default limit
FR_VOWELS = set("aeiouyhéèêàâîïôûAEIOUYHÉÈÊÀÂÎÏÔÛ")
EN_PREPOSITIONS = {"on", "for", "of", "against", "and"}
FR_STOP = {"de", "d'", "du", "des", "la", "le", "les", "pour", "sur", "contre", "et", "en"}


@dataclass(slots=True)
class Row:
    concept_id: int
    lang: str
    text: str
    status: str
    term_type: str


@dataclass(slots=True)
class Query:
    text: str
    src: str
    tgt: str
    concept_id: int
    variant: str


# -- query variants ---------------------------------------------------------------------------


def plural_fr(word: str) -> str:
    if word.endswith(("s", "x", "z")) or len(word) < 3:
        return word
    if word.endswith("al"):
        return word[:-2] + "aux"
    if word.endswith("eau"):
        return word + "x"
    return word + "s"


def plural_en(word: str) -> str:
    if len(word) < 3 or word.isupper():
        return word
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def pluralize(text: str, lang: str) -> str:
    """Put the head of a term in the plural: "comités régionaux de", "regional committees on"."""
    words = text.split(" ")
    if lang == "fr":
        words[0] = plural_fr(words[0])
        if len(words) > 1 and words[1] not in FR_STOP and not words[1].startswith(("d'", "l'")):
            words[1] = plural_fr(words[1])
        return " ".join(words)
    end = next((i for i, w in enumerate(words) if w in EN_PREPOSITIONS), len(words)) - 1
    if end >= 0:
        words[end] = plural_en(words[end])
    return " ".join(words)


def with_article(text: str, lang: str, rng: random.Random) -> str:
    if lang == "en":
        return "the " + text
    if text[0] in FR_VOWELS:
        return "l'" + text
    return rng.choice(["le ", "la ", "les "]) + text


def typographic(text: str, rng: random.Random) -> str:
    """Curly apostrophe, no-break space or no-break hyphen, as pasted from a word processor."""
    if "'" in text:
        return text.replace("'", "\u2019")
    if "-" in text and rng.random() < 0.5:
        return text.replace("-", "\u2011")
    return text.replace(" ", "\u00a0", 1)


def exact_variant(row: Row, rng: random.Random) -> tuple[str, str]:
    if row.term_type == "acronym":
        return (row.text, "as stored") if rng.random() < 0.7 else (row.text.lower(), "case")
    roll = rng.random()
    if roll < 0.35:
        return row.text, "as stored"
    if roll < 0.50:
        return (row.text.upper() if rng.random() < 0.3 else row.text.title()), "case"
    if roll < 0.70:
        return pluralize(row.text, row.lang), "plural"
    if roll < 0.85:
        return with_article(row.text, row.lang, rng), "article"
    return typographic(row.text, rng), "typographic"


def typo(text: str, rng: random.Random, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        letters = [i for i, c in enumerate(chars) if c.isalpha()]
        i = rng.choice(letters)
        kind = rng.choice(("drop", "swap", "replace"))
        if kind == "drop":
            del chars[i]
        elif kind == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return "".join(chars)


def no_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def make_queries(rows: list[Row], rng: random.Random, n: int, mode: str) -> list[Query]:
    out: list[Query] = []
    full = [r for r in rows if r.term_type != "acronym" and r.status != "deprecated"]
    if mode == "exact":
        for row in rng.sample(rows, n):
            text, variant = exact_variant(row, rng)
            out.append(Query(text, row.lang, other(row.lang), row.concept_id, variant))
    elif mode == "prefix":
        for row in rng.sample(full, n):
            cut = max(3, int(len(row.text) * rng.uniform(0.4, 0.9)))
            out.append(
                Query(
                    row.text[:cut].rstrip(" '-"),
                    row.lang,
                    other(row.lang),
                    row.concept_id,
                    "prefix",
                )
            )
    elif mode == "typo":
        pool = [r for r in full if len(r.text) >= 10]
        for row in rng.sample(pool, n):
            edits = 1 if rng.random() < 0.6 else 2
            out.append(
                Query(
                    typo(row.text, rng, edits),
                    row.lang,
                    other(row.lang),
                    row.concept_id,
                    f"{edits} edit(s)",
                )
            )
    elif mode == "accents":
        pool = [r for r in full if no_accents(r.text) != r.text]
        for row in rng.sample(pool, n):
            out.append(
                Query(no_accents(row.text), row.lang, other(row.lang), row.concept_id, "no accents")
            )
    return out


def other(lang: str) -> str:
    return "en" if lang == "fr" else "fr"


# -- timing -----------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p))


def summary(values_ms: list[float]) -> str:
    return (
        f"p50 {pct(values_ms, 50):7.3f}  p90 {pct(values_ms, 90):7.3f}  "
        f"p99 {pct(values_ms, 99):7.3f}  max {max(values_ms):8.3f} ms"
    )


def run_lookups(
    index: TermIndex, queries: list[Query], mode: MatchMode, title: str, warmup: list[Query]
) -> dict[str, float]:
    for q in warmup:
        hits, _ = index.lookup(q.text, src=q.src, mode=mode, limit=PAGE)
        [lookup_item(h, q.tgt) for h in hits]
    service: list[float] = []
    lookup_only: list[float] = []
    with_json: list[float] = []
    in_page = first = 0
    returned = 0
    by_variant: dict[str, list[int]] = {}
    clock = time.perf_counter_ns
    for q in queries:
        t0 = clock()
        hits, _more = index.lookup(q.text, src=q.src, mode=mode, limit=PAGE)
        t1 = clock()
        items = [lookup_item(h, q.tgt) for h in hits]
        t2 = clock()
        LookupPage.model_construct(
            query=q.text, src=q.src, tgt=q.tgt, match=mode.value, items=items, next_cursor=None
        ).model_dump_json()
        t3 = clock()
        service.append((t2 - t0) / 1e6)
        lookup_only.append((t1 - t0) / 1e6)
        with_json.append((t3 - t0) / 1e6)
        ids = [item.concept_id for item in items]
        hit = q.concept_id in ids
        in_page += hit
        first += bool(ids) and ids[0] == q.concept_id
        returned += len(ids)
        stats = by_variant.setdefault(q.variant, [0, 0])
        stats[0] += 1
        stats[1] += hit
    n = len(queries)
    print(f"\n{title}: {n} queries (after {len(warmup)} warm-up queries)")
    print(
        f"  service time (lookup + lookup_item): {summary(service)}  "
        f"mean {statistics.fmean(service):.3f} ms"
    )
    print(f"  index.lookup alone:                  {summary(lookup_only)}")
    print(f"  + page serialised to JSON:           {summary(with_json)}")
    print(
        f"  hit rate: intended concept in page (top {PAGE}) {100 * in_page / n:.1f}%, "
        f"first {100 * first / n:.1f}%; mean results per page {returned / n:.1f}"
    )
    if len(by_variant) > 1:
        parts = ", ".join(
            f"{v} {100 * h / c:.1f}% of {c}" for v, (c, h) in sorted(by_variant.items())
        )
        print(f"  in page by variant: {parts}")
    return {"p50": pct(service, 50), "p99": pct(service, 99), "max": max(service)}


# -- recognition text -------------------------------------------------------------------------

FR_FRAMES = [
    "L'Assemblée générale, rappelant {T}, prie le Secrétaire général de renforcer {T} et de lui "
    "présenter un rapport à sa prochaine session.",
    "Prend note avec satisfaction des travaux {DE} et encourage les États Membres à appuyer {T}.",
    "Souligne qu'il importe de renforcer la coordination entre {T} et {T}, dans la limite des "
    "ressources disponibles.",
    "Invite les organismes des Nations Unies à contribuer aux activités {DE} dans le cadre de "
    "leurs mandats respectifs.",
    "Décide d'examiner la question {DE} à sa soixante-seizième session, au titre de la question "
    "intitulée « Développement durable ».",
    "Se félicite de la contribution {DE} aux efforts menés aux niveaux national, régional et "
    "international.",
    "Demande instamment aux gouvernements de coopérer pleinement avec {T} et de lui fournir "
    "toutes les informations nécessaires.",
    "Réaffirme le rôle central {DE} et se déclare profondément préoccupée par l'insuffisance des "
    "ressources allouées à {T}.",
    "Les délégations ont salué l'action {DE} ({A}) et ont demandé que {T} soit doté de moyens "
    "suffisants.",
    "Le Comité a tenu sa quatrième séance le 12 octobre et a entendu une déclaration liminaire "
    "du Président.",
    "Plusieurs délégations ont fait observer que les décisions prises à cet égard devraient "
    "tenir compte des besoins particuliers des pays concernés.",
    "Il a été rappelé que les recommandations formulées l'année précédente n'avaient pas encore "
    "été pleinement appliquées.",
]

EN_FRAMES = [
    "The General Assembly, recalling {T}, requests the Secretary-General to strengthen {T} and to "
    "report to it at its next session.",
    "Takes note with appreciation of the work of {T} and encourages Member States to support {T}.",
    "Stresses the importance of strengthening coordination between {T} and {T}, within existing "
    "resources.",
    "Invites the organizations of the United Nations system to contribute to the activities of "
    "{T} within their respective mandates.",
    "Decides to consider the question of {T} at its seventy-sixth session, under the item "
    'entitled "Sustainable development".',
    "Welcomes the contribution of {T} ({A}) to efforts at the national, regional and "
    "international levels.",
    "Urges Governments to cooperate fully with {T} and to provide it with all necessary "
    "information.",
    "The Committee held its fourth meeting on 12 October and heard an introductory statement by "
    "the Chair.",
    "Several delegations observed that decisions taken in that regard should take into account "
    "the particular needs of the countries concerned.",
]

WORD_RE = re.compile(r"\w+")


def text_form(row: Row, rng: random.Random) -> str:
    """A term as it might stand in running text: as stored, plural, capitalised or typographic."""
    roll = rng.random()
    if roll < 0.55:
        return row.text
    if roll < 0.80:
        return pluralize(row.text, row.lang)
    if roll < 0.90:
        return " ".join(w[:1].upper() + w[1:] if len(w) > 3 else w for w in row.text.split(" "))
    return typographic(row.text, rng)


def fr_with_article(form: str, rng: random.Random, de: bool) -> str:
    if form[0] in FR_VOWELS:
        return ("de l'" if de else "l'") + form
    if de:
        return rng.choice(["du ", "de la ", "des "]) + form
    return rng.choice(["le ", "la ", "les "]) + form


def make_text(rows: list[Row], lang: str, rng: random.Random, words: int) -> tuple[str, int]:
    pool = [r for r in rows if r.lang == lang and r.term_type != "acronym"]
    acronyms = [r for r in rows if r.lang == lang and r.term_type == "acronym"]
    frames = FR_FRAMES if lang == "fr" else EN_FRAMES
    sentences: list[str] = []
    count = inserted = 0
    while count < words:
        frame = rng.choice(frames)

        def fill(match: re.Match[str]) -> str:
            nonlocal inserted
            slot = match.group(1)
            if slot == "A":
                return rng.choice(acronyms).text
            inserted += 1
            form = text_form(rng.choice(pool), rng)
            if lang == "en":
                return form if rng.random() < 0.3 else "the " + form
            return fr_with_article(form, rng, de=(slot == "DE"))

        sentence = re.sub(r"\{(T|DE|A)\}", fill, frame)
        sentences.append(sentence)
        count += len(WORD_RE.findall(sentence))
    paragraphs = [" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)]
    return "\n\n".join(paragraphs), inserted


def bench_recognition(
    index: TermIndex, text: str, inserted: int, lang: str, repeat: int
) -> dict[str, float]:
    n_words = len(WORD_RE.findall(text))
    tgt = other(lang)
    t0 = time.perf_counter()
    spans = index.recognize(text, src=lang)
    cold = (time.perf_counter() - t0) * 1000
    times: list[float] = []
    with_models: list[float] = []
    with_json: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        spans = index.recognize(text, src=lang)
        t1 = time.perf_counter()
        terms = recognized_terms(spans, tgt)
        t2 = time.perf_counter()
        RecognizeResponse.model_construct(src=lang, tgt=tgt, terms=terms).model_dump_json()
        t3 = time.perf_counter()
        times.append((t1 - t0) * 1000)
        with_models.append((t2 - t0) * 1000)
        with_json.append((t3 - t0) * 1000)
    covered = sum(len(WORD_RE.findall(s.text)) for s in spans)
    concepts = sum(len(s.matches) for s in spans)
    print(
        f"\nrecognition ({lang}): {n_words} words, {len(text)} characters, {inserted} terms "
        f"inserted (plus acronyms)"
    )
    print(f"  first call: {cold:.1f} ms")
    print(
        f"  index.recognize, {repeat} runs:            p50 {statistics.median(times):7.1f}  "
        f"max {max(times):7.1f} ms"
    )
    print(
        f"  recognize + recognized_terms models:        "
        f"p50 {statistics.median(with_models):7.1f}  "
        f"max {max(with_models):7.1f} ms"
    )
    print(
        f"  ... + response serialised to JSON:         p50 {statistics.median(with_json):7.1f}  "
        f"max {max(with_json):7.1f} ms"
    )
    print(
        f"  {len(spans)} terms recognised, covering {covered} words "
        f"({100 * covered / n_words:.0f}% of the text); {concepts / max(1, len(spans)):.2f} "
        f"concepts per span"
    )
    return {"p50": statistics.median(times), "max": max(times)}


def bench_refresh(database: Database, index: TermIndex, n: int) -> None:
    """What ``app.deps.get_index`` costs per request with index_check_interval = 0."""
    times: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        with database.sessionmaker() as session:
            index.refresh(session=session)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"\nfreshness check per request (new session + index.refresh, nothing changed), {n} "
        f"runs: {summary(times)}"
    )


class GcWatch:
    """Counts full (generation 2) collections and how long they pause the process."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._start) * 1000)

    def report(self, label: str) -> None:
        if self.pauses:
            print(
                f"{label}: {len(self.pauses)} full GC collections, longest "
                f"{max(self.pauses):.1f} ms, total {sum(self.pauses):.0f} ms"
            )
        else:
            print(f"{label}: no full GC collection")
        self.pauses = []


def timed(label: str, fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    print(f"{label}: {elapsed:.2f} s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench/out/termbase-100k.db")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--exact", type=int, default=5000)
    parser.add_argument("--prefix", type=int, default=5000)
    parser.add_argument("--fuzzy", type=int, default=2000, help="per fuzzy query set")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} does not exist; build it with bench/make_termbase.py first")

    process = psutil.Process()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min) "
        f"at start; Python {sys.version.split()[0]}"
    )
    rss_before = process.memory_info().rss
    database = Database(f"sqlite:///{args.db}")
    index = TermIndex(after_load=settle_collector)  # as the service builds it
    with database.sessionmaker() as session:
        load_s = timed("index load (TermIndex.load)", lambda: index.load(session=session))
    gc.collect()
    rss_after = process.memory_info().rss
    print(f"gc: {len(gc.get_objects())} tracked objects, {gc.get_freeze_count()} frozen")
    print(
        f"index: {index.concept_count} concepts, {index.term_count} terms; process RSS "
        f"{rss_before / 2**20:.0f} MiB before load, {rss_after / 2**20:.0f} MiB after "
        f"(+{(rss_after - rss_before) / 2**20:.0f} MiB)"
    )
    del load_s

    with database.sessionmaker() as session:
        rows = [
            Row(*r)
            for r in session.execute(
                select(Term.concept_id, Term.lang, Term.text, Term.status, Term.term_type).order_by(
                    Term.id
                )
            )
        ]
    rng = random.Random(args.seed)
    sets = {
        "exact": (MatchMode.EXACT, make_queries(rows, rng, args.exact + args.warmup, "exact")),
        "prefix": (MatchMode.PREFIX, make_queries(rows, rng, args.prefix + args.warmup, "prefix")),
        "fuzzy (typos)": (
            MatchMode.FUZZY,
            make_queries(rows, rng, args.fuzzy + args.warmup, "typo"),
        ),
        "fuzzy (no accents)": (
            MatchMode.FUZZY,
            make_queries(rows, rng, args.fuzzy + args.warmup, "accents"),
        ),
    }
    texts = {
        lang: make_text(rows, lang, random.Random(args.seed + 1), args.words)
        for lang in ("fr", "en")
    }
    # The bench's own copy of the termbase would make every full GC collection slower than in
    # the server, which holds only the index: drop it before timing anything.
    del rows
    gc.collect()
    samples = {name: qs[args.warmup : args.warmup + 3] for name, (_, qs) in sets.items()}
    print("sample queries: " + "; ".join(f"{k}: {[q.text for q in v]}" for k, v in samples.items()))
    results = {}
    watch = GcWatch()
    machine_before = busy_mark()
    own_before = sum(process.cpu_times()[:2])
    for name, (mode, queries) in sets.items():
        results[name] = run_lookups(
            index, queries[args.warmup :], mode, name, queries[: args.warmup]
        )
        watch.report("  during this set")

    rec = {}
    for lang in ("fr", "en"):
        rec[lang] = bench_recognition(index, *texts[lang], lang, args.repeat)
        watch.report("  during these runs")
    bench_refresh(database, index, 2000)
    wall = time.monotonic() - machine_before[1]
    own = (sum(process.cpu_times()[:2]) - own_before) / wall
    machine = busy_cores_since(machine_before)
    print(
        f"\nCPU during the timed part (cores): this process {own:.2f}, whole machine "
        f"{machine:.2f} (so {max(0.0, machine - own):.2f} for other processes)"
    )
    print(f"\nprocess RSS at the end: {process.memory_info().rss / 2**20:.0f} MiB")

    print("\nsummary (ms)          p50      p99      max")
    for name, r in results.items():
        print(f"  {name:<18} {r['p50']:7.3f}  {r['p99']:7.3f}  {r['max']:7.3f}")
    for lang, r in rec.items():
        print(
            f"  recognize {lang} 10k w {r['p50']:7.1f}        -  {r['max']:7.1f}  (index.recognize)"
        )
    database.dispose()


if __name__ == "__main__":
    main()
