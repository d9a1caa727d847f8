"""Dispute reads, always on top of `accounts.scope`: disputes are cases (`scope.visible_cases` of type
"dispute").

Personal data (the parties' names, ID numbers, phones, addresses) is masked in every list. The full
values come only from `reveal_parties`, for roles whose work needs them (`scope.PERSONAL_DATA_ROLES`)
on a dispute they can see, and each reveal writes a `PersonalDataAccess` row.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from zhizhi.accounts import scope
from zhizhi.accounts.models import PersonalDataAccess, User
from zhizhi.cases.models import Case
from zhizhi.core.errors import NotFound, PermissionDenied
from zhizhi.core.identifiers import mask_ric
from zhizhi.core.inputs import is_row_id
from zhizhi.core.personal import mask_address, mask_name, mask_phone
from zhizhi.mediation.models import Dispute, Party
from zhizhi.mediation.workflow import DISPUTE, state_label

PARTY_FIELDS = "name,id_number,phone,address"


def visible_disputes(user: User) -> QuerySet[Case]:
    """Dispute cases the user may see (the engine's scope, type "dispute")."""
    return scope.visible_cases(user).filter(case_type=DISPUTE)


def get_dispute(user: User, case_id: int) -> Dispute:
    """The dispute of a visible dispute case; NotFound otherwise (existence is not revealed)."""
    if not is_row_id(case_id):
        raise NotFound("纠纷不存在或无权查看", code="dispute_not_found")
    found = (
        Dispute.objects.select_related("case", "case__region", "case__category")
        .filter(case__in=visible_disputes(user), case_id=case_id)
        .first()
    )
    if found is None:
        raise NotFound("纠纷不存在或无权查看", code="dispute_not_found")
    return found


def disputes(user: User) -> QuerySet[Dispute]:
    """The user's visible disputes, newest first, for a list (show them with `masked_dispute`)."""
    return (
        Dispute.objects.filter(case__in=visible_disputes(user))
        .select_related("case", "case__region")
        .prefetch_related("parties")
        .order_by("-case__received_at", "-case_id")
    )


# --- Personal data ---------------------------------------------------------------------------------


def masked_party(p: Party) -> dict[str, Any]:
    return {
        "id": p.pk,
        "role": p.role,
        "name": mask_name(p.name),
        "id_number": mask_ric(p.id_number),
        "phone": mask_phone(p.phone),
        "address": mask_address(p.address),
    }


def full_party(p: Party) -> dict[str, Any]:
    return {
        "id": p.pk,
        "role": p.role,
        "name": p.name,
        "id_number": p.id_number,
        "phone": p.phone,
        "address": p.address,
    }


def parties(dispute: Dispute) -> list[dict[str, Any]]:
    """A dispute's parties as every list shows them: masked."""
    return [masked_party(p) for p in dispute.parties.all()]


def mediators(dispute: Dispute) -> list[User]:
    """The dispute's mediators in the order of appointment (the first presides)."""
    through = Dispute.mediators.through.objects.filter(dispute_id=dispute.pk).select_related("user")
    return [row.user for row in through.order_by("id")]


def masked_dispute(dispute: Dispute) -> dict[str, Any]:
    """One row of a dispute list: the record without personal data in full."""
    case = dispute.case
    return {
        "id": case.pk,
        "number": dispute.number,
        "kind": dispute.kind,
        "channel": dispute.channel,
        "status": case.status,
        "status_label": state_label(case.status),
        "region": case.region.name,
        "is_major": dispute.is_major,
        "outcome": dispute.outcome,
        "due_at": case.due_at,
        "is_overdue": case.is_overdue,
        "parties": parties(dispute),
        "mediators": [str(u) for u in mediators(dispute)],
    }


def can_view_personal(user: User, case: Case) -> bool:
    return scope.can_view_personal(user, case)


def log_access(user: User, object_type: str, object_id: int, fields: str, reason: str) -> None:
    PersonalDataAccess.objects.create(
        user=user, object_type=object_type, object_id=str(object_id), fields=fields, reason=reason[:200]
    )


def reveal_parties(user: User, case_id: int, *, reason: str = "") -> list[dict[str, Any]]:
    """The parties in full, for a role that needs them; writes one PersonalDataAccess row."""
    dispute = get_dispute(user, case_id)
    if not can_view_personal(user, dispute.case):
        raise PermissionDenied("forbidden_personal_data", "当前角色无权查看当事人个人信息")
    log_access(user, "dispute", dispute.case_id, PARTY_FIELDS, reason)
    return [full_party(p) for p in dispute.parties.all()]
