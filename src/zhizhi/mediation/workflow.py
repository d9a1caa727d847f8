"""The dispute (纠纷) workflow of people's mediation under 人民调解法, as a table on the case engine.

    registered (已登记) ─ accept ──────→ mediating (调解中) ─ agree ─→ agreed (已达成协议) ─ close ─→ closed (已结案)
                       ├ not_accept ──→ not_accepted (不予受理)  ├ fail ──→ failed (调解不成)
                       └ refer ───────→ referred (已移交) ←──────┘ refer

Clocks (each an SlaPolicy row, `clocks.py`): registration starts the acceptance clock (受理, 3 working
days: a house default, 人民调解法第二十一条 "及时、就地"); `accept` restarts it for the conclusion (调结,
30 days from acceptance: 司法部《人民调解工作若干规定》第三十三条 "一般在一个月内调结"), `extend` moves it
once by at most 30 days, with a reason, before it runs out. An agreement opens the parties' 30 days
to apply for judicial confirmation (司法确认, 人民调解法第三十三条), a window recorded on the agreement
(`judicial_apply` checks the application date), not a clock on the case. `agreed` is not open (在办):
the mediation is concluded and the committee follows up on performance (第三十一条) before closing.

Non-state actions: `record_session` (调解记录, 第二十七条), `extend`, `flag_major` (重大疑难纠纷),
`supervise` (the engine's 督办), `follow_up` (履行情况回访, 第三十一条), `judicial_apply` and
`judicial_decision` (司法确认, 第三十三条).

Roles: the mediators are `handler`s of the mediation department (综治/平安法治, `peace_law`) or the
village's cadres (`village_cadre`) for a village dispute: they take every step of the mediation on a
dispute they handle (`handler_only`); `dispatcher`/`leader` flag major disputes and supervise;
`dispatcher`, `leader` and the mediators close. The effects live in `zhizhi.mediation.casetype`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from zhizhi.accounts.models import Role
from zhizhi.cases.workflow import Action, Workflow

DISPUTE = "dispute"

REGISTERED = "registered"
MEDIATING = "mediating"
NOT_ACCEPTED = "not_accepted"
REFERRED = "referred"
AGREED = "agreed"
FAILED = "failed"
CLOSED = "closed"

STATES = (REGISTERED, MEDIATING, NOT_ACCEPTED, REFERRED, AGREED, FAILED, CLOSED)
OPEN_STATES = frozenset({REGISTERED, MEDIATING})
TERMINAL = frozenset({NOT_ACCEPTED, REFERRED, FAILED, CLOSED})

STATE_LABELS: dict[str, str] = {
    REGISTERED: gettext_noop("已登记"),
    MEDIATING: gettext_noop("调解中"),
    NOT_ACCEPTED: gettext_noop("不予受理"),
    REFERRED: gettext_noop("已移交"),
    AGREED: gettext_noop("已达成协议"),
    FAILED: gettext_noop("调解不成"),
    CLOSED: gettext_noop("已结案"),
}

FIELDS: dict[str, str] = {
    "mediators": (
        "人民调解员 (第十九条): usernames, a list or comma-separated; handlers of the mediation department or "
        "cadres of the dispute's village; default the acting user; the first presides and is the assignee"
    ),
    "refer_to": "court | arbitration | other (人民法院 / 仲裁机构 / 其他机关、单位)",
    "authority": "the body the dispute is referred to (e.g. 普陀区人民法院)",
    "held_on": "调解日期 YYYY-MM-DD (not before acceptance, not after today)",
    "place": "调解地点",
    "attendees": "参加人员: the parties, mediators and others present (第二十条)",
    "notes": "调解情况: the record of the session (第二十七条)",
    "days": "延长天数 in natural days (at most the extension policy's target: 30)",
    "form": "written | oral (书面调解协议书, 第二十九条 / 口头协议, 第二十八条)",
    "facts": "纠纷的主要事实、争议事项 (a written agreement: required, 第二十九条)",
    "responsibilities": "各方当事人的责任 (a written agreement: required, 第二十九条)",
    "terms": "调解协议的内容: what the parties agreed (required; for an oral agreement, as recorded, 第二十八条)",
    "performance_manner": "履行方式 (a written agreement: required, 第二十九条)",
    "performance_due": "履行期限 YYYY-MM-DD (a written agreement: required, 第二十九条; not before the effective date)",
    "effective_on": (
        "生效日期 YYYY-MM-DD (default today): the day the parties and the mediator signed (第二十九条) or the "
        "parties agreed orally (第三十条); the 30 days to apply for judicial confirmation count from it"
    ),
    "notice": "终止调解告知: the parties' other ways (default: 仲裁、行政、司法等途径, 第二十六条)",
    "performance": "performed | partly | not_performed (履行完毕 / 部分履行 / 未履行)",
    "visited_on": "回访日期 YYYY-MM-DD (default today; not before the agreement)",
    "applied_on": "申请司法确认日期 YYYY-MM-DD (default today): within 30 days of the effective date (第三十三条)",
    "court": "受理司法确认申请的人民法院",
    "confirmed": "true (裁定确认调解协议有效) | false (不予确认 / 确认无效)",
    "decided_on": "裁定日期 YYYY-MM-DD (default today; not before the application)",
}

GUARDS: dict[str, str] = {
    "not_extended": "the time limit to conclude has not been extended yet (one extension only)",
    "not_major": "the dispute is not flagged as major or difficult (重大疑难) already",
    "followed_up": "at least one follow-up visit on performance has been recorded (第三十一条)",
    "written_agreement": "the agreement is a written one (a court confirms a 调解协议书)",
    "not_applied": "no application for judicial confirmation recorded yet",
    "judicial_pending": "an application for judicial confirmation awaits the court's decision",
}


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
_MEDIATORS = (R.HANDLER, R.VILLAGE_CADRE)
_RECORDERS = (R.HANDLER, R.VILLAGE_CADRE, R.DISPATCHER)
_OVERSIGHT = (R.DISPATCHER, R.LEADER)
_AGREEMENT = ("facts", "responsibilities", "terms", "performance_manner", "performance_due", "effective_on")
_CONFIRMABLE = (AGREED, CLOSED)  # the parties may apply after the case is closed

DISPUTE_WORKFLOW = Workflow(
    name="dispute",
    states=STATES,
    initial=REGISTERED,
    terminal=TERMINAL,
    open_states=OPEN_STATES,
    fields=FIELDS,
    guards=GUARDS,
    labels=STATE_LABELS,
    actions={
        a.name: a
        for a in [
            _a("accept", gettext_noop("受理"), [REGISTERED], MEDIATING, _MEDIATORS, optional=("mediators", "note"),
               handler_only=True),
            _a("not_accept", gettext_noop("不予受理"), [REGISTERED], NOT_ACCEPTED, _MEDIATORS, required=("reason",),
               handler_only=True),
            _a("refer", gettext_noop("移交"), [REGISTERED, MEDIATING], REFERRED, _MEDIATORS,
               required=("refer_to", "authority"), optional=("note",), handler_only=True),
            _a("record_session", gettext_noop("记录调解"), [MEDIATING], None, _MEDIATORS,
               required=("held_on", "place", "attendees", "notes"), handler_only=True),
            _a("extend", gettext_noop("延长调解期限"), [MEDIATING], None, _MEDIATORS, required=("days", "reason"),
               guards=("not_extended", "before_due"), handler_only=True),
            _a("agree", gettext_noop("达成调解协议"), [MEDIATING], AGREED, _MEDIATORS, required=("form",),
               optional=_AGREEMENT, handler_only=True),
            _a("fail", gettext_noop("终止调解"), [MEDIATING], FAILED, _MEDIATORS, required=("reason",),
               optional=("notice",), handler_only=True),
            _a("flag_major", gettext_noop("列为重大疑难纠纷"), OPEN_STATES, None, (*_OVERSIGHT, R.HANDLER),
               required=("note",), guards=("not_major",)),
            _a("supervise", gettext_noop("督办"), OPEN_STATES, None, _OVERSIGHT, required=("note",)),
            _a("follow_up", gettext_noop("回访履行情况"), [AGREED], None, _MEDIATORS, required=("performance",),
               optional=("visited_on", "note"), handler_only=True),
            _a("judicial_apply", gettext_noop("申请司法确认"), _CONFIRMABLE, None, _RECORDERS,
               optional=("applied_on", "court", "note"), guards=("written_agreement", "not_applied")),
            _a("judicial_decision", gettext_noop("司法确认结果"), _CONFIRMABLE, None, _RECORDERS,
               required=("confirmed",), optional=("decided_on", "note"), guards=("judicial_pending",)),
            _a("close", gettext_noop("结案"), [AGREED], CLOSED, (*_OVERSIGHT, *_MEDIATORS), optional=("note",),
               guards=("followed_up",)),
        ]
    },
)  # fmt: skip


def state_label(status: str) -> str:
    """The dispute label of a state, in the active language (`cases.types.status_label`)."""
    from zhizhi.cases.types import status_label

    return status_label(DISPUTE, status)
