from django.urls import path

from board import views
from board.models import Post
from content import views as content_views

app_name = "board"

urlpatterns = [
    path("", views.index, name="index"),
    path("t/<int:pk>/", views.topic, name="topic"),
    path("p/<int:pk>/", views.permalink, name="post"),
    path("search/", views.search, name="search"),
    path(
        "posts/<int:pk>/report/",
        content_views.report,
        {"model": Post},
        name="report",
    ),
    *(
        path(
            f"posts/<int:pk>/{action}/",
            content_views.moderate,
            {"model": Post, "action": action, "via": "board"},
            name=action,
        )
        for action in ("hide", "unhide", "delete")
    ),
    *(
        path(
            f"posts/<int:pk>/{action}/",
            getattr(content_views, action),
            {"model": Post, "via": "board"},
            name=action,
        )
        for action in ("edit", "remove")
    ),
]
