"""New cases: the hotline form with the caller's earlier cases, and the phone form with photos."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.web.conftest import CALLER, GRID_A1, World, login
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.web.models import CaseAttachment

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def written() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), CaseAttachment.objects.count()


def hotline_data(**over: str) -> dict[str, str]:
    data = {
        "reporter_phone": "13700002222",
        "reporter_name": "李四",
        "channel": "hotline",
        "nature": "complaint",
        "category": "street_vending",
        "title": "小区门口有人摆摊",
        "description": "每天早上",
        "region": f"{GRID_A1}01",
        "address": "杜庄村菜场路",
        "priority": "normal",
    }
    data.update(over)
    return data


def test_the_hotline_form_registers_a_case(world: World):
    r = login("operator").post("/cases/new/hotline/", hotline_data())
    assert r.status_code == 302
    case = Case.objects.latest("id")
    assert r["Location"] == f"/cases/{case.pk}/"
    assert (case.channel, case.category.code, case.nature.code, case.region.code) == (
        "hotline",
        "street_vending",
        "complaint",
        f"{GRID_A1}01",
    )
    assert (case.reporter_phone, case.created_by.username, case.status) == (
        "13700002222",
        "operator",
        "received",
    )


def test_the_hotline_form_shows_service_errors_and_writes_nothing(world: World):
    before = written()
    r = login("operator").post("/cases/new/hotline/", hotline_data(reporter_phone="88-12"))
    assert r.status_code == 422
    assert "联系电话格式不正确" in r.content.decode()
    assert written() == before


def test_the_hotline_form_requires_a_region_or_coordinates(world: World):
    r = login("operator").post("/cases/new/hotline/", hotline_data(region=""))
    assert r.status_code == 422
    assert "region" in r.context["form"].errors


def test_caller_lookup_lists_the_callers_earlier_cases(world: World):
    r = login("operator").post(
        "/cases/new/hotline/lookup/", {"reporter_phone": CALLER}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200
    assert [c.pk for c in r.context["history"]] == [world.b_closed.pk, world.a_open.pk]  # newest first
    assert r.context["history_count"] == 2
    html = r.content.decode()
    assert "<html" not in html  # a fragment for htmx
    assert f"#{world.a_open.pk} " in html
    assert CALLER not in html


def test_caller_lookup_without_javascript_returns_the_filled_form(world: World):
    data = hotline_data(reporter_phone=f"+86 {CALLER}")
    r = login("operator").post("/cases/new/hotline/lookup/", data)
    assert r.status_code == 200
    assert r.context["history_count"] == 2
    assert r.context["form"]["title"].value() == data["title"]
    assert "<html" in r.content.decode()


def test_caller_lookup_is_scoped(world: World):
    # the grid worker of B1 may register, but sees only the caller's case in their grid
    r = login("grid_b1").post(
        "/cases/new/hotline/lookup/", {"reporter_phone": CALLER}, headers={"HX-Request": "true"}
    )
    assert [c.pk for c in r.context["history"]] == [world.b_closed.pk]


def test_caller_lookup_with_a_bad_number_says_so(world: World):
    r = login("operator").post(
        "/cases/new/hotline/lookup/", {"reporter_phone": "abc"}, headers={"HX-Request": "true"}
    )
    assert "联系电话格式不正确" in r.content.decode()


def test_caller_lookup_is_not_for_roles_that_do_not_register(world: World):
    assert login("leader").post("/cases/new/hotline/lookup/", {"reporter_phone": CALLER}).status_code == 403


def test_the_phone_form_reports_with_gps_and_photos(world: World, settings):
    photo = SimpleUploadedFile("../../etc/现场 1.png", PNG, content_type="application/octet-stream")
    photo2 = SimpleUploadedFile("b.jpg", JPEG, content_type="image/jpeg")
    r = login("grid_a1").post(
        "/cases/new/field/",
        {
            "category": "street_vending",
            "title": "路口占道经营",
            "lon": "122.02",
            "lat": "29.72",
            "priority": "normal",
            "photos": [photo, photo2],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.latest("id")
    assert (case.channel, case.region.code, case.created_by.username) == (
        "grid_patrol",
        f"{GRID_A1}01",
        "grid_a1",
    )
    atts = list(CaseAttachment.objects.filter(case=case).order_by("id"))
    assert [(a.content_type, a.size, a.original_name) for a in atts] == [
        ("image/png", len(PNG), "现场 1.png"),
        ("image/jpeg", len(JPEG), "b.jpg"),
    ]
    media = Path(settings.MEDIA_ROOT).resolve()
    for a in atts:
        stored = Path(a.file.path).resolve()
        assert stored.is_relative_to(media / "attachments")
        assert stored.name.endswith((".png", ".jpg"))
        assert len(stored.stem) == 32
    assert CaseEvent.objects.filter(case=case, action="attach").count() == 1
    # served to those who see the case, with headers that keep a browser from running it
    r = login("grid_a1").get(f"/cases/{case.pk}/photos/{atts[0].pk}/")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PNG
    assert r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r["Content-Security-Policy"]
    assert login("grid_b1").get(f"/cases/{case.pk}/photos/{atts[0].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.png", b"<svg onload=alert(1)>", "不是 JPEG、PNG 或 WebP 图片"),
        ("big.jpg", JPEG + b"\x00" * 2048, "超过"),
        ("empty.jpg", b"", "照片"),
    ],
)
def test_the_phone_form_refuses_bad_photos_and_writes_nothing(world: World, settings, name, content, message):
    settings.ZHIZHI_UPLOAD_MAX_BYTES = 1024
    before = written()
    r = login("grid_a1").post(
        "/cases/new/field/",
        {
            "category": "street_vending",
            "title": "路口占道经营",
            "lon": "122.02",
            "lat": "29.72",
            "priority": "normal",
            "photos": [SimpleUploadedFile(name, content)],
        },
    )
    assert r.status_code == 422
    assert message in r.content.decode()
    assert written() == before
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_the_phone_form_refuses_a_point_outside_the_workers_grid(world: World):
    before = written()
    r = login("grid_a1").post(
        "/cases/new/field/",
        {
            "category": "street_vending",
            "title": "越界",
            "lon": "122.15",
            "lat": "29.72",
            "priority": "normal",
        },
    )
    assert r.status_code == 403 or r.status_code == 422
    assert "无权在该区域登记工单" in r.content.decode()
    assert written() == before


def test_the_phone_form_works_with_a_region_and_no_gps(world: World):
    r = login("grid_a1").post(
        "/cases/new/field/",
        {"category": "street_vending", "title": "没有定位", "region": f"{GRID_A1}02", "priority": "normal"},
    )
    assert r.status_code == 302
    assert Case.objects.latest("id").region.code == f"{GRID_A1}02"


def test_photos_can_be_added_on_the_detail_page(world: World):
    c = login("handler_enf")
    r = c.post(f"/cases/{world.b_open.pk}/photos/", {"photos": [SimpleUploadedFile("after.png", PNG)]})
    assert r.status_code == 302
    assert CaseAttachment.objects.filter(case=world.b_open).count() == 1
    # a closed case takes no more
    r = c.post(f"/cases/{world.b_closed.pk}/photos/", {"photos": [SimpleUploadedFile("late.png", PNG)]})
    assert r.status_code == 422
    assert CaseAttachment.objects.filter(case=world.b_closed).count() == 0


def test_the_chooser_sends_each_role_to_its_form(world: World):
    assert login("grid_a1").get("/cases/new/")["Location"] == "/cases/new/field/"
    assert login("operator").get("/cases/new/")["Location"] == "/cases/new/hotline/"
    assert login("dispatcher").get("/cases/new/").status_code == 200
