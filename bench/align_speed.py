"""Speed and memory of the aligner (issues 3 and 9) on long and on typical UN documents.

(The length sweep on shuffled documents, memory on inputs of any shape, and quality against
peers are in ``bench/align_long.py`` and ``bench/align_peers.py``.)

    .venv/bin/python bench/align_speed.py                       # 3,000 and 12,000 sentences
    .venv/bin/python bench/align_speed.py --more --repeat 3     # + 6,000 and 24,000, 3 runs each
    .venv/bin/python bench/align_speed.py --profile 12000       # + a cProfile of the 12k run

Documents are built from the shared UN development set (``../shared/data/align-dev/un``, or
``$ALINEA_SHARED_DIR/data/align-dev/un``): its ``NAME.fr`` / ``NAME.en`` files (one sentence a
line, an empty line between paragraphs) are concatenated whole, in name order and starting over
from the first when they run out, with an empty line between files, until each side has at least N
sentences (``--until mean``: until the two sides have N on average). The French side of that set
has about a third more lines than the English (page furniture, split sentences), so "12,000" is
about 16,000 French + 12,000 English sentences. The gold of the long document is the ``.gold``
files of its parts, indices offset.

Every measurement runs in a fresh child process (``subprocess``, ``--timeout`` each), so peak
memory is that process's own (``getrusage(RUSAGE_SELF).ru_maxrss``, which includes the imports and
the lexicon). In the child, a tiny document is aligned first (the warm-up: the lexicon loads, the
numba search kernel is loaded from its on-disk cache, or compiled on the very first run) and timed
separately; then one ``align(fr, en, presegmented=True)`` call is timed with ``perf_counter``
(wall) and ``process_time`` (CPU of all threads). What is printed:

1. long documents: wall time of the call, CPU time, peak RSS, microseconds per sentence (French
   and English sentences counted together), and the ratio of time per sentence at 12,000 to that
   at 3,000 (targets: 12,000 + 12,000 in <= 10 s, peak <= 1 GB, ratio <= 1.5);
2. where the time goes in the long runs: a second child per size times the aligner's stages by
   wrapping its functions (segmentation, features, lexicon encoding, search, ...); inclusive times,
   so nested rows are part of the row above. Functions the aligner no longer has are left out;
3. quality: strict/lax F1 of the long alignment against the concatenated gold, next to the F1
   of aligning each of the same files on its own (pooled over the same files, repeats counted);
4. typical documents (``--pair-size`` sentences a side, 200 by default, built the same way from
   consecutive files): ``--pairs`` of them aligned one after the other in one child pinned to one
   core (``os.sched_setaffinity(0, {0})`` where the platform has it), pairs per second (target
   >= 25) and mean / p50 / p95 / max ms per pair, and the time per sentence as pairs/s for pairs
   of exactly ``--pair-size`` sentences a side (the built pairs, made of whole files, are larger:
   ``--until both``, the default, gives about 276 French / 208 English). The first pass is the
   first time this process sees each pair (the aligner's per-word tables fill as it goes, as in
   a new worker); the second aligns the same pairs again, to show what those tables are worth
   (the aligner keeps no per-sentence cache: the lexicon's ``encode`` cache is not on its path).

Repeating the 243 files means a 12,000-sentence document holds each sentence about four times;
the aligner encodes every sentence of a call (it keeps no sentence cache), so the repeats do not
make the long runs cheaper, but its per-word tables fill sooner than on a real document.

``--margin M`` aligns with ``AlignOptions(margin=M)`` instead of the defaults, for comparison. Each
child records a hash of the aligner's sources (``alignment/*.py`` and ``alignment/data``); the run
says so if they changed while it ran.

It prints figures only; it asserts nothing. A JSON copy of the figures goes to
``bench/out/align_speed.json``; ``--profile`` writes ``bench/out/align_speed_N.prof``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alignment.evaluate import (  # noqa: E402  (pure Python: no numba, no lexicon)
    BeadPair,
    Counts,
    check_coverage,
    parse_beads,
    pooled,
    score_document,
    sentence_lines,
)

SHARED = Path(os.environ.get("ALINEA_SHARED_DIR", ROOT.parent / "shared"))
UN_DIR = SHARED / "data" / "align-dev" / "un"
OUT = ROOT / "bench" / "out"

TARGET_SECONDS_12K = 10.0
TARGET_RSS_BYTES = 1 << 30
TARGET_RATIO = 1.5
TARGET_PAIRS_PER_SECOND = 25.0

# The warm-up document: nothing in it occurs in the UN set, so it leaves nothing useful in caches.
WARMUP_FR = (
    "Le chat dort sur le canapé bleu.\nIl pleut depuis trois jours.\n\n"
    "La bibliothèque ouvre à neuf heures.\n"
)
WARMUP_EN = (
    "The cat is asleep on the blue sofa.\nIt has been raining for three days.\n\n"
    "The library opens at nine.\n"
)


# -- documents ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Part:
    name: str
    fr: str
    en: str
    n_fr: int
    n_en: int


@dataclass(slots=True)
class Document:
    names: list[str]  # the files it is made of, in order (repeats included)
    fr: str
    en: str
    n_fr: int
    n_en: int


def load_parts(folder: Path) -> list[Part]:
    """Every NAME of the folder (name order), its texts and sentence counts."""
    parts = []
    for gold in sorted(folder.glob("*.gold")):
        name = gold.name.removesuffix(".gold")
        fr = (folder / f"{name}.fr").read_text(encoding="utf-8").strip("\n")
        en = (folder / f"{name}.en").read_text(encoding="utf-8").strip("\n")
        parts.append(Part(name, fr, en, len(sentence_lines(fr)), len(sentence_lines(en))))
    if not parts:
        raise SystemExit(f"no NAME.gold files in {folder} (set ALINEA_SHARED_DIR?)")
    return parts


def build(parts: list[Part], size: int, until: str, start: int = 0) -> tuple[Document, int]:
    """Files start, start+1, ... (cycling) joined until the sides reach ``size`` sentences.

    Returns the document and the index of the next file.
    """
    names: list[str] = []
    fr: list[str] = []
    en: list[str] = []
    n_fr = n_en = 0
    k = start

    def enough() -> bool:
        if until == "mean":
            return n_fr + n_en >= 2 * size
        return min(n_fr, n_en) >= size

    while not enough():
        part = parts[k % len(parts)]
        k += 1
        names.append(part.name)
        fr.append(part.fr)
        en.append(part.en)
        n_fr += part.n_fr
        n_en += part.n_en
    return Document(names, "\n\n".join(fr), "\n\n".join(en), n_fr, n_en), k


def concatenated_gold(folder: Path, document: Document) -> list[BeadPair]:
    """The gold of a concatenation: each part's beads, indices offset by the parts before it."""
    beads: list[BeadPair] = []
    cache: dict[str, tuple[list[BeadPair], int, int]] = {}
    off_fr = off_en = 0
    for name in document.names:
        if name not in cache:
            gold = parse_beads((folder / f"{name}.gold").read_text(encoding="utf-8"))
            n_fr = len(sentence_lines((folder / f"{name}.fr").read_text(encoding="utf-8")))
            n_en = len(sentence_lines((folder / f"{name}.en").read_text(encoding="utf-8")))
            cache[name] = (gold, n_fr, n_en)
        gold, n_fr, n_en = cache[name]
        beads.extend((tuple(i + off_fr for i in f), tuple(j + off_en for j in e)) for f, e in gold)
        off_fr += n_fr
        off_en += n_en
    return beads


# -- child processes ----------------------------------------------------------------------------


def _rss_now() -> int:
    """Current resident set size in bytes (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _peak_rss() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


def _pin(cpu: int) -> str:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu} (os.sched_setaffinity)"
    return "not pinned (no os.sched_setaffinity on this platform)"


def _options(args: argparse.Namespace) -> Any:
    """None (the aligner's defaults) unless --margin overrides the corridor's margin."""
    if args.margin is None:
        return None
    from alignment.align import AlignOptions

    return AlignOptions(presegmented=True, margin=args.margin)


def _warm_up() -> dict[str, float]:
    """Import the aligner and align the tiny document twice; the times of each step."""
    started = time.perf_counter()
    from alignment.align import align

    imported = time.perf_counter()
    align(WARMUP_FR, WARMUP_EN, presegmented=True)
    first = time.perf_counter()
    align(WARMUP_FR, WARMUP_EN, presegmented=True)
    second = time.perf_counter()
    return {
        "import_s": imported - started,
        "first_call_s": first - imported,
        "second_call_s": second - first,
    }


def _beads_of(result: Any) -> list[list[list[int]]]:
    return [[list(b.fr), list(b.en)] for b in result.beads]


def child_time(args: argparse.Namespace) -> dict[str, Any]:
    """One timed align() call on the long document of ``args.size`` sentences."""
    pinned = _pin(args.cpu) if args.pin else "not pinned"
    warm = _warm_up()
    from alignment.align import align

    document, _ = build(load_parts(args.data), args.size, args.until)
    gc.collect()
    rss_before = _rss_now()
    cpu = time.process_time()
    wall = time.perf_counter()
    result = align(document.fr, document.en, presegmented=True, options=_options(args))
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    return {
        "pinned": pinned,
        "warm_up": warm,
        "n_fr": len(result.fr.sentences),
        "n_en": len(result.en.sentences),
        "expected_n_fr": document.n_fr,
        "expected_n_en": document.n_en,
        "files": len(document.names),
        "distinct_files": len(set(document.names)),
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_before_bytes": rss_before,
        "peak_rss_bytes": _peak_rss(),
        "warnings": list(result.warnings),
        "beads": _beads_of(result),
    }


# The aligner's stages, timed by wrapping them (inclusive time; an indented row is part of the
# row above; the rows marked "anywhere" count every call wherever it is made, so they overlap
# others). (label, module, attribute); "Class.method" wraps a method. Absent ones are skipped, so
# the list can name functions the aligner may gain or lose.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("segmentation (segment_presegmented)", "alignment.segment", "segment_presegmented"),
    ("checks (_check_text)", "alignment.align", "_check_text"),
    ("language guess (_language_warnings)", "alignment.align", "_language_warnings"),
    ("anchors (_translations)", "alignment.align", "_translations"),
    ("features (_features, all calls)", "alignment.align", "_features"),
    ("  side_features", "alignment.features", "side_features"),
    ("    LexicalSpace.rows", "alignment.features", "LexicalSpace.rows"),
    (
        "      Lexicon.encode_flat (prepare + SentencePiece)",
        "alignment.lexicon",
        "Lexicon.encode_flat",
    ),
    ("learned translations (realign)", "alignment.align", "_learn_translations"),
    ("translation vectors (realign)", "alignment.features", "translation_vectors"),
    ("corridor (find_corridor: anchors)", "alignment.search", "find_corridor"),
    ("search (align_features, all calls)", "alignment.search", "align_features"),
    ("  _dp (costs + DP + backtrack)", "alignment.search", "_dp"),
    ("    make_costs (corridor dot products)", "alignment.search", "make_costs"),
    ("    sparse_dp (numba DP, bead costs)", "alignment.search", "sparse_dp"),
    ("    _kernel (numba DP, before issue 12)", "alignment.search", "_kernel"),
    ("bead evidence (confidence, review)", "alignment.search", "bead_evidence"),
    ("paragraph beads (_paragraph_beads)", "alignment.align", "_paragraph_beads"),
    ("anywhere: units() word split", "alignment.features", "units"),
    ("anywhere: _expand (sparse rows to vectors)", "alignment.features", "_expand"),
)


class _Timer:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.depth = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.depth:  # a recursive call is inside the outer one's time already
                return function(*args, **kwargs)
            self.depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.depth -= 1

        return timed


def _install_stage_timers() -> dict[str, _Timer]:
    import importlib

    timers: dict[str, _Timer] = {}
    for label, module_name, attribute in STAGES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        owner: Any = module
        *path, name = attribute.split(".")
        for step in path:
            owner = getattr(owner, step, None)
        original = getattr(owner, name, None) if owner is not None else None
        if original is None or not callable(original):
            continue
        timer = timers[label] = _Timer()
        wrapped = timer.wrap(original)
        setattr(owner, name, wrapped)
        if not path:  # a function: also where other alignment modules imported it by name
            for other_name, other in list(sys.modules.items()):
                if other_name.startswith("alignment") and getattr(other, name, None) is original:
                    setattr(other, name, wrapped)
    return timers


def child_stages(args: argparse.Namespace) -> dict[str, Any]:
    """The long document again, with the aligner's stages timed (after the warm-up)."""
    warm = _warm_up()
    from alignment.align import align

    timers = _install_stage_timers()  # after the warm-up: no numba compile sees the wrappers
    document, _ = build(load_parts(args.data), args.size, args.until)
    gc.collect()
    wall = time.perf_counter()
    align(document.fr, document.en, presegmented=True, options=_options(args))
    wall = time.perf_counter() - wall
    stages = [
        {"stage": label, "calls": t.calls, "seconds": t.seconds} for label, t in timers.items()
    ]
    return {"warm_up": warm, "wall_s": wall, "stages": stages}


def child_profile(args: argparse.Namespace) -> dict[str, Any]:
    """cProfile of one align() call on the long document (after the warm-up)."""
    import cProfile
    import pstats

    _warm_up()
    from alignment.align import align

    document, _ = build(load_parts(args.data), args.size, args.until)
    gc.collect()
    profiler = cProfile.Profile()
    wall = time.perf_counter()
    profiler.enable()
    align(document.fr, document.en, presegmented=True, options=_options(args))
    profiler.disable()
    wall = time.perf_counter() - wall
    OUT.mkdir(parents=True, exist_ok=True)
    prof_path = OUT / f"align_speed_{args.size}.prof"
    profiler.dump_stats(prof_path)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(25)
    return {"wall_s": wall, "prof": str(prof_path), "text": text.getvalue()}


def child_pairs(args: argparse.Namespace) -> dict[str, Any]:
    """``args.pairs`` typical documents aligned one after the other in this process."""
    pinned = _pin(args.cpu)
    warm = _warm_up()
    from alignment.align import align

    parts = load_parts(args.data)
    documents = []
    k = 0
    for _ in range(args.pairs):
        document, k = build(parts, args.pair_size, args.until, start=k)
        documents.append(document)
    passes: dict[str, Any] = {}
    for mode in ("first", "again"):
        walls, cpus = [], []
        gc.collect()
        for document in documents:
            cpu = time.process_time()
            wall = time.perf_counter()
            align(document.fr, document.en, presegmented=True, options=_options(args))
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        passes[mode] = {"wall_s": walls, "cpu_s": cpus}
    peer = _peer_pairs(documents)
    # Then the stage timers over the first pairs (a third time).
    timers = _install_stage_timers()
    staged = documents[: args.stage_pairs]
    wall = time.perf_counter()
    for document in staged:
        align(document.fr, document.en, presegmented=True, options=_options(args))
    wall = time.perf_counter() - wall
    stages = {
        "pairs": len(staged),
        "wall_s": wall,
        "stages": [
            {"stage": label, "calls": t.calls, "seconds": t.seconds} for label, t in timers.items()
        ],
    }
    return {
        "stages": stages,
        "pinned": pinned,
        "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "warm_up": warm,
        "n_fr": [d.n_fr for d in documents],
        "n_en": [d.n_en for d in documents],
        "files": [len(d.names) for d in documents],
        "passes": passes,
        "peer": peer,
        "peak_rss_bytes": _peak_rss(),
    }


def _peer_pairs(documents: list[Document]) -> dict[str, Any] | None:
    """The same pairs through the peer aligner (Gale-Church, the ``galechurch`` package, one
    block a document), timed the same way: a speed ratio measured in the same run."""
    try:
        import galechurch
    except ImportError:
        return None
    walls = []
    for document in documents:
        fr, en = sentence_lines(document.fr), sentence_lines(document.en)
        wall = time.perf_counter()
        galechurch.align(fr, en)
        walls.append(time.perf_counter() - wall)
    return {"name": f"galechurch {metadata.version('galechurch')}", "wall_s": walls}


def child_perdoc(args: argparse.Namespace) -> dict[str, Any]:
    """Every file of the set aligned on its own: beads per file (for the quality baseline)."""
    _warm_up()
    from alignment.align import align

    beads = {}
    for part in load_parts(args.data):
        result = align(part.fr, part.en, presegmented=True, options=_options(args))
        beads[part.name] = _beads_of(result)
    return {"beads": beads}


CHILDREN = {
    "time": child_time,
    "stages": child_stages,
    "profile": child_profile,
    "pairs": child_pairs,
    "perdoc": child_perdoc,
}


FINGERPRINTS: list[tuple[str, str]] = []  # (child, aligner sources it ran)


def run_child(mode: str, args: argparse.Namespace, **extra: Any) -> dict[str, Any] | None:
    """Run one child; its JSON result, or None (after saying why) if it failed or timed out."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=OUT, prefix=f"child-{mode}-", suffix=".json") as handle:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            mode,
            "--result",
            handle.name,
            "--data",
            str(args.data),
            "--until",
            args.until,
            "--pairs",
            str(args.pairs),
            "--pair-size",
            str(args.pair_size),
            "--cpu",
            str(args.cpu),
            "--stage-pairs",
            str(args.stage_pairs),
        ]
        if args.margin is not None:
            command += ["--margin", str(args.margin)]
        for key, value in extra.items():
            command += [f"--{key.replace('_', '-')}", str(value)]
        if args.pin_long and mode != "pairs":
            command.append("--pin")
        started = time.perf_counter()
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=args.timeout, cwd=ROOT
            )
        except subprocess.TimeoutExpired:
            print(f"  !! {mode} {extra}: no result within the {args.timeout:.0f} s timeout")
            return None
        if done.returncode != 0:
            print(f"  !! {mode} {extra}: child failed (exit {done.returncode}):")
            print("     " + "\n     ".join(done.stderr.strip().splitlines()[-15:]))
            return None
        result: dict[str, Any] = json.loads(Path(handle.name).read_text(encoding="utf-8"))
        result["child_total_s"] = time.perf_counter() - started
        FINGERPRINTS.append((f"{mode} {extra}".strip(), result.get("fingerprint", "?")))
        return result


# -- the report ---------------------------------------------------------------------------------


def machine_info() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace").split("\n"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").split("\n"):
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    versions = []
    for package in ("numpy", "numba", "sentencepiece"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} ?")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        f"machine: {cpu}, {os.cpu_count()} CPUs ({affinity} usable), {memory} RAM; "
        f"load average at start {load} (other work on the machine slows the figures)",
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
        + ", ".join(versions),
        f"aligner sources: sha256 {source_fingerprint()} (alignment/*.py + alignment/data)",
    ]


def source_fingerprint() -> str:
    """A short hash of the aligner's code and data, to tie the figures to a version of it."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "alignment").glob("*.py")) + sorted(
        p for p in (ROOT / "alignment" / "data").glob("*") if p.is_file()
    ):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _mib(value: float) -> str:
    return f"{value / 2**20:,.0f} MiB"


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _score_long(
    args: argparse.Namespace, parts: list[Part], size: int, beads: list[list[list[int]]]
) -> tuple[Any, str | None]:
    document, _ = build(parts, size, args.until)
    gold = concatenated_gold(args.data, document)
    test = [(tuple(f), tuple(e)) for f, e in beads]
    problem = None
    try:
        check_coverage(test, document.n_fr, document.n_en)
    except ValueError as exc:
        problem = str(exc)
    return pooled([score_document(gold, test)]), problem


def _score_perdoc(
    args: argparse.Namespace, parts: list[Part], size: int, perdoc: dict[str, Any]
) -> Any:
    document, _ = build(parts, size, args.until)
    counts: dict[str, Counts] = {}
    for name in set(document.names):
        gold = parse_beads((args.data / f"{name}.gold").read_text(encoding="utf-8"))
        test = [(tuple(f), tuple(e)) for f, e in perdoc[name]]
        counts[name] = score_document(gold, test)
    return pooled(counts[name] for name in document.names)


def _print_stages(rows: list[dict[str, Any]], total: float, scale: float, unit: str) -> None:
    for row in rows:
        if row["calls"]:
            print(
                f"    {row['stage']:<46} {row['seconds'] * scale:>7.2f} {unit:<2} "
                f"{100 * row['seconds'] / total:>5.1f} %  ({row['calls']:,} calls)"
            )


def _by_tenth(
    args: argparse.Namespace, parts: list[Part], size: int, beads: list[list[list[int]]]
) -> list[float]:
    """Share of the output's two-sided beads that are gold beads, per tenth of the French side."""
    document, _ = build(parts, size, args.until)
    gold = set(concatenated_gold(args.data, document))
    good = [0] * 10
    seen = [0] * 10
    for fr, en in beads:
        if fr and en:
            tenth = min(9, fr[0] * 10 // max(document.n_fr, 1))
            seen[tenth] += 1
            good[tenth] += (tuple(fr), tuple(en)) in gold
    return [g / n if n else 0.0 for g, n in zip(good, seen, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="3000,12000", help="long document sizes, comma-separated"
    )
    parser.add_argument("--more", action="store_true", help="add the 6,000 and 24,000 sizes")
    parser.add_argument("--repeat", type=int, default=1, help="timed children per size")
    parser.add_argument("--pairs", type=int, default=100, help="typical pairs aligned in a row")
    parser.add_argument("--pair-size", type=int, default=200, help="sentences a side, typical")
    parser.add_argument(
        "--until",
        choices=("both", "mean"),
        default="both",
        help="a document has N sentences when both sides have / on average",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per child process")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU pinned children run on")
    parser.add_argument("--pin-long", action="store_true", help="pin the long runs too")
    parser.add_argument(
        "--margin",
        type=int,
        default=None,
        help="align with AlignOptions(margin=M) instead of the defaults",
    )
    parser.add_argument(
        "--stage-pairs",
        type=int,
        default=25,
        help="typical pairs aligned again with the stage timers",
    )
    parser.add_argument("--profile", default="", help="sizes to cProfile, e.g. 12000")
    parser.add_argument("--no-stages", action="store_true", help="skip the stage timing")
    parser.add_argument("--no-quality", action="store_true", help="skip the F1 comparison")
    parser.add_argument("--no-pairs", action="store_true", help="skip the typical documents")
    parser.add_argument("--data", type=Path, default=UN_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        fingerprint = source_fingerprint()
        found = CHILDREN[args.child](args)
        found["fingerprint"] = fingerprint
        args.result.write_text(json.dumps(found), encoding="utf-8")
        return

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.more:
        sizes = sorted(set(sizes) | {6000, 24000})
    profile_sizes = [int(s) for s in args.profile.split(",") if s.strip()]
    parts = load_parts(args.data)
    summary: dict[str, Any] = {"machine": machine_info(), "argv": sys.argv[1:], "long": {}}

    print("Alignment speed (issue 3)")
    for line in summary["machine"]:
        print("  " + line)
    print(
        f"  data: {args.data} ({len(parts)} files, "
        f"{sum(p.n_fr for p in parts):,} French / {sum(p.n_en for p in parts):,} English sentences)"
    )
    print(f"  command: {Path(sys.executable).name} bench/align_speed.py {' '.join(sys.argv[1:])}")
    if args.margin is not None:
        print(f"  aligned with AlignOptions(margin={args.margin}), not the defaults")
    print()

    # 1. long documents
    reached = "both sides have" if args.until == "both" else "the sides have on average"
    print(
        f"1. Long documents: one align(presegmented=True) per fresh process, "
        f"{args.repeat} run(s) per size, N reached when {reached} N sentences"
    )
    header = (
        f"  {'N':>6} {'French':>7} {'English':>7} {'wall s':>8} {'CPU s':>7} "
        f"{'us/sent':>8} {'RSS before':>11} {'peak RSS':>9} {'warm-up s':>9}"
    )
    print(header)
    long: dict[int, dict[str, Any]] = {}
    for size in sizes:
        runs = []
        for _ in range(args.repeat):
            result = run_child("time", args, size=size)
            if result is not None:
                runs.append(result)
        if not runs:
            continue
        walls = [r["wall_s"] for r in runs]
        first = runs[0]
        n = first["n_fr"] + first["n_en"]
        wall = statistics.median(walls)
        entry = {
            "n_fr": first["n_fr"],
            "n_en": first["n_en"],
            "wall_s": walls,
            "wall_median_s": wall,
            "cpu_s": [r["cpu_s"] for r in runs],
            "us_per_sentence": wall / n * 1e6,
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs),
            "rss_before_bytes": first["rss_before_bytes"],
            "warm_up": first["warm_up"],
            "files": first["files"],
            "distinct_files": first["distinct_files"],
            "warnings": first["warnings"],
            "beads": first["beads"],
        }
        long[size] = entry
        if (first["n_fr"], first["n_en"]) != (first["expected_n_fr"], first["expected_n_en"]):
            print(
                f"  !! the aligner saw {first['n_fr']}/{first['n_en']} sentences, the files "
                f"have {first['expected_n_fr']}/{first['expected_n_en']}"
            )
        spread = f" (runs: {', '.join(f'{w:.2f}' for w in walls)})" if len(walls) > 1 else ""
        warm = first["warm_up"]
        print(
            f"  {size:>6} {first['n_fr']:>7,} {first['n_en']:>7,} {wall:>8.2f} "
            f"{statistics.median(entry['cpu_s']):>7.2f} {entry['us_per_sentence']:>8.0f} "
            f"{_mib(entry['rss_before_bytes']):>11} {_mib(entry['peak_rss_bytes']):>9} "
            f"{warm['first_call_s']:>9.2f}{spread}"
        )
    if long:
        any_run = next(iter(long.values()))
        warm = any_run["warm_up"]
        print(
            f"  warm-up in each child: import {warm['import_s']:.2f} s, first tiny align "
            f"{warm['first_call_s']:.2f} s (lexicon load + numba cache load), second "
            f"{warm['second_call_s'] * 1000:.0f} ms; not included in 'wall s'"
        )
        print(
            "  us/sent = wall time / (French + English sentences); RSS in MiB; "
            "CPU s > wall s means more than one thread worked"
        )
    if 12000 in long:
        e = long[12000]
        print(
            f"  target 12,000 sentences <= {TARGET_SECONDS_12K:.0f} s: {e['wall_median_s']:.2f} s "
            f"-> {_verdict(e['wall_median_s'] <= TARGET_SECONDS_12K)}; peak <= 1 GiB: "
            f"{_mib(e['peak_rss_bytes'])} -> {_verdict(e['peak_rss_bytes'] <= TARGET_RSS_BYTES)}"
        )
    if 3000 in long and 12000 in long:
        ratio = long[12000]["us_per_sentence"] / long[3000]["us_per_sentence"]
        summary["ratio_12k_3k"] = ratio
        print(
            f"  time per sentence 12,000 / 3,000: {ratio:.2f} (target <= {TARGET_RATIO}) "
            f"-> {_verdict(ratio <= TARGET_RATIO)}"
        )
    elif len(long) >= 2:
        small, large = min(long), max(long)
        ratio = long[large]["us_per_sentence"] / long[small]["us_per_sentence"]
        print(f"  time per sentence {large:,} / {small:,}: {ratio:.2f}")
    print()

    # 2. stages
    if not args.no_stages and long:
        print(
            "2. Where the time goes (stage timers wrapped around the aligner's functions, "
            "inclusive; a separate child per size)"
        )
        for size in long:
            result = run_child("stages", args, size=size)
            if result is None:
                continue
            long[size]["stages"] = result
            print(f"  N = {size:,}: align() {result['wall_s']:.2f} s with timers")
            _print_stages(result["stages"], result["wall_s"], 1.0, "s")
        print()

    # 3. quality
    if not args.no_quality and long:
        print("3. Quality of the long alignments (strict and lax F1 against the concatenated gold)")
        perdoc = run_child("perdoc", args)
        for size, entry in long.items():
            score, problem = _score_long(args, parts, size, entry["beads"])
            line = (
                f"  N = {size:,}: long P/R/F1 strict {score.strict_precision:.3f} / "
                f"{score.strict_recall:.3f} / {score.strict_f1:.3f}, lax F1 {score.lax_f1:.3f}"
            )
            entry["f1_strict_long"] = score.strict_f1
            entry["f1_lax_long"] = score.lax_f1
            if perdoc is not None:
                base = _score_perdoc(args, parts, size, perdoc["beads"])
                entry["f1_strict_perdoc"] = base.strict_f1
                entry["f1_lax_perdoc"] = base.lax_f1
                line += (
                    f"; each file on its own: strict {base.strict_precision:.3f} / "
                    f"{base.strict_recall:.3f} / {base.strict_f1:.3f}, lax F1 {base.lax_f1:.3f}"
                )
            print(line)
            tenths = _by_tenth(args, parts, size, entry["beads"])
            entry["precision_by_tenth"] = tenths
            print(
                "    strict precision of two-sided beads by tenth of the document: "
                + " ".join(f"{t:.2f}" for t in tenths)
            )
            if problem:
                print(f"    !! the long output does not cover the document: {problem}")
            if entry["warnings"]:
                print(f"    warnings: {entry['warnings']}")
        print()

    # 4. typical documents
    if not args.no_pairs:
        print(
            f"4. Typical documents: {args.pairs} pairs of ~{args.pair_size} sentences a side, "
            "aligned in a row in one process after the warm-up"
        )
        runs = [r for r in (run_child("pairs", args) for _ in range(args.repeat)) if r]
        for number, result in enumerate(runs, 1):
            print(
                f"  run {number}: {result['pinned']}; pairs have "
                f"{statistics.mean(result['n_fr']):.0f} French / "
                f"{statistics.mean(result['n_en']):.0f} English sentences on average "
                f"({min(result['files'])}-{max(result['files'])} files each); peak RSS "
                f"{_mib(result['peak_rss_bytes'])}"
            )
            for mode, label in (
                ("first", "each pair aligned for the first time"),
                ("again", "the same pairs again (per-word tables filled)"),
            ):
                walls = result["passes"][mode]["wall_s"]
                cpus = result["passes"][mode]["cpu_s"]
                rate = len(walls) / sum(walls)
                ms = [w * 1000 for w in walls]
                verdict = (
                    (
                        f" (target >= {TARGET_PAIRS_PER_SECOND:.0f}: "
                        f"{_verdict(rate >= TARGET_PAIRS_PER_SECOND)})"
                    )
                    if mode == "first"
                    else ""
                )
                print(
                    f"    {label}: {rate:.1f} pairs/s{verdict}; ms per pair mean "
                    f"{statistics.mean(ms):.1f}, p50 {_pct(ms, 0.5):.1f}, "
                    f"p95 {_pct(ms, 0.95):.1f}, max {max(ms):.1f}; "
                    f"CPU/wall {sum(cpus) / sum(walls):.2f}; "
                    f"{len(cpus) / sum(cpus):.1f} pairs per CPU second"
                )
                if sum(cpus) / sum(walls) < 0.9:
                    print(
                        "      !! the pinned CPU was shared with other work: the wall figures "
                        "understate the aligner; pairs per CPU second is closer"
                    )
                # The pairs are built from whole files, so their size is not exactly the one
                # asked for: the same time per sentence, for pairs of exactly that size.
                sentences = sum(result["n_fr"]) + sum(result["n_en"])
                exact = sum(walls) / sentences * 2 * args.pair_size
                print(
                    f"      time per sentence {sum(walls) / sentences * 1e6:.0f} µs: pairs of "
                    f"exactly {args.pair_size} + {args.pair_size} sentences at "
                    f"{1 / exact:.1f} pairs/s"
                )
            peer = result.get("peer")
            if peer:
                peer_rate = len(peer["wall_s"]) / sum(peer["wall_s"])
                ours = len(result["passes"]["first"]["wall_s"]) / sum(
                    result["passes"]["first"]["wall_s"]
                )
                print(
                    f"    peer in the same run, {peer['name']} (sentence lengths only): "
                    f"{peer_rate:.1f} pairs/s; Alinea / peer = {ours / peer_rate:.2f} "
                    "(hunalign, the issue's peer, is not available on this machine)"
                )
            staged = result["stages"]
            if staged["pairs"]:
                per_pair = staged["wall_s"] / staged["pairs"]
                print(
                    f"    stages over the first {staged['pairs']} pairs (timers on, "
                    f"{per_pair * 1000:.1f} ms per pair); ms per pair:"
                )
                _print_stages(staged["stages"], staged["wall_s"], 1000 / staged["pairs"], "ms")
        summary["pairs"] = [
            {k: v for k, v in r.items() if k != "passes"}
            | {
                mode: {
                    "pairs_per_s": len(r["passes"][mode]["wall_s"])
                    / sum(r["passes"][mode]["wall_s"]),
                    "ms": [w * 1000 for w in r["passes"][mode]["wall_s"]],
                }
                for mode in r["passes"]
            }
            for r in runs
        ]
        print()

    # 5. profiles
    for size in profile_sizes:
        result = run_child("profile", args, size=size)
        if result is None:
            continue
        print(
            f"5. cProfile of align() at N = {size:,} ({result['wall_s']:.2f} s under the "
            f"profiler; full stats in {Path(result['prof']).relative_to(ROOT)})"
        )
        print("   " + "\n   ".join(line for line in result["text"].splitlines() if line.strip()))
        print()

    for entry in long.values():
        entry.pop("beads", None)
    summary["long"] = long
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "align_speed.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    seen = sorted({f for _, f in FINGERPRINTS})
    summary["fingerprints"] = FINGERPRINTS
    if len(seen) > 1:
        print(f"!! the aligner's sources changed during the run ({', '.join(seen)}):")
        for child, fingerprint in FINGERPRINTS:
            print(f"   {fingerprint}  {child}")
    elif seen:
        print(f"every child ran aligner sources {seen[0]}")
    if hasattr(os, "getloadavg"):
        print("load average at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"figures also in {(OUT / 'align_speed.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
