"""Excel export: exactly the filtered list, personal data masked; large exports run as a job with
progress and are downloaded only by whoever asked for them."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.web.conftest import CALLER, GRID_A1, World, list_ids, login
from zhizhi.web.models import Job

pytestmark = pytest.mark.django_db


def sheet_rows(content: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return list(ws.iter_rows(values_only=True))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "open=1",
        f"region={GRID_A1}",
        "status=closed,resolved&sort=id",
        "resolved=1&on_time=0",
        "visit_reached=1&satisfaction=satisfied,basically_satisfied",
        "received_from=2024-03-06&received_to=2024-03-08",
        "q=占道&sort=due",
        "supervised=1",
    ],
)
def test_export_equals_the_filtered_list(world: World, query: str):
    c = login("dispatcher")
    r = c.get(f"/cases/export.xlsx?{query}")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in r["Content-Disposition"]
    rows = sheet_rows(b"".join(r.streaming_content))
    assert rows[0][:3] == ("编号", "标题", "状态")
    assert [row[0] for row in rows[1:]] == list_ids(c, query)  # same rows, same order


def test_export_masks_personal_data(world: World):
    r = login("operator").get(f"/cases/export.xlsx?q={world.a_open.pk}")
    rows = sheet_rows(b"".join(r.streaming_content))
    header, line = rows[0], rows[1]
    record = dict(zip(header, line, strict=True))
    assert record["编号"] == world.a_open.pk
    assert record["联系电话"] == "139****1111"
    assert record["反映人"] == "王*明"
    assert CALLER not in str(line)


def test_export_of_a_bad_filter_is_refused(world: World):
    assert login("dispatcher").get("/cases/export.xlsx?sort=nonsense").status_code == 422


def test_large_export_runs_as_a_job_with_progress(world: World, settings):
    settings.ZHIZHI_EXPORT_SYNC_LIMIT = 3  # 7 cases: "large"
    c = login("dispatcher")
    r = c.get("/cases/export.xlsx?sort=id")
    assert r.status_code == 302
    job = Job.objects.get()
    assert r["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.total, job.done, job.params) == ("done", 7, 7, {"sort": "id"})
    page = c.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    assert 'data-testid="download"' in page.content.decode()
    fragment = c.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    download = c.get(f"/jobs/{job.pk}/download/")
    rows = sheet_rows(b"".join(download.streaming_content))
    assert [row[0] for row in rows[1:]] == sorted(c.pk for c in world.all())
    # nobody else can see or fetch it
    assert login("leader").get(f"/jobs/{job.pk}/").status_code == 404
    assert login("leader").get(f"/jobs/{job.pk}/download/").status_code == 404


def test_a_running_job_shows_its_progress_and_polls(world: World):
    from zhizhi.web.models import JobStatus

    user = world.t.users["dispatcher"]
    job = Job.objects.create(kind="cases_xlsx", user=user, status=JobStatus.RUNNING, total=20_000, done=5_000)
    r = login("dispatcher").get(f"/jobs/{job.pk}/")
    html = r.content.decode()
    assert "5000 / 20000" in html
    assert 'hx-trigger="every 1s"' in html
    assert 'aria-valuenow="25"' in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_background_export_in_a_thread(township, settings):
    """The real thread (a transactional test, so that the thread's connection sees the data)."""
    import threading

    from tests.cases.factories import T0, create

    settings.ZHIZHI_JOBS_INLINE = False
    settings.ZHIZHI_EXPORT_SYNC_LIMIT = 1
    for i in range(3):
        create(township, now=T0, title=f"占道 {i}")
    c = login("dispatcher")
    r = c.get("/cases/export.xlsx")
    job = Job.objects.get()
    # Wait for the thread itself (not a speed check: a loaded CI box is slow), without polling the
    # row meanwhile: on SQLite's shared-cache test database a read can lock out the thread's write.
    worker = next((t for t in threading.enumerate() if t.name == f"job-{job.pk}"), None)
    if worker is not None:
        worker.join(timeout=60)
        assert not worker.is_alive()
    job.refresh_from_db()
    assert (job.status, job.total) == ("done", 3)
    assert r["Location"] == f"/jobs/{job.pk}/"
