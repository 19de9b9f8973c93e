from django.conf import settings
from django.db import models
from django.urls import reverse

from content.models import (
    ModeratedContent,
    ModeratedQuerySet,
    retry_constraint,
    user_link,
)


class Room(models.Model):
    TITLE_MAX_LENGTH = 100
    SLUG_MAX_LENGTH = 60

    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    created_by = user_link("rooms")
    created = models.DateTimeField(db_index=True)
    archived = models.BooleanField(
        default=False,
        help_text="Read-only, and left out of the list of rooms.",
    )

    class Meta:
        ordering = ["title"]

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
        return self.room.get_absolute_url() + f"#message-{self.pk}"


class MentionQuerySet(models.QuerySet):
    def of(self, user):
        """The mentions of ``user`` in visible messages, newest first."""
        return (
            self.filter(user=user, message__hidden=False)
            .select_related("message__room")
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
