"""
What board's and chat's service functions share.

Validation: a service that refuses input raises one kind of error,
``ValidationError({field: ValidationError(message, code=code)})``, whatever the
app. Every interface translates it one way: the forms attach it to the field
(``add_to_form``), the API returns it as field errors, and the chat consumer
sends the first error's code and message in an error frame.

Moderation: each app's services build a ``Moderation`` for their kind of
content (hide, unhide, edit, delete, clear); the admin, the API and the pages
all call it. Each of its actions writes the moderation log (``content.audit``)
in its own transaction, naming the door it came through (``via``), and closes
the open reports of the items it hid or deleted (``content.queue``).

Changing an item: every door that lets a person edit or delete a post or
message calls ``edit_item`` or ``delete_item``, which decide once who may
(``check_change``: its author within ``NETSITE_EDIT_WINDOW`` seconds of
writing it, unless banned; a moderator at any time) and then act through
``Moderation.edit`` / ``delete``. Every edit keeps the replaced text as a
``Revision``; only a moderator's change of someone else's item is logged as
moderation.
"""

import logging
import re
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from content import audit, markup, moderators, names, pages, queue
from content.bans import active_ban, refuse_banned
from content.events import publish_on_commit
from content.models import ModeratedContent, Profile, Revision

# What no stored text may hold: NUL, which PostgreSQL refuses, and lone
# surrogates, which are not characters and cannot be encoded (a JSON "\ud800"
# decodes to one). Names and client ids hold no control characters either.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
logger = logging.getLogger(__name__)
UNSTORABLE_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def invalid(field, message, code="invalid"):
    """Return the ValidationError a service raises for ``field``."""
    return ValidationError({field: ValidationError(message, code=code)})


def first_error(error):
    """Return ``(field, code, message)`` of a service's first error."""
    field, errors = next(iter(error.error_dict.items()))
    return field, errors[0].code, errors[0].messages[0]


def add_to_form(form, error):
    """
    Attach a service's errors to ``form``, each to its field if it shows one
    (a hidden field's errors go to the whole form, where they are seen).
    """
    for field, errors in error.error_dict.items():
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if shown else None, errors)


def may_write(user):
    """Return whether ``user`` may post and chat: members always, guests by setting."""
    return user.is_authenticated or settings.NETSITE_ANONYMOUS_POSTING


def refuse_unstorable(field, value, pattern=UNSTORABLE):
    """Refuse ``value`` if it holds a character that ``pattern`` finds."""
    found = pattern.search(value)
    if found is not None:
        raise invalid(
            field,
            f"Remove the character U+{ord(found.group()):04X}: it cannot be stored.",
            "bad_characters",
        )


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
    refuse_unstorable("client_id", client_id, UNSTORABLE_IN_NAMES)
    return client_id


def clean_display_name(name):
    """Return a guest's display name, spaces folded; ``guest`` when empty."""
    name = " ".join((name or "").split())
    limit = ModeratedContent.NAME_MAX_LENGTH
    if len(name) > limit:
        raise invalid("display_name", f"Keep names to {limit} characters.", "too_long")
    refuse_unstorable("display_name", name, UNSTORABLE_IN_NAMES)
    return name or ModeratedContent.GUEST_NAME


def refuse_reserved_name(name):
    """
    Refuse a guest's ``name`` that would pass for someone else: a member's
    username, a staff word or the system name, in any case or in look-alike
    letters (``content.names``). The default name, ``guest``, is always free.
    """
    if name == ModeratedContent.GUEST_NAME:
        return
    owner = names.owner_of(name)
    if owner == "staff":
        raise invalid(
            "display_name",
            f"“{name}” is reserved for the site and its staff: choose another name.",
            "reserved_name",
        )
    if owner == "member":
        raise invalid(
            "display_name",
            f"“{name}” is a member's name: log in to use it, or choose another.",
            "reserved_name",
        )


def author_and_name(author, display_name):
    """
    Return ``(author, shown name)``: a member's username, or a guest's choice,
    which may not pass for a member or the staff (``refuse_reserved_name``).
    """
    if author is not None and author.is_authenticated:
        return author, shown_name(author)
    name = clean_display_name(display_name)
    refuse_reserved_name(name)
    return None, name


def shown_name(user):
    """Return the name a member's items carry: their display name, if set."""
    limit = ModeratedContent.NAME_MAX_LENGTH
    return Profile.objects.display_name_of(user) or user.get_username()[:limit]


def set_display_name(*, user, display_name, via):
    """
    Set the name ``user`` is shown under (empty: their username), and carry it
    to everything they wrote (``_store_display_name``).

    The name may not pass for the staff, the system or another member (their
    username or display name), in any case or look-alike letters
    (``content.names``); the member's own username is always theirs.
    """
    refuse_banned(user=user)
    name = " ".join((display_name or "").split())
    limit = ModeratedContent.NAME_MAX_LENGTH
    if len(name) > limit:
        raise invalid("display_name", f"Keep names to {limit} characters.", "too_long")
    refuse_unstorable("display_name", name, UNSTORABLE_IN_NAMES)
    if name and names.skeleton(name) != names.skeleton(user.get_username()):
        owner = names.owner_of(name, ignore=user)
        if owner == "staff":
            raise invalid(
                "display_name",
                f"“{name}” is reserved for the site and its staff: choose "
                "another name.",
                "reserved_name",
            )
        if owner == "member":
            raise invalid(
                "display_name",
                f"“{name}” is another member's name, or looks like it: choose "
                "another name.",
                "reserved_name",
            )
    with transaction.atomic():
        profile, _changed = _store_display_name(user, name)
    logger.info("display name of %s set via %s", user.get_username(), via)
    return profile


def may_clear_display_names(user):
    """Return whether ``user`` may clear members' display names (moderators)."""
    return user.is_authenticated and user.has_perm("content.clear_display_name")


def clear_display_name(*, user, by, via, reason=""):
    """
    Take ``user``'s display name away (an offensive or misleading one, say):
    their items and pages show their username again, and the moderation log
    records it. Return whether they had one. ``by`` must be allowed
    (``may_clear_display_names``); a ban does not stop it.
    """
    audit.check_via(via)
    if by is not None and not may_clear_display_names(by):
        raise PermissionDenied("Only moderators clear members' display names.")
    with transaction.atomic():
        _profile, changed = _store_display_name(user, "")
        if changed:
            audit.record(
                action="clear_name",
                by=by,
                via=via,
                targets=[user],
                reason=reason,
                detail=f"was “{changed}”",
            )
    if changed:
        logger.info(
            "display name cleared",
            extra={"member": user.get_username(), "by": audit.actor_name(by)},
        )
    return bool(changed)


def _store_display_name(user, name):
    """
    Store ``name`` (checked) as ``user``'s display name and carry it to
    everything they wrote, one UPDATE per kind of item, so that reading a page
    never looks the name up; in the caller's transaction. Return the profile
    and the name it replaced ("" when nothing changed).
    """
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    old = profile.display_name
    if old == name:
        return profile, ""
    profile.display_name = name
    profile.save(update_fields=["display_name"])
    shown = name or user.get_username()[: ModeratedContent.NAME_MAX_LENGTH]
    for model in apps.get_models():
        if issubclass(model, ModeratedContent):
            model._default_manager.filter(author=user).update(display_name=shown)
            # Cached pages of that part of the site show the old name.
            pages.bump(model._meta.app_label)
    return profile, old


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
    refuse_unstorable(field, text)
    return text


def text_fields(model, text):
    """
    Return the stored fields of a ``model`` item's text: the checked source
    (``clean_text``) under its ``TEXT_FIELD``, and the HTML it renders to
    (``content.markup``) under ``html``. Every write of a text goes through
    here, so the two never disagree.
    """
    text = clean_text(model, text)
    return {model.TEXT_FIELD: text, "html": markup.render(text)}


def set_text(item, text):
    """Check ``text`` and put it, with its rendered HTML, on ``item``."""
    for field, value in text_fields(type(item), text).items():
        setattr(item, field, value)


def _same_text(stored, new):
    field = type(new).TEXT_FIELD
    return getattr(stored, field) == getattr(new, field)


def create_item(
    model,
    *,
    text,
    author,
    display_name,
    client_id,
    shown,
    address=None,
    prepare=None,
    **fields,
):
    """
    Validate and store a new post or message, publish it on commit, and
    return ``(item, created)``.

    ``author`` is a user, or ``None`` for a guest, who may choose
    ``display_name``; ``address`` is where the writer is (a guest's is kept
    with the item, for moderators). A banned writer is refused with
    ``content.bans.Banned``. A ``client_id`` already stored under the model's
    ``RETRY_KEY`` with the same text returns the item stored then, with
    ``created`` false, instead of a second copy: a unique constraint over the
    key guarantees it, even for two copies of one retry racing each other. The
    same key with another text is a new item, stored without the key.
    ``shown(item)`` is the ``(group, event)`` that tells open pages;
    ``fields`` are the model's own (a room); ``prepare(item)``, if given,
    completes the new item just before it is saved, its ``created`` moment
    set.
    """
    refuse_banned(user=author, address=address)
    if author is None or not author.is_authenticated:
        fields["address"] = address or ""
    author, name = author_and_name(author, display_name)
    item = model(
        author=author,
        display_name=name,
        client_id=clean_client_id(client_id),
        **text_fields(model, text),
        **fields,
    )
    try:
        return _store(item, shown, prepare), True
    except IntegrityError:
        # Stored first and looked up only when the unique constraint over the
        # key refuses it: a retry is rare, a new item one query cheaper.
        if item.client_id is None:
            raise  # not the key (a room deleted meanwhile, say)
        existing = model.objects.filter(
            **{key: getattr(item, key) for key in model.RETRY_KEY}
        ).first()
        if existing is None:
            raise
    if _same_text(existing, item):
        return existing, False
    # The key came back with another text: not a retry but a second item
    # written on another copy of the same form (two tabs showing one page
    # the browser revalidated). It is stored, without the key that already
    # names the first.
    item.client_id = None
    return _store(item, shown, prepare), True


def _store(item, shown, prepare):
    """Insert ``item`` in a transaction of its own and tell open pages on commit."""
    with transaction.atomic():
        item.created = timezone.now()
        if prepare is not None:
            prepare(item)
        item.save(force_insert=True)
        publish_on_commit(*shown(item))
    return item


class ChangeRefused(PermissionDenied):
    """
    Raised when a person may not edit or delete an item; ``code`` says why
    (``forbidden``: not theirs or a guest, ``too_late``: the window has
    passed, ``hidden``: a moderator hid it), the message what to do.
    """

    def __init__(self, message, code):
        self.message = message
        self.code = code
        super().__init__(message)


def edit_window():
    """Return how long after writing an author may change their item."""
    return timedelta(seconds=settings.NETSITE_EDIT_WINDOW)


def editable_until(item):
    """Return until when the author may change ``item`` (``None``: never)."""
    if not settings.NETSITE_EDIT_WINDOW:
        return None
    return item.created + edit_window()


def check_change(user, item, *, action):
    """
    Return ``"moderator"`` or ``"author"``: in which right ``user`` may
    ``action`` ("edit" or "delete") ``item``. Raise ``ChangeRefused`` (or
    ``content.bans.Banned``) when they may not.

    Moderators may change anyone's item at any time; a member may change
    their own while it is visible and within ``NETSITE_EDIT_WINDOW``
    seconds of writing it, unless they are banned. Guests have no account
    to prove the item is theirs, so they may not.
    """
    noun = type(item)._meta.verbose_name
    if user is None or not user.is_authenticated:
        raise ChangeRefused(
            f"Log in to {action} your own {noun}s: guests cannot.", "forbidden"
        )
    if moderators.moderates(user, type(item)):
        return "moderator"
    if item.author_id != user.pk:
        raise ChangeRefused(
            f"Only its author or a moderator may {action} this {noun}.", "forbidden"
        )
    refuse_banned(user=user)
    if item.hidden:
        raise ChangeRefused(
            f"A moderator hid this {noun}: it can no longer be changed.", "hidden"
        )
    until = editable_until(item)
    if until is None:
        raise ChangeRefused(
            f"This site does not let authors {action} their {noun}s.", "too_late"
        )
    if timezone.now() > until:
        minutes = settings.NETSITE_EDIT_WINDOW // 60
        window = (
            f"{minutes} minute{'s' if minutes != 1 else ''}"
            if settings.NETSITE_EDIT_WINDOW % 60 == 0
            else f"{settings.NETSITE_EDIT_WINDOW} seconds"
        )
        raise ChangeRefused(
            f"Too late: you may {action} your {noun} for {window} after writing "
            "it. Ask a moderator if it must change.",
            "too_late",
        )
    return "author"


def may_change(user, item, *, action="edit"):
    """Return whether ``user`` may ``action`` ``item`` now (see ``check_change``)."""
    try:
        check_change(user, item, action=action)
    except PermissionDenied:
        return False
    return True


def change_checker(user):
    """
    Return ``may(item)``: whether ``user`` may edit and delete ``item`` now,
    as ``check_change`` decides, for pages that ask it of many items (the
    ban is looked up once, not per item).
    """
    if user is None or not user.is_authenticated:
        return lambda item: False
    moderator = {}
    banned = None

    def may(item):
        nonlocal banned
        model = type(item)
        if model not in moderator:
            moderator[model] = moderators.moderates(user, model)
        if moderator[model]:
            return True
        if item.author_id != user.pk or item.hidden:
            return False
        until = editable_until(item)
        if until is None or timezone.now() > until:
            return False
        if banned is None:
            banned = active_ban(user=user) is not None
        return not banned

    return may


def edit_item(item, *, text, by, via, reason=""):
    """
    Replace the text of ``item`` as ``by`` (its author or a moderator),
    through the door ``via``; return the item. The one edit path of every
    interface: refused with ``ChangeRefused``, ``Banned`` or, for bad text,
    ``ValidationError``.
    """
    check_change(by, item, action="edit")
    moderation = Moderation.of(type(item))
    return moderation.edit(item, text, by=by, via=via, reason=reason)


def delete_item(item, *, by, via, reason=""):
    """Delete ``item`` as ``by`` (its author or a moderator); see ``edit_item``."""
    check_change(by, item, action="delete")
    moderation = Moderation.of(type(item))
    return moderation.delete([item], by=by, via=via, reason=reason)


class Moderation:
    """
    The moderation services of one kind of content: hide, unhide, edit,
    delete and clear, each one transaction that tells open pages on commit
    and writes the moderation log.

    The app says what its pages are told: ``shown(item)`` returns the
    ``(group, event)`` that shows an item (new, edited or unhidden), and
    ``removed(item)`` the one that takes it away (hidden or deleted).
    ``related`` names the relations those two read, fetched with the items.
    The admin and the API call these, as do the app's own pages and the
    review queue, which finds the one of a model with ``Moderation.of``.

    Every action takes ``by`` (the moderator; ``None`` for the site itself),
    ``via`` (the door: one of ``AuditEntry.VIA``) and an optional ``reason``.
    An author editing or deleting their own item is not moderation and is
    not logged.
    """

    _kinds = {}

    def __init__(self, model, *, shown, removed, related=()):
        self.model = model
        self.shown = shown
        self.removed = removed
        self.related = related
        self.logger = logging.getLogger(f"{model._meta.app_label}.services")
        self.noun = model._meta.verbose_name_plural
        Moderation._kinds[model] = self

    @classmethod
    def of(cls, model):
        """Return the moderation services of ``model``."""
        return cls._kinds[model]

    def _rows(self, items):
        return self.model.objects.matching(items).select_related(*self.related)

    def _announce(self, items, event_of):
        for item in items:
            publish_on_commit(*event_of(item))

    def _log(self, action, items, by):
        ids = [item.pk for item in items]
        self.logger.info(f"{self.noun} {action}", extra={"ids": ids, "by": str(by)})

    def _audit(self, action, items, *, by, via, reason):
        if by is not None:
            # An author changing their own item is not moderating it.
            items = [item for item in items if item.author_id != by.pk]
        audit.record(action=action, by=by, via=via, targets=items, reason=reason)

    def hide(self, items, *, by, via, reason=""):
        """Hide the visible ones of ``items``; return how many were hidden."""
        audit.check_via(via)
        with transaction.atomic():
            changed = list(self._rows(items).filter(hidden=False).order_by("id"))
            self.model.objects.matching(changed).update(
                hidden=True, hidden_at=timezone.now(), hidden_by=by
            )
            self._announce(changed, self.removed)
            audit.record(action="hide", by=by, via=via, targets=changed, reason=reason)
            queue.resolve(
                self.model, [item.pk for item in changed], status="hidden", by=by
            )
        self._log("hidden", changed, by)
        return len(changed)

    def unhide(self, items, *, by, via, reason=""):
        """Show hidden ``items`` again; return how many were restored."""
        audit.check_via(via)
        with transaction.atomic():
            changed = list(self._rows(items).filter(hidden=True).order_by("id"))
            self.model.objects.matching(changed).update(
                hidden=False, hidden_at=None, hidden_by=None
            )
            for item in changed:
                item.hidden = False
            self._announce(changed, self.shown)
            audit.record(
                action="unhide", by=by, via=via, targets=changed, reason=reason
            )
        self._log("unhidden", changed, by)
        return len(changed)

    def _set_text(self, item, text):
        """
        Put the cleaned ``text`` on ``item``; return the fields that changed.
        The one place an item's text changes after it was written.
        """
        set_text(item, text)
        return [self.model.TEXT_FIELD, "html"]

    def edit(self, item, text, *, by, via, reason=""):
        """
        Replace an item's text, keeping the old one as a ``Revision``, and
        mark it edited; open pages receive it again, same id. The same text
        again changes nothing. Callers decide who may (``edit_item``).
        """
        audit.check_via(via)
        text = clean_text(self.model, text)
        old = getattr(item, self.model.TEXT_FIELD)
        if text == old:
            return item
        with transaction.atomic():
            now = timezone.now()
            Revision.objects.create(
                item=item,
                text=old,
                created=now,
                edited_by=by if by is not None and by.is_authenticated else None,
                edited_by_name=audit.actor_name(by),
            )
            fields = self._set_text(item, text)
            item.edited_at = now
            item.save(update_fields=[*fields, "edited_at"])
            if not item.hidden:
                self._announce([item], self.shown)
            self._audit("edit", [item], by=by, via=via, reason=reason)
        self._log("edited", [item], by)
        return item

    def delete(self, items, *, by, via, reason=""):
        """Delete ``items`` for good, their revisions too; return how many."""
        audit.check_via(via)
        with transaction.atomic():
            gone = list(self._rows(items).order_by("id"))
            self._audit("delete", gone, by=by, via=via, reason=reason)
            self.model.objects.matching(gone).delete()
            self._announce(gone, self.removed)
            queue.resolve(
                self.model, [item.pk for item in gone], status="deleted", by=by
            )
        self._log("deleted", gone, by)
        return len(gone)

    def clear(self, rows, *, by, via, group, event, target, reason=""):
        """
        Hide every visible one of ``rows``, then send ``event`` to ``group``;
        the log names what was cleared as ``target`` ("the board").
        """
        audit.check_via(via)
        with transaction.atomic():
            count = rows.visible().update(
                hidden=True, hidden_at=timezone.now(), hidden_by=by
            )
            publish_on_commit(group, event)
            audit.record(
                action="clear",
                by=by,
                via=via,
                target=target,
                reason=reason,
                detail=f"hid {count} {self.noun}",
            )
            queue.resolve(
                self.model,
                self.model.objects.filter(hidden=True).values("id"),
                status="hidden",
                by=by,
            )
        extra = {"hidden": count, "by": str(by)}
        self.logger.info(f"{self.noun} cleared", extra=extra)
        return count
