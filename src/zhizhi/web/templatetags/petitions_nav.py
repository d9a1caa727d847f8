"""{% load petitions_nav %}: where the nav's 信访 entry leads a user (see `web.views.petitions`)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def petitions_home(user: Any) -> str:
    """The URL name of the user's petition page (list, registration or key persons), "" for none."""
    from zhizhi.web.views.petitions import home_url_name

    return home_url_name(user)
