from django.urls import path
from django.views.generic import TemplateView

from netsite.lab import views

app_name = "lab"

urlpatterns = [
    path("", views.index, name="index"),
    path("hello/", views.hello, name="hello"),
    path("add/", views.add, name="add"),
    path("subtract/", views.subtract, name="subtract"),
    path("request/", views.request_echo, name="request"),
    path("request/<path:rest>", views.request_echo, name="request-path"),
    path(
        "echo/",
        TemplateView.as_view(template_name="netsite/lab/echo.html"),
        name="echo",
    ),
]
