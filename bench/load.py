"""The server under test (`zhizhi serve`: granian, 2 worker processes) and the clients that load it.

Clients are threads of one process, each with its own keep-alive `http.client` connection: they
share the machine's cores with the server and the database, which the report says.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import stats
from bench.machine import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    command: list[str]


@contextmanager
def server(
    env: dict[str, str],
    *,
    workers: int = 2,
    threads: int = 4,
    log: Path | None = None,
    timeout: float = 60.0,
) -> Iterator[Server]:
    """`zhizhi serve` (granian, WSGI) with bench.wsgi:application on a free localhost port: the
    production server, as the README starts it. Stopped (SIGTERM, then SIGKILL) when the block
    ends. Waits until /healthz answers."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "zhizhi.manage",
        "serve",
        "--app",
        "bench.wsgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode} (see {log})")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status < 500:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /healthz in time")
            time.sleep(0.2)
        yield Server("127.0.0.1", port, command)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


# --- Requests --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass
class Run:
    """What a load phase measured: client-side latencies of completed requests, by status."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    last_body: bytes = b""
    client_means: list[float] = field(default_factory=list)

    def summary(self, *, ok: tuple[int, ...] = (200, 201)) -> dict[str, Any]:
        good = sum(n for s, n in self.statuses.items() if s in ok)
        return {
            "requests": len(self.latencies),
            "ok": good,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
            "seconds": round(self.seconds, 3),
            "per_second": round(stats.rate(good, self.seconds), 1),
            "latency_ms": stats.summary_ms(self.latencies),
            # Each client's mean latency, fastest first: a server whose workers took unequal shares
            # of the keep-alive connections shows two groups here.
            "client_mean_ms": [round(m * 1000, 1) for m in sorted(self.client_means)],
        }


class _Client:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn: http.client.HTTPConnection | None = None

    def send(self, req: Request) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(req.method, req.path, body=req.body, headers=req.headers)
                resp = self.conn.getresponse()
                body = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, body
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def load(
    server: Server,
    make: Callable[[int, int], Request],
    *,
    clients: int,
    seconds: float | None = None,
    count: int | None = None,
) -> Run:
    """`clients` threads send `make(client, i)` back to back for `seconds` (or `count` requests in
    all); the phase's throughput counts requests completed inside it."""
    if (seconds is None) == (count is None):
        raise ValueError("give seconds or count")
    run = Run()
    lock = threading.Lock()
    issued = 0
    start = threading.Event()
    t0 = 0.0
    deadline = float("inf")

    def next_index() -> int | None:
        nonlocal issued
        with lock:
            if count is not None and issued >= count:
                return None
            issued += 1
            return issued - 1

    def worker(c: int) -> None:
        client = _Client(server.host, server.port)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        errors: list[str] = []
        body = b""
        start.wait()
        i = 0
        try:
            while True:
                if time.perf_counter() >= deadline:
                    break
                index = next_index()
                if index is None:
                    break
                req = make(c, index)
                began = time.perf_counter()
                try:
                    status, body = client.send(req)
                except (http.client.HTTPException, OSError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - began)
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 400 and len(errors) < 5:
                    errors.append(f"{status}: {body[:300]!r}")
                i += 1
        finally:
            client.close()
            with lock:
                run.latencies.extend(latencies)
                if latencies:
                    run.client_means.append(sum(latencies) / len(latencies))
                for s, n in statuses.items():
                    run.statuses[s] = run.statuses.get(s, 0) + n
                run.errors.extend(errors)
                if body:
                    run.last_body = body

    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    if seconds is not None:
        deadline = t0 + seconds
    start.set()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - t0
    return run


def json_request(method: str, path: str, token: str, payload: Any = None, **headers: str) -> Request:
    h = {"Authorization": f"Bearer {token}", "Accept": "application/json", **headers}
    body = None
    if payload is not None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        h["Content-Type"] = "application/json"
    return Request(method, path, h, body)
