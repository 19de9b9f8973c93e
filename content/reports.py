"""
Reports: anyone may tell the moderators that a post or chat message needs a
look, with a reason.

A report is stored once per reporter and item (a member by account, a guest
by address; unique constraints guarantee it): reporting again returns the
first report. Reporting is rate-limited per reporter (``NETSITE_REPORT_RATE``)
and refused to banned people. Open reports wait in the review queue
(``content.queue``) until a moderator dismisses them, or hides or deletes the
item, which closes them too. With ``NETSITE_REPORT_AUTOHIDE`` = N, an item is
hidden by itself once N different people reported it (logged as ``auto``).
"""

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from content import audit, queue
from content.bans import refuse_banned
from content.models import Report
from content.ratelimit import check_rate
from content.services import Moderation, invalid

logger = logging.getLogger(__name__)


class TooManyReports(Exception):
    """The reporter sent too many reports; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after):
        self.retry_after = retry_after
        super().__init__(
            f"You have sent many reports: try again in {retry_after} seconds."
        )


def clean_reason(reason):
    reason = " ".join((reason or "").split()) if isinstance(reason, str) else None
    if reason is None:
        raise invalid("reason", "Send the reason as text.")
    if not reason:
        raise invalid("reason", "Say what is wrong with it.", "empty")
    if len(reason) > Report.REASON_MAX_LENGTH:
        raise invalid(
            "reason",
            f"Keep reasons to {Report.REASON_MAX_LENGTH} characters.",
            "too_long",
        )
    return reason


def _excerpt(item):
    text = getattr(item, item.TEXT_FIELD)
    limit = Report.EXCERPT_LENGTH
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _earlier(item, reporter, address):
    rows = Report.objects.filter(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
    )
    if reporter is not None:
        return rows.filter(reporter=reporter).first()
    return rows.filter(reporter__isnull=True, reporter_address=address).first()


def report_item(*, item, reason, reporter=None, address=None):
    """
    Report ``item`` (a post or message) for ``reason``; return ``(report,
    created)``. ``reporter`` is a member, or ``None`` for a guest at
    ``address``. A second report of the same item by the same person returns
    the first one. Raise ``Banned``, ``TooManyReports``, or a
    ``ValidationError`` (a bad reason, a hidden or one's own item).
    """
    if reporter is not None and not reporter.is_authenticated:
        reporter = None
    address = (address or "unknown") if reporter is None else ""
    reason = clean_reason(reason)
    refuse_banned(user=reporter, address=address)
    noun = item._meta.verbose_name
    if item.hidden:
        raise invalid("item", f"This {noun} is already hidden.", "hidden")
    if reporter is not None and item.author_id == reporter.pk:
        raise invalid("item", f"You cannot report your own {noun}.", "own")
    earlier = _earlier(item, reporter, address)
    if earlier is not None:
        return earlier, False
    ident = f"user:{reporter.pk}" if reporter is not None else f"ip:{address}"
    wait = check_rate("report", ident, rate=settings.NETSITE_REPORT_RATE)
    if wait is not None:
        raise TooManyReports(wait)
    report = Report(
        item=item,
        reporter=reporter,
        reporter_address=address,
        reason=reason,
        excerpt=_excerpt(item),
        created=timezone.now(),
    )
    try:
        with transaction.atomic():
            report.save(force_insert=True)
            _maybe_hide(item)
            queue.publish_on_commit(new=report)
    except IntegrityError:
        # The same person's report raced this one and won: it is the answer.
        earlier = _earlier(item, reporter, address)
        if earlier is None:
            raise
        return earlier, False
    logger.info("report", extra={"report": report.pk, "item": f"{noun} {item.pk}"})
    return report, True


def _maybe_hide(item):
    threshold = settings.NETSITE_REPORT_AUTOHIDE
    if not threshold:
        return
    reports = Report.objects.open().filter(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
    )
    count = reports.count()
    if count >= threshold:
        Moderation.of(type(item)).hide(
            [item], by=None, via="auto", reason=f"reported by {count} people"
        )


def dismiss_reports(*, model, item_id, by, via, reason=""):
    """
    Close the open reports on the ``model`` item ``item_id`` without acting
    on the item (which may be gone); return how many were closed.
    """
    item = model.objects.filter(pk=item_id).first()
    with transaction.atomic():
        count = queue.resolve(model, [item_id], status="dismissed", by=by)
        if count:
            audit.record(
                action="dismiss",
                by=by,
                via=via,
                targets=[item] if item is not None else (),
                target=None if item else f"{model._meta.verbose_name} {item_id}",
                reason=reason,
                detail=f"{count} report(s)",
            )
    return count
