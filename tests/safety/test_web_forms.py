"""安全生产 entry forms in the workbench, on the world of tests/safety/conftest.py: each form's happy
path with the exact records it writes, and each refusal (bad USCC, bad import rows, another area's
organisation, a role that may not) leaving everything as it was.

Forms: new/edit organisation, register import (upload → preview job → confirm → apply job),
enforcement records, campaigns and their tasks, inspections with checklist, photos and hazards,
and the hazard's governance plan and acceptance on the case page.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from tests.safety.helpers import (
    MICRO_A11,
    MICRO_A21,
    MICRO_B11,
    World,
    at,
    code,
    drive_hazard,
    general,
    inspect,
    major,
    snapshot,
)
from tests.township import VILLAGE_A, VILLAGE_B
from tests.web.conftest import PASSWORD, login
from zhizhi.accounts.models import PersonalDataAccess, Role, User
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.safety import importer, services
from zhizhi.safety.models import (
    Campaign,
    EnforcementAction,
    Grade,
    HazardDetail,
    Inspection,
    InspectionPhoto,
    InspectionTask,
    Organisation,
    OrgStatus,
)
from zhizhi.safety.workflow import CLOSED, NOTIFIED, RECEIVED, REINSPECTED
from zhizhi.web.models import Job

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _files(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ZHIZHI_IMPORT_DIR = tmp_path / "imports"
    settings.ZHIZHI_JOBS_INLINE = True


@pytest.fixture
def dispatcher_a(world: World) -> Client:
    """A dispatcher whose scope is village A only (town dispatchers see everything)."""
    user = User.objects.create_user(username="dispatcher_a", password=PASSWORD, role=Role.DISPATCHER)
    user.regions.set([world.t.villages[VILLAGE_A]])
    return login("dispatcher_a")


def page(c: Client, url: str, status: int = 200) -> str:
    r = c.get(url)
    assert r.status_code == status, (url, r.status_code)
    return r.content.decode()


def everything() -> tuple[Any, ...]:
    """Every row the safety forms write, to assert that a refusal changed nothing."""
    return (
        list(Organisation.objects.order_by("id").values()),
        list(EnforcementAction.objects.order_by("id").values()),
        list(Campaign.objects.order_by("id").values()),
        list(InspectionTask.objects.order_by("id").values()),
        list(Inspection.objects.order_by("id").values()),
        InspectionPhoto.objects.count(),
        list(Case.objects.order_by("id").values()),
        list(HazardDetail.objects.order_by("pk").values()),
        CaseEvent.objects.count(),
        PersonalDataAccess.objects.count(),
    )


# --- Organisations ---------------------------------------------------------------------------------

NEW_ORG = {
    "kind": "enterprise",
    "name": "六横船舶修造有限公司",
    "uscc": code(31),
    "venue": "dock",
    "region": MICRO_A21,
    "address": "六横镇峧头船厂路 8 号",
    "legal_rep": "陈海波",
    "phone": "13905807777",
    "industry": "船舶修造",
    "committee": "industry_trade",
    "risk_level": "higher",
    "listed": "on",
    "lon": "",
    "lat": "",
}


def test_a_dispatcher_registers_an_organisation(world: World) -> None:
    c = login("dispatcher")
    assert 'data-testid="new-org"' in page(c, "/safety/organisations/")
    assert 'data-testid="org-form"' in page(c, "/safety/organisations/new/")
    r = c.post("/safety/organisations/new/", NEW_ORG)
    org = Organisation.objects.get(uscc=code(31))
    assert (r.status_code, r["Location"]) == (302, f"/safety/organisations/{org.pk}/")
    row = Organisation.objects.filter(pk=org.pk).values(
        "kind", "name", "venue", "region__code", "region_path", "address", "legal_rep", "phone",
        "industry", "committee__code", "risk_level", "status", "listed", "lon", "lat",
    ).get()  # fmt: skip
    assert row == {
        "kind": "enterprise", "name": "六横船舶修造有限公司", "venue": "dock", "region__code": MICRO_A21,
        "region_path": world.t.micro_grids[MICRO_A21].path, "address": "六横镇峧头船厂路 8 号",
        "legal_rep": "陈海波", "phone": "13905807777", "industry": "船舶修造",
        "committee__code": "industry_trade", "risk_level": "higher", "status": "open", "listed": True,
        "lon": None, "lat": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        # position 10 is a letter the code alphabet leaves out
        (code(32)[:9] + "O" + code(32)[10:], "第 10 位字符 'O' 不允许：不使用字母 I、O、Z、S、V"),
        # position 5 is in the administrative division code: digits only
        (code(32)[:4] + "A" + code(32)[5:], "第 5 位字符 'A' 不允许：第 3–8 位是行政区划码，只能是数字"),
        # the check character
        (code(32)[:17] + ("0" if code(32)[17] != "0" else "1"), "第 18 位校验码错误：按前 17 位计算应为"),
    ],
)
def test_a_bad_uscc_names_the_position_on_the_field_and_writes_nothing(
    world: World, uscc: str, message: str
) -> None:
    before = everything()
    r = login("dispatcher").post("/safety/organisations/new/", {**NEW_ORG, "uscc": uscc})
    assert r.status_code == 422
    form = r.context["form"]
    assert len(form.errors["uscc"]) == 1
    assert form.errors["uscc"][0].startswith(message)
    assert escape(message) in r.content.decode()
    assert everything() == before


def test_a_used_uscc_and_a_missing_one_are_refused_on_the_field(world: World) -> None:
    before = everything()
    c = login("dispatcher")
    r = c.post("/safety/organisations/new/", {**NEW_ORG, "uscc": world.orgs["A"].uscc})
    assert (r.status_code, r.context["form"].errors["uscc"]) == (
        409,
        [f"统一社会信用代码 {world.orgs['A'].uscc} 已登记"],
    )
    r = c.post("/safety/organisations/new/", {**NEW_ORG, "uscc": ""})
    assert (r.status_code, r.context["form"].errors["uscc"]) == (
        422,
        ["企业和个体工商户须填写统一社会信用代码"],
    )
    assert everything() == before


def test_an_edit_keeps_the_masked_personal_data_and_logs_no_reveal(world: World) -> None:
    a = world.orgs["A"]
    c = login("dispatcher")
    assert 'data-testid="edit"' in page(c, f"/safety/organisations/{a.pk}/")
    form_page = page(c, f"/safety/organisations/{a.pk}/edit/")
    assert "13905801234" not in form_page  # shown masked
    assert "王建国" not in form_page
    initial = c.get(f"/safety/organisations/{a.pk}/edit/").context["form"].initial
    body = {k: ("" if v is None else v) for k, v in initial.items()}
    body.update(listed="on", industry="金属制品", risk_level="major")
    r = c.post(f"/safety/organisations/{a.pk}/edit/", body)
    assert (r.status_code, r["Location"]) == (302, f"/safety/organisations/{a.pk}/")
    a.refresh_from_db()
    assert (a.legal_rep, a.phone, a.address, a.industry, a.risk_level, a.uscc) == (
        "王建国", "13905801234", "六横镇测试路 1 号", "金属制品", "major", code(1)
    )  # fmt: skip
    assert PersonalDataAccess.objects.count() == 0
    # a changed value replaces the stored one
    c.post(f"/safety/organisations/{a.pk}/edit/", {**body, "phone": "13905809999"})
    a.refresh_from_db()
    assert (a.phone, a.legal_rep) == ("13905809999", "王建国")


def test_organisation_forms_refuse_other_roles_and_areas(world: World, dispatcher_a: Client) -> None:
    a, c_org = world.orgs["A"], world.orgs["C"]
    before = everything()
    for username in ("grid_a1", "cadre_a", "leader", "operator"):
        c = login(username)
        assert c.get("/safety/organisations/new/").status_code == 403
        assert c.post("/safety/organisations/new/", NEW_ORG).status_code == 403
        assert 'data-testid="new-org"' not in page(c, "/safety/organisations/")
    # grid_a1 sees A (403: the role) but not C (404: existence not revealed)
    assert login("grid_a1").post(f"/safety/organisations/{a.pk}/edit/", NEW_ORG).status_code == 403
    assert login("grid_a1").get(f"/safety/organisations/{c_org.pk}/edit/").status_code == 404
    # a dispatcher of village A: C is in village B
    assert dispatcher_a.get(f"/safety/organisations/{c_org.pk}/edit/").status_code == 404
    assert dispatcher_a.post(f"/safety/organisations/{c_org.pk}/edit/", NEW_ORG).status_code == 404
    # and may not register one there: the region is not even offered
    r = dispatcher_a.post("/safety/organisations/new/", {**NEW_ORG, "region": MICRO_B11})
    assert r.status_code == 422
    assert "region" in r.context["form"].errors
    assert everything() == before


# --- Register import -------------------------------------------------------------------------------

HEADER = ["统一社会信用代码", "名称", "类型", "区域代码", "行业", "底数清单"]


def xlsx(
    rows: list[list[Any]], header: list[str] = HEADER, name: str = "底数清单.xlsx"
) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def register_file(world: World) -> list[list[Any]]:
    return [
        [code(1), "测试企业1", "企业", MICRO_A11, "", "是"],  # A as it is: unchanged
        [code(2), "测试企业2", "企业", MICRO_A21, "船舶修造", "是"],  # B with an industry: updated
        [code(11), "新企业11", "企业", MICRO_A11, "水产加工", "是"],  # new
        [code(12, "92"), "张记小吃", "个体工商户", MICRO_B11, "", "否"],  # new
    ]


def test_the_import_previews_exact_counts_then_writes_and_a_reimport_changes_nothing(world: World) -> None:
    c = login("dispatcher")
    assert 'data-testid="import"' in page(c, "/safety/organisations/")
    assert 'data-testid="import-form"' in page(c, "/safety/organisations/import/")
    before = everything()
    r = c.post("/safety/organisations/import/", {"file": xlsx(register_file(world))})
    preview = Job.objects.get(kind="safety_register_preview")
    assert r["Location"] == f"/jobs/{preview.pk}/"
    # Then the preview counts every row, shows what will change, and nothing is written yet
    assert preview.result["counts"] == {"create": 2, "update": 1, "unchanged": 1, "error": 0}
    assert preview.result["ok"] is True
    assert [(x["row"], x["name"]) for x in preview.result["creates"]] == [(4, "新企业11"), (5, "张记小吃")]
    assert [(x["row"], x["changes"]) for x in preview.result["updates"]] == [(3, ["行业"])]
    assert everything() == before
    shown = page(c, f"/jobs/{preview.pk}/")
    for testid, n in (("count-create", 2), ("count-update", 1), ("count-unchanged", 1), ("count-error", 0)):
        assert f'data-testid="{testid}">{n}<' in shown
    assert "统一社会信用代码 ← “统一社会信用代码”" in shown  # the column mapping
    assert 'data-testid="confirm-import"' in shown
    # When confirmed
    r = c.post(f"/safety/organisations/import/{preview.pk}/apply/")
    applied = Job.objects.get(kind="safety_register_apply")
    assert r["Location"] == f"/jobs/{applied.pk}/"
    assert applied.result["counts"] == {"created": 2, "updated": 1, "unchanged": 1}
    assert 'data-testid="import-done"' in page(c, f"/jobs/{applied.pk}/")
    # Then exactly these records
    new = Organisation.objects.filter(uscc__in=[code(11), code(12, "92")]).order_by("uscc")
    assert [(o.uscc, o.name, o.kind, o.region.code, o.industry, o.listed, o.status) for o in new] == [
        (code(11), "新企业11", "enterprise", MICRO_A11, "水产加工", True, "open"),
        (code(12, "92"), "张记小吃", "individual_business", MICRO_B11, "", False, "open"),
    ]
    assert Organisation.objects.get(pk=world.orgs["B"].pk).industry == "船舶修造"
    assert Organisation.objects.count() == 7
    # And the same file again plans every row as unchanged and offers nothing to confirm
    after = everything()
    c.post("/safety/organisations/import/", {"file": xlsx(register_file(world))})
    again = Job.objects.filter(kind="safety_register_preview").latest("created_at")
    assert again.result["counts"] == {"create": 0, "update": 0, "unchanged": 4, "error": 0}
    shown = page(c, f"/jobs/{again.pk}/")
    assert 'data-testid="nothing-to-import"' in shown
    assert 'data-testid="confirm-import"' not in shown
    assert everything() == after


def test_bad_rows_are_each_reported_with_their_row_number_and_nothing_is_written(world: World) -> None:
    bad_uscc = code(13)[:9] + "O" + code(13)[10:]
    rows = [
        [code(11), "新企业11", "企业", MICRO_A11, "", "是"],
        [bad_uscc, "新企业13", "企业", MICRO_A11, "", "是"],
        [code(14), "新企业14", "企业", "3309039999999999", "", "是"],
        [code(11), "新企业11（重复）", "企业", MICRO_A11, "", "是"],
        [code(15), "新企业15", "企业", MICRO_A11, "", "也许"],
        [code(16), "新企业16", "企业", MICRO_A11, "", "是"],
    ]
    c = login("dispatcher")
    before = everything()
    c.post("/safety/organisations/import/", {"file": xlsx(rows)})
    preview = Job.objects.get(kind="safety_register_preview")
    assert preview.result["ok"] is False
    assert preview.result["errors"] == [
        [3, f"统一社会信用代码“{bad_uscc}”：第 10 位字符 'O' 不允许：不使用字母 I、O、Z、S、V"],
        [4, "区域代码 3309039999999999 不存在"],
        [5, f"统一社会信用代码 {code(11)} 与第 2 行重复"],
        [6, "底数清单应填 是 或 否（当前“也许”）"],
    ]
    assert preview.result["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 4}
    shown = page(c, f"/jobs/{preview.pk}/")
    for row in (3, 4, 5, 6):
        assert f'<li data-row="{row}">第 {row} 行：' in shown
    assert "有错误，未写入任何数据" in shown
    assert 'data-testid="confirm-import"' not in shown
    # a forged confirmation is refused
    r = c.post(f"/safety/organisations/import/{preview.pk}/apply/")
    assert r.status_code == 422
    assert not Job.objects.filter(kind="safety_register_apply").exists()
    assert everything() == before


def test_an_import_is_limited_to_the_importers_regions(world: World, dispatcher_a: Client) -> None:
    before = everything()
    dispatcher_a.post("/safety/organisations/import/", {"file": xlsx(register_file(world))})
    preview = Job.objects.get(kind="safety_register_preview")
    assert preview.result["errors"] == [[5, "无权在区域“台门社区1-1微网格”登记单位"]]
    assert dispatcher_a.post(f"/safety/organisations/import/{preview.pk}/apply/").status_code == 422
    assert everything() == before


def test_only_register_roles_import_and_jobs_are_their_owners(world: World) -> None:
    before = everything()
    for username in ("grid_a1", "leader", "cadre_b"):
        c = login(username)
        assert c.get("/safety/organisations/import/").status_code == 403
        assert (
            c.post("/safety/organisations/import/", {"file": xlsx(register_file(world))}).status_code == 403
        )
    assert not Job.objects.exists()
    r = login("dispatcher").post("/safety/organisations/import/", {"file": SimpleUploadedFile("a.txt", b"x")})
    assert r.status_code == 422
    assert r.context["form"].errors["file"] == ["请上传 .xlsx 或 .csv 文件"]
    login("dispatcher").post("/safety/organisations/import/", {"file": xlsx(register_file(world))})
    preview = Job.objects.get()
    other = login("handler_emg")
    assert other.get(f"/jobs/{preview.pk}/").status_code == 404
    assert other.post(f"/safety/organisations/import/{preview.pk}/apply/").status_code == 404
    assert everything() == before


def test_a_large_file_reports_its_progress(world: World, monkeypatch: Any) -> None:
    # Given progress reported every 2 rows (500 in production)
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 2)
    calls: list[tuple[int, int]] = []
    from zhizhi.web import jobs

    real = jobs.progress
    monkeypatch.setattr(
        jobs, "progress", lambda job, done, total=None: (calls.append((done, total)), real(job, done, total))
    )
    rows = [[code(40 + n), f"新企业{40 + n}", "企业", MICRO_A11, "", "是"] for n in range(5)]
    login("dispatcher").post("/safety/organisations/import/", {"file": xlsx(rows)})
    assert calls == [(0, 5), (2, 5), (4, 5)]
    # and a running check shows n / total on the job page
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status="running", done=2, total=5)
    assert "正在检查：2 / 5 行" in page(login("dispatcher"), f"/jobs/{job.pk}/")


# --- Enforcement -----------------------------------------------------------------------------------


def enforce(c: Client, org: Organisation, **body: Any) -> Any:
    return c.post(f"/safety/organisations/{org.pk}/enforcement/", body)


def test_enforcement_records_suspend_lift_file_and_refer(world: World) -> None:
    a = world.orgs["A"]
    h2 = world.hazards["h2"]
    i1 = Inspection.objects.filter(organisation=a).order_by("inspected_at").first()
    c = login("handler_emg")
    assert 'data-testid="enforce"' in page(c, f"/safety/organisations/{a.pk}/")
    assert 'data-testid="enforcement-form"' in page(c, f"/safety/organisations/{a.pk}/enforcement/")
    r = enforce(c, a, kind="suspension_order", decided_on="2024-11-01", document_no="六横应急责停〔2024〕3号",
                reason="配电箱无防护且拒不整改", persons_detained="0", hazard=str(h2.pk), inspection=str(i1.pk))  # fmt: skip
    assert (r.status_code, r["Location"]) == (302, f"/safety/organisations/{a.pk}/#enforcements")
    a.refresh_from_db()
    assert a.status == OrgStatus.SUSPENDED
    enforce(c, a, kind="case_filed", decided_on="2024-11-02", reason="立案查处")
    enforce(c, a, kind="police_referral", decided_on="2024-11-03", reason="移送公安", persons_detained="2")
    enforce(c, a, kind="suspension_lifted", decided_on="2024-11-20", reason="整改完毕，恢复生产")
    a.refresh_from_db()
    assert a.status == OrgStatus.OPEN
    records = EnforcementAction.objects.filter(organisation=a).order_by("id")
    assert [
        (e.kind, e.decided_on, e.document_no, e.reason, e.persons_detained, e.hazard_id, e.inspection_id,
         e.recorded_by.username)
        for e in records
    ] == [
        ("suspension_order", date(2024, 11, 1), "六横应急责停〔2024〕3号", "配电箱无防护且拒不整改", 0, h2.pk, i1.pk,
         "handler_emg"),
        ("case_filed", date(2024, 11, 2), "", "立案查处", 0, None, None, "handler_emg"),
        ("police_referral", date(2024, 11, 3), "", "移送公安", 2, None, None, "handler_emg"),
        ("suspension_lifted", date(2024, 11, 20), "", "整改完毕，恢复生产", 0, None, None, "handler_emg"),
    ]  # fmt: skip
    assert 'data-testid="enforcement-count">4<' in page(c, f"/safety/organisations/{a.pk}/")


def test_enforcement_refusals_write_nothing(world: World) -> None:
    a, c_org = world.orgs["A"], world.orgs["C"]
    before = everything()
    body = {"kind": "case_filed", "decided_on": "2024-11-02", "reason": "立案查处"}
    # roles that do not enforce: 403, and the page does not offer it
    for username in ("dispatcher", "grid_a1", "operator"):
        c = login(username)
        assert c.get(f"/safety/organisations/{a.pk}/enforcement/").status_code == 403
        assert enforce(c, a, **body).status_code == 403
        assert 'data-testid="enforce"' not in page(c, f"/safety/organisations/{a.pk}/")
    # an organisation outside the user's area: 404 before the role
    assert enforce(login("grid_a1"), c_org, **body).status_code == 404
    # lifting a suspension that is not there: 409 with the reason
    r = enforce(login("handler_emg"), a, kind="suspension_lifted", decided_on="2024-11-02", reason="恢复")
    assert r.status_code == 409
    assert "“测试企业1”未处于停产停业状态" in r.content.decode()
    # persons detained only on a referral: on the field
    r = enforce(login("handler_emg"), a, **body, persons_detained="3")
    assert (r.status_code, r.context["form"].errors["persons_detained"]) == (
        422,
        ["只有移送公安的记录填写行政拘留人数"],
    )
    # a date in the future
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    r = enforce(login("handler_emg"), a, **{**body, "decided_on": tomorrow})
    assert (r.status_code, r.context["form"].errors["decided_on"]) == (422, ["决定日期不能晚于今天"])
    assert everything() == before


# --- Campaigns and tasks ---------------------------------------------------------------------------


def test_a_dispatcher_creates_a_post_accident_sweep(world: World) -> None:
    c = login("dispatcher")
    assert 'data-testid="new-campaign"' in page(c, "/safety/campaigns/")
    r = c.post("/safety/campaigns/new/", {
        "name": "“11.3”火灾事故后紧急排查", "kind": "post_accident", "committee": "fire", "region": VILLAGE_B,
        "starts_on": "2024-11-04", "ends_on": "2024-11-30", "description": "沿街店铺、出租房全覆盖",
    })  # fmt: skip
    campaign = Campaign.objects.get(name="“11.3”火灾事故后紧急排查")
    assert (r.status_code, r["Location"]) == (302, f"/safety/campaigns/{campaign.pk}/")
    assert (
        campaign.kind, campaign.committee.code, campaign.region.code, campaign.starts_on, campaign.ends_on,
        campaign.description, campaign.created_by.username,
    ) == ("post_accident", "fire", VILLAGE_B, date(2024, 11, 4), date(2024, 11, 30), "沿街店铺、出租房全覆盖",
          "dispatcher")  # fmt: skip
    shown = page(c, f"/safety/campaigns/{campaign.pk}/")
    # the candidates are the fire committee's organisations in village B: C and E
    assert 'data-testid="candidate-count">2<' in shown


def test_campaign_refusals_write_nothing(world: World) -> None:
    before = everything()
    body = {"name": "x", "kind": "plan", "region": VILLAGE_A, "starts_on": "2024-05-01"}
    for username in ("grid_a1", "handler_emg", "cadre_a"):
        c = login(username)
        assert c.get("/safety/campaigns/new/").status_code == 403
        assert c.post("/safety/campaigns/new/", body).status_code == 403
        assert 'data-testid="new-campaign"' not in page(c, "/safety/campaigns/")
    r = login("dispatcher").post("/safety/campaigns/new/", {**body, "ends_on": "2024-04-01"})
    assert (r.status_code, r.context["form"].errors["ends_on"]) == (422, ["结束日期不能早于开始日期"])
    assert everything() == before


def test_tasks_are_assigned_to_an_inspector_and_done_by_an_inspection(world: World) -> None:
    sweep, a, b = world.sweep, world.orgs["A"], world.orgs["B"]
    c = login("dispatcher")
    shown = page(c, f"/safety/campaigns/{sweep.pk}/")
    assert 'data-testid="candidate-count">5<' in shown  # A–E, none tasked yet
    r = c.post(f"/safety/campaigns/{sweep.pk}/assign/",
               {"organisations": [str(a.pk), str(b.pk)], "inspector": "handler_emg", "due_on": "2024-11-15"})  # fmt: skip
    assert (r.status_code, r["Location"]) == (302, f"/safety/campaigns/{sweep.pk}/")
    tasks = InspectionTask.objects.filter(campaign=sweep).order_by("organisation_id")
    assert [(t.organisation_id, t.inspector.username, t.due_on, t.created_by.username) for t in tasks] == [
        (a.pk, "handler_emg", date(2024, 11, 15), "dispatcher"),
        (b.pk, "handler_emg", date(2024, 11, 15), "dispatcher"),
    ]
    # assigning again is harmless; "all matching" a filter tasks the rest of village B's listed ones
    c.post(f"/safety/campaigns/{sweep.pk}/assign/", {"organisations": [str(a.pk)], "inspector": "grid_a1"})
    c.post(f"/safety/campaigns/{sweep.pk}/assign/",
           {"all_matching": "on", "region": VILLAGE_B, "listed": "1", "inspector": "grid_b1"})  # fmt: skip
    assert sorted(
        InspectionTask.objects.filter(campaign=sweep).values_list("organisation_id", "inspector__username")
    ) == sorted([(a.pk, "handler_emg"), (b.pk, "handler_emg"), (world.orgs["C"].pk, "grid_b1"),
                 (world.orgs["E"].pk, "grid_b1")])  # fmt: skip
    # The inspector opens their task and records the inspection: the task is done
    task = tasks.get(organisation=b)
    inspector = login("handler_emg")
    shown = page(inspector, f"/safety/campaigns/{sweep.pk}/?mine=1")
    assert f'data-testid="inspect-task-{task.pk}"' in shown
    form = inspector.get(f"/safety/organisations/{b.pk}/inspect/?task={task.pk}").context["form"]
    assert (form.initial["task"], form.initial["campaign"], form.initial["inspector"]) == (
        task.pk, sweep.pk, "handler_emg"
    )  # fmt: skip
    r = inspector.post(
        f"/safety/organisations/{b.pk}/inspect/", inspection_body(task=task.pk, campaign=sweep.pk)
    )
    assert r.status_code == 302
    insp = Inspection.objects.get(task=task)
    assert (insp.campaign_id, insp.organisation_id) == (sweep.pk, b.pk)
    shown = page(c, f"/safety/campaigns/{sweep.pk}/")
    assert 'data-testid="task-done">1<' in shown
    assert 'data-testid="task-total">4<' in shown


def test_assignment_refusals_write_nothing(world: World, dispatcher_a: Client) -> None:
    sweep, a, c_org = world.sweep, world.orgs["A"], world.orgs["C"]
    before = everything()
    body = {"organisations": [str(a.pk)], "inspector": "handler_emg"}
    for username in ("grid_a1", "handler_emg"):
        assert login(username).post(f"/safety/campaigns/{sweep.pk}/assign/", body).status_code == 403
    # an organisation outside the planner's area, forged into the form: 404
    r = dispatcher_a.post(
        f"/safety/campaigns/{sweep.pk}/assign/", {**body, "organisations": [str(a.pk), str(c_org.pk)]}
    )
    assert r.status_code == 404
    # nothing ticked; an inspector who may not inspect; a due date outside the campaign
    c = login("dispatcher")
    r = c.post(f"/safety/campaigns/{sweep.pk}/assign/", {"inspector": "handler_emg"})
    assert (r.status_code, r.context["form"].errors["organisations"]) == (422, ["请勾选要派发的单位"])
    r = c.post(f"/safety/campaigns/{sweep.pk}/assign/", {**body, "inspector": "leader"})
    assert (r.status_code, "inspector" in r.context["form"].errors) == (422, True)
    r = c.post(f"/safety/campaigns/{sweep.pk}/assign/", {**body, "due_on": "2025-01-01"})
    assert (r.status_code, r.context["form"].errors["due_on"]) == (422, ["完成期限须在计划期间内"])
    assert everything() == before


def test_a_campaign_outside_the_users_area_is_404(world: World) -> None:
    campaign = Campaign.objects.create(
        name="台门社区专项", kind="campaign", region=world.t.villages[VILLAGE_B], starts_on=date(2024, 5, 1),
        created_by=world.t.users["dispatcher"],
    )  # fmt: skip
    c = login("grid_a1")
    assert c.get(f"/safety/campaigns/{campaign.pk}/").status_code == 404
    assert c.post(f"/safety/campaigns/{campaign.pk}/assign/", {"inspector": "grid_a1"}).status_code == 404
    assert campaign.pk not in [row.pk for row in c.get("/safety/campaigns/").context["page_obj"].object_list]


# --- Inspections -----------------------------------------------------------------------------------


def formset(prefix: str, rows: list[dict[str, str]], total: int) -> dict[str, str]:
    body = {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "100",
    }
    for n, row in enumerate(rows):
        body.update({f"{prefix}-{n}-{k}": v for k, v in row.items()})
    return body


# What a browser sends for an untouched hazard block: the selects' initial values.
BLANK_HAZARD = {"grade": "general", "category": "enterprise_hazard", "description": "", "legal_basis": "",
                "deadline": ""}  # fmt: skip


def inspection_body(*, hazards: list[dict[str, str]] = (), **fields: Any) -> dict[str, Any]:  # type: ignore[assignment]
    rows = [*hazards, *[BLANK_HAZARD] * (3 - len(hazards))]
    return {
        "inspector": "handler_emg",
        "inspected_at": "2024-11-05T09:30",
        "campaign": "",
        "task": "",
        "team": "",
        "findings": "",
        **formset("checklist", [{"item": "消防通道畅通", "passed": "1"}], 6),
        **formset("hazards", rows, 3),
        **{k: str(v) for k, v in fields.items()},
    }


HAZARD_1 = {"grade": "general", "category": "fire_facility_lane", "description": "消防通道堆放杂物",
            "legal_basis": "《消防法》第二十八条", "deadline": "2024-11-12"}  # fmt: skip
HAZARD_2 = {"grade": "major", "category": "enterprise_hazard", "description": "有限空间作业无审批、无监护",
            "legal_basis": "《工贸企业重大事故隐患判定标准》", "deadline": ""}  # fmt: skip


def test_an_inspector_records_an_inspection_with_checklist_photo_and_hazards(world: World) -> None:
    # Given B, in village A, never inspected; the safety inspector handler_emg (no regions of their own)
    b = world.orgs["B"]
    c = login("handler_emg")
    assert 'data-testid="inspect"' in page(c, f"/safety/organisations/{b.pk}/")
    assert 'data-testid="inspection-form"' in page(c, f"/safety/organisations/{b.pk}/inspect/")
    body = inspection_body(hazards=[HAZARD_1, HAZARD_2], team="李四", findings="现场检查发现两处隐患")
    body.update(formset("checklist", [{"item": "消防通道畅通", "passed": "0", "note": "堆放杂物"},
                                      {"item": "灭火器在有效期内", "passed": "1", "note": ""}], 6))  # fmt: skip
    body["photos"] = SimpleUploadedFile("现场.png", PNG)
    # When the form is sent
    r = c.post(f"/safety/organisations/{b.pk}/inspect/", body)
    # Then one inspection with its checklist and photo, and two hazard cases through the engine
    insp = Inspection.objects.get(organisation=b)
    assert (r.status_code, r["Location"]) == (302, f"/safety/inspections/{insp.pk}/")
    assert (
        insp.kind, insp.inspector.username, insp.recorded_by.username, insp.inspected_at, insp.team,
        insp.findings, insp.region.code, insp.campaign_id, insp.task_id,
    ) == ("check", "handler_emg", "handler_emg", at("2024-11-05 09:30"), "李四", "现场检查发现两处隐患", MICRO_A21,
          None, None)  # fmt: skip
    assert insp.checklist == [
        {"item": "消防通道畅通", "passed": False, "note": "堆放杂物"},
        {"item": "灭火器在有效期内", "passed": True},
    ]
    assert list(insp.photos.values_list("content_type", "original_name", "uploaded_by__username")) == [
        ("image/png", "现场.png", "handler_emg")
    ]
    h1, h2 = Case.objects.filter(hazard__inspection=insp).order_by("id")
    assert [
        (h.case_type, h.status, h.priority, h.category.code, h.region.code, h.department.code,
         h.assignee.username, h.created_by.username, h.received_at)
        for h in (h1, h2)
    ] == [
        ("hazard", NOTIFIED, "normal", "fire_facility_lane", MICRO_A21, "emergency", "handler_emg",
         "handler_emg", at("2024-11-05 09:30")),
        ("hazard", RECEIVED, "urgent", "enterprise_hazard", MICRO_A21, "emergency", "handler_emg",
         "handler_emg", at("2024-11-05 09:30")),
    ]  # fmt: skip
    assert (h1.hazard.grade, h1.hazard.legal_basis, h1.hazard.notified_at, h1.due_at) == (
        Grade.GENERAL, "《消防法》第二十八条", at("2024-11-05 09:30"), at("2024-11-12 23:59:59")
    )  # fmt: skip
    assert (h2.hazard.grade, h2.hazard.organisation_id, h2.description) == (
        Grade.MAJOR,
        b.pk,
        HAZARD_2["description"],
    )
    assert [e.action for e in CaseEvent.objects.filter(case=h1).order_by("at", "id")] == [
        "create", "record_hazard", "notify"
    ]  # fmt: skip
    shown = page(c, f"/safety/inspections/{insp.pk}/")
    assert 'data-testid="hazard-count">2<' in shown


def test_a_grid_worker_records_a_patrol_in_their_grid(world: World) -> None:
    c = login("grid_a1")
    assert 'data-testid="new-patrol"' in page(c, "/safety/inspections/")
    form = c.get("/safety/inspections/new/").context["form"]
    assert {code for code, _label in form.fields["region"].choices if code} <= {
        f"{VILLAGE_A}01", f"{VILLAGE_A}0101", f"{VILLAGE_A}0102"
    }  # fmt: skip
    body = inspection_body(region=f"{VILLAGE_A}0101", inspector="grid_a1", findings="夜查沿街店铺")
    r = c.post("/safety/inspections/new/", body)
    insp = Inspection.objects.get(findings="夜查沿街店铺")
    assert r["Location"] == f"/safety/inspections/{insp.pk}/"
    assert (insp.kind, insp.organisation_id, insp.region.code, insp.inspector.username, insp.checklist) == (
        "patrol", None, MICRO_A11, "grid_a1", [{"item": "消防通道畅通", "passed": True}]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("username", "hazard", "status", "message"),
    [
        # a deadline in the past: the first hazard, named
        (
            "handler_emg",
            {**HAZARD_1, "deadline": "2024-11-01"},
            422,
            "第 1 个隐患：整改期限须在检查当日到 366 天内",
        ),
        # a grid worker may record hazards in their grid, but not notify them on the spot
        ("grid_a1", HAZARD_1, 403, "第 1 个隐患：只有安全检查员"),
        # no description
        ("handler_emg", {**HAZARD_1, "description": ""}, 422, "请检查表单中标出的错误"),
    ],
)
def test_a_refused_hazard_writes_nothing_of_the_inspection(
    world: World, username: str, hazard: dict[str, str], status: int, message: str
) -> None:
    a = world.orgs["A"]
    before = everything()
    r = login(username).post(
        f"/safety/organisations/{a.pk}/inspect/", inspection_body(hazards=[hazard, HAZARD_2])
    )
    assert r.status_code == status
    assert escape(message) in r.content.decode()
    assert everything() == before


def test_inspection_refusals_write_nothing(world: World) -> None:
    a, c_org = world.orgs["A"], world.orgs["C"]
    before = everything()
    body = inspection_body(hazards=[HAZARD_1])
    # roles that may not register hazards at all: 403 (handler_enf: another department)
    for username in ("handler_enf", "leader"):
        c = login(username)
        assert c.get(f"/safety/organisations/{a.pk}/inspect/").status_code == 403
        assert c.post(f"/safety/organisations/{a.pk}/inspect/", body).status_code == 403
        assert 'data-testid="inspect"' not in page(c, f"/safety/organisations/{a.pk}/")
    assert login("leader").get("/safety/inspections/new/").status_code == 403
    # another area's organisation: 404
    assert login("grid_a1").post(f"/safety/organisations/{c_org.pk}/inspect/", body).status_code == 404
    # a photo that is not an image: on the field, nothing written
    r = login("handler_emg").post(
        f"/safety/organisations/{a.pk}/inspect/",
        {**body, "photos": SimpleUploadedFile("a.png", b"not an image")},
    )
    assert r.status_code == 422
    assert r.context["form"].errors["photos"] == ["照片须为不超过 10 MB 的 JPEG/PNG/WebP 图片"]
    # a checklist item without its result
    no_result = {k: v for k, v in body.items() if k != "checklist-0-passed"}
    r = login("handler_emg").post(
        f"/safety/organisations/{a.pk}/inspect/",
        {**no_result, **formset("checklist", [{"item": "电气线路"}], 6)},
    )
    assert (r.status_code, r.context["checklist"].forms[0].errors["passed"]) == (422, ["请选择合格或不合格"])
    assert everything() == before


# --- The hazard's governance plan and acceptance on the case page ----------------------------------


def test_the_governance_plan_is_a_proper_form_and_files_the_six_fields(world: World) -> None:
    case = drive_hazard(world.t, NOTIFIED, Grade.MAJOR, n=20).case
    c = login("handler_emg")
    shown = page(c, f"/cases/{case.pk}/")
    assert f'action="/cases/{case.pk}/act/file_plan/"' in shown
    for html in (
        'type="number" name="file_plan-funds"',
        'step="0.01"',
        'type="date" name="file_plan-plan_deadline"',
        '<textarea name="file_plan-goals"',
        '<textarea name="file_plan-measures"',
        '<textarea name="file_plan-people"',
        '<textarea name="file_plan-contingency"',
        "经费（万元）",
        "治理时限",
    ):
        assert html in shown, html
    deadline = timezone.localdate() + timedelta(days=60)
    body = {
        "file_plan-goals": "消除有限空间作业隐患",
        "file_plan-measures": "建立审批制度，配备气体检测仪和监护人",
        "file_plan-funds": "12.5",
        "file_plan-people": "企业主要负责人张某，安全员李某",
        "file_plan-plan_deadline": deadline.isoformat(),
        "file_plan-contingency": "作业前检测，配备应急救援器材",
    }
    # funds that are not a number: on the field, nothing changed
    before = snapshot(case)
    r = c.post(f"/cases/{case.pk}/act/file_plan/", {**body, "file_plan-funds": "十万"})
    assert r.status_code == 422
    assert r.context["failed_form"].errors["funds"] == ["输入一个数字。"]
    assert snapshot(case) == before
    r = c.post(f"/cases/{case.pk}/act/file_plan/", body)
    assert r.status_code == 302
    detail = HazardDetail.objects.get(pk=case.pk)
    assert (
        detail.plan_goals, detail.plan_measures, detail.plan_funds, detail.plan_people, detail.plan_deadline,
        detail.plan_contingency,
    ) == ("消除有限空间作业隐患", "建立审批制度，配备气体检测仪和监护人", Decimal("12.50"), "企业主要负责人张某，安全员李某",
          deadline, "作业前检测，配备应急救援器材")  # fmt: skip
    assert Case.objects.get(pk=case.pk).due_at == at(f"{deadline} 23:59:59")
    assert CaseEvent.objects.filter(case=case).latest("id").data["funds"] == "12.50"


def test_acceptance_is_a_form_for_the_leader_and_closes_the_major_hazard(world: World) -> None:
    case = drive_hazard(world.t, REINSPECTED, Grade.MAJOR, n=21).case
    c = login("leader")
    shown = page(c, f"/cases/{case.pk}/")
    assert f'action="/cases/{case.pk}/act/acceptance/"' in shown
    assert '<textarea name="acceptance-result"' in shown
    assert "复查/验收意见" in shown
    r = c.post(f"/cases/{case.pk}/act/acceptance/", {"acceptance-result": "验收合格，同意销号"})
    assert r.status_code == 302
    row = Case.objects.get(pk=case.pk)
    assert (row.status, row.hazard.acceptance_result, row.hazard.accepted_at is not None) == (
        CLOSED, "验收合格，同意销号", True
    )  # fmt: skip
    # the inspector is not offered it (dispatchers and leaders accept)
    other = drive_hazard(world.t, REINSPECTED, Grade.MAJOR, n=22).case
    assert f'action="/cases/{other.pk}/act/acceptance/"' not in page(
        login("handler_emg"), f"/cases/{other.pk}/"
    )


# --- English ---------------------------------------------------------------------------------------


def test_the_forms_in_english(world: World) -> None:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert c.login(username="dispatcher", password=PASSWORD)
    a = world.orgs["A"]
    for url, texts in (
        ("/safety/organisations/new/", ["New organisation", "Unified social credit code"]),
        ("/safety/organisations/import/", ["Import the register list", "Upload and check"]),
        ("/safety/campaigns/new/", ["New inspection plan", "Start date"]),
        (f"/safety/organisations/{a.pk}/inspect/", ["Record an inspection", "Hazards found", "Checklist"]),
    ):
        shown = page(c, url)
        for text in texts:
            assert text in shown, (url, text)
    shown = page(c, f"/safety/campaigns/{world.sweep.pk}/")
    assert "Assign inspection tasks" in shown
    assert "派发检查任务" not in shown


def test_the_campaign_list_counts_each_campaign_s_tasks_and_inspections(world: World) -> None:
    dispatcher = world.t.users["dispatcher"]
    services.assign_tasks(
        actor=dispatcher,
        campaign=world.sweep,
        organisations=[world.orgs["A"], world.orgs["C"], world.orgs["E"]],
        inspector="handler_emg",
    )
    idle = services.create_campaign(
        actor=dispatcher, name="节前检查", kind="campaign", region="330903107000", starts_on=date(2024, 12, 1)
    )
    listed = login("dispatcher").get("/safety/campaigns/").context["page_obj"].object_list
    # the sweep's two inspections: one of organisation C, one patrol
    assert {c.pk: (c.task_count, c.inspection_count) for c in listed} == {
        world.sweep.pk: (3, 2),
        idle.pk: (0, 0),
    }


def test_the_inspection_list_counts_each_inspection_s_hazards(world: World) -> None:
    # Given one more inspection, of organisation A, that found two hazards
    two = inspect(
        world.t, world.orgs["A"], when=at("2024-11-02 10:00"), hazards=[general(), major()], by="dispatcher"
    )
    # When the dispatcher lists inspections (50 to a page: all of the world's)
    listed = login("dispatcher").get("/safety/inspections/").context["page_obj"].object_list
    # Then each row's count is its own hazards
    expected = {i.pk: HazardDetail.objects.filter(inspection=i).count() for i in Inspection.objects.all()}
    assert {i.pk: i.hazard_count for i in listed} == expected
    assert expected[two.inspection.pk] == 2
