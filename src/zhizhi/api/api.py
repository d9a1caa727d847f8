"""The JSON API at /api/v1 (django-ninja). Every error is `{"code": ..., "message": ...}`."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from zhizhi.api.auth import AUTH
from zhizhi.api.render import OrjsonRenderer
from zhizhi.core.errors import DomainError

api = NinjaAPI(
    title="Zhizhi API",
    version="1",
    description="基层智治 JSON API: cases (工单), their workflow actions and reference data.",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=OrjsonRenderer(),
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors
    ]
    first = errors[0] if errors else {"loc": [], "msg": ""}
    where = ".".join(first["loc"][1:] if len(first["loc"]) > 1 else first["loc"])
    return api.create_response(
        request,
        {
            "code": "invalid_input",
            "message": f"{where}: {first['msg']}".strip(": "),
            "details": {"errors": errors},
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthenticated", "message": "请先登录或提供有效的令牌"}, status=401
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = f"http_{exc.status_code}"
    if exc.status_code == 400 and "parse request body" in str(exc):
        code = "invalid_json"
    elif exc.status_code == 403 and "CSRF" in str(exc):
        code = "csrf_failed"
    return api.create_response(request, {"code": code, "message": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "message": "Not found"}, status=404)


from zhizhi.api import cases, hotline, mediation, petitions, reference  # noqa: E402  (routers register against `api`)

api.add_router("/cases", cases.router, tags=["cases"])
api.add_router("/hotline", hotline.router, tags=["hotline"])
api.add_router("/petitions", petitions.router, tags=["petitions"])
api.add_router("/mediation", mediation.router, tags=["mediation"])
api.add_router("/", reference.router, tags=["reference"])


@csrf_exempt  # nothing is written: answer 404 whatever the method, not a CSRF 403
def unknown_endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any /api/v1/ URL that matches no endpoint: a JSON 404 like every other API error."""
    return api.create_response(
        request, {"code": "unknown_endpoint", "message": f"No such endpoint: {request.path}"}, status=404
    )
