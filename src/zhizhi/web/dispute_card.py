"""The 纠纷调解 card on a dispute case's detail page: the dispute, its parties (masked unless revealed),
sessions, outcome, clocks, follow-up visits and the documents that can be generated.

Reads only: the record comes through `mediation.queries` (scope), personal data in full only from
`queries.reveal_parties` (the caller passes what it returned). Kept apart from the views so that the
case detail (`views/cases.py`) and the mediation views (`views/mediation.py`) can both use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases.models import Case
from zhizhi.mediation import queries, services
from zhizhi.mediation.models import (
    Agreement,
    AgreementForm,
    Dispute,
    FollowUp,
    Outcome,
    PartyRole,
    Session,
)
from zhizhi.mediation.workflow import DISPUTE, MEDIATING, OPEN_STATES, REGISTERED
from zhizhi.web.forms import DisputePartyForm


@dataclass
class DisputeCard:
    dispute: Dispute
    parties: list[dict[str, Any]]
    revealed: bool
    can_reveal: bool
    mediators: list[User]
    sessions: list[Session]
    agreement: Agreement | None
    follow_ups: list[FollowUp]
    clock: dict[str, Any]
    judicial: dict[str, Any] | None
    documents: list[tuple[str, str]] = field(default_factory=list)
    # A blank form to add a party, for those who may (`mediation.services.may_edit_parties`) while
    # the mediation runs; each party in full (revealed) then carries its correction form too.
    add_form: DisputePartyForm | None = None


def labelled(parties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**p, "role_label": PartyRole(p["role"]).label} for p in parties]


def _clock(case: Case, dispute: Dispute, now: datetime) -> dict[str, Any]:
    """The running clock of the mediation: acceptance (registered), conclusion (30 days from
    acceptance, moved once by an extension), or how it ended."""
    if case.status == REGISTERED:
        return {"stage": "acceptance", "due_at": case.due_at, "overdue": case.due_at < now}
    if dispute.accepted_at is None:  # not accepted, or referred before acceptance
        return {"stage": "none"}
    out: dict[str, Any] = {
        "stage": "conclusion",
        "accepted_at": dispute.accepted_at,
        "due_at": case.due_at,
        "extension_days": dispute.extension_days,
        "extension_reason": dispute.extension_reason,
        "running": case.status == MEDIATING,
    }
    if case.status == MEDIATING:
        out["overdue"] = case.due_at < now
    else:
        out["concluded_at"] = dispute.concluded_at
        out["on_time"] = dispute.concluded_on_time
    return out


def _judicial(agreement: Agreement | None, now: datetime) -> dict[str, Any] | None:
    """The parties' 30 days to apply for judicial confirmation (第三十三条), written agreements only."""
    if agreement is None:
        return None
    if agreement.form != AgreementForm.WRITTEN or agreement.judicial_due_at is None:
        return {"state": "oral"}
    if agreement.judicial_confirmed is not None:
        state = "confirmed" if agreement.judicial_confirmed else "refused"
    elif agreement.judicial_applied_on is not None:
        state = "applied"
    elif agreement.judicial_due_at < now:
        state = "expired"
    else:
        state = "open"
    return {"state": state, "due_at": agreement.judicial_due_at, "agreement": agreement}


def documents(user: User, case: Case, dispute: Dispute, agreement: Agreement | None) -> list[tuple[str, str]]:
    """(kind, label) of the .docx documents this dispute has, for a role that may generate them."""
    if not scope.can_view_personal(user, case):
        return []
    out = []
    if dispute.outcome == Outcome.AGREEMENT and agreement and agreement.form == AgreementForm.WRITTEN:
        out.append(("agreement", _("人民调解协议书")))
    if dispute.outcome == Outcome.FAILED and dispute.accepted_at is not None:
        out.append(("termination", _("终止调解告知书")))
    return out


def card(user: User, case: Case, *, revealed: list[dict[str, Any]] | None = None) -> DisputeCard | None:
    """The card of a dispute case (None for any other case, or a dispute case without its record).
    `revealed`: the parties as `queries.reveal_parties` returned them (the caller logged the access)."""
    if case.case_type != DISPUTE:
        return None
    dispute = Dispute.objects.filter(pk=case.pk).first()
    if dispute is None:
        return None
    dispute.case = case
    now = timezone.now()
    agreement = Agreement.objects.filter(pk=case.pk).first() if dispute.outcome == Outcome.AGREEMENT else None
    editable = case.status in OPEN_STATES and services.may_edit_parties(user, case)
    parties = labelled(revealed if revealed is not None else queries.parties(dispute))
    if editable and revealed is not None:
        for p in parties:  # the form shows the values in full: only on the revealed (logged) card
            p["edit_form"] = DisputePartyForm(prefix=f"party-{p['id']}", initial=p)
    return DisputeCard(
        dispute=dispute,
        parties=parties,
        revealed=revealed is not None,
        can_reveal=queries.can_view_personal(user, case),
        mediators=queries.mediators(dispute),
        sessions=list(dispute.sessions.select_related("recorded_by")),
        agreement=agreement,
        follow_ups=list(dispute.follow_ups.select_related("visited_by")),
        clock=_clock(case, dispute, now),
        judicial=_judicial(agreement, now),
        documents=documents(user, case, dispute, agreement),
        add_form=DisputePartyForm(prefix="party") if editable else None,
    )
