"""Mediation test helpers: disputes registered and moved only through the services.

The town's mediators are `tj` (陈明) and `tj2` (刘芳), handlers of department peace_law (综治/平安法治);
disputes are registered by the town dispatcher in micro-grid 杜庄1-1 (village A) unless said otherwise:
张三 (applicant) against 李四 (respondent) over a shared passage. `drive(t, state)` registers a fresh
dispute at `start` and takes it to `state` along the usual path, one real action per step, an hour apart.
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
from zhizhi.mediation import services
from zhizhi.mediation.models import Agreement, Dispute, FollowUp, Party, Session

SH = ZoneInfo("Asia/Shanghai")
MICRO_A11 = "3309031072010101"  # 杜庄1-1
MICRO_B11 = "3309031072020101"  # 台门1-1 (village B)
VILLAGE_A = "330903107201"
VILLAGE_B = "330903107202"
HOUR = timedelta(hours=1)

# Real valid numbers: GB 11643-1999's own example (a woman born 1949-12-31), python-stdnum's example
# (a man born 1991-01-01) and one of 普陀区 (a man born 1990-01-01).
ZHANG = "11010519491231002X"
LI = "360426199101010071"
WANG = "330903199001011234"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def eod(day: str) -> datetime:
    return at(f"{day} 23:59:59")


def ric(n: int) -> str:
    """A valid ID number of 普陀区 (330903), born 1995-06-01."""
    return make_ric(f"33090319950601{n:03d}")


def add_mediators(t: Township) -> None:
    """The town's mediators (handlers of department peace_law)."""
    for username, name in (("tj", "陈明"), ("tj2", "刘芳")):
        user = User.objects.create_user(
            username=username, password="pw-for-tests-1", role=Role.HANDLER, display_name=name
        )
        user.departments.set(Department.objects.filter(code="peace_law"))
        t.users[username] = user


def party(
    name: str = "张三", role: str = "applicant", id_number: str = ZHANG, **kw: Any
) -> services.PartyInput:
    return services.PartyInput(
        name=name,
        role=role,
        id_number=id_number,
        phone=kw.pop("phone", "13800138000"),
        address=kw.pop("address", "六横镇杜庄村 8 号"),
        **kw,
    )


def parties() -> list[services.PartyInput]:
    return [
        party(),
        party("李四", "respondent", LI, phone="13900139000", address="六横镇杜庄村 10 号"),
    ]


def dispute_input(**kw: Any) -> services.DisputeInput:
    base: dict[str, Any] = {
        "kind": "neighbour",
        "facts": "李四在两户共用通道上堆放渔网，张三出入受阻，双方多次争吵",
        "region": MICRO_A11,
        "channel": "on_site",
        "parties": parties(),
    }
    base.update(kw)
    return services.DisputeInput(**base)


def register(t: Township, *, now: datetime, by: str = "dispatcher", **kw: Any) -> Case:
    return services.register_dispute(actor=t.users[by], data=dispute_input(**kw), now=now).case


ACTORS = {
    "accept": "tj",
    "not_accept": "tj",
    "refer": "tj",
    "record_session": "tj",
    "extend": "tj",
    "agree": "tj",
    "fail": "tj",
    "flag_major": "leader",
    "supervise": "leader",
    "follow_up": "tj",
    "judicial_apply": "tj",
    "judicial_decision": "tj",
    "close": "dispatcher",
}
WRITTEN: dict[str, Any] = {
    "form": "written",
    "facts": "李四在两户共用通道堆放渔网，妨碍张三通行；争议事项为通道的使用和渔网的清理",
    "responsibilities": "李四堆放渔网妨碍通行，负主要责任；张三言语过激，负次要责任",
    "terms": "一、李四于2024年3月10日前清理通道上的渔网，今后不在通道堆放杂物。\n二、张三向李四赔礼道歉。",
    "performance_manner": "李四自行清理，人民调解员现场查看",
    "performance_due": "2024-03-10",
}
ORAL: dict[str, Any] = {"form": "oral", "terms": "李四当场搬走渔网，张三不再追究"}
PAYLOADS: dict[str, dict[str, Any]] = {
    "accept": {},
    "not_accept": {"reason": "一方明确拒绝调解"},
    "refer": {"refer_to": "court", "authority": "普陀区人民法院"},
    "record_session": {
        "held_on": "2024-03-04",
        "place": "六横镇人民调解委员会调解室",
        "attendees": "张三、李四、陈明",
        "notes": "双方陈述了各自意见，同意择日再调",
    },
    "extend": {"days": 30, "reason": "李四外出捕捞，双方约定返港后继续调解"},
    "agree": WRITTEN,
    "fail": {"reason": "双方对通道的使用分歧较大"},
    "flag_major": {"note": "涉及多户村民，矛盾易激化"},
    "supervise": {"note": "请加快调解"},
    "follow_up": {"performance": "performed"},
    "judicial_apply": {"court": "普陀区人民法院"},
    "judicial_decision": {"confirmed": True},
    "close": {},
}


def act(
    t: Township, case: Case | int, action: str, by: str | None = None, *, now: datetime, **payload: Any
) -> Case:
    pk = case if isinstance(case, int) else case.pk
    body = {**PAYLOADS[action], **payload}
    return services.dispute_action(pk, action, actor=t.users[by or ACTORS[action]], payload=body, now=now)


PATHS = {
    "registered": [],
    "mediating": ["accept"],
    "not_accepted": ["not_accept"],
    "referred": ["refer"],
    "agreed": ["accept", "agree"],
    "failed": ["accept", "fail"],
    "closed": ["accept", "agree", "follow_up", "close"],
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
    dispute = Dispute.objects.get(pk=case.pk)
    return (
        tuple(
            (f.name, getattr(fresh, f.attname)) for f in Case._meta.concrete_fields if f.name != "updated_at"
        ),
        tuple((f.name, getattr(dispute, f.attname)) for f in Dispute._meta.concrete_fields),
        sorted(dispute.mediators.values_list("username", flat=True)),
        CaseEvent.objects.filter(case=case).count(),
        list(Party.objects.filter(dispute_id=case.pk).values()),
        list(Session.objects.filter(dispute_id=case.pk).values()),
        list(Agreement.objects.filter(dispute_id=case.pk).values()),
        list(FollowUp.objects.filter(dispute_id=case.pk).values()),
    )
