"""`zhizhi token create USERNAME NAME` (prints the token on its last line), `list`, `revoke ID`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zhizhi.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue, list and revoke per-user API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        c = sub.add_parser("create")
        c.add_argument("username")
        c.add_argument("name")
        sub.add_parser("list").add_argument("--user", default=None)
        sub.add_parser("revoke").add_argument("id", type=int)

    def handle(self, *args: Any, **o: Any) -> None:
        if o["sub"] == "create":
            user = User.objects.filter(username=o["username"], is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {o['username']!r}", returncode=2)
            token, raw = ApiToken.issue(user, o["name"])
            self.stdout.write(f"token {token.pk} for {user.username} (shown once):")
            self.stdout.write(raw)
        elif o["sub"] == "list":
            qs = ApiToken.objects.select_related("user").order_by("id")
            if o["user"]:
                qs = qs.filter(user__username=o["user"])
            for t in qs:
                state = "revoked" if t.revoked_at else "active"
                self.stdout.write(f"{t.pk}\t{t.user.username}\t{t.name}\t…{t.hint}\t{state}")
        else:
            n = ApiToken.objects.filter(pk=o["id"], revoked_at__isnull=True).update(revoked_at=timezone.now())
            if not n:
                raise CommandError(f"no active token {o['id']}", returncode=2)
            self.stdout.write(f"revoked token {o['id']}")
