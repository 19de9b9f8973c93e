"""Template tags of moderation: the open-report badge and item controls."""

from django import template

from content import queue
from content.moderators import can_delete, can_hide, reviews_reports

register = template.Library()


@register.inclusion_tag("content/_report_badge.html", takes_context=True)
def report_badge(context):
    """The live count of open reports, for those who work the queue."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not reviews_reports(user):
        return {"show": False}
    return {"show": True, "open": queue.open_count(), "queue": queue.queue_url()}


@register.simple_tag(takes_context=True)
def moderation_rights(context, model_item):
    """Return ``{"hide": bool, "delete": bool}`` of the user over an item's kind."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {"hide": False, "delete": False}
    model = type(model_item)
    return {"hide": can_hide(user, model), "delete": can_delete(user, model)}
