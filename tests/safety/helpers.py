"""Safety test helpers: organisations, inspections and hazards built only through the services.

Hazards are recorded by grid_a1 (a grid worker of 杜庄 grid 1, who may register cases there) in an
inspection led by handler_emg (the safety inspector, department `emergency`), so each hazard's
department is `emergency` and its assignee handler_emg. `drive_hazard(t, state, grade)` takes a
fresh hazard to `state` along the usual path, one real action per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.township import Township
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.safety import services, uscc
from zhizhi.safety.models import Campaign, Grade, HazardDetail, Organisation
from zhizhi.safety.workflow import CLOSED, NOTIFIED, RECEIVED, RECTIFIED, RECTIFYING, REINSPECTED

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=SH)  # Monday 09:00
STEP = timedelta(minutes=10)
MICRO_A11 = "3309031072010101"  # 杜庄1-1 (grid_a1's grid)
MICRO_A21 = "3309031072010201"  # 杜庄2-1 (village A, grid 2)
MICRO_B11 = "3309031072020101"  # 台门1-1 (village B)

# Valid codes that python-stdnum accepts (published on business licences).
REAL_CODES = ["91110000600037341L", "91110000802100433B", "91310000717866186P", "91440300708461136T"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def code(n: int, kind: str = "91") -> str:
    """A valid USCC for test organisation n (普陀区 330903)."""
    return uscc.make(f"{kind}330903MA2A{n:05d}")


@dataclass
class Clock:
    now: datetime = T0

    def tick(self, delta: timedelta = STEP) -> datetime:
        self.now += delta
        return self.now


def org(
    t: Township,
    n: int,
    *,
    region: str = MICRO_A11,
    kind: str = "enterprise",
    listed: bool = True,
    committee: str = "industry_trade",
    name: str | None = None,
    **kw: Any,
) -> Organisation:
    data = services.OrganisationInput(
        kind=kind,
        name=name or f"测试企业{n}",
        region=region,
        uscc=code(n, "92" if kind == "individual_business" else "91") if kind != "other" else "",
        legal_rep=kw.pop("legal_rep", "王建国"),
        phone=kw.pop("phone", "13905801234"),
        address=kw.pop("address", f"六横镇测试路 {n} 号"),
        committee=committee,
        listed=listed,
        **kw,
    )
    return services.save_organisation(actor=t.users["admin"], data=data)


def inspect(
    t: Township,
    organisation: Organisation,
    *,
    when: datetime,
    hazards: list[services.HazardInput] | None = None,
    by: str = "grid_a1",
    inspector: str = "handler_emg",
    campaign: Any = None,
    now: datetime | None = None,
) -> services.InspectionResult:
    return services.record_inspection(
        actor=t.users[by],
        data=services.InspectionInput(
            inspector=inspector,
            inspected_at=when,
            organisation=organisation,
            campaign=campaign,
            checklist=[
                {"item": "消防通道畅通", "passed": not hazards},
                {"item": "灭火器在有效期内", "passed": True},
            ],
            findings="现场检查",
            hazards=hazards or [],
        ),
        now=now or when + timedelta(minutes=30),
    )


def general(description: str = "消防通道堆放杂物") -> services.HazardInput:
    return services.HazardInput(description=description, grade=Grade.GENERAL, category="fire_facility_lane",
                                legal_basis="《消防法》第二十八条")  # fmt: skip


def major(description: str = "有限空间作业无审批、无监护") -> services.HazardInput:
    return services.HazardInput(description=description, grade=Grade.MAJOR, category="enterprise_hazard",
                                legal_basis="《工贸企业重大事故隐患判定标准》")  # fmt: skip


PAYLOADS: dict[str, dict[str, Any]] = {
    "notify": {"deadline": "2024-03-15", "notice_no": "六横安监责改〔2024〕1号"},
    "start_rectification": {},
    "submit_rectification": {"evidence": "已清理通道并设置警示标志", "attachments": ["photo-1.jpg"]},
    "reinspect_pass": {"result": "复查合格"},
    "reinspect_fail": {"result": "通道仍有堆放"},
    "close": {"note": "销号"},
    "acceptance": {"result": "验收合格，同意销号"},
    "list_supervision": {"note": "镇级挂牌督办"},
    "file_plan": {
        "goals": "消除有限空间作业隐患",
        "measures": "建立审批制度，配备气体检测仪和监护人",
        "funds": "12.5",
        "people": "企业主要负责人张某，安全员李某",
        "plan_deadline": "2024-05-31",
        "contingency": "作业前检测，配备应急救援器材",
    },
    "supervise": {"note": "请加快整改"},
}
# Who takes each step of the usual path.
ACTORS = {
    "notify": "handler_emg",
    "file_plan": "handler_emg",
    "start_rectification": "handler_emg",
    "submit_rectification": "handler_emg",
    "reinspect_pass": "handler_emg",
    "reinspect_fail": "handler_emg",
    "close": "handler_emg",
    "acceptance": "leader",
    "list_supervision": "dispatcher",
    "supervise": "dispatcher",
}


def path_to(state: str, grade: str) -> list[str]:
    steps = {
        RECEIVED: [],
        NOTIFIED: ["notify"],
        RECTIFYING: ["notify", "start_rectification"],
        RECTIFIED: ["notify", "start_rectification", "submit_rectification"],
        REINSPECTED: ["notify", "start_rectification", "submit_rectification", "reinspect_pass"],
        CLOSED: ["notify", "start_rectification", "submit_rectification", "reinspect_pass", "close"],
    }[state]
    if grade == Grade.MAJOR:
        steps = ["file_plan" if s == "start_rectification" else s for s in steps]
        if "file_plan" in steps:
            steps.insert(steps.index("file_plan") + 1, "start_rectification")
        steps = ["acceptance" if s == "close" else s for s in steps]
    return steps


def act(
    t: Township, case: Case | int, action: str, by: str | None = None, *, now: datetime, **payload: Any
) -> Case:
    pk = case if isinstance(case, int) else case.pk
    body = {**PAYLOADS[action], **payload}
    return services.hazard_action(pk, action, actor=t.users[by or ACTORS[action]], payload=body, now=now)


@dataclass
class Driven:
    case: Case
    organisation: Organisation
    clock: Clock
    steps: list[str] = field(default_factory=list)


def drive_hazard(
    t: Township, state: str, grade: str = Grade.GENERAL, *, clock: Clock | None = None, n: int = 1
) -> Driven:
    clock = clock or Clock()
    organisation = Organisation.objects.filter(uscc=code(n)).first() or org(t, n)
    found = inspect(t, organisation, when=clock.now, hazards=[major() if grade == Grade.MAJOR else general()])
    case = found.hazards[0]
    clock.tick(timedelta(hours=1))
    steps = path_to(state, grade)
    for step in steps:
        act(t, case, step, now=clock.tick())
    case.refresh_from_db()
    assert case.status == state
    return Driven(case=case, organisation=organisation, clock=clock, steps=steps)


def snapshot(case: Case) -> tuple[Any, ...]:
    """The case row, its hazard detail, its organisation and its timeline."""
    detail = HazardDetail.objects.filter(pk=case.pk).values().get()
    org_row = Organisation.objects.filter(pk=detail["organisation_id"]).values().get()
    timeline = list(
        CaseEvent.objects.filter(case_id=case.pk)
        .order_by("at", "id")
        .values_list("id", "action", "from_status", "to_status", "actor__username")
    )
    return Case.objects.filter(pk=case.pk).values().get(), detail, org_row, timeline


@dataclass
class World:
    t: Township
    orgs: dict[str, Organisation]
    hazards: dict[str, Any]
    sweep: Campaign
