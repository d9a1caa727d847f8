"""Personal data: masked in every list and in the admin, in full only with an access log, never in the
timeline or in the application logs."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from tests.mediation.helpers import LI, ZHANG, act, at, drive, eod
from tests.township import Township
from zhizhi.accounts.models import PersonalDataAccess, User
from zhizhi.cases.models import CaseEvent
from zhizhi.core.errors import DomainError
from zhizhi.mediation import queries
from zhizhi.mediation.models import Party

PERSONAL = (ZHANG, LI, "13800138000", "13900139000", "张三", "李四", "杜庄村 8 号", "杜庄村 10 号")


def test_lists_show_the_parties_masked(t: Township) -> None:
    case = drive(t, "mediating").case
    rows = [queries.masked_dispute(d) for d in queries.disputes(t.users["cadre_a"])]
    zhang, li = Party.objects.filter(dispute_id=case.pk).order_by("sort").values_list("pk", flat=True)
    assert rows == [
        {
            "id": case.pk,
            "number": f"TJ2024-{case.pk:06d}",
            "kind": "neighbour",
            "channel": "on_site",
            "status": "mediating",
            "status_label": "调解中",
            "region": "杜庄村1-1微网格",
            "is_major": False,
            "outcome": "",
            "due_at": eod("2024-04-03"),
            "is_overdue": False,
            "parties": [
                {"id": zhang, "role": "applicant", "name": "张*", "id_number": "110***********002X", "phone": "138****8000",
                 "address": "六横镇杜庄****"},
                {"id": li, "role": "respondent", "name": "李*", "id_number": "360***********0071", "phone": "139****9000",
                 "address": "六横镇杜庄****"},
            ],
            "mediators": ["陈明"],
        }
    ]  # fmt: skip
    assert queries.disputes(t.users["cadre_b"]).count() == 0


def test_revealing_the_parties_writes_an_access_log(t: Township) -> None:
    case = drive(t, "mediating").case
    full = queries.reveal_parties(t.users["tj"], case.pk, reason="制作调解协议书")
    assert [(p["name"], p["id_number"], p["phone"]) for p in full] == [
        ("张三", ZHANG, "13800138000"), ("李四", LI, "13900139000"),
    ]  # fmt: skip
    row = PersonalDataAccess.objects.get()
    assert (row.user, row.object_type, row.object_id, row.fields, row.reason) == (
        t.users["tj"], "dispute", str(case.pk), "name,id_number,phone,address", "制作调解协议书",
    )  # fmt: skip
    for by, code in [("leader", "forbidden_personal_data"), ("cadre_b", "dispute_not_found"),
                     ("handler_enf", "dispute_not_found")]:  # fmt: skip
        with pytest.raises(DomainError) as exc:
            queries.reveal_parties(t.users[by], case.pk)
        assert exc.value.code == code
    assert PersonalDataAccess.objects.count() == 1


def test_nothing_personal_in_the_timeline_or_the_logs(t: Township, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # A whole lifecycle: registration, acceptance, a session, an extension, the agreement, a follow-up,
    # judicial confirmation and closing
    case = drive(t, "mediating").case
    act(t, case, "record_session", now=at("2024-03-04 12:00"))
    # (free text — a reason, a note — is the staff's own words, shown on the timeline as written)
    act(t, case, "extend", now=at("2024-03-05 10:00"), days=10, reason="被申请人外出，约定返回后继续调解")
    act(t, case, "agree", now=at("2024-03-06 10:00"))
    act(t, case, "follow_up", now=at("2024-03-08 10:00"))
    act(t, case, "judicial_apply", now=at("2024-03-09 10:00"))
    act(t, case, "judicial_decision", now=at("2024-03-15 10:00"))
    act(t, case, "close", now=at("2024-03-16 10:00"))
    events = CaseEvent.objects.filter(case=case).exclude(action="create")  # `create` is the engine's own
    text = json.dumps([[e.note, e.data] for e in events], ensure_ascii=False)
    assert [value for value in PERSONAL if value in text] == []
    assert [value for value in PERSONAL if value in caplog.text] == []


@pytest.mark.parametrize("model", ["mediationclock", "dispute", "party", "session", "agreement", "followup"])
def test_every_model_is_listed_in_the_admin_without_personal_data(t: Township, model: str) -> None:
    case = drive(t, "mediating").case
    for step in ("record_session", "agree", "follow_up", "close", "judicial_apply"):
        act(t, case, step, now=at("2024-03-05 10:00"))
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw-for-tests-1"))
    page = client.get(f"/admin/mediation/{model}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert [value for value in PERSONAL if value in html] == []
    if model != "mediationclock":
        detail = client.get(f"/admin/mediation/{model}/{_pk(model, case.pk)}/change/")
        assert detail.status_code == 200
        assert [value for value in (ZHANG, LI, "13800138000") if value in detail.content.decode()] == []


def _pk(model: str, case_id: int) -> int:
    from zhizhi.mediation.models import FollowUp, Party, Session

    rows = {"party": Party, "session": Session, "followup": FollowUp}
    found = rows[model].objects.filter(dispute_id=case_id).first() if model in rows else None
    return found.pk if found is not None else case_id
