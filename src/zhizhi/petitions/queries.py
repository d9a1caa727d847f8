"""Petition reads, always on top of `accounts.scope`: petitions are cases (`scope.visible_cases` of
type "petition"); key persons follow the region subtrees of the user's scope, plus the persons the
user is a responsible cadre of.

Personal data (petitioners' and key persons' names, ID numbers, phones, addresses) is masked in
every list. The full values come only from `reveal_petitioners` / `reveal_key_person`, for roles
whose work needs them (`scope.PERSONAL_DATA_ROLES`) on a record they can see, and each reveal writes
a `PersonalDataAccess` row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from zhizhi.accounts import scope
from zhizhi.accounts.models import PersonalDataAccess, User
from zhizhi.cases.models import Case
from zhizhi.core.errors import NotFound, PermissionDenied
from zhizhi.core.identifiers import mask_ric
from zhizhi.core.inputs import is_row_id
from zhizhi.core.personal import mask_address, mask_name, mask_phone
from zhizhi.petitions.models import KeyPerson, Level, Petition, Petitioner
from zhizhi.petitions.workflow import PETITION

PETITIONER_FIELDS = "name,id_number,phone,address"


def visible_petitions(user: User) -> QuerySet[Case]:
    """Petition cases the user may see (the engine's scope, type "petition")."""
    return scope.visible_cases(user).filter(case_type=PETITION)


def get_petition(user: User, case_id: int) -> Petition:
    """The petition of a visible petition case; NotFound otherwise (existence is not revealed)."""
    if not is_row_id(case_id):
        raise NotFound("信访事项不存在或无权查看", code="petition_not_found")
    found = (
        Petition.objects.select_related("case", "case__region", "case__category", "repeat_of")
        .filter(case__in=visible_petitions(user), case_id=case_id)
        .first()
    )
    if found is None:
        raise NotFound("信访事项不存在或无权查看", code="petition_not_found")
    return found


def rereviewed(petitions: QuerySet[Petition]) -> QuerySet[Petition]:
    """Those whose re-review (复核) has been answered: the same facts and reasons are not accepted again."""
    return petitions.filter(opinions__level=Level.RE_REVIEW, opinions__answered_at__isnull=False).distinct()


def earlier_by_id_numbers(id_numbers: Iterable[str]) -> QuerySet[Petition]:
    """Every petition with a petitioner holding one of these ID numbers (no scope: for the rules)."""
    numbers = sorted({n for n in id_numbers if n})
    if not numbers:
        return Petition.objects.none()
    return Petition.objects.filter(petitioners__id_number__in=numbers).distinct()


def earlier_petitions(user: User, id_numbers: Iterable[str]) -> QuerySet[Case]:
    """The visible petitions of the same petitioners (same ID numbers), newest first."""
    pks = earlier_by_id_numbers(id_numbers).values("case_id")
    return visible_petitions(user).filter(pk__in=pks).order_by("-received_at", "-id")


# --- Personal data ---------------------------------------------------------------------------------


def masked_petitioner(p: Petitioner) -> dict[str, Any]:
    return {
        "name": mask_name(p.name),
        "id_number": mask_ric(p.id_number),
        "phone": mask_phone(p.phone),
        "address": mask_address(p.address),
        "is_representative": p.is_representative,
    }


def full_petitioner(p: Petitioner) -> dict[str, Any]:
    return {
        "name": p.name,
        "id_number": p.id_number,
        "phone": p.phone,
        "address": p.address,
        "is_representative": p.is_representative,
    }


def petitioners(petition: Petition) -> list[dict[str, Any]]:
    """A petition's petitioners as every list shows them: masked."""
    return [masked_petitioner(p) for p in petition.petitioners.all()]


def can_view_personal(user: User, case: Case) -> bool:
    return scope.can_view_personal(user, case)


def log_access(user: User, object_type: str, object_id: int, fields: str, reason: str) -> None:
    PersonalDataAccess.objects.create(
        user=user, object_type=object_type, object_id=str(object_id), fields=fields, reason=reason[:200]
    )


def reveal_petitioners(user: User, case_id: int, *, reason: str = "") -> list[dict[str, Any]]:
    """The petitioners in full, for a role that needs them; writes one PersonalDataAccess row."""
    petition = get_petition(user, case_id)
    if not can_view_personal(user, petition.case):
        raise PermissionDenied("forbidden_personal_data", "当前角色无权查看信访人个人信息")
    log_access(user, "petition", petition.case_id, PETITIONER_FIELDS, reason)
    return [full_petitioner(p) for p in petition.petitioners.all()]


# --- Key persons -----------------------------------------------------------------------------------


def key_persons_q(user: User) -> Q | None:
    """Key persons the user may see: in their region subtrees or under their responsibility; None = all."""
    if scope.sees_everything(user):
        return None
    q = Q(cadres=user)
    for path in scope.region_paths(user):
        q |= Q(region_path__startswith=path)
    return q


def visible_key_persons(user: User) -> QuerySet[KeyPerson]:
    if not user.is_authenticated or not user.is_active:
        return KeyPerson.objects.none()
    q = key_persons_q(user)
    qs = KeyPerson.objects.all()
    if q is not None:
        qs = qs.filter(pk__in=KeyPerson.objects.filter(q).values("pk"))
    return qs.select_related("region")


def get_key_person(user: User, pk: int) -> KeyPerson:
    found = visible_key_persons(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("重点人员不存在或无权查看", code="key_person_not_found")
    return found


def masked_key_person(person: KeyPerson) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": mask_name(person.name),
        "id_number": mask_ric(person.id_number),
        "phone": mask_phone(person.phone),
        "address": mask_address(person.address),
        "region": person.region.name,
        "risk_level": person.risk_level,
        "is_active": person.is_active,
    }


def reveal_key_person(user: User, pk: int, *, reason: str = "") -> dict[str, Any]:
    person = get_key_person(user, pk)
    if scope.role_of(user) not in scope.PERSONAL_DATA_ROLES:
        raise PermissionDenied("forbidden_personal_data", "当前角色无权查看重点人员个人信息")
    log_access(user, "key_person", person.pk, PETITIONER_FIELDS, reason)
    return {
        **masked_key_person(person),
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone,
        "address": person.address,
    }
