"""JSON for the API, written by orjson: the same text as django-ninja's encoder gives (times to the
millisecond, as Django's JSON encoder writes them), in a fraction of its time — a list page of fifty
cases spent a tenth of its Python time in `json` (docs/benchmarks.md)."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

# Dates and times (passed through by orjson) in Django's format, to the millisecond; and what else
# ninja's encoder knows: lazy translations, decimals, durations, pydantic models, URLs.
_default = NinjaJSONEncoder().default
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=_default, option=_OPTIONS)


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return dumps(data)
