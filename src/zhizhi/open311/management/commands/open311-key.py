"""`zhizhi open311-key create NAME [--region CODE]` (prints the key on its last line), `list`,
`revoke ID`: API keys of Open311 clients, each with its own service account."""

# ruff: noqa: N999  (the command is named open311-key, so is its module)

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhizhi.core.errors import DomainError
from zhizhi.open311 import services
from zhizhi.open311.models import Open311Client


class Command(BaseCommand):
    help = "Issue, list and revoke API keys of Open311 clients."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        c = sub.add_parser("create", help="issue a key (shown once, on the last line)")
        c.add_argument("name")
        c.add_argument(
            "--region", default=None, help="region code the client may report in (default: the town)"
        )
        sub.add_parser("list", help="list clients")
        sub.add_parser("revoke", help="revoke a key and deactivate its service account").add_argument(
            "id", type=int
        )

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            if o["sub"] == "create":
                client, raw = services.issue_client(name=o["name"], region_code=o["region"])
                region = client.user.regions.get()
                self.stdout.write(
                    f"Open311 client {client.pk} “{client.name}”, service account {client.user.username}, "
                    f"region {region.code} {region.name}; key (shown once):"
                )
                self.stdout.write(raw)
            elif o["sub"] == "list":
                for client in Open311Client.objects.select_related("user").prefetch_related("user__regions"):
                    state = "revoked" if client.revoked_at else "active"
                    regions = ",".join(r.code for r in client.user.regions.all())
                    used = client.last_used_at.isoformat(timespec="seconds") if client.last_used_at else "-"
                    self.stdout.write(
                        f"{client.pk}\t{client.name}\t…{client.hint}\t{client.user.username}\t{regions}\t{state}\t{used}"
                    )
            else:
                client = services.revoke_client(o["id"])
                self.stdout.write(f"revoked Open311 client {client.pk} “{client.name}”")
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from None
