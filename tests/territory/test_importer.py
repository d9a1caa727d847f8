"""Import (preview, apply) and export of the territory tree, from CSV and XLSX files."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from tests.territory.util import A01, A0101, A0102, A02, B01, TOWN, VA, VB, snapshot, square
from zhizhi.core.errors import ValidationFailed
from zhizhi.territory import importer, locate
from zhizhi.territory.models import Region

HEADER_ZH = ["代码", "名称", "层级", "上级代码", "类型", "边界"]
HEADER_EN = ["code", "name", "level", "parent_code", "kind", "boundary"]


def gj(*box: float) -> str:
    return json.dumps(square(*box))


# Rows out of order on purpose: children before their parents.
HAPPY = [
    [A01, "杜庄村第1网格", "网格", VA, "", gj(122.00, 29.70, 122.10, 29.75)],
    [TOWN, "六横镇", "镇", "", "", gj(122.00, 29.70, 122.30, 29.80)],
    [A0101, "杜庄1-1微网格", "微网格", A01, "", gj(122.00, 29.70, 122.05, 29.75)],
    [VA, "杜庄村", "村", TOWN, "", gj(122.00, 29.70, 122.10, 29.80)],
    [VB, "台门社区", "社区", TOWN, "", ""],
]


def write_csv(path, header, rows, *, encoding="utf-8-sig", delimiter=","):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path, header, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def tree_state() -> dict[str, tuple]:
    return {
        r.code: (r.name, r.level, r.kind, r.parent.code if r.parent else "", r.path, r.boundary)
        for r in Region.objects.select_related("parent")
    }


EXPECTED_TREE = {
    TOWN: ("六横镇", "town", "", "", f"/{TOWN}/", square(122.00, 29.70, 122.30, 29.80)),
    VA: ("杜庄村", "village", "village", TOWN, f"/{TOWN}/{VA}/", square(122.00, 29.70, 122.10, 29.80)),
    VB: ("台门社区", "village", "community", TOWN, f"/{TOWN}/{VB}/", None),
    A01: ("杜庄村第1网格", "grid", "", VA, f"/{TOWN}/{VA}/{A01}/", square(122.00, 29.70, 122.10, 29.75)),
    A0101: (
        "杜庄1-1微网格",
        "micro_grid",
        "",
        A01,
        f"/{TOWN}/{VA}/{A01}/{A0101}/",
        square(122.00, 29.70, 122.05, 29.75),
    ),
}


# --- happy paths -------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_import_preview_then_apply(db, tmp_path, encoding):
    path = write_csv(tmp_path / "regions.csv", HEADER_ZH, HAPPY, encoding=encoding)
    plan = importer.preview(path)
    assert plan.ok
    assert plan.counts() == {"create": 5, "update": 0, "unchanged": 0, "error": 0}
    assert [(r.row, r.action) for r in plan.rows] == [
        (2, "create"),
        (3, "create"),
        (4, "create"),
        (5, "create"),
        (6, "create"),
    ]
    assert Region.objects.count() == 0  # preview writes nothing

    assert importer.apply(plan, actor=None) == {"created": 5, "updated": 0, "unchanged": 0}
    assert tree_state() == EXPECTED_TREE
    assert locate.locate(122.02, 29.72).code == A0101


def test_xlsx_import_with_english_headers_numeric_cells_and_reordered_columns(db, tmp_path):
    header = ["level", "code", "name", "parent_code", "kind", "boundary", "remark"]
    rows = [
        ["grid", A01, "杜庄村第1网格", VA, None, gj(122.00, 29.70, 122.10, 29.75), "x"],
        ["town", int(TOWN), "六横镇", None, None, gj(122.00, 29.70, 122.30, 29.80), None],
        ["micro_grid", A0101, "杜庄1-1微网格", A01, None, gj(122.00, 29.70, 122.05, 29.75), None],
        ["village", float(VA), "杜庄村", int(TOWN), "village", gj(122.00, 29.70, 122.10, 29.80), None],
        [None, None, None, None, None, None, None],  # blank rows are skipped
        ["village", VB, "台门社区", TOWN, "community", None, None],
    ]
    plan = importer.preview(write_xlsx(tmp_path / "regions.xlsx", header, rows))
    assert plan.errors == []
    assert plan.warnings == ["忽略未识别的列：remark"]
    assert [(r.row, r.code, r.action) for r in plan.rows] == [
        (2, A01, "create"),
        (3, TOWN, "create"),
        (4, A0101, "create"),
        (5, VA, "create"),
        (7, VB, "create"),
    ]
    importer.apply(plan, actor=None)
    assert tree_state() == EXPECTED_TREE


def test_reimport_is_idempotent_and_changes_are_updates(db, tmp_path):
    path = write_csv(tmp_path / "regions.csv", HEADER_ZH, HAPPY)
    importer.apply(importer.preview(path), actor=None)
    before = snapshot()

    again = importer.preview(path)
    assert again.counts() == {"create": 0, "update": 0, "unchanged": 5, "error": 0}
    assert importer.apply(again, actor=None) == {"created": 0, "updated": 0, "unchanged": 5}
    assert snapshot() == before

    changed = [list(r) for r in HAPPY]
    changed[1][1] = "六横镇人民政府辖区"  # rename the town
    changed[4][2] = "村"  # 台门社区 becomes a 村 (kind)
    changed[4][5] = gj(122.10, 29.70, 122.20, 29.80)  # and gets a boundary
    changed[0][5] = ""  # a blank boundary leaves A01's as it is
    plan = importer.preview(write_csv(tmp_path / "changed.csv", HEADER_ZH, changed))
    assert [(r.row, r.action, r.changes) for r in plan.rows] == [
        (2, "unchanged", []),
        (3, "update", ["name"]),
        (4, "unchanged", []),
        (5, "unchanged", []),
        (6, "update", ["kind", "boundary"]),
    ]
    assert importer.apply(plan, actor=None) == {"created": 0, "updated": 2, "unchanged": 3}
    state = tree_state()
    assert state[TOWN][0] == "六横镇人民政府辖区"
    assert state[VB][2] == "village"
    assert state[VB][5] == square(122.10, 29.70, 122.20, 29.80)
    assert state[A01][5] == square(122.00, 29.70, 122.10, 29.75)
    assert locate.locate(122.15, 29.75).code == VB


def test_rows_may_hang_under_regions_already_in_the_database(town, tmp_path):
    rows = [[VB + "02", "台门社区第2网格", "grid", VB, "", gj(122.10, 29.75, 122.20, 29.80)]]
    plan = importer.preview(write_csv(tmp_path / "more.csv", HEADER_EN, rows, delimiter="\t"))
    assert plan.counts() == {"create": 1, "update": 0, "unchanged": 0, "error": 0}
    importer.apply(plan, actor=None)
    assert Region.objects.get(code=VB + "02").path == f"/{TOWN}/{VB}/{VB}02/"


# --- errors ------------------------------------------------------------------------------------------

BAD = [
    ["330903107203", "新村", "村", TOWN, "", ""],  # row 2: fine
    ["33090310720X", "坏代码村", "村", TOWN, "", ""],  # 3
    ["33090310720301", "新村第1网格", "网格", "330903107299", "", ""],  # 4
    ["330903107203", "重复村", "村", TOWN, "", ""],  # 5
    ["33090310720302", "错层级网格", "网格", TOWN, "", ""],  # 6
    [
        "33090310720303",
        "坏边界网格",
        "网格",
        "330903107203",
        "",
        '{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}',
    ],  # 7
    ["33090310720304", "非JSON网格", "网格", "330903107203", "", "{oops"],  # 8
    ["33090310720306", "新村第6网格", "网格", "330903107203", "", ""],  # 9: fine
    ["3309031072030301", "坏边界网格的微网格", "微网格", "33090310720303", "", ""],  # 10
    ["", "", "", "", "", ""],  # 11: blank, skipped
    ["330903107204", "杜庄村", "村", TOWN, "", ""],  # 12
    ["330903107205", "未知层级", "乡村", TOWN, "", ""],  # 13
    ["3.30903E+11", "科学计数", "村", TOWN, "", ""],  # 14
    [A01, "杜庄村第1网格", "网格", VB, "", ""],  # 15: an import cannot move a region
    ["330903107206", "网格类型", "网格", "330903107206", "社区", ""],  # 16
]
BAD_ERRORS = [
    "row 3: 村/社区代码只能由数字组成：33090310720X",
    "row 4: 上级代码 330903107299 不存在（文件和系统中都没有）",
    "row 5: 代码 330903107203 与第 2 行重复",
    "row 6: 层级顺序错误：网格的上级应为村/社区，不能是乡镇/街道",
    "row 7: 边界几何无效（Self-intersection[0.5 0.5]）",
    "row 8: 边界不是有效的 JSON 文本",
    "row 10: 上级代码 33090310720303 所在的第 7 行有错误",
    "row 12: 上级下已有同名区域“杜庄村”（代码 330903107201）",
    "row 13: 未知层级“乡村”（应为 镇/村/社区/网格/微网格 或 town/village/grid/micro_grid）",
    "row 14: 代码“3.30903E+11”是科学计数法，请把代码列设为文本格式后重新填写",
    f"row 15: 网格代码 {A01} 应为上级代码 {VB} 加两位序号",
    f"row 15: 代码 {A01} 在系统中的上级是 {VA}，导入不能更改上级（请使用迁移功能）",
    "row 16: 只有村/社区可以设置类型，网格不能",
    "row 16: 网格代码应为 14 位数字，实际 12 位：330903107206",
    "row 16: 上级代码不能与本行代码相同",
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_bad_rows_are_all_reported_and_nothing_is_written(town, tmp_path, fmt):
    path = tmp_path / f"bad.{fmt}"
    (write_csv if fmt == "csv" else write_xlsx)(path, HEADER_ZH, BAD)
    before = snapshot()
    plan = importer.preview(path)
    assert not plan.ok
    assert [str(e) for e in plan.errors] == BAD_ERRORS
    assert plan.counts() == {"create": 2, "update": 0, "unchanged": 0, "error": 12}
    with pytest.raises(ValidationFailed) as exc:
        importer.apply(plan, actor=None)
    assert exc.value.code == "import_invalid"
    assert exc.value.message == "导入文件有 15 处错误，未写入任何数据"
    assert exc.value.details["errors"] == BAD_ERRORS
    assert snapshot() == before


def test_duplicate_sibling_names_within_the_file(town, tmp_path):
    rows = [
        [VB + "02", "台门社区第2网格", "网格", VB, "", ""],
        [VB + "03", "台门社区第2网格", "网格", VB, "", ""],
    ]
    plan = importer.preview(write_csv(tmp_path / "names.csv", HEADER_ZH, rows))
    assert [str(e) for e in plan.errors] == [
        "row 2: 同一上级下名称“台门社区第2网格”与第 3 行重复",
        "row 3: 同一上级下名称“台门社区第2网格”与第 2 行重复",
    ]


def test_a_failure_while_applying_rolls_back_everything(town, tmp_path):
    rows = [
        [VB + "02", "台门社区第2网格", "网格", VB, "", ""],
        [VB + "03", "台门社区第3网格", "网格", VB, "", ""],
    ]
    plan = importer.preview(write_csv(tmp_path / "race.csv", HEADER_ZH, rows))
    assert plan.ok
    # someone else creates the second grid between preview and apply
    Region.objects.create(parent=town.vb, level="grid", code=VB + "03", name="抢先创建")
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        importer.apply(plan, actor=None)
    assert (exc.value.code, exc.value.message) == (
        "import_invalid",
        f"第 3 行：区划代码已存在：{VB}03（未写入任何数据）",
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["代码", "名称"], "row 1: 缺少必需的列：层级（level）"),
        (["代码", "名称", "层级", "code"], "row 1: 列“code”重复（代码）"),
    ],
)
def test_header_errors(db, tmp_path, header, message):
    plan = importer.preview(
        write_csv(tmp_path / "h.csv", header, [[TOWN, "六横镇", "镇", TOWN][: len(header)]])
    )
    assert [str(e) for e in plan.errors] == [message]
    assert plan.rows == []


def test_headers_with_parenthesised_english_are_recognised(db, tmp_path):
    header = ["代码(code)", "名称（name）", "层级 (level)", "上级代码(parent_code)"]
    plan = importer.preview(write_csv(tmp_path / "h.csv", header, [[TOWN, "六横镇", "乡镇/街道", ""]]))
    assert (plan.errors, plan.counts()["create"]) == ([], 1)


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (
            b"\xd0\xcf\x11\xe0" + b"\0" * 100,
            "import_unreadable",
            "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV",
        ),
        (b"PK\x03\x04garbage", "import_unreadable", "无法读取 Excel 文件（文件损坏或不是 .xlsx）"),
    ],
)
def test_unreadable_files(db, content, code, message):
    with pytest.raises(ValidationFailed) as exc:
        importer.preview(content, name="x")
    assert (exc.value.code, exc.value.message) == (code, message)


def test_a_boundary_of_thousands_of_points_is_read_from_csv(db, tmp_path):
    # A coastline of 8,000 points: a cell of about 200 KB, over the csv module's 128 KB default
    n = 8000
    ring = [[122.0 + 0.3 * i / n, 29.7 + 0.0000001 * (i % 7)] for i in range(n)]
    ring += [[122.3, 29.8], [122.0, 29.8], ring[0]]
    boundary = json.dumps({"type": "Polygon", "coordinates": [ring]})
    assert len(boundary) > 131_072
    plan = importer.preview(
        write_csv(tmp_path / "coast.csv", HEADER_ZH, [[TOWN, "六横镇", "镇", "", "", boundary]])
    )
    assert (plan.errors, plan.counts()["create"]) == ([], 1)
    importer.apply(plan, actor=None)
    assert len(Region.objects.get(code=TOWN).boundary["coordinates"][0]) == n + 3


def test_empty_file(db):
    plan = importer.preview(b"", name="empty.csv")
    assert [str(e) for e in plan.errors] == ["row 1: 文件为空或缺少表头"]


# --- export ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips(town, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    assert importer.export(path) == 8
    plan = importer.preview(path)
    assert plan.counts() == {"create": 0, "update": 0, "unchanged": 8, "error": 0}

    before = {code: state[:5] + (state[5],) for code, state in tree_state().items()}
    for region in Region.objects.order_by("-depth"):
        region.delete()
    plan = importer.preview(path)
    assert plan.counts() == {"create": 8, "update": 0, "unchanged": 0, "error": 0}
    importer.apply(plan, actor=None)
    assert tree_state() == before


def test_export_xlsx_writes_codes_as_text(town, tmp_path):
    path = tmp_path / "out.xlsx"
    importer.export(path, root=town.va)
    ws = openpyxl.load_workbook(path).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == HEADER_ZH
    assert [r[:5] for r in rows[1:]] == [
        [VA, "杜庄村", "村/社区", TOWN, "村"],
        [A01, "杜庄村第1网格", "网格", VA, None],
        [A0101, "杜庄1-1微网格", "微网格", A01, None],
        [A0102, "杜庄1-2微网格", "微网格", A01, None],
        [A02, "杜庄村第2网格", "网格", VA, None],
    ]
    assert {ws.cell(row=i, column=1).data_type for i in range(1, 7)} == {"s"}
    assert B01 not in [r[0] for r in rows]


def test_export_refuses_other_formats(town, tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        importer.export(tmp_path / "out.json")
    assert (exc.value.code, exc.value.message) == ("export_format", "导出文件须为 .xlsx 或 .csv")
