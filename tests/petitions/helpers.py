"""Petition test helpers: petitions registered and moved only through the services.

The petition office is `xf` (a handler of department peace_law, 综治/平安法治); petitions are
registered by the town dispatcher in micro-grid 杜庄1-1 (village A) unless said otherwise;
`leader` approves extensions. `drive(t, state)` registers a fresh petition at `start` and takes it to
`state` along the usual path, one real action per step, an hour apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.township import Township
from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core.identifiers import make_ric
from zhizhi.petitions import services
from zhizhi.petitions.models import Opinion, Petition, Petitioner

SH = ZoneInfo("Asia/Shanghai")
MICRO_A11 = "3309031072010101"  # 杜庄1-1
MICRO_B11 = "3309031072020101"  # 台门1-1 (village B)
VILLAGE_A = "330903107201"
VILLAGE_B = "330903107202"
HOUR = timedelta(hours=1)

# Real valid numbers: GB 11643-1999's own example, python-stdnum's example, and one of 普陀区.
ZHANG = "11010519491231002X"
LI = "360426199101010071"
WANG = "330903199001011234"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def eod(day: str) -> datetime:
    return at(f"{day} 23:59:59")


def ric(n: int) -> str:
    """A valid ID number of 普陀区 (330903, a county-level code since 1987), born 1995-06-01."""
    return make_ric(f"33090319950601{n:03d}")


def add_office(t: Township) -> User:
    """The petition office's handler (department peace_law)."""
    user = User.objects.create_user(
        username="xf", password="pw-for-tests-1", role=Role.HANDLER, display_name="xf"
    )
    user.departments.set(Department.objects.filter(code="peace_law"))
    t.users["xf"] = user
    return user


def person(name: str = "张三", id_number: str = ZHANG, **kw: Any) -> services.PetitionerInput:
    return services.PetitionerInput(
        name=name,
        id_number=id_number,
        phone=kw.pop("phone", "13800138000"),
        address=kw.pop("address", "六横镇杜庄村 8 号"),
        **kw,
    )


def petition_input(**kw: Any) -> services.PetitionInput:
    base: dict[str, Any] = {
        "form": "visit",
        "request": "要求支付拖欠的工资 3 万元",
        "facts_and_reasons": "2023 年在某船厂务工 6 个月，工资至今未付",
        "category": "wage_dispute",
        "region": MICRO_A11,
        "petitioners": [person()],
    }
    base.update(kw)
    return services.PetitionInput(**base)


def register(t: Township, *, now: datetime, by: str = "dispatcher", **kw: Any) -> Case:
    return services.register_petition(actor=t.users[by], data=petition_input(**kw), now=now).case


ACTORS = {
    "accept": "xf",
    "not_accept": "xf",
    "refer": "xf",
    "extend": "leader",
    "reply": "xf",
    "request_review": "dispatcher",
    "answer_review": "xf",
    "request_re_review": "dispatcher",
    "answer_re_review": "xf",
    "close": "dispatcher",
    "supervise": "leader",
    "flag_backlog": "leader",
}
ANSWER = {
    "decision": "support",
    "opinion": "责成船厂于 30 日内支付拖欠工资",
    "basis": "《保障农民工工资支付条例》第三条",
}
PAYLOADS: dict[str, dict[str, Any]] = {
    "accept": {},
    "not_accept": {"reason": "已进入诉讼程序"},
    "refer": {"authority": "普陀区人力资源和社会保障局"},
    "extend": {"days": 30, "reason": "需调取船厂账册核实"},
    "reply": ANSWER,
    "request_review": {"request": "认为处理意见未落实"},
    "answer_review": ANSWER,
    "request_re_review": {"request": "对复查意见不服"},
    "answer_re_review": ANSWER,
    "close": {"settled": True},
    "supervise": {"note": "请加快办理"},
    "flag_backlog": {"note": "多年未化解"},
}


def act(
    t: Township, case: Case | int, action: str, by: str | None = None, *, now: datetime, **payload: Any
) -> Case:
    pk = case if isinstance(case, int) else case.pk
    body = {**PAYLOADS[action], **payload}
    return services.petition_action(pk, action, actor=t.users[by or ACTORS[action]], payload=body, now=now)


PATHS = {
    "registered": [],
    "handling": ["accept"],
    "not_accepted": ["not_accept"],
    "referred": ["refer"],
    "answered": ["accept", "reply"],
    "reviewing": ["accept", "reply", "request_review"],
    "reviewed": ["accept", "reply", "request_review", "answer_review"],
    "re_reviewing": ["accept", "reply", "request_review", "answer_review", "request_re_review"],
    "re_reviewed": [
        "accept",
        "reply",
        "request_review",
        "answer_review",
        "request_re_review",
        "answer_re_review",
    ],
    "closed": ["accept", "reply", "close"],
}


@dataclass
class Driven:
    case: Case
    now: datetime  # the time of the last step


def drive(t: Township, state: str, *, start: datetime | None = None, **kw: Any) -> Driven:
    now = start or at("2024-03-04 09:00")
    case = register(t, now=now, **kw)
    for step in PATHS[state]:
        now += HOUR
        case = act(t, case, step, now=now)
    assert case.status == state
    return Driven(Case.objects.get(pk=case.pk), now)


def snapshot(case: Case) -> tuple[Any, ...]:
    """Everything an action may change, to assert that a refused one changed nothing."""
    fresh = Case.objects.get(pk=case.pk)
    petition = Petition.objects.get(pk=case.pk)
    return (
        tuple(
            (f.name, getattr(fresh, f.attname)) for f in Case._meta.concrete_fields if f.name != "updated_at"
        ),
        tuple((f.name, getattr(petition, f.attname)) for f in Petition._meta.concrete_fields),
        CaseEvent.objects.filter(case=case).count(),
        list(Opinion.objects.filter(petition_id=case.pk).values()),
        list(Petitioner.objects.filter(petition_id=case.pk).values()),
    )
