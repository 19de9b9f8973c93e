"""
What board posts and chat messages have in common.

Both are short texts by a user, or by a guest under a display name; both may
carry a client-chosen id so that a retried write is stored once; and both are
moderated the same way: hidden rather than deleted, with who and when kept.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce


class ModeratedQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def newest(self):
        return self.order_by("-id")

    def matching(self, items):
        """Filter to ``items``: a queryset, or a list of objects or of ids."""
        return self.filter(id__in=[getattr(item, "pk", item) for item in items])


def user_link(related_name, **options):
    """A link to a user that may be empty, and empties when the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
        **options,
    )


class ModeratedContent(models.Model):
    # Each kind names its text field, its length limit and what an empty
    # one is told (content.services.clean_text).
    TEXT_FIELD = None
    TEXT_MAX_LENGTH = None
    EMPTY_TEXT = None
    # The fields under which a write with a client_id is stored once
    # (content.services.create_item); ``retry_constraint`` makes it a
    # database guarantee.
    RETRY_KEY = ()
    NAME_MAX_LENGTH = 40
    CLIENT_ID_MAX_LENGTH = 64
    GUEST_NAME = "guest"

    author = user_link("%(app_label)s_%(class)ss", help_text="Empty for a guest.")
    display_name = models.CharField(
        max_length=NAME_MAX_LENGTH,
        help_text="The name shown: the username, or the guest's choice.",
    )
    created = models.DateTimeField(db_index=True)
    # NULL, not "", means "no client id": the retry constraint skips NULLs.
    client_id = models.CharField(  # noqa: DJ001
        max_length=CLIENT_ID_MAX_LENGTH,
        null=True,
        blank=True,
        help_text="Chosen by the writing client so that a retry is stored once.",
    )
    hidden = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = user_link("+")

    class Meta:
        abstract = True


def retry_constraint(*fields, name):
    """
    Return the unique constraint that stores a write with a client id once.

    ``fields`` are a model's ``RETRY_KEY`` (``author_id`` among them). A guest's
    author is NULL, and NULLs never clash in a unique index, so the author
    counts as 0 there: guests share one key space, told apart by the other
    fields. Rows without a client id are left out.
    """
    expressions = [
        Coalesce("author", models.Value(0)) if field == "author_id" else field
        for field in fields
    ]
    return models.UniqueConstraint(
        *expressions, condition=models.Q(client_id__isnull=False), name=name
    )
