"""The hazard ledger (隐患台账) .xlsx, the never-inspected list and the `zhizhi safety` command,
on the `world` fixture (see conftest)."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.safety.helpers import World, code
from tests.township import VILLAGE_A
from zhizhi.safety import ledger
from zhizhi.safety.figures import FigureFilter

pytestmark = pytest.mark.django_db


def read(path: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_the_ledger_lists_every_hazard_of_the_year_with_its_state(world: World, tmp_path: Path) -> None:
    path = tmp_path / "隐患台账.xlsx"
    out = StringIO()
    call_command("safety", "ledger", str(path), "--year", "2024", stdout=out)
    assert out.getvalue().strip() == f"wrote 4 hazards to {path}"
    rows = read(path)
    h = world.hazards
    assert [r["编号"] for r in rows] == [h["h1"].pk, h["h2"].pk, h["h3"].pk, h["h4"].pk]
    assert list(rows[0]) == ledger.LEDGER_HEADER
    h1, h2, h3, h4 = rows
    assert {
        k: h1[k]
        for k in ("发现时间", "单位名称", "统一社会信用代码", "单位类型", "隐患类别", "隐患等级", "隐患描述")
    } == {
        "发现时间": datetime(2024, 3, 5, 10, 0),
        "单位名称": "测试企业1",
        "统一社会信用代码": code(1),
        "单位类型": "企业",
        "隐患类别": "消防设施缺损/通道堵塞",
        "隐患等级": "一般隐患",
        "隐患描述": "消防通道堵塞",
    }
    assert (h1["状态"], h1["整改期限"], h1["复查合格时间"], h1["是否超期"], h1["检查人"]) == (
        "复查合格",
        datetime(2024, 3, 15, 23, 59, 59),
        datetime(2024, 3, 12, 9, 0),
        "否",
        "handler_emg",
    )
    assert (h2["状态"], h2["是否超期"], h2["复查合格时间"]) == ("整改中", "是", None)
    assert (h3["隐患等级"], h3["挂牌督办"], h3["单位状态"], h3["治理时限"], h3["是否超期"]) == (
        "重大隐患",
        "是",
        "正常经营",  # suspended on 04-02, lifted on 06-01
        datetime(2025, 6, 30, 0, 0),
        "否",
    )
    assert (h4["状态"], h4["计划/专项行动"], h4["销号时间"]) == (
        "已销号",
        "“10.12事故”后安全生产紧急排查",
        datetime(2024, 10, 26, 10, 0),
    )
    # No personal data in the ledger
    assert not {"法定代表人/经营者", "联系电话"} & set(h1)


def test_the_ledger_of_a_region(world: World, tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    call_command("safety", "ledger", str(path), "--year", "2024", "--region", VILLAGE_A, stdout=StringIO())
    assert [r["单位名称"] for r in read(path)] == ["测试企业1", "测试企业1"]


def test_a_suspended_organisation_is_flagged_in_the_ledger(world: World) -> None:
    from zhizhi.safety.models import Organisation, OrgStatus

    Organisation.objects.filter(pk=world.orgs["A"].pk).update(status=OrgStatus.SUSPENDED)
    rows = list(ledger.ledger_rows(FigureFilter.build(year=2024)))
    status = rows[0].index("单位状态")
    assert [r[status] for r in rows[1:3]] == ["停产停业", "停产停业"]


def test_never_inspected_lists_listed_organisations_without_a_check(world: World) -> None:
    out = StringIO()
    call_command("safety", "never-inspected", "--year", "2024", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ledger.NEVER_INSPECTED_HEADER
    body = [line.split() for line in lines[2:-1]]
    assert [(r[1], r[-1]) for r in body] == [("测试企业2", "从未检查"), ("测试企业5", "2023-12-31")]
    assert lines[-1] == "2 listed organisations never inspected"
    # the unlisted D (inspected) and A and C (inspected) are not there; in village A only B
    out = StringIO()
    call_command("safety", "never-inspected", "--year", "2024", "--region", VILLAGE_A, stdout=out)
    assert out.getvalue().splitlines()[-1] == "1 listed organisations never inspected"


def test_figures_command_and_unknown_arguments(world: World) -> None:
    out = StringIO()
    call_command("safety", "figures", "--year", "2024", stdout=out)
    lines = {line.split()[1]: line.split() for line in out.getvalue().splitlines()[2:]}
    assert lines["register_coverage"] == ["底数清单检查覆盖率", "register_coverage", "50.00%", "(2/4)"]
    assert lines["hazards_found"] == ["发现隐患", "hazards_found", "4", "条"]
    assert len(lines) == 16
    with pytest.raises(CommandError) as exc:
        call_command("safety", "figures", "--region", "999", stdout=StringIO())
    assert exc.value.returncode == 2
