"""
Representations of posts, rooms and messages.

Each carries its own ``url`` and links to related resources, so a client can
walk the API from its root. The serializers only validate the shape of the
input, with the same limits and messages as the HTML forms; the write itself
(and its final validation) is the app's service, called by the viewset.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse as api_reverse

from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from board.models import Post
from chat.models import Mention, Message, Room
from content.models import AuditEntry, Ban, ModeratedContent, Report, Revision

CLIENT_ID_HELP = (
    "Optional key, chosen by the client, that makes a retried create safe: "
    "the same key again returns the item stored the first time. The "
    "Idempotency-Key header does the same."
)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """
    JSON's true and false only; form data, which is all strings, spells them
    "true" and "false" (not DRF's looser 1, yes, on...).
    """

    FORM_VALUES = {"true": True, "false": False}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        from_form = isinstance(self.root.initial_data, QueryDict)
        if from_form and isinstance(data, str) and data.lower() in self.FORM_VALUES:
            return self.FORM_VALUES[data.lower()]
        self.fail("invalid", input=data)


def text_field(max_length, empty, what):
    return StrictCharField(
        max_length=max_length,
        error_messages={
            "required": empty,
            "blank": empty,
            "null": empty,
            "max_length": f"Keep {what} to {max_length:,} characters.",
            "invalid": f"Send the {what[:-1]} as a string.",
        },
    )


def client_id_field():
    return StrictCharField(
        max_length=Message.CLIENT_ID_MAX_LENGTH,
        required=False,
        allow_null=True,
        help_text=CLIENT_ID_HELP,
        error_messages={
            "blank": f"client_id must be 1 to {Message.CLIENT_ID_MAX_LENGTH} "
            "characters long, or left out.",
            "max_length": f"client_id must be 1 to {Message.CLIENT_ID_MAX_LENGTH} "
            "characters long.",
        },
    )


# A list of fifty items would otherwise reverse its URLs fifty times over: an
# address that only differs by the item's id is reversed once per response,
# with this in place of the id, and filled in for each item.
ID_SLOT = "0id0"
# The same for site addresses whose id goes through an ``<int:...>`` converter.
NUMBER_SLOT = 4611686018427387911


def _once_per_response(field, key, build):
    """Return ``build()``, computed once per response for ``key``."""
    built = field.context.setdefault("_built_urls", {})
    if key not in built:
        built[key] = build()
    return built[key]


class ItemUrlField(serializers.HyperlinkedIdentityField):
    """The item's API address (``url``), reversed once per response."""

    def get_url(self, obj, view_name, request, format):
        if self.lookup_field != "pk" or format:
            return super().get_url(obj, view_name, request, format)
        template = _once_per_response(
            self,
            view_name,
            lambda: self.reverse(
                view_name, kwargs={self.lookup_url_kwarg: ID_SLOT}, request=request
            ),
        )
        return template.replace(ID_SLOT, str(obj.pk))


class RoomUrlField(serializers.HyperlinkedRelatedField):
    """A message's room's API address, reversed once per room and response."""

    def get_url(self, obj, view_name, request, format):
        return _once_per_response(
            self,
            (view_name, obj.pk, format),
            lambda: super(RoomUrlField, self).get_url(obj, view_name, request, format),
        )


class HtmlUrlField(serializers.Field):
    """
    The absolute address of the item's page on the site. With ``by_id``, the
    model's ``get_absolute_url`` depends on the id only, and is called once
    per response.
    """

    def __init__(self, by_id=False, **kwargs):
        self.by_id = by_id
        super().__init__(source="*", read_only=True, **kwargs)

    def _absolute(self, url):
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def to_representation(self, value):
        if not self.by_id:
            return self._absolute(value.get_absolute_url())
        template = _once_per_response(
            self,
            ("html", type(value)),
            lambda: self._absolute(type(value)(pk=NUMBER_SLOT).get_absolute_url()),
        )
        return template.replace(str(NUMBER_SLOT), str(value.pk))


HtmlUrlField = extend_schema_field(OpenApiTypes.URI)(HtmlUrlField)


class AuthoredSerializer(serializers.HyperlinkedModelSerializer):
    """Fields shared by posts and messages: who wrote it, and moderation."""

    serializer_url_field = ItemUrlField
    shared_fields = [
        "html",
        "author",
        "author_username",
        "guest",
        "created",
        "edited_at",
        "client_id",
        "hidden",
    ]

    author = serializers.CharField(
        source="display_name",
        read_only=True,
        help_text="The name shown with the item: a member's display name (their "
        "username if they chose none; it follows later changes), or a guest's name.",
    )
    author_username = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The author's username: their member page is "
        "/members/<username>/ (and /api/members/<username>/). Null for a guest.",
    )
    html = serializers.CharField(
        read_only=True,
        help_text="The text formatted as the site shows it: a safe Markdown "
        "subset (emphasis, code, code blocks, links, quotes, lists, line "
        "breaks, @mentions), rendered and sanitized when the item was written. "
        "The text field stays the source.",
    )
    guest = serializers.SerializerMethodField(
        help_text="True when a guest without an account wrote it."
    )
    hidden = StrictBooleanField(
        required=False,
        help_text="Hidden by a moderator; only moderators see such items. "
        "Moderators hide or show an item by changing it (PATCH).",
    )
    client_id = client_id_field()
    edited_at = serializers.DateTimeField(
        read_only=True,
        help_text="When the text was last edited (pages show “(edited)”); "
        "null if never. Authors edit (PATCH) or delete their own within "
        "NETSITE_EDIT_WINDOW seconds of writing, moderators anyone's at any time.",
    )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_guest(self, obj):
        return obj.author_id is None

    # A list page is built from ``.values()`` rows (``from_rows``) rather than
    # from model instances through every field's machinery, which is most of
    # what a list of fifty cost. ``ROW_FIELDS`` are the columns it reads;
    # tests/api/test_list_rows.py checks both ways give the same JSON.
    ROW_FIELDS = (
        "id",
        "html",
        "display_name",
        "author_id",
        "author__username",
        "created",
        "edited_at",
        "client_id",
        "hidden",
    )

    @staticmethod
    def shared_from_row(row, time):
        """The ``shared_fields`` of a row, as the fields above represent them."""
        edited_at = row["edited_at"]
        return {
            "html": row["html"],
            "author": row["display_name"],
            "author_username": row["author__username"],
            "guest": row["author_id"] is None,
            "created": time(row["created"]),
            "edited_at": edited_at and time(edited_at),
            "client_id": row["client_id"],
            "hidden": row["hidden"],
        }


def url_template(view_name, request):
    """The absolute API address of ``view_name``'s item, ``ID_SLOT`` for its id."""
    return api_reverse(view_name, kwargs={"pk": ID_SLOT}, request=request)


def time_format():
    """
    A function giving what ``serializers.DateTimeField`` gives for an aware
    datetime: ISO 8601 in the current time zone, UTC as ``Z``.
    """
    zone = timezone.get_current_timezone()

    def iso(value):
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


class PostSerializer(AuthoredSerializer):
    body = text_field(Post.BODY_MAX_LENGTH, "Write something before posting.", "posts")
    topic = serializers.IntegerField(
        source="topic_id",
        read_only=True,
        allow_null=True,
        help_text="The id of the topic this post replies to; null for a topic's "
        "first post (whose id is the topic's).",
    )
    html_url = HtmlUrlField(by_id=True, help_text="The post's page on the site.")

    class Meta:
        model = Post
        fields = [
            "url",
            "id",
            "topic",
            "body",
            *AuthoredSerializer.shared_fields,
            "html_url",
        ]
        read_only_fields = ["created"]
        extra_kwargs = {"url": {"view_name": "api:post-detail"}}

    ROW_FIELDS = (*AuthoredSerializer.ROW_FIELDS, "topic_id", "body")

    @classmethod
    def from_rows(cls, rows, *, request):
        url = url_template("api:post-detail", request)
        page = request.build_absolute_uri(Post(pk=NUMBER_SLOT).get_absolute_url())
        slot, time = str(NUMBER_SLOT), time_format()
        items = []
        for row in rows:
            pk = str(row["id"])
            items.append(
                {
                    "url": url.replace(ID_SLOT, pk),
                    "id": row["id"],
                    "topic": row["topic_id"],
                    "body": row["body"],
                    **cls.shared_from_row(row, time),
                    "html_url": page.replace(slot, pk),
                }
            )
        return items


class PostCreateSerializer(PostSerializer):
    """A new post. Moderators hide a post once it exists (PATCH ``hidden``)."""

    # The schema's create body only: without ``hidden``, which a new post
    # cannot start as, so that generated examples (Swagger UI's "Try it out")
    # work as they are. The view still answers with PostSerializer.
    hidden = None

    class Meta(PostSerializer.Meta):
        fields = [f for f in PostSerializer.Meta.fields if f != "hidden"]


class TopicSerializer(PostSerializer):
    """A topic: its first post, its title and its activity."""

    serializer_url_field = ItemUrlField
    title = StrictCharField(
        max_length=Post.TITLE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="The topic's title; left out or empty, the first line of its "
        "body (at most 80 characters).",
        error_messages={
            "max_length": f"Keep titles to {Post.TITLE_MAX_LENGTH} characters.",
            "invalid": "Send the title as a string.",
        },
    )
    post = ItemUrlField(
        view_name="api:post-detail", help_text="The topic's first post in /api/posts/."
    )
    replies = ItemUrlField(
        view_name="api:topic-replies", help_text="The topic's replies, oldest first."
    )
    reply_count = serializers.IntegerField(read_only=True, help_text="Visible replies.")
    last_activity = serializers.DateTimeField(
        read_only=True, help_text="When its latest visible post was written."
    )
    last_poster = serializers.CharField(
        read_only=True, help_text="Who wrote its latest visible post."
    )
    html_url = HtmlUrlField(by_id=True, help_text="The topic's page on the site.")

    class Meta(PostSerializer.Meta):
        fields = [
            "url",
            "id",
            "title",
            "body",
            *AuthoredSerializer.shared_fields,
            "reply_count",
            "last_activity",
            "last_poster",
            "post",
            "replies",
            "html_url",
        ]
        extra_kwargs = {"url": {"view_name": "api:topic-detail"}}


class TopicCreateSerializer(TopicSerializer):
    """A new topic: a title (optional) and the body of its first post."""

    hidden = None  # as PostCreateSerializer's

    class Meta(TopicSerializer.Meta):
        fields = [f for f in TopicSerializer.Meta.fields if f != "hidden"]


class RoomSerializer(serializers.HyperlinkedModelSerializer):
    # A plain string: slugs are Unicode, which an OpenAPI \w pattern is not.
    slug = serializers.CharField(read_only=True)
    title = text_field(Room.TITLE_MAX_LENGTH, "Give the room a title.", "titles")
    created_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of whoever created the room (null if unknown).",
    )
    messages = serializers.HyperlinkedIdentityField(
        view_name="api:room-messages",
        lookup_field="slug",
        help_text="The room's messages: list them or post one.",
    )
    html_url = HtmlUrlField(help_text="The room's chat page.")
    archived = StrictBooleanField(
        required=False,
        help_text="Read-only and left out of the site's list of rooms. Its "
        "creator or a moderator archives a room by changing it (PATCH).",
    )
    topic = StrictCharField(
        max_length=Room.TOPIC_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="What the room is for; its creator or a chat moderator "
        "changes it (PATCH).",
        error_messages={
            "max_length": f"Keep topics to {Room.TOPIC_MAX_LENGTH} characters.",
            "invalid": "Send the topic as a string.",
        },
    )
    last_active = serializers.DateTimeField(
        read_only=True,
        help_text="When the newest message was posted (or the room created).",
    )
    last_message_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The newest message's id."
    )
    unread = serializers.SerializerMethodField(
        help_text="Messages of others the caller has not read yet; null for "
        "guests and in rooms the caller never opened or marked read "
        "(POST /api/rooms/{slug}/read/)."
    )

    class Meta:
        model = Room
        fields = [
            "url",
            "slug",
            "title",
            "topic",
            "archived",
            "created_by",
            "created",
            "last_active",
            "last_message_id",
            "unread",
            "messages",
            "html_url",
        ]
        read_only_fields = ["slug", "created"]
        extra_kwargs = {
            "url": {"view_name": "api:room-detail", "lookup_field": "slug"},
        }

    @extend_schema_field({"type": "integer", "nullable": True, "minimum": 0})
    def get_unread(self, room):
        return getattr(room, "unread", None)


class ReadSerializer(serializers.Serializer):
    """Mark a room read, up to a message (the newest when left out)."""

    message_id = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="Read up to this message (default: the room's newest). "
        "The pointer never moves backwards, nor past the newest message.",
    )


class ReadPointerSerializer(serializers.Serializer):
    room = serializers.CharField(help_text="The room's slug.")
    message_id = serializers.IntegerField(
        help_text="The caller has read every message up to this id."
    )
    unread = serializers.IntegerField(help_text="Messages of others after it.")


class RoomCreateSerializer(RoomSerializer):
    """A new room. Its creator or a moderator archives it later (PATCH)."""

    # The schema's create body only, as PostCreateSerializer's.
    archived = None

    class Meta(RoomSerializer.Meta):
        fields = [f for f in RoomSerializer.Meta.fields if f != "archived"]


class MessageSerializer(AuthoredSerializer):
    text = text_field(
        Message.TEXT_MAX_LENGTH, "Write something before sending.", "messages"
    )
    room = RoomUrlField(
        view_name="api:room-detail", lookup_field="slug", read_only=True
    )
    room_slug = serializers.SlugRelatedField(
        source="room", slug_field="slug", read_only=True
    )

    class Meta:
        model = Message
        fields = [
            "url",
            "id",
            "room",
            "room_slug",
            "text",
            *AuthoredSerializer.shared_fields,
        ]
        read_only_fields = ["created"]
        extra_kwargs = {"url": {"view_name": "api:message-detail"}}

    ROW_FIELDS = (*AuthoredSerializer.ROW_FIELDS, "room__slug", "text")

    @classmethod
    def from_rows(cls, rows, *, request):
        url = url_template("api:message-detail", request)
        room = api_reverse("api:room-detail", kwargs={"slug": ID_SLOT}, request=request)
        time = time_format()
        return [
            {
                "url": url.replace(ID_SLOT, str(row["id"])),
                "id": row["id"],
                "room": room.replace(ID_SLOT, row["room__slug"]),
                "room_slug": row["room__slug"],
                "text": row["text"],
                **cls.shared_from_row(row, time),
            }
            for row in rows
        ]


class MessageCreateSerializer(MessageSerializer):
    """A new message. Moderators hide one once it exists (PATCH ``hidden``)."""

    hidden = None  # as PostCreateSerializer's

    class Meta(MessageSerializer.Meta):
        fields = [f for f in MessageSerializer.Meta.fields if f != "hidden"]


class PresenceSerializer(serializers.Serializer):
    """Who has a room open now (the chat protocol's ``presence`` frame)."""

    members = serializers.ListField(
        child=serializers.CharField(),
        help_text="Usernames of the signed-in members in the room, sorted.",
    )
    guests = serializers.IntegerField(
        min_value=0, help_text="How many guests (browsers, else addresses)."
    )


class MentionSerializer(serializers.ModelSerializer):
    """A chat message that names the caller with ``@username``."""

    message = MessageSerializer(read_only=True)

    class Meta:
        model = Mention
        fields = ["id", "message"]


class MeSerializer(serializers.Serializer):
    authenticated = serializers.BooleanField()
    username = serializers.CharField(allow_null=True)
    is_moderator = serializers.BooleanField(
        help_text="May hide, edit and delete other people's posts and messages."
    )
    moderates = serializers.ListField(
        child=serializers.ChoiceField(choices=["board", "chat"]),
        help_text="The apps this user moderates.",
    )
    auth = serializers.ChoiceField(
        choices=["token", "session", "none"],
        help_text="How this request was authenticated.",
    )
    display_name = serializers.CharField(
        allow_null=True,
        help_text="The name your posts and messages are shown under; empty "
        "when that is your username; null when not logged in.",
    )
    email = serializers.EmailField(
        allow_null=True,
        allow_blank=True,
        help_text="Your account's e-mail address (for password resets); null "
        "when not logged in.",
    )


class MeUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(
        allow_blank=True,
        max_length=ModeratedContent.NAME_MAX_LENGTH,
        help_text="The name to show with your posts and messages, old and new, "
        "instead of your username; empty to show your username. It may not "
        "look like another member's name or the staff's.",
    )


class MemberSerializer(serializers.Serializer):
    """A member, as their page on the site shows them."""

    username = serializers.CharField()
    display_name = serializers.CharField(
        help_text="The name their posts and messages are shown under; empty "
        "when that is their username."
    )
    date_joined = serializers.DateTimeField(help_text="When the account was made.")
    is_moderator = serializers.BooleanField(
        help_text="May hide, edit and delete other people's posts and messages."
    )
    html_url = serializers.URLField(help_text="The member's page on the site.")
    posts = serializers.URLField(help_text="Their posts, newest first.")
    messages = serializers.URLField(help_text="Their chat messages, newest first.")

    def to_representation(self, user):
        request = self.context["request"]
        username = user.get_username()
        query = QueryDict(mutable=True)
        query["author"] = username
        lists = {
            name: request.build_absolute_uri(
                reverse(f"api:{name[:-1]}-list") + "?" + query.urlencode()
            )
            for name in ("posts", "messages")
        }
        return {
            "username": username,
            "display_name": self.context["display_name"],
            "date_joined": self.fields["date_joined"].to_representation(
                user.date_joined
            ),
            "is_moderator": self.context["is_moderator"],
            "html_url": request.build_absolute_uri(reverse("member", args=[username])),
            **lists,
        }


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error under /api/ (see api.exceptions)."""

    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(
        help_text="A stable word for programs: invalid, not_authenticated, "
        "permission_denied, not_found, method_not_allowed, not_acceptable, "
        "too_large, unsupported_media_type, throttled, server_error..."
    )
    detail = serializers.CharField(help_text="What went wrong, for people.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field (or parameter) name to its messages; empty unless "
        "the request had invalid fields.",
    )


class RevisionSerializer(serializers.ModelSerializer):
    edited_by = serializers.CharField(
        source="edited_by_name", help_text="Who replaced this text (a username)."
    )

    class Meta:
        model = Revision
        fields = ["id", "text", "created", "edited_by"]
        read_only_fields = fields
        extra_kwargs = {
            "text": {"help_text": "The text as it read before this edit."},
            "created": {"help_text": "When it was replaced."},
        }


class ModerationReasonSerializer(serializers.Serializer):
    reason = StrictCharField(
        max_length=AuditEntry.REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Why, for the moderation log.",
        error_messages={
            "max_length": f"Keep reasons to {AuditEntry.REASON_MAX_LENGTH} characters.",
        },
    )


class ReportRequestSerializer(serializers.Serializer):
    reason = StrictCharField(
        max_length=Report.REASON_MAX_LENGTH,
        help_text="What is wrong with the item, for the moderators.",
        error_messages={
            "required": "Say what is wrong with it.",
            "blank": "Say what is wrong with it.",
            "null": "Say what is wrong with it.",
            "max_length": f"Keep reasons to {Report.REASON_MAX_LENGTH} characters.",
        },
    )


class ReportSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(
        source="content_type.model", help_text="post or message."
    )
    item_id = serializers.IntegerField(source="object_id")
    reporter = serializers.CharField(
        source="reporter_name", help_text="A username, or a guest's address."
    )
    resolved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "item_id",
            "reason",
            "excerpt",
            "reporter",
            "created",
            "status",
            "resolved_at",
            "resolved_by",
        ]
        read_only_fields = fields


class BanSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
        help_text="The member to ban, by username; or give an address.",
    )
    address = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The guest address (IPv4 or IPv6) to ban; or give a user.",
    )
    reason = StrictCharField(max_length=Ban.REASON_MAX_LENGTH)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    lifted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = Ban
        fields = [
            "id",
            "user",
            "address",
            "reason",
            "expires",
            "created",
            "created_by",
            "lifted_at",
            "lifted_by",
            "in_force",
        ]
        read_only_fields = ["created", "created_by", "lifted_at", "lifted_by"]
        extra_kwargs = {
            "expires": {"help_text": "When the ban ends; null or absent: never."}
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_in_force(self, ban):
        return ban.in_force()


class AuditEntrySerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField(help_text="post, message, room, user…")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created",
            "actor_name",
            "action",
            "via",
            "kind",
            "object_id",
            "target",
            "reason",
            "detail",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_kind(self, entry):
        return entry.content_type.model if entry.content_type_id else None
