from django.db import models
from django.urls import reverse

from content.models import ModeratedContent, ModeratedQuerySet, retry_constraint


class PostQuerySet(ModeratedQuerySet):
    def before(self, post_id):
        """Keyset page: posts older than ``post_id`` (ids grow with time)."""
        return self.filter(id__lt=post_id)


class Post(ModeratedContent):
    BODY_MAX_LENGTH = 4000
    TEXT_FIELD = "body"
    TEXT_MAX_LENGTH = BODY_MAX_LENGTH
    EMPTY_TEXT = "Write something before posting."
    # A client_id names one post per member; guests share one key space (the
    # board form's keys are random).
    RETRY_KEY = ("author_id", "client_id")

    body = models.TextField(max_length=BODY_MAX_LENGTH)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["hidden", "-id"], name="board_post_visible")]
        constraints = [
            retry_constraint("author_id", "client_id", name="board_post_unique_retry")
        ]
        permissions = [("hide_post", "Can hide and unhide posts")]

    def __str__(self):
        excerpt = self.body if len(self.body) <= 60 else self.body[:59] + "…"
        return f"{self.display_name}: {excerpt}"

    def get_absolute_url(self):
        return reverse("board:index") + f"#post-{self.pk}"
