"""The server under test (`zhizhi serve`: granian, 2 worker processes) and the clients that load it.

Clients are coroutines of one asyncio loop in one process, each with its own keep-alive HTTP/1.1
connection, each sending its next request when the answer to the last has been read (a closed
loop). They share the machine's cores with the server and the database, which the report says, so
they are kept cheap: a request and its answer cost the client 0.16 ms of CPU, against 0.3 ms for
the `http.client` threads this module used until the seventh session (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
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
    # What `probe` found once every client had its connection (`connections_per_process`: how the
    # server's worker processes shared the clients, fewest first); empty without a probe.
    split: list[int] = field(default_factory=list)

    @classmethod
    def pooled(cls, runs: list[Run]) -> Run:
        """Several runs as one: their requests, statuses, errors and clients together, their
        durations added (so the rate is the requests completed over the time spent loading)."""
        out = cls()
        for r in runs:
            out.seconds += r.seconds
            out.latencies.extend(r.latencies)
            for status, n in r.statuses.items():
                out.statuses[status] = out.statuses.get(status, 0) + n
            out.errors.extend(r.errors)
            out.client_means.extend(r.client_means)
            out.last_body = r.last_body or out.last_body
        return out

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
            "connections_per_worker": self.split,
        }


class _Connection:
    """One keep-alive HTTP/1.1 connection: a request written whole, its answer read by its
    Content-Length (or chunks, or to the end when the server closes)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    def encode(self, req: Request) -> bytes:
        body = req.body or b""
        head = [f"{req.method} {req.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in req.headers.items()]
        head.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body

    async def send(self, data: bytes) -> tuple[int, bytes]:
        """Send an encoded request; a connection the server had closed while it stood idle is
        opened again once."""
        for attempt in (1, 2):
            fresh = self.streams is None
            if self.streams is None:
                self.streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self.streams
            try:
                writer.write(data)
                status, body, close = await _answer(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.close()
                if fresh or attempt == 2:
                    raise
                continue
            if close:
                self.close()
            return status, body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body, and whether the server closes the connection after it."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, close = None, False, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            close = value == b"close"
    if length is not None:
        return status, await reader.readexactly(length), close
    if not chunked:
        return status, await reader.read(), True
    parts = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")  # the empty trailer
    return status, b"".join(parts), close


def load(
    server: Server,
    make: Callable[[int, int], Request],
    *,
    clients: int,
    seconds: float | None = None,
    count: int | None = None,
    timeout: float = 60.0,
    probe: Callable[[], list[int]] | None = None,
) -> Run:
    """`clients` clients send `make(client, i)` back to back for `seconds` (or `count` requests in
    all); the phase's throughput counts requests completed inside it. A request's latency runs from
    the first byte written to the last byte of its answer read. `probe` runs once (in a thread,
    while the clients go on) when every client has had its first answer, and its result is the
    run's `split`."""
    if (seconds is None) == (count is None):
        raise ValueError("give seconds or count")
    return asyncio.run(
        _load(server, make, clients=clients, seconds=seconds, count=count, timeout=timeout, probe=probe)
    )


async def _load(
    server: Server,
    make: Callable[[int, int], Request],
    *,
    clients: int,
    seconds: float | None,
    count: int | None,
    timeout: float,
    probe: Callable[[], list[int]] | None = None,
) -> Run:
    run = Run()
    issued = 0
    answered: set[int] = set()  # the clients that have had an answer on their connection
    connected = asyncio.Event()
    t0 = time.perf_counter()
    deadline = t0 + seconds if seconds is not None else float("inf")

    async def client(c: int) -> None:
        nonlocal issued
        conn = _Connection(server.host, server.port)
        latencies: list[float] = []
        try:
            while time.perf_counter() < deadline and (count is None or issued < count):
                data = conn.encode(make(c, issued))
                issued += 1
                began = time.perf_counter()
                try:
                    async with asyncio.timeout(timeout):
                        status, body = await conn.send(data)
                except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
                    conn.close()
                    run.errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - began)
                if c not in answered:
                    answered.add(c)
                    if len(answered) == clients:
                        connected.set()
                run.statuses[status] = run.statuses.get(status, 0) + 1
                if status >= 400 and len(run.errors) < 5:
                    run.errors.append(f"{status}: {body[:300]!r}")
                if body:
                    run.last_body = body
        finally:
            conn.close()
            run.latencies.extend(latencies)
            if latencies:
                run.client_means.append(sum(latencies) / len(latencies))

    async def look(probe: Callable[[], list[int]]) -> None:
        await connected.wait()
        run.split = await asyncio.to_thread(probe)

    looking = asyncio.create_task(look(probe)) if probe is not None else None
    await asyncio.gather(*(client(c) for c in range(clients)))
    run.seconds = time.perf_counter() - t0
    if looking is not None:
        if connected.is_set():
            await looking  # (the clients may all be done before the thread is)
        else:
            looking.cancel()  # a client never had an answer: nothing to look at
    return run


def connections_per_process(port: int) -> list[int]:
    """How many established TCP connections to local `port` each process holds on the server's
    side, fewest first, as `ss` shows their owners: for a server of several worker processes, how
    the kernel shared its clients among them (whichever worker accepts a keep-alive connection
    serves it until it closes). Empty where `ss` (iproute2) is not installed."""
    if shutil.which("ss") is None:
        return []
    out = subprocess.run(  # noqa: S603
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    ).stdout
    counts: dict[str, int] = {}
    for line in out.splitlines():
        if owner := re.search(r"pid=(\d+)", line):  # a connection's first owner (one line each)
            counts[owner[1]] = counts.get(owner[1], 0) + 1
    return sorted(counts.values())


def json_request(method: str, path: str, token: str, payload: Any = None, **headers: str) -> Request:
    h = {"Authorization": f"Bearer {token}", "Accept": "application/json", **headers}
    body = None
    if payload is not None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        h["Content-Type"] = "application/json"
    return Request(method, path, h, body)
