from django.contrib import admin
from django.urls import include, path, re_path

from zhizhi.api.api import api, unknown_endpoint
from zhizhi.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<path>.*)$", unknown_endpoint),
    path("open311/", include("zhizhi.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("zhizhi.web.urls")),
]
