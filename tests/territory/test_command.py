"""`zhizhi territory import|export|tree|locate`."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.territory.test_importer import BAD, BAD_ERRORS, HAPPY, HEADER_ZH, write_csv
from tests.territory.util import A0101, TOWN, VA, snapshot
from zhizhi.territory.models import Region


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("territory", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_preview_prints_a_table_and_writes_nothing(db, tmp_path):
    path = write_csv(tmp_path / "regions.csv", HEADER_ZH, HAPPY)
    out, err = run("import", str(path))
    lines = out.splitlines()
    assert lines[0].split() == ["行", "操作", "代码", "名称", "层级", "上级代码", "变更"]
    assert lines[2].split() == ["2", "新增", "33090310720101", "杜庄村第1网格", "网格", VA]
    assert lines[-2:] == [
        "regions.csv：新增 5，更新 0，不变 0，错误 0",
        "这是预览，未写入；加 --apply 写入。",
    ]
    assert err == ""
    assert Region.objects.count() == 0


def test_import_apply_writes_and_a_second_run_changes_nothing(db, tmp_path):
    path = write_csv(tmp_path / "regions.csv", HEADER_ZH, HAPPY)
    out, _ = run("import", str(path), "--apply", "--quiet")
    assert out.splitlines() == [
        "regions.csv：新增 5，更新 0，不变 0，错误 0",
        "已写入：新增 5，更新 0，不变 0",
    ]
    assert Region.objects.count() == 5
    out, _ = run("import", str(path), "--apply", "--quiet")
    assert out.splitlines() == [
        "regions.csv：新增 0，更新 0，不变 5，错误 0",
        "已写入：新增 0，更新 0，不变 5",
    ]


def test_import_with_errors_exits_2_with_one_line_per_error(town, tmp_path):
    path = write_csv(tmp_path / "bad.csv", HEADER_ZH, BAD)
    before = snapshot()
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("territory", "import", str(path), "--apply", stdout=io.StringIO(), stderr=err)
    assert exc.value.returncode == 2
    assert str(exc.value) == "导入文件有 15 处错误，未写入任何数据"
    assert err.getvalue().splitlines() == BAD_ERRORS
    assert snapshot() == before


def test_import_of_an_unreadable_file_exits_2(db, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 64)
    with pytest.raises(CommandError) as exc:
        run("import", str(path))
    assert (exc.value.returncode, str(exc.value)) == (2, "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV")


def test_export_then_import_round_trips(town, tmp_path):
    path = tmp_path / "all.xlsx"
    out, _ = run("export", str(path))
    assert out == f"已导出 8 个区域到 {path}\n"
    out, _ = run("import", str(path), "--quiet")
    assert out.splitlines()[0] == "all.xlsx：新增 0，更新 0，不变 8，错误 0"
    out, _ = run("export", str(tmp_path / "va.csv"), "--root", VA)
    assert out == f"已导出 5 个区域到 {tmp_path / 'va.csv'}\n"


def test_tree(town):
    out, _ = run("tree", "--depth", "1")
    assert out.splitlines() == [
        "六横镇  330903107000  [乡镇/街道]",
        "  杜庄村  330903107201  [村/社区]",
        "  台门社区  330903107202  [村/社区]",
    ]
    out, _ = run("tree", VA)
    assert out.splitlines() == [
        "杜庄村  330903107201  [村/社区]",
        "  杜庄村第1网格  33090310720101  [网格]",
        "    杜庄1-1微网格  3309031072010101  [微网格]",
        "    杜庄1-2微网格  3309031072010102  [微网格]",
        "  杜庄村第2网格  33090310720102  [网格]",
    ]
    with pytest.raises(CommandError) as exc:
        run("tree", "330903107299")
    assert (exc.value.returncode, str(exc.value)) == (1, "区划代码不存在：330903107299")


def test_locate(town):
    out, _ = run("locate", "122.02", "29.72")
    assert out.splitlines() == [
        f"{A0101}  杜庄1-1微网格  [微网格]",
        "六横镇 / 杜庄村 / 杜庄村第1网格 / 杜庄1-1微网格",
    ]
    out, _ = run("locate", "122.25", "29.75")
    assert out.splitlines() == [f"{TOWN}  六横镇  [乡镇/街道]", "六横镇"]
    with pytest.raises(CommandError) as exc:
        run("locate", "121.9", "29.75")
    assert (exc.value.returncode, str(exc.value)) == (1, "坐标 (121.9, 29.75) 不在辖区范围内")
