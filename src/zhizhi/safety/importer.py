"""Import and export registers of organisations (底数清单 and other lists) as .xlsx or .csv.

Columns (header row = row 1; Chinese or English headers, any order; unknown columns are ignored
with a warning):

    统一社会信用代码 uscc | 名称 name | 类型 kind | 场所类型 venue | 法定代表人/经营者 legal_rep |
    联系电话 phone | 地址 address | 区域代码 region | 行业 industry | 专委会 committee |
    风险等级 risk_level | 状态 status | 底数清单 listed

Required: 名称 and 区域代码 (a region of the territory, usually a micro-grid), and 统一社会信用代码 for
enterprises and individual businesses (validated, GB 32100; the error names the bad position).
类型 defaults to the `kind` given to `preview` (the command's --kind). 专委会 is a committee's code or
name. 状态 may be 正常经营/已关闭 (停产停业 is set only by an enforcement record). 底数清单 is 是/否;
`register=True` (--register) marks every row of the file as listed.

Rows are matched to existing organisations by USCC (or, without one, by type + name + region), so
re-importing a file is idempotent: every row plans as unchanged. A masked personal value (a cell
with "*", as `export` writes it) leaves the stored value unchanged, so an exported file can be
edited and imported back without destroying phone numbers.

Two phases, like the territory importer: `preview(file)` reads and checks every row and plans it as
create / update / unchanged with per-row errors (row numbers as Excel shows them); `apply(plan,
actor)` writes the whole plan in one transaction, and only when it has no errors.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import PersonalDataAccess, User
from zhizhi.core.errors import PermissionDenied, ValidationFailed
from zhizhi.core.personal import mask_name, mask_phone, normalize_phone
from zhizhi.safety import queries, uscc
from zhizhi.safety.models import Committee, Organisation, OrgKind, OrgStatus, RiskLevel, Venue
from zhizhi.safety.services import REGISTER_ROLES
from zhizhi.territory.importer import RowError, Source, read_table
from zhizhi.territory.models import Region

COLUMNS = (
    "uscc", "name", "kind", "venue", "legal_rep", "phone", "address", "region", "region_name", "industry",
    "committee", "risk_level", "status", "listed",
)  # fmt: skip
REQUIRED = ("name", "region")
HEADERS_ZH = {
    "uscc": "统一社会信用代码",
    "name": "名称",
    "kind": "类型",
    "venue": "场所类型",
    "legal_rep": "法定代表人/经营者",
    "phone": "联系电话",
    "address": "地址",
    "region": "区域代码",
    "region_name": "区域名称",
    "industry": "行业",
    "committee": "专委会",
    "risk_level": "风险等级",
    "status": "状态",
    "listed": "底数清单",
}
_HEADER_ALIASES = {
    "uscc": ["uscc", "统一社会信用代码", "社会信用代码", "信用代码", "统一代码"],
    "name": ["name", "名称", "单位名称", "企业名称", "主体名称", "字号名称", "店名"],
    "kind": ["kind", "类型", "单位类型", "主体类型"],
    "venue": ["venue", "场所类型", "场所"],
    "legal_rep": ["legalrep", "法定代表人/经营者", "法定代表人", "法人", "法人代表", "经营者", "负责人"],
    "phone": ["phone", "联系电话", "电话", "手机", "联系方式"],
    "address": ["address", "地址", "经营地址", "住所", "经营场所"],
    "region": ["region", "区域代码", "网格代码", "微网格代码", "所属网格代码", "区划代码"],
    "region_name": ["regionname", "区域名称", "所属网格", "所在区域"],
    "industry": ["industry", "行业", "行业类别", "所属行业"],
    "committee": ["committee", "专委会", "行业专委会", "所属专委会"],
    "risk_level": ["risklevel", "risk", "风险等级", "风险"],
    "status": ["status", "状态", "经营状态"],
    "listed": ["listed", "底数清单", "列入底数清单", "是否列入底数清单"],
}
HEADER_ALIASES = {alias: col for col, aliases in _HEADER_ALIASES.items() for alias in aliases}

KIND_ALIASES = {
    **dict.fromkeys(("enterprise", "企业", "公司", "单位"), OrgKind.ENTERPRISE.value),
    **dict.fromkeys(
        ("individual_business", "个体工商户", "个体户", "个体"), OrgKind.INDIVIDUAL_BUSINESS.value
    ),
    **dict.fromkeys(("other", "其他", "其他单位/场所", "场所"), OrgKind.OTHER.value),
}
VENUE_ALIASES = {**{v.value: v.value for v in Venue}, **{str(v.label): v.value for v in Venue}}
VENUE_ALIASES.update({"出租房": Venue.RENTAL_HOUSING.value, "群租房": Venue.RENTAL_HOUSING.value,
                      "商业综合体": Venue.COMMERCIAL_COMPLEX.value, "餐饮": Venue.RESTAURANT.value,
                      "学校": Venue.SCHOOL.value, "养老院": Venue.ELDERLY_CARE.value})  # fmt: skip
RISK_ALIASES = {
    **{r.value: r.value for r in RiskLevel},
    **{str(r.label): r.value for r in RiskLevel},
    **dict.fromkeys(("低", "蓝", "低风险", "蓝色"), RiskLevel.LOW.value),
    **dict.fromkeys(("一般", "黄", "一般风险", "黄色"), RiskLevel.GENERAL.value),
    **dict.fromkeys(("较大", "橙", "较大风险", "橙色"), RiskLevel.HIGHER.value),
    **dict.fromkeys(("重大", "红", "重大风险", "红色"), RiskLevel.MAJOR.value),
}
STATUS_ALIASES = {
    **dict.fromkeys(("open", "正常经营", "正常", "营业", "在营", "开业", "存续"), OrgStatus.OPEN.value),
    **dict.fromkeys(("closed", "已关闭", "关闭", "注销", "歇业", "吊销"), OrgStatus.CLOSED.value),
    **dict.fromkeys(("suspended", "停产停业", "停业", "停产"), OrgStatus.SUSPENDED.value),
}


def _keys(table: dict[str, str]) -> dict[str, str]:
    """Alias tables are looked up by NFKC-normalised, lower-case text (（黄） and (黄) alike)."""
    return {unicodedata.normalize("NFKC", k).strip().lower(): v for k, v in table.items()}


KIND_ALIASES, VENUE_ALIASES = _keys(KIND_ALIASES), _keys(VENUE_ALIASES)
RISK_ALIASES, STATUS_ALIASES = _keys(RISK_ALIASES), _keys(STATUS_ALIASES)
YES = {"是", "yes", "y", "true", "1", "√", "✓"}
NO = {"否", "no", "n", "false", "0", "×"}
KIND_LABELS = {k.value: str(k.label) for k in OrgKind}

_IN_CHUNK = 900
PROGRESS_EVERY = 500
Progress = Callable[[int, int], None]
# Cells that, when blank on an existing organisation, keep the stored value.
OPTIONAL = (
    "venue",
    "legal_rep",
    "phone",
    "address",
    "industry",
    "committee",
    "risk_level",
    "status",
    "listed",
)
FIELDS = ("kind", "venue", "name", "uscc", "legal_rep", "phone", "address", "region_id", "industry",
          "committee_id", "risk_level", "status", "listed")  # fmt: skip


@dataclass
class PlanRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)  # the organisation's fields, cleaned
    keep: set[str] = field(default_factory=set)  # masked cells: keep the stored value
    key: tuple[str, ...] = ()
    existing_id: int | None = None
    action: str = ""  # "create" | "update" | "unchanged"; "" while the row has errors
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    source: str
    rows: list[PlanRow] = field(default_factory=list)
    header_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The column mapping found in the header row: field → the header text as the file spells it.
    columns: dict[str, str] = field(default_factory=dict)

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

    def counts(self) -> dict[str, int]:
        return {
            "create": len(self.of("create")),
            "update": len(self.of("update")),
            "unchanged": len(self.of("unchanged")),
            "error": sum(1 for r in self.rows if r.errors) + (1 if self.header_errors else 0),
        }


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def _header_key(text: str) -> str | None:
    norm = re.sub(r"[\s_]", "", _norm(text).lower())
    if norm in HEADER_ALIASES:
        return HEADER_ALIASES[norm]
    return HEADER_ALIASES.get(re.sub(r"\(.*?\)", "", norm))


def _masked(value: str) -> bool:
    return "*" in value


# --- Preview ---------------------------------------------------------------------------------------


def preview(
    file: Source,
    *,
    name: str | None = None,
    kind: str | None = None,
    register: bool = False,
    actor: User | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read and check a register file; nothing is written. `progress(done, total)` is called
    every `PROGRESS_EVERY` rows while the rows are parsed (a background job's progress bar)."""
    if kind and kind not in OrgKind.values:
        raise ValidationFailed("invalid_kind", f"未知的单位类型：{kind}")
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
        plan.columns[key] = text.strip()
    missing = [f"{HEADERS_ZH[c]}（{c}）" for c in REQUIRED if c not in columns]
    if "kind" not in columns and not kind:
        missing.append("类型（kind），或在导入时指定类型")
    if missing:
        plan.header_errors.append("缺少必需的列：" + "、".join(missing))
    if plan.header_errors:
        return plan
    context = _Context.load(table[1:], columns)
    total = len(table) - 1
    for number, values in enumerate(table[1:], start=2):
        if progress is not None and (number - 2) % PROGRESS_EVERY == 0:
            progress(number - 2, total)
        if not any(values):
            continue
        cells = {col: (values[i] if i < len(values) else "") for col, i in columns.items()}
        plan.rows.append(_parse_row(number, cells, context, default_kind=kind, register=register))
    if not plan.rows:
        plan.header_errors.append("文件中没有数据行")
        return plan
    _check_rows(plan, actor)
    return plan


@dataclass
class _Context:
    regions: dict[str, Region]
    committees: dict[str, Committee]

    @classmethod
    def load(cls, rows: list[list[str]], columns: dict[str, int]) -> _Context:
        wanted: set[str] = set()
        if "region" in columns:
            i = columns["region"]
            wanted = {_norm(r[i]) for r in rows if i < len(r) and r[i].strip()}
        regions: dict[str, Region] = {}
        codes = sorted(wanted)
        for start in range(0, len(codes), _IN_CHUNK):
            regions.update(
                {r.code: r for r in Region.objects.filter(code__in=codes[start : start + _IN_CHUNK])}
            )
        committees: dict[str, Committee] = {}
        for c in Committee.objects.filter(is_active=True):
            committees[c.code] = committees[c.name] = c
        return cls(regions, committees)


def _parse_row(
    number: int, cells: dict[str, str], ctx: _Context, *, default_kind: str | None, register: bool
) -> PlanRow:
    row = PlanRow(row=number)
    v, errors = row.values, row.errors

    raw_kind = _norm(cells.get("kind", "")).lower()
    if raw_kind:
        if raw_kind not in KIND_ALIASES:
            errors.append(f"未知类型“{raw_kind}”（应为 企业/个体工商户/其他）")
        v["kind"] = KIND_ALIASES.get(raw_kind, "")
    else:
        v["kind"] = default_kind or ""
        if not default_kind:
            errors.append("类型不能为空")

    name = (cells.get("name") or "").strip()
    if not name:
        errors.append("名称不能为空")
    elif len(name) > 200:
        errors.append(f"名称不能超过 200 个字符（当前 {len(name)}）")
    v["name"] = name

    raw_code = cells.get("uscc", "")
    v["uscc"] = ""
    if raw_code.strip():
        try:
            v["uscc"] = uscc.validate(raw_code)
        except ValidationFailed as exc:
            errors.append(f"统一社会信用代码“{_norm(raw_code)}”：{exc.message}")
    elif v["kind"] in (OrgKind.ENTERPRISE, OrgKind.INDIVIDUAL_BUSINESS):
        errors.append(f"{KIND_LABELS[v['kind']]}须填写统一社会信用代码")

    raw_venue = _norm(cells.get("venue", "")).lower()
    v["venue"] = VENUE_ALIASES.get(raw_venue, "") if raw_venue else ""
    if raw_venue and raw_venue not in VENUE_ALIASES:
        errors.append(f"未知场所类型“{raw_venue}”")

    for col, limit, label in (
        ("legal_rep", 50, "法定代表人/经营者"),
        ("address", 300, "地址"),
        ("industry", 100, "行业"),
    ):
        text = (cells.get(col) or "").strip()
        if col in ("legal_rep", "address") and _masked(text):
            row.keep.add(col)
        elif len(text) > limit:
            errors.append(f"{label}不能超过 {limit} 个字符（当前 {len(text)}）")
        v[col] = text

    phone = _norm(cells.get("phone", ""))
    v["phone"] = ""
    if _masked(phone):
        row.keep.add("phone")
    elif phone:
        try:
            v["phone"] = normalize_phone(phone)
        except ValidationFailed as exc:
            errors.append(f"联系电话“{phone}”格式不正确：{exc.message}")

    code = _norm(cells.get("region", ""))
    region = ctx.regions.get(code)
    if not code:
        errors.append("区域代码不能为空")
    elif region is None:
        errors.append(f"区域代码 {code} 不存在")
    elif not region.is_active:
        errors.append(f"区域“{region.name}”（{code}）已停用")
    v["region"] = region

    raw_committee = _norm(cells.get("committee", ""))
    committee = ctx.committees.get(raw_committee) if raw_committee else None
    if raw_committee and committee is None:
        errors.append(f"专委会“{raw_committee}”不存在")
    v["committee"] = committee

    raw_risk = _norm(cells.get("risk_level", "")).lower()
    v["risk_level"] = RISK_ALIASES.get(raw_risk, "") if raw_risk else None
    if raw_risk and raw_risk not in RISK_ALIASES:
        errors.append(f"未知风险等级“{raw_risk}”（应为 低/一般/较大/重大 或 蓝/黄/橙/红）")

    raw_status = _norm(cells.get("status", "")).lower()
    v["status"] = None
    if raw_status:
        status = STATUS_ALIASES.get(raw_status)
        if status is None:
            errors.append(f"未知状态“{raw_status}”（应为 正常经营 或 已关闭）")
        elif status == OrgStatus.SUSPENDED:
            errors.append("停产停业须通过执法记录登记，不能导入")
        else:
            v["status"] = status

    raw_listed = _norm(cells.get("listed", "")).lower()
    v["listed"] = True if register else None
    if raw_listed and not register:
        if raw_listed in YES:
            v["listed"] = True
        elif raw_listed in NO:
            v["listed"] = False
        else:
            errors.append(f"底数清单应填 是 或 否（当前“{raw_listed}”）")

    row.key = ("uscc", v["uscc"]) if v["uscc"] else ("name", v["kind"], v["name"], code)
    return row


def _existing(rows: list[PlanRow]) -> dict[tuple[str, ...], Organisation]:
    found: dict[tuple[str, ...], Organisation] = {}
    codes = sorted({r.values["uscc"] for r in rows if r.values.get("uscc")})
    for start in range(0, len(codes), _IN_CHUNK):
        for org in Organisation.objects.filter(uscc__in=codes[start : start + _IN_CHUNK]).select_related(
            "region"
        ):
            found[("uscc", org.uscc)] = org
    names = sorted({r.values["name"] for r in rows if not r.values.get("uscc") and r.values.get("name")})
    for start in range(0, len(names), _IN_CHUNK):
        qs = Organisation.objects.filter(uscc="", name__in=names[start : start + _IN_CHUNK]).select_related(
            "region"
        )
        for org in qs:
            found[("name", org.kind, org.name, org.region.code)] = org
    return found


def _check_rows(plan: ImportPlan, actor: User | None) -> None:
    first: dict[tuple[str, ...], PlanRow] = {}
    for row in plan.rows:
        if row.errors:
            continue
        if row.key in first:
            what = (
                f"统一社会信用代码 {row.values['uscc']}" if row.values["uscc"] else "同一区域同名同类型单位"
            )
            row.errors.append(f"{what} 与第 {first[row.key].row} 行重复")
        else:
            first[row.key] = row
    if actor is not None:
        if scope.role_of(actor) not in REGISTER_ROLES:
            raise PermissionDenied("forbidden_role", "当前角色不能导入单位台账")
        q = queries.scope_q(actor, "path")
        allowed = None if q is None else set(Region.objects.filter(q).values_list("pk", flat=True))
        for row in plan.rows:
            region = row.values.get("region")
            if allowed is not None and region is not None and region.pk not in allowed:
                row.errors.append(f"无权在区域“{region.name}”登记单位")
    existing = _existing([r for r in plan.rows if not r.errors])
    for row in plan.rows:
        if row.errors:
            continue
        v = row.values
        org = existing.get(row.key)
        if org is None:
            for col, label in (
                ("legal_rep", "法定代表人/经营者"),
                ("phone", "联系电话"),
                ("address", "地址"),
            ):
                if col in row.keep:
                    row.errors.append(f"{label}是脱敏值（含 *），新增单位须填写完整")
            row.action = "create" if not row.errors else ""
            continue
        row.existing_id = org.pk
        if v["status"] is not None and v["status"] != org.status and org.status == OrgStatus.SUSPENDED:
            row.errors.append(f"“{org.name}”处于停产停业状态，须先登记恢复生产经营")
            continue
        wanted = _wanted(row, org)
        row.changes = [f for f in FIELDS if wanted[f] != getattr(org, f)]
        row.action = "update" if row.changes else "unchanged"


def _wanted(row: PlanRow, org: Organisation | None) -> dict[str, Any]:
    """The organisation's fields after this row. On an existing organisation a blank (or masked)
    optional cell keeps the stored value: an import never clears anything."""
    v = row.values
    committee = v["committee"]
    out: dict[str, Any] = {
        "kind": v["kind"],
        "name": v["name"],
        "uscc": v["uscc"],
        "region_id": v["region"].pk,
        "venue": v["venue"],
        "legal_rep": v["legal_rep"],
        "phone": v["phone"],
        "address": v["address"],
        "industry": v["industry"],
        "committee_id": committee.pk if committee is not None else None,
        "risk_level": v["risk_level"] or "",
        "status": v["status"] or OrgStatus.OPEN,
        "listed": bool(v["listed"]),
    }
    if org is not None:
        blank = {name for name in OPTIONAL if v[name] in ("", None)} | row.keep
        for name in blank:
            column = "committee_id" if name == "committee" else name
            out[column] = getattr(org, column)
    return out


# --- Apply -----------------------------------------------------------------------------------------


def apply(plan: ImportPlan, actor: User | None) -> dict[str, int]:
    """Write the plan in one transaction; nothing is written if any row has an error."""
    if not plan.ok:
        errors = plan.errors
        raise ValidationFailed(
            "import_invalid",
            f"导入文件有 {len(errors)} 处错误，未写入任何数据",
            errors=[str(e) for e in errors],
        )
    if actor is not None and scope.role_of(actor) not in REGISTER_ROLES:
        raise PermissionDenied("forbidden_role", "当前角色不能导入单位台账")
    creates, updates = plan.of("create"), plan.of("update")
    counts = {"created": 0, "updated": 0, "unchanged": len(plan.of("unchanged"))}
    if not creates and not updates:
        return counts
    now = timezone.now()
    try:
        with transaction.atomic():
            new = []
            for row in creates:
                wanted = _wanted(row, None)
                region = row.values["region"]
                new.append(Organisation(**wanted, region_path=region.path, created_at=now, updated_at=now))
            Organisation.objects.bulk_create(new, batch_size=500)
            counts["created"] = len(new)
            ids = [r.existing_id for r in updates]
            orgs = Organisation.objects.select_for_update().in_bulk(ids)
            changed: set[str] = set()
            touched = []
            for row in updates:
                org = orgs.get(row.existing_id or 0)
                if org is None:
                    raise ValidationFailed(
                        "import_invalid", f"第 {row.row} 行：单位已不存在（未写入任何数据）"
                    )
                for name, value in _wanted(row, org).items():
                    setattr(org, name, value)
                org.region_path = row.values["region"].path
                org.updated_at = now
                changed |= set(row.changes)
                touched.append(org)
            if touched:
                Organisation.objects.bulk_update(
                    touched, sorted(changed | {"region_path", "updated_at"}), batch_size=500
                )
            counts["updated"] = len(touched)
    except IntegrityError as exc:
        raise ValidationFailed(
            "import_conflict", "导入时与其他修改冲突（统一社会信用代码或单位重复），未写入任何数据"
        ) from exc
    return counts


# --- Export ----------------------------------------------------------------------------------------


def export_rows(qs: Any = None, *, reveal: bool = False) -> Iterator[list[str]]:
    """The header, then one row per organisation in import's format; personal data masked unless
    `reveal`."""
    yield [HEADERS_ZH[c] for c in COLUMNS]
    orgs = qs if qs is not None else Organisation.objects.all()
    for o in (
        orgs.select_related("region", "committee")
        .order_by("region_path", "name", "id")
        .iterator(chunk_size=2000)
    ):
        yield [
            o.uscc,
            o.name,
            KIND_LABELS[o.kind],
            o.get_venue_display() if o.venue else "",
            o.legal_rep if reveal else mask_name(o.legal_rep),
            o.phone if reveal else mask_phone(o.phone),
            o.address if reveal else queries.masked_address(o),
            o.region.code,
            o.region.name,
            o.industry,
            o.committee.name if o.committee else "",
            o.get_risk_level_display() if o.risk_level else "",
            o.get_status_display(),
            "是" if o.listed else "否",
        ]


def write_xlsx(path: str | os.PathLike[str], sheet: str, rows: Iterator[list[Any]]) -> int:
    """Rows to an .xlsx, text cells written as text (codes never become numbers); returns data rows."""
    import openpyxl  # noqa: PLC0415
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    target = check_export_path(path)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    count = -1
    for values in rows:
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
                cell.number_format = "@"
            cells.append(cell)
        ws.append(cells)
        count += 1
    try:
        wb.save(target)
    except OSError as exc:
        raise ValidationFailed("export_path", f"无法写入 {target}：{exc.strerror or exc}") from exc
    return max(count, 0)


def check_export_path(path: str | os.PathLike[str]) -> Path:
    """Where an .xlsx export may go: an .xlsx name in a directory that exists (refused before any
    row is written)."""
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ValidationFailed("export_format", "导出文件须为 .xlsx")
    if not target.parent.is_dir():
        raise ValidationFailed("export_path", f"目录不存在：{target.parent}")
    if target.is_dir():
        raise ValidationFailed("export_path", f"{target} 是一个目录")
    return target


def export(
    path: str | os.PathLike[str],
    *,
    user: User | None = None,
    reveal: bool = False,
    filter: queries.OrganisationFilter | None = None,
    reason: str = "",
) -> int:
    """Write organisations (the user's visible ones, when a user is given) to .xlsx."""
    if reveal and user is None:
        raise PermissionDenied("reveal_needs_user", "导出完整个人信息须指明操作人员")
    qs = queries.apply(
        queries.visible_organisations(user) if user is not None else Organisation.objects.all(),
        filter or queries.OrganisationFilter(),
    )
    with transaction.atomic():  # the access is logged if and only if the file was written
        if reveal and user is not None:
            if scope.role_of(user) not in queries.PERSONAL_DATA_ROLES:
                raise PermissionDenied("forbidden_role", "当前角色不能导出完整个人信息")
            PersonalDataAccess.objects.create(
                user=user,
                object_type="safety.organisation_export",
                object_id=str(qs.count()),
                fields="legal_rep,phone,address",
                reason=reason[:200],
            )
        return write_xlsx(path, "单位台账", export_rows(qs, reveal=reveal))
