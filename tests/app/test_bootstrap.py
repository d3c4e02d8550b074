"""The process's edge: the garbage collector tuned for the service's index and the CLI's import."""

from __future__ import annotations

import gc

import pytest

from app import bootstrap
from app.db import Database


def test_the_service_index_is_frozen_out_of_the_collector(
    seeded_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap, "SETTLE_FROM_TERMS", 0)  # the seed is small
    gc.unfreeze()
    try:
        index = bootstrap.build_index(seeded_database)
        assert index.term_count > 0 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual


def test_the_import_collector_is_off_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with bootstrap.import_collector() as collect:
        assert not gc.isenabled()
        collect()
    assert gc.isenabled()
