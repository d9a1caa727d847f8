"""Open311 GeoReport v2 endpoints: parse, call one query or service, render JSON or XML.

The GET endpoints are public and anonymous. POST /requests authenticates with `api_key` (a body
or query parameter), not with cookies, so it is exempt from CSRF.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from zhizhi.core.errors import DomainError, NotFound, ValidationFailed
from zhizhi.open311 import attributes, present, queries, render, services
from zhizhi.open311.models import Open311Request

View = Callable[..., HttpResponse]
_ATTRIBUTE_KEY = re.compile(r"attribute\[([^\[\]]+)\](\[\])?")
_TOKEN = re.compile(r"[0-9A-Za-z_-]{1,64}")


def endpoint(*methods: str) -> Callable[[View], View]:
    """Checks the format and the method, and turns a DomainError into a GeoReport v2 error."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            fmt = fmt.lower()
            if fmt not in render.FORMATS:
                return render.errors("xml", 404, f"不支持的格式：{fmt}（可用 json、xml）")
            if request.method not in allowed:
                response = render.errors(fmt, 405, f"不支持的请求方法：{request.method}")
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except DomainError as exc:
                return render.domain_error(fmt, exc)

        return wrapper

    return decorate


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "xml"}))
    url = base.rsplit("/", 1)[0]  # …/open311/v2
    return render.respond(fmt, "discovery", present.discovery(url))


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render.respond(fmt, "services", present.services(list(queries.public_services())))


@endpoint("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = queries.public_service(code)
    if category is None:
        raise NotFound(f"service_code 不存在：{code}", code="unknown_service_code")
    body = present.service_definition(category, attributes.definition(category))
    return render.respond(fmt, "service_definition", body)


def _post_params(request: HttpRequest) -> services.RequestParams:
    params = services.RequestParams()

    def add(key: str, value: Any) -> None:
        if isinstance(value, bool) or value is None:
            value = "" if value is None else str(value).lower()
        if isinstance(value, int | float):
            value = repr(value) if isinstance(value, float) else str(value)
        if not isinstance(value, str):
            raise ValidationFailed("invalid_field", f"{key} 须为文本或数字")
        match = _ATTRIBUTE_KEY.fullmatch(key)
        if match:
            params.attributes.setdefault(match.group(1), []).append(value)
        else:
            params.fields[key] = value

    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed("invalid_json", "请求体不是有效的 JSON") from None
        if not isinstance(body, dict):
            raise ValidationFailed("invalid_json", "请求体须为 JSON 对象")
        for key, value in body.items():
            if key == "attribute" and isinstance(value, dict):
                for code, answer in value.items():
                    for item in answer if isinstance(answer, list) else [answer]:
                        add(f"attribute[{code}]", item)
            elif isinstance(value, list) and _ATTRIBUTE_KEY.fullmatch(key):
                for item in value:
                    add(key, item)
            else:
                add(key, value)
    else:
        for key, values in request.POST.lists():
            for value in values:
                add(key, value)
    return params


@csrf_exempt
@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        params = _post_params(request)
        api_key = params.fields.pop("api_key", "") or request.GET.get("api_key", "")
        client = services.authenticate(api_key)
        submitted = services.submit_request(client=client, params=params)
        answer = present.created(submitted.detail, submitted.notes)
        return render.respond(fmt, "service_requests", [answer], status=201)
    # A filter may be repeated (service_code=a&service_code=b) or comma-separated: both are lists.
    filters = {k: ",".join(v) for k, v in request.GET.lists()}
    q = queries.parse_query(filters, now=timezone.now())
    cases, total = queries.search(q)
    presenter = present.Presenter()
    response = render.respond(fmt, "service_requests", [presenter.request(c) for c in cases])
    response["X-Total-Count"] = str(total)
    if q.page * q.page_size < total:
        following = request.GET.copy()
        following["page"] = str(q.page + 1)
        response["Link"] = f'<{request.build_absolute_uri("?" + following.urlencode())}>; rel="next"'
    return response


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    case = queries.public_case(int(request_id)) if queries.is_id(request_id) else None
    if case is None:
        raise NotFound(f"service_request_id 不存在：{request_id}", code="request_not_found")
    return render.respond(fmt, "service_requests", [present.Presenter().request(case)])


@endpoint("GET")
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    detail = Open311Request.objects.filter(token=token).first() if _TOKEN.fullmatch(token) else None
    if detail is None:
        raise NotFound(f"token 不存在：{token}", code="token_not_found")
    return render.respond(fmt, "service_requests", [present.token(detail)])


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """Any other path under /open311/: a 404 in the spec's error format (JSON for a path ending in
    .json, else XML) rather than the site's HTML page, which a client could not parse."""
    fmt = "json" if request.path.lower().endswith(".json") else "xml"
    return render.errors(fmt, 404, f"没有这个资源：{request.path}（可用的资源见 discovery.xml）")
