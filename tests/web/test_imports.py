"""Territory import in the browser: upload → checked as a job → confirm → written as a job."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.web.conftest import GRID_A1, World, login
from zhizhi.territory.models import Region
from zhizhi.web.models import Job

pytestmark = pytest.mark.django_db

NEW = f"{GRID_A1}03"


def csv(*rows: str) -> SimpleUploadedFile:
    text = "\n".join(["代码,名称,层级,上级代码", *rows]) + "\n"
    return SimpleUploadedFile("区域.csv", text.encode("utf-8"), content_type="text/csv")


def test_an_admin_previews_then_imports(world: World):
    c = login("admin")
    assert c.get("/regions/import/").status_code == 200
    r = c.post("/regions/import/", {"file": csv(f"{NEW},杜庄1-3微网格,微网格,{GRID_A1}")})
    preview = Job.objects.get(kind="territory_preview")
    assert r["Location"] == f"/jobs/{preview.pk}/"
    assert preview.result["ok"] is True
    assert preview.result["counts"] == {"create": 1, "update": 0, "unchanged": 0, "error": 0}
    assert not Region.objects.filter(code=NEW).exists()  # nothing written yet
    page = c.get(f"/jobs/{preview.pk}/").content.decode()
    assert 'data-testid="confirm-import"' in page
    r = c.post(f"/regions/import/{preview.pk}/apply/")
    applied = Job.objects.get(kind="territory_apply")
    assert r["Location"] == f"/jobs/{applied.pk}/"
    assert applied.result["counts"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert Region.objects.get(code=NEW).parent.code == GRID_A1
    assert 'data-testid="import-done"' in c.get(f"/jobs/{applied.pk}/").content.decode()


def test_a_file_with_errors_is_shown_and_cannot_be_confirmed(world: World):
    c = login("admin")
    c.post("/regions/import/", {"file": csv(f"{NEW},杜庄1-3微网格,微网格,999999999999")})
    preview = Job.objects.get(kind="territory_preview")
    assert preview.result["ok"] is False
    assert preview.result["errors"]
    page = c.get(f"/jobs/{preview.pk}/").content.decode()
    assert "未写入任何数据" in page
    assert 'data-testid="confirm-import"' not in page
    r = c.post(f"/regions/import/{preview.pk}/apply/")
    assert r.status_code == 422
    assert not Job.objects.filter(kind="territory_apply").exists()
    assert not Region.objects.filter(code=NEW).exists()


def test_only_csv_and_xlsx(world: World):
    r = login("admin").post("/regions/import/", {"file": SimpleUploadedFile("a.txt", b"x")})
    assert r.status_code == 422
    assert "请上传 .xlsx 或 .csv 文件" in r.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize("username", ["dispatcher", "leader", "grid_a1", "cadre_a"])
def test_only_admins_import(world: World, username: str):
    c = login(username)
    assert c.get("/regions/import/").status_code == 403
    assert c.post("/regions/import/", {"file": csv(f"{NEW},x,微网格,{GRID_A1}")}).status_code == 403
    assert "导入区域" not in c.get("/regions/").content.decode()
    assert not Job.objects.exists()


def test_another_users_preview_cannot_be_seen_or_confirmed(world: World):
    login("admin").post("/regions/import/", {"file": csv(f"{NEW},杜庄1-3微网格,微网格,{GRID_A1}")})
    preview = Job.objects.get()
    other = login("dispatcher")
    assert other.get(f"/jobs/{preview.pk}/").status_code == 404
    assert other.post(f"/regions/import/{preview.pk}/apply/").status_code in (403, 404)
    assert not Region.objects.filter(code=NEW).exists()
