from django.conf import settings
from django.db import models
from django.urls import reverse

from content.models import (
    ModeratedContent,
    ModeratedQuerySet,
    retry_constraint,
    user_link,
)


class RoomQuerySet(models.QuerySet):
    def by_activity(self):
        """Most recently active first (``Room.last_active``)."""
        return self.order_by("-last_active", "-id")

    def with_unread(self, user):
        """
        Annotate ``unread``: how many visible messages of others ``user`` has
        not read in each room, in the same query; ``None`` where the member
        has no read pointer (never opened the room) and for guests.

        Each room's count reads only its unread rows, through the index on
        ``(room, id)``.
        """
        if user is None or not user.is_authenticated:
            return self.annotate(unread=models.Value(None, models.IntegerField()))
        unread = (
            Message.objects.filter(
                room=models.OuterRef("pk"),
                id__gt=models.OuterRef("read_up_to"),
                hidden=False,
            )
            .exclude(author=user.pk)
            .order_by()
            .annotate(n=models.Func(models.F("id"), function="COUNT"))
            .values("n")
        )
        return self.annotate(
            pointer=models.FilteredRelation(
                "read_pointers", condition=models.Q(read_pointers__user=user.pk)
            ),
            read_up_to=models.F("pointer__message_id"),
        ).annotate(
            unread=models.Case(
                models.When(read_up_to__isnull=True, then=None),
                default=models.Subquery(unread),
                output_field=models.IntegerField(),
            )
        )


class Room(models.Model):
    TITLE_MAX_LENGTH = 100
    TOPIC_MAX_LENGTH = 300
    SLUG_MAX_LENGTH = 60
    # The group of every room-list page: one event per posted message.
    LIST_GROUP = "chat.rooms"

    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    title_key = models.TextField(
        unique=True,
        editable=False,
        help_text="The title's skeleton (content.names): titles that read the "
        "same, whatever their case or look-alike letters, share it.",
    )
    topic = models.CharField(max_length=TOPIC_MAX_LENGTH, blank=True, default="")
    created_by = user_link("rooms")
    created = models.DateTimeField(db_index=True)
    archived = models.BooleanField(
        default=False,
        help_text="Read-only, and left out of the list of rooms.",
    )
    # Kept by chat.services.post_message in the message's transaction, so the
    # list of rooms sorts by activity without reading the messages: when the
    # newest message was posted (or the room created), and that message's id.
    last_active = models.DateTimeField(editable=False)
    last_message_id = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["-last_active", "-id"], name="chat_room_last_active")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("chat:room", kwargs={"slug": self.slug})

    @property
    def group_name(self):
        """Channel-layer group of the room: ASCII and short whatever the slug."""
        return self.group_for(self.pk)

    @staticmethod
    def group_for(room_id):
        return f"chat.room.{room_id}"


class MessageQuerySet(ModeratedQuerySet):
    def after(self, message_id):
        """Messages that came after ``message_id``, oldest first."""
        return self.filter(id__gt=message_id).order_by("id")

    def before(self, message_id):
        """Messages that came before ``message_id``, newest first."""
        return self.filter(id__lt=message_id).order_by("-id")


class Message(ModeratedContent):
    TEXT_FIELD = "text"
    TEXT_MAX_LENGTH = 2000
    EMPTY_TEXT = "Write something before sending."
    # A client_id names one message per room and sender, guests told apart
    # by display name.
    RETRY_KEY = ("room_id", "author_id", "display_name", "client_id")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    text = models.TextField(max_length=TEXT_MAX_LENGTH)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["room", "id"], name="chat_message_room_id"),
            models.Index(
                fields=["room", "author", "client_id"], name="chat_message_client_id"
            ),
        ]
        constraints = [
            retry_constraint(
                "room_id",
                "author_id",
                "display_name",
                "client_id",
                name="chat_message_unique_retry",
            )
        ]
        permissions = [("hide_message", "Can hide and unhide chat messages")]

    def __str__(self):
        excerpt = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"{self.display_name}: {excerpt}"

    def get_absolute_url(self):
        """The room opened at this message, however old, and scrolled to it."""
        page = reverse("chat:message", kwargs={"slug": self.room.slug, "pk": self.pk})
        return f"{page}#message-{self.pk}"


class MentionQuerySet(models.QuerySet):
    def of(self, user):
        """The mentions of ``user`` in visible messages, newest first."""
        return (
            self.filter(user=user, message__hidden=False)
            .select_related("message__room", "message__author")
            .order_by("-id")
        )


class Mention(models.Model):
    """A member named with ``@username`` in a chat message."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="mentions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_mentions",
    )

    objects = MentionQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "-id"], name="chat_mention_user_newest")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user"], name="chat_mention_once_per_message"
            )
        ]

    def __str__(self):
        return f"@{self.user} in {self.message_id}"


class ReadPointer(models.Model):
    """
    How far a member has read a room: every message up to ``message_id``.

    Moved only forward, by ``chat.services.mark_read``. A member has no
    pointer in a room they never opened, and no unread count there.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="read_pointers"
    )
    message_id = models.BigIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "room"], name="chat_readpointer_one_per_room"
            )
        ]

    def __str__(self):
        return f"{self.user} read {self.room} up to {self.message_id}"
