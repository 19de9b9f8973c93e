"""
The review queue: open reports, grouped by the item they concern.

The queue's length is the number of items with at least one open report.
Whenever it changes (a new report, reports dismissed, an item hidden or
deleted), the moderators' group hears of it on commit: the ``/ws/moderation/``
socket forwards ``{"type": "reports", "open": N}`` (plus ``report``, for a
new one) to the admin's badge and to moderators' board and chat pages.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Max, Min
from django.urls import reverse
from django.utils import timezone

from content.events import encode_frame, publish, utc_iso
from content.models import Report

MODERATORS_GROUP = "moderators"


def open_count():
    """Return how many items have open reports."""
    return Report.objects.open().values("content_type", "object_id").distinct().count()


def queue_url():
    return reverse("admin:content_report_queue")


def reports_frame(*, new=None):
    """Return the ``reports`` frame: the open count, and ``new`` if one came in."""
    frame = {"type": "reports", "open": open_count(), "queue": queue_url()}
    if new is not None:
        frame["report"] = {
            "kind": new.content_type.model,
            "id": new.object_id,
            "reason": new.reason,
            "excerpt": new.excerpt,
            "created": utc_iso(new.created),
        }
    return frame


def publish_on_commit(*, new=None):
    """Tell moderators the queue changed, once the transaction commits."""

    def send():
        frame = encode_frame(reports_frame(new=new))
        publish(MODERATORS_GROUP, {"type": "moderation.reports", "text": frame})

    transaction.on_commit(send, robust=True)


def resolve(model, ids, *, status, by):
    """
    Close the open reports on the ``model`` items ``ids`` (a list or a
    queryset of ids) as ``status``; tell moderators on commit. Return how many.
    """
    closed = (
        Report.objects.open()
        .filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=ids,
        )
        .update(status=status, resolved_at=timezone.now(), resolved_by=by)
    )
    if closed:
        publish_on_commit()
    return closed


def open_groups(*, limit=50):
    """
    Return the queue's first ``limit`` entries, oldest report first: one dict
    per item with its ``item`` (``None`` if it is gone), ``content_type``,
    ``object_id``, ``count``, ``first`` and ``last`` report times and the
    open ``reports`` themselves, oldest first.
    """
    groups = list(
        Report.objects.open()
        .values("content_type", "object_id")
        .annotate(count=Count("id"), first=Min("created"), last=Max("created"))
        .order_by("first", "object_id")[:limit]
    )
    by_type = {}
    for group in groups:
        by_type.setdefault(group["content_type"], []).append(group["object_id"])
    items = {}
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        related = [f.name for f in model._meta.fields if f.name in ("room", "author")]
        for item in model.objects.filter(pk__in=ids).select_related(*related):
            items[type_id, item.pk] = item
    reports = {}
    wanted = Report.objects.open().select_related("reporter", "content_type")
    for type_id, ids in by_type.items():
        for report in wanted.filter(content_type_id=type_id, object_id__in=ids):
            reports.setdefault((type_id, report.object_id), []).append(report)
    for group in groups:
        key = group["content_type"], group["object_id"]
        group["content_type"] = ContentType.objects.get_for_id(key[0])
        group["item"] = items.get(key)
        group["reports"] = reports.get(key, [])
    return groups
