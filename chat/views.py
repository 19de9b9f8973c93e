"""
The chat pages. Both work without JavaScript: the room page's form posts a
message (Post/Redirect/Get) through the same service the WebSocket uses, so
every open room page sees it live.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from chat import services
from chat.forms import MessageForm, RoomForm
from chat.models import Room
from content.http import client_ip
from content.ratelimit import check_rate

HISTORY = 50
# Rooms are cheap to create and permanent: a few an hour is plenty for anyone.
ROOM_CREATE_RATE = (5, 3600)
GUEST_NAME_KEY = "chat_guest_name"
ROOMS_SHOWN = 100


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def _can_post(user):
    return user.is_authenticated or settings.NETSITE_ANONYMOUS_POSTING


def _ident(request):
    """Whom a rate limit counts: the user, or a guest's address."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request)}"


def _add_errors(form, error):
    """Attach a service's ValidationError to the form field it concerns."""
    field = "text" if "text" in form.fields else None
    if getattr(error, "code", None) not in ("empty", "too_long"):
        field = None
    for message in error.messages:
        form.add_error(field, message)


def _render_index(request, form, *, status=200):
    visible = Q(messages__hidden=False)
    rooms = Room.objects.annotate(
        last_active=Coalesce(Max("messages__created", filter=visible), "created"),
        message_count=Count("messages", filter=visible),
    ).order_by("-last_active", "title")[:ROOMS_SHOWN]
    return render(
        request,
        "chat/index.html",
        {"rooms": rooms, "form": form, "can_post": _can_post(request.user)},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def index(request):
    if request.method != "POST":
        return _render_index(request, RoomForm())
    if not _can_post(request.user):
        return redirect_to_login(request.get_full_path())
    form = RoomForm(request.POST)
    if not form.is_valid():
        return _render_index(request, form, status=400)
    retry_after = check_rate("chat-room", _ident(request), rate=ROOM_CREATE_RATE)
    if retry_after is not None:
        form.add_error(
            None,
            f"You have created several rooms already. Try again in "
            f"{retry_after // 60 + 1} minutes; your title is kept below.",
        )
        response = _render_index(request, form, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    try:
        room = services.create_room(
            title=form.cleaned_data["title"], created_by=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error("title", message)
        return _render_index(request, form, status=400)
    return HttpResponseSeeOther(room.get_absolute_url())


def _render_room(request, room, form, *, status=200):
    history = list(room.messages.visible().newest()[:HISTORY])[::-1]
    return render(
        request,
        "chat/room.html",
        {
            "room": room,
            "history": history,
            "form": form,
            "can_post": _can_post(request.user),
            "last_id": history[-1].pk if history else 0,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def room(request, slug):
    room = get_object_or_404(Room, slug=slug)
    if request.method != "POST":
        initial = {"display_name": request.session.get(GUEST_NAME_KEY, "")}
        form = MessageForm(user=request.user, initial=initial)
        return _render_room(request, room, form)
    if not _can_post(request.user):
        return redirect_to_login(request.get_full_path())
    form = MessageForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_room(request, room, form, status=400)

    retry_after = check_rate("chat", _ident(request), rate=settings.NETSITE_CHAT_RATE)
    if retry_after is not None:
        form.add_error(
            None,
            f"You are sending too fast. Try again in {retry_after} seconds; "
            "your text is kept below.",
        )
        response = _render_room(request, room, form, status=429)
        response["Retry-After"] = str(retry_after)
        return response

    try:
        services.post_message(
            room=room,
            text=form.cleaned_data["text"],
            author=request.user,
            display_name=form.cleaned_data.get("display_name"),
        )
    except ValidationError as error:
        _add_errors(form, error)
        return _render_room(request, room, form, status=400)
    if "display_name" in form.cleaned_data:
        # A guest need not type their name again after each message.
        request.session[GUEST_NAME_KEY] = form.cleaned_data["display_name"]
    return HttpResponseSeeOther(room.get_absolute_url())
