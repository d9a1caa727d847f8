# Written by hand (PostgreSQL only): the same character pairs, from a function PostgreSQL can inline.

from django.db import migrations

# `zhizhi_bigrams` (migration 0003) ran as a SQL function with a FROM clause, which PostgreSQL
# cannot inline: every INSERT into cases_case set up and planned its body afresh to compute the
# row's entry in case_text_bigrams, 0.29 ms of the database's time per new case on the benchmark
# machine (docs/benchmarks.md, fix 42). This body is one expression, which PostgreSQL inlines into
# the index expression and into the search's (0.05 ms per row). It gives exactly the same text for
# every input: each character doubled ("东门漏水" → "东东门门漏漏水水"), the first and the last
# dropped ("东门门漏漏水"), a space after every two ("东门 门漏 漏水 "), the last space dropped. So
# the index's entries are unchanged and need no rebuilding; tests/cases/test_search.py compares the
# two bodies on awkward text.
INLINED = r"""
    CREATE OR REPLACE FUNCTION zhizhi_bigrams(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT left(regexp_replace(regexp_replace(regexp_replace(
            upper(coalesce(value, '')), '(.)', '\1\1', 'g'), '^.|.$', '', 'g'), '(..)', '\1 ', 'g'), -1)
    $$
"""
# The body of migration 0003.
AGGREGATED = """
    CREATE OR REPLACE FUNCTION zhizhi_bigrams(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(string_agg(substr(u, i, 2), ' ' ORDER BY i), '')
        FROM (SELECT upper(coalesce(value, '')) AS u) AS s,
             generate_series(1, greatest(char_length(u) - 1, 0)) AS i
    $$
"""


def inline(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INLINED)


def aggregate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AGGREGATED)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0006_category_point_index"),
    ]

    operations = [
        migrations.RunPython(inline, aggregate, elidable=False),
    ]
