"""Hotline reads, always through the scope module: calls, meetings and decisions a user may see.

- Calls carry the caller's phone and name (personal data). The hotline desk's own roles (operator,
  dispatcher, leader, admin) see the calls in their region subtrees and the town-wide calls (no
  region); anyone else sees only the call behind a case they can see.
- Meetings and decisions: the meeting's region subtree for the roles that hold them; a decision
  also to the members of its owner department and to its owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet

from zhizhi.accounts import scope
from zhizhi.accounts.models import PersonalDataAccess, Role, User
from zhizhi.core.errors import NotFound
from zhizhi.core.personal import normalize_phone
from zhizhi.hotline.models import Call, Decision, Meeting

DESK_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.DISPATCHER, Role.LEADER, Role.ADMIN})


def visible_calls(user: User) -> QuerySet[Call]:
    return restrict_calls(Call.objects.all(), user)


def restrict_calls(qs: QuerySet[Call], user: User) -> QuerySet[Call]:
    """`qs` limited to the calls `user` may see: those whose case the user may see (the case scope
    applied through the join, not as a subquery: see `scope.restrict_cases`), and for the hotline
    desk's roles every call in their regions or not yet placed."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if scope.sees_everything(user):
        return qs
    q = scope.cases_q(user, via="case__")  # a call without a case matches none of its conditions
    if scope.role_of(user) in DESK_ROLES:
        q |= scope.path_q(scope.region_paths(user), "region_path") | Q(region_path="")
    return qs.filter(q)


def get_call(user: User, pk: int) -> Call:
    call = visible_calls(user).select_related("nature", "operator", "case", "region").filter(pk=pk).first()
    if call is None:
        raise NotFound("来电记录不存在或无权查看", code="call_not_found")
    return call


CALLER_FIELDS = "caller_name,caller_phone"


def may_see_callers(user: User) -> bool:
    """Whether the user's role handles callers and so sees a call's caller in full (every such
    read is logged with `saw_callers`)."""
    return scope.role_of(user) in scope.PERSONAL_DATA_ROLES


def saw_callers(user: User, calls: Iterable[Call], reason: str) -> None:
    """Record that `user` was shown these calls' callers in full: one PersonalDataAccess row per call
    that has a caller (as a case's or a petition's reveal writes one)."""
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(
            user=user, object_type="call", object_id=str(c.pk), fields=CALLER_FIELDS, reason=reason
        )
        for c in calls
        if c.caller_phone or c.caller_name
    )


def open_call(user: User, pk: int, *, reason: str = "查看来电记录") -> tuple[Call, bool]:
    """One call the user may see, and whether its caller is shown in full (then logged)."""
    call = get_call(user, pk)
    reveal = may_see_callers(user)
    if reveal:
        saw_callers(user, [call], reason)
    return call, reveal


def caller_history(user: User, raw_phone: str) -> QuerySet[Call]:
    """The earlier calls from this number that the user may see, newest first (raises invalid_phone)."""
    phone = normalize_phone(raw_phone)
    return (
        visible_calls(user)
        .filter(caller_phone=phone)
        .select_related("nature", "case")
        .order_by("-received_at", "-id")
    )


def visible_meetings(user: User) -> QuerySet[Meeting]:
    if not user.is_authenticated or not user.is_active:
        return Meeting.objects.none()
    if scope.sees_everything(user):
        return Meeting.objects.all()
    if scope.role_of(user) in DESK_ROLES:
        return Meeting.objects.filter(scope.path_q(scope.region_paths(user), "region_path"))
    return Meeting.objects.filter(pk__in=visible_decisions(user).values("meeting_id"))


def get_meeting(user: User, pk: int) -> Meeting:
    meeting = visible_meetings(user).select_related("region", "created_by").filter(pk=pk).first()
    if meeting is None:
        raise NotFound("会商研判记录不存在或无权查看", code="meeting_not_found")
    return meeting


def visible_decisions(user: User) -> QuerySet[Decision]:
    if not user.is_authenticated or not user.is_active:
        return Decision.objects.none()
    if scope.sees_everything(user):
        return Decision.objects.all()
    q = Q(owner_id=user.pk) | Q(owner_department_id__in=scope.department_ids(user))
    if scope.role_of(user) in DESK_ROLES:
        q |= scope.path_q(scope.region_paths(user), "meeting__region_path")
    return Decision.objects.filter(q)


def open_decisions(qs: QuerySet[Decision], *, overdue_on: date | None = None) -> QuerySet[Decision]:
    """Decisions not yet done; with `overdue_on`, only those due before that day."""
    qs = qs.filter(done_at__isnull=True)
    return qs.filter(due_on__lt=overdue_on) if overdue_on is not None else qs
