"""`zhizhi territory import|export|tree|locate` — the territory tree from the console.

    zhizhi territory import regions.xlsx            # preview: what would be created/updated
    zhizhi territory import regions.xlsx --apply    # write (all or nothing)
    zhizhi territory export regions.csv [--root CODE]
    zhizhi territory tree [CODE] [--depth N]
    zhizhi territory locate 122.05 29.72

Exit codes: 0 ok; 2 the file has errors (one "row N: reason" line each, nothing written) or
cannot be read; 1 `locate` found no region, or an unknown code.
"""

from __future__ import annotations

import unicodedata
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhizhi.core.errors import ValidationFailed
from zhizhi.territory import codes, importer, locate, queries

ACTION_LABELS = {"create": "新增", "update": "更新", "unchanged": "不变", "": "错误"}
CHANGE_LABELS = {"name": "名称", "kind": "类型", "boundary": "边界"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def format_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


class Command(BaseCommand):
    help = "辖区管理：导入、导出、查看树、坐标定位"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p_import = sub.add_parser("import", help="导入 .xlsx/.csv（默认只预览）")
        p_import.add_argument("file")
        p_import.add_argument("--apply", action="store_true", help="没有错误时写入数据库")
        p_import.add_argument("--quiet", action="store_true", help="只显示汇总和错误，不逐行列出")
        p_export = sub.add_parser("export", help="导出为 .xlsx/.csv（可再导入）")
        p_export.add_argument("file")
        p_export.add_argument("--root", default=None, help="只导出该代码下的子树")
        p_tree = sub.add_parser("tree", help="显示区域树")
        p_tree.add_argument("code", nargs="?", default=None)
        p_tree.add_argument("--depth", type=int, default=None, help="向下显示的层数")
        p_locate = sub.add_parser("locate", help="坐标所在的最细区域")
        p_locate.add_argument("lon", type=float)
        p_locate.add_argument("lat", type=float)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "import":
                self._import(options["file"], apply=options["apply"], quiet=options["quiet"])
            elif action == "export":
                self._export(options["file"], options["root"])
            elif action == "tree":
                self._tree(options["code"], options["depth"])
            elif action == "locate":
                self._locate(options["lon"], options["lat"])
        except ValidationFailed as exc:
            raise CommandError(exc.message, returncode=2) from exc

    # --- import -----------------------------------------------------------------------------------

    def _import(self, path: str, *, apply: bool, quiet: bool) -> None:
        plan = importer.preview(path)
        if not quiet and plan.rows:
            header = ["行", "操作", "代码", "名称", "层级", "上级代码", "变更"]
            body = [
                [
                    str(r.row),
                    ACTION_LABELS[r.action],
                    r.code,
                    r.name,
                    codes.level_label(r.level) if r.level else "",
                    r.parent_code,
                    "、".join(CHANGE_LABELS.get(c, c) for c in r.changes),
                ]
                for r in plan.rows
            ]
            for line in format_table(header, body):
                self.stdout.write(line)
        for warning in plan.warnings:
            self.stdout.write(f"注意：{warning}")
        counts = plan.counts()
        self.stdout.write(
            f"{plan.source}：新增 {counts['create']}，更新 {counts['update']}，"
            f"不变 {counts['unchanged']}，错误 {counts['error']}"
        )
        if not plan.ok:
            errors = plan.errors
            for error in errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入文件有 {len(errors)} 处错误，未写入任何数据", returncode=2)
        if not apply:
            self.stdout.write("这是预览，未写入；加 --apply 写入。")
            return
        done = importer.apply(plan, actor=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入：新增 {done['created']}，更新 {done['updated']}，不变 {done['unchanged']}"
            )
        )

    # --- export -----------------------------------------------------------------------------------

    def _export(self, path: str, root_code: str | None) -> None:
        root = None
        if root_code:
            root = queries.by_code(root_code)
            if root is None:
                raise CommandError(f"区划代码不存在：{root_code}", returncode=1)
        count = importer.export(path, root)
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 个区域到 {path}"))

    # --- tree -------------------------------------------------------------------------------------

    def _tree(self, code: str | None, depth: int | None) -> None:
        if code:
            root = queries.by_code(code)
            if root is None:
                raise CommandError(f"区划代码不存在：{code}", returncode=1)
            roots = [root]
        else:
            roots = list(queries.roots())
            if not roots:
                self.stdout.write("（还没有区域）")
                return
        for root in roots:
            self._print_node(queries.tree(root, depth), 0)

    def _print_node(self, node: dict[str, Any], indent: int) -> None:
        mark = "" if node["is_active"] else "（停用）"
        self.stdout.write(f"{'  ' * indent}{node['name']}  {node['code']}  [{node['level_label']}]{mark}")
        for child in node["children"]:
            self._print_node(child, indent + 1)

    # --- locate -----------------------------------------------------------------------------------

    def _locate(self, lon: float, lat: float) -> None:
        region = locate.locate(lon, lat)
        if region is None:
            raise CommandError(f"坐标 ({lon}, {lat}) 不在辖区范围内", returncode=1)
        self.stdout.write(f"{region.code}  {region.name}  [{codes.level_label(region.level)}]")
        self.stdout.write(queries.breadcrumb(region))
