"""Register import (底数清单): a file with bad rows writes nothing and reports every bad row with
its number and reason; a good file upserts by USCC, idempotently; export → import round-trips."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.safety.helpers import MICRO_A11, MICRO_B11, code, org
from tests.township import Township
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.core.errors import PermissionDenied, ValidationFailed
from zhizhi.safety import importer
from zhizhi.safety.models import Organisation, OrgStatus

pytestmark = pytest.mark.django_db

HEADER = [
    "统一社会信用代码",
    "名称",
    "类型",
    "法定代表人",
    "联系电话",
    "地址",
    "区域代码",
    "专委会",
    "风险等级",
    "状态",
    "底数清单",
]


def xlsx(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def good(n: int, **kw: Any) -> list[Any]:
    row = {
        "uscc": code(n),
        "name": f"六横测试企业{n}",
        "kind": "企业",
        "legal_rep": "陈国强",
        "phone": "13905801234",
        "address": f"六横镇峧头路 {n} 号",
        "region": MICRO_A11,
        "committee": "工矿商贸专委会",
        "risk": "一般",
        "status": "",
        "listed": "是",
    }
    row.update(kw)
    return list(row.values())


def test_a_file_with_bad_rows_writes_nothing_and_reports_every_bad_row(
    township: Township, tmp_path: Path
) -> None:
    bad_check = code(2)[:-1] + ("0" if code(2)[-1] != "0" else "1")
    path = xlsx(
        tmp_path / "底数清单.xlsx",
        [
            good(1),  # row 2: fine
            good(2, uscc=bad_check),  # row 3
            good(3, uscc="91I30903MA2A00003X"),  # row 4
            good(4, name=""),  # row 5
            good(5, region="3309031072019999"),  # row 6
            good(6, uscc=code(1)),  # row 7: same code as row 2
            good(7, phone="1234"),  # row 8
            good(8, uscc=""),  # row 9: an enterprise needs a code
            good(9, status="停产停业"),  # row 10
            good(10, committee="渔政专委会"),  # row 11
            good(11, kind="个体工商户", uscc=code(11, "92")),  # row 12: fine
            [None] * len(HEADER),  # an empty row is skipped
            good(12, risk="很高", listed="也许"),  # row 14: two errors
        ],
    )
    plan = importer.preview(path)
    assert not plan.ok
    expected = code(2)[-1]
    assert [(e.row, e.message) for e in plan.errors] == [
        (3, f"统一社会信用代码“{bad_check}”：第 18 位校验码错误：按前 17 位计算应为 '{expected}'，实际为 '{bad_check[-1]}'（请逐位核对）"),
        (4, "统一社会信用代码“91I30903MA2A00003X”：第 3 位字符 'I' 不允许：第 3–8 位是行政区划码，只能是数字"),
        (5, "名称不能为空"),
        (6, "区域代码 3309031072019999 不存在"),
        (7, f"统一社会信用代码 {code(1)} 与第 2 行重复"),
        (8, "联系电话“1234”格式不正确：联系电话格式不正确：应为 11 位手机号或带区号的固话"),
        (9, "企业须填写统一社会信用代码"),
        (10, "停产停业须通过执法记录登记，不能导入"),
        (11, "专委会“渔政专委会”不存在"),
        (14, "未知风险等级“很高”（应为 低/一般/较大/重大 或 蓝/黄/橙/红）"),
        (14, "底数清单应填 是 或 否（当前“也许”）"),
    ]  # fmt: skip
    assert plan.counts() == {"create": 2, "update": 0, "unchanged": 0, "error": 10}
    with pytest.raises(ValidationFailed) as exc:
        importer.apply(plan, None)
    assert exc.value.code == "import_invalid"
    assert len(exc.value.details["errors"]) == 11
    assert Organisation.objects.count() == 0


def test_the_command_lists_errors_and_exits_2(township: Township, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "bad.xlsx", [good(1), good(2, uscc="123")])
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("safety", "import", str(path), "--apply", stdout=StringIO(), stderr=err)
    assert exc.value.returncode == 2
    assert err.getvalue().strip() == "row 3: 统一社会信用代码“123”：统一社会信用代码应为 18 位（当前 3 位）"
    assert Organisation.objects.count() == 0


def test_a_good_file_upserts_by_uscc_and_reimport_is_idempotent(township: Township, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "list.xlsx",
        [good(1), good(2), good(3, kind="个体工商户", uscc=code(3, "92"), listed="否")],
    )
    out = StringIO()
    call_command("safety", "import", str(path), "--apply", stdout=out)
    assert "已写入：新增 3，更新 0，不变 0" in out.getvalue()
    a = Organisation.objects.get(uscc=code(1))
    assert (a.name, a.kind, a.legal_rep, a.phone, a.region.code, a.committee.code, a.risk_level, a.listed) == (
        "六横测试企业1", "enterprise", "陈国强", "13905801234", MICRO_A11, "industry_trade", "general", True
    )  # fmt: skip
    assert a.region_path.endswith(f"/{MICRO_A11}/")
    assert Organisation.objects.get(uscc=code(3, "92")).listed is False
    # Importing the same file again changes nothing
    again = importer.preview(path)
    assert again.counts() == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert importer.apply(again, None) == {"created": 0, "updated": 0, "unchanged": 3}
    # A changed row updates exactly what changed; a blank cell keeps the stored value
    changed = xlsx(
        tmp_path / "list2.xlsx", [good(1, name="六横测试企业1（更名）", region=MICRO_B11, phone="")]
    )
    plan = importer.preview(changed)
    assert [(r.action, r.changes) for r in plan.rows] == [("update", ["name", "region_id"])]
    importer.apply(plan, None)
    a.refresh_from_db()
    assert (a.name, a.region.code, a.phone) == ("六横测试企业1（更名）", MICRO_B11, "13905801234")
    assert a.region_path.endswith(f"/{MICRO_B11}/")


def test_register_flag_and_default_kind(township: Township, tmp_path: Path) -> None:
    header = ["统一社会信用代码", "名称", "区域代码"]
    path = xlsx(tmp_path / "个体户.xlsx", [[code(1, "92"), "张记小吃", MICRO_A11]], header)
    plan = importer.preview(path)
    assert plan.header_errors == ["缺少必需的列：类型（kind），或在导入时指定类型"]
    plan = importer.preview(path, kind="individual_business", register=True)
    importer.apply(plan, None)
    org_ = Organisation.objects.get()
    assert (org_.kind, org_.listed, org_.status) == ("individual_business", True, OrgStatus.OPEN)


def test_a_suspended_organisation_cannot_be_reopened_by_import(township: Township, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [good(1)])
    importer.apply(importer.preview(path), None)
    Organisation.objects.update(status=OrgStatus.SUSPENDED)
    plan = importer.preview(xlsx(tmp_path / "b.xlsx", [good(1, status="正常经营")]))
    assert [(e.row, e.message) for e in plan.errors] == [
        (2, "“六横测试企业1”处于停产停业状态，须先登记恢复生产经营")
    ]


def test_export_masks_personal_data_and_imports_back_unchanged(township: Township, tmp_path: Path) -> None:
    org(township, 1, legal_rep="王建国", phone="13905801234", risk_level="higher", venue="workshop")
    org(township, 2, region=MICRO_B11, kind="individual_business", committee="fire", risk_level="low")
    org(
        township,
        3,
        kind="other",
        venue="rental_housing",
        address="六横镇杜庄村 8 号 302 室",
        committee="fire",
    )
    path = tmp_path / "orgs.xlsx"
    assert importer.export(path) == 3
    ws = openpyxl.load_workbook(path).active
    rows = [[c.value or "" for c in r] for r in ws.iter_rows()]
    assert rows[0] == [importer.HEADERS_ZH[c] for c in importer.COLUMNS]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["法定代表人/经营者"], first["联系电话"]) == ("王*国", "139****1234")
    assert (first["风险等级"], first["场所类型"], first["状态"], first["底数清单"]) == (
        "较大风险（橙）",
        "厂房/车间",
        "正常经营",
        "是",
    )
    rental = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[1] == "测试企业3")
    assert rental["地址"] == "六横镇杜庄村 8****"  # a home address is masked too
    # Re-importing the masked export changes nothing (masked cells keep the stored values)
    plan = importer.preview(path)
    assert plan.ok, plan.errors
    assert plan.counts() == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert Organisation.objects.get(uscc=code(1)).phone == "13905801234"


def test_revealing_export_needs_a_role_and_is_logged(township: Township, tmp_path: Path) -> None:
    org(township, 1)
    with pytest.raises(PermissionDenied):
        importer.export(tmp_path / "x.xlsx", reveal=True)
    with pytest.raises(PermissionDenied):
        importer.export(tmp_path / "x.xlsx", user=township.users["leader"], reveal=True)
    importer.export(tmp_path / "x.xlsx", user=township.users["handler_emg"], reveal=True, reason="年度核查")
    log = PersonalDataAccess.objects.get()
    assert (log.user.username, log.object_type, log.object_id, log.reason) == (
        "handler_emg", "safety.organisation_export", "1", "年度核查"
    )  # fmt: skip
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert ws.cell(row=2, column=6).value == "13905801234"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "{tmp}/orgs.csv", "--reveal", "--user", "handler_emg"], "导出文件须为 .xlsx"),
        (
            ["export", "{tmp}/no/such/dir/orgs.xlsx", "--reveal", "--user", "handler_emg"],
            "目录不存在：{tmp}/no/such/dir",
        ),
        (["ledger", "{tmp}/no/such/dir/ledger.xlsx"], "目录不存在：{tmp}/no/such/dir"),
        (["never-inspected", "--xlsx", "{tmp}/no/such/dir/x.xlsx"], "目录不存在：{tmp}/no/such/dir"),
    ],
)
def test_an_export_to_a_path_it_cannot_write_is_one_line_and_logs_no_access(
    township: Township, tmp_path: Path, args: list[str], message: str
) -> None:
    org(township, 1)
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("safety", *[a.format(tmp=tmp_path) for a in args], stdout=out, stderr=StringIO())
    assert (exc.value.returncode, str(exc.value)) == (2, message.format(tmp=tmp_path))
    assert out.getvalue() == ""  # refused before anything was read or printed
    assert PersonalDataAccess.objects.count() == 0
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_rolls_back_the_access_it_would_have_logged(
    township: Township, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org(township, 1)
    (tmp_path / "x.xlsx").mkdir()  # a directory where the file should go
    with pytest.raises(ValidationFailed) as exc:
        importer.export(tmp_path / "x.xlsx", user=township.users["handler_emg"], reveal=True)
    assert (exc.value.code, exc.value.message) == ("export_path", f"{tmp_path / 'x.xlsx'} 是一个目录")

    def disk_full(*args: object) -> int:
        raise ValidationFailed("export_path", "无法写入：No space left on device")

    monkeypatch.setattr(importer, "write_xlsx", disk_full)
    with pytest.raises(ValidationFailed):
        importer.export(tmp_path / "y.xlsx", user=township.users["handler_emg"], reveal=True)
    assert PersonalDataAccess.objects.count() == 0  # logged in the write's transaction, rolled back


def test_an_actor_may_only_import_into_their_scope(township: Township, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [good(1), good(2, region=MICRO_B11)])
    with pytest.raises(PermissionDenied):
        importer.preview(path, actor=township.users["grid_a1"])
    # a dispatcher whose scope is village A only
    township.users["dispatcher"].regions.set([township.villages["330903107201"]])
    township.users["dispatcher"]._zz_region_paths = None  # type: ignore[attr-defined]
    plan = importer.preview(path, actor=township.users["dispatcher"])
    assert [(e.row, e.message) for e in plan.errors] == [(3, "无权在区域“台门社区1-1微网格”登记单位")]
