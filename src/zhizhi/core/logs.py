"""What the application's own log lines may carry, and how often.

No query-string values:

A list's search box and the API's filters travel in the URL (`/cases/?q=13812345678`,
`GET /api/v1/cases?phone=…`): a case is looked up by its reporter's phone. The development server
(`make run`, Django's `runserver`) logs every request line through the `django.server` logger, query
string and all, so a search for a phone would be written to the terminal and to whatever keeps it.
`RedactQueryStrings` keeps the method, the path and the parameters' names (enough to see what was
asked for) and drops every value. The production server (`zhizhi serve`) writes no access log.

Not a line per request for the same failure: `report_outage` logs an outage (the cache down) at
most once a minute per process, with how many times it was not repeated.
"""

from __future__ import annotations

import logging
import re
import time

# A parameter name worth keeping: what the forms and the API use (`q`, `page_size`, `attribute[x]`).
# Anything else (a bare value, a name that could itself be a number) is dropped like a value.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,40}")
REDACTED = "…"


def redact_target(target: str) -> str:
    """`/cases/?q=138…&page=2` → `/cases/?q=…&page=…`."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    kept = []
    for part in query.split("&"):
        if not part:
            continue
        name, has_value, _ = part.partition("=")
        kept.append(f"{name}={REDACTED}" if has_value and _NAME.fullmatch(name) else REDACTED)
    return f"{path}?{'&'.join(kept)}"


def redact_request_line(line: str) -> str:
    """`GET /cases/?q=138… HTTP/1.1` with its query string's values dropped."""
    method, space, rest = line.partition(" ")
    if not space:
        return redact_target(line)
    target, space, version = rest.rpartition(" ")
    if not space:  # no protocol (an HTTP/0.9-style line)
        return f"{method} {redact_target(rest)}"
    return f"{method} {redact_target(target)} {version}"


class RedactQueryStrings(logging.Filter):
    """Drops the query string's values from `django.server`'s request lines, whose first argument
    is the request line (`WSGIRequestHandler.log_message`: `'"%s" %s %s'`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str):
            record.args = (redact_request_line(args[0]), *args[1:])
        return True


# How often each outage message may be logged, per process (seconds).
OUTAGE_LOG_SECONDS = 60.0
_outages: dict[str, list[float]] = {}  # message → [when last logged, times not logged since]
_clock = time.monotonic


def report_outage(logger: logging.Logger, message: str) -> None:
    """Log `message` as a warning at most once every OUTAGE_LOG_SECONDS in this process; the next
    line says how many times it was not repeated. Under load an outage would otherwise write a line
    for every request."""
    now = _clock()
    seen = _outages.get(message)
    if seen is not None and now - seen[0] < OUTAGE_LOG_SECONDS:
        seen[1] += 1
        return
    quiet = int(seen[1]) if seen is not None else 0
    _outages[message] = [now, 0]
    if quiet:
        logger.warning("%s (and %d more times since the last such line)", message, quiet)
    else:
        logger.warning("%s", message)
