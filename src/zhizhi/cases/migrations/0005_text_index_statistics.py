"""The pair index's statistics: ANALYZE keeps the commonest pairs down to about 0.08% of the cases
(statistics target 400; PostgreSQL's default of 100 keeps those above about 0.8%). With the default,
a pair in one case of 170 (违章, in 违章搭建) looked rare to the planner, which then read all 6,000
of its rows in a grid worker's search instead of intersecting them with the grid's own (50 → 12 ms
at a million cases). ANALYZE of the cases table takes ~25 s at a million cases with it.
`search.common` reads the same statistics. PostgreSQL only."""

from django.db import migrations

TARGET = 400


def raise_target(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX case_text_bigrams ALTER COLUMN 1 SET STATISTICS {TARGET}")


def default_target(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX case_text_bigrams ALTER COLUMN 1 SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_status_due_scope_index")]

    operations = [migrations.RunPython(raise_target, default_target)]
