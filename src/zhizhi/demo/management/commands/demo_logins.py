"""`zhizhi demo_logins`: the demo accounts and their password (only when a demo has been built)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zhizhi.demo.logins import DEMO_PASSWORD, demo_accounts


class Command(BaseCommand):
    help = "List the demo accounts (username, role) and the demo password, when a demo has been built."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = demo_accounts()
        if not accounts:
            self.stdout.write("no demo build in this database (run `zhizhi demo`)")
            return
        width = max(len(a.username) for a in accounts)
        for a in accounts:
            self.stdout.write(
                f"{a.username:<{width}}  {a.role:<16}  {a.role_label}  {a.display_name}  {a.scope}"
            )
        self.stdout.write(f"password: {DEMO_PASSWORD}")
