"""Registering a dispute: the case, the dispute, its parties and the event in one transaction; every
refusal writes nothing; correcting the parties while the mediation runs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mediation.helpers import LI, WANG, ZHANG, act, at, dispute_input, drive, eod, party, register
from tests.township import Township
from zhizhi.cases.models import Case, CaseEvent, Channel, Priority
from zhizhi.core.errors import DomainError
from zhizhi.mediation import services
from zhizhi.mediation.models import Dispute, Party

T0 = at("2024-03-04 09:00")  # a Monday


def counts() -> tuple[int, int, int, int]:
    return Case.objects.count(), Dispute.objects.count(), Party.objects.count(), CaseEvent.objects.count()


def refused(t: Township, by: str = "dispatcher", **kw: Any) -> DomainError:
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.register_dispute(actor=t.users[by], data=dispute_input(**kw), now=T0)
    assert counts() == before  # nothing written
    return exc.value


def test_a_dispute_is_registered_as_a_case_on_the_acceptance_clock(t: Township) -> None:
    # When the dispatcher registers 张三's dispute with 李四
    result = services.register_dispute(actor=t.users["dispatcher"], data=dispute_input(), now=T0)
    case, dispute = result.case, result.dispute
    case.refresh_from_db()
    # Then it is a dispute case in `registered`, with the mediation department, due 3 working days later
    assert (case.case_type, case.status, case.channel, case.category.code) == (
        "dispute", "registered", Channel.WALK_IN, "neighbor_dispute",
    )  # fmt: skip
    assert (case.department.code, case.dispatched_at, case.received_at, case.assignee) == (
        "peace_law", T0, T0, None,
    )  # fmt: skip
    assert case.title == "纠纷调解（邻里纠纷）：李四在两户共用通道上堆放渔网，张三出入受阻，双方多次争吵"
    assert (
        case.description
        == "纠纷类型：邻里纠纷\n纠纷简要情况：李四在两户共用通道上堆放渔网，张三出入受阻，双方多次争吵"
    )
    assert (case.reporter_name, case.reporter_phone, case.priority) == (
        "张三",
        "13800138000",
        Priority.NORMAL,
    )
    assert (case.due_at, case.sla_policy.name, case.sla_target, case.sla_unit) == (
        eod("2024-03-07"), "调解·受理（及时受理）", 3, "working_days",
    )  # fmt: skip
    # and the dispute carries the record
    assert dispute.number == f"TJ2024-{case.pk:06d}"
    assert (dispute.kind, dispute.channel, dispute.is_major, dispute.accepted_at, dispute.outcome) == (
        "neighbour", "on_site", False, None, "",
    )  # fmt: skip
    assert list(Party.objects.filter(dispute=dispute).values_list(
        "sort", "role", "name", "id_number", "phone", "address"
    )) == [
        (1, "applicant", "张三", ZHANG, "13800138000", "六横镇杜庄村 8 号"),
        (2, "respondent", "李四", LI, "13900139000", "六横镇杜庄村 10 号"),
    ]  # fmt: skip
    # and the timeline says so, without personal data
    events = list(CaseEvent.objects.filter(case=case).values_list("action", "from_status", "to_status"))
    assert events == [("create", "", "registered"), ("register_dispute", "registered", "registered")]
    data = CaseEvent.objects.get(case=case, action="register_dispute").data
    assert {k: v for k, v in data.items() if k != "clock"} == {
        "number": dispute.number, "kind": "neighbour", "channel": "on_site", "parties": 2, "applicants": 1,
        "respondents": 1, "major": False, "department": "peace_law",
    }  # fmt: skip
    assert data["clock"]["stage"] == "acceptance"


@pytest.mark.parametrize(
    ("kind", "channel", "category", "case_channel"),
    [
        ("family", "online", "family_dispute", Channel.ONLINE),
        ("land", "shared_court", "land_homestead_dispute", Channel.WALK_IN),
        ("labour", "on_site", "wage_dispute", Channel.WALK_IN),
        ("fishery", "on_site", "fishery_dispute", Channel.WALK_IN),
        ("debt", "on_site", "public_security", Channel.WALK_IN),
        ("damages", "online", "public_security", Channel.ONLINE),
    ],
)
def test_kind_and_channel_decide_the_category_and_the_case_channel(
    t: Township, kind: str, channel: str, category: str, case_channel: str
) -> None:
    case = register(t, now=T0, kind=kind, channel=channel, external_ref="ZJJFM-2024-0001")
    assert (case.category.code, case.channel, Dispute.objects.get(pk=case.pk).external_ref) == (
        category, case_channel, "ZJJFM-2024-0001",
    )  # fmt: skip


def test_a_category_may_be_named(t: Township) -> None:
    case = register(t, now=T0, kind="other", category="consumer_dispute")
    assert case.category.code == "consumer_dispute"


def test_a_major_dispute_is_urgent(t: Township) -> None:
    case = register(t, now=T0, major=True, major_note="涉及 12 户村民")
    dispute = Dispute.objects.get(pk=case.pk)
    assert (case.priority, dispute.is_major, dispute.major_since, dispute.major_note) == (
        Priority.URGENT, True, T0, "涉及 12 户村民",
    )  # fmt: skip


def test_a_village_cadre_registers_a_dispute_of_their_village(t: Township) -> None:
    case = register(t, now=T0, by="cadre_a")
    assert (case.created_by, case.department.code) == (t.users["cadre_a"], "peace_law")


@pytest.mark.parametrize(
    ("kw", "code", "field"),
    [
        ({"kind": "quarrel"}, "invalid_kind", "kind"),
        ({"channel": "letter"}, "invalid_channel", "channel"),
        ({"facts": "  "}, "missing_field", "facts"),
        ({"parties": []}, "missing_party", "parties"),
        ({"parties": [party()]}, "missing_party", "parties"),
        ({"parties": [party(), party("李四", "witness", LI)]}, "invalid_party_role", "parties[1].role"),
        ({"parties": [party(), party("", "respondent", LI)]}, "missing_field", "parties[1].name"),
        ({"parties": [party(), party("李四", "respondent", "110105194912310021")]}, "invalid_id_number",
         "parties[1].id_number"),
        ({"parties": [party(), party("李四", "respondent", ZHANG)]}, "duplicate_party", "parties[1].id_number"),
        ({"parties": [party(), party("李四", "respondent", LI, phone="1380013800")]}, "invalid_phone",
         "parties[1].phone"),
        ({"external_ref": "x" * 61}, "too_long", "external_ref"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_written(
    t: Township, kw: dict[str, Any], code: str, field: str
) -> None:
    err = refused(t, **kw)
    assert (err.code, err.status, err.details.get("field")) == (code, 422, field)


def test_errors_name_the_party(t: Township) -> None:
    err = refused(t, parties=[party(), party("李四", "respondent", "11010519491231002A")])
    assert err.message == "第 2 名当事人：身份证号码第 18 位字符 'A' 不允许：校验码只能是数字或 X"
    err = refused(t, parties=[party(), party("李四", "applicant", LI)])
    assert err.message == "请登记至少一名被申请人"


@pytest.mark.parametrize(
    ("by", "kw", "code", "status"),
    [
        (
            "tj",
            {},
            "forbidden_role",
            403,
        ),  # a mediator (handler) does not register: the engine's CREATE_ROLES
        ("leader", {}, "forbidden_role", 403),
        ("cadre_b", {}, "forbidden_region", 403),  # another village
        ("dispatcher", {"region": "999"}, "unknown_region", 422),
        ("dispatcher", {"category": "nope"}, "unknown_category", 422),
    ],
)
def test_who_and_where(t: Township, by: str, kw: dict[str, Any], code: str, status: int) -> None:
    err = refused(t, by=by, **kw)
    assert (err.code, err.status) == (code, status)


def test_an_id_number_is_optional_at_registration(t: Township) -> None:
    case = register(t, now=T0, parties=[party(id_number=""), party("李四", "respondent", "", phone="")])
    assert list(Party.objects.filter(dispute_id=case.pk).values_list("id_number", "phone")) == [
        ("", "13800138000"), ("", ""),
    ]  # fmt: skip


# --- Correcting the parties ------------------------------------------------------------------------


def test_a_mediator_adds_and_corrects_parties_while_mediating(t: Township) -> None:
    case = drive(t, "mediating").case
    # When the mediator adds 王五 as a second respondent and corrects 李四's address
    added = services.save_party(
        actor=t.users["tj"],
        case_id=case.pk,
        data=party("王五", "respondent", WANG),
        now=at("2024-03-05 09:00"),
    )
    li = Party.objects.get(dispute_id=case.pk, name="李四")
    services.save_party(
        actor=t.users["tj"], case_id=case.pk, party_id=li.pk, now=at("2024-03-05 10:00"),
        data=party("李四", "respondent", LI, phone="13900139000", address="六横镇杜庄村 12 号"),
    )  # fmt: skip
    # Then the parties are as corrected, and each change is an event naming fields, not values
    assert list(Party.objects.filter(dispute_id=case.pk).values_list("sort", "name", "address")) == [
        (1, "张三", "六横镇杜庄村 8 号"), (2, "李四", "六横镇杜庄村 12 号"), (3, "王五", "六横镇杜庄村 8 号"),
    ]  # fmt: skip
    assert added.sort == 3
    events = CaseEvent.objects.filter(case=case, action__in=["add_party", "update_party"]).order_by("at")
    assert [(e.action, e.data, e.note) for e in events] == [
        ("add_party", {"party": 3, "role": "respondent", "changed": ["address", "id_number", "name", "phone",
                                                                     "role"]}, ""),
        ("update_party", {"party": 2, "role": "respondent", "changed": ["address"]}, ""),
    ]  # fmt: skip


def test_parties_are_fixed_once_the_mediation_is_concluded(t: Township) -> None:
    case = drive(t, "agreed").case
    with pytest.raises(DomainError) as exc:
        services.save_party(actor=t.users["tj"], case_id=case.pk, data=party("王五", "respondent", WANG))
    assert (exc.value.code, exc.value.status) == ("dispute_concluded", 409)
    assert Party.objects.filter(dispute_id=case.pk).count() == 2


def test_who_may_correct_parties(t: Township) -> None:
    case = drive(t, "mediating").case  # presided by tj
    for by, code in [
        ("leader", "forbidden_role"),
        ("grid_a1", "forbidden_role"),
        ("cadre_b", "dispute_not_found"),
    ]:
        with pytest.raises(DomainError) as exc:
            services.save_party(actor=t.users[by], case_id=case.pk, data=party("王五", "respondent", WANG))
        assert exc.value.code == code
    # a correction must keep both sides and distinct ID numbers
    zhang = Party.objects.get(dispute_id=case.pk, name="张三")
    for data, code in [
        (party("张三", "respondent"), "missing_party"),
        (party("张三", id_number=LI), "duplicate_party"),
    ]:
        with pytest.raises(DomainError) as exc:
            services.save_party(actor=t.users["tj2"], case_id=case.pk, party_id=zhang.pk, data=data)
        assert exc.value.code == code
    assert Party.objects.get(pk=zhang.pk).role == "applicant"
    act(t, case, "record_session", now=at("2024-03-05 09:00"))  # the case is still usable
