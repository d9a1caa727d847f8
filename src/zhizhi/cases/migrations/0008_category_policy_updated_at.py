"""When a category or an SLA policy last changed (the Open311 discovery's changeset follows them).

Rows that exist already carry the date of the Open311 interface's release, so an existing
installation's changeset does not jump forward on upgrade (rows seeded after this migration, on a
fresh installation, carry the time they were written)."""

import datetime

from django.db import migrations, models

RELEASED = datetime.datetime(2026, 11, 28, 16, 0, tzinfo=datetime.UTC)  # 2026-11-29T00:00+08:00


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_bigrams_inlined")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=RELEASED, verbose_name="更新时间"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="slapolicy",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=RELEASED, verbose_name="更新时间"),
            preserve_default=False,
        ),
    ]
