"""
What board's and chat's service functions share.

Validation: a service that refuses input raises one kind of error,
``ValidationError({field: ValidationError(message, code=code)})``, whatever the
app. Every interface translates it one way: the forms attach it to the field
(``add_to_form``), the API returns it as field errors, and the chat consumer
sends the first error's code and message in an error frame.

Moderation: each app's services declare a ``Moderation`` (hide, unhide, edit,
delete), which the admin and the API call, so both reach the same functions.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from content.models import ModeratedContent


def invalid(field, message, code="invalid"):
    """Return the ValidationError a service raises for ``field``."""
    return ValidationError({field: ValidationError(message, code=code)})


def first_error(error):
    """Return ``(field, code, message)`` of a service's first error."""
    field, errors = next(iter(error.error_dict.items()))
    return field, errors[0].code, errors[0].messages[0]


def add_to_form(form, error):
    """Attach a service's errors to ``form``, each to its field if it has one."""
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def may_write(user):
    """Return whether ``user`` may post and chat: members always, guests by setting."""
    return user.is_authenticated or settings.NETSITE_ANONYMOUS_POSTING


def clean_client_id(client_id):
    """Return a client-chosen id, ``None`` when absent; refuse a bad one."""
    if client_id is None:
        return None
    if isinstance(client_id, str):
        client_id = client_id.strip()
    limit = ModeratedContent.CLIENT_ID_MAX_LENGTH
    if not isinstance(client_id, str) or not 0 < len(client_id) <= limit:
        raise invalid(
            "client_id", f"Use a string of 1 to {limit} characters.", "bad_client_id"
        )
    return client_id


def clean_display_name(name):
    """Return a guest's display name, spaces folded; ``guest`` when empty."""
    name = " ".join((name or "").split())
    limit = ModeratedContent.NAME_MAX_LENGTH
    if len(name) > limit:
        raise invalid("display_name", f"Keep names to {limit} characters.", "too_long")
    return name or ModeratedContent.GUEST_NAME


def author_and_name(author, display_name):
    """Return ``(author, shown name)``: a member's username, or a guest's choice."""
    if author is not None and author.is_authenticated:
        return author, author.get_username()[: ModeratedContent.NAME_MAX_LENGTH]
    return None, clean_display_name(display_name)


def clean_text(model, text):
    """
    Return the trimmed text of a ``model`` item (its ``TEXT_FIELD``); refuse
    it empty (``EMPTY_TEXT`` says so) or over ``TEXT_MAX_LENGTH``.
    """
    field, limit = model.TEXT_FIELD, model.TEXT_MAX_LENGTH
    text = (text or "").strip()
    if not text:
        raise invalid(field, model.EMPTY_TEXT, "empty")
    if len(text) > limit:
        noun = model._meta.verbose_name_plural
        raise invalid(
            field,
            f"Keep {noun} to {limit:,} characters (this one has {len(text):,}).",
            "too_long",
        )
    return text


@dataclass(frozen=True)
class Moderation:
    """An app's moderation services, called alike by the admin and the API."""

    hide: Callable[..., int]  # (items, by) -> how many were hidden
    unhide: Callable[..., int]  # (items, by) -> how many were shown again
    edit: Callable[..., Any]  # (item, text, by) -> the item
    delete: Callable[..., int]  # (items, by) -> how many were deleted
