"""
The chat pages. Both work without JavaScript: the room page's form posts a
message (Post/Redirect/Get) through the same service the WebSocket uses, so
every open room page sees it live.
"""

from collections import Counter

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from chat import presence, services
from chat.forms import MessageForm, RoomForm
from chat.models import Mention, Message, Room
from content.bans import Banned
from content.http import (
    HttpResponseSeeOther,
    client_ip,
    count_form_write,
    form_writer,
    remember_guest_name,
    remembered_guest_name,
    too_many,
)
from content.moderators import can_delete, can_hide, moderates
from content.services import add_to_form, change_checker, may_write
from content.views import search_page

HISTORY = 50
MENTIONS_SHOWN = 100
# Suggestions for an "@" in the composer: how many, from how many recent messages.
MEMBERS_SHOWN = 8
RECENT_AUTHORS_FROM = 200
# Rooms are cheap to create and permanent: a few an hour is plenty for anyone.
ROOM_CREATE_RATE = (5, 3600)
ROOMS_SHOWN = 100

TOO_FAST = "You are sending too fast. Try again in {seconds}; your text is kept below."
TOO_MANY_ROOMS = (
    "You have created several rooms already. Try again in {minutes}; "
    "your title is kept below."
)


def _render_index(request, form, *, status=200):
    visible = Q(messages__hidden=False)
    rooms = list(
        Room.objects.filter(archived=False)
        .annotate(
            last_active=Coalesce(Max("messages__created", filter=visible), "created"),
            message_count=Count("messages", filter=visible),
        )
        .order_by("-last_active", "title")[:ROOMS_SHOWN]
    )
    # Titles need not be unique: rooms that share one show their address too.
    titles = Counter(room.title.casefold() for room in rooms)
    for room in rooms:
        room.title_shared = titles[room.title.casefold()] > 1
    return render(
        request,
        "chat/index.html",
        {"rooms": rooms, "form": form, "can_post": may_write(request.user)},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def index(request):
    if request.method != "POST":
        return _render_index(request, RoomForm())
    if not may_write(request.user):
        return redirect_to_login(request.get_full_path())
    form = RoomForm(request.POST)
    if not form.is_valid():
        return _render_index(request, form, status=400)
    wait = count_form_write(
        request, "chat-room", rate=ROOM_CREATE_RATE, form=form, message=TOO_MANY_ROOMS
    )
    if wait is not None:
        return too_many(_render_index(request, form), wait)
    try:
        room = services.create_room(
            title=form.cleaned_data["title"],
            created_by=request.user,
            address=client_ip(request),
        )
    except Banned as error:
        form.add_error(None, error.message)
        return _render_index(request, form, status=403)
    except ValidationError as error:
        add_to_form(form, error)
        return _render_index(request, form, status=400)
    return HttpResponseSeeOther(room.get_absolute_url())


def _render_room(request, room, form, *, status=200):
    # Moderators see hidden messages too, marked as hidden.
    rows = room.messages.all()
    if not moderates(request.user, Message):
        rows = rows.visible()
    history = list(rows.newest()[:HISTORY])[::-1]
    may_change = change_checker(request.user)
    for message in history:
        message.editable = may_change(message)
    return render(
        request,
        "chat/room.html",
        {
            "room": room,
            "history": history,
            "form": form,
            "can_post": may_write(request.user) and not room.archived,
            "last_id": history[-1].pk if history else 0,
            "edit_window": settings.NETSITE_EDIT_WINDOW,
            "presence": presence.read(room.pk),
            "rights": {
                "hide": can_hide(request.user, Message),
                "delete": can_delete(request.user, Message),
            },
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def room(request, slug):
    room = get_object_or_404(Room, slug=slug)
    if request.method != "POST":
        form = MessageForm(user=request.user, initial=remembered_guest_name(request))
        return _render_room(request, room, form)
    if not may_write(request.user):
        return redirect_to_login(request.get_full_path())
    form = MessageForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_room(request, room, form, status=400)

    wait = count_form_write(
        request, "chat", rate=settings.NETSITE_CHAT_RATE, form=form, message=TOO_FAST
    )
    if wait is not None:
        return too_many(_render_room(request, room, form), wait)

    try:
        services.post_message(
            room=room, text=form.cleaned_data["text"], **form_writer(request, form)
        )
    except Banned as error:
        form.add_error(None, error.message)
        return _render_room(request, room, form, status=403)
    except ValidationError as error:
        add_to_form(form, error)
        return _render_room(request, room, form, status=400)
    remember_guest_name(request, form)
    return HttpResponseSeeOther(room.get_absolute_url())


@require_GET
def members(request, slug):
    """
    Return, as JSON, the usernames an ``@`` in the room's composer may
    complete to: the members present and the room's recent authors, those
    starting with ``?q=`` (any case) first present, then most recent.
    """
    room = get_object_or_404(Room, slug=slug)
    prefix = request.GET.get("q", "").casefold()
    recent = (
        room.messages.visible()
        .filter(author__isnull=False)
        .newest()
        .values_list("author__username", flat=True)[:RECENT_AUTHORS_FROM]
    )
    found = []
    for name in [*presence.read(room.pk)["members"], *recent]:
        if name.casefold().startswith(prefix) and name not in found:
            found.append(name)
            if len(found) == MEMBERS_SHOWN:
                break
    return JsonResponse({"members": found})


@login_required
@require_GET
def mentions(request):
    """The messages that mention the reader, newest first."""
    shown = list(Mention.objects.of(request.user)[:MENTIONS_SHOWN])
    return render(request, "chat/mentions.html", {"mentions": shown})


@require_http_methods(["GET", "HEAD"])
def search(request, slug=None):
    """Search the messages of every room, or of the room ``slug``."""
    room = get_object_or_404(Room, slug=slug) if slug is not None else None
    found = Message.objects.select_related("room")
    # Moderators find hidden messages too, marked as hidden.
    if not moderates(request.user, Message):
        found = found.visible()
    if room is not None:
        found = found.filter(room=room)
    return search_page(
        request, found, template="chat/search.html", context={"room": room}
    )
