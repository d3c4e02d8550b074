"""Throughput of batch jobs (issue 5): 1,000 UN document pairs through the runner.

    .venv/bin/python bench/jobs_throughput.py                      # local pool, then Dask
    .venv/bin/python bench/jobs_throughput.py --modes local --pairs 200
    .venv/bin/python bench/jobs_throughput.py --modes noop-local noop-dask   # runner overhead

Documents are built from the shared UN development set (``../shared/data/align-dev/un``) as in
``bench/align_speed.py``: consecutive ``NAME.fr`` / ``NAME.en`` files (one sentence a line, an
empty line between paragraphs) joined until each side has at least ``--size`` sentences (200),
starting each pair where the previous one stopped and cycling through the 243 files. The job is
queued straight in a fresh SQLite database (``bench/out/jobs-*.db``) with the repository's
``submit_job``, as the API does after parsing, then one :class:`app.jobs.runner.Runner` runs it to
the end (``run(until_idle=True)``) on:

- ``local``: the local process pool, ``--processes`` (2) processes;
- ``dask``: a ``distributed.LocalCluster`` of ``--processes`` worker processes, one thread each
  (its scheduler runs in this process, beside the runner);
- ``dask-cli``: the same cluster started as the README says, ``dask scheduler`` and ``dask worker
  tcp://… --nworkers N --nthreads 1`` in processes of their own;
- ``noop-local`` / ``noop-dask``: the same, with a task that does not align but returns a result
  of the same shape and size (every sentence, one 1-1 bead per sentence pair), so what is timed
  is the runner, the transport to and from the workers and the database writes.

The clock starts once the pool is up and warmed up (its start-up time is printed apart) and stops
when the last result is written. Printed per mode: wall time, items/s, the time the workers spent
aligning (as they measured it), and the runner's own time per item: the CPU time of the runner's
thread (``time.thread_time``, so time it waited for the CPU or the GIL is not counted) spent
claiming, submitting, writing results and segments, indexing segments for full-text search and
renewing leases (``RunnerStats``); and the CPU time of the whole runner process per item, which
adds the executor's own threads (pickling items and results to and from the workers) and, in Dask
modes, the in-process scheduler of the LocalCluster. With ``noop`` modes, wall time per item is
the whole pipeline's cost per item with nothing to align.

It prints figures only and asserts nothing. A JSON copy goes to ``bench/out/jobs_throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from align_speed import UN_DIR, build, load_parts  # noqa: E402

OUT = ROOT / "bench" / "out"


def noop_align(fr: str, en: str, options: dict[str, Any]) -> dict[str, Any]:
    """A result shaped like align_pair's, without aligning: sentence i with sentence i."""
    from app.jobs.worker import dump_result

    fr_lines = [line for line in fr.splitlines() if line.strip()]
    en_lines = [line for line in en.splitlines() if line.strip()]
    n = min(len(fr_lines), len(en_lines))
    beads: list[list[Any]] = [[[i], [i], 0.9] for i in range(n)]
    beads += [[[i], [], 0.85] for i in range(n, len(fr_lines))]
    beads += [[[], [j], 0.85] for j in range(n, len(en_lines))]
    result = dump_result({"fr": fr_lines, "en": en_lines, "beads": beads, "warnings": []})
    segments = [(i, fr_lines[i], en_lines[i], 0.9) for i in range(n)]
    return {"result": result, "segments": segments, "seconds": 0.0}


def make_pairs(count: int, size: int) -> list[tuple[str, str, str, int, int]]:
    parts = load_parts(UN_DIR)
    pairs = []
    start = 0
    for number in range(count):
        document, start = build(parts, size, "min", start)
        pairs.append((f"pair-{number:04d}", document.fr, document.en, document.n_fr, document.n_en))
    return pairs


def start_dask_commands(workers: int, started: list[subprocess.Popen[bytes]]) -> str:
    """``dask scheduler`` and ``dask worker`` as separate processes; the scheduler's address."""
    bin_dir = Path(sys.executable).parent
    scheduler_file = Path(tempfile.mkdtemp(prefix="dask-", dir=OUT)) / "scheduler.json"
    started.append(
        subprocess.Popen(
            [
                str(bin_dir / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                ":0",
                "--scheduler-file",
                str(scheduler_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() or not scheduler_file.read_text().strip():
        if time.monotonic() > deadline:
            raise SystemExit("dask scheduler did not start")
        time.sleep(0.1)
    time.sleep(0.2)  # the file is written in one go, but give it a moment
    address = str(json.loads(scheduler_file.read_text())["address"])
    started.append(
        subprocess.Popen(
            [
                str(bin_dir / "dask"),
                "worker",
                address,
                "--nworkers",
                str(workers),
                "--nthreads",
                "1",
                "--no-dashboard",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=120)
    return address


def run_mode(mode: str, pairs: list[tuple[str, str, str, int, int]], args: argparse.Namespace):
    from app.db import Database, upgrade
    from app.jobs import repository
    from app.jobs.runner import Runner
    from app.settings import Settings

    OUT.mkdir(parents=True, exist_ok=True)
    db_path = Path(tempfile.mkstemp(prefix=f"jobs-{mode}-", suffix=".db", dir=OUT)[1])
    url = f"sqlite:///{db_path}"
    database = Database(url)
    upgrade(database.engine)
    items = [repository.NewItem(name, fr, en, True) for name, fr, en, _nf, _ne in pairs]
    with database.session() as session:
        repository.submit_job(session, items, {"presegmented": True})

    cluster = None
    commands: list[subprocess.Popen[bytes]] = []
    overrides: dict[str, Any] = {"database_url": url, "job_workers": args.processes}
    started = time.perf_counter()
    if mode == "dask-cli":
        overrides["dask_scheduler"] = start_dask_commands(args.processes, commands)
    elif mode.endswith("dask"):
        from distributed import LocalCluster

        cluster = LocalCluster(
            n_workers=args.processes,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            host="127.0.0.1",
        )
        overrides["dask_scheduler"] = cluster.scheduler_address
    settings = Settings(**overrides)
    runner = Runner(database, settings)
    if mode.startswith("noop"):
        runner.task = noop_align
    ready: dict[str, float] = {}

    # Time from the moment the pool is up: wrap the pool factory.
    factory = runner.pool_factory

    def timed_factory():  # type: ignore[no-untyped-def]
        pool = factory()
        pool.start()
        ready["at"] = time.perf_counter()
        ready["cpu"] = time.process_time()
        return pool

    runner.pool_factory = timed_factory
    stats = runner.run(until_idle=True)
    finished = time.perf_counter()
    process_cpu = time.process_time() - ready["cpu"]
    if cluster is not None:
        cluster.close()
    for command in reversed(commands):
        command.terminate()
        try:
            command.wait(20)
        except subprocess.TimeoutExpired:
            command.kill()
    wall = finished - ready["at"]
    n = stats.done + stats.failed
    figures = {
        "mode": mode,
        "pairs": len(pairs),
        "done": stats.done,
        "failed": stats.failed,
        "startup_s": ready["at"] - started,
        "wall_s": wall,
        "items_per_s": n / wall,
        "worker_align_s": stats.worker_seconds,
        "runner_ms_per_item": 1000 * stats.own_seconds / max(n, 1),
        "claim_ms_per_item": 1000 * stats.claim_seconds / max(n, 1),
        "write_ms_per_item": 1000 * stats.write_seconds / max(n, 1),
        "other_ms_per_item": 1000 * stats.other_seconds / max(n, 1),
        "index_ms_per_item": 1000 * stats.index_seconds / max(n, 1),
        "wall_ms_per_item": 1000 * wall / max(n, 1),
        "process_cpu_ms_per_item": 1000 * process_cpu / max(n, 1),
        "db_mib": db_path.stat().st_size / 2**20,
    }
    database.dispose()
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--size", type=int, default=200, help="sentences a side, at least")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["local", "dask"],
        choices=["local", "dask", "dask-cli", "noop-local", "noop-dask"],
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases in bench/out")
    args = parser.parse_args()

    started = time.perf_counter()
    pairs = make_pairs(args.pairs, args.size)
    n_fr = sum(p[3] for p in pairs)
    n_en = sum(p[4] for p in pairs)
    print(
        f"{len(pairs)} pairs built in {time.perf_counter() - started:.1f} s: "
        f"{n_fr / len(pairs):.0f} French and {n_en / len(pairs):.0f} English sentences a pair "
        f"on average; {args.processes} processes; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    results = []
    for mode in args.modes:
        figures = run_mode(mode, pairs, args)
        results.append(figures)
        f = figures
        print(
            f"{mode:>10}: {f['done']} done, {f['failed']} failed in {f['wall_s']:.1f} s "
            f"({f['items_per_s']:.1f} pairs/s, {f['wall_ms_per_item']:.1f} ms a pair; pool "
            f"start-up {f['startup_s']:.1f} s apart); workers aligned for "
            f"{f['worker_align_s']:.1f} s\n"
            f"{'':>12}runner's own time {f['runner_ms_per_item']:.2f} ms/item: claim "
            f"{f['claim_ms_per_item']:.2f}, write {f['write_ms_per_item']:.2f}, full-text index "
            f"{f['index_ms_per_item']:.2f}, other {f['other_ms_per_item']:.2f} (CPU of its "
            f"thread); whole runner process {f['process_cpu_ms_per_item']:.2f} ms CPU/item; "
            f"database {f['db_mib']:.0f} MiB",
            flush=True,
        )
    by_mode = {r["mode"]: r for r in results}
    for dask_mode in ("dask", "dask-cli"):
        if "local" in by_mode and dask_mode in by_mode:
            ratio = by_mode[dask_mode]["wall_s"] / by_mode["local"]["wall_s"]
            print(f"{dask_mode} / local wall time: {ratio:.2f} x (target <= 1.3)")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "jobs_throughput.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
