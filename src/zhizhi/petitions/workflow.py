"""The petition (信访) workflow under 信访工作条例 (2022), as a table on the case engine.

    registered (已登记) ─ accept ──────→ handling (办理中) ─ reply ─→ answered (已答复)
                       ├ not_accept ──→ not_accepted (不予受理)          │ request_review (≤ 30 days)
                       └ refer ───────→ referred (已转送)                 ↓
    reviewing (复查中) ─ answer_review ─→ reviewed (已复查) ─ request_re_review (≤ 30 days)
    → re_reviewing (复核中) ─ answer_re_review ─→ re_reviewed (已复核)
    answered | reviewed | re_reviewed ─ close ─→ closed (已结案)

Clocks (each an SlaPolicy row, `clocks.py`): registration starts the acceptance clock (告知, 15 days,
第二十三条); `accept` restarts it for handling (60 days from acceptance, 第三十四条), `extend` moves it
once by at most 30 days (the reason is told to the petitioner); `request_review` and
`request_re_review` are allowed within 30 days of the served answer (guards) and restart it for the
answer (30 days, 第三十五、三十六条). `answered`/`reviewed`/`re_reviewed` are not open (在办): the
ball is with the petitioner. The effects live in `zhizhi.petitions.casetype`.

Roles: `handler` is the petition office (信访办, a handler of the petition department) and takes
the decisions and writes the answers on a petition it handles; `leader` approves an extension
(经本机关负责人批准); `dispatcher`/`handler` record a petitioner's request for review; `dispatcher`/
`leader` supervise and list backlog cases.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from zhizhi.accounts.models import Role
from zhizhi.cases.workflow import Action, Workflow

PETITION = "petition"

REGISTERED = "registered"
HANDLING = "handling"
NOT_ACCEPTED = "not_accepted"
REFERRED = "referred"
ANSWERED = "answered"
REVIEWING = "reviewing"
REVIEWED = "reviewed"
RE_REVIEWING = "re_reviewing"
RE_REVIEWED = "re_reviewed"
CLOSED = "closed"

STATES = (
    REGISTERED, HANDLING, NOT_ACCEPTED, REFERRED, ANSWERED, REVIEWING, REVIEWED, RE_REVIEWING, RE_REVIEWED,
    CLOSED,
)  # fmt: skip
OPEN_STATES = frozenset({REGISTERED, HANDLING, REVIEWING, RE_REVIEWING})
# Answered at some level, waiting for the petitioner (a request for review) or for 结案.
AWAITING_STATES = (ANSWERED, REVIEWED, RE_REVIEWED)
TERMINAL = frozenset({NOT_ACCEPTED, REFERRED, CLOSED})

STATE_LABELS: dict[str, str] = {
    REGISTERED: gettext_noop("已登记"),
    HANDLING: gettext_noop("办理中"),
    NOT_ACCEPTED: gettext_noop("不予受理"),
    REFERRED: gettext_noop("已转送"),
    ANSWERED: gettext_noop("已答复"),
    REVIEWING: gettext_noop("复查中"),
    REVIEWED: gettext_noop("已复查"),
    RE_REVIEWING: gettext_noop("复核中"),
    RE_REVIEWED: gettext_noop("已复核"),
    CLOSED: gettext_noop("已结案"),
}

FIELDS: dict[str, str] = {
    "authority": "有权处理的机关、单位 (where the petition is referred to, 转送去向)",
    "decision": "support | explain | not_support (予以支持 / 解释说明 / 不予支持, 第三十二条)",
    "opinion": "处理意见: the answer, as written to the petitioner",
    "basis": "依据: the laws, regulations or policies the answer rests on",
    "served_on": "送达日期 YYYY-MM-DD (default today): the 30 days to ask for review count from it",
    "request": "复查/复核请求: what the petitioner asks and why",
    "days": "延长天数 in natural days (at most the extension policy's target: 30)",
    "settled": "信访人息诉罢访 true/false (required true to close before the 30 days to ask for review end)",
}

GUARDS: dict[str, str] = {
    "not_extended": "the handling time limit has not been extended yet (one extension only)",
    "review_window": "within 30 days (the review_request policy) of the served reply",
    "re_review_window": "within 30 days (the re_review_request policy) of the served review opinion",
    "not_backlog": "the petition is not listed as a backlog case (积案) already",
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
_OFFICE = (R.HANDLER,)
_RECORDERS = (R.DISPATCHER, R.HANDLER)
_OVERSIGHT = (R.DISPATCHER, R.LEADER)
_ANSWER = ("decision", "opinion", "basis")
_NOT_CLOSED = (REGISTERED, HANDLING, ANSWERED, REVIEWING, REVIEWED, RE_REVIEWING, RE_REVIEWED)

PETITION_WORKFLOW = Workflow(
    name="petition",
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
            _a("accept", gettext_noop("受理"), [REGISTERED], HANDLING, _OFFICE, optional=("note",),
               handler_only=True),
            _a("not_accept", gettext_noop("不予受理"), [REGISTERED], NOT_ACCEPTED, _OFFICE, required=("reason",),
               handler_only=True),
            _a("refer", gettext_noop("转送"), [REGISTERED], REFERRED, _OFFICE, required=("authority",),
               optional=("note",), handler_only=True),
            _a("extend", gettext_noop("延长办理期限"), [HANDLING], None, (R.LEADER,), required=("days", "reason"),
               guards=("not_extended", "before_due")),
            _a("reply", gettext_noop("出具处理意见书"), [HANDLING], ANSWERED, _OFFICE, required=_ANSWER,
               optional=("served_on",), handler_only=True),
            _a("request_review", gettext_noop("请求复查"), [ANSWERED], REVIEWING, _RECORDERS,
               required=("request",), guards=("review_window",)),
            _a("answer_review", gettext_noop("出具复查意见"), [REVIEWING], REVIEWED, _OFFICE, required=_ANSWER,
               optional=("served_on",), handler_only=True),
            _a("request_re_review", gettext_noop("请求复核"), [REVIEWED], RE_REVIEWING, _RECORDERS,
               required=("request",), guards=("re_review_window",)),
            _a("answer_re_review", gettext_noop("出具复核意见"), [RE_REVIEWING], RE_REVIEWED, _OFFICE,
               required=_ANSWER, optional=("served_on",), handler_only=True),
            _a("close", gettext_noop("结案"), AWAITING_STATES, CLOSED, (R.DISPATCHER, R.LEADER, R.HANDLER),
               optional=("settled", "note")),
            _a("supervise", gettext_noop("督办"), OPEN_STATES, None, _OVERSIGHT, required=("note",)),
            _a("flag_backlog", gettext_noop("列为积案"), _NOT_CLOSED, None, _OVERSIGHT, required=("note",),
               guards=("not_backlog",)),
        ]
    },
)  # fmt: skip


def state_label(status: str) -> str:
    """The petition label of a state, in the active language (`cases.types.status_label`)."""
    from zhizhi.cases.types import status_label

    return status_label(PETITION, status)
