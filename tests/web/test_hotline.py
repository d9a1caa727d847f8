"""The hotline pages of the workbench: calls, a call answered on the spot, the hotline case form
recording its call, meetings and decisions, the figures and their drill-down lists."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.cases.factories import CaseInputFactory, at
from tests.township import VILLAGE_A, Township
from tests.web.conftest import login
from tests.web.test_intake import hotline_data
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.cases.models import Case
from zhizhi.hotline import services
from zhizhi.hotline.models import Call, Decision, Meeting, Outcome

MON = at("2024-03-04 09:00")


def count_on(html: str) -> int:
    found = re.search(r'data-testid="result-count">(\d+)<', html)
    assert found, html[:500]
    return int(found.group(1))


@pytest.fixture
def calls(township: Township) -> dict[str, Call]:
    op = township.users["operator"]
    answered = services.record_call(
        actor=op,
        data=services.CallInput(
            nature="consultation",
            summary="咨询居住证",
            caller_phone="13812345678",
            caller_name="王芳",
            answer="带身份证办理",
        ),
        now=MON,
    )
    opened = services.record_call(
        actor=op,
        data=services.CallInput(
            nature="help_request",
            summary="路灯不亮",
            caller_phone="13900001111",
            caller_name="李强",
            case=CaseInputFactory(),
        ),
        now=MON,
    )
    return {"answered": answered, "opened": opened}


def test_the_call_list_masks_callers_and_counts(calls: dict[str, Call]) -> None:
    r = login("operator").get("/hotline/")
    html = r.content.decode()
    assert (r.status_code, count_on(html)) == (200, 2)
    assert "138****5678" in html
    assert "13812345678" not in html
    assert "王*" in html
    assert "王芳" not in html
    r = login("operator").get("/hotline/", {"outcome": "answered"})
    assert count_on(r.content.decode()) == 1


def test_the_call_detail_shows_the_caller_to_the_desk_only_and_logs_it(calls: dict[str, Call]) -> None:
    pk = calls["answered"].pk
    r = login("operator").get(f"/hotline/calls/{pk}/")
    assert "王芳 13812345678" in r.content.decode()
    assert r["Cache-Control"] == "private, no-store"
    logged = PersonalDataAccess.objects.values_list(
        "user__username", "object_type", "object_id", "fields", "reason"
    )
    assert list(logged) == [("operator", "call", str(pk), "caller_name,caller_phone", "查看来电记录")]
    html = login("leader").get(f"/hotline/calls/{pk}/").content.decode()
    assert "13812345678" not in html
    assert "138****5678" in html
    assert PersonalDataAccess.objects.count() == 1  # the leader saw nothing to log


def test_a_call_outside_scope_is_a_404_and_the_desk_pages_are_the_desks(calls: dict[str, Call]) -> None:
    assert login("grid_b1").get(f"/hotline/calls/{calls['opened'].pk}/").status_code == 404
    # The grid worker of the case's grid sees its call
    assert login("grid_a1").get(f"/hotline/calls/{calls['opened'].pk}/").status_code == 200
    assert login("grid_a1").get("/hotline/").status_code == 403
    assert "/hotline/" not in login("grid_a1").get("/").content.decode()
    assert 'href="/hotline/"' in login("operator").get("/").content.decode()


def test_a_call_answered_on_the_spot_from_the_form(township: Township) -> None:
    r = login("operator").post(
        "/hotline/calls/new/",
        {
            "caller_phone": "138 1234 5678",
            "caller_name": "赵六",
            "nature": "consultation",
            "summary": "咨询",
            "answer": "已答复",
            "region": VILLAGE_A,
        },
    )
    call = Call.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/hotline/calls/{call.pk}/"
    assert (call.caller_phone, call.outcome, call.region.code, call.operator.username) == (
        "13812345678",
        Outcome.ANSWERED,
        VILLAGE_A,
        "operator",
    )


def test_the_answered_form_refuses_bad_input_and_writes_nothing(township: Township) -> None:
    r = login("operator").post(
        "/hotline/calls/new/",
        {"caller_phone": "12", "nature": "consultation", "summary": "咨询", "answer": "已答复"},
    )
    assert r.status_code == 422
    assert Call.objects.count() == 0
    assert login("grid_a1").post("/hotline/calls/new/", {}).status_code == 403


def test_the_hotline_case_form_records_its_call(world) -> None:
    before = Call.objects.count()
    r = login("operator").post("/cases/new/hotline/", hotline_data())
    case = Case.objects.latest("id")
    assert r["Location"] == f"/cases/{case.pk}/"
    call = Call.objects.get(case=case)
    assert (Call.objects.count(), call.outcome, call.nature.code, call.caller_phone, call.summary) == (
        before + 1,
        Outcome.CASE,
        "complaint",
        "13700002222",
        "每天早上",
    )
    # A hotline call needs its nature; a walk-in at the desk does not and records no call
    r = login("operator").post("/cases/new/hotline/", hotline_data(nature=""))
    assert r.status_code == 422
    assert "热线来电请选择诉求性质" in r.content.decode()
    login("operator").post("/cases/new/hotline/", hotline_data(channel="walk_in", nature=""))
    assert Call.objects.count() == before + 1
    assert Case.objects.latest("id").channel == "walk_in"


def test_a_meeting_from_the_form_and_its_decision_completed(township: Township) -> None:
    case = Case.objects.get(
        pk=services.record_call(
            actor=township.users["operator"],
            data=services.CallInput(nature="help_request", summary="x", case=CaseInputFactory()),
            now=MON,
        ).case_id
    )
    data = {
        "held_on": "2024-03-05",
        "title": "占道经营研判",
        "region": VILLAGE_A,
        "attendees": "综合执法中队",
        "case_ids": f"#{case.pk}",
        "d-TOTAL_FORMS": "3",
        "d-INITIAL_FORMS": "0",
        "d-0-text": "设置疏导点",
        "d-0-department": "enforcement",
        "d-0-due_on": "2024-03-15",
        "d-1-text": "",
        "d-1-department": "enforcement",
        "d-1-due_on": "",
        "d-2-text": "",
        "d-2-department": "enforcement",
        "d-2-due_on": "",
    }
    r = login("dispatcher").post("/hotline/meetings/new/", data)
    assert r.status_code == 302, re.findall(
        r"invalid-feedback[^>]*>([^<]+)<|alert-danger[^>]*>([^<]+)<", r.content.decode()
    )
    meeting = Meeting.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/hotline/meetings/{meeting.pk}/"
    assert list(meeting.cases.values_list("pk", flat=True)) == [case.pk]
    decision = Decision.objects.get()
    assert (decision.text, decision.owner_department.code, decision.due_on) == (
        "设置疏导点",
        "enforcement",
        date(2024, 3, 15),
    )
    html = login("handler_enf").get(f"/hotline/meetings/{meeting.pk}/").content.decode()
    assert f"/hotline/decisions/{decision.pk}/complete/" in html
    r = login("handler_enf").post(f"/hotline/decisions/{decision.pk}/complete/", {"note": "已设置"})
    decision.refresh_from_db()
    assert (r.status_code, decision.done_note, decision.done_by.username) == (302, "已设置", "handler_enf")
    # Out of scope: a grid worker of another village does not see the meeting or its decision
    assert login("grid_b1").get(f"/hotline/meetings/{meeting.pk}/").status_code == 404
    assert (
        login("grid_b1").post(f"/hotline/decisions/{decision.pk}/complete/", {"note": "x"}).status_code == 404
    )
    assert login("operator").post("/hotline/meetings/new/", data).status_code == 403
    assert Meeting.objects.count() == 1


def test_every_figure_links_to_a_list_of_as_many_records(calls: dict[str, Call], township: Township) -> None:
    c = login("dispatcher")
    params = {"region": township.town.code, "from": "2024-01-01", "to": "2024-12-31"}
    html = c.get("/hotline/figures/", params).content.decode()
    values = dict(re.findall(r'data-testid="figure-(\w+)">(\d+)<', html))
    assert {k: values[k] for k in ("calls_received", "answered_on_spot", "converted_to_cases")} == {
        "calls_received": "2",
        "answered_on_spot": "1",
        "converted_to_cases": "1",
    }
    for code, value in values.items():
        listed = count_on(c.get(f"/hotline/figures/{code}/", params).content.decode())
        assert listed == int(value), code
    # A rate's parts: numerator and denominator lists
    num = count_on(
        c.get("/hotline/figures/timely_connection_rate/", {**params, "part": "numerator"}).content.decode()
    )
    den = count_on(
        c.get("/hotline/figures/timely_connection_rate/", {**params, "part": "denominator"}).content.decode()
    )
    # The answered call is connected on the call; the case was never accepted and its response
    # deadline passed long before the end of 2024
    assert (num, den) == (1, 2)


def test_a_half_filled_decision_row_is_refused_and_nothing_is_written(township: Township) -> None:
    data = {
        "held_on": "2024-03-05",
        "title": "研判",
        "region": VILLAGE_A,
        "attendees": "综合执法中队",
        "d-TOTAL_FORMS": "1",
        "d-INITIAL_FORMS": "0",
        "d-0-text": "设置疏导点",
        "d-0-department": "enforcement",
        "d-0-due_on": "",
    }
    r = login("dispatcher").post("/hotline/meetings/new/", data)
    assert r.status_code == 422
    assert "请填写完成时限" in r.content.decode()
    assert (Meeting.objects.count(), Decision.objects.count()) == (0, 0)


DASH_LINK = re.compile(
    r'<a href="(/hotline/figures/[^"]+)" data-figure="([a-z_]+):(numerator|denominator)"[^>]*>(\d+)</a>'
)


@pytest.mark.parametrize("username", ["dispatcher", "operator", "leader"])
def test_the_dashboard_shows_the_hotline_figures_each_equal_to_its_list(
    calls: dict[str, Call], township: Township, username: str
) -> None:
    c = login(username)
    page = c.get("/metrics/", {"from": "2024-01-01", "to": "2024-12-31"}).content.decode()
    links = [
        (url.replace("&amp;", "&"), code, part, int(n)) for url, code, part, n in DASH_LINK.findall(page)
    ]
    shown = {(code, part): n for _, code, part, n in links}
    assert shown == {
        ("calls_received", "numerator"): 2,
        ("answered_on_spot", "numerator"): 1,
        ("converted_to_cases", "numerator"): 1,
        ("timely_handling_rate", "numerator"): 1,
        ("timely_handling_rate", "denominator"): 2,
        ("return_visit_rate", "numerator"): 0,
        ("return_visit_rate", "denominator"): 0,
        ("satisfaction_rate", "numerator"): 0,
        ("satisfaction_rate", "denominator"): 0,
        ("meetings_held", "numerator"): 0,
        ("decisions_done", "numerator"): 0,
    }
    for url, code, part, n in links:
        assert count_on(c.get(url).content.decode()) == n, (code, part)


def test_the_dashboard_has_no_hotline_block_for_a_grid_worker(calls: dict[str, Call]) -> None:
    page = login("grid_a1").get("/metrics/", {"from": "2024-01-01", "to": "2024-12-31"}).content.decode()
    assert 'id="dash-hotline"' not in page
    assert 'id="dash-safety"' in page
