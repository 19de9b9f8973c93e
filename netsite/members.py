"""
A member's page: who they are and what they wrote lately, on the board and
in chat, newest first, with "older" links that page by id (no OFFSET).
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from board.models import Post
from chat.models import Message
from content.http import BadRequest, HttpResponseSeeOther
from content.models import AuditEntry, Profile
from content.moderators import moderates
from content.services import clear_display_name, may_clear_display_names

PAGE_SIZE = 20
ID_MAX_DIGITS = 18


def member_or_404(username):
    """The active member called ``username``, else 404."""
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        raise Http404("No member has this name.") from None


def recent(queryset, before):
    """A page of ``queryset`` newest first, below id ``before``; and the
    id to ask for the next one, if there is one."""
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    page = list(queryset.order_by("-pk")[: PAGE_SIZE + 1])
    older = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    return page[:PAGE_SIZE], older


def before_id(request, name):
    raw = request.GET.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > ID_MAX_DIGITS:
        raise BadRequest(
            f"The ‘{name}’ parameter must be an item number, e.g. ?{name}=120."
        )
    return int(raw)


def is_moderator(user):
    """Moderators hide and delete posts and messages (content.moderators)."""
    return moderates(user, Post) or moderates(user, Message)


@require_safe
def member(request, username):
    user = member_or_404(username)
    posts, older_posts = recent(
        Post.objects.visible().filter(author=user), before_id(request, "posts_before")
    )
    messages, older_messages = recent(
        Message.objects.visible().filter(author=user).select_related("room"),
        before_id(request, "messages_before"),
    )
    return render(
        request,
        "netsite/member.html",
        {
            "member": user,
            "display_name": Profile.objects.display_name_of(user),
            "moderator": is_moderator(user),
            "may_clear_name": may_clear_display_names(request.user),
            "reason_max_length": AuditEntry.REASON_MAX_LENGTH,
            "posts": posts,
            "older_posts": older_posts,
            "chat_messages": messages,
            "older_messages": older_messages,
        },
    )


@require_POST
def clear_name(request, username):
    """A moderator takes the member's display name away; their username shows."""
    if not may_clear_display_names(request.user):
        raise PermissionDenied("Only moderators clear members' display names.")
    user = member_or_404(username)
    reason = request.POST.get("reason", "")[: AuditEntry.REASON_MAX_LENGTH]
    if clear_display_name(user=user, by=request.user, via="member", reason=reason):
        messages.success(request, "Cleared the display name: the username shows now.")
    else:
        messages.info(request, "Nothing to do: this member has no display name.")
    return HttpResponseSeeOther(reverse("member", args=[user.get_username()]))
