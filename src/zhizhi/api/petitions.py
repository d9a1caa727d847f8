"""Petitions (信访) over the API: registration, the list and the record, the petitioners revealed
(logged), the written documents, key-person plans and the figures. See docs/petitions.md.

The workflow actions (accept, reply, extend, …) are the generic `POST /api/v1/cases/{id}/{action}`.
Every write goes through `zhizhi.petitions.services` (one transaction each); reads through
`zhizhi.petitions.queries`. Personal data is masked everywhere except the reveal endpoints.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from zhizhi.accounts.models import User
from zhizhi.api import domains
from zhizhi.api.cases import ERRORS
from zhizhi.api.domains import ActionOut, RefOut, t, user_of
from zhizhi.api.schemas import Out
from zhizhi.cases import queries as case_queries
from zhizhi.cases import types
from zhizhi.cases.models import Case
from zhizhi.core.errors import DomainError, ValidationFailed
from zhizhi.core.personal import mask_address
from zhizhi.petitions import clocks, documents, figures, queries, services
from zhizhi.petitions.models import ContactLog, KeyPerson, Level, Opinion, Petition, Stage
from zhizhi.petitions.workflow import OPEN_STATES, PETITION, STATES

router = Router()

# The clock that runs in each open state (the others wait for the petitioner, or are over).
RUNNING_STAGE = {
    "registered": Stage.ACCEPTANCE,
    "handling": Stage.HANDLING,
    "reviewing": Stage.REVIEW,
    "re_reviewing": Stage.RE_REVIEW,
}


# --- Schemas ---------------------------------------------------------------------------------------


class PetitionerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str
    id_number: str = Field("", description="公民身份号码 (optional: a letter may not carry one)")
    phone: str = ""
    address: str = ""
    is_representative: bool = False


class PetitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    form: str = Field(..., description="visit | letter | online | phone")
    request: str = Field(..., description="信访请求")
    facts_and_reasons: str = Field(..., description="事实和理由")
    category: str = Field(..., description="the subject: a category code (class or subclass)")
    region: str = Field(..., description="region code: where the matter belongs (属地)")
    petitioners: list[PetitionerIn]
    people_count: int | None = Field(None, description="default: the number of petitioners")
    title: str = ""
    address: str = Field("", description="where the matter is (not a petitioner's home)")
    repeat_of: int | None = Field(None, description="case id of the earlier petition on the same matter")
    backlog: bool = False
    new_facts: bool = Field(
        False,
        description="新的事实和理由: register although an earlier petition of the same petitioner was "
        "re-reviewed (otherwise 422 already_rereviewed); needs new_facts_note",
    )
    new_facts_note: str = ""


class PetitionerOut(Out):
    name: str
    id_number: str
    phone: str
    address: str
    is_representative: bool


class PetitionRefOut(Out):
    id: int
    number: str
    status: str
    received_at: datetime


class PetitionSummaryOut(Out):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    form: str
    people_count: int
    is_group: bool
    is_backlog: bool
    repeat_of: str | None = Field(description="the earlier petition's registration number")
    category: RefOut
    region: RefOut
    received_at: datetime
    due_at: datetime
    overdue: bool
    petitioners: list[PetitionerOut]


class OpinionOut(Out):
    level: str
    level_label: str
    requested_at: datetime
    request: str
    due_at: datetime
    decision: str
    opinion: str
    basis: str
    answered_at: datetime | None
    served_on: date | None
    on_time: bool | None
    answered_by: str | None


class PetitionClocksOut(Out):
    stage: str | None = Field(description="the clock running now: acceptance, handling, review, re_review")
    stage_label: str | None
    started_at: datetime
    due_at: datetime
    overdue: bool
    policy: str | None
    target: int
    unit: str
    acceptance_decided_at: datetime | None
    acceptance_on_time: bool | None
    extended_due_at: datetime | None
    review_request_due_at: datetime | None = Field(description="the petitioner may ask for review until")
    re_review_request_due_at: datetime | None = Field(description="… for re-review until")


class PetitionDetailOut(PetitionSummaryOut):
    request: str
    facts_and_reasons: str
    address: str
    priority: str
    department: RefOut | None
    assignee: str | None
    repeat_of_id: int | None
    new_facts: bool
    new_facts_note: str
    backlog_since: datetime | None
    backlog_note: str
    acceptance: str
    not_accepted_reason: str
    referred_to: str
    accepted_at: datetime | None
    extension_days: int
    extension_reason: str
    extended_at: datetime | None
    settled: bool | None
    personal_data_revealed: bool
    clocks: PetitionClocksOut
    opinions: list[OpinionOut]
    actions: list[ActionOut]


class PetitionCreatedOut(PetitionDetailOut):
    earlier: list[PetitionRefOut] = Field(
        description="visible earlier petitions of the same petitioners (same ID numbers): suggestions"
    )


class PetitionPageOut(Out):
    count: int
    count_exact: bool
    page: int
    page_size: int
    pages: int
    results: list[PetitionSummaryOut]


class RevealIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", description="why (recorded with the access)")


class PetitionersRevealedOut(Out):
    id: int
    number: str
    petitioners: list[PetitionerOut]


class PetitionListQuery(Schema):
    status: str | None = Field(None, description="comma list of petition states")
    form: str | None = None
    group: bool | None = None
    repeat: bool | None = None
    backlog: bool | None = None
    overdue: bool | None = None
    region: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    page: int = 1
    page_size: int = 50


class FigureRecordsOut(Out):
    code: str
    part: str
    count: int
    count_exact: bool
    page: int
    page_size: int
    pages: int
    results: list[PetitionSummaryOut]


# --- Presenters ------------------------------------------------------------------------------------


def _rows(ids: list[int]) -> dict[int, Petition]:
    return (
        Petition.objects.filter(case_id__in=ids)
        .select_related("case", "case__region", "case__category", "repeat_of")
        .defer("case__region__boundary")
        .prefetch_related("petitioners")
        .in_bulk()
    )


def summary(petition: Petition) -> dict[str, Any]:
    case = petition.case
    return {
        "id": case.pk,
        "number": petition.number,
        "title": case.title,
        "status": case.status,
        "status_label": types.status_label(PETITION, case.status),
        "form": petition.form,
        "people_count": petition.people_count,
        "is_group": petition.is_group,
        "is_backlog": petition.is_backlog,
        "repeat_of": petition.repeat_of.number if petition.repeat_of else None,
        "category": domains.ref(case.category),
        "region": domains.ref(case.region),
        "received_at": t(case.received_at),
        "due_at": t(case.due_at),
        "overdue": domains.overdue(case, case.status in OPEN_STATES),
        "petitioners": queries.petitioners(petition),
    }


def _window(opinion: Opinion | None, stage: str) -> datetime | None:
    if opinion is None or opinion.served_on is None:
        return None
    try:
        return t(clocks.window_end(opinion.served_on, stage))
    except DomainError:  # the stage's policy was disabled by an admin: no window to show
        return None


def _opinion(o: Opinion) -> dict[str, Any]:
    return {
        "level": o.level,
        "level_label": str(Level(o.level).label),
        "requested_at": t(o.requested_at),
        "request": o.request,
        "due_at": t(o.due_at),
        "decision": o.decision,
        "opinion": o.opinion,
        "basis": o.basis,
        "answered_at": t(o.answered_at),
        "served_on": o.served_on,
        "on_time": o.on_time,
        "answered_by": o.answered_by.username if o.answered_by else None,
    }


def detail(user: User, case_id: int) -> dict[str, Any]:
    """A petition the user may see (404 otherwise), its petitioners masked."""
    queries.get_petition(user, case_id)  # scope: 404 petition_not_found
    petition = (
        Petition.objects.select_related(
            "case",
            "case__region",
            "case__category",
            "case__department",
            "case__assignee",
            "case__sla_policy",
            "repeat_of",
        )
        .defer("case__region__boundary")
        .prefetch_related(
            "petitioners", Prefetch("opinions", queryset=Opinion.objects.select_related("answered_by"))
        )
        .get(pk=case_id)
    )
    case = petition.case
    stage = RUNNING_STAGE.get(case.status)
    opinions = list(petition.opinions.all())
    out = summary(petition)
    out.update(
        request=petition.request,
        facts_and_reasons=petition.facts_and_reasons,
        address=mask_address(case.address),  # as on a case's record: only /reveal shows the people
        priority=case.priority,
        department=domains.ref(case.department),
        assignee=case.assignee.username if case.assignee else None,
        repeat_of_id=petition.repeat_of_id,
        new_facts=petition.new_facts,
        new_facts_note=petition.new_facts_note,
        backlog_since=t(petition.backlog_since),
        backlog_note=petition.backlog_note,
        acceptance=petition.acceptance,
        not_accepted_reason=petition.not_accepted_reason,
        referred_to=petition.referred_to,
        accepted_at=t(petition.accepted_at),
        extension_days=petition.extension_days,
        extension_reason=petition.extension_reason,
        extended_at=t(petition.extended_at),
        settled=petition.settled,
        personal_data_revealed=False,
        clocks={
            "stage": stage,
            "stage_label": str(Stage(stage).label) if stage else None,
            "started_at": t(case.clock_started_at),
            "due_at": t(case.due_at),
            "overdue": out["overdue"],
            "policy": case.sla_policy.name if case.sla_policy else None,
            "target": case.sla_target,
            "unit": case.sla_unit,
            "acceptance_decided_at": t(petition.decided_at),
            "acceptance_on_time": petition.decided_on_time,
            "extended_due_at": t(petition.extended_due_at),
            "review_request_due_at": _window(petition.opinion(Level.REPLY), Stage.REVIEW_REQUEST),
            "re_review_request_due_at": _window(petition.opinion(Level.REVIEW), Stage.RE_REVIEW_REQUEST),
        },
        opinions=[_opinion(o) for o in opinions],
        actions=domains.actions(user, case),
    )
    return out


# --- Petitions -------------------------------------------------------------------------------------


@router.post("", response={201: PetitionCreatedOut, **ERRORS}, summary="Register a petition")
def register(request: HttpRequest, payload: PetitionIn) -> Status:
    """A petition with its petitioners, in one transaction. 422 `already_rereviewed` (with
    `details.earlier`, the registration numbers) when an earlier petition of the same petitioner was
    re-reviewed (第三十六条), unless `new_facts` is true with a `new_facts_note`."""
    user = user_of(request)
    data = services.PetitionInput(
        **payload.model_dump(exclude={"petitioners"}),
        petitioners=[services.PetitionerInput(**p.model_dump()) for p in payload.petitioners],
    )
    result = services.register_petition(actor=user, data=data)
    body = detail(user, result.case.pk)
    body["earlier"] = [
        {"id": c.pk, "number": c.petition.number, "status": c.status, "received_at": t(c.received_at)}
        for c in Case.objects.filter(pk__in=[c.pk for c in result.earlier])
        .select_related("petition")
        .order_by("-received_at", "-id")
    ]
    return Status(201, body)


def _listed(user: User, f: PetitionListQuery) -> QuerySet[Case]:
    if f.status:
        bad = [s for s in (x.strip() for x in f.status.split(",")) if s and s not in STATES]
        if bad:
            raise ValidationFailed("invalid_status", f"未知的信访事项状态：{', '.join(bad)}")
    qs = case_queries.apply(
        queries.visible_petitions(user),
        case_queries.CaseFilter(
            status=f.status,
            region=f.region,
            overdue=f.overdue,
            received_from=f.received_from,
            received_to=f.received_to,
        ),
    )
    if f.form:
        qs = qs.filter(petition__form=f.form)
    if f.group is not None:
        qs = qs.filter(petition__is_group=f.group)
    if f.repeat is not None:
        qs = qs.filter(petition__repeat_of__isnull=not f.repeat)
    if f.backlog is not None:
        qs = qs.filter(petition__is_backlog=f.backlog)
    return qs.order_by("-received_at", "-id")


@router.get("", response={200: PetitionPageOut, **ERRORS}, summary="Petitions I may see (masked)")
def list_petitions(request: HttpRequest, filters: Query[PetitionListQuery]) -> dict[str, Any]:
    qs = _listed(user_of(request), filters)
    return domains.page_of(qs, filters.page, filters.page_size, _rows, summary)


# Registered before /{case_id}: the literal paths below must not be read as case ids.


domains.add_figure_routes(
    router, figures.FIGURE_SET, name="petition", records_out=FigureRecordsOut, rows=_rows, present=summary
)


# --- Key persons (重点人员"一人一策") ---------------------------------------------------------------


class KeyPersonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str
    region: str = Field(..., description="region code")
    risk_level: str = Field(..., description="high | medium | low")
    reason: str = Field(..., description="列管原因与主要诉求")
    plan: str = Field(..., description="稳控化解措施 (一人一策)")
    cadres: list[str] = Field(..., description="usernames of the responsible cadres (包保责任人)")
    id_number: str | None = Field(None, description="PUT: omitted keeps the current value")
    phone: str | None = Field(None, description="PUT: omitted keeps the current value")
    address: str | None = Field(None, description="PUT: omitted keeps the current value")
    petitions: list[int] | None = Field(None, description="case ids; PUT: omitted keeps the current ones")


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    contacted_at: datetime = Field(..., description="with a time zone, e.g. 2024-03-05T10:00:00+08:00")
    method: str = Field(..., description="visit | phone | meeting | video | other")
    content: str
    follow_up: str = ""
    cadre: str | None = Field(None, description="the responsible cadre who made contact (default: you)")


class DelistIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str


class ContactOut(Out):
    id: int
    contacted_at: datetime
    cadre: str
    method: str
    content: str
    follow_up: str
    recorded_by: str
    recorded_at: datetime


class KeyPersonRowOut(Out):
    id: int
    name: str
    id_number: str
    phone: str
    address: str
    region: RefOut
    risk_level: str
    is_active: bool
    listed_at: datetime
    cadres: list[str]


class KeyPersonOut(KeyPersonRowOut):
    personal_data_revealed: bool
    reason: str
    plan: str
    delisted_at: datetime | None
    petitions: list[PetitionRefOut]
    contacts: list[ContactOut]


class KeyPersonPageOut(Out):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[KeyPersonRowOut]


class KeyPersonListQuery(Schema):
    active: bool | None = Field(None, description="listed (true) or delisted (false); default both")
    risk_level: str | None = None
    region: str | None = Field(None, description="region code: its whole subtree")
    page: int = 1
    page_size: int = 50


def _person_row(person: KeyPerson) -> dict[str, Any]:
    masked = queries.masked_key_person(person)
    return {
        **masked,
        "region": domains.ref(person.region),
        "listed_at": t(person.listed_at),
        "cadres": sorted(u.username for u in person.cadres.all()),
    }


def _contact(c: ContactLog) -> dict[str, Any]:
    return {
        "id": c.pk,
        "contacted_at": t(c.contacted_at),
        "cadre": c.cadre.username,
        "method": c.method,
        "content": c.content,
        "follow_up": c.follow_up,
        "recorded_by": c.recorded_by.username,
        "recorded_at": t(c.recorded_at),
    }


def _person(user: User, pk: int, *, revealed: dict[str, Any] | None = None) -> dict[str, Any]:
    person = queries.get_key_person(user, pk)
    visible = queries.visible_petitions(user)
    out = _person_row(person)
    if revealed is not None:
        out.update({k: revealed[k] for k in ("name", "id_number", "phone", "address")})
    out.update(
        personal_data_revealed=revealed is not None,
        reason=person.reason,
        plan=person.plan,
        delisted_at=t(person.delisted_at),
        petitions=[
            {
                "id": p.case_id,
                "number": p.number,
                "status": p.case.status,
                "received_at": t(p.case.received_at),
            }
            for p in person.petitions.filter(case__in=visible).select_related("case").order_by("case_id")
        ],
        contacts=[
            _contact(c)
            for c in person.contacts.select_related("cadre", "recorded_by").order_by("contacted_at", "id")
        ],
    )
    return out


def _person_input(payload: KeyPersonIn, current: KeyPerson | None) -> services.KeyPersonInput:
    def keep(value: Any, name: str) -> Any:
        if value is not None:
            return value
        if current is None:
            return [] if name == "petitions" else ""
        if name == "petitions":
            return list(current.petitions.values_list("case_id", flat=True))
        return getattr(current, name)

    return services.KeyPersonInput(
        name=payload.name,
        region=payload.region,
        risk_level=payload.risk_level,
        reason=payload.reason,
        plan=payload.plan,
        cadres=payload.cadres,
        id_number=keep(payload.id_number, "id_number"),
        phone=keep(payload.phone, "phone"),
        address=keep(payload.address, "address"),
        petitions=keep(payload.petitions, "petitions"),
    )


@router.get(
    "/key-persons", response={200: KeyPersonPageOut, **ERRORS}, summary="Key persons I may see (masked)"
)
def list_key_persons(request: HttpRequest, filters: Query[KeyPersonListQuery]) -> dict[str, Any]:
    user = user_of(request)
    domains.check_page(filters.page, filters.page_size)
    qs = queries.visible_key_persons(user)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.risk_level:
        qs = qs.filter(risk_level=filters.risk_level)
    if filters.region:
        from zhizhi.territory.models import Region

        region = Region.objects.defer("boundary").filter(code=filters.region).first()
        if region is None:
            raise ValidationFailed("unknown_region", f"区域代码不存在：{filters.region}")
        qs = qs.filter(region_path__startswith=region.path)
    count = qs.count()
    start = (filters.page - 1) * filters.page_size
    rows = qs.prefetch_related("cadres").order_by("-listed_at", "-id")[start : start + filters.page_size]
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "pages": max(1, -(-count // filters.page_size)),
        "results": [_person_row(p) for p in rows],
    }


@router.post("/key-persons", response={201: KeyPersonOut, **ERRORS}, summary="List a key person")
def create_key_person(request: HttpRequest, payload: KeyPersonIn) -> Status:
    user = user_of(request)
    person = services.save_key_person(actor=user, data=_person_input(payload, None))
    return Status(201, _person(user, person.pk))


@router.get(
    "/key-persons/{person_id}", response={200: KeyPersonOut, **ERRORS}, summary="A key person (masked)"
)
def get_key_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _person(user_of(request), person_id)


@router.put(
    "/key-persons/{person_id}", response={200: KeyPersonOut, **ERRORS}, summary="Revise a key person's plan"
)
def update_key_person(request: HttpRequest, person_id: int, payload: KeyPersonIn) -> dict[str, Any]:
    """The whole record; `id_number`, `phone`, `address` and `petitions` may be omitted to keep them
    (they are masked in what you read)."""
    user = user_of(request)
    current = queries.get_key_person(user, person_id)  # 404 key_person_not_found outside scope
    services.save_key_person(actor=user, data=_person_input(payload, current), person_id=person_id)
    return _person(user, person_id)


@router.post(
    "/key-persons/{person_id}/contacts", response={201: ContactOut, **ERRORS}, summary="Record a contact"
)
def add_contact(request: HttpRequest, person_id: int, payload: ContactIn) -> Status:
    log = services.log_contact(actor=user_of(request), person_id=person_id, **payload.model_dump())
    fresh = ContactLog.objects.select_related("cadre", "recorded_by").get(pk=log.pk)
    return Status(201, _contact(fresh))


@router.post(
    "/key-persons/{person_id}/delist", response={200: KeyPersonOut, **ERRORS}, summary="Delist (撤销列管)"
)
def delist(request: HttpRequest, person_id: int, payload: DelistIn) -> dict[str, Any]:
    user = user_of(request)
    services.delist_key_person(actor=user, person_id=person_id, reason=payload.reason)
    return _person(user, person_id)


@router.post(
    "/key-persons/{person_id}/reveal",
    response={200: KeyPersonOut, **ERRORS},
    summary="A key person in full (personal-data roles; logged)",
)
def reveal_key_person(request: HttpRequest, person_id: int, payload: RevealIn) -> dict[str, Any]:
    user = user_of(request)
    revealed = queries.reveal_key_person(user, person_id, reason=payload.reason)
    return _person(user, person_id, revealed=revealed)


# --- One petition ----------------------------------------------------------------------------------


@router.get("/{case_id}", response={200: PetitionDetailOut, **ERRORS}, summary="A petition (masked)")
def get_petition(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return detail(user_of(request), case_id)


@router.post(
    "/{case_id}/reveal",
    response={200: PetitionersRevealedOut, **ERRORS},
    summary="The petitioners in full (personal-data roles; logged)",
)
def reveal(request: HttpRequest, case_id: int, payload: RevealIn) -> dict[str, Any]:
    user = user_of(request)
    people = queries.reveal_petitioners(user, case_id, reason=payload.reason)
    petition = queries.get_petition(user, case_id)
    return {"id": case_id, "number": petition.number, "petitioners": people}


@router.get(
    "/{case_id}/documents/{kind}",
    response=ERRORS,
    summary="A written document (.docx)",
    openapi_extra=domains.DOCX_OPENAPI,
)
def document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    """`kind`: notice (受理/不予受理/转送告知书), extension, reply, review, re_review. Carries the
    petitioners' names: personal-data roles only, and each download is logged."""
    name, data = documents.build(actor=user_of(request), case_id=case_id, kind=kind)
    return domains.docx_response(name, data)
