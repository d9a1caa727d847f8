"""The console side of a domain's figures and documents (`zhizhi petitions`, `zhizhi mediation`):

    zhizhi <domain> figures [--year Y] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--region CODE]
    zhizhi <domain> document CASE_ID KIND OUT.docx --user NAME [--reason R]

Exit codes: 0 ok; 2 an argument is unknown or the service refused (one line on stderr).
"""

from __future__ import annotations

import unicodedata
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from zhizhi.accounts.models import User
from zhizhi.core.errors import DomainError
from zhizhi.metrics.figures import FigureSet, Value
from zhizhi.metrics.period import FigureFilter


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期须为 YYYY-MM-DD：{value}", returncode=2) from None


def format_value(value: Value) -> str:
    if value.figure.is_rate:
        if value.value is None:
            return f"—（{value.numerator}/{value.denominator}）"
        return f"{value.value * 100:.1f}%（{value.numerator}/{value.denominator}）"
    return f"{value.value} {gettext(value.figure.unit)}"


class FiguresAndDocumentsCommand(BaseCommand):
    """`zhizhi <domain> figures …` and `zhizhi <domain> document …` for a domain that keeps figures
    (a `FigureSet` over `metrics.period.FigureFilter`) and generates .docx documents."""

    figures: FigureSet[FigureFilter]
    documents: Any  # the domain's documents module: KINDS and build(actor=, case_id=, kind=, reason=)
    figures_help = ""
    document_help = ""

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("figures", help=self.figures_help)
        p.add_argument("--year", type=int, default=None, help="年份")
        p.add_argument("--start", default=None, help="开始日期 YYYY-MM-DD")
        p.add_argument("--end", default=None, help="结束日期 YYYY-MM-DD")
        p.add_argument("--region", default=None, help="区域代码（含下级）")
        p = sub.add_parser("document", help=self.document_help)
        p.add_argument("case_id", type=int)
        p.add_argument("kind", choices=self.documents.KINDS)
        p.add_argument("file")
        p.add_argument("--user", required=True, help="以该人员的权限生成（记录个人信息查看日志）")
        p.add_argument("--reason", default="", help="事由")

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            getattr(self, "_" + o["action"])(o)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from exc

    def _figures(self, o: dict[str, Any]) -> None:
        f = FigureFilter.build(
            region=o["region"],
            year=o["year"],
            start=_date(o["start"]) if o["start"] else None,
            end=_date(o["end"]) if o["end"] else None,
        )
        where = f.region.name if f.region else "全部区域"
        period = f"{f.start or '…'} ~ {f.end or '…'}"
        self.stdout.write(f"{where}  {period}")
        values = self.figures.evaluate_all(f)
        labels = [gettext(v.figure.label) for v in values]
        width = max(_width(label) for label in labels)
        for label, value in zip(labels, values, strict=True):
            self.stdout.write(f"{_pad(label, width)}  {format_value(value)}")

    def _document(self, o: dict[str, Any]) -> None:
        user = User.objects.filter(username=o["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"人员不存在或已停用：{o['user']}", returncode=2)
        name, data = self.documents.build(
            actor=user, case_id=o["case_id"], kind=o["kind"], reason=o["reason"]
        )
        Path(o["file"]).write_bytes(data)
        self.stdout.write(f"wrote {o['file']} ({name})")
