"""The `dispute` case type: its effects, guards and registration with the engine.

Each effect reads the case's `Dispute`, validates its payload before it changes anything, changes
the case (in memory: the engine saves the fields returned and writes the event) and saves the
dispute's own rows, inside the engine's transaction. Clock restarts are `clocks.restart` and are
recorded in the event's data (`data["clock"]`). Event data never carries a party's personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_noop

from zhizhi.accounts import scope
from zhizhi.accounts.models import Role, User
from zhizhi.cases import types
from zhizhi.cases.models import Priority
from zhizhi.cases.types import CaseType
from zhizhi.core import calendar, inputs
from zhizhi.core.errors import Conflict, ValidationFailed
from zhizhi.mediation import clocks
from zhizhi.mediation.models import (
    Agreement,
    AgreementForm,
    Dispute,
    FollowUp,
    Outcome,
    PartyRole,
    Performance,
    ReferralKind,
    Session,
    Stage,
)
from zhizhi.mediation.workflow import DISPUTE, DISPUTE_WORKFLOW
from zhizhi.territory.models import Level, Region
from zhizhi.territory.queries import ancestor_codes

if TYPE_CHECKING:
    from zhizhi.cases.models import Case

Payload = dict[str, Any]
Apply = Callable[["Case", Dispute, User, Payload, datetime, dict[str, Any]], list[str]]

MAX_AUTHORITY = 200
MAX_PLACE = 200
MAX_MEDIATORS = 10
LAW = "《中华人民共和国人民调解法》"
# 第二十六条: 调解不成的，应当终止调解，并……告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利.
DEFAULT_NOTICE = "各方当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。"


def _has_dispute(case: Case) -> Dispute | None:
    return Dispute.objects.filter(pk=case.pk).first()


def dispute_of(case: Case) -> Dispute:
    """The case's dispute record. A dispute case registered without one (e.g. through the generic
    case API rather than `mediation.services.register_dispute`) cannot take mediation actions."""
    dispute = _has_dispute(case)
    if dispute is None:
        raise Conflict("no_dispute_record", "该工单没有纠纷登记信息，请通过纠纷登记办理", case=case.pk)
    return dispute


def _agreement(case: Case) -> Agreement | None:
    return Agreement.objects.filter(pk=case.pk).first()


parse_date = inputs.day


_bool = inputs.flag


def _text(p: Payload, name: str, *, limit: int | None = None, label: str = "") -> str:
    value = p.get(name, "")
    if not isinstance(value, str):
        raise ValidationFailed("invalid_field", f"{name} 须为文字", field=name)
    if limit is not None and len(value) > limit:
        raise ValidationFailed("too_long", f"{label or name}不能超过 {limit} 个字符", field=name)
    return value


def _day_between(value: Any, name: str, label: str, first: date, last: date) -> date:
    day = parse_date(value, name)
    if not first <= day <= last:
        raise ValidationFailed(
            f"invalid_{name}",
            f"{label}须在 {first.isoformat()} 至 {last.isoformat()} 之间（不能早于{_FIRST[name]}，不能晚于今天）",
            field=name,
        )
    return day


_FIRST = {
    "held_on": "受理",
    "effective_on": "受理",
    "visited_on": "协议生效",
    "applied_on": "协议生效",
    "decided_on": "申请司法确认",
}


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --- Mediators and the committee (第十九条) --------------------------------------------------------


def may_mediate(user: User, case: Case) -> bool:
    """A handler of the dispute's department (the town's mediation committee), or a cadre of the
    village where the dispute is (the village's committee)."""
    if not user.is_active:
        return False
    if user.role == Role.HANDLER:
        return case.department_id is not None and case.department_id in scope.department_ids(user)
    return user.role == Role.VILLAGE_CADRE and scope.in_regions(user, case.region_path)


def eligible_mediators(case: Case) -> list[User]:
    """Everyone `may_mediate` allows for this dispute, in one query (for a form's choices): the active
    handlers of its department and the active village cadres whose regions hold its place."""
    q = Q(role=Role.VILLAGE_CADRE, regions__code__in=ancestor_codes(case.region_path))
    if case.department_id is not None:
        q |= Q(role=Role.HANDLER, departments=case.department_id)
    return list(User.objects.filter(q, is_active=True).distinct().order_by("role", "username"))


def _usernames(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [n.strip() for n in value.replace("，", ",").split(",") if n.strip()]
    if isinstance(value, list | tuple):
        return [str(n).strip() for n in value if str(n).strip()]
    raise ValidationFailed("invalid_field", "mediators 须为用户名列表或以逗号分隔的用户名", field="mediators")


def _mediators(case: Case, actor: User, value: Any) -> list[User]:
    names = list(dict.fromkeys(_usernames(value))) or [actor.username]
    if len(names) > MAX_MEDIATORS:
        raise ValidationFailed("too_many_mediators", f"人民调解员最多 {MAX_MEDIATORS} 名", field="mediators")
    found = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    for name in names:
        user = found.get(name)
        if user is None:
            raise ValidationFailed("invalid_mediator", f"人民调解员不存在或已停用：{name}", field="mediators")
        if not may_mediate(user, case):
            raise ValidationFailed(
                "invalid_mediator",
                f"{name} 不能担任本纠纷的人民调解员：须为调解部门的承办人或纠纷所在村（社区）的村社干部",
                field="mediators",
            )
    return [found[n] for n in names]


def _ancestor(case: Case, level: str) -> Region | None:
    codes = [c for c in case.region_path.split("/") if c]
    return Region.objects.defer("boundary").filter(code__in=codes, level=level).first()


def committee_name(case: Case, presiding: User) -> str:
    """The committee that mediates: the village's when a village cadre presides, else the town's
    (`settings.ZHIZHI_MEDIATION_COMMITTEE`, or "<town>人民调解委员会")."""
    if presiding.role == Role.VILLAGE_CADRE:
        village = _ancestor(case, Level.VILLAGE)
        if village is not None:
            return f"{village.name}人民调解委员会"
    configured = getattr(settings, "ZHIZHI_MEDIATION_COMMITTEE", "")
    if configured:
        return str(configured)
    town = _ancestor(case, Level.TOWN)
    return f"{(town or case.region).name}人民调解委员会"


# --- Acceptance (第十七条) ----------------------------------------------------------------------


def _decided(case: Case, dispute: Dispute, now: datetime, data: dict[str, Any]) -> list[str]:
    """The decision on the application: on time when within the acceptance clock."""
    dispute.decided_at, dispute.decided_on_time = now, now <= case.due_at
    data.update(decided_on_time=dispute.decided_on_time, acceptance_due_at=clocks.iso(case.due_at))
    return ["decided_at", "decided_on_time"]


def apply_accept(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """受理: the mediators are appointed (the first presides and is the case's assignee); the
    conclusion clock (30 days) starts from acceptance."""
    mediators = _mediators(case, actor, p.get("mediators"))
    fields = _decided(case, dispute, now, data)
    dispute.accepted_at = now
    dispute.committee = committee_name(case, mediators[0])
    dispute.save(update_fields=[*fields, "accepted_at", "committee"])
    for user in mediators:  # one by one: the order of appointment is kept (the first presides)
        dispute.mediators.add(user)
    case.started_at, case.assignee = now, mediators[0]
    data.update(mediators=[u.username for u in mediators], committee=dispute.committee)
    return ["started_at", "assignee", *clocks.restart(case, Stage.CONCLUSION, now, data)]


def _conclude(case: Case, actor: User, text: str, now: datetime) -> list[str]:
    """A terminal decision ends the matter here (不予受理 / 移交 / 终止调解)."""
    case.resolution, case.resolved_at, case.closed_at = text, now, now
    case.resolved_on_time = now <= case.due_at
    case.is_due_soon = False
    if case.assignee_id is None:
        case.assignee = actor
    return ["resolution", "resolved_at", "closed_at", "resolved_on_time", "is_due_soon", "assignee"]


def _outcome(case: Case, dispute: Dispute, outcome: str, now: datetime, data: dict[str, Any]) -> list[str]:
    """调结: the mediation ended (agreement, failure, referral); on time within the conclusion clock."""
    dispute.outcome, dispute.concluded_at = outcome, now
    dispute.concluded_on_time = now <= case.due_at
    data.update(outcome=outcome, on_time=dispute.concluded_on_time, due_at=clocks.iso(case.due_at))
    return ["outcome", "concluded_at", "concluded_on_time"]


def apply_not_accept(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    reason = _text(p, "reason")
    fields = _decided(case, dispute, now, data)
    dispute.not_accepted_reason = reason
    dispute.save(update_fields=[*fields, "not_accepted_reason"])
    return _conclude(case, actor, reason, now)


def apply_refer(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    kind = str(p["refer_to"])
    if kind not in ReferralKind.values:
        raise ValidationFailed(
            "invalid_refer_to", "移交去向须为 court（人民法院）、arbitration（仲裁机构）或 other（其他机关、单位）",
            field="refer_to",
        )  # fmt: skip
    authority = _text(p, "authority", limit=MAX_AUTHORITY, label="移交机关")
    fields = _decided(case, dispute, now, data) if dispute.accepted_at is None else []
    fields += _outcome(case, dispute, Outcome.REFERRED, now, data)
    dispute.refer_to, dispute.referred_to = kind, authority
    dispute.save(update_fields=[*fields, "refer_to", "referred_to"])
    data.update(refer_to=kind, authority=authority)
    return _conclude(case, actor, f"移交{authority}", now)


# --- Sessions (第二十七条), extension ----------------------------------------------------------


def _accepted_on(dispute: Dispute) -> date:
    if dispute.accepted_at is None:  # every source state of these actions comes after `accept`
        raise Conflict("not_accepted", "纠纷尚未受理")
    return calendar.local_date(dispute.accepted_at)


def apply_record_session(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    held_on = _day_between(
        p["held_on"], "held_on", "调解日期", _accepted_on(dispute), calendar.local_date(now)
    )
    place = _text(p, "place", limit=MAX_PLACE, label="调解地点")
    attendees, notes = _text(p, "attendees"), _text(p, "notes")
    number = dispute.sessions.count() + 1  # the case row is locked by the engine: no race
    Session(
        dispute=dispute,
        number=number,
        held_on=held_on,
        place=place,
        attendees=attendees,
        notes=notes,
        recorded_by=actor,
        recorded_at=now,
    ).save(force_insert=True)
    data.update(session=number, held_on=held_on.isoformat(), place=place)
    return []


def apply_extend(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """One extension of at most the extension policy's target, with a reason, before the limit runs out."""
    try:
        days = int(p["days"])
    except (TypeError, ValueError):
        raise ValidationFailed("invalid_field", "延长天数须为整数", field="days") from None
    limit = clocks.max_extension()
    if not 1 <= days <= limit:
        raise ValidationFailed("extension_too_long", f"延长调解期限须在 1 到 {limit} 日之间", field="days")
    reason = _text(p, "reason")
    fields = clocks.extend(case, days, now, data)
    dispute.extension_days, dispute.extension_reason, dispute.extended_at = days, reason, now
    dispute.extended_due_at = case.due_at
    dispute.save(update_fields=["extension_days", "extension_reason", "extended_at", "extended_due_at"])
    data.update(days=days)
    return fields


# --- The agreement (第二十八、二十九、三十条) -------------------------------------------------------

WRITTEN_ITEMS = {
    "facts": "纠纷的主要事实、争议事项",
    "responsibilities": "各方当事人的责任",
    "terms": "当事人达成调解协议的内容",
    "performance_manner": "履行的方式",
    "performance_due": "履行的期限",
}
PARTY_ITEMS = {"name": "姓名", "id_number": "身份证号码", "address": "住址"}


def _check_parties(dispute: Dispute) -> None:
    """第二十九条（一）当事人的基本情况: both sides, each with name, ID number and address."""
    parties = list(dispute.parties.all())
    for role in PartyRole:
        if not any(p.role == role for p in parties):
            raise ValidationFailed(
                "missing_party",
                f"书面调解协议须载明当事人的基本情况（{LAW}第二十九条）：缺少{role.label}",
                field="parties",
            )
    for n, party in enumerate(parties, start=1):
        missing = [name for name in PARTY_ITEMS if not getattr(party, name)]
        if missing:
            raise ValidationFailed(
                "missing_party_details",
                f"书面调解协议须载明当事人的基本情况（{LAW}第二十九条）：第 {n} 名当事人"
                f"（{PartyRole(party.role).label}）缺少{'、'.join(PARTY_ITEMS[m] for m in missing)}",
                field=f"parties[{n - 1}].{missing[0]}",
            )


def _present(p: Payload, name: str) -> bool:
    value = p.get(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


def apply_agree(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """达成调解协议. A written agreement (调解协议书) states every item of 第二十九条 — each missing one is
    a 422 naming it; an oral one records what was agreed (第二十八条)."""
    form = str(p["form"])
    if form not in AgreementForm.values:
        raise ValidationFailed("invalid_form", "协议形式须为 written（书面）或 oral（口头）", field="form")
    today = calendar.local_date(now)
    effective_on = (
        _day_between(p["effective_on"], "effective_on", "生效日期", _accepted_on(dispute), today)
        if _present(p, "effective_on")
        else today
    )
    if form == AgreementForm.WRITTEN:
        _check_parties(dispute)
        for name, item in WRITTEN_ITEMS.items():
            if not _present(p, name):
                raise ValidationFailed(
                    "missing_agreement_item", f"书面调解协议须载明{item}（{LAW}第二十九条）", field=name
                )
    elif not _present(p, "terms"):
        raise ValidationFailed(
            "missing_agreement_item", f"口头调解协议须记录协议内容（{LAW}第二十八条）", field="terms"
        )
    due = parse_date(p["performance_due"], "performance_due") if _present(p, "performance_due") else None
    if due is not None and due < effective_on:
        raise ValidationFailed(
            "invalid_performance_due", "履行期限不能早于协议生效日期", field="performance_due"
        )
    texts = {name: _text(p, name) for name in ("facts", "responsibilities", "terms", "performance_manner")}
    written = form == AgreementForm.WRITTEN
    judicial_due = clocks.window_end(effective_on, Stage.JUDICIAL_CONFIRMATION) if written else None
    agreement = Agreement(
        dispute=dispute,
        form=form,
        performance_due=due,
        effective_on=effective_on,
        reached_at=now,
        recorded_by=actor,
        judicial_due_at=judicial_due,
        **texts,
    )
    agreement.save(force_insert=True)
    fields = _outcome(case, dispute, Outcome.AGREEMENT, now, data)
    dispute.save(update_fields=fields)
    case.resolution = f"{AgreementForm(form).label}：{texts['terms']}"
    case.resolved_at, case.resolved_on_time, case.is_due_soon = now, dispute.concluded_on_time, False
    if case.assignee_id is None:
        case.assignee = actor
    data.update(
        form=form,
        effective_on=effective_on.isoformat(),
        performance_due=due.isoformat() if due else None,
        judicial_due_at=clocks.iso(judicial_due),
    )
    return ["resolution", "resolved_at", "resolved_on_time", "is_due_soon", "assignee"]


def apply_fail(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """调解不成, 终止调解 (第二十六条): the reason, and the notice of the parties' other ways."""
    reason = _text(p, "reason")
    notice = _text(p, "notice") or DEFAULT_NOTICE
    fields = _outcome(case, dispute, Outcome.FAILED, now, data)
    dispute.failure_reason, dispute.termination_notice = reason, notice
    dispute.save(update_fields=[*fields, "failure_reason", "termination_notice"])
    return _conclude(case, actor, f"调解不成，终止调解：{reason}", now)


# --- Major disputes, follow-up (第三十一条), judicial confirmation (第三十三条), closing ------------


def apply_flag_major(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    dispute.is_major, dispute.major_since, dispute.major_note = True, now, _text(p, "note")
    dispute.save(update_fields=["is_major", "major_since", "major_note"])
    case.priority = Priority.URGENT
    return ["priority"]


def apply_follow_up(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    performance = str(p["performance"])
    if performance not in Performance.values:
        raise ValidationFailed(
            "invalid_performance", "履行情况须为 performed（履行完毕）、partly（部分履行）或 not_performed（未履行）",
            field="performance",
        )  # fmt: skip
    agreement = dispute.agreement
    today = calendar.local_date(now)
    visited_on = (
        _day_between(p["visited_on"], "visited_on", "回访日期", agreement.effective_on, today)
        if _present(p, "visited_on")
        else today
    )
    FollowUp(
        dispute=dispute,
        visited_on=visited_on,
        performance=performance,
        note=_text(p, "note"),
        visited_by=actor,
        recorded_at=now,
    ).save(force_insert=True)
    data.update(performance=performance, visited_on=visited_on.isoformat())
    return []


def apply_judicial_apply(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """The parties applied to a court (jointly) for judicial confirmation: within 30 days of the
    agreement's effective date (第三十三条); the application date may be entered afterwards."""
    agreement = dispute.agreement
    today = calendar.local_date(now)
    applied_on = (
        _day_between(p["applied_on"], "applied_on", "申请日期", agreement.effective_on, today)
        if _present(p, "applied_on")
        else today
    )
    if agreement.judicial_due_at is None:  # guard written_agreement: a written one always has it
        raise Conflict("no_judicial_window", "该调解协议没有司法确认申请期限")
    last = calendar.local_date(agreement.judicial_due_at)
    if applied_on > last:
        raise Conflict(
            "judicial_window_closed",
            f"已超过调解协议生效之日起的司法确认申请期限（{LAW}第三十三条）：协议于{cn_date(agreement.effective_on)}"
            f"生效，应于{cn_date(last)}前共同向人民法院申请",
            field="applied_on",
        )
    agreement.judicial_applied_on = applied_on
    agreement.judicial_court = _text(p, "court", limit=MAX_AUTHORITY, label="受理法院")
    agreement.save(update_fields=["judicial_applied_on", "judicial_court"])
    data.update(applied_on=applied_on.isoformat(), judicial_due_at=clocks.iso(agreement.judicial_due_at))
    return []


def apply_judicial_decision(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    agreement = dispute.agreement
    confirmed = _bool(p["confirmed"], "confirmed")
    if agreement.judicial_applied_on is None:  # guard judicial_pending
        raise Conflict("not_applied", "尚未登记司法确认申请")
    today = calendar.local_date(now)
    decided_on = (
        _day_between(p["decided_on"], "decided_on", "裁定日期", agreement.judicial_applied_on, today)
        if _present(p, "decided_on")
        else today
    )
    agreement.judicial_confirmed, agreement.judicial_decided_on = confirmed, decided_on
    agreement.save(update_fields=["judicial_confirmed", "judicial_decided_on"])
    data.update(confirmed=confirmed, decided_on=decided_on.isoformat())
    return []


def apply_close(
    case: Case, dispute: Dispute, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """结案, after at least one follow-up visit on performance (guard `followed_up`)."""
    last = dispute.follow_ups.order_by("-visited_on", "-id").first()
    case.closed_at = now
    data.update(performance=last.performance if last else None)
    return ["closed_at"]


APPLY: dict[str, Apply] = {
    "accept": apply_accept,
    "not_accept": apply_not_accept,
    "refer": apply_refer,
    "record_session": apply_record_session,
    "extend": apply_extend,
    "agree": apply_agree,
    "fail": apply_fail,
    "flag_major": apply_flag_major,
    "follow_up": apply_follow_up,
    "judicial_apply": apply_judicial_apply,
    "judicial_decision": apply_judicial_decision,
    "close": apply_close,
}


def _effect(apply: Apply) -> types.Effect:
    def effect(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
        return apply(case, dispute_of(case), actor, p, now, data)

    effect.__name__ = apply.__name__.replace("apply_", "")
    return effect


# `supervise` is the engine's own effect (services.EFFECTS).
EFFECTS: dict[str, types.Effect] = {name: _effect(fn) for name, fn in APPLY.items()}


# --- Guards ----------------------------------------------------------------------------------------


GUARD_CHECKS: dict[str, types.Guard] = {
    "not_extended": lambda case, now: (d := _has_dispute(case)) is not None and d.extension_days == 0,
    "not_major": lambda case, now: (d := _has_dispute(case)) is not None and not d.is_major,
    "followed_up": lambda case, now: FollowUp.objects.filter(dispute_id=case.pk).exists(),
    "written_agreement": lambda case, now: (
        (a := _agreement(case)) is not None and a.form == AgreementForm.WRITTEN
    ),
    "not_applied": lambda case, now: (a := _agreement(case)) is not None and a.judicial_applied_on is None,
    "judicial_pending": lambda case, now: (
        (a := _agreement(case)) is not None
        and a.judicial_applied_on is not None
        and a.judicial_confirmed is None
    ),
}

GUARD_MESSAGES = {
    "not_extended": "调解期限只能延长一次，已延长过",
    "before_due": "调解期限已届满，不能再延长",
    "not_major": "该纠纷已列为重大疑难纠纷",
    "followed_up": "结案前须回访调解协议的履行情况（《中华人民共和国人民调解法》第三十一条）",
    "written_agreement": "只有书面调解协议可以申请司法确认（口头协议须先制作调解协议书）",
    "not_applied": "已登记司法确认申请",
    "judicial_pending": "没有待人民法院裁定的司法确认申请",
}

DISPUTE_TYPE = types.register(
    CaseType(
        code=DISPUTE,
        name=gettext_noop("矛盾纠纷调解"),
        workflow=DISPUTE_WORKFLOW,
        max_extension_days=0,  # the engine's working-day extension is not used: see `extend`
        requires_category=False,  # the subject may be a class of the taxonomy
        effects=EFFECTS,
        guard_checks=GUARD_CHECKS,
        guard_messages=GUARD_MESSAGES,
    )
)
