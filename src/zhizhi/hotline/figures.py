"""Hotline figures for any region subtree and period, each the count of a queryset of records (so a
page can list exactly the records behind a number). Reused by `metrics` and the annual report.

| code | records | definition |
|---|---|---|
| `calls_received` | calls | calls received in the period (来电) |
| `answered_on_spot` | calls | of those, answered on the call (当场答复) |
| `converted_to_cases` | calls | of those, opened as a case (转为工单) |
| `timely_connection_rate` | calls | connected in time ÷ calls whose connection was due by `as_of`: an answered call is connected on the call; a case when it was accepted (签收) by its response deadline (时效内对接率) |
| `timely_handling_rate` | calls | handled in time ÷ calls whose handling was due by `as_of`: an answered call is handled on the call; a case when it was resolved on time (`resolved_on_time`, as the on-time KPI) (时效内办件率) |
| `return_visit_rate` | cases | cases from the period's calls with a return visit ÷ those resolved (回访率) |
| `satisfaction_rate` | cases | satisfied or basically satisfied ÷ visits that reached the caller (满意率, GLOSSARY) |
| `meetings_held` | meetings | joint analysis meetings held in the period (会商研判) |
| `decisions` / `decisions_done` / `decisions_overdue` | decisions | of those meetings; done; not done and due before `as_of`'s day |

A region filter counts the calls about that subtree; calls with no region (town-wide questions) count
only when the filter is a whole deployment's root region (a town with no parent) or absent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases.models import Case, Satisfaction
from zhizhi.hotline import queries
from zhizhi.hotline.models import Call, Decision, Meeting, Outcome
from zhizhi.metrics import period
from zhizhi.metrics.figures import Figure, FigureSet
from zhizhi.metrics.figures import Value as Value  # re-exported for the views

FigureFilter = period.FigureFilter
_day_start = period.day_start


def _region_q(f: FigureFilter, field: str, *, allow_blank: bool) -> Q:
    if f.region is None:
        return Q()
    q = Q(**{f"{field}__startswith": f.region.path})
    if allow_blank and f.region.parent_id is None:
        q |= Q(**{field: ""})
    return q


def _when_q(f: FigureFilter, field: str, *, is_date: bool = False) -> Q:
    q = Q()
    if f.start:
        q &= Q(**{f"{field}__gte": f.start if is_date else _day_start(f.start)})
    if f.end:
        end = f.end if is_date else _day_start(f.end + timedelta(days=1))
        q &= Q(**{f"{field}__lte" if is_date else f"{field}__lt": end})
    return q


# --- Records -----------------------------------------------------------------------------------------


def calls(f: FigureFilter) -> QuerySet[Call]:
    return Call.objects.filter(
        _when_q(f, "received_at"), _region_q(f, "region_path", allow_blank=True), received_at__lte=f.moment()
    )


def answered(f: FigureFilter) -> QuerySet[Call]:
    return calls(f).filter(outcome=Outcome.ANSWERED)


def converted(f: FigureFilter) -> QuerySet[Call]:
    return calls(f).filter(outcome=Outcome.CASE)


def connection_due(f: FigureFilter) -> QuerySet[Call]:
    now = f.moment()
    return calls(f).filter(
        Q(outcome=Outcome.ANSWERED)
        | Q(case__accepted_at__lte=now)
        | Q(case__response_due_at__lt=now)
        | Q(case__resolved_at__lte=now)
    )


def connected_in_time(f: FigureFilter) -> QuerySet[Call]:
    now = f.moment()
    return calls(f).filter(
        Q(outcome=Outcome.ANSWERED)
        | (Q(case__accepted_at__lte=now) & Q(case__accepted_at__lte=F("case__response_due_at")))
    )


def handling_due(f: FigureFilter) -> QuerySet[Call]:
    now = f.moment()
    return calls(f).filter(
        Q(outcome=Outcome.ANSWERED) | Q(case__resolved_at__lte=now) | Q(case__due_at__lt=now)
    )


def handled_in_time(f: FigureFilter) -> QuerySet[Call]:
    now = f.moment()
    return calls(f).filter(
        Q(outcome=Outcome.ANSWERED) | Q(case__resolved_at__lte=now, case__resolved_on_time=True)
    )


def call_cases(f: FigureFilter) -> QuerySet[Case]:
    return Case.objects.filter(hotline_call__in=converted(f))


def resolved_cases(f: FigureFilter) -> QuerySet[Case]:
    return call_cases(f).filter(resolved_at__lte=f.moment())


def visited(f: FigureFilter) -> QuerySet[Case]:
    return resolved_cases(f).filter(visited_at__lte=f.moment())


def reached(f: FigureFilter) -> QuerySet[Case]:
    return visited(f).filter(visit_reached=True)


def satisfied(f: FigureFilter) -> QuerySet[Case]:
    return reached(f).filter(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])


def meetings(f: FigureFilter) -> QuerySet[Meeting]:
    return Meeting.objects.filter(
        _when_q(f, "held_on", is_date=True),
        _region_q(f, "region_path", allow_blank=False),
        held_on__lte=timezone.localtime(f.moment()).date(),
    )


def decisions(f: FigureFilter) -> QuerySet[Decision]:
    return Decision.objects.filter(meeting__in=meetings(f))


def decisions_done(f: FigureFilter) -> QuerySet[Decision]:
    return decisions(f).filter(done_at__lte=f.moment())


def decisions_overdue(f: FigureFilter) -> QuerySet[Decision]:
    now = f.moment()
    return decisions(f).filter(
        Q(done_at__isnull=True) | Q(done_at__gt=now), due_on__lt=timezone.localtime(now).date()
    )


# --- Figures ---------------------------------------------------------------------------------------

FIGURES: dict[str, Figure] = {
    fig.code: fig
    for fig in [
        Figure("calls_received", gettext_noop("接收来电"), gettext_noop("件"), calls),
        Figure("answered_on_spot", gettext_noop("当场答复"), gettext_noop("件"), answered),
        Figure("converted_to_cases", gettext_noop("转为工单"), gettext_noop("件"), converted),
        Figure(
            "timely_connection_rate", gettext_noop("时效内对接率"), "%", connected_in_time, connection_due
        ),
        Figure("timely_handling_rate", gettext_noop("时效内办件率"), "%", handled_in_time, handling_due),
        Figure("return_visit_rate", gettext_noop("回访率"), "%", visited, resolved_cases),
        Figure("satisfaction_rate", gettext_noop("群众满意率"), "%", satisfied, reached),
        Figure("meetings_held", gettext_noop("会商研判会议"), gettext_noop("次"), meetings),
        Figure("decisions", gettext_noop("议定事项"), gettext_noop("项"), decisions),
        Figure("decisions_done", gettext_noop("议定事项已办结"), gettext_noop("项"), decisions_done),
        Figure(
            "decisions_overdue", gettext_noop("议定事项逾期未办结"), gettext_noop("项"), decisions_overdue
        ),
    ]
}


def _restrict(qs: QuerySet[Any], user: User) -> QuerySet[Any]:
    """Calls, cases, meetings or decisions limited to what `user` may see."""
    if qs.model is Case:  # on the rows themselves: a subquery here took SQLite 28 s (scope.restrict_cases)
        return scope.restrict_cases(qs, user)
    if qs.model is Call:
        return queries.restrict_calls(qs, user)
    visible: dict[type, Callable[[User], QuerySet[Any]]] = {
        Meeting: queries.visible_meetings,
        Decision: queries.visible_decisions,
    }
    return qs.filter(pk__in=visible[qs.model](user).values("pk"))


FIGURE_SET: FigureSet[FigureFilter] = FigureSet(FIGURES.values(), _restrict)
figure = FIGURE_SET.get
compute = FIGURE_SET.compute
restrict = FIGURE_SET.restrict
drill = FIGURE_SET.drill
drill_denominator = FIGURE_SET.drill_denominator
evaluate = FIGURE_SET.evaluate
evaluate_all = FIGURE_SET.evaluate_all
