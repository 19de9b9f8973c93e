from django.db import models
from django.db.models import Q
from django.urls import reverse

from content.models import ModeratedContent, ModeratedQuerySet, retry_constraint

TITLE_LENGTH_FROM_BODY = 80


def title_from_body(body):
    """
    Return a title made of a body: its first line, at most 80 characters (a
    longer one is cut to 79 and an ellipsis).
    """
    line = body.replace("\r", "").split("\n", 1)[0].strip(" ")
    if len(line) > TITLE_LENGTH_FROM_BODY:
        return line[: TITLE_LENGTH_FROM_BODY - 1] + "…"
    return line


class PostQuerySet(ModeratedQuerySet):
    def before(self, post_id):
        """Keyset page: posts older than ``post_id`` (ids grow with time)."""
        return self.filter(id__lt=post_id)

    def topics(self):
        """Topic starters, most recently active first."""
        return self.filter(topic__isnull=True).order_by("-last_activity", "-id")

    def active_before(self, last_activity, post_id):
        """Keyset page of ``topics()``: those after ``(last_activity, post_id)``."""
        # The bare ``<=`` lets the database seek to the position in the index
        # instead of scanning to it.
        return self.filter(last_activity__lte=last_activity).filter(
            Q(last_activity__lt=last_activity) | Q(id__lt=post_id)
        )

    def replies_to(self, topic_id):
        """The replies of a topic, oldest first."""
        return self.filter(topic_id=topic_id).order_by("id")


class Post(ModeratedContent):
    BODY_MAX_LENGTH = 4000
    TEXT_FIELD = "body"
    TEXT_MAX_LENGTH = BODY_MAX_LENGTH
    EMPTY_TEXT = "Write something before posting."
    # A client_id names one post per member; guests share one key space (the
    # board form's keys are random).
    RETRY_KEY = ("author_id", "client_id")

    TITLE_MAX_LENGTH = 120

    body = models.TextField(max_length=BODY_MAX_LENGTH)
    # A post starts a topic (``topic`` empty) or replies to one. A starter
    # carries the topic's title and, kept up to date by each reply in the same
    # transaction, its activity: the board lists topics from this row alone.
    topic = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        db_index=False,  # board_post_topic below leads with it
        help_text="The topic this post replies to; empty for a topic's first post.",
    )
    title = models.CharField(
        max_length=TITLE_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        help_text="The topic's title; empty for a reply.",
    )
    last_activity = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A topic's latest visible post's time; empty for a reply.",
    )
    reply_count = models.PositiveIntegerField(
        default=0, db_default=0, help_text="A topic's visible replies."
    )
    last_poster = models.CharField(
        max_length=ModeratedContent.NAME_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        help_text="Who wrote a topic's latest visible post.",
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["hidden", "-id"], name="board_post_visible"),
            models.Index(
                fields=["-last_activity", "-id"],
                condition=Q(topic__isnull=True),
                name="board_topic_activity",
            ),
            # Replies only: a topics query ("topic IS NULL") must find no
            # use for it, or SQLite's planner takes it over the one above
            # and sorts every topic.
            models.Index(
                fields=["topic", "id"],
                condition=Q(topic__isnull=False),
                name="board_post_topic",
            ),
        ]
        constraints = [
            retry_constraint("author_id", "client_id", name="board_post_unique_retry")
        ]
        permissions = [("hide_post", "Can hide and unhide posts")]

    def __str__(self):
        excerpt = self.body if len(self.body) <= 60 else self.body[:59] + "…"
        return f"{self.display_name}: {excerpt}"

    def get_absolute_url(self):
        return reverse("board:post", args=[self.pk])

    def get_own_urls(self):
        """The pages that go with this post when it is deleted: a topic's
        first post takes its topic's page."""
        return [reverse("board:topic", args=[self.pk])] if self.is_topic else []

    def get_parent_url(self):
        """The page this post is shown on that outlives it: its topic's, or
        the board for a topic's first post."""
        if self.topic_id is None:
            return reverse("board:index")
        return reverse("board:topic", args=[self.topic_id])

    @property
    def is_topic(self):
        return self.topic_id is None

    @property
    def topic_id_or_own(self):
        """The id of the topic this post belongs to (its own, for a starter)."""
        return self.pk if self.topic_id is None else self.topic_id
