"""The only code that writes mediation records. One transaction per operation; the actor is required.

- `register_dispute`: a dispute (纠纷) with its parties — a case of type "dispute" registered through
  `cases.services.create_case`, its `Dispute` and `Party` rows and one `register_dispute` event, all in
  one transaction. The case goes to the mediation department at once, on the acceptance clock.
- `dispute_action`: one workflow action on a dispute (the engine's `transition`): accept, sessions,
  extension, agreement, failure, referral, follow-up, judicial confirmation, closing.
- `save_party`: add a party or correct one while the mediation runs (before an agreement fixes them).

Events never carry a party's personal data (counts, roles and field names only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases import services as case_services
from zhizhi.cases.models import Case, CaseEvent, Channel, Priority
from zhizhi.core import calendar, inputs
from zhizhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhizhi.core.identifiers import validate_ric
from zhizhi.core.personal import normalize_phone
from zhizhi.mediation import clocks, queries
from zhizhi.mediation.models import Dispute, DisputeKind, MediationChannel, Party, PartyRole, Stage
from zhizhi.mediation.workflow import DISPUTE, DISPUTE_WORKFLOW, OPEN_STATES

# The department whose handlers are the town's mediators (综治/平安法治); settings may name another.
DEFAULT_DEPARTMENT = "peace_law"
MAX_PARTIES = 50
MAX_NAME = 50
MAX_ADDRESS = 300
MAX_TITLE = 200
MAX_EXTERNAL_REF = 60

# The case's category (the subject in the shared taxonomy) for each kind; a kind without a subclass of
# its own is filed under the class 平安稳定. The caller may name another category.
KIND_CATEGORIES = {
    DisputeKind.NEIGHBOUR: "neighbor_dispute",
    DisputeKind.FAMILY: "family_dispute",
    DisputeKind.LAND: "land_homestead_dispute",
    DisputeKind.LABOUR: "wage_dispute",
    DisputeKind.FISHERY: "fishery_dispute",
}
DEFAULT_CATEGORY = "public_security"

# How the dispute arrived, as the engine's channel (the engine has no court channel: the parties come
# to the shared court's room as they come to the committee's).
CHANNELS = {
    MediationChannel.ON_SITE: Channel.WALK_IN,
    MediationChannel.ONLINE: Channel.ONLINE,
    MediationChannel.SHARED_COURT: Channel.WALK_IN,
}
PARTY_EDITORS = frozenset({Role.DISPATCHER, Role.ADMIN})


_text = inputs.text


# --- Parties ---------------------------------------------------------------------------------------


@dataclass
class PartyInput:
    name: str
    role: str  # applicant | respondent
    id_number: str = ""
    phone: str = ""
    address: str = ""


def _party(item: PartyInput, n: int) -> dict[str, Any]:
    """One party, validated; errors name the party (第 n 名当事人) and the field (parties[n-1].…)."""
    where = f"parties[{n - 1}]"

    def prefixed(exc: ValidationFailed, name: str) -> ValidationFailed:
        return ValidationFailed(exc.code, f"第 {n} 名当事人：{exc.message}", **{**exc.details, "field": name})

    role = str(item.role or "")
    if role not in PartyRole.values:
        raise ValidationFailed(
            "invalid_party_role", f"第 {n} 名当事人：身份须为 applicant（申请人）或 respondent（被申请人）",
            field=f"{where}.role",
        )  # fmt: skip
    id_number = ""
    if (item.id_number or "").strip():
        try:
            id_number = validate_ric(item.id_number, field=f"{where}.id_number")
        except ValidationFailed as exc:
            raise prefixed(exc, f"{where}.id_number") from None
    phone = ""
    if (item.phone or "").strip():
        try:
            phone = normalize_phone(item.phone)
        except ValidationFailed as exc:
            raise prefixed(exc, f"{where}.phone") from None
    return {
        "role": role,
        "name": _text(item.name, name=f"{where}.name", label=f"第 {n} 名当事人姓名", limit=MAX_NAME, required=True),
        "id_number": id_number,
        "phone": phone,
        "address": _text(item.address, name=f"{where}.address", label=f"第 {n} 名当事人住址", limit=MAX_ADDRESS),
    }  # fmt: skip


def _both_sides(roles: list[str]) -> None:
    for role in PartyRole:
        if role not in roles:
            raise ValidationFailed("missing_party", f"请登记至少一名{role.label}", field="parties")


def _parties(items: list[PartyInput]) -> list[dict[str, Any]]:
    if len(items) > MAX_PARTIES:
        raise ValidationFailed("too_many_parties", f"最多登记 {MAX_PARTIES} 名当事人", field="parties")
    clean, seen = [], set()
    for n, item in enumerate(items, start=1):
        party = _party(item, n)
        if party["id_number"]:
            if party["id_number"] in seen:
                raise ValidationFailed(
                    "duplicate_party", f"第 {n} 名当事人的身份证号码重复", field=f"parties[{n - 1}].id_number"
                )
            seen.add(party["id_number"])
        clean.append({"sort": n, **party})
    _both_sides([p["role"] for p in clean])
    return clean


# --- Registration ----------------------------------------------------------------------------------


@dataclass
class DisputeInput:
    kind: str  # DisputeKind
    facts: str  # 纠纷简要情况
    region: str  # region code: where the dispute is (属地)
    channel: str = MediationChannel.ON_SITE  # MediationChannel
    parties: list[PartyInput] = field(default_factory=list)
    category: str | None = None  # default: the kind's category of the taxonomy
    title: str = ""
    address: str = ""  # where the dispute is (not a party's home)
    external_ref: str = ""  # 浙江解纷码 or shared-court number
    major: bool = False  # 重大疑难纠纷
    major_note: str = ""


@dataclass(frozen=True)
class RegisterResult:
    case: Case
    dispute: Dispute


def _department() -> Department:
    code = getattr(settings, "ZHIZHI_MEDIATION_DEPARTMENT", DEFAULT_DEPARTMENT)
    dept = Department.objects.filter(code=code, is_active=True).first()
    if dept is None:
        raise ValidationFailed("no_mediation_department", f"缺少负责人民调解的部门：{code}")
    return dept


def _title(data: DisputeInput, kind: str) -> str:
    if (data.title or "").strip():
        return _text(data.title, name="title", label="标题", limit=MAX_TITLE)
    first = data.facts.strip().splitlines()[0] if data.facts.strip() else ""
    title = f"纠纷调解（{DisputeKind(kind).label}）：{first}"
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def dispute_number(case: Case) -> str:
    return f"TJ{calendar.local_date(case.received_at).year}-{case.pk:06d}"


def register_dispute(*, actor: User, data: DisputeInput, now: datetime | None = None) -> RegisterResult:
    """Register a dispute: validate everything, then write the case, the dispute, its parties and the
    event in one transaction. The case starts in `registered` on the acceptance clock."""
    now = now or timezone.now()
    if scope.role_of(actor) not in scope.CREATE_ROLES:
        raise PermissionDenied("forbidden_role", "当前角色不能登记纠纷")
    kind, channel = str(data.kind or ""), str(data.channel or "")
    if kind not in DisputeKind.values:
        raise ValidationFailed("invalid_kind", f"未知的纠纷类型：{kind or '（空）'}", field="kind")
    if channel not in MediationChannel.values:
        raise ValidationFailed("invalid_channel", f"未知的调解方式：{channel or '（空）'}", field="channel")
    limit = settings.ZHIZHI_MAX_DESCRIPTION
    facts = _text(data.facts, name="facts", label="纠纷简要情况", limit=limit, required=True)
    external_ref = _text(
        data.external_ref, name="external_ref", label="平台或法院编号", limit=MAX_EXTERNAL_REF
    )
    major_note = _text(data.major_note, name="major_note", label="重大疑难说明", limit=limit)
    parties = _parties(data.parties)
    department = _department()
    applicant = next(p for p in parties if p["role"] == PartyRole.APPLICANT)
    case_input = case_services.CaseInput(
        case_type=DISPUTE,
        channel=CHANNELS[MediationChannel(channel)],
        category=data.category or KIND_CATEGORIES.get(DisputeKind(kind), DEFAULT_CATEGORY),
        title=_title(data, kind),
        description=f"纠纷类型：{DisputeKind(kind).label}\n纠纷简要情况：{facts}",
        address=data.address,
        region=data.region,
        reporter_name=applicant["name"],
        reporter_phone=applicant["phone"],
        priority=Priority.URGENT if data.major else Priority.NORMAL,
    )
    with transaction.atomic():
        case = case_services.create_case(actor=actor, data=case_input, now=now).case
        case.department, case.dispatched_at = department, now
        event_data: dict[str, Any] = {}
        fields = clocks.restart(case, Stage.ACCEPTANCE, now, event_data)
        case.save(update_fields=sorted({*fields, "department", "dispatched_at", "updated_at"}))
        dispute = Dispute.objects.create(
            case=case,
            number=dispute_number(case),
            kind=kind,
            channel=channel,
            external_ref=external_ref,
            facts=facts,
            is_major=bool(data.major),
            major_since=now if data.major else None,
            major_note=major_note if data.major else "",
        )
        Party.objects.bulk_create([Party(dispute=dispute, **p) for p in parties])
        event_data.update(
            number=dispute.number,
            kind=kind,
            channel=channel,
            parties=len(parties),
            applicants=sum(p["role"] == PartyRole.APPLICANT for p in parties),
            respondents=sum(p["role"] == PartyRole.RESPONDENT for p in parties),
            major=dispute.is_major,
            department=department.code,
        )
        CaseEvent.objects.create(
            case=case,
            actor=actor,
            at=now,
            action="register_dispute",
            from_status=case.status,
            to_status=case.status,
            note=dispute.major_note,
            data=event_data,
        )
    return RegisterResult(case=case, dispute=dispute)


def dispute_action(
    case_id: int,
    action: str,
    *,
    actor: User,
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Case:
    """One workflow action on a dispute, through `cases.services.transition` (404 for a case that is
    not a dispute, so this entry point acts on disputes only)."""
    queries.get_dispute(actor, case_id)
    if action not in DISPUTE_WORKFLOW.actions:
        raise ValidationFailed("unknown_action", f"未知的操作：{action}", status=404)
    return case_services.transition(case_id, action, actor=actor, payload=payload, now=now)


def may_edit_parties(actor: User, case: Case) -> bool:
    """May `actor` add or correct the parties of this dispute (its mediators — the case's handlers —,
    a dispatcher or an admin)? The state is checked apart: a concluded dispute's are fixed."""
    return scope.role_of(actor) in PARTY_EDITORS or (
        actor.role in (Role.HANDLER, Role.VILLAGE_CADRE) and scope.is_handler_of(actor, case)
    )


def save_party(
    *,
    actor: User,
    case_id: int,
    data: PartyInput,
    party_id: int | None = None,
    now: datetime | None = None,
) -> Party:
    """Add a party (`party_id=None`) or correct one, while the dispute is registered or being mediated:
    by its mediators (the case's handlers), a dispatcher or an admin. One `add_party`/`update_party`
    event with the names of the changed fields, never their values."""
    now = now or timezone.now()
    with transaction.atomic():
        dispute = queries.get_dispute(actor, case_id)  # 404 dispute_not_found outside scope
        case = scope.get_case(actor, case_id, for_update=True)
        if not may_edit_parties(actor, case):
            raise PermissionDenied(
                "forbidden_role", "只有本纠纷的人民调解员、调度员或管理员可以维护当事人信息"
            )
        if case.status not in OPEN_STATES:
            raise Conflict("dispute_concluded", "纠纷已调结，当事人信息以调解结果为准，不能再修改")
        others = list(dispute.parties.all())
        if party_id is None:
            party = Party(dispute=dispute, sort=max((p.sort for p in others), default=0) + 1)
            action, before = "add_party", {}
        else:
            found = next((p for p in others if p.pk == party_id), None)
            if found is None:
                raise NotFound(f"本纠纷没有这名当事人：{party_id}", code="party_not_found")
            others.remove(found)
            party, action = found, "update_party"
            before = {
                name: getattr(found, name) for name in ("role", "name", "id_number", "phone", "address")
            }
        position = sorted([*(p.sort for p in others), party.sort]).index(party.sort) + 1
        fields = _party(data, position)
        if fields["id_number"] and any(p.id_number == fields["id_number"] for p in others):
            raise ValidationFailed(
                "duplicate_party",
                f"第 {position} 名当事人的身份证号码重复",
                field=f"parties[{position - 1}].id_number",
            )
        _both_sides([*(p.role for p in others), fields["role"]])
        for name, value in fields.items():
            setattr(party, name, value)
        party.save()
        changed = sorted(k for k, v in fields.items() if before.get(k) != v) if before else sorted(fields)
        CaseEvent.objects.create(
            case=case,
            actor=actor,
            at=now,
            action=action,
            from_status=case.status,
            to_status=case.status,
            data={"party": party.sort, "role": party.role, "changed": changed},
        )
    return party
