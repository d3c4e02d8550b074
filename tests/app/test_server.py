"""A real ``alinea serve`` against clients that misbehave, over real sockets on loopback
(issue 11's "stalled readers", "slow clients" and "crash leftovers" rows).

Waits here are bounds on behaviour (the server must close a slow client some time after its
deadline), with wide margins, never measurements of speed.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db import Database
from termbase.exchange.importer import ImportFormat, ImportOptions, import_termbase


def connect(port: int, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket()
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", port))
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed (or reset) the connection; reads what it sent meanwhile."""
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    finally:
        sock.setblocking(True)


def big_termbase(database: Database, concepts: int = 4000) -> None:
    """Enough concepts for an export (~20 MB of TBX) far larger than any socket buffer."""
    definition = "Définition de référence. " * 160  # 4,000 characters
    rows = ["concept_id,definition,fr,en"] + [
        f"c{i},{definition},terme numéro {i},term number {i}" for i in range(concepts)
    ]
    with database.sessionmaker() as session:
        report = import_termbase(
            io.BytesIO("\n".join(rows).encode()),
            session=session,
            options=ImportOptions(format=ImportFormat.CSV),
        )
        assert report.accepted, report.errors[:3]
        session.commit()


def test_stalled_export_readers_do_not_starve_the_pool(
    database: Database,
    tmp_path: Path,
    free_port: Callable[[], int],
    environment: Callable[..., dict[str, str]],
    serve: Callable[..., Any],
) -> None:
    big_termbase(database)
    port = free_port()
    env = environment(
        database,
        tmp_path,
        ALINEA_RUNNER="off",
        ALINEA_DATABASE_POOL_SIZE="2",
        ALINEA_DATABASE_MAX_OVERFLOW="0",
        ALINEA_DATABASE_POOL_TIMEOUT="3",
        ALINEA_IDLE_TIMEOUT="600",  # the readers stay: this is about the database, not sockets
    )
    serve(env, port, tmp_path / "serve.log")
    readers = []
    for _ in range(6):  # three times the pool
        sock = connect(port, receive_buffer=4096)
        sock.sendall(b"GET /v1/termbase/export HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        readers.append(sock)
    try:
        first = readers[0].recv(1024)  # the export has begun
        assert first.startswith(b"HTTP/1.1 200"), first
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(5):
                concept = client.get("/v1/concepts/1")
                assert concept.status_code == 200, concept.text
                page = client.get("/v1/concepts", params={"limit": 5})
                assert page.status_code == 200, page.text
            assert client.get("/readyz").status_code == 200
        for sock in readers:  # still open, still unread
            assert not closed_by_server(sock)
    finally:
        for sock in readers:
            sock.close()


def test_slow_clients_are_cut_off(
    database: Database,
    tmp_path: Path,
    free_port: Callable[[], int],
    environment: Callable[..., dict[str, str]],
    serve: Callable[..., Any],
) -> None:
    big_termbase(database, 1500)
    port = free_port()
    env = environment(
        database,
        tmp_path,
        ALINEA_RUNNER="off",
        ALINEA_HEADER_TIMEOUT="1",
        ALINEA_IDLE_TIMEOUT="2",
    )
    serve(env, port, tmp_path / "serve.log")
    request = b"GET /v1/concepts/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"x" * 200
    # headers one byte at a time, every 0.3 s: slower than the header deadline
    dribblers = [connect(port) for _ in range(20)]
    silent = connect(port)  # connects and says nothing
    # a body that stops half-way
    body_sender = connect(port)
    body_sender.sendall(
        b"POST /v1/terms/recognize HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"text": "la tr'
    )
    # a response nobody reads
    non_reader = connect(port, receive_buffer=4096)
    non_reader.sendall(b"GET /v1/termbase/export HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    clients = [*dribblers, silent, body_sender]
    open_ = set(range(len(clients)))
    deadline = time.monotonic() + 20
    position = 0
    try:
        while open_ and time.monotonic() < deadline:
            for i in list(open_):
                if i < len(dribblers) and position < len(request):
                    try:
                        clients[i].send(request[position : position + 1])
                    except (BrokenPipeError, ConnectionResetError):
                        open_.discard(i)
                        continue
                if closed_by_server(clients[i]):
                    open_.discard(i)
            position += 1
            time.sleep(0.3)
        assert not open_, f"{len(open_)} slow clients still connected after 20 s"
        # meanwhile, and after, a client that behaves is served
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert client.get("/v1/concepts/1").status_code == 200
        # the export was cut off, not sent whole: its last tag never arrives
        time.sleep(3)  # past the idle deadline (2 s) for a response left unread
        received = b""
        non_reader.settimeout(10)
        try:
            while chunk := non_reader.recv(65536):
                received += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        assert received.startswith(b"HTTP/1.1 200")
        assert b"</tbx>" not in received
    finally:
        for sock in [*clients, non_reader]:
            sock.close()


def test_a_slow_header_gets_a_408_problem(
    database: Database,
    tmp_path: Path,
    free_port: Callable[[], int],
    environment: Callable[..., dict[str, str]],
    serve: Callable[..., Any],
) -> None:
    port = free_port()
    env = environment(database, tmp_path, ALINEA_RUNNER="off", ALINEA_HEADER_TIMEOUT="1")
    serve(env, port, tmp_path / "serve.log")
    sock = connect(port)
    try:
        sock.sendall(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no final blank line
        sock.settimeout(15)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408")
        assert b"application/problem+json" in answer
    finally:
        sock.close()


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _descendants(pid: int) -> set[int]:
    children = _children()
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pool_processes_end_when_the_service_is_killed(
    database: Database,
    tmp_path: Path,
    free_port: Callable[[], int],
    environment: Callable[..., dict[str, str]],
    serve: Callable[..., Any],
) -> None:
    port = free_port()
    env = environment(database, tmp_path, ALINEA_JOB_WORKERS="2")
    service = serve(env, port, tmp_path / "serve.log")
    pid = service.process.pid
    # the runner starts its pool once the service is up: a resource tracker, the forkserver
    # and two workers
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_descendants(pid)) < 4:
        time.sleep(0.2)
    family = _descendants(pid)
    assert len(family) >= 4, service.output()
    os.kill(pid, signal.SIGKILL)
    service.process.wait(10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in family):
        time.sleep(0.2)
    left = [p for p in family if _alive(p)]
    assert not left, [Path(f"/proc/{p}/cmdline").read_bytes()[:100] for p in left]
