from django.urls import path

from zhizhi.web import views

app_name = "web"
urlpatterns: list = []
