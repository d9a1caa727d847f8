"""The statutory clocks of a petition, as data.

Each `Stage` names one `SlaPolicy` row of case type "petition" through `PetitionClock` (seeded by
migration 0002 with 信访工作条例's limits, all in natural days; a province edits the policies):

    acceptance         15  第二十三条  decide and tell the petitioner in writing, from receipt
    handling           60  第三十四条  the written reply (处理意见书), from acceptance
    extension          30  第三十四条  the longest single extension (the target is the maximum)
    review_request     30  第三十五条  the petitioner may ask for review, from the served reply
    review             30  第三十五条  the review opinion, from the request
    re_review_request  30  第三十六条  the petitioner may ask for re-review, from the served review
    re_review          30  第三十六条  the re-review opinion, from the request

A stage that runs on the case (acceptance, handling, review, re-review) *restarts* the case's clock:
`clock_started_at` = now and the stage's policy snapshotted (`sla_policy`, `sla_target`, `sla_unit`),
then `due_at` recomputed by `cases.sla.recompute_due` — so the engine's SLA sweep, due-soon flags and
overdue lists work unchanged. A window (review_request, re_review_request) is a guard, not a clock.

Natural days: "N days from T" ends at 23:59:59 (Asia/Shanghai) of T's local date + N (the day of T
is not counted, 民法典第二百零一条). A public holiday does not move it.
"""

from __future__ import annotations

from zhizhi.cases import stages
from zhizhi.petitions.models import PetitionClock, Stage

CLOCK_FIELDS = stages.CLOCK_FIELDS
iso = stages.iso
refresh_flags = stages.refresh_flags

_clocks = stages.StageClocks(
    PetitionClock,
    {s.value: str(s.label) for s in Stage},
    extension=Stage.EXTENSION,
    code="no_petition_clock",
    domain="信访",
)
policy = _clocks.policy
restart = _clocks.restart
extend = _clocks.extend
max_extension = _clocks.max_extension
window_end = _clocks.window_end
