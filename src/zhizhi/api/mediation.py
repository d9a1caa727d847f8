"""People's mediation (人民调解) over the API: registration with the parties, the list and the record
(sessions, agreement, follow-ups, clocks), the parties revealed (logged), the documents and the
figures. See docs/mediation.md.

The workflow actions (accept, record_session, agree, follow_up, …) are the generic
`POST /api/v1/cases/{id}/{action}`. Every write goes through `zhizhi.mediation.services` (one
transaction each); reads through `zhizhi.mediation.queries`. Personal data is masked everywhere
except the reveal endpoint; a session's attendees (names) are left out, as in the admin.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
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
from zhizhi.core.errors import ValidationFailed
from zhizhi.core.personal import mask_address
from zhizhi.mediation import documents, figures, queries, services
from zhizhi.mediation.models import Agreement, Dispute, FollowUp, Session, Stage
from zhizhi.mediation.workflow import DISPUTE, OPEN_STATES, STATES

router = Router()

# The clock that runs in each open state.
RUNNING_STAGE = {"registered": Stage.ACCEPTANCE, "mediating": Stage.CONCLUSION}


# --- Schemas ---------------------------------------------------------------------------------------


class PartyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(..., description="applicant | respondent")
    name: str
    id_number: str = Field("", description="公民身份号码 (a written agreement needs it)")
    phone: str = ""
    address: str = ""


class DisputeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        ..., description="neighbour | family | land | labour | debt | damages | contract | fishery | other"
    )
    facts: str = Field(..., description="纠纷简要情况")
    region: str = Field(..., description="region code: where the dispute is (属地)")
    channel: str = Field("on_site", description="on_site | online (浙江解纷码) | shared_court")
    parties: list[PartyIn] = Field(..., description="at least one applicant and one respondent")
    category: str | None = Field(None, description="default: the kind's category")
    title: str = ""
    address: str = Field("", description="where the dispute is (not a party's home)")
    external_ref: str = Field("", description="浙江解纷码 or shared-court number")
    major: bool = Field(False, description="重大疑难纠纷")
    major_note: str = ""


class PartyOut(Out):
    id: int = Field(..., description="the party's id (to correct it: PUT /mediation/{id}/parties/{party_id})")
    role: str
    name: str
    id_number: str
    phone: str
    address: str


class MediatorOut(Out):
    username: str
    name: str


class DisputeSummaryOut(Out):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    kind: str
    channel: str
    is_major: bool
    outcome: str
    category: RefOut
    region: RefOut
    received_at: datetime
    due_at: datetime
    overdue: bool
    parties: list[PartyOut]
    mediators: list[MediatorOut]


class SessionOut(Out):
    number: int
    held_on: date
    place: str
    notes: str
    recorded_by: str
    recorded_at: datetime


class AgreementOut(Out):
    form: str
    facts: str
    responsibilities: str
    terms: str
    performance_manner: str
    performance_due: date | None
    effective_on: date
    reached_at: datetime
    recorded_by: str
    judicial_due_at: datetime | None
    judicial_applied_on: date | None
    judicial_court: str
    judicial_decided_on: date | None
    judicial_confirmed: bool | None


class FollowUpOut(Out):
    visited_on: date
    performance: str
    note: str
    visited_by: str
    recorded_at: datetime


class DisputeClocksOut(Out):
    stage: str | None = Field(description="the clock running now: acceptance or conclusion")
    stage_label: str | None
    started_at: datetime
    due_at: datetime
    overdue: bool
    policy: str | None
    target: int
    unit: str
    decided_at: datetime | None
    decided_on_time: bool | None
    extended_due_at: datetime | None
    concluded_at: datetime | None
    concluded_on_time: bool | None
    judicial_confirmation_due_at: datetime | None = Field(
        description="a written agreement: the parties may apply for judicial confirmation until (第三十三条)"
    )


class DisputeDetailOut(DisputeSummaryOut):
    facts: str
    address: str
    priority: str
    department: RefOut | None
    assignee: str | None
    external_ref: str
    major_since: datetime | None
    major_note: str
    committee: str
    accepted_at: datetime | None
    not_accepted_reason: str
    extension_days: int
    extension_reason: str
    extended_at: datetime | None
    failure_reason: str
    termination_notice: str
    refer_to: str
    referred_to: str
    personal_data_revealed: bool
    clocks: DisputeClocksOut
    sessions: list[SessionOut]
    agreement: AgreementOut | None
    follow_ups: list[FollowUpOut]
    actions: list[ActionOut]


class DisputePageOut(Out):
    count: int
    count_exact: bool
    page: int
    page_size: int
    pages: int
    results: list[DisputeSummaryOut]


class DisputeListQuery(Schema):
    status: str | None = Field(None, description="comma list of dispute states")
    kind: str | None = Field(None, description="the dispute type (纠纷类型)")
    channel: str | None = Field(None, description="on_site | online | shared_court")
    major: bool | None = None
    overdue: bool | None = None
    region: str | None = None
    received_from: date | None = Field(None, description="the period: first day of registration")
    received_to: date | None = Field(None, description="the period: last day, included")
    page: int = 1
    page_size: int = 50


class RevealIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", description="why (recorded with the access)")


class PartiesRevealedOut(Out):
    id: int
    number: str
    parties: list[PartyOut]


class FigureRecordsOut(Out):
    code: str
    part: str
    count: int
    count_exact: bool
    page: int
    page_size: int
    pages: int
    results: list[DisputeSummaryOut]


# --- Presenters ------------------------------------------------------------------------------------


def _rows(ids: list[int]) -> dict[int, Dispute]:
    return (
        Dispute.objects.filter(case_id__in=ids)
        .select_related("case", "case__region", "case__category")
        .defer("case__region__boundary")
        .prefetch_related("parties")
        .in_bulk()
    )


def summary(dispute: Dispute) -> dict[str, Any]:
    case = dispute.case
    return {
        "id": case.pk,
        "number": dispute.number,
        "title": case.title,
        "status": case.status,
        "status_label": types.status_label(DISPUTE, case.status),
        "kind": dispute.kind,
        "channel": dispute.channel,
        "is_major": dispute.is_major,
        "outcome": dispute.outcome,
        "category": domains.ref(case.category),
        "region": domains.ref(case.region),
        "received_at": t(case.received_at),
        "due_at": t(case.due_at),
        "overdue": domains.overdue(case, case.status in OPEN_STATES),
        "parties": queries.parties(dispute),
        "mediators": [{"username": u.username, "name": str(u)} for u in queries.mediators(dispute)],
    }


def _session(s: Session) -> dict[str, Any]:
    return {
        "number": s.number,
        "held_on": s.held_on,
        "place": s.place,
        "notes": s.notes,
        "recorded_by": s.recorded_by.username,
        "recorded_at": t(s.recorded_at),
    }


def _agreement(a: Agreement | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "form": a.form,
        "facts": a.facts,
        "responsibilities": a.responsibilities,
        "terms": a.terms,
        "performance_manner": a.performance_manner,
        "performance_due": a.performance_due,
        "effective_on": a.effective_on,
        "reached_at": t(a.reached_at),
        "recorded_by": a.recorded_by.username,
        "judicial_due_at": t(a.judicial_due_at),
        "judicial_applied_on": a.judicial_applied_on,
        "judicial_court": a.judicial_court,
        "judicial_decided_on": a.judicial_decided_on,
        "judicial_confirmed": a.judicial_confirmed,
    }


def _follow_up(f: FollowUp) -> dict[str, Any]:
    return {
        "visited_on": f.visited_on,
        "performance": f.performance,
        "note": f.note,
        "visited_by": f.visited_by.username,
        "recorded_at": t(f.recorded_at),
    }


def detail(user: User, case_id: int) -> dict[str, Any]:
    """A dispute the user may see (404 otherwise), its parties masked."""
    queries.get_dispute(user, case_id)  # scope: 404 dispute_not_found
    dispute = (
        Dispute.objects.select_related(
            "case",
            "case__region",
            "case__category",
            "case__department",
            "case__assignee",
            "case__sla_policy",
        )
        .defer("case__region__boundary")
        .prefetch_related("parties")
        .get(pk=case_id)
    )
    case = dispute.case
    agreement = Agreement.objects.select_related("recorded_by").filter(dispute=dispute).first()
    stage = RUNNING_STAGE.get(case.status)
    out = summary(dispute)
    out.update(
        facts=dispute.facts,
        address=mask_address(case.address),  # as on a case's record: only /reveal shows the people
        priority=case.priority,
        department=domains.ref(case.department),
        assignee=case.assignee.username if case.assignee else None,
        external_ref=dispute.external_ref,
        major_since=t(dispute.major_since),
        major_note=dispute.major_note,
        committee=dispute.committee,
        accepted_at=t(dispute.accepted_at),
        not_accepted_reason=dispute.not_accepted_reason,
        extension_days=dispute.extension_days,
        extension_reason=dispute.extension_reason,
        extended_at=t(dispute.extended_at),
        failure_reason=dispute.failure_reason,
        termination_notice=dispute.termination_notice,
        refer_to=dispute.refer_to,
        referred_to=dispute.referred_to,
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
            "decided_at": t(dispute.decided_at),
            "decided_on_time": dispute.decided_on_time,
            "extended_due_at": t(dispute.extended_due_at),
            "concluded_at": t(dispute.concluded_at),
            "concluded_on_time": dispute.concluded_on_time,
            "judicial_confirmation_due_at": t(agreement.judicial_due_at) if agreement else None,
        },
        sessions=[_session(s) for s in dispute.sessions.select_related("recorded_by").order_by("number")],
        agreement=_agreement(agreement),
        follow_ups=[
            _follow_up(f)
            for f in dispute.follow_ups.select_related("visited_by").order_by("visited_on", "id")
        ],
        actions=domains.actions(user, case),
    )
    return out


# --- Endpoints -------------------------------------------------------------------------------------


@router.post("", response={201: DisputeDetailOut, **ERRORS}, summary="Register a dispute with its parties")
def register(request: HttpRequest, payload: DisputeIn) -> Status:
    user = user_of(request)
    data = services.DisputeInput(
        **payload.model_dump(exclude={"parties"}),
        parties=[services.PartyInput(**p.model_dump()) for p in payload.parties],
    )
    result = services.register_dispute(actor=user, data=data)
    return Status(201, detail(user, result.case.pk))


def _listed(user: User, f: DisputeListQuery) -> QuerySet[Case]:
    if f.status:
        bad = [s for s in (x.strip() for x in f.status.split(",")) if s and s not in STATES]
        if bad:
            raise ValidationFailed("invalid_status", f"未知的纠纷状态：{', '.join(bad)}")
    qs = case_queries.apply(
        queries.visible_disputes(user),
        case_queries.CaseFilter(
            status=f.status,
            region=f.region,
            overdue=f.overdue,
            received_from=f.received_from,
            received_to=f.received_to,
        ),
    )
    if f.kind:
        qs = qs.filter(dispute__kind=f.kind)
    if f.channel:
        qs = qs.filter(dispute__channel=f.channel)
    if f.major is not None:
        qs = qs.filter(dispute__is_major=f.major)
    return qs.order_by("-received_at", "-id")


@router.get("", response={200: DisputePageOut, **ERRORS}, summary="Disputes I may see (masked)")
def list_disputes(request: HttpRequest, filters: Query[DisputeListQuery]) -> dict[str, Any]:
    qs = _listed(user_of(request), filters)
    return domains.page_of(qs, filters.page, filters.page_size, _rows, summary)


domains.add_figure_routes(
    router, figures.FIGURE_SET, name="mediation", records_out=FigureRecordsOut, rows=_rows, present=summary
)


@router.get("/{case_id}", response={200: DisputeDetailOut, **ERRORS}, summary="A dispute (masked)")
def get_dispute(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return detail(user_of(request), case_id)


@router.post(
    "/{case_id}/reveal",
    response={200: PartiesRevealedOut, **ERRORS},
    summary="The parties in full (personal-data roles; logged)",
)
def reveal(request: HttpRequest, case_id: int, payload: RevealIn) -> dict[str, Any]:
    user = user_of(request)
    people = queries.reveal_parties(user, case_id, reason=payload.reason)
    dispute = queries.get_dispute(user, case_id)
    return {"id": case_id, "number": dispute.number, "parties": people}


@router.post(
    "/{case_id}/parties",
    response={201: DisputeDetailOut, **ERRORS},
    summary="Add a party while the mediation runs",
)
def add_party(request: HttpRequest, case_id: int, payload: PartyIn) -> Status:
    """By the dispute's mediators, a dispatcher or an admin, before the mediation concludes (409
    `dispute_concluded` after). One `add_party` event naming the fields, never their values."""
    user = user_of(request)
    services.save_party(actor=user, case_id=case_id, data=services.PartyInput(**payload.model_dump()))
    return Status(201, detail(user, case_id))


@router.put(
    "/{case_id}/parties/{party_id}",
    response={200: DisputeDetailOut, **ERRORS},
    summary="Correct a party while the mediation runs",
)
def correct_party(request: HttpRequest, case_id: int, party_id: int, payload: PartyIn) -> dict[str, Any]:
    """The party's fields as they should be, all of them (an empty `id_number`, `phone` or `address`
    clears it). Same roles and states as adding; both sides must remain."""
    user = user_of(request)
    services.save_party(
        actor=user, case_id=case_id, party_id=party_id, data=services.PartyInput(**payload.model_dump())
    )
    return detail(user, case_id)


@router.get(
    "/{case_id}/documents/{kind}",
    response=ERRORS,
    summary="A written document (.docx)",
    openapi_extra=domains.DOCX_OPENAPI,
)
def document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    """`kind`: agreement (人民调解协议书, a written agreement) or termination (终止调解告知书). Carries
    the parties' personal data: personal-data roles only, and each download is logged."""
    name, data = documents.build(actor=user_of(request), case_id=case_id, kind=kind)
    return domains.docx_response(name, data)
