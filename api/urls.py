from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from django.urls import path, re_path

from api import views

app_name = "api"

router = SimpleRouter()
router.register("posts", views.PostViewSet, basename="post")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("rooms", views.RoomViewSet, basename="room")
router.register("messages", views.MessageViewSet, basename="message")
router.register("mentions", views.MentionViewSet, basename="mention")
router.register("reports", views.ReportViewSet, basename="report")
router.register("bans", views.BanViewSet, basename="ban")
router.register("moderation-log", views.AuditEntryViewSet, basename="auditentry")

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path(
        "rooms/<str:slug>/messages/",
        views.RoomMessageViewSet.as_view({"get": "list", "post": "create"}),
        name="room-messages",
    ),
    path("me/", views.MeView.as_view(), name="me"),
    path("members/<str:username>/", views.MemberView.as_view(), name="member"),
    path(
        "members/<str:username>/clear-display-name/",
        views.ClearDisplayNameView.as_view(),
        name="member-clear-display-name",
    ),
    path("token/", views.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(), name="docs"),
    *router.urls,
    # Last: every other /api/ address is a JSON 404, not the site's HTML page.
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]
