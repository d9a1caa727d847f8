"""`zhizhi serve`: the production server's command line, its refusals, and a real server answering."""

from __future__ import annotations

import json
import os
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.core.servers import first_answer, free_port, start


def serve(*args: str) -> str:
    out = StringIO()
    call_command("serve", *args, stdout=out)
    return out.getvalue().strip()


def test_the_command_line_is_granian_serving_the_wsgi_application() -> None:
    line = serve("--dry-run", "--host", "0.0.0.0", "--port", "8080", "--workers", "3", "--threads", "2")  # noqa: S104
    assert line == (
        f"{sys.executable} -m granian --interface wsgi --host 0.0.0.0 --port 8080 --workers 3 "
        "--blocking-threads 2 --respawn-failed-workers --log-level warning zhizhi.wsgi:application"
    )


def test_by_default_one_worker_per_core_and_four_threads_on_localhost() -> None:
    line = serve("--dry-run").split()
    assert line[line.index("--workers") + 1] == str(os.cpu_count() or 1)
    assert line[line.index("--blocking-threads") + 1] == "4"
    assert (line[line.index("--host") + 1], line[line.index("--port") + 1]) == ("127.0.0.1", "8000")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "--port must be between 1 and 65535, not 0"),
        (["--workers", "0"], "--workers must be at least 1, not 0"),
        (["--threads", "-1"], "--threads must be at least 1, not -1"),
        (["--app", "zhizhi.wsgi"], "--app must be module:attribute, not 'zhizhi.wsgi'"),
    ],
)
def test_bad_options_are_refused_in_one_line(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as refused:
        serve("--dry-run", *args)
    assert str(refused.value) == message


def test_the_server_answers_over_http(tmp_path: Path) -> None:
    port = free_port()
    proc = start(
        ["serve", "--port", str(port), "--workers", "1"],
        tmp_path / "serve.sqlite3",
        DEBUG="0",
        SECRET_KEY="test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1",
    )
    try:
        answer = first_answer(proc, port, "/healthz")
        assert answer is not None
        assert (answer.status, json.loads(answer.body), answer.headers.get("x-frame-options")) == (
            200,
            {"status": "ok", "database": "sqlite"},
            "DENY",
        )
    finally:
        proc.terminate()
        proc.wait(timeout=15)
