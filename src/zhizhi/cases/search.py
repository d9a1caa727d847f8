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

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, TextField, Value
from django.db.models.functions import Cast, Substr, Upper


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
    """Cases whose title, description or address contains `text` (case-insensitive)."""
    return Q(title__icontains=text) | Q(description__icontains=text) | Q(address__icontains=text)


def narrowing(text: str) -> _Matches | None:
    """The index condition for `text` on PostgreSQL, or None where it cannot help: other databases,
    one-character searches (no pair), and text with no letter or digit (pairs of punctuation hold
    no searchable word)."""
    if connection.vendor != "postgresql" or len(text) < 2 or not any(ch.isalnum() for ch in text):
        return None
    document = _Document(Cast(F("title"), TextField()), F("description"), Cast(F("address"), TextField()))
    return _Matches(document, _Pairs(text))
