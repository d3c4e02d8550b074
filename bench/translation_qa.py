"""Translation QA (termbase/qa.py) measured with errors injected on purpose, as issue 13 asks.

Documents: ``align-dev/un`` (243 files of real UN sentences, gold beads; the aligner's review
flags are left out, since they are measured by ``bench/fit_confidence.py``). Termbase: the seed
termbase plus the UNTERM country names (SKOS, read with rdflib), indexed as the service indexes
them (:class:`termbase.index.TermIndex`).

1. *False alarms*: every finding on the documents as they are, per 100 beads. The UN corpus has
   real discrepancies of its own (a year changed, a clause left out of the French, a country
   named differently), so part of these findings are right; ``--sample N`` prints N findings at
   random to judge by hand.
2. *Recall of injected errors*: copies of the documents with one error each, in one bead:
   - ``deprecated``: a termbase term on the English side replaced by a deprecated variant of it;
   - ``deleted``: a termbase equivalent removed from one side (its term is on the other);
   - ``number``: a number both sides share changed on one side.
   An error counts as found when its bead gets a finding of the matching kind (deprecated,
   missing-equivalent, number) that the clean document did not have there.

    .venv/bin/python bench/translation_qa.py
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _terms_data as data  # noqa: E402
from termbase.aligned import BeadText  # noqa: E402
from termbase.qa import DEPRECATED, MISSING, NUMBER, check_translation  # noqa: E402

ALARM = frozenset({"error", "warning"})
EXPECTED_KIND = {"deprecated": DEPRECATED, "deleted": MISSING, "number": NUMBER}
_NUMBER = re.compile(r"(?<![\w/.,])\d+(?![\w/])")


def _signature(findings: list) -> Counter[tuple[str, str, str]]:  # type: ignore[type-arg]
    return Counter((f.kind, f.message, f.severity) for f in findings)


def _false_alarms(name: str, docs: list[list[BeadText]], index) -> None:  # type: ignore[no-untyped-def]
    """Findings on the documents as they are, per 100 beads: alarms (error, warning) and the
    findings kept as information (severity info) apart."""
    reports = [check_translation(doc, index) for doc in docs]
    beads = sum(len(r.beads) for r in reports)
    findings = [f for r in reports for f in r.findings]
    alarms = Counter(f.kind for f in findings if f.severity in ALARM)
    info = Counter(f.kind for f in findings if f.severity not in ALARM)
    total = sum(alarms.values())
    flagged = sum(
        1 for r in reports for b in r.beads if any(f.severity in ALARM for f in b.findings)
    )
    print(
        f"\nclean documents, {name} half: {len(docs)} documents, {beads:,} beads, {total} alarms "
        f"= {100 * total / beads:.2f} per 100 beads; {sum(info.values())} info findings "
        f"= {100 * sum(info.values()) / beads:.2f} per 100 beads; beads with an alarm: "
        f"{flagged} = {100 * flagged / beads:.2f} per 100 beads"
    )
    for kind, count in alarms.most_common():
        print(f"  {kind:20s} {count:4d}  {100 * count / beads:.2f} per 100 beads")
    for kind, count in info.most_common():
        print(f"  {kind + ' (info)':20s} {count:4d}  {100 * count / beads:.2f} per 100 beads")


# The deletions whose kept term is one general word (see termbase.qa._missing_level): their
# finding is information, not an alarm; the recall is printed for them and the others apart.
general: set[tuple[int, int, str, str]] = set()
# The deletions that leave the concept on the side cut: another occurrence of the term, or a
# synonym of it ("Member States" twice, one deleted). No check that looks for the equivalent can
# see them; the recall is printed with them (as measured before) and without them.
hidden: set[tuple[int, int, str, str]] = set()
# What each deletion took out, for --missed: (kept term, side cut, text cut).
deleted_what: dict[tuple[int, int, str, str], tuple[str, str, str, int]] = {}


def _general_word(found: str, term: str) -> bool:
    return " " not in term and "-" not in term and (found[:1].islower() or term[:1].islower())


def _still_there(index, text: str, lang: str, concept_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``text`` still holds a usable term of the concept (another occurrence, or a
    synonym): then deleting one occurrence is no error a terminology check can see."""
    return any(
        m.concept.id == concept_id and m.matched.status not in ("deprecated", "superseded")
        for span in index.recognize(text, src=lang)
        for m in span.matches
    )


def _injections(docs: list[list[BeadText]], index, rng: random.Random, per_kind: int):  # type: ignore[no-untyped-def]
    """(kind, document number, bead position, new bead) for every possible injection, sampled."""
    options: dict[str, list[tuple[int, int, BeadText]]] = {k: [] for k in EXPECTED_KIND}
    general.clear()
    hidden.clear()
    deleted_what.clear()
    for d, doc in enumerate(docs):
        for p, bead in enumerate(doc):
            if not bead.fr.strip() or not bead.en.strip():
                continue
            # deleted equivalent / deprecated variant: a term recognised on one side with an
            # equivalent present on the other
            for lang in ("fr", "en"):
                text = bead.fr if lang == "fr" else bead.en
                other = "en" if lang == "fr" else "fr"
                other_text = bead.en if lang == "fr" else bead.fr
                for span in index.recognize(text, src=lang):
                    hit = span.matches[0]
                    if hit.matched.status in ("deprecated", "superseded"):
                        continue
                    if hit.matched.part_of_speech in ("verb", "other"):
                        continue
                    for target in index.recognize(other_text, src=other):
                        if target.matches[0].concept.id != hit.concept.id:
                            continue
                        if target.matches[0].matched.status in ("deprecated", "superseded"):
                            continue
                        cut = other_text[: target.start] + other_text[target.end :]
                        cut = re.sub(r"\s{2,}", " ", cut)
                        if len(cut.split()) < 3:
                            continue  # nothing left to translate: not a deleted equivalent
                        new = bead._replace(**{other: cut})
                        options["deleted"].append((d, p, new))
                        deleted_what[(d, p, new.fr, new.en)] = (
                            span.text,
                            other,
                            other_text[target.start : target.end],
                            hit.concept.id,
                        )
                        if _general_word(span.text, hit.matched.text):
                            general.add((d, p, new.fr, new.en))
                        if _still_there(index, cut, other, hit.concept.id):
                            hidden.add((d, p, new.fr, new.en))
                        banned = [
                            t
                            for t in hit.concept.terms_in(other)
                            if t.status in ("deprecated", "superseded")
                        ]
                        if banned:
                            swapped = (
                                other_text[: target.start]
                                + rng.choice(banned).text
                                + other_text[target.end :]
                            )
                            options["deprecated"].append((d, p, bead._replace(**{other: swapped})))
            # number changed: a number on both sides
            fr_numbers = {m.group() for m in _NUMBER.finditer(bead.fr)}
            shared = [m for m in _NUMBER.finditer(bead.en) if m.group() in fr_numbers]
            if shared:
                m = rng.choice(shared)
                value = m.group()
                changed = str(int(value) + rng.choice((1, 2, 3, 10)))
                side = rng.choice(("fr", "en"))
                if side == "en":
                    new = bead._replace(en=bead.en[: m.start()] + changed + bead.en[m.end() :])
                else:
                    spot = next(x for x in _NUMBER.finditer(bead.fr) if x.group() == value)
                    new = bead._replace(
                        fr=bead.fr[: spot.start()] + changed + bead.fr[spot.end() :]
                    )
                options["number"].append((d, p, new))
    sampled = {}
    for kind, found in options.items():
        rng.shuffle(found)
        # one injection per bead and kind
        seen: set[tuple[int, int]] = set()
        chosen = []
        for d, p, new in found:
            if (d, p) in seen:
                continue
            seen.add((d, p))
            chosen.append((d, p, new))
            if len(chosen) >= per_kind:
                break
        sampled[kind] = chosen
    return sampled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=300, help="injections per error kind")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sample", type=int, default=0, help="print N clean findings")
    parser.add_argument("--missed", action="store_true", help="print the injections missed")
    parser.add_argument(
        "--half",
        choices=("dev", "held-out", "all"),
        default="all",
        help="documents measured: the development half (even document numbers, in name "
        "order), the held-out half (odd ones) or all; every run prints both halves' rates",
    )
    parser.add_argument("--dump", type=Path, help="write every clean finding to this TSV file")
    parser.add_argument(
        "--sample-tsv", type=Path, help="write the --sample findings to this TSV, to judge"
    )
    args = parser.parse_args()
    data.require_shared()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    vocabularies = [
        data.seed_vocabulary(),
        data.skos_vocabulary(data.THESAURI / "unterm-countries.ttl", "UNTERM countries"),
    ]
    index = data.term_index(vocabularies)
    every_doc = [[b._replace(review=None) for b in doc] for doc in data.dev_documents()]
    halves = {"dev": every_doc[0::2], "held-out": every_doc[1::2], "all": every_doc}
    docs = halves[args.half]
    print(
        f"termbase: {index.concept_count} concepts, {index.term_count} terms; "
        f"{len(docs)} documents; read in {time.perf_counter() - started:.1f} s"
    )

    for name in ("dev", "held-out"):
        if args.half == "all" or args.half == name:
            _false_alarms(name, halves[name], index)
    started = time.perf_counter()
    clean = [check_translation(doc, index) for doc in docs]
    seconds = time.perf_counter() - started
    beads = sum(len(r.beads) for r in clean)
    print(
        f"\n{args.half}: {len(docs)} documents, {beads:,} beads checked in {seconds:.1f} s "
        f"({1000 * seconds / beads:.2f} ms a bead)"
    )
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            out.write("doc\tbead\tkind\tseverity\tmessage\tfr\ten\n")
            for d, r in enumerate(clean):
                for b in r.beads:
                    for f in b.findings:
                        out.write(
                            f"{d}\t{b.position}\t{f.kind}\t{f.severity}\t{f.message}\t"
                            f"{b.bead.fr}\t{b.bead.en}\n"
                        )
    if args.sample:
        every = [
            (r.beads[f_pos], f)
            for r in clean
            for f_pos in range(len(r.beads))
            for f in r.beads[f_pos].findings
            if f.severity in ALARM
        ]
        sample = rng.sample(every, min(args.sample, len(every)))
        if args.sample_tsv:
            with args.sample_tsv.open("w", encoding="utf-8") as out:
                out.write("judgement\tkind\tmessage\tfr\ten\tnote\n")
                for bead_report, finding in sample:
                    out.write(
                        f"\t{finding.kind}\t{finding.message}\t{bead_report.bead.fr}\t"
                        f"{bead_report.bead.en}\t\n"
                    )
        for bead_report, finding in sample:
            print(
                f"\n  [{finding.kind}, {finding.severity}] {finding.message}"
                f"\n    FR: {bead_report.bead.fr}"
                f"\n    EN: {bead_report.bead.en}"
            )

    injections = _injections(docs, index, rng, args.per_kind)
    print("\ninjected errors (one per copy of a document):")
    found_all = total_all = found_fair = total_fair = 0
    for kind, chosen in injections.items():
        found = visible_found = visible = 0
        split: Counter[tuple[bool, str]] = Counter()
        split_fair: Counter[tuple[bool, str]] = Counter()
        for d, p, new in chosen:
            doc = list(docs[d])
            doc[p] = new
            report = check_translation(doc, index)
            before = _signature(clean[d].beads[p].findings)
            after = _signature(report.beads[p].findings)
            fresh = after - before
            is_general = (d, p, new.fr, new.en) in general
            is_visible = kind != "deleted" or (d, p, new.fr, new.en) not in hidden
            if any(k == EXPECTED_KIND[kind] for k, _, level in fresh if level in ALARM):
                outcome = "alarm"
                found += 1
                visible_found += is_visible
            elif any(k == EXPECTED_KIND[kind] for k, _, _ in fresh):
                outcome = "info"
            else:
                outcome = "none"
            split[(is_general, outcome)] += 1
            if is_visible:
                visible += 1
                split_fair[(is_general, outcome)] += 1
            if (
                args.missed
                and is_visible
                and not any(k == EXPECTED_KIND[kind] for k, _, level in fresh if level in ALARM)
            ):
                what = deleted_what.get((d, p, new.fr, new.en)) if kind == "deleted" else None
                print(
                    f"  missed {kind}{' (general word)' if is_general else ''}"
                    + (f" “{what[2]}” cut from {what[1]} (kept “{what[0]}”)" if what else "")
                    + f": FR: {new.fr[:200]}\n      EN: {new.en[:200]}"
                )
        found_all += found
        total_all += len(chosen)
        found_fair += visible_found
        total_fair += visible
        print(f"  {kind:12s} {found:4d} / {len(chosen):4d} = {found / max(len(chosen), 1):.3f}")
        if kind == "deleted":
            for title, counts in (("every deletion", split), ("visible deletions", split_fair)):
                if title == "visible deletions":
                    print(
                        "    visible only (the concept gone from that side; "
                        f"{len(chosen) - visible} left another occurrence or a synonym): "
                        f"{visible_found} / {visible} = "
                        f"{visible_found / max(visible, 1):.3f}"
                    )
                for is_general, name in ((False, "specific terms"), (True, "one general word")):
                    alarm, info, none = (counts[(is_general, x)] for x in ("alarm", "info", "none"))
                    n = alarm + info + none
                    print(
                        f"    {'  ' if title == 'visible deletions' else ''}{name:17s} "
                        f"{alarm:4d} / {n:4d} = {alarm / max(n, 1):.3f} as alarms "
                        f"({info} more as info, {none} not found)"
                    )
    print(f"  {'all':12s} {found_all:4d} / {total_all:4d} = {found_all / max(total_all, 1):.3f}")
    print(
        f"  {'all, visible':12s} {found_fair:4d} / {total_fair:4d} = "
        f"{found_fair / max(total_fair, 1):.3f}  (deletions that leave the concept on that side "
        "left out)"
    )


if __name__ == "__main__":
    main()
