"""What the figures were measured on: CPU, memory, software versions, the git commit."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def postgres_info(url: str) -> dict[str, Any] | None:
    """Server version and the settings that matter for these figures; None when unreachable."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            info: dict[str, Any] = {}
            for name in ("server_version", "shared_buffers", "work_mem", "effective_cache_size", "jit"):
                row = conn.execute(f"SHOW {name}").fetchone()
                info[name] = row[0] if row else None
            return info
    except psycopg.Error:
        return None


def machine_info(postgres_url: str | None = None) -> dict[str, Any]:
    status = _git("status", "--porcelain")
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": _version("Django"),
        "django_ninja": _version("django-ninja"),
        "psycopg": _version("psycopg"),
        "granian": _version("granian"),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_info(postgres_url) if postgres_url else None,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
    }


def _cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return idle, sum(fields)


def cpu_busy(seconds: float = 2.0) -> float | None:
    """The share of all cores busy over the next `seconds` (None where /proc/stat is missing)."""
    import time

    try:
        idle0, total0 = _cpu_times()
        time.sleep(seconds)
        idle1, total1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    total = total1 - total0
    return round(1 - (idle1 - idle0) / total, 3) if total > 0 else None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def wait_idle(timeout: float, *, busy_below: float = 0.15, say: Any = print) -> float | None:
    """Wait (up to `timeout` seconds) until the machine is quiet: less than `busy_below` of the
    cores busy over 3 s. Other people's test runs on a shared machine would skew every figure."""
    import time

    deadline = time.monotonic() + timeout
    busy = cpu_busy(3.0)
    warned = False
    while busy is not None and busy >= busy_below and time.monotonic() < deadline:
        if not warned:
            say(f"machine busy ({busy:.0%} of the cores): waiting up to {timeout:.0f} s for it to be quiet")
            warned = True
        time.sleep(5)
        busy = cpu_busy(3.0)
    return busy
