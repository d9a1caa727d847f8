"""The hazard (隐患) workflow: closed-loop rectification as a table, on the case engine.

    received (发现登记) → notify → notified (已下达整改通知) → start_rectification → rectifying (整改中)
    → submit_rectification → rectified (整改完成待复查) → reinspect_pass → reinspected (复查合格)
    → close (一般隐患销号) | acceptance (重大隐患验收销号) → closed (已销号)
    rectified → reinspect_fail → rectifying (复查不合格, back to rectification)

The first state is the engine's `received` because `services.create_case` registers every case
there; its hazard label is 发现登记. `closed` is the engine's `closed` as well. Major hazards (重大隐患)
add listed supervision (挂牌督办, a flag: `list_supervision`), a governance plan (治理方案: `file_plan`,
required before rectification starts) and acceptance by the township (验收销号, `acceptance`) instead
of the inspector's `close`. `supervise` (督办) is the engine's own flag action.

Roles: `handler` is the safety inspector (a member of the `emergency` department, 应急管理/安全生产),
who takes every step of the loop on a hazard they handle; `dispatcher`/`leader` list, supervise and
accept. The effects live in `zhizhi.safety.hazards`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from zhizhi.accounts.models import Role
from zhizhi.cases.workflow import Action, Workflow

HAZARD = "hazard"
# The department that handles hazards: its handlers are the safety inspectors, who may register
# hazards wherever they inspect (`CaseType.department`).
HAZARD_DEPARTMENT = "emergency"

RECEIVED = "received"
NOTIFIED = "notified"
RECTIFYING = "rectifying"
RECTIFIED = "rectified"
REINSPECTED = "reinspected"
CLOSED = "closed"

STATES = (RECEIVED, NOTIFIED, RECTIFYING, RECTIFIED, REINSPECTED, CLOSED)
# Before the hazard is fixed: the states in which it can be overdue.
UNFIXED_STATES = frozenset({RECEIVED, NOTIFIED, RECTIFYING, RECTIFIED})
# Open (在办) = not yet fixed. `reinspected` is the hazard's 办结 (resolved_at is set), like the base
# workflow's `resolved`: no longer open, waiting only for 销号.
OPEN_STATES = UNFIXED_STATES

# Labels are data (marked with gettext_noop), translated where they are shown.
STATE_LABELS: dict[str, str] = {
    RECEIVED: gettext_noop("发现登记"),
    NOTIFIED: gettext_noop("已下达整改通知"),
    RECTIFYING: gettext_noop("整改中"),
    RECTIFIED: gettext_noop("整改完成待复查"),
    REINSPECTED: gettext_noop("复查合格"),
    CLOSED: gettext_noop("已销号"),
}

FIELDS: dict[str, str] = {
    "deadline": "整改期限 YYYY-MM-DD (default: the grade's SLA policy, counted from the notice)",
    "notice_no": "整改通知书编号 (rectification notice number)",
    "evidence": "整改情况: what the organisation did (整改措施和结果)",
    "attachments": "list of references to evidence files (photos, receipts)",
    "result": "复查/验收意见: the re-inspection's or the acceptance's findings",
    "goals": "治理目标和任务 (governance plan: goals)",
    "measures": "采取的方法和措施 (governance plan: measures)",
    "funds": "经费 in 万元 (governance plan: funds, a number)",
    "people": "负责治理的机构和人员 (governance plan: people)",
    "plan_deadline": "治理时限 YYYY-MM-DD (governance plan: deadline; becomes the hazard's due date)",
    "contingency": "安全措施和应急预案 (governance plan: contingency)",
}

GUARDS: dict[str, str] = {
    "major": "the hazard is graded 重大",
    "general": "the hazard is graded 一般",
    "not_listed": "the hazard is not under listed supervision (挂牌督办) already",
    "plan_ready": "a 一般 hazard, or a 重大 hazard whose governance plan has been filed",
}

PLAN_FIELDS = ("goals", "measures", "funds", "people", "plan_deadline", "contingency")
BEFORE_FIXED = (RECEIVED, NOTIFIED, RECTIFYING, RECTIFIED)


def _a(
    name: str,
    label: str,
    sources: Iterable[str],
    target: str | None,
    roles: Iterable[str],
    **kw: object,
) -> Action:
    return Action(name, label, frozenset(sources), target, frozenset(roles), **kw)  # type: ignore[arg-type]


R = Role
_INSPECTOR = (R.HANDLER,)
_OVERSIGHT = (R.DISPATCHER, R.LEADER)

HAZARD_WORKFLOW = Workflow(
    name="hazard",
    states=STATES,
    initial=RECEIVED,
    terminal=frozenset({CLOSED}),
    open_states=OPEN_STATES,
    fields=FIELDS,
    guards=GUARDS,
    labels=STATE_LABELS,
    actions={
        a.name: a
        for a in [
            _a("notify", gettext_noop("下达整改通知"), [RECEIVED], NOTIFIED, _INSPECTOR,
               optional=("deadline", "notice_no", "note"), handler_only=True),
            _a("start_rectification", gettext_noop("开始整改"), [NOTIFIED], RECTIFYING, _INSPECTOR,
               optional=("note",), guards=("plan_ready",), handler_only=True),
            _a("submit_rectification", gettext_noop("整改完成"), [RECTIFYING], RECTIFIED, _INSPECTOR,
               required=("evidence",), optional=("attachments", "note"), handler_only=True),
            _a("reinspect_pass", gettext_noop("复查合格"), [RECTIFIED], REINSPECTED, _INSPECTOR,
               required=("result",), handler_only=True),
            _a("reinspect_fail", gettext_noop("复查不合格"), [RECTIFIED], RECTIFYING, _INSPECTOR,
               required=("result",), handler_only=True),
            _a("close", gettext_noop("销号"), [REINSPECTED], CLOSED, _INSPECTOR,
               optional=("note",), guards=("general",), handler_only=True),
            _a("acceptance", gettext_noop("验收销号"), [REINSPECTED], CLOSED, _OVERSIGHT,
               required=("result",), guards=("major",)),
            _a("list_supervision", gettext_noop("挂牌督办"), BEFORE_FIXED, None, _OVERSIGHT,
               required=("note",), guards=("major", "not_listed")),
            _a("file_plan", gettext_noop("报备治理方案"), [NOTIFIED, RECTIFYING], None, _INSPECTOR,
               required=PLAN_FIELDS, guards=("major",), handler_only=True),
            _a("supervise", gettext_noop("督办"), BEFORE_FIXED, None, _OVERSIGHT, required=("note",)),
        ]
    },
)  # fmt: skip


def state_label(status: str, *, translate: bool = True) -> str:
    """The hazard label of a state, in the active language (`cases.types.status_label`), or in
    Chinese with `translate=False`."""
    from zhizhi.cases.types import status_label

    return status_label(HAZARD, status, translate=translate)
