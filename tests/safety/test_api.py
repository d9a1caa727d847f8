"""The JSON API exposes every hazard action as POST /api/v1/cases/{id}/{action} (engine feature),
and lists and shows hazards in every state of their workflow, labelled with the hazard's own labels
(`cases.types.status_label`)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.api.helpers import Api
from tests.safety.helpers import Clock, drive_hazard
from tests.township import Township
from zhizhi.safety.workflow import NOTIFIED, RECEIVED, RECTIFYING, REINSPECTED

pytestmark = pytest.mark.django_db


def test_hazard_actions_are_routed_and_refusals_are_json(township: Township) -> None:
    case = drive_hazard(township, RECEIVED).case
    # a dispatcher may see the hazard but not notify it: 403 from the engine's role check
    response = Api(township.users["dispatcher"]).post(f"/cases/{case.pk}/notify", {"deadline": "2024-03-15"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden_role"
    # handler_enf does not see it at all
    response = Api(township.users["handler_enf"]).post(f"/cases/{case.pk}/notify", {})
    assert response.status_code == 404
    # a hazard still in `received` (an engine state) reads fine
    detail = Api(township.users["handler_emg"]).get(f"/cases/{case.pk}").json()
    assert (detail["case_type"], detail["status"], detail["category"]["code"]) == (
        "hazard",
        "received",
        "fire_facility_lane",
    )


def test_a_hazard_action_through_the_api_returns_the_case(township: Township) -> None:
    case = drive_hazard(township, RECEIVED, clock=Clock()).case
    response = Api(township.users["handler_emg"]).post(
        f"/cases/{case.pk}/notify", {"notice_no": "六横安监责改〔2024〕9号"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_label"]) == (NOTIFIED, "已下达整改通知")


def test_a_hazard_in_a_hazard_only_state_is_listed_and_shown(township: Township) -> None:
    # Given a hazard in `rectifying`, a state the base workflow does not have
    case = drive_hazard(township, RECTIFYING).case
    api = Api(township.users["handler_emg"])
    # When it is shown, then 200 with the hazard's Chinese label
    detail = api.get(f"/cases/{case.pk}")
    assert detail.status_code == 200
    assert (detail.json()["status"], detail.json()["status_label"]) == (RECTIFYING, "整改中")
    # and the list (filtered by that state, or by type) holds exactly it, labelled the same way
    for params in ({"status": RECTIFYING}, {"type": "hazard"}):
        listed = api.get("/cases", params)
        assert listed.status_code == 200, listed.content
        rows = listed.json()["results"]
        assert [(r["id"], r["status"], r["status_label"]) for r in rows] == [(case.pk, RECTIFYING, "整改中")]
    # and an unknown state is still refused
    assert api.get("/cases", {"status": "rectifyingg"}).status_code == 422


def test_a_hazard_awaiting_closure_is_not_open_and_an_overdue_one_is(township: Township) -> None:
    clock = Clock()
    fixed = drive_hazard(township, REINSPECTED, clock=clock).case
    api = Api(township.users["handler_emg"])
    body = api.get(f"/cases/{fixed.pk}").json()
    assert (body["status_label"], body["overdue"]) == ("复查合格", False)
    late = drive_hazard(township, RECTIFYING, clock=clock, n=2).case
    assert api.get(f"/cases/{late.pk}").json()["overdue"] is (late.due_at < timezone.now())
