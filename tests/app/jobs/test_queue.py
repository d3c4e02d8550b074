"""The queue's guarantees in the database: disjoint claims, leases, requeue and release."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from app.db import Database
from app.jobs import repository
from app.jobs.models import JobItem


def _pairs(count: int) -> list[tuple[str, str, str]]:
    return [(f"doc-{n}", f"Phrase {n}.", f"Sentence {n}.") for n in range(count)]


def test_concurrent_runners_claim_disjoint_items(
    database: Database, items_of: Callable[..., list[JobItem]], queue_job: Callable[..., int]
) -> None:
    job_id = queue_job(database, _pairs(300))
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def runner(name: str) -> None:
        # Each runner on its own engine, as separate processes would be.
        own = Database(database.url)
        mine = claimed.setdefault(name, [])
        barrier.wait()
        try:
            while batch := repository.claim(own.engine, name, 7, 30):
                mine.extend(item.id for item in batch)
        finally:
            own.dispose()

    threads = [threading.Thread(target=runner, args=(f"runner-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [item_id for ids in claimed.values() for item_id in ids]
    counts = Counter(every)
    assert max(counts.values()) == 1, "an item was claimed twice"
    items = items_of(database, job_id)
    assert sorted(every) == sorted(item.id for item in items)
    owners = {item.id: item.claimed_by for item in items}
    for name, ids in claimed.items():
        assert {owners[i] for i in ids} <= {name}
    assert all(item.state == "running" and item.attempts == 1 for item in items)
    # more than one runner got work (they ran at the same time, not one after the other)
    assert sum(1 for ids in claimed.values() if ids) >= 2


def test_claims_take_the_oldest_items_first_and_carry_the_job_options(
    database: Database, queue_job: Callable[..., int]
) -> None:
    first = queue_job(database, _pairs(3), {"presegmented": False, "anchors": [["a", "b"]]})
    second = queue_job(database, _pairs(2))
    batch = repository.claim(database.engine, "me", 4, 30)
    assert [item.job_id for item in batch] == [first, first, first, second]
    # the job's options, with each item's own "presegmented" (true for these)
    assert batch[0].options == {"presegmented": True, "anchors": [["a", "b"]]}
    assert batch[3].options == {"presegmented": True}


def test_expired_leases_are_requeued_then_failed_after_the_last_attempt(
    database: Database,
    items_of: Callable[..., list[JobItem]],
    queue_job: Callable[..., int],
) -> None:
    job_id = queue_job(database, _pairs(2))
    # A runner that died: its lease is already over.
    assert len(repository.claim(database.engine, "dead-1", 1, -1)) == 1
    assert repository.requeue_stale(database.engine, max_attempts=2) == (1, 0)
    item = items_of(database, job_id)[0]
    assert (item.state, item.claimed_by, item.attempts) == ("queued", None, 1)

    [again] = repository.claim(database.engine, "dead-2", 1, -1)
    assert again.id == item.id and again.attempts == 2
    assert repository.requeue_stale(database.engine, max_attempts=2) == (0, 1)
    item = items_of(database, job_id)[0]
    assert item.state == "failed"
    assert item.error == (
        "its runner stopped while aligning it, 2 times (the limit is ALINEA_JOB_MAX_ATTEMPTS)"
    )
    # a late result from a runner whose lease ran out is refused
    assert not repository.complete(database.engine, "dead-2", item.id, {"result": b""})


def test_a_live_lease_is_renewed_and_never_requeued(
    database: Database, queue_job: Callable[..., int]
) -> None:
    queue_job(database, _pairs(1))
    [item] = repository.claim(database.engine, "alive", 1, 30)
    assert repository.requeue_stale(database.engine, max_attempts=3) == (0, 0)
    assert repository.renew_leases(database.engine, "alive", [item.id], 30) == 1
    assert repository.renew_leases(database.engine, "someone-else", [item.id], 30) == 0


def test_released_items_go_back_to_the_queue_uncharged(
    database: Database, items_of: Callable[..., list[JobItem]], queue_job: Callable[..., int]
) -> None:
    job_id = queue_job(database, _pairs(3))
    batch = repository.claim(database.engine, "stopping", 3, 30)
    assert repository.release(database.engine, "stopping", [i.id for i in batch[:2]]) == 2
    states = [(i.state, i.attempts, i.claimed_by) for i in items_of(database, job_id)]
    assert states == [("queued", 0, None), ("queued", 0, None), ("running", 1, "stopping")]
