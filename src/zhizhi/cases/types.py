"""Case types, registered in code. Each names its workflow; domain apps register their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from zhizhi.cases.workflow import BASE_WORKFLOW, Workflow


@dataclass(frozen=True)
class CaseType:
    code: str
    name: str
    workflow: Workflow
    max_extension_days: int = 20  # 12345 rule: an extension of at most 20 working days in all
    requires_category: bool = True


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
    problems = [p for ct in REGISTRY.values() for p in ct.workflow.validate()]
    if problems:
        raise ImproperlyConfigured("invalid workflow table:\n" + "\n".join(problems))


EVENT = register(CaseType(code="event", name="事件工单", workflow=BASE_WORKFLOW))
