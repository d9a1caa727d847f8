"""Open311 GeoReport v2 at /open311/: discovery, services, service definitions, requests, tokens.

Every resource takes a format suffix (.json or .xml); another suffix, or a path that names no
resource, answers a 404 in the spec's error format.
"""

from django.urls import re_path

from zhizhi.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^v2/services" + FMT, views.service_list, name="services"),
    re_path(r"^v2/services/(?P<code>[-\w]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, views.requests, name="requests"),
    re_path(r"^v2/requests/(?P<request_id>[^/.]+)" + FMT, views.request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<token>[^/.]+)" + FMT, views.token, name="token"),
    re_path(r"", views.not_found, name="not_found"),  # last: whatever else is under /open311/
]
