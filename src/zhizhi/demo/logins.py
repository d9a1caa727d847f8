"""The demo accounts: one fixed username per role, all with the same published password.

`demo_accounts()` lists them only while a `DemoBuild` exists, so a production database (never
built with `zhizhi demo`) shows no demo accounts anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhizhi.accounts.models import Role, User

DEMO_PASSWORD = "zhizhi-demo"  # noqa: S105 - published on purpose: it opens the demo accounts only

# (username, role), in the order the login page lists them.
DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    ("grid", Role.GRID_WORKER),
    ("cadre", Role.VILLAGE_CADRE),
    ("dispatcher", Role.DISPATCHER),
    ("handler", Role.HANDLER),
    ("operator", Role.HOTLINE_OPERATOR),
    ("leader", Role.LEADER),
    ("admin", Role.ADMIN),
)
DEMO_USERNAMES = frozenset(username for username, _ in DEMO_LOGINS)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    role_label: str
    display_name: str
    scope: str  # the regions or departments the account works in


def demo_accounts() -> list[DemoAccount]:
    """The demo accounts of the current build, or [] when no demo has been built."""
    from zhizhi.demo.models import DemoBuild

    build = DemoBuild.objects.order_by("-built_at", "-id").first()
    if build is None:
        return []
    ids = set(build.users.values_list("id", flat=True))
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_USERNAMES, id__in=ids).prefetch_related(
            "regions", "departments"
        )
    }
    accounts = []
    for username, role in DEMO_LOGINS:
        user = users.get(username)
        if user is None or not user.is_active:
            continue
        names = [r.name for r in user.regions.all()] + [d.name for d in user.departments.all()]
        accounts.append(
            DemoAccount(
                username=username,
                role=role,
                role_label=str(Role(role).label),
                display_name=user.display_name,
                scope="、".join(names) or "全部",
            )
        )
    return accounts
