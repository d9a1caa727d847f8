"""A server started in its own process by a test: a free port, and its first answer."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], database: Path, **env: str) -> subprocess.Popen[bytes]:
    """`python -m zhizhi.manage ARGS` on the SQLite file `database`, with `env` added to the
    environment; its output (stdout and stderr) on one pipe."""
    full = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhizhi.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        **env,
    }
    command = [sys.executable, "-m", "zhizhi.manage", *args]
    return subprocess.Popen(command, env=full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]  # names in lower case


def first_answer(
    proc: subprocess.Popen[bytes], port: int, path: str, *, seconds: float = 30
) -> Answer | None:
    """GET `path` until the server in `proc` answers (None if it exits or `seconds` pass first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            response = conn.getresponse()
            answer = Answer(
                response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
            )
            conn.close()
            return answer
        except OSError:
            time.sleep(0.2)
    return None
