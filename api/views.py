"""
The REST API's views: board posts, chat rooms and chat messages.

Each viewset reads through the models' QuerySets and writes only through the
apps' services (``board.services``, ``chat.services``), from DRF's
``perform_create``/``perform_update``/``perform_destroy`` hooks: a post made
here is stored, validated and broadcast exactly like one made on the board
page. A service's ``ValidationError`` becomes a 400 with field errors.

Hidden items do not exist for anyone but moderators (404, not 403), and
lists show visible items only, to everyone.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, mixins, permissions, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from api.exceptions import LockedOut, json_error, service_errors
from api.filters import (
    AuditFilter,
    BanFilter,
    MessageFilter,
    PostFilter,
    RoomFilter,
    TopicFilter,
)
from api.permissions import HasModelPermission, IsAuthorOrModerator, is_moderator
from api.schema import IDEMPOTENCY_KEY
from api.serializers import (
    AuditEntrySerializer,
    BanSerializer,
    MemberSerializer,
    MentionSerializer,
    MeSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    MeUpdateSerializer,
    ModerationReasonSerializer,
    PostCreateSerializer,
    PostSerializer,
    PresenceSerializer,
    ReadPointerSerializer,
    ReadSerializer,
    ReportRequestSerializer,
    ReportSerializer,
    RevisionSerializer,
    RoomCreateSerializer,
    RoomSerializer,
    TopicCreateSerializer,
    TopicSerializer,
)
from board import services as board_services
from board.models import Post
from chat import presence
from chat import services as chat_services
from chat.models import Mention, Message, Room
from content import bans, pages, reports
from content.http import client_ip
from content.models import AuditEntry, Ban, Profile, Report, Revision
from content.services import (
    clean_client_id,
    clear_display_name,
    delete_item,
    edit_item,
    may_clear_display_names,
    set_display_name,
)

ROOM_KEY_SECONDS = 24 * 60 * 60


class IdempotentCreateMixin:
    """
    Make a create safe to retry, keyed by ``Idempotency-Key`` or ``client_id``.

    ``perform_create`` sets ``self.replayed`` when the key had been used; the
    response is then 200 with the item stored the first time, instead of 201.
    """

    idempotent = True
    replayed = False

    def idempotency_key(self, serializer):
        """Return the client's key, from the header or the client_id field."""
        header = self.request.headers.get("Idempotency-Key")
        field = serializer.validated_data.get("client_id")
        if header is not None:
            try:
                header = clean_client_id(header)
            except DjangoValidationError as error:
                raise exceptions.ValidationError(
                    {"Idempotency-Key": error.messages}
                ) from None
            if field is not None and field != header:
                raise exceptions.ValidationError(
                    {
                        "client_id": [
                            "client_id and the Idempotency-Key header differ: "
                            "send one of them, or the same value in both."
                        ]
                    }
                )
        return field if field is not None else header

    def save_once(self, serializer, create):
        """
        Store the item through the service ``create``, which returns ``(item,
        created)``: ``created`` is false when the key had been used, and the
        item is then the one stored the first time.
        """
        if serializer.validated_data.get("hidden"):
            raise exceptions.ValidationError(
                {"hidden": ["A new item cannot start hidden; hide it afterwards."]}
            )
        with service_errors():
            serializer.instance, created = create()
        self.replayed = not created

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if self.replayed:
            response.status_code = 200
        return response


class RowListMixin:
    """
    A list page read as ``.values()`` rows and built by the serializer's
    ``from_rows``: the same JSON as the serializer's own, at a fraction of the
    cost of fifty model instances through every field. Addresses with a
    format suffix (``/api/posts.json``) go the serializer's way.
    """

    # The channel-layer groups whose events change the list (content.pages):
    # lists that name them are cached until then, for every caller alike.
    list_groups = None
    list_stamp = None

    def list(self, request, *args, **kwargs):
        if self.format_kwarg is not None:
            return super().list(request, *args, **kwargs)
        if self.list_groups is None:
            return Response(self.list_data())
        return Response(
            pages.cached_data(
                request,
                self.list_data,
                groups=self.list_groups,
                stamp=self.list_stamp,
            )
        )

    def list_data(self):
        serializer = self.get_serializer_class()
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*serializer.ROW_FIELDS))
        rows = serializer.from_rows(page, request=self.request)
        return self.get_paginated_response(rows).data


class ModeratedViewSetMixin:
    """
    Hidden items exist only for moderators of the view's app, and never in
    lists; moderators hide and show items by changing ``hidden``.
    """

    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsAuthorOrModerator]
    author_field = "author"

    def visible_to_caller(self, queryset):
        if self.action == "list" or not is_moderator(
            self.request.user, self.moderated_app
        ):
            return queryset.visible()
        return queryset

    def change_visibility(self, serializer):
        """Hide or show the item when a moderator changed ``hidden``."""
        hidden = serializer.validated_data.get("hidden")
        item = serializer.instance
        if hidden is None or hidden == item.hidden:
            return
        user = self.request.user
        if not is_moderator(user, self.moderated_app):
            raise exceptions.PermissionDenied("Only moderators may hide or show items.")
        act = self.moderation.hide if hidden else self.moderation.unhide
        act([item], by=user, via="api")
        item.refresh_from_db()

    # The write path of an update or delete: content.services, which lets an
    # author change their own item within NETSITE_EDIT_WINDOW (403 after
    # that, code too_late) and a moderator anyone's.
    moderation = None  # content.services.Moderation
    text_field = None

    def perform_update(self, serializer):
        self.change_visibility(serializer)
        text = serializer.validated_data.get(self.text_field)
        if text is None or text == getattr(serializer.instance, self.text_field):
            return
        with service_errors():
            serializer.instance = edit_item(
                serializer.instance, text=text, by=self.request.user, via="api"
            )

    def perform_destroy(self, instance):
        delete_item(instance, by=self.request.user, via="api")

    @extend_schema(
        responses={200: RevisionSerializer(many=True)},
        description="The item's earlier texts, newest first: one per edit, by "
        "its author or a moderator. For moderators of the item's app only "
        "(403 for anyone else).",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def revisions(self, request, pk=None):
        item = self.get_object()
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not is_moderator(request.user, self.moderated_app):
            raise exceptions.PermissionDenied(
                "Only moderators may read the earlier versions of an item."
            )
        rows = Revision.objects.of(item)
        return Response(RevisionSerializer(rows, many=True).data)

    @extend_schema(
        request=ReportRequestSerializer,
        responses={201: ReportSerializer, 200: ReportSerializer},
        description="Report the item to the moderators, with a reason. Anyone "
        "may report, guests too (by address); a second report of the same "
        "item by the same person returns the first one (200).",
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.AllowAny],
        serializer_class=ReportRequestSerializer,
    )
    def report(self, request, pk=None):
        item = self.get_object()
        request_data = ReportRequestSerializer(data=request.data)
        request_data.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        with service_errors():
            try:
                report, created = reports.report_item(
                    item=item,
                    reason=request_data.validated_data["reason"],
                    reporter=user,
                    address=client_ip(request),
                )
            except reports.TooManyReports as error:
                raise exceptions.Throttled(
                    wait=error.retry_after, detail=str(error)
                ) from None
        return Response(ReportSerializer(report).data, status=201 if created else 200)


@extend_schema_view(create=extend_schema(request=PostCreateSerializer))
class PostViewSet(
    RowListMixin, IdempotentCreateMixin, ModeratedViewSetMixin, viewsets.ModelViewSet
):
    """
    Board posts, newest first.

    Anyone may read visible posts; signed-in users may post. The author may
    edit (``body``) or delete a post for ``NETSITE_EDIT_WINDOW`` seconds after
    writing it (then 403, code ``too_late``), a board moderator at any time;
    ``edited_at`` says when it was last edited, and moderators read the
    earlier texts at ``revisions/``.
    """

    serializer_class = PostSerializer
    list_groups = [board_services.BOARD_GROUP]
    list_stamp = staticmethod(board_services.newest_post_id)
    moderation = board_services.moderation
    text_field = "body"
    filterset_class = PostFilter
    moderated_app = "board"

    def get_queryset(self):
        return self.visible_to_caller(Post.objects.select_related("author"))

    def pagination_ordering(self):
        return self.request.query_params.get("ordering") or "-id"

    def perform_create(self, serializer):
        user, client_id = self.request.user, self.idempotency_key(serializer)
        self.save_once(
            serializer,
            lambda: board_services.create_post(
                body=serializer.validated_data["body"],
                author=user,
                client_id=client_id,
                address=client_ip(self.request),
            ),
        )


@extend_schema_view(
    create=extend_schema(
        request=TopicCreateSerializer,
        examples=[
            OpenApiExample(
                "A new topic",
                value={"title": "Bikes for sale", "body": "Two, both red. Offers?"},
                request_only=True,
            )
        ],
    )
)
class TopicViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """
    Board topics, most recently active first.

    A topic is its first post (the same id in ``/api/posts/``) with a title;
    its replies are at ``/api/topics/{id}/replies/``, oldest first, where
    signed-in users reply. Edit, hide or delete a topic's posts through
    ``/api/posts/{id}/``. Anyone may read visible topics.
    """

    serializer_class = TopicSerializer
    filterset_class = TopicFilter
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    moderated_app = "board"

    def get_queryset(self):
        topics = Post.objects.filter(topic__isnull=True).select_related("author")
        if self.action == "list" or not is_moderator(
            self.request.user, self.moderated_app
        ):
            topics = topics.visible()
        return topics

    def pagination_ordering(self):
        if self.action == "replies":
            return "id"
        return ("-last_activity", "-id")

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise exceptions.NotFound(
                board_services.NO_TOPIC.format(id=self.kwargs["pk"])
            ) from None

    def perform_create(self, serializer):
        user, client_id = self.request.user, self.idempotency_key(serializer)
        self.save_once(
            serializer,
            lambda: board_services.create_post(
                body=serializer.validated_data["body"],
                title=serializer.validated_data.get("title"),
                author=user,
                client_id=client_id,
                address=client_ip(self.request),
            ),
        )

    @extend_schema(
        methods=["GET"],
        filters=False,
        responses={200: PostSerializer(many=True)},
        description="The topic's visible replies, oldest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=PostCreateSerializer,
        responses={201: PostSerializer, 200: PostSerializer},
        parameters=[IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample(
                "A reply", value={"body": "Is the left one a 28?"}, request_only=True
            )
        ],
        description="Reply to the topic. The same Idempotency-Key (or "
        "client_id) again returns the reply stored the first time (200).",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=PostSerializer,
        filterset_class=None,
    )
    def replies(self, request, pk=None):
        topic = self.get_object()
        if request.method == "GET":
            replies = (
                Post.objects.visible().filter(topic=topic).select_related("author")
            )
            page = self.paginate_queryset(replies)
            serializer = PostSerializer(
                page, many=True, context=self.get_serializer_context()
            )
            return self.get_paginated_response(serializer.data)
        serializer = PostCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        user, client_id = request.user, self.idempotency_key(serializer)
        self.save_once(
            serializer,
            lambda: board_services.create_post(
                body=serializer.validated_data["body"],
                topic=topic.pk,
                author=user,
                client_id=client_id,
                address=client_ip(request),
            ),
        )
        data = PostSerializer(
            serializer.instance, context=self.get_serializer_context()
        ).data
        return Response(data, status=200 if self.replayed else 201)


@extend_schema_view(create=extend_schema(request=RoomCreateSerializer))
class RoomViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """
    Chat rooms, by title.

    Anyone may read; signed-in users may create a room (its slug, and so its
    address, comes from the title); whoever created it or a chat moderator
    may rename (``title``) or archive it (``archived``: read-only). Deleting
    deletes its messages: a creator may delete only a room where nobody else
    wrote (else 403: archive it), a chat moderator any room.
    An ``Idempotency-Key`` is remembered for a day in the shared cache, as
    rooms keep no client id of their own.
    """

    serializer_class = RoomSerializer
    filterset_class = RoomFilter
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsAuthorOrModerator]
    author_field = "created_by"
    moderated_app = "chat"
    queryset = Room.objects.select_related("created_by")

    def get_queryset(self):
        return super().get_queryset().with_unread(self.request.user)

    def pagination_ordering(self):
        ordering = self.request.query_params.get("ordering") or "title"
        if ordering == "-last_active":
            return (ordering, "-id")
        return (ordering, "id") if "title" in ordering else (ordering,)

    def perform_create(self, serializer):
        user = self.request.user
        key = self.idempotency_key(serializer)
        cache_key = f"api:room-key:{user.pk}:{key}" if key is not None else None
        if cache_key is not None:
            room = Room.objects.filter(pk=cache.get(cache_key)).first()
            if room is not None:
                self.replayed = True
                serializer.instance = room
                return
        if serializer.validated_data.get("archived"):
            raise exceptions.ValidationError(
                {"archived": ["A new room cannot start archived; archive it later."]}
            )
        with service_errors():
            serializer.instance = chat_services.create_room(
                title=serializer.validated_data["title"],
                topic=serializer.validated_data.get("topic", ""),
                created_by=user,
                address=client_ip(self.request),
            )
        if cache_key is not None:
            cache.set(cache_key, serializer.instance.pk, ROOM_KEY_SECONDS)

    def perform_update(self, serializer):
        title = serializer.validated_data.get("title")
        topic = serializer.validated_data.get("topic")
        archived = serializer.validated_data.get("archived")
        if archived is not None:
            serializer.instance = chat_services.archive_room(
                room=serializer.instance,
                archived=archived,
                by=self.request.user,
                via="api",
            )
        if title is None and topic is None:
            return
        with service_errors():
            serializer.instance = chat_services.update_room(
                room=serializer.instance,
                title=title,
                topic=topic,
                by=self.request.user,
                via="api",
            )

    @extend_schema(request=ReadSerializer, responses=ReadPointerSerializer)
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        serializer_class=ReadSerializer,
    )
    def read(self, request, slug=None):
        """
        Mark the room read for the caller, up to ``message_id`` or its newest
        message. The read pointer never moves backwards: the answer says
        where it is, and how many messages of others are unread after it.
        """
        room = self.get_object()
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        position, unread = chat_services.mark_read(
            user=request.user,
            room=room,
            message_id=serializer.validated_data.get("message_id"),
        )
        return Response(
            ReadPointerSerializer(
                {"room": room.slug, "message_id": position, "unread": unread}
            ).data
        )

    def perform_destroy(self, instance):
        chat_services.delete_room(room=instance, by=self.request.user, via="api")

    @extend_schema(responses=PresenceSerializer)
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[permissions.AllowAny],
        pagination_class=None,
        filterset_class=None,
    )
    def presence(self, request, slug=None):
        """
        Who has the room open now: members by username and a count of guests,
        across every server process; as the socket's ``presence`` frame.
        """
        room = self.get_object()
        frame = presence.read(room.pk)
        return Response({"members": frame["members"], "guests": frame["guests"]})


def message_ordering(request):
    """Return the order of a list of messages: newest first, unless ``after``."""
    ordering = request.query_params.get("ordering")
    if request.query_params.get("after") is None:
        return ordering or "-id"
    if ordering == "-id":
        raise exceptions.ValidationError(
            {"ordering": ["With after, messages come oldest first: ordering=id."]}
        )
    return "id"


@extend_schema_view(create=extend_schema(request=MessageCreateSerializer))
class RoomMessageViewSet(
    RowListMixin,
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """
    The messages of one room: newest first, or oldest first with ``?after=``.

    ``?after=<id>`` is the catch-up call of a reconnecting client: every
    visible message after the last one it saw, in the order they were sent.
    """

    serializer_class = MessageSerializer
    filterset_class = MessageFilter

    def get_room(self):
        if not hasattr(self, "_room"):
            self._room = get_object_or_404(Room, slug=self.kwargs["slug"])
        return self._room

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Message.objects.none()
        return self.get_room().messages.visible().select_related("room", "author")

    def pagination_ordering(self):
        return message_ordering(self.request)

    def perform_create(self, serializer):
        room, user = self.get_room(), self.request.user
        client_id = self.idempotency_key(serializer)
        self.save_once(
            serializer,
            lambda: chat_services.post_message(
                room=room,
                text=serializer.validated_data["text"],
                author=user,
                client_id=client_id,
                address=client_ip(self.request),
            ),
        )


class MessageViewSet(
    RowListMixin,
    ModeratedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """
    Chat messages of every room, newest first (``?q=`` searches them all);
    one message: the author may edit (``text``) or delete it for
    ``NETSITE_EDIT_WINDOW`` seconds after sending it (then 403, code
    ``too_late``), a chat moderator at any time; moderators read the earlier
    texts at ``revisions/``. List and create one room's messages at
    ``/api/rooms/{slug}/messages/``.
    """

    serializer_class = MessageSerializer
    filterset_class = MessageFilter
    moderated_app = "chat"
    moderation = chat_services.moderation
    text_field = "text"

    def get_queryset(self):
        return self.visible_to_caller(Message.objects.select_related("room", "author"))

    def pagination_ordering(self):
        return message_ordering(self.request)


class MentionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """
    The caller's mentions: the visible chat messages that name them with
    ``@username``, newest first. Signed-in members only.
    """

    serializer_class = MentionSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Mention.objects.none()
        return Mention.objects.of(self.request.user)

    def pagination_ordering(self):
        return "-id"


class ModerationRecordsMixin:
    """Moderation records: for holders of the model's permissions only."""

    permission_classes = [HasModelPermission]

    def pagination_ordering(self):
        return "-id"


class ReportViewSet(ModerationRecordsMixin, viewsets.ReadOnlyModelViewSet):
    """
    Reports, newest first (``?status=open`` for the review queue's). For
    those who may see reports (the Moderators group). File one with ``POST
    /api/posts/{id}/report/`` or ``/api/messages/{id}/report/``.
    """

    serializer_class = ReportSerializer
    queryset = Report.objects.select_related("content_type", "reporter", "resolved_by")
    filterset_fields = ["status"]


class BanViewSet(
    ModerationRecordsMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """
    Bans, newest first. Moderators ban a member (``user``) or a guest address
    (``address``), until ``expires`` or for good, with a ``reason``; a banned
    person's writes are refused with 403 ``banned`` everywhere. ``DELETE``
    lifts a ban (it stays listed, with ``lifted_at``).
    """

    serializer_class = BanSerializer
    queryset = Ban.objects.select_related("user", "created_by", "lifted_by")
    filterset_class = BanFilter

    @extend_schema(
        examples=[
            # A user or an address, not both: Swagger UI's "Try it out" starts
            # from these rather than from every field filled in.
            OpenApiExample(
                "A guest address for a week",
                value={
                    "address": "203.0.113.9",
                    "reason": "Flooding the board",
                    "expires": "2030-01-08T00:00:00Z",
                },
                request_only=True,
            ),
            OpenApiExample(
                "A member until lifted",
                value={"user": "spammer", "reason": "Watch adverts"},
                request_only=True,
            ),
        ]
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        with service_errors():
            serializer.instance = bans.ban(
                user=data.get("user"),
                address=data.get("address") or None,
                until=data.get("expires"),
                reason=data["reason"],
                by=self.request.user,
                via="api",
            )

    def perform_destroy(self, instance):
        bans.lift_ban(ban=instance, by=self.request.user, via="api")


class AuditEntryViewSet(ModerationRecordsMixin, viewsets.ReadOnlyModelViewSet):
    """The moderation log, newest first: who did what, when, where and why."""

    serializer_class = AuditEntrySerializer
    queryset = AuditEntry.objects.select_related("content_type")
    filterset_class = AuditFilter


class MeView(APIView):
    """
    Who the caller is: anonymous, or a user and what they moderate. A member
    changes their display name here (PATCH).
    """

    permission_classes = [permissions.AllowAny]

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def _me(self, request):
        user = request.user
        moderates = [app for app in ("board", "chat") if is_moderator(user, app)]
        if not user.is_authenticated:
            auth = "none"
        elif isinstance(request.successful_authenticator, TokenAuthentication):
            auth = "token"
        else:
            auth = "session"
        signed_in = user.is_authenticated
        shown = Profile.objects.display_name_of(user) if signed_in else None
        return Response(
            MeSerializer(
                {
                    "authenticated": signed_in,
                    "username": user.get_username() if signed_in else None,
                    "display_name": shown,
                    "email": user.email if signed_in else None,
                    "is_moderator": bool(moderates),
                    "moderates": moderates,
                    "auth": auth,
                }
            ).data
        )

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return self._me(request)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "display_name" in serializer.validated_data:
            with service_errors():
                set_display_name(
                    user=request.user,
                    display_name=serializer.validated_data["display_name"],
                    via="api",
                )
        return self._me(request)


def _member_or_404(username):
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        raise exceptions.NotFound("No member has this name.") from None


def _member_response(request, user):
    moderator = any(is_moderator(user, app) for app in ("board", "chat"))
    context = {
        "request": request,
        "is_moderator": moderator,
        "display_name": Profile.objects.display_name_of(user),
    }
    return Response(MemberSerializer(user, context=context).data)


class MemberView(APIView):
    """
    A member: their name, since when, whether they moderate, and where to
    find their page and what they wrote (404 for an unknown or deactivated
    account).
    """

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=MemberSerializer)
    def get(self, request, username):
        return _member_response(request, _member_or_404(username))


class MayClearDisplayNames(permissions.BasePermission):
    message = "Only moderators clear members' display names."

    def has_permission(self, request, view):
        return may_clear_display_names(request.user)


class ClearDisplayNameView(APIView):
    """
    Moderators: take a member's display name away (an offensive or misleading
    one). Everything they wrote shows their username again; the moderation
    log records it with the reason. Answers with the member as they are now
    (``display_name`` empty); clearing a name already empty changes nothing.
    """

    permission_classes = [MayClearDisplayNames]

    @extend_schema(request=ModerationReasonSerializer, responses=MemberSerializer)
    def post(self, request, username):
        user = _member_or_404(username)
        body = ModerationReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        clear_display_name(
            user=user,
            by=request.user,
            via="api",
            reason=body.validated_data.get("reason", ""),
        )
        return _member_response(request, user)


class TokenView(ObtainAuthToken):
    """
    Exchange a username and password for an API token.

    Send the token as ``Authorization: Token <key>``. Unlike DRF's own view,
    this one is throttled like the rest of the API, and wrong passwords count
    towards the same lockout as the login forms' (django-axes): a locked
    account gets a 429 ``locked_out`` even with the right password.
    """

    throttle_classes = APIView.throttle_classes
    # DRF's view lists its own parsers; the API's parse hostile JSON safely.
    parser_classes = APIView.parser_classes

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            # axes flags the request it was given, which here is DRF's.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut() from None
            raise


class ApiRootView(APIView):
    """The netsite API: every collection and tool, linked."""

    name = "netsite API"
    permission_classes = [permissions.AllowAny]

    @extend_schema(exclude=True)
    def get(self, request, format=None):
        def link(name, **kwargs):
            return reverse(f"api:{name}", request=request, kwargs=kwargs or None)

        return Response(
            {
                "posts": link("post-list"),
                "topics": link("topic-list"),
                "rooms": link("room-list"),
                "mentions": link("mention-list"),
                "reports": link("report-list"),
                "bans": link("ban-list"),
                "moderation_log": link("auditentry-list"),
                "me": link("me"),
                "token": link("token"),
                "schema": link("schema"),
                "docs": link("docs"),
            }
        )


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with no inline script or style, for the site's strict CSP."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


@csrf_exempt
def not_found(request, rest=""):
    """Answer unknown /api/ addresses with a JSON 404 (any method)."""
    detail = "There is no API endpoint at this address; start from /api/."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            detail = f"There is no API endpoint here: did you mean {request.path}/?"
    return json_error(404, "not_found", detail)
