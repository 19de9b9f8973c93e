"""
What board posts and chat messages have in common.

Both are short texts by a user, or by a guest under a display name; both may
carry a client-chosen id so that a retried write is stored once; and both are
moderated the same way: hidden rather than deleted, with who and when kept.

Moderation itself is recorded here too, for both kinds: reports that people
file against an item, bans of members and guest addresses, and the audit log
of every moderation action (``AuditEntry``). Reports and log entries name
their item through contenttypes, as this package knows no app's models.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone


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
    # The text rendered as formatted (content.markup), stored when it is
    # written so that reading never renders again; the text stays the source.
    html = models.TextField(
        blank=True,
        default="",
        db_default="",
        editable=False,
        help_text="The text as shown: rendered from its Markdown when written.",
    )
    hidden = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = user_link("+")
    # Kept for guests only, so that a moderator can ban the address.
    address = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text="A guest's address, for moderators.",
    )
    edited_at = models.DateTimeField(
        null=True, blank=True, help_text="When the text was last changed."
    )
    # An item's earlier texts, deleted with it (``Revision``).
    revisions = GenericRelation("content.Revision")

    class Meta:
        abstract = True

    @property
    def author_username(self):
        """The author's username (their page's address), or None for a guest."""
        return self.author.get_username() if self.author_id else None


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


class RevisionQuerySet(models.QuerySet):
    def of(self, item):
        """The earlier texts of ``item``, newest first."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(item)),
            object_id=item.pk,
        ).order_by("-created", "-id")


class Revision(models.Model):
    """
    An earlier text of a post or chat message, kept when it was edited (by
    its author or a moderator), for moderators to read.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    text = models.TextField(help_text="The text as it read before this edit.")
    created = models.DateTimeField(help_text="When it was replaced.")
    edited_by = user_link("+", help_text="Who replaced it.")
    edited_by_name = models.CharField(
        max_length=150, help_text="Kept when the account is deleted."
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id"], name="content_revision_item"
            )
        ]

    def __str__(self):
        return f"Revision of {self.content_type.name} {self.object_id}"


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Report.OPEN)

    def of(self, model, ids):
        """Reports on the items of ``model`` whose ids are ``ids``."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=list(ids),
        )


class Report(models.Model):
    """One person's report of a post or chat message, with their reason."""

    REASON_MAX_LENGTH = 500
    EXCERPT_LENGTH = 200

    OPEN = "open"
    STATUSES = [
        (OPEN, "open"),
        ("dismissed", "dismissed"),
        ("hidden", "item hidden"),
        ("deleted", "item deleted"),
    ]

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    # A member's reports go with their account; a guest is known by address.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
        help_text="Empty for a guest.",
    )
    reporter_address = models.CharField(
        max_length=64, blank=True, help_text="A guest's address."
    )
    reason = models.CharField(max_length=REASON_MAX_LENGTH)
    excerpt = models.CharField(
        max_length=EXCERPT_LENGTH,
        help_text="The item's text when it was reported.",
    )
    created = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=STATUSES, default=OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = user_link("+")

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id"], name="content_report_item"
            ),
            models.Index(fields=["status", "created"], name="content_report_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reporter"],
                condition=Q(reporter__isnull=False),
                name="content_report_once_per_member",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reporter_address"],
                condition=Q(reporter__isnull=True),
                name="content_report_once_per_guest",
            ),
        ]

    def __str__(self):
        return f"Report of {self.content_type.name} {self.object_id}: {self.reason}"

    @property
    def reporter_name(self):
        if self.reporter_id is not None:
            return self.reporter.get_username()
        return f"guest at {self.reporter_address}"


class BanQuerySet(models.QuerySet):
    def active(self, now=None):
        """Bans in force at ``now``: not lifted, and permanent or not yet over."""
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(
            Q(expires__isnull=True) | Q(expires__gt=now)
        )


class Ban(models.Model):
    """A member, or a guest address, that may not post, chat or report."""

    REASON_MAX_LENGTH = 500

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="bans",
        help_text="The banned member; empty for a guest address.",
    )
    address = models.CharField(
        max_length=64, blank=True, help_text="The banned guest address."
    )
    reason = models.CharField(max_length=REASON_MAX_LENGTH)
    created = models.DateTimeField(db_index=True)
    created_by = user_link("+")
    expires = models.DateTimeField(
        null=True, blank=True, help_text="Empty: until lifted."
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = user_link("+")

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["user", "lifted_at"], name="content_ban_user"),
            models.Index(fields=["address", "lifted_at"], name="content_ban_address"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(address=""))
                | (Q(user__isnull=True) & ~Q(address="")),
                name="content_ban_user_or_address",
            )
        ]

    def __str__(self):
        return f"Ban of {self.target}"

    @property
    def target(self):
        if self.user_id is not None:
            return self.user.get_username()
        return f"guest address {self.address}"

    def in_force(self, now=None):
        now = now or timezone.now()
        return self.lifted_at is None and (self.expires is None or self.expires > now)


class AuditEntry(models.Model):
    """One moderation action: who did what to which item, when, why and where."""

    ACTIONS = [
        ("hide", "hide"),
        ("unhide", "unhide"),
        ("edit", "edit"),
        ("delete", "delete"),
        ("clear", "clear"),
        ("dismiss", "dismiss reports"),
        ("ban", "ban"),
        ("lift", "lift ban"),
        ("archive", "archive room"),
        ("unarchive", "unarchive room"),
        ("delete_room", "delete room"),
        ("prune", "prune"),
        ("add_moderator", "make moderator"),
        ("remove_moderator", "unmake moderator"),
        ("clear_name", "clear display name"),
    ]
    # The door the action came through.
    VIA = [
        ("admin", "admin"),
        ("board", "board page"),
        ("chat", "chat page"),
        ("api", "REST API"),
        ("member", "member page"),
        ("command", "manage.py"),
        ("auto", "automatic"),
    ]
    TARGET_LENGTH = 200

    created = models.DateTimeField(db_index=True)
    actor = user_link("+")
    actor_name = models.CharField(
        max_length=150, help_text="Kept when the account is deleted."
    )
    action = models.CharField(max_length=16, choices=ACTIONS)
    via = models.CharField(max_length=16, choices=VIA)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL
    )
    object_id = models.CharField(max_length=64, blank=True)
    target = models.CharField(
        max_length=TARGET_LENGTH, help_text="What was acted on, as it read then."
    )
    REASON_MAX_LENGTH = 500
    reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "moderation log entry"
        verbose_name_plural = "moderation log"

    def __str__(self):
        return f"{self.actor_name} {self.get_action_display()} {self.target}"


class PageVersion(models.Model):
    """
    How many times what the cached pages of a part of the site show (the
    board: content.pages) has changed. The services move it in the same
    transaction as the write, so every process, management commands
    included, sees a write and its version together.
    """

    group = models.CharField(max_length=100, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.group} v{self.version}"


class ProfileQuerySet(models.QuerySet):
    def display_name_of(self, user):
        """Return ``user``'s display name, or "" when they show their username."""
        return (
            self.filter(user=user).values_list("display_name", flat=True).first() or ""
        )


class Profile(models.Model):
    """
    What a member chooses to show of themselves: a display name instead of
    their username. Written only by ``content.services.set_display_name``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(
        max_length=ModeratedContent.NAME_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Shown instead of the username; empty to show the username.",
    )

    objects = ProfileQuerySet.as_manager()

    class Meta:
        # Moderators take an offensive display name away; they never write one.
        permissions = [("clear_display_name", "Can clear a member's display name")]

    def __str__(self):
        return self.display_name or self.user.get_username()
