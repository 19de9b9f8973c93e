"""
The moderation log: one ``AuditEntry`` per action on one target.

The moderation services call ``record`` inside their own transaction, so an
action and its entry are stored together or not at all, and no interface
(admin, site pages, API, chat, commands) can act without leaving one. Each
entry names who acted (``None``: the site itself, e.g. an automatic hide),
through which door (``via``), on what, and why.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from content.models import AuditEntry

SYSTEM = "system"


def describe(obj):
    """Return how the log names ``obj``: its kind, id and text as it reads now."""
    text = f"{obj._meta.verbose_name} {obj.pk}: {obj}"
    limit = AuditEntry.TARGET_LENGTH
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_via(via):
    """Refuse a door the log does not know (a programming error, not input)."""
    known = {key for key, _ in AuditEntry.VIA}
    if via not in known:
        raise ValueError(f"via={via!r}: use one of {', '.join(sorted(known))}.")
    return via


def actor_name(by):
    if by is None or not by.is_authenticated:
        return SYSTEM
    return by.get_username()


def record(*, action, by, via, targets=(), target=None, reason="", detail=""):
    """
    Log ``action`` by ``by`` through ``via``: one entry per object of
    ``targets``, or one entry for ``target``, a description of what was
    acted on when it is no single object ("the board", "42 hidden posts").
    Return the entries.
    """
    check_via(via)
    now = timezone.now()
    common = {
        "created": now,
        "actor": by if by is not None and by.is_authenticated else None,
        "actor_name": actor_name(by),
        "action": action,
        "via": via,
        "reason": (reason or "")[: AuditEntry.REASON_MAX_LENGTH],
        "detail": (detail or "")[:200],
    }
    entries = [
        AuditEntry(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=str(obj.pk),
            target=describe(obj),
            **common,
        )
        for obj in targets
    ]
    if target is not None:
        entries.append(AuditEntry(target=target[: AuditEntry.TARGET_LENGTH], **common))
    return AuditEntry.objects.bulk_create(entries)
