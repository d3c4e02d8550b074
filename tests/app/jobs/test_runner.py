"""The runner on a real process pool: every item aligned once, and each kind of failure contained.

Each test runs on SQLite and on PostgreSQL (the ``database`` fixture), with real worker processes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from app.db import Database
from app.jobs import repository
from app.jobs.models import JobItem, Segment
from app.jobs.runner import Runner
from app.jobs.worker import align_pair, load_result
from app.settings import Settings
from tests.app.jobs import faults


def test_every_item_is_aligned_once_and_stored_with_its_segments(
    database: Database,
    un_pairs: list[tuple[str, str, str]],
    items_of: Callable[..., list[JobItem]],
    queue_job: Callable[..., int],
    runner_settings: Callable[..., Settings],
) -> None:
    pairs = un_pairs[:6]
    job_id = queue_job(database, pairs)
    runner = Runner(database, runner_settings(database))
    stats = runner.run(until_idle=True)
    assert (stats.done, stats.failed, stats.refused) == (6, 0, 0)

    items = items_of(database, job_id)
    assert [item.state for item in items] == ["done"] * 6
    assert all(item.attempts == 1 and item.lease_until is None for item in items)
    assert {item.claimed_by for item in items} == {runner.name}
    with database.sessionmaker() as session:
        for item, (_name, fr, en) in zip(items, pairs, strict=True):
            expected = align_pair(fr, en, {"presegmented": True})
            assert load_result(item.result or b"") == load_result(expected["result"])
            stored = session.execute(
                select(Segment.position, Segment.fr_text, Segment.en_text, Segment.confidence)
                .where(Segment.item_id == item.id)
                .order_by(Segment.position)
            ).all()
            assert [tuple(row) for row in stored] == [tuple(s) for s in expected["segments"]]
        progress = repository.progress(session, [job_id])[job_id]
    assert progress.counts["done"] == 6 and progress.unfinished == 0
    assert progress.started_at is not None and progress.last_finished_at is not None
    assert progress.last_finished_at >= progress.started_at


def test_an_item_that_kills_its_worker_is_retried_then_failed_alone(
    database: Database,
    un_pairs: list[tuple[str, str, str]],
    items_of: Callable[..., list[JobItem]],
    queue_job: Callable[..., int],
    runner_settings: Callable[..., Settings],
) -> None:
    name, fr, en = un_pairs[10]
    pairs = [*un_pairs[:2], (name, f"{faults.CRASH}\n{fr}", en), *un_pairs[2:4]]
    job_id = queue_job(database, pairs)
    settings = runner_settings(database, job_max_attempts=2)
    stats = Runner(database, settings, task=faults.crash_or_align).run(until_idle=True)

    items = {item.name: item for item in items_of(database, job_id)}
    culprit = items.pop(name)
    assert culprit.state == "failed"
    assert culprit.attempts == 2
    assert "worker process died" in (culprit.error or "") and "ALINEA_JOB_MAX_ATTEMPTS=2" in (
        culprit.error or ""
    )
    assert culprit.result is None
    # The others, in the pool when it broke, ran again without being charged for it.
    assert {(i.state, i.attempts) for i in items.values()} == {("done", 1)}
    assert stats.pool_breaks >= 2 and stats.done == 4 and stats.failed == 1


def test_an_item_over_the_time_limit_is_failed_and_its_worker_replaced(
    database: Database,
    un_pairs: list[tuple[str, str, str]],
    items_of: Callable[..., list[JobItem]],
    queue_job: Callable[..., int],
    runner_settings: Callable[..., Settings],
) -> None:
    name, fr, en = un_pairs[5]
    pairs = [(name, f"{faults.SLEEP}\n{fr}", en), *un_pairs[:3]]
    job_id = queue_job(database, pairs)
    settings = runner_settings(database, job_item_timeout=3)
    stats = Runner(database, settings, task=faults.sleep_or_align).run(until_idle=True)

    items = {item.name: item for item in items_of(database, job_id)}
    late = items.pop(name)
    assert late.state == "failed"
    assert "longer than the limit of 3 s" in (late.error or "")
    assert {(i.state, i.attempts) for i in items.values()} == {("done", 1)}
    assert stats.timeouts == 1


def test_an_item_the_aligner_refuses_or_a_task_error_fails_without_retry(
    database: Database,
    un_pairs: list[tuple[str, str, str]],
    items_of: Callable[..., list[JobItem]],
    queue_job: Callable[..., int],
    runner_settings: Callable[..., Settings],
) -> None:
    name, fr, en = un_pairs[0]
    pairs = [
        ("empty", "   \n", en),
        ("bug", f"ALINEA-TEST-RAISE\n{fr}", en),
        (name, fr, en),
    ]
    job_id = queue_job(database, pairs)
    Runner(database, runner_settings(database), task=faults.raise_or_align).run(until_idle=True)

    items = {item.name: item for item in items_of(database, job_id)}
    assert items["empty"].state == "failed" and "empty" in (items["empty"].error or "")
    assert items["bug"].state == "failed"
    assert items["bug"].error == "internal error: RuntimeError: a bug in the task"
    assert items[name].state == "done"
    assert {i.attempts for i in items.values()} == {1}


def test_a_result_for_a_cancelled_item_is_refused(
    database: Database,
    un_pairs: list[tuple[str, str, str]],
    items_of: Callable[..., list[JobItem]],
    queue_job: Callable[..., int],
) -> None:
    job_id = queue_job(database, un_pairs[:2])
    [first, second] = repository.claim(database.engine, "runner-a", 5, 30)
    outcome = align_pair(first.fr, first.en, first.options)
    assert repository.complete(database.engine, "runner-a", first.id, outcome)
    with database.session() as session:
        job = session.get(repository.Job, job_id)
        assert job is not None
        assert repository.cancel_job(session, job) == 1
    assert not repository.complete(database.engine, "runner-a", second.id, outcome)
    states = {item.id: item.state for item in items_of(database, job_id)}
    assert states == {first.id: "done", second.id: "cancelled"}
    with database.sessionmaker() as session:
        count = session.scalar(
            select(func.count()).select_from(Segment).where(Segment.job_id == job_id)
        )
    assert count == len(outcome["segments"])


def test_a_stopped_runner_gives_its_unfinished_items_back_at_once(
    database: Database,
    un_pairs: list[tuple[str, str, str]],
    items_of: Callable[..., list[JobItem]],
    queue_job: Callable[..., int],
    runner_settings: Callable[..., Settings],
) -> None:
    import time

    name, fr, en = un_pairs[8]
    job_id = queue_job(database, [(name, f"{faults.SLEEP}\n{fr}", en)])
    # A poll (10 min) or a lease third (20 min) is far beyond stop()'s own wait (30 s): a stop that
    # waited for either would return with the item still running, and fail below.
    settings = runner_settings(
        database, job_poll_interval=600, job_lease_seconds=3600, job_item_timeout=3600
    )
    runner = Runner(database, settings, task=faults.sleep_or_align)
    runner.start()
    deadline = time.monotonic() + 60
    while items_of(database, job_id)[0].state != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)  # the item is in a worker process now, sleeping
    runner.stop()
    [item] = items_of(database, job_id)
    assert (item.state, item.attempts, item.claimed_by) == ("queued", 0, None)
