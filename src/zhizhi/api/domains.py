"""What the domain routers (petitions, mediation) share: pages, the figure filter from query
parameters, figure values and their records, .docx downloads and the small presenters of a case row."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.api.cases import COUNT_LIMIT, ERRORS, check_page
from zhizhi.api.schemas import Out
from zhizhi.cases import services as case_services
from zhizhi.cases.models import Case
from zhizhi.core.errors import ValidationFailed
from zhizhi.metrics.figures import FigureSet
from zhizhi.metrics.period import FigureFilter

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_OPENAPI = {
    "responses": {
        200: {
            "description": "the document (.docx)",
            "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def user_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def t(value: datetime | None) -> datetime | None:
    """Every time the API returns is in Asia/Shanghai (+08:00)."""
    return timezone.localtime(value) if value is not None else None


# --- Pages -----------------------------------------------------------------------------------------


def page_of(
    qs: QuerySet[Case],
    page: int,
    page_size: int,
    rows: Callable[[list[int]], dict[int, Any]],
    present: Callable[[Any], dict[str, Any]],
    *,
    exact: bool = False,
) -> dict[str, Any]:
    """One page of an ordered case queryset: the ids first, then `rows(ids)` (pk → object) presented.
    `count` is exact with `exact`, else capped at COUNT_LIMIT (`count_exact: false` beyond it)."""
    check_page(page, page_size)
    if exact:
        counted = count = qs.order_by().count()
    else:
        counted = qs.order_by()[: COUNT_LIMIT + 1].count()
        count = min(counted, COUNT_LIMIT)
    start = (page - 1) * page_size
    ids = list(qs.values_list("pk", flat=True)[start : start + page_size])
    found = rows(ids) if ids else {}
    return {
        "count": count,
        "count_exact": exact or counted <= COUNT_LIMIT,
        "page": page,
        "page_size": page_size,
        "pages": max(1, math.ceil(count / page_size)),
        "results": [present(found[pk]) for pk in ids],
    }


# --- Small presenters ------------------------------------------------------------------------------


class RefOut(Out):
    code: str
    name: str


class ActionOut(Out):
    name: str
    label: str
    required: list[str]
    optional: list[str]


def ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def overdue(case: Case, running: bool) -> bool:
    return running and case.due_at < timezone.now()


def actions(user: User, case: Case) -> list[dict[str, Any]]:
    """The workflow actions the user may take now (POST /api/v1/cases/{id}/{action})."""
    return [
        {"name": a.name, "label": a.label, "required": list(a.required), "optional": list(a.optional)}
        for a in case_services.available_actions(user, case)
    ]


# --- Figures ---------------------------------------------------------------------------------------


class FiguresQuery(Schema):
    region: str | None = Field(None, description="region code: its whole subtree (default: all I may see)")
    from_: date | None = Field(None, alias="from", description="first day of the period (local date)")
    to: date | None = Field(None, description="last day of the period, included")
    year: int | None = Field(None, description="a calendar year (from/to narrow it)")


class RecordsQuery(FiguresQuery):
    part: str = Field("numerator", description="numerator | denominator (a rate's)")
    page: int = 1
    page_size: int = 50


class FigureOut(Out):
    code: str
    label: str
    unit: str
    value: float | None
    numerator: int
    denominator: int | None


class FigureValue(Protocol):
    """A domain's `figures.Value` (petitions, mediation: the same shape)."""

    @property
    def code(self) -> str: ...

    @property
    def figure(self) -> Any: ...

    @property
    def value(self) -> int | float | None: ...

    @property
    def numerator(self) -> int: ...

    @property
    def denominator(self) -> int | None: ...


def figure_filter(user: User, q: FiguresQuery) -> FigureFilter:
    """The filter of the query. A region the user may not see is refused as unknown (as the hotline's
    figures); without a region the figures are over everything the user may see."""
    if q.region and not scope.visible_regions(user).filter(code=q.region).exists():
        raise ValidationFailed("unknown_region", f"区域代码不存在：{q.region}")
    return FigureFilter.build(region=q.region, year=q.year, start=q.from_, end=q.to)


def figure_out(v: FigureValue) -> dict[str, Any]:
    return {
        "code": v.code,
        "label": gettext(v.figure.label),
        "unit": gettext(v.figure.unit) if v.figure.unit != "%" else "%",
        "value": v.value,
        "numerator": v.numerator,
        "denominator": v.denominator,
    }


def check_part(part: str) -> None:
    if part not in ("numerator", "denominator"):
        raise ValidationFailed("invalid_part", f"part 须为 numerator 或 denominator：{part}")


# --- Documents -------------------------------------------------------------------------------------


def docx_response(filename: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data: not kept by proxies or the browser
    return response


def add_figure_routes(
    router: Router,
    figure_set: FigureSet[FigureFilter],
    *,
    name: str,
    records_out: type[Out],
    rows: Callable[[list[int]], dict[int, Any]],
    present: Callable[[Any], dict[str, Any]],
) -> None:
    """`GET /figures` and `GET /figures/{code}/records` of a domain whose figures count cases: each
    figure on exactly the records the user may see, and those records, so that a list's `count`
    equals its figure. Add them before `/{case_id}`, whose pattern would take the literal paths."""

    @router.get(
        "/figures",
        response={200: list[FigureOut], **ERRORS},
        summary=f"{name.capitalize()} figures",
        operation_id=f"{name}_figures",
    )
    def figures(request: HttpRequest, q: Query[FiguresQuery]) -> list[dict[str, Any]]:
        """Each figure on exactly the records you may see (`/figures/{code}/records` lists them)."""
        user = user_of(request)
        return [figure_out(v) for v in figure_set.evaluate_all(figure_filter(user, q), user)]

    @router.get(
        "/figures/{code}/records",
        response={200: records_out, **ERRORS},
        summary=f"The {name} cases behind a figure",
        operation_id=f"{name}_figure_records",
    )
    def figure_records(request: HttpRequest, code: str, q: Query[RecordsQuery]) -> dict[str, Any]:
        """`part=numerator` (the records counted; the figure's value for a count) or `denominator`
        (a rate's); `count` equals the figure's numerator or denominator for the same filter."""
        user = user_of(request)
        check_part(q.part)
        f = figure_filter(user, q)
        drill = figure_set.drill if q.part == "numerator" else figure_set.drill_denominator
        qs = drill(code, f, user).order_by("-received_at", "-id")
        return {"code": code, "part": q.part, **page_of(qs, q.page, q.page_size, rows, present, exact=True)}
