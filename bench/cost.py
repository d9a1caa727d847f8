"""What a request costs in machine instructions, counted by callgrind: a figure that does not drift.

The HTTP benchmark's rates move by half within an hour on the shared VMs the benchmarks run on (the
same code, the same database: docs/benchmarks.md). Callgrind counts the instructions a process
executes, not seconds, so the same code on the same data gives the same count whatever else the
machine is doing and however fast its CPU is that hour: a change that saves work shows as fewer
instructions, run after run.

The worker process (`bench.worker cost`, run under `valgrind --tool=callgrind --dump-before=MARK`)
sends requests through Django's own WSGI handler in process — the middleware, the token check, the
view, the database round trips and the JSON answer, without the HTTP server — and calls `mark()`
between its phases. Callgrind writes its counters out and starts again at each mark, so each phase
lands in a file of its own: the start-up and warm-up, the creates, the bare requests, the teardown.
What PostgreSQL does is another process and not counted here (the HTTP benchmark's rates include it).
"""

from __future__ import annotations

import io
import math
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

# The C function callgrind dumps before: math.lgamma's, which nothing in the application calls.
MARK = "math_lgamma"

# The phases the worker marks off, in order; callgrind writes one file for each (see `read_parts`).
PHASES = ("startup", "create", "bare", "teardown")


def mark() -> None:
    """The boundary between two phases (a call of the C function MARK)."""
    math.lgamma(2.5)


def environ(method: str, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """A WSGI environ as a server builds it for one request on a keep-alive connection."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        env[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return env


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def send(app: WSGIApp, env: dict[str, Any]) -> int:
    """One request through `app`, its answer read whole; returns the status code."""
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(line)

    answer = app(env, start_response)
    try:
        b"".join(answer)
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()
    return int(status[0].split(" ", 1)[0])


def read_parts(out_file: Path) -> list[int]:
    """The instruction totals of callgrind's dumps of one run, in the order they were written: a dump
    at each mark goes to `<out>.1`, `<out>.2`, …, and what follows the last mark to `<out>` itself."""
    numbered = sorted(
        (int(p.name.rsplit(".", 1)[1]), p)
        for p in out_file.parent.glob(f"{out_file.name}.*")
        if p.name.rsplit(".", 1)[1].isdigit()
    )
    files = [p for _, p in numbered]
    if out_file.exists():
        files.append(out_file)
    return [_totals(p) for p in files]


_TOTALS = re.compile(r"^(?:totals|summary):\s*(\d+)", re.MULTILINE)


def _totals(path: Path) -> int:
    found = _TOTALS.search(path.read_text(encoding="utf-8", errors="replace"))
    if found is None:
        raise ValueError(f"{path}: no totals line (not a callgrind output file?)")
    return int(found.group(1))


def per_request(parts: list[int], requests: dict[str, int]) -> dict[str, int]:
    """Instructions per request of each measured phase, from the parts of `read_parts`."""
    if len(parts) != len(PHASES):
        raise ValueError(f"expected {len(PHASES)} callgrind parts ({', '.join(PHASES)}), found {len(parts)}")
    counts = dict(zip(PHASES, parts, strict=True))
    return {phase: round(counts[phase] / n) for phase, n in requests.items() if n}
