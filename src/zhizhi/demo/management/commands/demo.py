"""`zhizhi demo [--seed N] [--year 2023] [--scale 1.0] [--if-empty] [--reset]`: build the demo township."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from zhizhi.demo import builder


class Command(BaseCommand):
    help = (
        "Build a deterministic demo township (六横镇: 35 villages, 52 grids, 238 micro-grids, staff, and a "
        "year of cases). Refuses when the database holds data, unless --if-empty or --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2023, help="random seed (default 2023)")
        parser.add_argument("--year", type=int, default=2023, help="the demo year (default 2023)")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="case volume relative to the 2023 summary (default 1.0)"
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--if-empty", action="store_true", help="do nothing when any territory exists")
        mode.add_argument("--reset", action="store_true", help="delete previous demo data first")

    def handle(self, *args: Any, **o: Any) -> None:
        def out(line: str) -> None:
            self.stdout.write(line)

        if not 1900 < o["year"] < 3000:
            raise CommandError("--year must be a four-digit year")
        if o["if_empty"] and builder.has_data():
            self.stdout.write("demo: the database already holds data; nothing to do (--if-empty)")
            return
        # One transaction: a build that fails (or refuses) after --reset leaves the old demo in place.
        with transaction.atomic():
            if o["reset"]:
                builder.reset(out)
            if builder.has_data():
                if o["reset"]:
                    raise CommandError(
                        "the database holds data that is not demo data; refusing to build the demo"
                    )
                raise CommandError(
                    "the database already holds data; use --reset to rebuild the demo or --if-empty"
                )
            self.stdout.write(f"demo: seed {o['seed']}, year {o['year']}, scale {o['scale']:g}")
            try:
                result = builder.build(seed=o["seed"], year=o["year"], scale=o["scale"], out=out)
            except builder.DemoError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(result.table)
