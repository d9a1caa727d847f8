from django.urls import path

from bench.bare.api import api as bare_api
from zhizhi.urls import urlpatterns as zhizhi_urlpatterns

urlpatterns = [path("bench/", bare_api.urls), *zhizhi_urlpatterns]
