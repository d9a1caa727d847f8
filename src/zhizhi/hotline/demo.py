"""The hotline desk's part of `zhizhi demo`: a call behind every hotline case of the year, and the
year's joint analysis meetings (会商研判) with their decisions.

The demo's hotline cases are the seed's "共接收来电共11268件": each is a call the desk opened as a
case, so each gets its `Call` (outcome `case`, the case's operator, caller, nature, region and
time). The seed states no calls answered on the spot, so the demo has none. Meetings: the seed's 15
(× scale, at least 1), spread over the year, each discussing two to four of the year's hotline cases
that were supervised, reopened or visited unsatisfied (the ones such meetings are for), with two or
three decisions owned by the cases' departments; a decision due before the year's end is done
(most a few days early, some late), the rest are open at the year's end.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q

from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases.models import Case, Channel, RequestNature
from zhizhi.core import calendar
from zhizhi.hotline.models import Call, Decision, Meeting, Outcome
from zhizhi.territory.models import Region

MEETINGS = 15  # 会商研判会议15次
Out = Callable[[str], None]

TOPICS = [
    ("菜场周边占道经营反复投诉", "综合执法中队、市场监管所、相关村（社区）"),
    ("渔港码头夜间噪声扰民", "渔业办、派出所、港区管理站"),
    ("老旧小区屋面漏水诉求集中", "城建办、物业、社区居委会"),
    ("沿街店铺油烟污染投诉", "生态环境所、综合执法中队、社区居委会"),
    ("外来务工人员欠薪求助", "人力社保所、司法所、用工企业"),
    ("农村道路破损影响出行", "城建办、交通管理站、村委会"),
    ("群租房消防隐患举报", "应急管理办、消防救援站、派出所"),
    ("生活垃圾清运不及时", "环卫所、物业、村（社区）"),
]
DECISIONS = [
    "明确牵头部门，{days}日内拿出处置方案",
    "开展联合执法检查，形成长效管理机制",
    "逐户上门回访，解释政策并记录诉求",
    "协调资金和施工队伍，限期完成整改",
    "建立台账，每周通报办理进度",
    "约谈相关单位负责人，督促落实主体责任",
]
DONE_NOTES = ["已按期完成", "已完成，群众反映良好", "已落实，纳入日常巡查", "已整改到位并回访"]


def _local(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=calendar.TZ)


def build_hotline(*, town: Region, seed: int, year: int, scale: float, stdout: Out = print) -> dict[str, int]:
    """Write the calls and meetings of `year` in `town` (inside the caller's transaction)."""
    rng = random.Random(f"{seed}:hotline")  # noqa: S311  (demo data, not secrets)
    fallback = RequestNature.objects.get(code="help_request")
    since, until = _local(date(year, 1, 1), 0), _local(date(year + 1, 1, 1), 0)
    rows = (
        Case.objects.filter(
            channel=Channel.HOTLINE, region_path__startswith=town.path, received_at__gte=since, received_at__lt=until
        )
        .order_by("received_at", "id")
        .values_list(
            "id", "received_at", "created_by_id", "reporter_phone", "reporter_name", "nature_id", "title",
            "description", "region_id", "region_path",
        )
    )  # fmt: skip
    calls = [
        Call(
            received_at=at,
            operator_id=by,
            caller_phone=phone,
            caller_name=name,
            nature_id=nature or fallback.pk,
            summary=description or title,
            outcome=Outcome.CASE,
            case_id=pk,
            region_id=region,
            region_path=path,
        )
        for pk, at, by, phone, name, nature, title, description, region, path in rows
    ]
    Call.objects.bulk_create(calls, batch_size=2000)

    departments = {d.pk: d for d in Department.objects.filter(is_active=True)}
    chairs = list(User.objects.filter(role=Role.LEADER, regions=town).order_by("username"))
    recorders = list(User.objects.filter(role=Role.DISPATCHER, regions=town).order_by("username"))
    hard = list(
        Case.objects.filter(
            Q(supervision_count__gt=0) | Q(reopen_count__gt=0) | Q(satisfaction="unsatisfied"),
            channel=Channel.HOTLINE,
            region_path__startswith=town.path,
            received_at__gte=since,
            received_at__lt=until,
            department__isnull=False,
        )
        .order_by("received_at", "id")
        .values_list("id", "received_at", "department_id")
    )
    n = max(1, round(MEETINGS * scale))
    meetings: list[Meeting] = []
    pending: list[tuple[int, Decision]] = []
    discussed: list[tuple[int, list[int]]] = []
    year_end = date(year, 12, 31)
    for i in range(n):
        held_on = date(year, 1, 15) + timedelta(days=round(i * 340 / max(n, 1)) + rng.randint(0, 6))
        held_on = min(held_on, year_end)
        topic, attendees = TOPICS[i % len(TOPICS)]
        before = [c for c in hard if calendar.local_date(c[1]) <= held_on]
        picked = rng.sample(before[-40:], k=min(len(before[-40:]), rng.randint(2, 4)))
        meeting = Meeting(
            held_on=held_on,
            title=f"{topic}会商研判",
            place="镇社会治理中心会议室",
            chair=chairs[i % len(chairs)].display_name if chairs else "",
            attendees=attendees.replace("、", "\n"),
            summary=f"研判近期{topic}相关诉求{len(picked)}件，分析原因，明确责任和时限。",
            region=town,
            region_path=town.path,
            created_by=recorders[i % len(recorders)],
            created_at=_local(held_on, 17),
        )
        meetings.append(meeting)
        discussed.append((i, [c[0] for c in picked]))
        owners = [c[2] for c in picked] or [rng.choice(list(departments))]
        for j in range(rng.randint(2, 3)):
            days = rng.choice([7, 10, 15, 20, 30])
            due_on = held_on + timedelta(days=days)
            dept = departments[owners[j % len(owners)]]
            d = Decision(
                text=DECISIONS[(i + j) % len(DECISIONS)].format(days=days),
                owner_department=dept,
                due_on=due_on,
            )
            if due_on <= year_end:
                done_on = (
                    due_on - timedelta(days=rng.randint(0, 4))
                    if rng.random() < 0.9
                    else due_on + timedelta(days=2)
                )
                done_on = max(done_on, held_on)
                if done_on <= year_end:
                    d.done_at = _local(done_on, 16)
                    d.done_note = rng.choice(DONE_NOTES)
                    d.done_by = meeting.created_by
            pending.append((i, d))
    Meeting.objects.bulk_create(meetings)
    rows_out: list[Decision] = []
    for i, d in pending:
        d.meeting = meetings[i]
        rows_out.append(d)
    Decision.objects.bulk_create(rows_out)
    through = Meeting.cases.through
    through.objects.bulk_create(
        [through(meeting_id=meetings[i].pk, case_id=pk) for i, pks in discussed for pk in pks]
    )
    done = sum(1 for d in rows_out if d.done_at is not None)
    stdout(f"hotline: {len(calls)} calls, {len(meetings)} meetings, {len(rows_out)} decisions ({done} done)")
    return {
        "calls": len(calls),
        "meetings": len(meetings),
        "decisions": len(rows_out),
        "decisions_done": done,
    }


def reset_hotline(paths: list[str]) -> dict[str, Any]:
    """Delete the hotline records of the towns under `paths` (before their cases and staff)."""
    under = Q(pk__in=[])
    for p in paths:
        under |= Q(region_path__startswith=p)
    meetings = Meeting.objects.filter(under)
    return {
        "hotline_decisions": Decision.objects.filter(meeting__in=meetings).delete()[0],
        "hotline_meetings": meetings.delete()[0],
        "hotline_calls": Call.objects.filter(under).delete()[0],
    }
