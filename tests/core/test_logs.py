"""No query-string values in the development server's request lines (`zhizhi.core.logs`)."""

from __future__ import annotations

import io
import logging
import os
import selectors
import subprocess
import time
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.utils.log import ServerFormatter

from tests.core.servers import first_answer, free_port, start
from zhizhi.core import logs
from zhizhi.core.logs import redact_request_line, redact_target

PHONE = "13812345678"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/cases/", "/cases/"),
        (f"/cases/?q={PHONE}", "/cases/?q=…"),
        (f"/api/v1/cases?status=open&phone={PHONE}&page=2", "/api/v1/cases?status=…&phone=…&page=…"),
        (f"/cases/?{PHONE}", "/cases/?…"),  # a bare value
        (f"/cases/?{PHONE}=1", "/cases/?…"),  # a name that is not a parameter's name
        ("/open311/v2/requests.json?attribute[depth]=3&&", "/open311/v2/requests.json?attribute[depth]=…"),
        ("/cases/?q=", "/cases/?q=…"),
        ("/cases/?", "/cases/?"),
    ],
)
def test_a_target_keeps_its_path_and_names_and_drops_every_value(target: str, expected: str) -> None:
    assert redact_target(target) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /cases/?q={PHONE} HTTP/1.1", "GET /cases/?q=… HTTP/1.1"),
        ("POST /api/v1/cases HTTP/1.1", "POST /api/v1/cases HTTP/1.1"),
        (f"GET /cases/?q={PHONE}", "GET /cases/?q=…"),
        (f"/cases/?q={PHONE}", "/cases/?q=…"),
    ],
)
def test_a_request_line_keeps_its_method_and_protocol(line: str, expected: str) -> None:
    assert redact_request_line(line) == expected


def test_the_configured_logger_writes_the_line_without_the_phone() -> None:
    """Through the settings' logging configuration, as `runserver` logs a request."""
    logger = logging.getLogger("django.server")
    # pytest's own capture handlers sit beside it; the configured one has Django's server format
    (handler,) = [h for h in logger.handlers if isinstance(h.formatter, ServerFormatter)]
    assert isinstance(handler, logging.StreamHandler)
    out = io.StringIO()
    previous = handler.setStream(out)
    try:
        server = WSGIRequestHandler.__new__(WSGIRequestHandler)
        server.request = None  # type: ignore[assignment]
        server.log_message('"%s" %s %s', f"GET /cases/?q={PHONE}&status=open HTTP/1.1", "200", "5120")
        server.log_message('"%s" %s %s', f"GET /api/v1/cases?phone={PHONE} HTTP/1.1", "404", "58")
    finally:
        handler.setStream(previous)
    lines = out.getvalue().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        '"GET /cases/?q=…&status=… HTTP/1.1" 200 5120',
        '"GET /api/v1/cases?phone=… HTTP/1.1" 404 58',
    ]
    assert PHONE not in out.getvalue()


def test_make_runs_server_does_not_print_a_searched_phone(tmp_path: Path) -> None:
    """Django's development server (what `make run` serves with), in its own process."""
    port = free_port()
    proc = start(
        ["runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        tmp_path / "runserver.sqlite3",
        DEBUG="1",
        PYTHONUNBUFFERED="1",
    )
    output = b""
    try:
        answer = first_answer(proc, port, f"/healthz?q={PHONE}&page=2")
        assert answer is not None
        assert answer.status == 200
        # The server logs a request after answering it: read its output until the line is there.
        output = _read_until(proc, b"/healthz?", seconds=15)
    finally:
        proc.terminate()
        output += proc.communicate(timeout=15)[0]
    text = output.decode()
    assert '"GET /healthz?q=…&page=… HTTP/1.1" 200' in text
    assert PHONE not in text


def _read_until(proc: subprocess.Popen[bytes], marker: bytes, *, seconds: float) -> bytes:
    """What the process has written so far, read until `marker` is in it (or `seconds` pass)."""
    assert proc.stdout is not None
    out, deadline = b"", time.monotonic() + seconds
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while marker not in out and time.monotonic() < deadline:
            if sel.select(timeout=0.2):
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                out += chunk
    return out


def test_an_outage_is_logged_once_a_minute_with_the_count_it_stands_for(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(logs, "_outages", {})
    now = [1000.0]
    monkeypatch.setattr(logs, "_clock", lambda: now[0])
    log = logging.getLogger("zhizhi.test")
    with caplog.at_level(logging.WARNING, logger="zhizhi.test"):
        logs.report_outage(log, "cache down")
        for step in (1.0, 30.0, 28.9):  # 59.9 s after the first line
            now[0] += step
            logs.report_outage(log, "cache down")
        logs.report_outage(log, "another message")
        now[0] += 0.1  # 60 s
        logs.report_outage(log, "cache down")
        now[0] += 1.0
        logs.report_outage(log, "cache down")
    assert [r.getMessage() for r in caplog.records] == [
        "cache down",
        "another message",
        "cache down (and 3 more times since the last such line)",
    ]
