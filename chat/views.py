"""
The chat pages. All work without JavaScript: the room page's form posts a
message (Post/Redirect/Get) through the same service the WebSocket uses, so
every open room page sees it live, and "Older" and "Newer" links page through
the history.

History pages by keyset, never by OFFSET: ``?before=<id>`` is the page of
messages just before a message, ``?after=<id>`` the page just after it, and
``/chat/<room>/m/<id>/`` the page around one message. Each costs one indexed
read (two around a message), however deep. ``history/`` serves the same
pages as a fragment of the log for the room page's script.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from chat import presence, services
from chat.forms import MessageForm, RoomForm, TopicForm
from chat.models import Mention, Message, ReadPointer, Room
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
        .with_unread(request.user)
        .annotate(message_count=Count("messages", filter=visible))
        .by_activity()[:ROOMS_SHOWN]
    )
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
            topic=form.cleaned_data["topic"],
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


def _parse_id(request, name):
    """Return the id in the query's ``name``, ``None`` when absent; 404 if bad."""
    raw = request.GET.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise Http404(f"?{name}= takes a message id.")
    return int(raw)


def _readable(request, room):
    # Moderators see hidden messages too, marked as hidden.
    # Members' names link to their pages, with the username beside them.
    rows = room.messages.select_related("author")
    if not moderates(request.user, Message):
        rows = rows.visible()
    return rows


def history_page(rows, *, before=None, after=None, around=None, size=HISTORY):
    """
    Return ``(messages oldest first, has_older, has_newer)``: the newest
    page, or the page before, after or around one message id. Keyset reads,
    each one more than a page to know whether more lie beyond.
    """
    if around is not None:
        older = list(rows.before(around)[: size // 2 + 1])
        newer = list(rows.after(around - 1)[: size - size // 2 + 1])
        has_older, has_newer = len(older) > size // 2, len(newer) > size - size // 2
        return (
            older[: size // 2][::-1] + newer[: size - size // 2],
            has_older,
            has_newer,
        )
    if after is not None:
        newer = list(rows.after(after)[: size + 1])
        return newer[:size], True, len(newer) > size
    page = rows.before(before) if before is not None else rows.order_by("-id")
    older = list(page[: size + 1])
    return older[:size][::-1], len(older) > size, before is not None


def mark_days(messages, read_at=None):
    """
    Mark the first message of each day (in the server's time zone: the
    page's script redraws the separators in the reader's), and the first
    unread one after ``read_at``.
    """
    day = None
    for message in messages:
        today = timezone.localdate(message.created)
        message.new_day = today if today != day else None
        day = today
        message.first_unread = False
    if read_at is not None:
        unread = [m for m in messages if m.pk > read_at]
        # Only where the line falls inside the page: above a page of unread
        # messages it would claim that nothing older was unread.
        if unread and unread[0] is not messages[0]:
            unread[0].first_unread = True
    return messages


def _read_at(request, room):
    if not request.user.is_authenticated:
        return None
    return (
        ReadPointer.objects.filter(user=request.user, room=room)
        .values_list("message_id", flat=True)
        .first()
    )


def _mark_editable(request, messages):
    """Mark the messages the reader may edit or delete (``editable``)."""
    may_change = change_checker(request.user)
    for message in messages:
        message.editable = may_change(message)
    return messages


def _render_room(request, room, form, *, status=200, around=None, topic_form=None):
    before, after = _parse_id(request, "before"), _parse_id(request, "after")
    history, has_older, has_newer = history_page(
        _readable(request, room), before=before, after=after, around=around
    )
    read_at = _read_at(request, room)
    mark_days(history, read_at)
    if request.user.is_authenticated and not has_newer:
        # A member who sees the newest messages has read them (and from the
        # first visit on, the room list counts what they have not).
        services.mark_read(
            user=request.user,
            room=room,
            message_id=history[-1].pk if history else 0,
        )
    _mark_editable(request, history)
    return render(
        request,
        "chat/room.html",
        {
            "room": room,
            "history": history,
            "has_older": has_older,
            "has_newer": has_newer,
            "read_at": read_at,
            "highlight": around,
            "form": form,
            "can_post": may_write(request.user) and not room.archived,
            "can_change": services.may_change_room(request.user, room),
            "topic_form": topic_form or TopicForm(initial={"topic": room.topic}),
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


@require_safe
def message(request, slug, pk):
    """The room at one message, however old: the page around it, highlighted."""
    room = get_object_or_404(Room, slug=slug)
    if not _readable(request, room).filter(pk=pk).exists():
        raise Http404("There is no such message in this room.")
    form = MessageForm(user=request.user, initial=remembered_guest_name(request))
    return _render_room(request, room, form, around=pk)


@require_safe
def history(request, slug):
    """A page of the log as a fragment, for the room page's script."""
    room = get_object_or_404(Room, slug=slug)
    messages, has_older, has_newer = history_page(
        _readable(request, room),
        before=_parse_id(request, "before"),
        after=_parse_id(request, "after"),
        around=_parse_id(request, "around"),
    )
    mark_days(messages)
    _mark_editable(request, messages)
    return render(
        request,
        "chat/_history.html",
        {
            "room": room,
            # The fragment's forms come back to the room, not to the fragment.
            "return_to": room.get_absolute_url(),
            "history": messages,
            "has_older": has_older,
            "has_newer": has_newer,
            "rights": {
                "hide": can_hide(request.user, Message),
                "delete": can_delete(request.user, Message),
            },
        },
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


@require_http_methods(["POST"])
def topic(request, slug):
    """Change the room's topic (its creator and chat moderators)."""
    room = get_object_or_404(Room, slug=slug)
    if not services.may_change_room(request.user, room):
        raise PermissionDenied(services.NOT_YOURS)
    form = TopicForm(request.POST)
    if form.is_valid():
        try:
            services.update_room(
                room=room, topic=form.cleaned_data["topic"], by=request.user, via="chat"
            )
        except ValidationError as error:
            add_to_form(form, error)
    if form.errors:
        message_form = MessageForm(
            user=request.user, initial=remembered_guest_name(request)
        )
        return _render_room(request, room, message_form, status=400, topic_form=form)
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
