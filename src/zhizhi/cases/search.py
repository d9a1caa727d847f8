"""Text search over cases (`q` of every case list): a substring of the title, description or address.

The answer is always Django's `icontains` on those three columns, on every database. On PostgreSQL
a list of a million cases cannot scan them all for each search (docs/benchmarks.md, "Lists"), so a
GIN index (migration cases 0003) holds each case's text as overlapping character pairs — most
Chinese search words are two characters, too short for trigrams — and the search first narrows the
rows to those holding every pair of its own text, through that index. A row that contains the text
contains all of its pairs, so the narrowing never loses a match; the substring test then drops the
rows that hold the pairs apart.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Substr, Upper

INDEX = "case_text_bigrams"  # migration cases 0003
# A word held by at least this share of all cases is "common": a list of most cases meets a page —
# and the 1,001 matches a list counts — within the newest 1,001 / share rows, which is cheaper than
# reading its posting list (垃圾, in 11% of the cases: 107,000 entries, 45 ms at a million cases).
COMMON_SHARE = 0.05
# How many of the newest rows a count of a common word reads at most before it falls back to the
# index: twice what the share promises, so that only a wrong estimate pays for both.
COMMON_WINDOW = 40_000
STATS_SECONDS = 600.0  # how long a process keeps the index statistics (ANALYZE refreshes them)


class _Document(Func):
    """The indexed expression of migration cases 0003_list_indexes; the two must stay identical
    (tests/cases/test_search.py checks that PostgreSQL's plan uses the index)."""

    template = "to_tsvector('simple'::regconfig, zhizhi_bigrams(%(expressions)s))"
    arg_joiner = " || ' ' || "
    output_field = TextField()


class _Pairs(Func):
    """The search text's pairs at `pair_starts`, as the index holds them (upper-cased, one term each)."""

    template = "plainto_tsquery('simple'::regconfig, concat_ws(' ', %(expressions)s))"
    output_field = TextField()

    def __init__(self, text: str) -> None:
        upper = Upper(Value(text, output_field=TextField()))
        super().__init__(*(Substr(upper, start, 2) for start in pair_starts(len(text))))


def pair_starts(length: int) -> list[int]:
    """Where the pairs the search asks the index for start (1-based): every other pair, and the last.
    They cover every character with half the terms. With every pair, the planner — which takes the
    terms as independent and multiplies their frequencies, while the overlapping pairs of one word
    come together — expects a handful of rows, skips the scope's own indexes and fetches every row
    holding the word (150 ms for 路灯不亮 in a grid worker's list at 1M cases, 10 ms this way)."""
    starts = list(range(1, length, 2))
    if starts and starts[-1] != length - 1:
        starts.append(length - 1)
    return starts


class _Matches(Func):
    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


def text_q(text: str) -> Q:
    """Cases whose title, description or address contains `text` (case-insensitive).

    Text with no cased letter (Chinese, digits) matches the same rows either way, so it is
    compared as it is: PostgreSQL's `icontains` upper-cases every row's text first, which is three
    quarters of a search's cost when it reads rows without the index (docs/benchmarks.md)."""
    lookup = "icontains" if has_case(text) else "contains"
    return (
        Q(**{f"title__{lookup}": text})
        | Q(**{f"description__{lookup}": text})
        | Q(**{f"address__{lookup}": text})
    )


def has_case(text: str) -> bool:
    """Does `text` hold a letter that has an upper or lower case (so that case-insensitivity matters)?"""
    return text.upper() != text or text.lower() != text


def asked_pairs(text: str) -> list[str]:
    """The index terms a search for `text` asks for (as `_Pairs` builds them: the text upper-cased,
    each pair lower-cased by the 'simple' configuration)."""
    upper = text.upper()
    return [upper[i - 1 : i + 1].lower() for i in pair_starts(len(text))]


_stats: tuple[float, dict[str, float]] | None = None
_stats_lock = threading.Lock()


def pair_shares() -> dict[str, float]:
    """The share of all cases holding each of the index's commonest terms: PostgreSQL's own statistics
    of the pair index (`pg_stats.most_common_elems`, gathered by ANALYZE), read once per process
    every STATS_SECONDS. Empty where there are none (other databases, a table never analysed)."""
    global _stats
    now = time.monotonic()
    cached = _stats
    if cached is not None and now - cached[0] < STATS_SECONDS:
        return cached[1]
    with _stats_lock:
        cached = _stats  # another thread may have read them while this one waited
        if cached is not None and now - cached[0] < STATS_SECONDS:
            return cached[1]
        shares: dict[str, float] = {}
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT u.term, u.share FROM pg_stats AS s, "
                    "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(term, share) "
                    "WHERE s.tablename = %s AND u.term IS NOT NULL",
                    [INDEX],
                )
                shares = {term: float(share) for term, share in cursor.fetchall()}
        _stats = (now, shares)
        return shares


def forget_stats() -> None:
    """Read the statistics again at the next search (tests; after ANALYZE)."""
    global _stats
    _stats = None


def use_stats(shares: dict[str, float]) -> None:
    """Take these shares as the statistics for STATS_SECONDS (tests)."""
    global _stats
    _stats = (time.monotonic(), dict(shares))


def common(text: str) -> bool:
    """Is `text` likely in at least COMMON_SHARE of all cases? Its rarest asked pair's share is an upper
    bound of the text's own; a pair outside the statistics' commonest is taken as rare. An estimate
    that only chooses a plan: `count_recent` checks it, and the answer never depends on it."""
    if len(text) < 2:
        return False
    shares = pair_shares()  # none outside PostgreSQL
    return min((shares.get(pair, 0.0) for pair in asked_pairs(text)), default=0.0) >= COMMON_SHARE


def count_recent(qs: QuerySet[Any], text: str, *, limit: int, window: int | None = None) -> int:
    """How many of the newest `window` (COMMON_WINDOW) rows of `qs` (newest first, as the lists order) contain `text`,
    counting up to `limit`. It reads rows newest first and stops at the limit'th match, never past the
    window: a common word's count costs the few thousand rows that hold its first `limit` matches."""
    hit = ExpressionWrapper(text_q(text), output_field=BooleanField())
    recent = qs.annotate(hit=hit).order_by("-received_at", "-id").values("hit")[: window or COMMON_WINDOW]
    sql, params = recent.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM ({sql}) AS recent WHERE recent.hit LIMIT %s) AS hits",  # noqa: S608 - Django's own SQL
            [*params, limit],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def narrowing(text: str) -> _Matches | None:
    """The index condition for `text` on PostgreSQL, or None where it cannot help: other databases,
    one-character searches (no pair), and text with no letter or digit (pairs of punctuation hold
    no searchable word)."""
    if connection.vendor != "postgresql" or len(text) < 2 or not any(ch.isalnum() for ch in text):
        return None
    document = _Document(Cast(F("title"), TextField()), F("description"), Cast(F("address"), TextField()))
    return _Matches(document, _Pairs(text))
