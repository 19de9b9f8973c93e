"""
Query parameters of the list endpoints.

django-filter validates each parameter with a form field, so a malformed
value (``?since=yesterday``, ``?after=abc``, ``?ordering=body``) is a 400
naming the parameter, never a 500 and never silently ignored. ``ordering``
is validated here and applied by the cursor paginator, which must know the
order to build its cursors.
"""

import django_filters as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from django import forms

from board.models import Post
from chat.models import Message, Room
from content import search
from content.forms import SearchField
from content.models import AuditEntry, Ban

SEARCH_MAX_LENGTH = 200
USERNAME_MAX_LENGTH = 150
ID_MAX = 2**63 - 1


def documented(filter_class, schema, **kwargs):
    """
    Return ``filter_class(**kwargs)``, documented with ``schema`` and its label.

    drf-spectacular takes an overridden parameter schema as it is, description
    included, so the label goes into it here.
    """
    schema = {**schema, "description": kwargs["label"]}
    subclass = type(filter_class.__name__, (filter_class,), {})
    return extend_schema_field(schema)(subclass)(**kwargs)


class FilterBackend(DjangoFilterBackend):
    """
    django-filter's backend, which leaves the query alone when the request
    names none of the view's parameters (a filter given no value filters
    nothing) instead of building and validating the whole filter form.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or filterset_class.base_filters.keys().isdisjoint(
            request.query_params
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class IdFilter(filters.Filter):
    """A whole, non-negative id (``NumberFilter`` would accept ``1.5``)."""

    field_class = forms.IntegerField


def ordering_filter(choices, help_text):
    """A validated ``?ordering=`` that leaves the ordering to the paginator."""
    return filters.ChoiceFilter(
        choices=[(value, value) for value in choices],
        method=lambda queryset, name, value: queryset,
        label=help_text,
    )


def author_filter():
    return documented(
        filters.CharFilter,
        {"type": "string", "maxLength": USERNAME_MAX_LENGTH},
        field_name="author__username",
        max_length=USERNAME_MAX_LENGTH,
        label="Only items by the user with this username.",
    )


def since_filter():
    return filters.IsoDateTimeFilter(
        field_name="created",
        lookup_expr="gte",
        label="Only items created at or after this ISO 8601 time, "
        "e.g. 2026-01-31T12:00:00Z.",
    )


def search_filter(field, what):
    return documented(
        filters.CharFilter,
        {"type": "string", "maxLength": SEARCH_MAX_LENGTH},
        field_name=field,
        lookup_expr="icontains",
        max_length=SEARCH_MAX_LENGTH,
        label=f"Only items whose {what} contains this text (case-insensitive).",
    )


class FullTextFilter(filters.CharFilter):
    field_class = SearchField


def fulltext_filter(what):
    return documented(
        FullTextFilter,
        {"type": "string", "maxLength": search.QUERY_MAX_LENGTH},
        method=lambda queryset, name, value: search.matching(queryset, value),
        label=f"Full-text search: only {what} that contain every word of this "
        f"text, as whole words, in any case (at most {search.WORDS_MAX} words). "
        "Quotes, * and other operators are ordinary characters.",
    )


class PostFilter(filters.FilterSet):
    q = fulltext_filter("posts")
    author = author_filter()
    topic = documented(
        IdFilter,
        {"type": "integer", "minimum": 0, "maximum": ID_MAX},
        min_value=0,
        max_value=ID_MAX,
        field_name="topic_id",
        label="Only the replies to the topic with this id.",
    )
    since = since_filter()
    search = search_filter("body", "body")
    ordering = ordering_filter(
        ["-id", "id"], "-id: newest first (default); id: oldest first."
    )

    class Meta:
        model = Post
        fields = []


class TopicFilter(filters.FilterSet):
    author = author_filter()
    since = since_filter()
    search = search_filter("title", "title")

    class Meta:
        model = Post
        fields = []


class MessageFilter(filters.FilterSet):
    q = fulltext_filter("messages")
    author = author_filter()
    since = since_filter()
    search = search_filter("text", "text")
    after = documented(
        IdFilter,
        {"type": "integer", "minimum": 0, "maximum": ID_MAX},
        min_value=0,
        max_value=ID_MAX,
        field_name="id",
        lookup_expr="gt",
        label="Only messages that came after the message with this id, oldest "
        "first: the catch-up call of a reconnecting client.",
    )
    ordering = ordering_filter(
        ["-id", "id"],
        "-id: newest first (default without after); id: oldest first "
        "(always with after).",
    )

    class Meta:
        model = Message
        fields = []


class RoomFilter(filters.FilterSet):
    search = search_filter("title", "title")
    ordering = ordering_filter(
        ["title", "-title", "-created", "created", "-last_active"],
        "title (default), -title, -created (newest first), created or "
        "-last_active (most recently active first).",
    )

    class Meta:
        model = Room
        fields = []


class BanFilter(filters.FilterSet):
    in_force = filters.BooleanFilter(
        method="filter_in_force", label="Only bans in force (true) or over (false)."
    )

    class Meta:
        model = Ban
        fields = []

    def filter_in_force(self, queryset, name, value):
        active = Ban.objects.active().values("id")
        return (
            queryset.filter(id__in=active) if value else queryset.exclude(id__in=active)
        )


class AuditFilter(filters.FilterSet):
    action = filters.ChoiceFilter(choices=AuditEntry.ACTIONS, label="Only this action.")
    via = filters.ChoiceFilter(choices=AuditEntry.VIA, label="Only through this door.")
    actor = filters.CharFilter(
        field_name="actor_name",
        max_length=USERNAME_MAX_LENGTH,
        label="Only by this name.",
    )

    class Meta:
        model = AuditEntry
        fields = []
