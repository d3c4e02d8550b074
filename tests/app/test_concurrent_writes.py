"""Optimistic locking under real concurrency: a live service, writers on threads, both databases.

Each round reads a concept's ETag once, then starts several writers with that ETag at the same
moment (a barrier). If-Match must serialise them: exactly one wins, the others get 412 (or 404
once a DELETE won), and nothing answers 500.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx
import pytest
import uvicorn

from app.db import Database
from app.main import create_app
from app.settings import Settings

ROUNDS = 12
CONCEPT = {
    "definition": "start",
    "terms": [{"lang": "en", "text": "race condition", "status": "preferred"}],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_url(database: Database) -> Iterator[str]:
    """The app served by uvicorn on a free port, in a thread of this process."""
    port = _free_port()
    # Keys are not what is tested here: the service on loopback with ALINEA_AUTH=off.
    settings = Settings(
        database_url=database.url,
        load_seed=False,
        runner="off",
        auth="off",
        rate_limit="off",
        rate_limit_heavy="off",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def _together(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls on threads of their own, released at the same moment."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_of_n_patches_with_one_etag_exactly_one_wins(live_url: str) -> None:
    with httpx.Client(base_url=live_url, timeout=60) as client:
        for round_number in range(ROUNDS):
            created = client.post("/v1/concepts", json=CONCEPT)
            assert created.status_code == 201, created.text
            url = created.headers["location"]
            tag = client.get(url).headers["etag"]
            clients = [httpx.Client(base_url=live_url, timeout=60) for _ in range(3)]
            try:
                responses = _together(
                    [
                        partial(
                            c.patch,
                            url,
                            json={"definition": f"writer {n}"},
                            headers={"If-Match": tag},
                        )
                        for n, c in enumerate(clients)
                    ]
                )
            finally:
                for c in clients:
                    c.close()
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [200, 412, 412], (round_number, [r.text for r in responses])
            winner = next(r for r in responses if r.status_code == 200).json()
            assert client.get(url).json()["definition"] == winner["definition"]
            history = client.get(f"{url}/history").json()["items"]
            assert [item["action"] for item in history] == ["create", "update"]


def test_a_patch_racing_a_delete_never_both_win_nor_fail(live_url: str) -> None:
    with httpx.Client(base_url=live_url, timeout=60) as client:
        outcomes = set()
        for round_number in range(ROUNDS):
            created = client.post("/v1/concepts", json=CONCEPT)
            url = created.headers["location"]
            tag = client.get(url).headers["etag"]
            # a PATCH that replaces the terms writes term rows: the foreign key of the 500s
            body = {"terms": [{"lang": "en", "text": f"race condition {round_number}"}]}
            with (
                httpx.Client(base_url=live_url, timeout=60) as one,
                httpx.Client(base_url=live_url, timeout=60) as two,
            ):
                patched, deleted = _together(
                    [
                        partial(one.patch, url, json=body, headers={"If-Match": tag}),
                        partial(two.delete, url, headers={"If-Match": tag}),
                    ]
                )
            pair = (patched.status_code, deleted.status_code)
            assert pair in ((200, 412), (404, 204), (412, 204)), (round_number, patched.text)
            outcomes.add(pair)
            still_there = client.get(url).status_code == 200
            assert still_there == (pair[0] == 200)
        assert outcomes  # at least one round ran


def test_writers_without_if_match_never_fail_either(live_url: str) -> None:
    """No precondition: the last writer wins, but a write to a concept deleted meanwhile is a 404
    and a term change racing a PATCH loses nothing of either."""
    with httpx.Client(base_url=live_url, timeout=60) as client:
        for round_number in range(ROUNDS):
            created = client.post("/v1/concepts", json=CONCEPT).json()
            url = f"/v1/concepts/{created['id']}"
            with (
                httpx.Client(base_url=live_url, timeout=60) as one,
                httpx.Client(base_url=live_url, timeout=60) as two,
                httpx.Client(base_url=live_url, timeout=60) as three,
            ):
                noted, added, deleted = _together(
                    [
                        partial(one.patch, url, json={"note": f"note {round_number}"}),
                        partial(two.post, f"{url}/terms", json={"lang": "fr", "text": "course"}),
                        partial(three.delete, url),
                    ]
                )
            statuses = (noted.status_code, added.status_code, deleted.status_code)
            assert deleted.status_code == 204, statuses
            assert noted.status_code in (200, 404) and added.status_code in (201, 404), statuses
            history = client.get(f"{url}/history").json()["items"]
            # every write that answered 2xx is in the history, in the order of its revision
            assert [h["revision"] for h in history] == list(range(1, len(history) + 1))
            assert len(history) == 2 + (noted.status_code == 200) + (added.status_code == 201)
            if added.status_code == 201 and noted.status_code == 200:
                last_before_delete = history[-2]["after"]
                assert last_before_delete["note"] == f"note {round_number}"
                assert "course" in {t["text"] for t in last_before_delete["terms"]}
