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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from zhizhi.accounts.models import User
from zhizhi.cases.models import Case
from zhizhi.core.errors import ValidationFailed
from zhizhi.metrics import period
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

Records = Callable[[FigureFilter], QuerySet[Case]]


@dataclass(frozen=True)
class Figure:
    code: str
    label: str  # Chinese, marked with gettext_noop: translate where shown
    unit: str
    records: Records  # the records counted (for a rate: the numerator's)
    denominator: Records | None = None

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    def value(self, f: FigureFilter) -> int | float | None:
        part = self.records(f).count()
        if self.denominator is None:
            return part
        whole = self.denominator(f).count()
        return round(part / whole, 6) if whole else None


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


def _figure(code: str) -> Figure:
    figure = FIGURES.get(code)
    if figure is None:
        raise ValidationFailed("unknown_figure", f"未知的指标：{code}")
    return figure


def compute(f: FigureFilter, codes: list[str] | None = None) -> dict[str, int | float | None]:
    return {code: _figure(code).value(f) for code in (codes or list(FIGURES))}


def restrict(qs: QuerySet[Case], user: User | None) -> QuerySet[Case]:
    """Records limited to what `user` may see (all of them without a user)."""
    if user is None:
        return qs
    return qs.filter(pk__in=queries.visible_petitions(user).values("pk"))


def drill(code: str, f: FigureFilter, user: User | None = None) -> QuerySet[Case]:
    """The records behind a figure (a rate's numerator), limited to what `user` may see."""
    return restrict(_figure(code).records(f), user)


def drill_denominator(code: str, f: FigureFilter, user: User | None = None) -> QuerySet[Case]:
    figure = _figure(code)
    if figure.denominator is None:
        raise ValidationFailed("not_a_rate", f"指标“{figure.label}”不是比率")
    return restrict(figure.denominator(f), user)


@dataclass(frozen=True)
class Value:
    """A figure as one user sees it: computed on exactly the records `drill` lists for that user."""

    figure: Figure
    value: int | float | None
    numerator: int
    denominator: int | None = None

    @property
    def code(self) -> str:
        return self.figure.code


def evaluate(code: str, f: FigureFilter, user: User | None = None) -> Value:
    figure = _figure(code)
    part = drill(code, f, user).count()
    if figure.denominator is None:
        return Value(figure, part, part)
    whole = drill_denominator(code, f, user).count()
    return Value(figure, round(part / whole, 6) if whole else None, part, whole)


def evaluate_all(f: FigureFilter, user: User | None = None) -> list[Value]:
    return [evaluate(code, f, user) for code in FIGURES]
