"""Web pages for the foundation: health check, login (with the demo accounts on a demo
township), and a home page with the user's scope and live counts. The full workbench is
built on these (see docs/)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases.models import OPEN_STATUSES, Status
from zhizhi.cases.queries import open_overdue_q
from zhizhi.demo.logins import DEMO_PASSWORD, demo_accounts


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    ok = row is not None and row[0] == 1
    return JsonResponse(
        {"status": "ok" if ok else "error", "database": connection.vendor}, status=200 if ok else 503
    )


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["demo_accounts"] = demo_accounts()
        ctx["demo_password"] = DEMO_PASSWORD
        return ctx


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required)
    cases = scope.visible_cases(user)
    by_status = dict(cases.values_list("status").annotate(n=Count("id")).order_by())
    counts = [(Status(s).label, by_status.get(s, 0)) for s in Status.values]
    ctx = {
        "counts": counts,
        "open_total": sum(n for s, n in by_status.items() if s in OPEN_STATUSES),
        "overdue": cases.filter(open_overdue_q(timezone.now())).count(),
        "regions": user.regions.all(),
        "departments": user.departments.all(),
        "role": scope.role_of(user),
    }
    return render(request, "web/home.html", ctx)
