from django.conf import settings
from django.db import models
from django.urls import reverse


class PostQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def newest(self):
        return self.order_by("-id")

    def before(self, post_id):
        """Keyset page: posts older than ``post_id`` (ids grow with time)."""
        return self.filter(id__lt=post_id)


class Post(models.Model):
    BODY_MAX_LENGTH = 4000
    NAME_MAX_LENGTH = 40
    GUEST_NAME = "guest"

    body = models.TextField(max_length=BODY_MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
        help_text="Empty for a guest's post.",
    )
    display_name = models.CharField(
        max_length=NAME_MAX_LENGTH,
        help_text="The name shown with the post: the username, or the guest's choice.",
    )
    created = models.DateTimeField(db_index=True)
    # NULL, not "", means "no client id": the unique constraint skips NULLs.
    client_id = models.CharField(  # noqa: DJ001
        max_length=64,
        null=True,
        blank=True,
        help_text="Set by API clients so that a retried create is stored once.",
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

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["hidden", "-id"], name="board_post_visible")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="board_post_unique_client_id",
            )
        ]
        permissions = [("hide_post", "Can hide and unhide posts")]

    def __str__(self):
        excerpt = self.body if len(self.body) <= 60 else self.body[:59] + "…"
        return f"{self.display_name}: {excerpt}"

    def get_absolute_url(self):
        return reverse("board:index") + f"#post-{self.pk}"
