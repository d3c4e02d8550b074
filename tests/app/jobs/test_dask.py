"""The runner on a real Dask cluster: a LocalCluster of two worker processes.

Dask retries the task of a worker that dies by itself; these tests make it give up after the
second death (``allowed-failures: 1``) and hand each worker one task at a time
(``worker-saturation: 1.0``), so only the item that kills its worker is charged for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.db import Database, upgrade
from app.jobs.executors import DaskPool
from app.jobs.models import JobItem
from app.jobs.runner import Runner
from app.jobs.worker import align_pair, load_result
from app.settings import Settings
from tests.app.jobs import faults

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    import dask

    with (
        dask.config.set(
            {
                "distributed.scheduler.allowed-failures": 1,
                "distributed.scheduler.worker-saturation": 1.0,
            }
        ),
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            host="127.0.0.1",
        ) as local,
    ):
        yield local.scheduler_address


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'dask.db'}")
    upgrade(database.engine)
    yield database
    database.dispose()


def test_a_job_runs_on_a_dask_cluster(
    cluster: str,
    sqlite: Database,
    un_pairs: list[tuple[str, str, str]],
    items_of: Callable[..., list[JobItem]],
    queue_job: Callable[..., int],
    runner_settings: Callable[..., Settings],
) -> None:
    pairs = un_pairs[50:62]
    job_id = queue_job(sqlite, pairs)
    settings = runner_settings(sqlite, dask_scheduler=cluster)
    runner = Runner(sqlite, settings)
    stats = runner.run(until_idle=True)
    assert (stats.done, stats.failed) == (12, 0)
    for item, (_name, fr, en) in zip(items_of(sqlite, job_id), pairs, strict=True):
        assert item.state == "done" and item.attempts == 1
        expected = align_pair(fr, en, {"presegmented": True})
        assert load_result(item.result or b"") == load_result(expected["result"])


def test_an_item_that_kills_its_dask_worker_fails_with_the_reason(
    cluster: str,
    sqlite: Database,
    un_pairs: list[tuple[str, str, str]],
    items_of: Callable[..., list[JobItem]],
    queue_job: Callable[..., int],
    runner_settings: Callable[..., Settings],
) -> None:
    name, fr, en = un_pairs[70]
    pairs = [*un_pairs[71:74], (name, f"{faults.CRASH}\n{fr}", en), *un_pairs[74:76]]
    job_id = queue_job(sqlite, pairs)
    pool = DaskPool(cluster)
    runner = Runner(
        sqlite,
        runner_settings(sqlite, dask_scheduler=cluster),
        pool_factory=lambda: pool,
        task=faults.crash_or_align,
    )
    runner.run(until_idle=True)
    items = {item.name: item for item in items_of(sqlite, job_id)}
    culprit = items.pop(name)
    assert culprit.state == "failed"
    assert "Dask worker died" in (culprit.error or "") and "allowed-failures" in (
        culprit.error or ""
    )
    assert {item.state for item in items.values()} == {"done"}
