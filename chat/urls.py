from django.urls import path

from chat import views
from chat.models import Message
from content import views as content_views

app_name = "chat"

urlpatterns = [
    path("", views.index, name="index"),
    # Before the rooms: no room is called "search" (chat.services).
    path("search/", views.search, name="search"),
    path("<str:slug>/", views.room, name="room"),
    path("<str:slug>/search/", views.search, name="room-search"),
    path(
        "messages/<int:pk>/report/",
        content_views.report,
        {"model": Message},
        name="report",
    ),
    *(
        path(
            f"messages/<int:pk>/{action}/",
            content_views.moderate,
            {"model": Message, "action": action, "via": "chat"},
            name=action,
        )
        for action in ("hide", "unhide", "delete")
    ),
]
