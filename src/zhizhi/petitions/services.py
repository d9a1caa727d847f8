"""The only code that writes petition records. One transaction per operation; the actor is required.

- `register_petition`: a petition (信访事项) with its petitioners — a case of type "petition"
  registered through `cases.services.create_case`, its `Petition` and `Petitioner` rows and one
  `register_petition` event, all in one transaction. Refuses (422 `already_rereviewed`) a petition
  of someone whose earlier petition was re-reviewed (复核), unless marked as new facts and reasons.
- `petition_action`: one workflow action on a petition (the engine's `transition`).
- `save_key_person`, `delist_key_person`, `log_contact`: key-person plans (一人一策) and contacts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn

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
from zhizhi.petitions import clocks, queries
from zhizhi.petitions.models import (
    ContactLog,
    ContactMethod,
    Form,
    KeyPerson,
    KeyPersonEvent,
    Petition,
    Petitioner,
    RiskLevel,
    Stage,
)
from zhizhi.petitions.workflow import PETITION, PETITION_WORKFLOW
from zhizhi.territory.models import Region

# The department whose handlers are the petition office (信访办); settings may name another.
DEFAULT_DEPARTMENT = "peace_law"
# 第二十条: 多人采用走访形式提出同一信访事项的，应当推选代表，代表人数不超过5人.
MAX_REPRESENTATIVES = 5
# A group petition (集体访): five or more people (the usual statistical threshold).
GROUP_MIN_PEOPLE = 5
MAX_PETITIONERS = 50
MAX_PEOPLE = 100_000
MAX_NAME = 50
MAX_ADDRESS = 300
MAX_TITLE = 200
MAX_CHAIN = 50  # repeat_of links followed when looking for a re-reviewed earlier petition

# How a petition arrived, as the engine's channel (there is no "letter" channel yet: a letter is
# received at the petition office's desk, as a visit is).
CHANNELS = {
    Form.VISIT: Channel.WALK_IN,
    Form.LETTER: Channel.WALK_IN,
    Form.ONLINE: Channel.ONLINE,
    Form.PHONE: Channel.HOTLINE,
}


_text = inputs.text


# --- Registration ----------------------------------------------------------------------------------


@dataclass
class PetitionerInput:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    is_representative: bool = False


@dataclass
class PetitionInput:
    form: str
    request: str  # 信访请求
    facts_and_reasons: str  # 事实和理由
    category: str  # the subject: a category of the taxonomy (class or subclass)
    region: str  # region code: where the matter belongs (属地)
    petitioners: list[PetitionerInput] = field(default_factory=list)
    people_count: int | None = None  # default: the number of petitioners
    title: str = ""
    address: str = ""  # where the matter is (not a petitioner's home)
    repeat_of: int | None = None  # case id of the earlier petition on the same matter
    backlog: bool = False
    new_facts: bool = False  # 新的事实和理由: a staff member's finding, with a note
    new_facts_note: str = ""


@dataclass(frozen=True)
class RegisterResult:
    case: Case
    petition: Petition
    earlier: list[Case]  # visible earlier petitions of the same petitioners (suggestions)


def _petitioners(items: list[PetitionerInput]) -> list[dict[str, Any]]:
    if not items:
        raise ValidationFailed("missing_petitioner", "请至少登记一名信访人", field="petitioners")
    if len(items) > MAX_PETITIONERS:
        raise ValidationFailed(
            "too_many_petitioners",
            f"最多登记 {MAX_PETITIONERS} 名信访人（其余计入人数）",
            field="petitioners",
        )
    clean, seen = [], set()
    for n, item in enumerate(items, start=1):
        where = f"petitioners[{n - 1}]"
        id_number = ""
        if (item.id_number or "").strip():
            try:
                id_number = validate_ric(item.id_number, field=f"{where}.id_number")
            except ValidationFailed as exc:
                raise ValidationFailed(exc.code, f"第 {n} 名信访人：{exc.message}", **exc.details) from None
            if id_number in seen:
                raise ValidationFailed(
                    "duplicate_petitioner", f"第 {n} 名信访人的身份证号码重复", field=f"{where}.id_number"
                )
            seen.add(id_number)
        phone = ""
        if (item.phone or "").strip():
            try:
                phone = normalize_phone(item.phone)
            except ValidationFailed as exc:
                raise ValidationFailed(
                    exc.code, f"第 {n} 名信访人：{exc.message}", field=f"{where}.phone"
                ) from None
        clean.append(
            {
                "sort": n,
                "name": _text(item.name, name=f"{where}.name", label=f"第 {n} 名信访人姓名", limit=MAX_NAME,
                              required=True),
                "id_number": id_number,
                "phone": phone,
                "address": _text(item.address, name=f"{where}.address", label=f"第 {n} 名信访人住址",
                                 limit=MAX_ADDRESS),
                "is_representative": bool(item.is_representative),
            }
        )  # fmt: skip
    return clean


def _people(data: PetitionInput, petitioners: list[dict[str, Any]]) -> int:
    count = len(petitioners) if data.people_count is None else data.people_count
    if isinstance(count, bool) or not isinstance(count, int) or not len(petitioners) <= count <= MAX_PEOPLE:
        raise ValidationFailed(
            "invalid_people_count",
            f"信访人数须为不少于已登记信访人（{len(petitioners)} 人）的整数",
            field="people_count",
        )
    representatives = sum(p["is_representative"] for p in petitioners)
    if representatives > MAX_REPRESENTATIVES:
        raise ValidationFailed(
            "too_many_representatives",
            f"代表人数不超过 {MAX_REPRESENTATIVES} 人（《信访工作条例》第二十条），当前 {representatives} 人",
            field="petitioners",
        )
    if data.form == Form.VISIT and count >= GROUP_MIN_PEOPLE and representatives == 0:
        raise ValidationFailed(
            "representatives_required",
            f"多人走访须推选代表（不超过 {MAX_REPRESENTATIVES} 人，《信访工作条例》第二十条）：请标明代表",
            field="petitioners",
        )
    return count


def _earlier(actor: User, case_id: int | None) -> Petition | None:
    if case_id is None:
        return None
    try:
        return queries.get_petition(actor, int(case_id))
    except (NotFound, TypeError, ValueError):
        raise ValidationFailed(
            "unknown_earlier_petition", f"原信访事项不存在：{case_id}", field="repeat_of"
        ) from None


def _chain(petition: Petition | None) -> list[int]:
    """The linked earlier petition and its own earlier ones (repeat_of links)."""
    pks: list[int] = []
    while petition is not None and petition.pk not in pks and len(pks) < MAX_CHAIN:
        pks.append(petition.pk)
        petition = petition.repeat_of
    return pks


def _refuse_after_re_review(actor: User, concluded: list[Petition]) -> NoReturn:
    """第三十六条's refusal, naming the earlier petitions the actor may see; of the others (in
    another village), only that they exist, which the rule requires saying."""
    seen = set(
        queries.visible_petitions(actor).filter(pk__in=[p.pk for p in concluded]).values_list("pk", flat=True)
    )
    numbers = [p.number for p in concluded if p.case_id in seen]
    which = f"（登记编号 {numbers[0]}）" if numbers else "（登记编号可向镇信访办查询）"
    raise ValidationFailed(
        "already_rereviewed",
        f"信访人此前的信访事项{which}已经复核：对复核意见不服，仍以同一事实和理由提出的，"
        "不再受理（《信访工作条例》第三十六条）。如有新的事实和理由，请标明并说明。",
        earlier=numbers,
    )


def _rereviewed_earlier(id_numbers: list[str], linked: Petition | None) -> list[Petition]:
    by_person = queries.earlier_by_id_numbers(id_numbers).values("pk")
    candidates = Petition.objects.filter(pk__in=by_person) | Petition.objects.filter(pk__in=_chain(linked))
    return list(queries.rereviewed(candidates).select_related("case").order_by("case__received_at", "pk"))


def _department() -> Department:
    code = getattr(settings, "ZHIZHI_PETITION_DEPARTMENT", DEFAULT_DEPARTMENT)
    dept = Department.objects.filter(code=code, is_active=True).first()
    if dept is None:
        raise ValidationFailed("no_petition_department", f"缺少办理信访的部门：{code}")
    return dept


def _title(data: PetitionInput, form: str) -> str:
    if (data.title or "").strip():
        return _text(data.title, name="title", label="标题", limit=MAX_TITLE)
    first = data.request.strip().splitlines()[0] if data.request.strip() else ""
    title = f"信访（{Form(form).label}）：{first}"
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def petition_number(case: Case) -> str:
    return f"XF{calendar.local_date(case.received_at).year}-{case.pk:06d}"


def register_petition(*, actor: User, data: PetitionInput, now: datetime | None = None) -> RegisterResult:
    """Register a petition: validate everything, then write the case, the petition, its petitioners
    and the event in one transaction. The case starts in `registered` on the acceptance clock."""
    now = now or timezone.now()
    if scope.role_of(actor) not in scope.CREATE_ROLES:
        raise PermissionDenied("forbidden_role", "当前角色不能登记信访事项")
    form = str(data.form or "")
    if form not in Form.values:
        raise ValidationFailed("invalid_form", f"未知的信访形式：{form or '（空）'}", field="form")
    limit = settings.ZHIZHI_MAX_DESCRIPTION
    request = _text(data.request, name="request", label="信访请求", limit=limit, required=True)
    facts = _text(
        data.facts_and_reasons, name="facts_and_reasons", label="事实和理由", limit=limit, required=True
    )
    petitioners = _petitioners(data.petitioners)
    people = _people(data, petitioners)
    linked = _earlier(actor, data.repeat_of)
    note = _text(data.new_facts_note, name="new_facts_note", label="新的事实和理由说明", limit=limit)
    id_numbers = [p["id_number"] for p in petitioners if p["id_number"]]
    if data.new_facts and not note:
        raise ValidationFailed("missing_field", "请说明新的事实和理由", field="new_facts_note")
    department = _department()
    ordered = sorted(petitioners, key=lambda p: (not p["is_representative"], p["sort"]))
    case_input = case_services.CaseInput(
        case_type=PETITION,
        channel=CHANNELS[Form(form)],
        category=data.category,
        title=_title(data, form),
        description=f"信访请求：{request}\n事实和理由：{facts}",
        address=data.address,
        region=data.region,
        reporter_name=ordered[0]["name"],
        reporter_phone=ordered[0]["phone"],
        priority=Priority.URGENT if people >= GROUP_MIN_PEOPLE else Priority.NORMAL,
    )
    with transaction.atomic():
        case = case_services.create_case(actor=actor, data=case_input, now=now).case
        # Only now, with everything else valid (and so about to be registered, rolled back if
        # refused): the rule spans the town, and an earlier answer would tell anyone who may
        # register a petition whether an ID number has a re-reviewed one, for the price of a typo.
        concluded = _rereviewed_earlier(id_numbers, linked)
        if concluded and not data.new_facts:
            _refuse_after_re_review(actor, concluded)
        case.department, case.dispatched_at = department, now
        event_data: dict[str, Any] = {}
        fields = clocks.restart(case, Stage.ACCEPTANCE, now, event_data)
        case.save(update_fields=sorted({*fields, "department", "dispatched_at", "updated_at"}))
        petition = Petition.objects.create(
            case=case,
            number=petition_number(case),
            form=form,
            request=request,
            facts_and_reasons=facts,
            people_count=people,
            is_group=people >= GROUP_MIN_PEOPLE,
            repeat_of=linked,
            new_facts=bool(data.new_facts),
            new_facts_note=note if data.new_facts else "",
            is_backlog=bool(data.backlog),
            backlog_since=now if data.backlog else None,
        )
        Petitioner.objects.bulk_create([Petitioner(petition=petition, **p) for p in petitioners])
        event_data.update(
            number=petition.number,
            form=form,
            people_count=people,
            petitioners=len(petitioners),
            representatives=sum(p["is_representative"] for p in petitioners),
            group=petition.is_group,
            repeat_of=linked.number if linked else None,
            backlog=petition.is_backlog,
            new_facts=petition.new_facts,
            rereviewed_earlier=[p.number for p in concluded],
            department=department.code,
        )
        CaseEvent.objects.create(
            case=case,
            actor=actor,
            at=now,
            action="register_petition",
            from_status=case.status,
            to_status=case.status,
            note=petition.new_facts_note,
            data=event_data,
        )
    earlier = list(queries.earlier_petitions(actor, id_numbers).exclude(pk=case.pk)[:10])
    return RegisterResult(case=case, petition=petition, earlier=earlier)


def petition_action(
    case_id: int,
    action: str,
    *,
    actor: User,
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Case:
    """One workflow action on a petition, through `cases.services.transition` (404 for a case that is
    not a petition, so this entry point acts on petitions only)."""
    queries.get_petition(actor, case_id)
    if action not in PETITION_WORKFLOW.actions:
        raise ValidationFailed("unknown_action", f"未知的操作：{action}", status=404)
    return case_services.transition(case_id, action, actor=actor, payload=payload, now=now)


# --- Key persons -----------------------------------------------------------------------------------

KEY_PERSON_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.LEADER, Role.VILLAGE_CADRE})
CONTACT_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.LEADER, Role.VILLAGE_CADRE})
MAX_CADRES = 20


@dataclass
class KeyPersonInput:
    name: str
    region: str  # region code
    risk_level: str
    reason: str  # 列管原因与主要诉求
    plan: str  # 稳控化解措施 (一人一策)
    cadres: list[str] = field(default_factory=list)  # usernames of the responsible cadres (包保)
    id_number: str = ""
    phone: str = ""
    address: str = ""
    petitions: list[int] = field(default_factory=list)  # case ids of related petitions


def _region(actor: User, code: str) -> Region:
    region = Region.objects.defer("boundary").filter(code=(code or "").strip(), is_active=True).first()
    if region is None:
        raise ValidationFailed("unknown_region", f"区域代码不存在或已停用：{code}", field="region")
    if not scope.in_regions(actor, region.path) and scope.role_of(actor) != Role.ADMIN:
        raise PermissionDenied("forbidden_region", "无权在该区域登记重点人员")
    return region


def _cadres(usernames: list[str]) -> list[User]:
    names = [str(u).strip() for u in usernames if str(u).strip()]
    if not names:
        raise ValidationFailed("missing_cadre", "请指定至少一名包保责任人", field="cadres")
    if len(names) > MAX_CADRES:
        raise ValidationFailed("too_many_cadres", f"包保责任人最多 {MAX_CADRES} 名", field="cadres")
    found = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    if missing := [n for n in names if n not in found]:
        raise ValidationFailed("unknown_cadre", f"人员不存在或已停用：{missing[0]}", field="cadres")
    return [found[n] for n in dict.fromkeys(names)]


def _key_person_fields(actor: User, data: KeyPersonInput) -> dict[str, Any]:
    if data.risk_level not in RiskLevel.values:
        raise ValidationFailed("invalid_risk_level", f"未知的风险等级：{data.risk_level}", field="risk_level")
    limit = settings.ZHIZHI_MAX_DESCRIPTION
    return {
        "name": _text(data.name, name="name", label="姓名", limit=MAX_NAME, required=True),
        "id_number": validate_ric(data.id_number) if (data.id_number or "").strip() else "",
        "phone": normalize_phone(data.phone) if (data.phone or "").strip() else "",
        "address": _text(data.address, name="address", label="住址", limit=MAX_ADDRESS),
        "risk_level": data.risk_level,
        "reason": _text(data.reason, name="reason", label="列管原因", limit=limit, required=True),
        "plan": _text(data.plan, name="plan", label="稳控化解措施", limit=limit, required=True),
    }


def save_key_person(
    *, actor: User, data: KeyPersonInput, person_id: int | None = None, now: datetime | None = None
) -> KeyPerson:
    """List a person under a key-person plan, or revise a listed person's plan."""
    now = now or timezone.now()
    if scope.role_of(actor) not in KEY_PERSON_ROLES:
        raise PermissionDenied("forbidden_role", "当前角色不能维护重点人员")
    fields = _key_person_fields(actor, data)
    region = _region(actor, data.region)
    cadres = _cadres(data.cadres)
    visible = queries.visible_petitions(actor)
    wanted = sorted({int(pk) for pk in data.petitions})
    petitions = list(Petition.objects.filter(case__in=visible, case_id__in=wanted))
    if len(petitions) != len(wanted):
        missing = sorted(set(wanted) - {p.case_id for p in petitions})
        raise ValidationFailed(
            "unknown_petition", f"信访事项不存在或无权查看：{missing[0]}", field="petitions"
        )
    with transaction.atomic():
        if person_id is None:
            person = KeyPerson(created_by=actor, listed_at=now)
            action, before = "create", {}
        else:
            found = queries.visible_key_persons(actor).select_for_update().filter(pk=person_id).first()
            if found is None:
                raise NotFound("重点人员不存在或无权查看", code="key_person_not_found")
            if not found.is_active:
                raise Conflict("key_person_delisted", "该人员已撤销列管")
            person, action = found, "update"
            before = {name: getattr(found, name) for name in fields} | {"region": found.region_id}
        if (
            fields["id_number"]
            and KeyPerson.objects.filter(is_active=True, id_number=fields["id_number"])
            .exclude(pk=person.pk)
            .exists()
        ):
            raise Conflict("duplicate_key_person", "该身份证号码的人员已在列管", field="id_number")
        for name, value in fields.items():
            setattr(person, name, value)
        person.region, person.region_path = region, region.path
        person.save()
        person.cadres.set(cadres)
        person.petitions.set(petitions)
        after = {name: getattr(person, name) for name in fields} | {"region": region.pk}
        changed = sorted(k for k in after if before.get(k) != after[k]) if before else sorted(after)
        KeyPersonEvent.objects.create(
            person=person,
            actor=actor,
            at=now,
            action=action,
            data={
                "changed": changed,
                "risk_level": person.risk_level,
                "cadres": [u.username for u in cadres],
                "petitions": [p.number for p in petitions],
            },
        )
    return person


def delist_key_person(*, actor: User, person_id: int, reason: str, now: datetime | None = None) -> KeyPerson:
    """撤销列管 (the matter is settled); the plan and the contacts stay on record."""
    now = now or timezone.now()
    if scope.role_of(actor) not in KEY_PERSON_ROLES - {Role.VILLAGE_CADRE}:
        raise PermissionDenied("forbidden_role", "当前角色不能撤销列管")
    text = _text(reason, name="reason", label="撤销列管理由", limit=2000, required=True)
    with transaction.atomic():
        person = queries.visible_key_persons(actor).select_for_update().filter(pk=person_id).first()
        if person is None:
            raise NotFound("重点人员不存在或无权查看", code="key_person_not_found")
        if not person.is_active:
            raise Conflict("key_person_delisted", "该人员已撤销列管")
        person.is_active, person.delisted_at = False, now
        person.save(update_fields=["is_active", "delisted_at", "updated_at"])
        KeyPersonEvent.objects.create(
            person=person, actor=actor, at=now, action="delist", data={"reason": text}
        )
    return person


def log_contact(
    *,
    actor: User,
    person_id: int,
    contacted_at: datetime,
    method: str,
    content: str,
    follow_up: str = "",
    cadre: str | None = None,
    now: datetime | None = None,
) -> ContactLog:
    """One contact with a key person, by one of the responsible cadres (or recorded for one by a
    dispatcher, leader, village cadre or admin who can see the person)."""
    now = now or timezone.now()
    if method not in ContactMethod.values:
        raise ValidationFailed("invalid_method", f"未知的联系方式：{method}", field="method")
    if not isinstance(contacted_at, datetime) or timezone.is_naive(contacted_at):
        raise ValidationFailed("invalid_time", "联系时间须为带时区的时间", field="contacted_at")
    if contacted_at > now + timedelta(minutes=5):
        raise ValidationFailed("invalid_time", "联系时间不能晚于现在", field="contacted_at")
    limit = settings.ZHIZHI_MAX_DESCRIPTION
    text = _text(content, name="content", label="联系情况", limit=limit, required=True)
    next_steps = _text(follow_up, name="follow_up", label="下步措施", limit=limit)
    with transaction.atomic():
        person = queries.visible_key_persons(actor).select_for_update().filter(pk=person_id).first()
        if person is None:
            raise NotFound("重点人员不存在或无权查看", code="key_person_not_found")
        cadres = {u.username: u for u in person.cadres.all()}
        is_cadre, manages = actor.username in cadres, scope.role_of(actor) in CONTACT_ROLES
        if not (is_cadre or manages):
            raise PermissionDenied("forbidden_role", "只有包保责任人或管理人员可以登记联系记录")
        if cadre is None:
            if not is_cadre:
                raise ValidationFailed("missing_cadre", "请指定进行联系的包保责任人", field="cadre")
            who = actor
        else:
            found = cadres.get(cadre)
            if found is None:
                raise ValidationFailed("invalid_cadre", f"{cadre} 不是该人员的包保责任人", field="cadre")
            if found.pk != actor.pk and not manages:
                raise PermissionDenied("forbidden_role", "只能登记本人的联系记录")
            who = found
        log = ContactLog(
            person=person,
            contacted_at=contacted_at,
            cadre=who,
            method=method,
            content=text,
            follow_up=next_steps,
            recorded_by=actor,
            recorded_at=now,
        )
        log.save(force_insert=True)
    return log
