from django.conf import settings
from django.db import models
from django.urls import reverse


class Room(models.Model):
    TITLE_MAX_LENGTH = 100
    SLUG_MAX_LENGTH = 60

    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rooms",
    )
    created = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("chat:room", kwargs={"slug": self.slug})

    @property
    def group_name(self):
        """Channel-layer group of the room: ASCII and short whatever the slug."""
        return f"chat.room.{self.pk}"


class MessageQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def newest(self):
        return self.order_by("-id")

    def after(self, message_id):
        """Messages that came after ``message_id``, oldest first."""
        return self.filter(id__gt=message_id).order_by("id")


class Message(models.Model):
    TEXT_MAX_LENGTH = 2000
    NAME_MAX_LENGTH = 40
    CLIENT_ID_MAX_LENGTH = 64

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_messages",
        help_text="Empty for a guest's message.",
    )
    display_name = models.CharField(max_length=NAME_MAX_LENGTH)
    text = models.TextField(max_length=TEXT_MAX_LENGTH)
    created = models.DateTimeField(db_index=True)
    # NULL, not "", means "no client id": the unique constraint skips NULLs.
    client_id = models.CharField(  # noqa: DJ001
        max_length=CLIENT_ID_MAX_LENGTH,
        null=True,
        blank=True,
        help_text="Chosen by the sending client so that a retry is stored once.",
    )
    hidden = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["room", "id"], name="chat_message_room_id"),
            models.Index(
                fields=["room", "author", "client_id"], name="chat_message_client_id"
            ),
        ]
        permissions = [("hide_message", "Can hide and unhide chat messages")]

    def __str__(self):
        excerpt = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"{self.display_name}: {excerpt}"
