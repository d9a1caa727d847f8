"""`zhizhi calendar`: look at, import and try out the working-day calendar.

    zhizhi calendar show 2027
    zhizhi calendar import 2027.csv [--source "国办发明电〔2026〕N号"] [--replace]
    zhizhi calendar add "2026-12-20 09:00" 15 working_days
    zhizhi calendar recompute

The import file has the columns date,kind,name (header optional; kind is holiday/workday, or
放假/休 and 上班/班). Every row is checked first; on any error nothing is written, each error is
reported on its own line with its row number, and the exit code is 2. A valid file is written in
one transaction and its years are marked published; afterwards open cases whose deadline was
provisional are recomputed (when the cases app provides `recompute_provisional`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed
from zhizhi.core.models import CalendarDay, CalendarYear, DayKind

WEEKDAYS = "一二三四五六日"
KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
}
COLUMNS = ("date", "kind", "name")
NAME_MAX = CalendarDay._meta.get_field("name").max_length or 100


@dataclass(frozen=True)
class Row:
    number: int
    date: date
    kind: str
    name: str


def _weekday(d: date) -> str:
    return "周" + WEEKDAYS[d.weekday()]


def parse_rows(path: Path) -> tuple[list[Row], list[str]]:
    """Read and check every row; return (rows, errors). Row numbers count the header as row 1."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            records = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [], [f"{path}: cannot read: {exc}"]

    errors: list[str] = []
    index = {c: i for i, c in enumerate(COLUMNS)}
    start = 0
    if records and records[0] and records[0][0].strip().lower().lstrip("\ufeff") in COLUMNS:
        header = [c.strip().lower() for c in records[0]]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            return [], [f"row 1: header lacks column(s) {', '.join(missing)} (expected date,kind,name)"]
        index = {c: header.index(c) for c in COLUMNS}
        start = 1

    rows: list[Row] = []
    seen: dict[date, int] = {}
    width = max(index.values()) + 1
    for number, record in enumerate(records[start:], start=start + 1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < width:
            errors.append(f"row {number}: expected columns date,kind,name, got {len(record)} column(s)")
            continue
        raw_date, raw_kind, name = (record[index[c]].strip() for c in COLUMNS)
        row_errors: list[str] = []
        day: date | None
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            day = None
            row_errors.append(f"invalid date {raw_date!r} (expected YYYY-MM-DD)")
        kind = KIND_ALIASES.get(raw_kind.lower())
        if kind is None:
            row_errors.append(f"invalid kind {raw_kind!r} (expected holiday or workday)")
        if not name:
            row_errors.append("name is empty")
        elif len(name) > NAME_MAX:
            row_errors.append(f"name longer than {NAME_MAX} characters")
        if day is not None and kind == DayKind.WORKDAY and day.weekday() < 5:
            row_errors.append(
                f"{day} is a {_weekday(day)}; an adjusted working day (workday) must be a Saturday or Sunday"
            )
        if day is not None and day in seen:
            row_errors.append(f"duplicate date {day} (also row {seen[day]})")
        if row_errors or day is None or kind is None:
            errors.extend(f"row {number}: {message}" for message in row_errors)
            continue
        seen[day] = number
        rows.append(Row(number=number, date=day, kind=kind, name=name))
    if not rows and not errors:
        errors.append(f"{path}: no rows")
    return rows, errors


def parse_start(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"invalid START {text!r} (expected e.g. 2026-12-20, '2026-12-20 09:00' or 2026-12-20T09:00+08:00)",
            returncode=2,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=calendar.TZ)
    return moment


class Command(BaseCommand):
    help = "Working-day calendar: show a year, import a holiday notice (CSV), compute a deadline."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{show,import,add,recompute}")
        show = sub.add_parser("show", help="list a year's holidays and adjusted working days")
        show.add_argument("year", type=int)
        imp = sub.add_parser("import", help="import a year's notice from CSV (date,kind,name)")
        imp.add_argument("file", type=Path)
        imp.add_argument("--source", default="", help="notice reference, e.g. 国办发明电〔2026〕N号")
        imp.add_argument(
            "--replace",
            action="store_true",
            help="also delete existing rows of the file's years that the file does not list",
        )
        add = sub.add_parser("add", help="deadline AMOUNT UNIT after START (naive START = Asia/Shanghai)")
        add.add_argument("start")
        add.add_argument("amount")
        add.add_argument("unit", choices=calendar.UNITS)
        sub.add_parser("recompute", help="recompute open cases' provisional deadlines (done after import)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "show":
            self.show(options["year"])
        elif action == "import":
            self.import_csv(options["file"], source=options["source"], replace=options["replace"])
        elif action == "add":
            self.add(options["start"], options["amount"], options["unit"])
        elif action == "recompute":
            self.recompute()

    # ---------------------------------------------------------------------------------------

    def show(self, year: int) -> None:
        if not 1 <= year <= 9998:
            raise CommandError(f"invalid year {year}", returncode=2)
        calendar.reload()
        record = CalendarYear.objects.filter(year=year).first()
        published = record is not None and record.published
        days = list(CalendarDay.objects.filter(year=year).order_by("date"))
        if record is not None and record.published:
            self.stdout.write(f"{year}: published" + (f" — {record.source}" if record.source else ""))
        else:
            self.stdout.write(
                f"{year}: no published notice — provisional: Monday–Friday minus "
                "元旦 1/1, 劳动节 5/1–5/2, 国庆节 10/1–10/3; deadlines counted in this year are provisional"
            )
            if days:
                self.stdout.write(
                    f"  ({len(days)} draft row(s) below are not in effect until the year is published)"
                )
        holidays = [d for d in days if d.kind == DayKind.HOLIDAY]
        workdays = [d for d in days if d.kind == DayKind.WORKDAY]
        if not published:
            drafted = {d.date for d in days}
            for (month, dom), name in calendar.FALLBACK_HOLIDAYS.items():
                fixed = date(year, month, dom)
                if fixed not in drafted:
                    holidays.append(CalendarDay(date=fixed, kind=DayKind.HOLIDAY, name=name + "（固定日期）"))
            holidays.sort(key=lambda d: d.date)
        self.stdout.write("holidays (放假):")
        for d in holidays:
            self.stdout.write(f"  {d.date} {_weekday(d.date)} {d.name}")
        if not holidays:
            self.stdout.write("  (none)")
        self.stdout.write("adjusted working days (调休上班):")
        for d in workdays:
            self.stdout.write(f"  {d.date} {_weekday(d.date)} {d.name}")
        if not workdays:
            self.stdout.write("  (none)")
        total = calendar.working_days_between(date(year - 1, 12, 31), date(year, 12, 31))
        self.stdout.write(f"working days: {total}" + ("" if published else " (provisional)"))

    def import_csv(self, path: Path, *, source: str, replace: bool) -> None:
        rows, errors = parse_rows(path)
        if errors:
            raise CommandError("\n".join(errors), returncode=2)
        years = sorted({r.date.year for r in rows})
        source = source or f"import {path.name}"
        with transaction.atomic():
            created = updated = 0
            for r in rows:
                _, was_created = CalendarDay.objects.update_or_create(
                    date=r.date, defaults={"kind": r.kind, "name": r.name}
                )
                created += was_created
                updated += not was_created
            deleted = 0
            if replace:
                listed = [r.date for r in rows]
                for stale in CalendarDay.objects.filter(year__in=years).exclude(date__in=listed):
                    stale.delete()
                    deleted += 1
            for year in years:
                CalendarYear.objects.update_or_create(
                    year=year, defaults={"published": True, "source": source}
                )
        calendar.reload()
        self.stdout.write(
            f"imported {len(rows)} row(s) ({created} new, {updated} updated"
            + (f", {deleted} deleted" if replace else "")
            + f"); published: {', '.join(map(str, years))}"
        )
        self.recompute()

    def recompute(self) -> None:
        try:
            from zhizhi.cases.sla import recompute_provisional  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            self.stdout.write(
                "open cases: not recomputed (zhizhi.cases.sla.recompute_provisional unavailable)"
            )
            return
        try:
            count = recompute_provisional()
        except Exception as exc:
            raise CommandError(
                f"recomputing provisional case deadlines failed: {exc} "
                "(the calendar itself is saved; retry with `zhizhi calendar recompute`)"
            ) from exc
        self.stdout.write(f"recomputed {count} open case deadline(s) that were provisional")

    def add(self, start_text: str, amount_text: str, unit: str) -> None:
        start = parse_start(start_text)
        try:
            amount = int(amount_text)
        except ValueError:
            raise CommandError(
                f"invalid AMOUNT {amount_text!r} (expected an integer)", returncode=2
            ) from None
        try:
            due = calendar.add(start, amount, unit)
        except ValidationFailed as exc:
            raise CommandError(f"{exc.code}: {exc.message}", returncode=2) from None
        at = due.at.astimezone(calendar.TZ)
        line = f"{at:%Y-%m-%d %H:%M:%S} Asia/Shanghai ({_weekday(at.date())})"
        if due.provisional:
            line += " provisional"
        self.stdout.write(line)
