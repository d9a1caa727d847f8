"""`zhizhi safety …` — workplace-safety registers, ledgers and figures from the console.

    zhizhi safety import register.xlsx [--kind enterprise] [--register]   # preview
    zhizhi safety import register.xlsx --apply                            # write (all or nothing)
    zhizhi safety export orgs.xlsx [--region CODE] [--kind K] [--listed] [--reveal --user NAME]
    zhizhi safety ledger ledger.xlsx [--region CODE] [--year Y] [--committee C] [--campaign ID]
    zhizhi safety never-inspected [--region CODE] [--year Y] [--committee C] [--kind K] [--xlsx F]
    zhizhi safety figures [--region CODE] [--year Y] [--committee C] [--campaign ID] [--kind K]

Exit codes: 0 ok; 2 the file has errors (one "row N: reason" line each, nothing written), cannot
be read, or an argument is unknown.
"""

from __future__ import annotations

import unicodedata
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhizhi.accounts.models import User
from zhizhi.core.errors import DomainError
from zhizhi.safety import figures, importer, ledger, queries
from zhizhi.safety.models import OrgKind

ACTION_LABELS = {"create": "新增", "update": "更新", "unchanged": "不变", "": "错误"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(rows: list[list[str]]) -> list[str]:
    header, body = rows[0], rows[1:]
    widths = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *[line(r) for r in body]]


def _filter_args(p: ArgumentParser, *, campaign: bool = True) -> None:
    p.add_argument("--region", default=None, help="区域代码（含下级）")
    p.add_argument("--year", type=int, default=None, help="年份")
    p.add_argument("--committee", default=None, help="专委会代码")
    p.add_argument("--kind", default=None, choices=OrgKind.values, help="单位类型")
    if campaign:
        p.add_argument("--campaign", default=None, help="检查计划/专项行动编号")


def _filter(o: dict[str, Any]) -> figures.FigureFilter:
    return figures.FigureFilter.build(
        region=o.get("region"),
        committee=o.get("committee"),
        campaign=o.get("campaign"),
        kind=o.get("kind"),
        year=o.get("year"),
    )


class Command(BaseCommand):
    help = "安全生产：单位台账导入导出、隐患台账、未检查清单、统计数字"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("import", help="导入单位台账 .xlsx/.csv（默认只预览）")
        p.add_argument("file")
        p.add_argument("--apply", action="store_true", help="没有错误时写入数据库")
        p.add_argument("--kind", default=None, choices=OrgKind.values, help="文件没有“类型”列时的类型")
        p.add_argument("--register", action="store_true", help="这是底数清单：每一行都列入底数清单")
        p.add_argument("--quiet", action="store_true", help="只显示汇总和错误")
        p = sub.add_parser("export", help="导出单位台账 .xlsx（可再导入；个人信息默认脱敏）")
        p.add_argument("file")
        p.add_argument("--region", default=None)
        p.add_argument("--kind", default=None, choices=OrgKind.values)
        p.add_argument("--listed", action="store_true", help="只导出底数清单中的单位")
        p.add_argument("--reveal", action="store_true", help="导出完整个人信息（须 --user，记录查看日志）")
        p.add_argument("--user", default=None, help="以该人员的权限导出")
        p.add_argument("--reason", default="", help="导出完整个人信息的事由")
        p = sub.add_parser("ledger", help="导出隐患台账 .xlsx")
        p.add_argument("file")
        _filter_args(p)
        p = sub.add_parser("never-inspected", help="底数清单中未检查的单位")
        _filter_args(p, campaign=True)
        p.add_argument("--xlsx", default=None, help="同时写入 .xlsx")
        p = sub.add_parser("figures", help="安全生产统计数字")
        _filter_args(p)

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            getattr(self, "_" + o["action"].replace("-", "_"))(o)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from exc

    def _import(self, o: dict[str, Any]) -> None:
        plan = importer.preview(o["file"], kind=o["kind"], register=o["register"])
        for warning in plan.warnings:
            self.stdout.write(f"warning: {warning}")
        if not o["quiet"] and plan.rows:
            rows = [["行", "操作", "统一社会信用代码", "名称", "变更"]]
            rows += [
                [
                    str(r.row),
                    ACTION_LABELS[r.action],
                    r.values.get("uscc", ""),
                    r.values.get("name", ""),
                    ",".join(r.changes),
                ]
                for r in plan.rows
                if not r.errors
            ]
            for line in format_table(rows):
                self.stdout.write(line)
        c = plan.counts()
        self.stdout.write(f"新增 {c['create']}，更新 {c['update']}，不变 {c['unchanged']}，错误 {c['error']}")
        if not plan.ok:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(plan.errors)} errors; nothing written", returncode=2)
        if not o["apply"]:
            self.stdout.write("预览完成，未写入（加 --apply 写入）")
            return
        done = importer.apply(plan, None)
        self.stdout.write(f"已写入：新增 {done['created']}，更新 {done['updated']}，不变 {done['unchanged']}")

    def _export(self, o: dict[str, Any]) -> None:
        user = None
        if o["user"]:
            user = User.objects.filter(username=o["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"unknown user: {o['user']}", returncode=2)
        f = queries.OrganisationFilter(
            region=o["region"], kind=o["kind"], listed=True if o["listed"] else None
        )
        n = importer.export(o["file"], user=user, reveal=o["reveal"], filter=f, reason=o["reason"])
        self.stdout.write(f"wrote {n} organisations to {o['file']}")

    def _ledger(self, o: dict[str, Any]) -> None:
        n = ledger.export_ledger(o["file"], _filter(o))
        self.stdout.write(f"wrote {n} hazards to {o['file']}")

    def _never_inspected(self, o: dict[str, Any]) -> None:
        if o["xlsx"]:
            importer.check_export_path(o["xlsx"])
        f = _filter(o)
        rows = [[str(c) for c in r] for r in ledger.never_inspected_rows(f)]
        for line in format_table(rows):
            self.stdout.write(line)
        self.stdout.write(f"{len(rows) - 1} listed organisations never inspected")
        if o["xlsx"]:
            importer.write_xlsx(o["xlsx"], "未检查单位", iter(rows))

    def _figures(self, o: dict[str, Any]) -> None:
        f = _filter(o)
        rows = [["指标", "code", "数值", "单位"]]
        for code, fig in figures.FIGURES.items():
            value = fig.value(f)
            if fig.is_rate:
                parts = fig.parts(f)
                text = (
                    "—" if value is None else f"{value * 100:.2f}% ({parts[0]}/{parts[1]})" if parts else ""
                )
                rows.append([fig.label, code, text, ""])
            else:
                rows.append([fig.label, code, str(value), fig.unit])
        for line in format_table(rows):
            self.stdout.write(line)
