"""`zhizhi sweep`: mark overdue, due-soon and response-breached cases. Safe to re-run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zhizhi.cases.sla import sweep


class Command(BaseCommand):
    help = "Mark SLA breaches and due-soon cases (idempotent; run from cron every few minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        r = sweep()
        self.stdout.write(
            f"newly overdue {r.newly_overdue}, cleared overdue {r.cleared_overdue}, "
            f"due soon {r.due_soon}, cleared due soon {r.cleared_due_soon}, "
            f"response breached {r.response_breached}"
        )
