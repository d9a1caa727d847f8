"""Registering a petition: the case, the petition, its petitioners and the event in one transaction;
every refusal writes nothing; 'not accepted again after re-review' (第三十六条)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.petitions.helpers import (
    LI,
    MICRO_A11,
    MICRO_B11,
    WANG,
    ZHANG,
    at,
    drive,
    eod,
    person,
    petition_input,
    register,
)
from tests.township import Township
from zhizhi.cases.models import Case, CaseEvent, Channel, Priority
from zhizhi.core.errors import DomainError
from zhizhi.petitions import services
from zhizhi.petitions.models import Petition, Petitioner

T0 = at("2024-03-04 09:00")


def counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Petition.objects.count(),
        Petitioner.objects.count(),
        CaseEvent.objects.count(),
    )


def refused(t: Township, by: str = "dispatcher", **kw: Any) -> DomainError:
    before = counts()
    with pytest.raises(DomainError) as exc:
        services.register_petition(actor=t.users[by], data=petition_input(**kw), now=T0)
    assert counts() == before  # nothing written
    return exc.value


def test_a_visit_is_registered_as_a_petition_case_on_the_acceptance_clock(t: Township) -> None:
    # When the dispatcher registers 张三's visit
    result = services.register_petition(actor=t.users["dispatcher"], data=petition_input(), now=T0)
    case, petition = result.case, result.petition
    # Then it is a petition case in `registered`, with the petition office, due 15 days after receipt
    case.refresh_from_db()
    assert (case.case_type, case.status, case.channel, case.category.code) == (
        "petition", "registered", Channel.WALK_IN, "wage_dispute",
    )  # fmt: skip
    assert (case.department.code, case.dispatched_at, case.received_at) == ("peace_law", T0, T0)
    assert case.title == "信访（走访）：要求支付拖欠的工资 3 万元"
    assert (
        case.description
        == "信访请求：要求支付拖欠的工资 3 万元\n事实和理由：2023 年在某船厂务工 6 个月，工资至今未付"
    )
    assert (case.reporter_name, case.reporter_phone, case.priority) == (
        "张三",
        "13800138000",
        Priority.NORMAL,
    )
    assert case.due_at == eod("2024-03-19")
    assert (case.sla_policy.name, case.sla_target, case.sla_unit) == (
        "信访·受理告知（第二十三条）",
        15,
        "days",
    )
    # and the petition carries the record of 第十九、二十条
    assert petition.number == f"XF2024-{case.pk:06d}"
    assert (petition.form, petition.people_count, petition.is_group, petition.repeat_of) == (
        "visit",
        1,
        False,
        None,
    )
    assert (petition.request, petition.facts_and_reasons) == (
        "要求支付拖欠的工资 3 万元", "2023 年在某船厂务工 6 个月，工资至今未付",
    )  # fmt: skip
    assert list(Petitioner.objects.filter(petition=petition).values_list(
        "name", "id_number", "phone", "address", "is_representative"
    )) == [("张三", ZHANG, "13800138000", "六横镇杜庄村 8 号", False)]  # fmt: skip
    # and the timeline says so, without personal data
    events = list(CaseEvent.objects.filter(case=case).values_list("action", "from_status", "to_status"))
    assert events == [("create", "", "registered"), ("register_petition", "registered", "registered")]
    data = CaseEvent.objects.get(case=case, action="register_petition").data
    assert data == {
        "number": petition.number,
        "form": "visit",
        "people_count": 1,
        "petitioners": 1,
        "representatives": 0,
        "group": False,
        "repeat_of": None,
        "backlog": False,
        "new_facts": False,
        "rereviewed_earlier": [],
        "department": "peace_law",
        "clock": {
            "stage": "acceptance",
            "policy": "信访·受理告知（第二十三条）",
            "target": 15,
            "unit": "days",
            "started_at": "2024-03-04T09:00:00+08:00",
            "old_due_at": "2024-03-19T23:59:59+08:00",
            "due_at": "2024-03-19T23:59:59+08:00",
        },
    }
    assert "张三" not in str(data)
    assert ZHANG not in str(data)


def test_a_group_visit_names_its_representatives(t: Township) -> None:
    # When twelve people visit, four of them registered and three chosen as representatives
    petitioners = [
        person("李四", LI, is_representative=True),
        person("王五", WANG, is_representative=True),
        person("赵六", "", phone="", is_representative=True),
        person("钱七", ""),
    ]
    case = register(t, now=T0, petitioners=petitioners, people_count=12)
    petition = Petition.objects.get(pk=case.pk)
    # Then it is a group petition (集体访), urgent, with its representatives first as the reporter
    assert (petition.people_count, petition.is_group, case.priority, case.reporter_name) == (
        12, True, Priority.URGENT, "李四",
    )  # fmt: skip
    assert list(petition.petitioners.values_list("name", "is_representative")) == [
        ("李四", True), ("王五", True), ("赵六", True), ("钱七", False),
    ]  # fmt: skip


def test_at_most_five_representatives(t: Township) -> None:
    # Given six representatives of a group visit
    six = [person(f"代表{n}", "", phone="", is_representative=True) for n in range(6)]
    # Then the registration is refused (第二十条) and nothing is written
    err = refused(t, petitioners=six, people_count=30)
    assert (err.code, err.status) == ("too_many_representatives", 422)
    assert err.message == "代表人数不超过 5 人（《信访工作条例》第二十条），当前 6 人"


def test_a_group_visit_must_have_representatives(t: Township) -> None:
    err = refused(t, people_count=5)
    assert (err.code, err.message) == (
        "representatives_required", "多人走访须推选代表（不超过 5 人，《信访工作条例》第二十条）：请标明代表",
    )  # fmt: skip
    # A letter signed by five people needs none
    case = register(t, now=T0, form="letter", people_count=5)
    assert (case.channel, Petition.objects.get(pk=case.pk).is_group) == (Channel.WALK_IN, True)


@pytest.mark.parametrize(
    ("kw", "code", "message"),
    [
        ({"people_count": 0}, "invalid_people_count", "信访人数须为不少于已登记信访人（1 人）的整数"),
        ({"form": "fax"}, "invalid_form", "未知的信访形式：fax"),
        ({"facts_and_reasons": " "}, "missing_field", "请填写事实和理由"),
        ({"request": ""}, "missing_field", "请填写信访请求"),
        ({"petitioners": []}, "missing_petitioner", "请至少登记一名信访人"),
        ({"petitioners": [person(name=" ")]}, "missing_field", "请填写第 1 名信访人姓名"),
        ({"category": "nope"}, "unknown_category", "未知的事件小类：nope"),
        ({"region": "999"}, "unknown_region", "区域代码不存在：999"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    t: Township, kw: dict[str, Any], code: str, message: str
) -> None:
    err = refused(t, **kw)
    assert (err.code, err.message) == (code, message)


def test_an_invalid_id_number_names_the_petitioner_and_the_position(t: Township) -> None:
    # Given the second petitioner's ID number has a wrong check character
    petitioners = [person(), person("李四", "360426199101010072")]
    # Then the registration is refused, saying whose number and what is wrong, and nothing is written
    err = refused(t, petitioners=petitioners)
    assert (err.code, err.status) == ("invalid_id_number", 422)
    assert (
        err.message
        == "第 2 名信访人：身份证号码第 18 位校验码错误：按前 17 位计算应为 '1'，实际为 '2'（请逐位核对）"
    )
    assert err.details == {"field": "petitioners[1].id_number", "position": 18}


def test_the_same_id_number_twice_and_a_bad_phone_are_refused(t: Township) -> None:
    err = refused(t, petitioners=[person(), person("张三", ZHANG.lower())])
    assert (err.code, err.message) == ("duplicate_petitioner", "第 2 名信访人的身份证号码重复")
    err = refused(t, petitioners=[person(phone="1380013")])
    assert (err.code, err.details) == ("invalid_phone", {"field": "petitioners[0].phone"})


def test_only_registering_roles_within_their_regions(t: Township) -> None:
    assert refused(t, by="xf").code == "forbidden_role"  # a handler does not register
    assert refused(t, by="leader").code == "forbidden_role"
    assert refused(t, by="cadre_b").code == "forbidden_region"  # village B's cadre, a petition of village A
    assert register(t, now=T0, by="cadre_a").created_by == t.users["cadre_a"]


def test_a_repeat_petition_links_the_earlier_one(t: Township) -> None:
    earlier = drive(t, "answered").case
    # When the same petitioner comes again on the same matter, linked to the earlier petition
    result = services.register_petition(
        actor=t.users["dispatcher"], data=petition_input(repeat_of=earlier.pk), now=at("2024-03-20 09:00")
    )
    # Then the new petition is a repeat of the earlier one, which is also suggested by ID number
    assert result.petition.repeat_of_id == earlier.pk
    assert [c.pk for c in result.earlier] == [earlier.pk]
    number = Petition.objects.get(pk=earlier.pk).number
    assert CaseEvent.objects.get(case=result.case, action="register_petition").data["repeat_of"] == number
    # An unknown or invisible earlier petition is refused
    assert refused(t, repeat_of=999999).code == "unknown_earlier_petition"


def test_after_re_review_the_same_petitioner_is_not_accepted_again(t: Township) -> None:
    # Given 张三's earlier petition went through re-review (复核)
    earlier = drive(t, "re_reviewed").case
    number = Petition.objects.get(pk=earlier.pk).number
    # When 张三 (same ID number) petitions again, then it is refused with already_rereviewed
    err = refused(t)
    assert (err.code, err.status) == ("already_rereviewed", 422)
    assert err.message == (
        f"信访人此前的信访事项（登记编号 {number}）已经复核：对复核意见不服，仍以同一事实和理由提出的，"
        "不再受理（《信访工作条例》第三十六条）。如有新的事实和理由，请标明并说明。"
    )
    assert err.details == {"earlier": [number]}
    # and so is someone else explicitly linked to it (or to a petition linked to it)
    link = register(t, now=at("2024-06-01 09:00"), petitioners=[person("李四", LI)], new_facts=True,
                    new_facts_note="提供了新的工资条", repeat_of=earlier.pk)  # fmt: skip
    assert refused(t, petitioners=[person("王五", WANG)], repeat_of=link.pk).code == "already_rereviewed"
    # New facts and reasons need a note
    err = refused(t, new_facts=True)
    assert (err.code, err.message, err.details) == (
        "missing_field",
        "请说明新的事实和理由",
        {"field": "new_facts_note"},
    )


def test_the_refusal_names_no_petition_the_registrar_may_not_see_and_answers_no_probe(t: Township) -> None:
    # Given 张三's petition in village A went through re-review
    drive(t, "re_reviewed")
    # When the grid worker of village B, who may not see it, registers 张三 again in village B,
    # then the rule still refuses it, without saying which petition
    err = refused(t, by="grid_b1", region=MICRO_B11)
    assert (err.code, err.details) == ("already_rereviewed", {"earlier": []})
    assert err.message.startswith("信访人此前的信访事项（登记编号可向镇信访办查询）已经复核")
    # and a request that fails on anything else says that, not whether the ID number has a past:
    # the rule is checked last, on a petition about to be registered
    assert refused(t, by="grid_b1", region=MICRO_B11, category="no_such").code == "unknown_category"
    assert refused(t, by="grid_b1", region=MICRO_A11).code == "forbidden_region"


def test_new_facts_and_reasons_are_registered_and_recorded(t: Township) -> None:
    earlier = drive(t, "re_reviewed").case
    number = Petition.objects.get(pk=earlier.pk).number
    # When a staff member marks the new petition as new facts and reasons
    case = register(t, now=at("2024-06-01 09:00"), new_facts=True, new_facts_note="船厂已破产清算，申报债权")
    petition = Petition.objects.get(pk=case.pk)
    # Then it is registered, and the finding is on the petition and the timeline
    assert (petition.new_facts, petition.new_facts_note) == (True, "船厂已破产清算，申报债权")
    event = CaseEvent.objects.get(case=case, action="register_petition")
    assert (event.actor, event.note) == (t.users["dispatcher"], "船厂已破产清算，申报债权")
    assert (event.data["new_facts"], event.data["rereviewed_earlier"]) == (True, [number])


@pytest.mark.parametrize("state", ["answered", "reviewed", "re_reviewing", "closed"])
def test_before_the_re_review_is_answered_the_same_petitioner_is_registered(t: Township, state: str) -> None:
    drive(t, state)
    case = register(t, now=at("2024-06-01 09:00"))
    assert case.status == "registered"


def test_a_backlog_petition_can_be_registered_as_such(t: Township) -> None:
    case = register(t, now=T0, backlog=True)
    petition = Petition.objects.get(pk=case.pk)
    assert (petition.is_backlog, petition.backlog_since) == (True, T0)
