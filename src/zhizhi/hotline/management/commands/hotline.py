"""`zhizhi hotline figures [--year Y] [--region CODE] [--as-of ISO]`: the hotline figures, one per line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhizhi.core.errors import DomainError
from zhizhi.hotline import figures


class Command(BaseCommand):
    help = "Hotline figures (calls, timeliness, visits, meetings) for a region subtree and year"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("figures", help="print the hotline figures")
        p.add_argument("--year", type=int)
        p.add_argument("--region", help="region code: that subtree")
        p.add_argument("--as-of", help="ISO date-time with offset (default: end of the period or now)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            as_of = datetime.fromisoformat(opts["as_of"]) if opts.get("as_of") else None
        except ValueError:
            raise CommandError(f"invalid --as-of: {opts['as_of']}", returncode=2) from None
        if as_of is not None and as_of.tzinfo is None:
            raise CommandError("--as-of needs an offset, e.g. 2024-01-01T00:00:00+08:00", returncode=2)
        try:
            f = figures.FigureFilter.build(region=opts.get("region"), year=opts.get("year"), as_of=as_of)
            for code, fig in figures.FIGURES.items():
                part, whole = fig.parts(f)
                if whole is None:
                    self.stdout.write(f"{code}\t{part}")
                else:
                    rate = f"{part / whole:.2%}" if whole else "—"
                    self.stdout.write(f"{code}\t{rate}\t{part}/{whole}")
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from None
