from django.urls import path

from chat import views
from chat.models import Message
from content import views as content_views

app_name = "chat"

urlpatterns = [
    path("", views.index, name="index"),
    path("mentions/", views.mentions, name="mentions"),
    # Before the rooms: no room is called "search" or "mentions" (chat.services).
    path("search/", views.search, name="search"),
    path("<str:slug>/", views.room, name="room"),
    path("<str:slug>/history/", views.history, name="history"),
    path("<str:slug>/m/<int:pk>/", views.message, name="message"),
    path("<str:slug>/topic/", views.topic, name="topic"),
    path("<str:slug>/members/", views.members, name="members"),
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
    *(
        path(
            f"messages/<int:pk>/{action}/",
            getattr(content_views, action),
            {"model": Message, "via": "chat"},
            name=action,
        )
        for action in ("edit", "remove")
    ),
]
