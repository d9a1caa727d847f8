"""Petition figures: each a count or a rate over querysets of petition cases, for a region subtree
and a period, with the records behind it (drill-down). `metrics` and the annual report reuse them.

Definitions (a period is a range of local dates, both ends included; `as_of` is the end of the
period, or now if that is earlier; the region is a subtree, by the case's region):

- `received`          petitions registered in the period (登记, `received_at`).
- `accepted`          of those, accepted (受理) by `as_of`.
- `answered`          of those accepted, with the written reply (处理意见书) issued by `as_of`.
- `answered_on_time`  of those answered, issued within the handling time limit (60 days from
                      acceptance, plus the extension if one was approved).
- `on_time_rate`      answered_on_time ÷ answered (按期答复率; the house 按时办结率 on replies).
- `group`             of received, group petitions (集体访: five people or more).
- `repeat`            of received, repeat petitions (重复信访: linked to an earlier petition).
- `reviews` / `re_reviews`  requests for review (复查) / re-review (复核) received in the period.
- `backlog`           backlog petitions (积案) listed by the end of the period and not closed before
                      it began: the backlog worked on in the period (whenever registered).
- `backlog_resolved`  of those, closed in the period with the petitioner settled (息诉罢访) by `as_of`.
- `backlog_resolution_rate`  backlog_resolved ÷ backlog (积案化解率).

Every figure's records are `cases.Case` rows of type "petition", so a page can list them with the
case list; `drill(code, f, user)` limits them to what the user may see, and `evaluate` computes a
figure on exactly those records.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from zhizhi.accounts.models import User
from zhizhi.cases.models import Case
from zhizhi.metrics import period
from zhizhi.metrics.figures import Figure, FigureSet
from zhizhi.metrics.figures import Value as Value  # re-exported for the command and views
from zhizhi.petitions import queries
from zhizhi.petitions.models import Acceptance, Level, Opinion
from zhizhi.petitions.workflow import CLOSED, PETITION

FigureFilter = period.FigureFilter
_period = period.period_q


# --- The querysets ---------------------------------------------------------------------------------


def petitions(f: FigureFilter) -> QuerySet[Case]:
    """Every petition case of the region (any period)."""
    qs = Case.objects.filter(case_type=PETITION, petition__isnull=False)
    if f.region is not None:
        qs = qs.filter(region_path__startswith=f.region.path)
    return qs


def received(f: FigureFilter) -> QuerySet[Case]:
    return petitions(f).filter(_period("received_at", f))


def accepted(f: FigureFilter) -> QuerySet[Case]:
    return received(f).filter(petition__acceptance=Acceptance.ACCEPT, petition__accepted_at__lte=f.moment())


def _replies(f: FigureFilter, **extra: Any) -> QuerySet[Opinion]:
    return Opinion.objects.filter(level=Level.REPLY, answered_at__lte=f.moment(), **extra)


def answered(f: FigureFilter) -> QuerySet[Case]:
    return accepted(f).filter(pk__in=_replies(f).values("petition_id"))


def answered_on_time(f: FigureFilter) -> QuerySet[Case]:
    return accepted(f).filter(pk__in=_replies(f, on_time=True).values("petition_id"))


def group(f: FigureFilter) -> QuerySet[Case]:
    return received(f).filter(petition__is_group=True)


def repeat(f: FigureFilter) -> QuerySet[Case]:
    return received(f).filter(petition__repeat_of__isnull=False)


def _requests(f: FigureFilter, level: str) -> QuerySet[Case]:
    rows = Opinion.objects.filter(_period("requested_at", f), level=level)
    return petitions(f).filter(pk__in=rows.values("petition_id"))


def reviews(f: FigureFilter) -> QuerySet[Case]:
    return _requests(f, Level.REVIEW)


def re_reviews(f: FigureFilter) -> QuerySet[Case]:
    return _requests(f, Level.RE_REVIEW)


def backlog(f: FigureFilter) -> QuerySet[Case]:
    qs = petitions(f).filter(petition__is_backlog=True)
    if f.until is not None:
        qs = qs.filter(petition__backlog_since__lt=f.until)
    if f.since is not None:
        qs = qs.exclude(status=CLOSED, closed_at__lt=f.since)
    return qs


def backlog_resolved(f: FigureFilter) -> QuerySet[Case]:
    return backlog(f).filter(
        _period("closed_at", f), status=CLOSED, closed_at__lte=f.moment(), petition__settled=True
    )


# --- Figures ---------------------------------------------------------------------------------------

FIGURES: dict[str, Figure] = {
    fig.code: fig
    for fig in [
        Figure("received", gettext_noop("收到信访事项"), gettext_noop("件"), received),
        Figure("accepted", gettext_noop("受理信访事项"), gettext_noop("件"), accepted),
        Figure("answered", gettext_noop("出具处理意见书"), gettext_noop("件"), answered),
        Figure("answered_on_time", gettext_noop("按期答复"), gettext_noop("件"), answered_on_time),
        Figure("on_time_rate", gettext_noop("按期答复率"), "%", answered_on_time, denominator=answered),
        Figure("group", gettext_noop("集体访"), gettext_noop("件"), group),
        Figure("repeat", gettext_noop("重复信访"), gettext_noop("件"), repeat),
        Figure("reviews", gettext_noop("请求复查"), gettext_noop("件"), reviews),
        Figure("re_reviews", gettext_noop("请求复核"), gettext_noop("件"), re_reviews),
        Figure("backlog", gettext_noop("积案"), gettext_noop("件"), backlog),
        Figure("backlog_resolved", gettext_noop("化解积案"), gettext_noop("件"), backlog_resolved),
        Figure(
            "backlog_resolution_rate", gettext_noop("积案化解率"), "%", backlog_resolved, denominator=backlog
        ),
    ]
}


def _restrict(qs: QuerySet[Case], user: User) -> QuerySet[Case]:
    return qs.filter(pk__in=queries.visible_petitions(user).values("pk"))


FIGURE_SET: FigureSet[FigureFilter] = FigureSet(FIGURES.values(), _restrict)
_figure = FIGURE_SET.get
compute = FIGURE_SET.compute
restrict = FIGURE_SET.restrict
drill = FIGURE_SET.drill
drill_denominator = FIGURE_SET.drill_denominator
evaluate = FIGURE_SET.evaluate
evaluate_all = FIGURE_SET.evaluate_all
