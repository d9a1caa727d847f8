"""Case types, registered in code. Each names its workflow; domain apps register their own."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_noop

from zhizhi.accounts.scope import CREATE_ROLES
from zhizhi.cases.workflow import BASE_WORKFLOW, Workflow

if TYPE_CHECKING:
    from zhizhi.accounts.models import User
    from zhizhi.cases.models import Case

# An action's effect: (case, actor, clean payload, now, event data) -> the fields it changed.
Effect = Callable[["Case", "User", dict[str, Any], datetime, dict[str, Any]], list[str]]
Guard = Callable[["Case", datetime], bool]


@dataclass(frozen=True)
class CaseType:
    code: str
    name: str  # Chinese, marked with gettext_noop: translate where shown
    workflow: Workflow
    max_extension_days: int = 20  # 12345 rule: an extension of at most 20 working days in all
    requires_category: bool = True
    # Who may register a case of this type (`cases.services.create_case`, `scope.can_create_in`):
    # these roles within their own regions, and — when the type names its `department` — the
    # handlers of that department within the department's area (anywhere, for a department without
    # a region): a safety inspector registers the hazards found wherever the inspection was.
    create_roles: frozenset[str] = CREATE_ROLES
    department: str = ""  # a Department code; "" = no department-based creation
    # A domain's own effects and guards (by action / guard name); the shared ones in
    # services.EFFECTS and services.GUARD_CHECKS apply where a type does not name its own.
    effects: Mapping[str, Effect] = field(default_factory=dict)
    guard_checks: Mapping[str, Guard] = field(default_factory=dict)
    guard_messages: Mapping[str, str] = field(default_factory=dict)


REGISTRY: dict[str, CaseType] = {}


def register(case_type: CaseType) -> CaseType:
    if case_type.code in REGISTRY and REGISTRY[case_type.code] != case_type:
        raise ImproperlyConfigured(f"case type {case_type.code!r} registered twice")
    REGISTRY[case_type.code] = case_type
    return case_type


def get(code: str) -> CaseType:
    from zhizhi.core.errors import ValidationFailed

    try:
        return REGISTRY[code]
    except KeyError:
        raise ValidationFailed("unknown_case_type", f"Unknown case type: {code}") from None


def _ordered_union(sets: Iterable[Iterable[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for states in sets:
        for s in states:
            seen.setdefault(s, None)
    return tuple(seen)


def all_states() -> tuple[str, ...]:
    """Every state of every registered workflow, in workflow order (the base workflow's first)."""
    return _ordered_union(ct.workflow.states for ct in REGISTRY.values())


def open_states() -> frozenset[str]:
    """The union of every registered workflow's open states (在办). `validate_all` checks that a
    state open in one workflow is open in every workflow that has it, so the union is exact."""
    return frozenset(s for ct in REGISTRY.values() for s in ct.workflow.open_states)


def running_states() -> frozenset[str]:
    """Open states whose SLA clock runs: the open states less every workflow's paused states."""
    paused = {s for ct in REGISTRY.values() for s in ct.workflow.paused_states}
    return open_states() - paused


def status_label(case_type: str, status: str, *, translate: bool = True) -> str:
    """A status as the user reads it, in the active language: the case type's own label for the
    state (a hazard's `received` is 发现登记), else the base `Status` label, else the code.
    `translate=False`: the Chinese label, for messages written in Chinese (the services' errors)."""
    if not translate:
        with translation.override(None):
            return status_label(case_type, status)
    ct = REGISTRY.get(case_type)
    label = ct.workflow.labels.get(status) if ct is not None else None
    if label is None:
        label = BASE_WORKFLOW.labels.get(status)
    if label is None:
        return status
    return str(label) if isinstance(label, Promise) else translation.gettext(label)


def state_choices(case_type: str | None = None) -> list[tuple[str, str]]:
    """(state, label) for a status menu: one type's states, or every type's (the base labels first,
    then each other type's own states with its labels)."""
    if case_type:
        ct = REGISTRY.get(case_type)
        if ct is not None:
            return [(s, status_label(ct.code, s)) for s in ct.workflow.states]
    out: dict[str, str] = {}
    for ct in REGISTRY.values():
        for s in ct.workflow.states:
            if s not in out:
                out[s] = status_label(ct.code, s)
    return list(out.items())


def _consistency_problems() -> list[str]:
    """A state shared by two workflows must be open (and paused) in both or in neither, so that the
    unions above (what the sweep and the open filters use) are exact for every type."""
    problems = []
    registered = list(REGISTRY.values())
    for a in registered:
        for b in registered:
            if a.code >= b.code:
                continue
            shared = set(a.workflow.states) & set(b.workflow.states)
            for s in sorted(shared):
                if (s in a.workflow.open_states) != (s in b.workflow.open_states):
                    problems.append(f"{a.code}/{b.code}: state {s!r} is open in one workflow only")
                if (s in a.workflow.paused_states) != (s in b.workflow.paused_states):
                    problems.append(f"{a.code}/{b.code}: state {s!r} pauses the clock in one workflow only")
    return problems


def validate_all() -> None:
    from zhizhi.cases.services import EFFECTS, GUARD_CHECKS

    problems = [p for ct in REGISTRY.values() for p in ct.workflow.validate()]
    problems += _consistency_problems()
    for ct in REGISTRY.values():
        for name in ct.workflow.actions:
            if name not in ct.effects and name not in EFFECTS:
                problems.append(f"{ct.code}.{name}: no effect (services.EFFECTS or the type's effects)")
        for guard in {g for a in ct.workflow.actions.values() for g in a.guards}:
            if guard not in ct.guard_checks and guard not in GUARD_CHECKS:
                problems.append(f"{ct.code}: guard {guard!r} has no check")
    if problems:
        raise ImproperlyConfigured("invalid workflow table:\n" + "\n".join(problems))


EVENT = register(CaseType(code="event", name=gettext_noop("事件工单"), workflow=BASE_WORKFLOW))
