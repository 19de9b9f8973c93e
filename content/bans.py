"""
Bans: a member, or a guest's address, that may not post, chat, create rooms
or report, permanently or until a moment.

Bans live in the database, so every process sees them at once. The one create
path (``content.services.create_item``), room creation and reporting call
``refuse_banned``; each interface turns its ``Banned`` error into its own
language (a form error, a 403 with code ``banned``, an error frame). Banning
also closes the person's open sockets, in every process, through their
personal group (``content.sockets``). Members are banned by account, guests
by address; an address ban does not stop a member who signs in from it.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_ipv46_address
from django.db import connection, transaction
from django.utils import timezone

from content import audit
from content.events import publish_on_commit
from content.models import Ban
from content.sockets import CLOSE_BANNED, address_group, close_event, user_group

logger = logging.getLogger(__name__)


class Banned(PermissionDenied):
    """Raised for a banned poster; the message says until when, and why."""

    code = "banned"

    def __init__(self, ban):
        self.ban = ban
        until = (
            "until further notice"
            if ban.expires is None
            else "until " + ban.expires.strftime("%Y-%m-%d %H:%M UTC")
        )
        self.message = f"You are banned from posting {until}. Reason: {ban.reason}"
        super().__init__(self.message)


def _member(user):
    return user is not None and user.is_authenticated


# The id of the ban in force (BanQuerySet.active(), newest first), for a
# member and for a guest's address.
_IN_FORCE = (
    "SELECT id FROM content_ban WHERE {who} AND lifted_at IS NULL"
    " AND (expires IS NULL OR expires > %s) ORDER BY created DESC, id DESC LIMIT 1"
)
_MEMBER_IN_FORCE = _IN_FORCE.format(who="user_id = %s")
_ADDRESS_IN_FORCE = _IN_FORCE.format(who="user_id IS NULL AND address = %s")


def active_ban(*, user=None, address=None):
    """Return the ban in force on ``user`` (a member) or else ``address``."""
    if _member(user):
        query, value = _MEMBER_IN_FORCE, user.pk
    elif address:
        query, value = _ADDRESS_IN_FORCE, address
    else:
        return None
    # Asked before every post and chat message: one plain query, which the
    # ORM takes twenty times as long to build; the ban itself is read only
    # for the rare writer who has one.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(query, [value, now])
        row = cursor.fetchone()
    return None if row is None else Ban.objects.get(pk=row[0])


def refuse_banned(*, user=None, address=None):
    """Raise ``Banned`` when ``user``, or a guest at ``address``, is banned."""
    ban = active_ban(user=user, address=address)
    if ban is not None:
        raise Banned(ban)


def _invalid(field, message, code="invalid"):
    return ValidationError({field: ValidationError(message, code=code)})


def _clean_reason(reason):
    reason = " ".join((reason or "").split())
    if not reason:
        raise _invalid("reason", "Say why: the person is shown the reason.", "empty")
    if len(reason) > Ban.REASON_MAX_LENGTH:
        raise _invalid(
            "reason",
            f"Keep reasons to {Ban.REASON_MAX_LENGTH} characters.",
            "too_long",
        )
    return reason


def clean_ban(*, reason, by, user=None, address=None, until=None):
    """
    Check a ban before it is made; return ``(user, address, until, reason)``
    cleaned. Raise ``ValidationError`` naming the field that is wrong. The
    admin's ban form calls this to show errors on the form; ``ban`` calls it
    again.
    """
    if (user is None) == (not address):
        raise _invalid("user", "Ban either a member or a guest address.")
    reason = _clean_reason(reason)
    if until is not None and until <= timezone.now():
        raise _invalid("expires", "Give a moment in the future, or none.", "past")
    if user is not None:
        if user.is_superuser:
            raise _invalid("user", "Superusers cannot be banned.", "forbidden")
        if by is not None and user.pk == by.pk:
            raise _invalid("user", "You cannot ban yourself.", "forbidden")
        return user, "", until, reason
    address = address.strip()
    try:
        validate_ipv46_address(address)
    except ValidationError:
        raise _invalid(
            "address", f"{address!r} is not an IPv4 or IPv6 address."
        ) from None
    return None, address, until, reason


def ban(*, reason, by, via, user=None, address=None, until=None):
    """
    Ban the member ``user`` or the guest ``address`` until ``until`` (``None``:
    until lifted), and close their open sockets on commit. A ban already in
    force on the same person is lifted in favour of this one. Return the ban.
    """
    audit.check_via(via)
    user, address, until, reason = clean_ban(
        reason=reason, by=by, user=user, address=address, until=until
    )
    group = user_group(user.pk) if user is not None else address_group(address)
    now = timezone.now()
    with transaction.atomic():
        earlier = Ban.objects.active(now).filter(user=user, address=address)
        earlier.update(lifted_at=now, lifted_by=by)
        new = Ban.objects.create(
            user=user,
            address=address,
            reason=reason,
            created=now,
            created_by=by,
            expires=until,
        )
        audit.record(
            action="ban",
            by=by,
            via=via,
            targets=[user] if user is not None else (),
            target=None if user is not None else f"guest address {address}",
            reason=reason,
            detail="permanent" if until is None else f"until {until.isoformat()}",
        )
        publish_on_commit(group, close_event(CLOSE_BANNED))
    logger.info("ban", extra={"ban": new.pk, "by": audit.actor_name(by)})
    return new


def lift_ban(*, ban, by, via, reason=""):
    """Lift ``ban`` now; return whether it was still in force."""
    audit.check_via(via)
    with transaction.atomic():
        lifted = (
            Ban.objects.active()
            .filter(pk=ban.pk)
            .update(lifted_at=timezone.now(), lifted_by=by)
        )
        if lifted:
            audit.record(
                action="lift",
                by=by,
                via=via,
                targets=[ban.user] if ban.user_id is not None else (),
                target=None if ban.user_id else f"guest address {ban.address}",
                reason=reason,
            )
    ban.refresh_from_db()
    if lifted:
        logger.info("ban lifted", extra={"ban": ban.pk, "by": audit.actor_name(by)})
    return bool(lifted)
