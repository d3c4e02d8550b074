"""Soak: mixed load on a real ``alinea serve`` for a few minutes; throughput, p99, peak memory.

    .venv/bin/python bench/soak.py --duration 180 --clients 8

Starts ``alinea serve`` on 127.0.0.1 (a fresh SQLite database with the UN seed in a temporary
folder, or ``--database-url``), with the shipped settings (keys required for writes, rate limits
on; ALINEA_RATE_LIMIT=off ALINEA_RATE_LIMIT_HEAVY=off in the environment measure without them) and
a local job runner of ``--job-workers`` processes. It makes an API key per client (role reader)
and one terminologist key, then runs ``--clients`` client threads for ``--duration``
seconds, each with its own key and keep-alive connection, each request drawn from this mix:

    look-up (exact 50 %, fuzzy 10 %), recognition of a ~2,000-character paragraph (12 %),
    alignment of a UN document pair of 40 + 40 sentences (3 %), translation QA of such a pair
    (3 %), a page of the web interface (3 %), concept and history reads (9 %),
    concordance search (4 %), termbase export (3 %), termbase import of a 20-concept CSV with the
    terminologist key (2 %), and one batch job of 10 document pairs every 30 s.

It prints, per operation and overall: requests, throughput, p50 / p99 latency, answers by status
(429s are the rate limits doing their work; any 5xx is a failure), then the service's peak RSS
(its process and its children: forkserver, pool workers) sampled every 0.25 s. It stops the server
it started, always. The clients share the 2 cores with the server: figures are for this machine.
Needs the shared data (``../shared``) and ``psutil`` (the bench extra). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ALINEA_SHARED_DIR", ROOT.parent / "shared"))
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_key(env: dict[str, str], role: str, name: str) -> str:
    done = subprocess.run(
        [str(BIN / "alinea"), "keys", "create", "--role", role, "--name", name, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return str(json.loads(done.stdout)["key"])


class Workload:
    """The requests of the mix, made from the shared data."""

    def __init__(self) -> None:
        seed = (SHARED / "data/seed/trafficking-resolution-2019.fr.txt").read_text("utf-8")
        paragraphs = [p for p in seed.split("\n\n") if len(p) > 200]
        self.paragraphs = [p[:2000] for p in paragraphs] or [seed[:2000]]
        folder = SHARED / "data/align-dev/un"
        self.pairs = []
        for fr_path in sorted(folder.glob("*.fr"))[:40]:
            fr = fr_path.read_text("utf-8").splitlines()[:40]
            en = fr_path.with_suffix(".en").read_text("utf-8").splitlines()[:40]
            self.pairs.append((fr_path.stem, fr, en))
        self.queries = [
            ("traite des personnes", "fr", "en"),
            ("trafic de migrants", "fr", "en"),
            ("Member States", "en", "fr"),
            ("smuggling of migrants", "en", "fr"),
            ("États Membres", "fr", "en"),
            ("Secrétaire général", "fr", "en"),
            ("human rights", "en", "fr"),
            ("réfugiés", "fr", "en"),
        ]
        from termbase.seed import read_seed

        self.seed_concepts = len(read_seed()["concepts"])
        self.fuzzy = ["trafik de migrant", "Etats Membre", "traffiking in persons", "refugies"]
        self.words = ["traite", "migrants", "États", "protection", "victimes", "coopération"]
        rows = ["en,fr"] + [f"soak term {i},terme d'essai {i}" for i in range(20)]
        self.csv = "\n".join(rows).encode()

    def pick(self, rng: random.Random) -> tuple[str, str, str, dict[str, Any]]:
        """(operation, method, path, httpx keyword arguments)."""
        roll = rng.random()
        if roll < 0.50:
            q, src, tgt = rng.choice(self.queries)
            return "lookup", "GET", "/v1/terms", {"params": {"q": q, "src": src, "tgt": tgt}}
        if roll < 0.60:
            q = rng.choice(self.fuzzy)
            params = {"q": q, "match": "fuzzy", "src": "en" if "in" in q else "fr"}
            return "lookup-fuzzy", "GET", "/v1/terms", {"params": params}
        if roll < 0.72:
            body = {"text": rng.choice(self.paragraphs), "src": "fr", "tgt": "en"}
            return "recognize", "POST", "/v1/terms/recognize", {"json": body}
        if roll < 0.75:
            _name, fr, en = rng.choice(self.pairs)
            return "align", "POST", "/v1/align", {"json": {"fr": fr, "en": en}}
        if roll < 0.78:
            _name, fr, en = rng.choice(self.pairs)
            return "qa", "POST", "/v1/qa", {"json": {"fr": fr, "en": en}}
        if roll < 0.81:
            page = rng.choice(["/", "/check", "/align", "/jobs", "/desk", "/ui/static/ui.css"])
            return "web-page", "GET", page, {}
        if roll < 0.90:
            concept = rng.randint(1, self.seed_concepts)
            path = f"/v1/concepts/{concept}" + ("/history" if rng.random() < 0.3 else "")
            return "concept", "GET", path, {}
        if roll < 0.94:
            params = {"q": rng.choice(self.words), "lang": "fr"}
            return "segments", "GET", "/v1/segments", {"params": params}
        if roll < 0.97:
            return "export", "GET", "/v1/termbase/export", {}
        return (
            "import",
            "POST",
            "/v1/termbase/import",
            {
                "content": self.csv,
                "params": {"merge": "term:en", "mode": "add"},
                "headers": {"content-type": "text/csv"},
            },
        )

    def job(self, rng: random.Random) -> dict[str, Any]:
        chosen = rng.sample(self.pairs, 10)
        documents = [
            {"name": f"{n}-{i}", "fr": fr, "en": en} for i, (n, fr, en) in enumerate(chosen)
        ]
        return {"documents": documents}


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.errors: Counter[str] = Counter()

    def record(self, operation: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies[operation].append(seconds)
            self.statuses[operation][status] += 1


def client_loop(
    base: str,
    key: str,
    terminologist: str,
    workload: Workload,
    results: Results,
    stop: threading.Event,
    seed: int,
    submits_jobs: bool,
) -> None:
    rng = random.Random(seed)
    next_job = time.monotonic() + 5
    with httpx.Client(
        base_url=base, timeout=120, headers={"Authorization": f"Bearer {key}"}
    ) as http:
        while not stop.is_set():
            if submits_jobs and time.monotonic() >= next_job:
                operation, method, path, kwargs = (
                    "job",
                    "POST",
                    "/v1/jobs",
                    {"json": workload.job(rng)},
                )
                next_job += 30
            else:
                operation, method, path, kwargs = workload.pick(rng)
            if operation == "import":
                kwargs["headers"] = {
                    **kwargs["headers"],
                    "Authorization": f"Bearer {terminologist}",
                }
            started = time.perf_counter()
            try:
                response = http.request(method, path, **kwargs)
                response.read()
                status = response.status_code
            except httpx.HTTPError as exc:
                with results.lock:
                    results.errors[f"{operation}: {type(exc).__name__}"] += 1
                continue
            results.record(operation, time.perf_counter() - started, status)


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += member.memory_info().rss
    return total


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--job-workers", type=int, default=1, help="ALINEA_JOB_WORKERS")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="alinea-soak-"))
    env = dict(os.environ)
    env.update(
        ALINEA_DATABASE_URL=args.database_url or f"sqlite:///{workdir / 'soak.db'}",
        ALINEA_JOB_WORKERS=str(args.job_workers),
        NUMBA_CACHE_DIR=env.get("NUMBA_CACHE_DIR", str(ROOT / ".numba-cache")),
    )
    keys = [make_key(env, "reader", f"soak-{i}") for i in range(args.clients)]
    terminologist = make_key(env, "terminologist", "soak-terminologist")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (workdir / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "alinea"), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print((workdir / "serve.log").read_text(errors="replace"))
                return 1
            time.sleep(0.2)
        time.sleep(3)  # the runner's pool warms up
        process = psutil.Process(server.pid)
        ready_rss = tree_rss(process)
        workload = Workload()
        results = Results()
        stop = threading.Event()
        peak = ready_rss

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, tree_rss(process))
                stop.wait(0.25)

        threads = [threading.Thread(target=sample, daemon=True)]
        for i, key in enumerate(keys):
            threads.append(
                threading.Thread(
                    target=client_loop,
                    args=(base, key, terminologist, workload, results, stop, args.seed + i, i == 0),
                    daemon=True,
                )
            )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(150)
        elapsed = time.monotonic() - started
        end_rss = tree_rss(process)
        jobs = httpx.get(f"{base}/v1/jobs", params={"limit": 200}, timeout=30).json()["items"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
        log.close()

    print(
        f"soak: {args.clients} clients, {elapsed:.0f} s, {env['ALINEA_DATABASE_URL'].split(':')[0]}"
        f", {args.job_workers} job worker(s), rate limits "
        f"{env.get('ALINEA_RATE_LIMIT', 'as shipped')} / heavy "
        f"{env.get('ALINEA_RATE_LIMIT_HEAVY', 'as shipped')}"
    )
    print(f"{'operation':<14}{'requests':>9}{'/s':>8}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    everything: list[float] = []
    total_5xx = 0
    for operation in sorted(results.latencies):
        values = results.latencies[operation]
        everything += values
        statuses = results.statuses[operation]
        total_5xx += sum(n for s, n in statuses.items() if s >= 500)
        shown = " ".join(f"{s}:{n}" for s, n in sorted(statuses.items()))
        p50, p99 = 1000 * statistics.median(values), 1000 * percentile(values, 0.99)
        print(
            f"{operation:<14}{len(values):>9}{len(values) / elapsed:>8.1f}"
            f"{p50:>9.1f}{p99:>9.1f}  {shown}"
        )
    p50, p99 = 1000 * statistics.median(everything), 1000 * percentile(everything, 0.99)
    errors = sum(results.errors.values())
    print(
        f"{'all':<14}{len(everything):>9}{len(everything) / elapsed:>8.1f}{p50:>9.1f}{p99:>9.1f}"
        f"  5xx: {total_5xx}, transport errors: {errors} {dict(results.errors)}"
    )
    done = Counter(job["state"] for job in jobs)
    print(f"jobs: {len(jobs)} submitted, by state {dict(done)}")
    print(
        f"service RSS (process and children): ready {ready_rss / 2**20:.0f} MiB, "
        f"peak {peak / 2**20:.0f} MiB, end {end_rss / 2**20:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
