"""Declarative workflows: states, actions, who may take them, what each requires.

A workflow is data. `transition()` in `services` reads it; `validate()` checks it at start-up;
`to_mermaid()` renders it for the docs. Effects that need code (moving the clock, stamping
fields) are keyed by action name in `services.EFFECTS`; the table says *whether* an action is
allowed, the effect says *what else* it changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_noop

from zhizhi.accounts.models import Role
from zhizhi.cases.models import Status

# Payload fields an action may require, and what each means. The API and the web forms read this.
FIELDS: dict[str, str] = {
    "department": "department code to dispatch to",
    "assignee": "username of the person to dispatch to (optional with department)",
    "reason": "why (return, suspend, extension, deny, reopen)",
    "note": "free text",
    "days": "extension length in working days",
    "resolution": "what was done (办理结果)",
    "satisfaction": "satisfied | basically_satisfied | unsatisfied",
    "reached": "whether the return visit reached the reporter (true/false)",
    "parent": "id of the case to merge into",
}

# Guards: named conditions on the case, evaluated by services.GUARDS.
GUARDS: dict[str, str] = {
    "extension_pending": "an extension request awaits a decision",
    "no_extension_pending": "no extension request awaits a decision",
    "before_due": "the resolution deadline has not passed",
    "unsatisfied": "the last return visit recorded 不满意",
    "not_unsatisfied": "the last return visit did not record 不满意",
}


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change (a flag or a record on the timeline)
    roles: frozenset[str]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    # Acting roles must be the case's handler (assignee or member of its department) rather than
    # merely able to see it.
    handler_only: bool = False

    def next_status(self, current: str) -> str:
        return self.target or current


@dataclass(frozen=True)
class Workflow:
    name: str
    states: tuple[str, ...]
    initial: str
    terminal: frozenset[str]
    # The states in which a case is still being handled (在办): the SLA clock can run out in them.
    open_states: frozenset[str]
    actions: dict[str, Action] = field(default_factory=dict)
    # A domain's own payload fields and guards, beside the shared FIELDS and GUARDS.
    fields: dict[str, str] = field(default_factory=dict)
    guards: dict[str, str] = field(default_factory=dict)
    # Each state's label (a gettext_noop msgid or a lazy translation), shown through
    # `types.status_label`; a state without one falls back to the base `Status` label.
    labels: Mapping[str, str | Promise] = field(default_factory=dict)
    # Open states in which the clock is paused: the SLA sweep skips them (base: suspended).
    paused_states: frozenset[str] = frozenset()

    def field_help(self, name: str) -> str:
        return self.fields.get(name) or FIELDS.get(name, "")

    def allowed_in(self, status: str) -> list[Action]:
        return [a for a in self.actions.values() if status in a.sources]

    def validate(self) -> list[str]:
        """Problems with the table; empty when it is sound."""
        errors: list[str] = []
        states = set(self.states)
        roles = set(Role.values)
        if self.initial not in states:
            errors.append(f"{self.name}: initial state {self.initial!r} is not a state")
        for extra in sorted((self.terminal | self.open_states | set(self.labels)) - states):
            errors.append(f"{self.name}: {extra!r} is not a state")
        for extra in sorted(self.paused_states - self.open_states):
            errors.append(f"{self.name}: paused state {extra!r} is not an open state")
        for extra in sorted(self.open_states & self.terminal):
            errors.append(f"{self.name}: terminal state {extra!r} cannot be open")
        for a in self.actions.values():
            for s in sorted(a.sources):
                if s not in states:
                    errors.append(f"{self.name}.{a.name}: unknown source state {s!r}")
            if a.target is not None and a.target not in states:
                errors.append(f"{self.name}.{a.name}: unknown target state {a.target!r}")
            for r in sorted(a.roles):
                if r not in roles:
                    errors.append(f"{self.name}.{a.name}: unknown role {r!r}")
            for f in (*a.required, *a.optional):
                if f not in FIELDS and f not in self.fields:
                    errors.append(f"{self.name}.{a.name}: unknown field {f!r}")
            for g in a.guards:
                if g not in GUARDS and g not in self.guards:
                    errors.append(f"{self.name}.{a.name}: unknown guard {g!r}")
            if not a.roles:
                errors.append(f"{self.name}.{a.name}: no role may take it")
        # Every state reachable from the initial one; every non-terminal state has a way out.
        reachable = {self.initial}
        frontier = [self.initial]
        while frontier:
            s = frontier.pop()
            for a in self.allowed_in(s):
                t = a.next_status(s)
                if t not in reachable:
                    reachable.add(t)
                    frontier.append(t)
        for s in sorted(states - reachable):
            errors.append(f"{self.name}: state {s!r} is unreachable")
        for s in sorted(states - self.terminal):
            if not any(a.target not in (None, s) for a in self.allowed_in(s)):
                errors.append(f"{self.name}: state {s!r} has no way out")
        return errors

    def to_mermaid(self, labels: dict[str, str] | None = None) -> str:
        labels = labels or {}
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for s in self.states:
            if s in labels:
                lines.append(f"    {s} : {s} {labels[s]}")
        for a in self.actions.values():
            if a.target is None:
                continue  # flag/record actions (supervise, extension, visit) are listed in the table
            for s in sorted(a.sources):
                t = a.next_status(s)
                roles = ", ".join(sorted(a.roles))
                lines.append(f"    {s} --> {t} : {a.name} ({roles})")
        for s in sorted(self.terminal):
            lines.append(f"    {s} --> [*]")
        return "\n".join(lines)


def _a(
    name: str,
    label: str,
    sources: Iterable[str],
    target: str | None,
    roles: Iterable[str],
    **kw: object,
) -> Action:
    return Action(name, label, frozenset(sources), target, frozenset(roles), **kw)  # type: ignore[arg-type]


S = Status
R = Role
_OPEN = (S.RECEIVED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED, S.RETURNED)
_HANDLERS = (R.HANDLER, R.VILLAGE_CADRE)
_DISPATCH = (R.DISPATCHER, R.ADMIN)
_OVERSIGHT = (R.DISPATCHER, R.LEADER)

BASE_WORKFLOW = Workflow(
    name="base",
    states=tuple(Status.values),
    initial=S.RECEIVED,
    terminal=frozenset({S.CLOSED, S.MERGED}),
    open_states=frozenset(_OPEN),
    labels={s.value: s.label for s in Status},
    paused_states=frozenset({S.SUSPENDED}),
    actions={
        a.name: a
        for a in [
            _a("dispatch", gettext_noop("派单"), [S.RECEIVED, S.RETURNED], S.DISPATCHED, _DISPATCH,
               required=("department",), optional=("assignee", "note")),
            _a("accept", gettext_noop("签收"), [S.DISPATCHED], S.ACCEPTED, _HANDLERS, optional=("note",), handler_only=True),
            _a("return", gettext_noop("退单"), [S.DISPATCHED, S.ACCEPTED], S.RETURNED, _HANDLERS,
               required=("reason",), handler_only=True),
            _a("start", gettext_noop("开始办理"), [S.ACCEPTED], S.IN_PROGRESS, _HANDLERS, optional=("note",), handler_only=True),
            _a("suspend", gettext_noop("挂起"), [S.IN_PROGRESS], S.SUSPENDED, _HANDLERS, required=("reason",), handler_only=True),
            _a("resume", gettext_noop("恢复办理"), [S.SUSPENDED], S.IN_PROGRESS, _HANDLERS, optional=("note",), handler_only=True),
            _a("request_extension", gettext_noop("申请延期"), [S.ACCEPTED, S.IN_PROGRESS], None, _HANDLERS,
               required=("days", "reason"), guards=("no_extension_pending", "before_due"), handler_only=True),
            _a("approve_extension", gettext_noop("批准延期"), [S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED], None, _OVERSIGHT,
               optional=("note",), guards=("extension_pending",)),
            _a("deny_extension", gettext_noop("驳回延期"), [S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED], None, _OVERSIGHT,
               required=("reason",), guards=("extension_pending",)),
            _a("supervise", gettext_noop("督办"), _OPEN, None, _OVERSIGHT, required=("note",)),
            _a("resolve", gettext_noop("办结"), [S.IN_PROGRESS], S.RESOLVED, _HANDLERS, required=("resolution",),
               handler_only=True),
            _a("self_resolve", gettext_noop("就地办结"), [S.RECEIVED], S.RESOLVED, (R.GRID_WORKER, R.VILLAGE_CADRE),
               required=("resolution",)),
            _a("return_visit", gettext_noop("回访"), [S.RESOLVED], None, (R.HOTLINE_OPERATOR, R.DISPATCHER),
               required=("reached",), optional=("satisfaction", "note")),
            _a("close", gettext_noop("归档"), [S.RESOLVED], S.CLOSED, (R.DISPATCHER, R.HOTLINE_OPERATOR),
               optional=("note",), guards=("not_unsatisfied",)),
            # 不满意件审核: an unsatisfied visit that review finds answered as far as policy allows.
            _a("close_unsatisfied", gettext_noop("审核归档"), [S.RESOLVED], S.CLOSED, _OVERSIGHT,
               required=("reason",), guards=("unsatisfied",)),
            _a("reopen", gettext_noop("重办"), [S.RESOLVED, S.CLOSED], S.DISPATCHED, (R.DISPATCHER, R.HOTLINE_OPERATOR),
               required=("reason",), guards=("unsatisfied",)),
            _a("merge", gettext_noop("合并"), [S.RECEIVED, S.DISPATCHED, S.RETURNED], S.MERGED, _DISPATCH,
               required=("parent",), optional=("note",)),
        ]
    },
)  # fmt: skip
