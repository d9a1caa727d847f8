from django.contrib import admin
from django.urls import include, path

from zhizhi.api.api import api
from zhizhi.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/", include("zhizhi.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("zhizhi.web.urls")),
]
