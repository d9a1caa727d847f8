"""Login (throttled; the demo accounts are listed only on a demo build). `/healthz` lives in core."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views

from zhizhi.demo.logins import DEMO_PASSWORD, demo_accounts
from zhizhi.web.forms import ThrottledLoginForm


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledLoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["demo_accounts"] = demo_accounts()
        ctx["demo_password"] = DEMO_PASSWORD
        return ctx
