"""`zhizhi serve`: the production web server — granian, serving the WSGI application.

    DEBUG=0 SECRET_KEY=… DATABASE_URL=postgres://… ALLOWED_HOSTS=zhizhi.example.gov.cn \\
        zhizhi serve --host 0.0.0.0 --port 8000

One worker process per core (`--workers`, default: the machine's cores), each running requests on
`--threads` threads (default 4: a request spends much of its time waiting for the database, and a
few threads keep the core busy meanwhile). `make run` keeps Django's development server.

Why granian rather than gunicorn: on the benchmark machine (docs/benchmarks.md, fix 37) it served
the same application with a sixth less CPU per request (515–523 against 625–626 creates a second),
and its two workers shared 32 keep-alive clients far more evenly, where one of gunicorn's gthread
workers held up to 29 of the 32.

The command replaces itself with granian (`exec`), so that a process manager's signals reach the
server directly.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def granian_argv(*, app: str, host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--respawn-failed-workers",
        "--log-level",
        "warning",
        app,
    ]


class Command(BaseCommand):
    help = "Serve the application in production (granian, WSGI)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: the cores)"
        )
        parser.add_argument("--threads", type=int, default=4, help="request threads per worker (default 4)")
        parser.add_argument(
            "--app",
            default="zhizhi.wsgi:application",
            help="WSGI application (default zhizhi.wsgi:application)",
        )
        parser.add_argument("--dry-run", action="store_true", help="print the server's command line and exit")

    def handle(self, *args: Any, **o: Any) -> None:
        if not 1 <= o["port"] <= 65535:
            raise CommandError(f"--port must be between 1 and 65535, not {o['port']}")
        for name in ("workers", "threads"):
            if o[name] < 1:
                raise CommandError(f"--{name} must be at least 1, not {o[name]}")
        if ":" not in o["app"]:
            raise CommandError(f"--app must be module:attribute, not {o['app']!r}")
        argv = granian_argv(
            app=o["app"], host=o["host"], port=o["port"], workers=o["workers"], threads=o["threads"]
        )
        if o["dry_run"]:
            self.stdout.write(shlex.join(argv))
            return
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter, fixed arguments
