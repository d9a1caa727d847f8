"""The time limits of a mediation, as data.

Each `Stage` names one `SlaPolicy` row of case type "dispute" through `MediationClock` (seeded by
migration 0002; a province edits the policies):

    acceptance             3 working days  decide on the application, from registration (a house default:
                                           人民调解法第二十一条 asks for mediation 及时、就地, without a number)
    conclusion             30 days         conclude the mediation, from acceptance (司法部《人民调解工作若干
                                           规定》第三十三条: 一般在一个月内调结 — "one month" read as 30 days)
    extension              30 days         the longest (single) extension of the conclusion limit
    judicial_confirmation  30 days         the parties may apply to a court, from the agreement's effective
                                           date (人民调解法第三十三条)

A stage that runs on the case (acceptance, conclusion) *restarts* the case's clock: `clock_started_at`
= now and the stage's policy snapshotted (`sla_policy`, `sla_target`, `sla_unit`), then `due_at`
recomputed by `cases.sla.recompute_due` — so the engine's SLA sweep, due-soon flags and overdue lists
work unchanged. The judicial-confirmation window belongs to the parties: its end is stored on the
agreement (`judicial_due_at`) and checked when an application is recorded.

Natural days: "N days from T" ends at 23:59:59 (Asia/Shanghai) of T's local date + N (the day of T
is not counted, 民法典第二百零一条); a public holiday does not move it — as the petition clocks.
"""

from __future__ import annotations

from zhizhi.cases import stages
from zhizhi.mediation.models import MediationClock, Stage

CLOCK_FIELDS = stages.CLOCK_FIELDS
iso = stages.iso
refresh_flags = stages.refresh_flags

_clocks = stages.StageClocks(
    MediationClock,
    {s.value: str(s.label) for s in Stage},
    extension=Stage.EXTENSION,
    code="no_mediation_clock",
    domain="调解",
)
policy = _clocks.policy
restart = _clocks.restart
extend = _clocks.extend
max_extension = _clocks.max_extension
window_end = _clocks.window_end
