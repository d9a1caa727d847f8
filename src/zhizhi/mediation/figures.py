"""Mediation figures: each a count or a rate over querysets of dispute cases, for a region subtree and
a period, with the records behind it (drill-down). `metrics` and the annual report reuse them.

Definitions (a period is a range of local dates, both ends included; `as_of` is the end of the
period, or now if that is earlier; the region is a subtree, by the case's region):

- `registered`         disputes registered in the period (登记, `received_at`).
- `mediated`           disputes accepted for mediation (受理) in the period, by `as_of` (调解纠纷: the
                       seed's "调解各类矛盾纠纷392起"). The cohort every figure below is taken from.
- `concluded`          of mediated, concluded (调结: agreement, failure or referral) by `as_of`.
- `concluded_on_time`  of concluded, within the limit (30 days from acceptance, plus the extension).
- `on_time_rate`       concluded_on_time ÷ concluded (按期调结率).
- `agreements`         of mediated, with an agreement (written or oral) reached by `as_of` (调解成功).
- `written_agreements` of agreements, written ones (调解协议书).
- `success_rate`       agreements ÷ mediated (调解成功率; a mediation still running at `as_of` counts
                       in the denominator only).
- `major`              of mediated, flagged major or difficult (重大疑难纠纷) by `as_of` (the seed's 16).
- by channel           `mediated_on_site` / `mediated_online` / `mediated_shared_court`: of mediated,
                       by how it was mediated (现场 / 浙江解纷码 / 共享法庭); `agreed_on_site` /
                       `agreed_online` / `agreed_shared_court`: of agreements, the same (化解: the
                       seed's "依托共享法庭化解案件15件", "依托浙江解纷码化解案件3件").

Every figure's records are `cases.Case` rows of type "dispute", so a page can list them with the case
list; `drill(code, f, user)` limits them to what the user may see, and `evaluate` computes a figure on
exactly those records.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from zhizhi.accounts.models import User
from zhizhi.cases.models import Case
from zhizhi.mediation import queries
from zhizhi.mediation.models import AgreementForm, MediationChannel, Outcome
from zhizhi.mediation.workflow import DISPUTE
from zhizhi.metrics import period
from zhizhi.metrics.figures import Figure, FigureSet
from zhizhi.metrics.figures import Value as Value  # re-exported for the command and views

FigureFilter = period.FigureFilter
_period = period.period_q


# --- The querysets ---------------------------------------------------------------------------------

Records = Callable[[FigureFilter], QuerySet[Case]]


def disputes(f: FigureFilter) -> QuerySet[Case]:
    """Every dispute case of the region (any period)."""
    qs = Case.objects.filter(case_type=DISPUTE, dispute__isnull=False)
    if f.region is not None:
        qs = qs.filter(region_path__startswith=f.region.path)
    return qs


def registered(f: FigureFilter) -> QuerySet[Case]:
    return disputes(f).filter(_period("received_at", f))


def mediated(f: FigureFilter) -> QuerySet[Case]:
    return disputes(f).filter(_period("dispute__accepted_at", f), dispute__accepted_at__lte=f.moment())


def concluded(f: FigureFilter) -> QuerySet[Case]:
    return mediated(f).filter(dispute__concluded_at__lte=f.moment())


def concluded_on_time(f: FigureFilter) -> QuerySet[Case]:
    return concluded(f).filter(dispute__concluded_on_time=True)


def agreements(f: FigureFilter) -> QuerySet[Case]:
    return concluded(f).filter(dispute__outcome=Outcome.AGREEMENT)


def written_agreements(f: FigureFilter) -> QuerySet[Case]:
    return agreements(f).filter(dispute__agreement__form=AgreementForm.WRITTEN)


def major(f: FigureFilter) -> QuerySet[Case]:
    return mediated(f).filter(dispute__is_major=True, dispute__major_since__lte=f.moment())


def _by_channel(records: Records, channel: str) -> Records:
    def by_channel(f: FigureFilter) -> QuerySet[Case]:
        return records(f).filter(dispute__channel=channel)

    by_channel.__name__ = f"{records.__name__}_{channel}"
    return by_channel


# --- Figures ---------------------------------------------------------------------------------------

C = MediationChannel
FIGURES: dict[str, Figure] = {
    fig.code: fig
    for fig in [
        Figure("registered", gettext_noop("登记纠纷"), gettext_noop("起"), registered),
        Figure("mediated", gettext_noop("调解纠纷"), gettext_noop("起"), mediated),
        Figure("concluded", gettext_noop("调结纠纷"), gettext_noop("起"), concluded),
        Figure("concluded_on_time", gettext_noop("按期调结"), gettext_noop("起"), concluded_on_time),
        Figure("on_time_rate", gettext_noop("按期调结率"), "%", concluded_on_time, denominator=concluded),
        Figure("agreements", gettext_noop("调解成功"), gettext_noop("起"), agreements),
        Figure("written_agreements", gettext_noop("制作调解协议书"), gettext_noop("份"), written_agreements),
        Figure("success_rate", gettext_noop("调解成功率"), "%", agreements, denominator=mediated),
        Figure("major", gettext_noop("重大疑难纠纷"), gettext_noop("起"), major),
        Figure("mediated_on_site", gettext_noop("现场调解"), gettext_noop("起"), _by_channel(mediated, C.ON_SITE)),
        Figure("mediated_online", gettext_noop("浙江解纷码调解"), gettext_noop("件"), _by_channel(mediated, C.ONLINE)),
        Figure("mediated_shared_court", gettext_noop("共享法庭调解"), gettext_noop("件"),
               _by_channel(mediated, C.SHARED_COURT)),
        Figure("agreed_on_site", gettext_noop("现场调解成功"), gettext_noop("起"), _by_channel(agreements, C.ON_SITE)),
        Figure("agreed_online", gettext_noop("浙江解纷码化解"), gettext_noop("件"), _by_channel(agreements, C.ONLINE)),
        Figure("agreed_shared_court", gettext_noop("共享法庭化解"), gettext_noop("件"),
               _by_channel(agreements, C.SHARED_COURT)),
    ]
}  # fmt: skip


def _restrict(qs: QuerySet[Case], user: User) -> QuerySet[Case]:
    return qs.filter(pk__in=queries.visible_disputes(user).values("pk"))


FIGURE_SET: FigureSet[FigureFilter] = FigureSet(FIGURES.values(), _restrict)
_figure = FIGURE_SET.get
compute = FIGURE_SET.compute
restrict = FIGURE_SET.restrict
drill = FIGURE_SET.drill
drill_denominator = FIGURE_SET.drill_denominator
evaluate = FIGURE_SET.evaluate
evaluate_all = FIGURE_SET.evaluate_all
