"""Case types, registered in code. Each names its workflow; domain apps register their own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

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
    name: str
    workflow: Workflow
    max_extension_days: int = 20  # 12345 rule: an extension of at most 20 working days in all
    requires_category: bool = True
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


def validate_all() -> None:
    from zhizhi.cases.services import EFFECTS, GUARD_CHECKS

    problems = [p for ct in REGISTRY.values() for p in ct.workflow.validate()]
    for ct in REGISTRY.values():
        for name in ct.workflow.actions:
            if name not in ct.effects and name not in EFFECTS:
                problems.append(f"{ct.code}.{name}: no effect (services.EFFECTS or the type's effects)")
        for guard in {g for a in ct.workflow.actions.values() for g in a.guards}:
            if guard not in ct.guard_checks and guard not in GUARD_CHECKS:
                problems.append(f"{ct.code}: guard {guard!r} has no check")
    if problems:
        raise ImproperlyConfigured("invalid workflow table:\n" + "\n".join(problems))


EVENT = register(CaseType(code="event", name="事件工单", workflow=BASE_WORKFLOW))
