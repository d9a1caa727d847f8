"""Seed the working-day calendar from the chinesecalendar package (1.11.0: 2004–2026).

Every year the package knows becomes a published CalendarYear; its `holidays` become "holiday"
rows and its `workdays` (adjusted working days, 调休) "workday" rows, named in Chinese.
Later years are entered in the admin or with `zhizhi calendar import` when the notice is out.
"""

from django.db import migrations


def _source():
    try:
        from importlib.metadata import version

        return f"chinesecalendar {version('chinesecalendar')}"
    except Exception:  # pragma: no cover - metadata missing in odd installs
        return "chinesecalendar"


def _chinese_names():
    from chinese_calendar.constants import Holiday

    return {h.value: h.chinese for h in Holiday}


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    names = _chinese_names()
    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    years = list(range(years[0], years[-1] + 1))
    source = _source()

    existing_years = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, published=True, source=source) for y in years if y not in existing_years]
    )

    existing_dates = set(CalendarDay.objects.filter(year__in=years).values_list("date", flat=True))
    rows = []
    for kind, table in (("holiday", chinese_calendar.holidays), ("workday", chinese_calendar.workdays)):
        for day, english in table.items():
            if day in existing_dates:
                continue
            rows.append(CalendarDay(date=day, kind=kind, name=names.get(english, english), year=day.year))
    rows.sort(key=lambda r: r.date)
    CalendarDay.objects.bulk_create(rows, batch_size=500)


def unseed(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    dates = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    CalendarDay.objects.filter(date__in=dates).delete()
    CalendarYear.objects.filter(source__startswith="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed, elidable=False),
    ]
