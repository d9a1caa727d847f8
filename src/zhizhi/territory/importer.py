"""Import and export the territory tree as .xlsx or .csv.

Columns (header row = row 1; Chinese or English headers, any order, unknown columns ignored):

    代码 code | 名称 name | 层级 level | 上级代码 parent_code | 类型 kind | 边界 boundary

层级: 镇/乡/街道 (town), 村/社区 (village; 村/社区 also set the kind), 网格 (grid), 微网格
(micro_grid), and 省/市/县 above the town; or the English identifiers. 类型: 村/社区 (village/
community). 边界: GeoJSON Polygon/MultiPolygon text. A blank 类型 or 边界 cell on an existing
region leaves it unchanged (import never clears a boundary).

Two phases. `preview(file)` reads and checks every row — code structure, level order, parents
(earlier or later in the same file, or already in the database), duplicates, GeoJSON — and plans
each row as create / update / unchanged, with per-row errors in Chinese. `apply(plan, actor)`
writes the whole plan in one transaction, parents first, and only when the plan has no errors.
Importing the same file twice plans every row as unchanged. An existing region's level and parent
are never changed by an import (moves go through `services.move_region`).

CSV: UTF-8 with or without BOM (GB18030, Excel's default on Chinese Windows, is accepted too);
comma- or tab-separated. Export writes UTF-8 with BOM so that Excel shows Chinese correctly, and
writes codes to .xlsx as text (Excel keeps only 15 significant digits of numbers: a 16-digit
micro-grid code typed as a number is already corrupted).
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction

from zhizhi.core.errors import ValidationFailed
from zhizhi.territory import codes, services
from zhizhi.territory.locate import batch_changes
from zhizhi.territory.models import Level, Region, VillageKind

if TYPE_CHECKING:
    from zhizhi.accounts.models import User

COLUMNS = ("code", "name", "level", "parent_code", "kind", "boundary")
REQUIRED = ("code", "name", "level")
HEADERS_ZH = {
    "code": "代码",
    "name": "名称",
    "level": "层级",
    "parent_code": "上级代码",
    "kind": "类型",
    "boundary": "边界",
}
_HEADER_ALIASES = {
    "code": ["code", "代码", "编码", "区划代码", "统计用区划代码", "区域代码"],
    "name": ["name", "名称", "名字", "区域名称"],
    "level": ["level", "层级", "级别"],
    "parent_code": ["parentcode", "parent", "上级代码", "上级编码", "父级代码", "上级区划代码"],
    "kind": ["kind", "type", "类型", "村社类型"],
    "boundary": ["boundary", "geojson", "边界", "边界geojson", "范围"],
}
HEADER_ALIASES = {alias: col for col, aliases in _HEADER_ALIASES.items() for alias in aliases}

# value → (level, implied kind)
LEVEL_ALIASES: dict[str, tuple[str, str]] = {
    **{a: (Level.PROVINCE.value, "") for a in ("province", "省", "省级", "省/自治区/直辖市")},
    **{a: (Level.CITY.value, "") for a in ("city", "市", "地级市", "市级")},
    **{a: (Level.COUNTY.value, "") for a in ("county", "县", "区", "县/区", "县区", "县级", "县(区)")},
    **{
        a: (Level.TOWN.value, "")
        for a in ("town", "镇", "乡", "街道", "乡镇", "乡镇/街道", "镇/街道", "乡镇街道")
    },
    **{a: (Level.VILLAGE.value, "") for a in ("village", "村/社区", "村社", "村居")},
    "村": (Level.VILLAGE.value, VillageKind.VILLAGE.value),
    "社区": (Level.VILLAGE.value, VillageKind.COMMUNITY.value),
    "community": (Level.VILLAGE.value, VillageKind.COMMUNITY.value),
    **{a: (Level.GRID.value, "") for a in ("grid", "网格")},
    **{a: (Level.MICRO_GRID.value, "") for a in ("micro_grid", "micro-grid", "microgrid", "微网格")},
}
KIND_ALIASES = {
    **dict.fromkeys(("village", "村", "村委会", "行政村"), VillageKind.VILLAGE.value),
    **dict.fromkeys(("community", "社区", "居委会", "社区居委会"), VillageKind.COMMUNITY.value),
}
KIND_LABELS = {VillageKind.VILLAGE.value: "村", VillageKind.COMMUNITY.value: "社区"}

MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 200_000
XLSX_CELL_LIMIT = 32_767
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_IN_CHUNK = 900  # SQLite's bound-parameter limit is 999 on old builds

Source = str | os.PathLike[str] | bytes | IO[bytes]


# --- The plan --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass
class PlanRow:
    row: int
    code: str
    name: str
    level: str
    parent_code: str
    kind: str | None  # None: blank cell (keep the existing kind)
    boundary: dict[str, Any] | None
    boundary_given: bool
    action: str = ""  # "create" | "update" | "unchanged"; "" while the row has errors
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    source: str
    rows: list[PlanRow] = field(default_factory=list)
    header_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RowError]:
        out = [RowError(1, message) for message in self.header_errors]
        out += [RowError(r.row, message) for r in self.rows for message in r.errors]
        return sorted(out, key=lambda e: e.row)

    @property
    def ok(self) -> bool:
        return not self.header_errors and not any(r.errors for r in self.rows)

    def of(self, action: str) -> list[PlanRow]:
        return [r for r in self.rows if r.action == action and not r.errors]

    @property
    def creates(self) -> list[PlanRow]:
        return self.of("create")

    @property
    def updates(self) -> list[PlanRow]:
        return self.of("update")

    @property
    def unchanged(self) -> list[PlanRow]:
        return self.of("unchanged")

    def counts(self) -> dict[str, int]:
        return {
            "create": len(self.creates),
            "update": len(self.updates),
            "unchanged": len(self.unchanged),
            "error": sum(1 for r in self.rows if r.errors) + (1 if self.header_errors else 0),
        }


# --- Reading files ---------------------------------------------------------------------------------


def _read_bytes(file: Source, name: str | None) -> tuple[bytes, str]:
    if isinstance(file, bytes):
        return file, name or "upload"
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise ValidationFailed("import_too_large", f"文件超过 {MAX_BYTES // 1024 // 1024} MB")
            return path.read_bytes(), name or path.name
        except OSError as exc:
            raise ValidationFailed("import_unreadable", f"无法读取文件：{path.name}") from exc
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed("import_too_large", f"文件超过 {MAX_BYTES // 1024 // 1024} MB")
    return data, name or str(getattr(file, "name", "") or "upload")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl  # noqa: PLC0415 - only needed for Excel files

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile/openpyxl raise many kinds for a damaged file
        raise ValidationFailed("import_unreadable", "无法读取 Excel 文件（文件损坏或不是 .xlsx）") from exc
    try:
        ws = wb.worksheets[0]
        rows = []
        for values in ws.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                raise ValidationFailed("import_too_large", f"文件超过 {MAX_ROWS} 行")
        return rows
    finally:
        wb.close()


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationFailed("import_unreadable", "CSV 文件编码无法识别，请另存为 UTF-8") from exc
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    rows = []
    # A cell may be as long as the file (a coastline's GeoJSON boundary runs to hundreds of KB);
    # the csv module's default limit is 128 KB. The limit is the process's: only ever raised.
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        rows.append([v.strip() for v in values])
        if len(rows) > MAX_ROWS + 1:
            raise ValidationFailed("import_too_large", f"文件超过 {MAX_ROWS} 行")
    return rows


def read_table(file: Source, *, name: str | None = None) -> tuple[str, list[list[str]]]:
    """(source name, rows of cell texts, header first) from an .xlsx or a .csv."""
    data, source = _read_bytes(file, name)
    if data[:4] == b"PK\x03\x04":
        return source, _read_xlsx(data)
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ValidationFailed("import_unreadable", "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV")
    return source, _read_csv(data)


def _header_key(text: str) -> str | None:
    norm = unicodedata.normalize("NFKC", text or "").strip().lower()
    norm = re.sub(r"[\s_]", "", norm)
    if norm in HEADER_ALIASES:
        return HEADER_ALIASES[norm]
    bare = re.sub(r"\(.*?\)", "", norm)
    return HEADER_ALIASES.get(bare)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


# --- Preview ---------------------------------------------------------------------------------------


def preview(file: Source, *, name: str | None = None) -> ImportPlan:
    """Read and check a territory file; nothing is written."""
    source, table = read_table(file, name=name)
    plan = ImportPlan(source=source)
    if not table or not any(table[0]):
        plan.header_errors.append("文件为空或缺少表头")
        return plan
    columns: dict[str, int] = {}
    for i, text in enumerate(table[0]):
        key = _header_key(text)
        if key is None:
            if text.strip():
                plan.warnings.append(f"忽略未识别的列：{text.strip()}")
            continue
        if key in columns:
            plan.header_errors.append(f"列“{text.strip()}”重复（{HEADERS_ZH[key]}）")
        columns[key] = i
    missing = [f"{HEADERS_ZH[c]}（{c}）" for c in REQUIRED if c not in columns]
    if missing:
        plan.header_errors.append("缺少必需的列：" + "、".join(missing))
    if plan.header_errors:
        return plan

    for number, values in enumerate(table[1:], start=2):
        if not any(values):
            continue
        cells = {col: (values[i] if i < len(values) else "") for col, i in columns.items()}
        plan.rows.append(_parse_row(number, cells, boundary_column="boundary" in columns))
    if not plan.rows:
        plan.header_errors.append("文件中没有数据行")
        return plan
    _check_rows(plan)
    return plan


def _parse_row(number: int, cells: dict[str, str], *, boundary_column: bool) -> PlanRow:
    errors: list[str] = []
    code = _nfkc(cells.get("code", ""))
    parent_code = _nfkc(cells.get("parent_code", ""))
    row = PlanRow(
        row=number,
        code=code,
        name=cells.get("name", "").strip(),
        level="",
        parent_code=parent_code,
        kind=None,
        boundary=None,
        boundary_given=False,
        errors=errors,
    )
    try:
        row.name = services.clean_name(row.name)
    except ValidationFailed as exc:
        errors.append(exc.message)

    raw_level = _nfkc(cells.get("level", "")).lower()
    implied_kind = ""
    if not raw_level:
        errors.append("层级不能为空")
    elif raw_level not in LEVEL_ALIASES:
        errors.append(f"未知层级“{raw_level}”（应为 镇/村/社区/网格/微网格 或 town/village/grid/micro_grid）")
    else:
        row.level, implied_kind = LEVEL_ALIASES[raw_level]

    raw_kind = _nfkc(cells.get("kind", "")).lower()
    kind = ""
    if raw_kind:
        if raw_kind not in KIND_ALIASES:
            errors.append(f"未知类型“{raw_kind}”（应为 村 或 社区）")
        else:
            kind = KIND_ALIASES[raw_kind]
    if kind and implied_kind and kind != implied_kind:
        errors.append(f"类型“{KIND_LABELS[kind]}”与层级“{raw_level}”不符")
    kind = kind or implied_kind
    if kind and row.level:
        try:
            row.kind = services.clean_kind(kind, row.level)
        except ValidationFailed as exc:
            errors.append(exc.message)

    if not code:
        errors.append("代码不能为空")
    elif _SCIENTIFIC.match(code):
        errors.append(f"代码“{code}”是科学计数法，请把代码列设为文本格式后重新填写")
    elif row.level:
        try:
            row.code = codes.validate_code(code, row.level)
        except ValidationFailed as exc:
            errors.append(exc.message)

    text = cells.get("boundary", "") if boundary_column else ""
    if text.strip():
        row.boundary_given = True
        try:
            clean = services.clean_boundary(text)
        except ValidationFailed as exc:
            errors.append(exc.message)
        else:
            row.boundary = clean.geojson if clean else None
    return row


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i : i + _IN_CHUNK]


def _existing(codes_: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = sorted({c for c in codes_ if c})
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(wanted):
        for r in Region.objects.filter(code__in=chunk).values(
            "id", "code", "name", "level", "kind", "boundary", "is_active", "parent__code"
        ):
            found[r["code"]] = dict(r)
    return found


def _check_rows(plan: ImportPlan) -> None:
    rows = plan.rows
    first: dict[str, PlanRow] = {}
    duplicates: set[int] = set()
    for row in rows:
        if not row.code:
            continue
        if row.code in first:
            row.errors.append(f"代码 {row.code} 与第 {first[row.code].row} 行重复")
            duplicates.add(row.row)
        else:
            first[row.code] = row
    existing = _existing([r.code for r in rows] + [r.parent_code for r in rows])

    ordered = sorted(
        (r for r in rows if r.level and r.row not in duplicates),
        key=lambda r: (codes.level_rank(r.level), r.row),
    )
    for row in ordered:
        structural_ok = not row.errors
        parent_level: str | None = None
        parent_known = True
        if row.parent_code == row.code:
            row.errors.append("上级代码不能与本行代码相同")
            parent_known = False
        elif row.parent_code:
            prow = first.get(row.parent_code)
            if prow is not None:
                parent_level = prow.level or None
                if prow.errors:
                    row.errors.append(f"上级代码 {row.parent_code} 所在的第 {prow.row} 行有错误")
                    parent_known = False
            elif row.parent_code in existing:
                parent = existing[row.parent_code]
                parent_level = parent["level"]
                if not parent["is_active"] and row.code not in existing:
                    row.errors.append(f"上级区域“{parent['name']}”（{row.parent_code}）已停用")
            else:
                row.errors.append(f"上级代码 {row.parent_code} 不存在（文件和系统中都没有）")
                parent_known = False
        if parent_known:
            try:
                codes.validate_level_order(row.level, parent_level)
                if structural_ok and row.parent_code:
                    codes.validate_code(row.code, row.level, row.parent_code)
            except ValidationFailed as exc:
                row.errors.append(exc.message)

        current = existing.get(row.code)
        if current is None:
            row.action = "create"
            continue
        if current["level"] != row.level:
            row.errors.append(
                f"代码 {row.code} 在系统中是{codes.level_label(current['level'])}，"
                f"不能导入为{codes.level_label(row.level)}"
            )
            continue
        if (current["parent__code"] or "") != row.parent_code:
            row.errors.append(
                f"代码 {row.code} 在系统中的上级是 {current['parent__code'] or '（无）'}，"
                "导入不能更改上级（请使用迁移功能）"
            )
            continue
        if row.name and row.name != current["name"]:
            row.changes.append("name")
        if row.kind is not None and row.kind != current["kind"]:
            row.changes.append("kind")
        if row.boundary_given and row.boundary is not None and row.boundary != current["boundary"]:
            row.changes.append("boundary")
        row.action = "update" if row.changes else "unchanged"

    _check_sibling_names(rows, first, duplicates)
    for row in rows:
        if row.errors:
            row.action = ""
            row.changes = []


def _check_sibling_names(rows: list[PlanRow], first: dict[str, PlanRow], duplicates: set[int]) -> None:
    """No two children of one parent share a name (after the import)."""
    candidates = [
        r
        for r in rows
        if r.row not in duplicates and r.name and (r.action == "create" or "name" in r.changes)
    ]
    if not candidates:
        return
    parent_codes = sorted({r.parent_code for r in candidates if r.parent_code})
    named: dict[tuple[str, str], list[tuple[str, PlanRow | None]]] = defaultdict(list)
    db_rows: list[tuple[str | None, str, str]] = []
    for chunk in _chunks(parent_codes):
        db_rows += list(
            Region.objects.filter(parent__code__in=chunk).values_list("parent__code", "name", "code")
        )
    if any(not r.parent_code for r in candidates):
        db_rows += [
            ("", n, c) for n, c in Region.objects.filter(parent__isnull=True).values_list("name", "code")
        ]
    for pcode, name, code in db_rows:
        if code not in first:  # a region named in the file takes the file's name
            named[(pcode or "", name)].append((code, None))
    for r in rows:
        if r.row not in duplicates and r.name:
            named[(r.parent_code, r.name)].append((r.code, r))
    for r in candidates:
        for code, other in named[(r.parent_code, r.name)]:
            if code == r.code:
                continue
            if other is not None:
                r.errors.append(f"同一上级下名称“{r.name}”与第 {other.row} 行重复")
            else:
                r.errors.append(f"上级下已有同名区域“{r.name}”（代码 {code}）")
            break


# --- Apply -----------------------------------------------------------------------------------------


def apply(plan: ImportPlan, actor: User | None) -> dict[str, int]:
    """Write the plan in one transaction (parents first); nothing is written if any row fails."""
    if not plan.ok:
        errors = plan.errors
        raise ValidationFailed(
            "import_invalid",
            f"导入文件有 {len(errors)} 处错误，未写入任何数据",
            errors=[str(e) for e in errors],
        )
    todo = sorted(
        (r for r in plan.rows if r.action in {"create", "update"}),
        key=lambda r: (codes.level_rank(r.level), r.row),
    )
    counts = {"created": 0, "updated": 0, "unchanged": len(plan.unchanged)}
    if not todo:
        return counts
    with transaction.atomic(), batch_changes():
        wanted = sorted({r.code for r in todo} | {r.parent_code for r in todo if r.parent_code})
        regions: dict[str, Region] = {}
        for chunk in _chunks(wanted):
            regions.update({r.code: r for r in Region.objects.filter(code__in=chunk)})
        for row in todo:
            try:
                if row.action == "create":
                    parent = regions.get(row.parent_code) if row.parent_code else None
                    if row.parent_code and parent is None:
                        raise ValidationFailed("unknown_parent", f"上级代码 {row.parent_code} 不存在")
                    regions[row.code] = services.create_region(
                        actor=actor,
                        parent=parent,
                        level=row.level,
                        code=row.code,
                        name=row.name,
                        kind=row.kind or "",
                        boundary=row.boundary,
                    )
                    counts["created"] += 1
                else:
                    region = regions.get(row.code)
                    if region is None:
                        raise ValidationFailed("unknown_region", f"代码 {row.code} 已不存在")
                    if "name" in row.changes or "kind" in row.changes:
                        region = services.update_region(
                            actor=actor,
                            region=region,
                            name=row.name if "name" in row.changes else None,
                            kind=row.kind if "kind" in row.changes else None,
                        )
                    if "boundary" in row.changes:
                        region = services.set_boundary(actor=actor, region=region, boundary=row.boundary)
                    regions[row.code] = region
                    counts["updated"] += 1
            except ValidationFailed as exc:
                raise ValidationFailed(
                    "import_invalid",
                    f"第 {row.row} 行：{exc.message}（未写入任何数据）",
                    errors=[str(RowError(row.row, exc.message))],
                ) from exc
    return counts


# --- Export ----------------------------------------------------------------------------------------


def export_rows(root: Region | None = None) -> Iterator[list[str]]:
    """The header, then one row per region (parents before children), in import's format."""
    yield [HEADERS_ZH[c] for c in COLUMNS]
    qs = Region.objects.under(root.path) if root is not None else Region.objects.all()
    for r in qs.select_related("parent").order_by("path").iterator(chunk_size=2000):
        yield [
            r.code,
            r.name,
            codes.level_label(r.level),
            r.parent.code if r.parent else "",
            KIND_LABELS.get(r.kind, ""),
            services.json_text(r.boundary) if r.boundary else "",
        ]


def export(path: str | os.PathLike[str], root: Region | None = None) -> int:
    """Write the tree (or `root`'s subtree) to .xlsx or .csv; returns the number of regions."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".csv", ".xlsx"}:
        raise ValidationFailed("export_format", "导出文件须为 .xlsx 或 .csv")
    rows = export_rows(root)
    count = -1
    if suffix == ".csv":
        with target.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            for values in rows:
                writer.writerow(values)
                count += 1
        return count

    import openpyxl  # noqa: PLC0415
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("区域")
    for values in rows:
        cells = []
        for value in values:
            if len(value) > XLSX_CELL_LIMIT:
                raise ValidationFailed(
                    "export_cell_too_long",
                    f"区域 {values[0]} 的边界超过 Excel 单元格上限（{XLSX_CELL_LIMIT} 字符），请导出为 CSV",
                )
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # text, never a number or a formula
            cell.number_format = "@"
            cells.append(cell)
        ws.append(cells)
        count += 1
    wb.save(target)
    return count
