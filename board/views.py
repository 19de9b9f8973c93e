"""
The board's pages: the list of topics (``/board/``), a topic with its replies
(``/board/t/<id>/``) and a post's permanent address (``/board/p/<id>/``).

Every list is a keyset page (no OFFSET, no COUNT): the board's by a topic's
``(last_activity, id)``, a topic's replies by id, both ways. Forms post back
to their page and redirect (303) on success; errors come back with a 400 and
the text kept. Hidden posts exist only for moderators, who see them marked.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from board import services
from board.forms import PostForm, ReplyForm
from board.fragments import render_posts
from board.models import Post
from content import pages
from content.bans import Banned
from content.http import (
    BadRequest,
    HttpResponseSeeOther,
    count_form_write,
    form_writer,
    remember_guest_name,
    remembered_guest_name,
    too_many,
)
from content.moderators import can_delete, can_hide, moderates
from content.services import add_to_form, may_write
from content.views import actions_renderer, search_page

PAGE_SIZE = 50

TOO_FAST = "You are posting too fast. Try again in {seconds}; your text is kept below."


def _readable(request):
    """The posts this reader may see: moderators see hidden ones too."""
    if moderates(request.user, Post):
        return Post.objects.select_related("author")
    # The author's username is shown and linked beside the stored display name.
    return Post.objects.visible().select_related("author")


def _cursor(post):
    """The board's keyset position of a topic: ``<microseconds>_<id>``."""
    moment = post.last_activity or post.created
    micros = round(moment.timestamp() * 1_000_000)
    return f"{micros}_{post.pk}"


def _parse_cursor(request):
    raw = request.GET.get("before")
    if raw is None:
        return None
    if raw.isdigit() and len(raw) <= 18:
        # A bare topic id, as links of the board before topics read: the
        # position of that topic now.
        moment = (
            Post.objects.filter(pk=int(raw), topic__isnull=True)
            .values_list("last_activity", flat=True)
            .first()
        )
        if moment is not None:
            return moment, int(raw)
    micros, _, post_id = raw.partition("_")
    if not (micros.isdigit() and post_id.isdigit()) or len(raw) > 40:
        raise BadRequest(
            "The ‘before’ parameter must be a position on the board, as its "
            "“Older topics” link gives it (e.g. ?before=1763800000000000_120)."
        )
    moment = datetime.fromtimestamp(0, UTC) + timedelta(microseconds=int(micros))
    return moment, int(post_id)


def _parse_id(request, name):
    raw = request.GET.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest(
            f"The ‘{name}’ parameter must be a post number, e.g. ?{name}=120."
        )
    return int(raw)


def _rights(request):
    return {
        "hide": can_hide(request.user, Post),
        "delete": can_delete(request.user, Post),
    }


def _render_board(request, form, *, status=200, cursor=None):
    topics = _readable(request).topics()
    if cursor is not None:
        topics = topics.active_before(*cursor)
    page = list(topics[: PAGE_SIZE + 1])
    older = _cursor(page[PAGE_SIZE - 1]) if len(page) > PAGE_SIZE else None
    page = page[:PAGE_SIZE]
    rights = _rights(request)
    actions = actions_renderer(request, app="board", rights=rights)
    return render(
        request,
        "board/index.html",
        {
            "form": form,
            "posts": page,
            "posts_html": render_posts(page, actions=actions, kind="topic"),
            "older": older,
            "before": cursor,
            "can_post": may_write(request.user),
            "rights": rights,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def index(request):
    if request.method != "POST":
        initial = remembered_guest_name(request)
        return pages.cached_page(
            request,
            lambda: _render_board(
                request,
                PostForm(user=request.user, initial=initial),
                cursor=_parse_cursor(request),
            ),
            groups=[services.BOARD_GROUP],
            variant=initial["display_name"],
            stamp=services.newest_post_id,
        )

    if not may_write(request.user):
        return redirect_to_login(reverse("board:index"))
    form = PostForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_board(request, form, status=400)

    wait = count_form_write(
        request, "board", rate=settings.NETSITE_BOARD_FLOOD, form=form, message=TOO_FAST
    )
    if wait is not None:
        return too_many(_render_board(request, form), wait)

    try:
        services.create_post(
            body=form.cleaned_data["body"],
            title=form.cleaned_data["title"],
            **form_writer(request, form),
        )
    except Banned as error:
        form.add_error(None, error.message)
        return _render_board(request, form, status=403)
    except ValidationError as error:
        add_to_form(form, error)
        return _render_board(request, form, status=400)
    remember_guest_name(request, form)
    messages.success(request, "Posted.")
    return HttpResponseSeeOther(reverse("board:index"))


def _topic_page(request, starter, *, after=None, before=None, start=None):
    """
    Return one keyset page of a topic's replies, oldest first, and the ids to
    go on from: ``newer`` (``?after=``) and ``older`` (``?before=``).
    """
    replies = _readable(request).replies_to(starter.pk)
    if before is not None:
        # Backwards from ``before``: the page just above it, shown in order.
        page = list(replies.filter(id__lt=before).order_by("-id")[: PAGE_SIZE + 1])
        more_older = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE][::-1]
        newer = page[-1].pk if page else before - 1
        return page, (page[0].pk if more_older else None), newer
    if after is not None:
        replies = replies.filter(id__gt=after)
    elif start is not None:
        replies = replies.filter(id__gte=start)
    page = list(replies[: PAGE_SIZE + 1])
    newer = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    page = page[:PAGE_SIZE]
    first = after if after is not None else (start - 1 if start else None)
    older = None
    if first is not None:
        older = page[0].pk if page else first + 1
    return page, older, newer


def _render_topic(request, starter, form, *, status=200):
    after = _parse_id(request, "after")
    before = _parse_id(request, "before")
    start = _parse_id(request, "from")
    if sum(value is not None for value in (after, before, start)) > 1:
        raise BadRequest(
            "Use one of the ‘after’, ‘before’ and ‘from’ parameters, not several."
        )
    replies, older, newer = _topic_page(
        request, starter, after=after, before=before, start=start
    )
    rights = _rights(request)
    actions = actions_renderer(request, app="board", rights=rights)
    return render(
        request,
        "board/topic.html",
        {
            "form": form,
            "topic": starter,
            "starter_html": render_posts([starter], actions=actions),
            "replies": replies,
            "replies_html": render_posts(replies, actions=actions),
            "older": older,
            "newer": newer,
            "paged": older is not None or newer is not None,
            "can_post": may_write(request.user) and not starter.hidden,
            "rights": rights,
        },
        status=status,
    )


def _starter(request, pk):
    """The topic whose first post is ``pk``, if this reader may see it."""
    return get_object_or_404(_readable(request).filter(topic__isnull=True), pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
def topic(request, pk):
    if request.method != "POST":
        starter = _starter(request, pk)
        form = ReplyForm(user=request.user, initial=remembered_guest_name(request))
        return _render_topic(request, starter, form)

    if not may_write(request.user):
        return redirect_to_login(reverse("board:topic", args=[pk]))
    form = ReplyForm(request.POST, user=request.user)
    starter = _readable(request).filter(topic__isnull=True, pk=pk).first()
    if starter is None:
        # Hidden or deleted since the page was shown: say so, and hand the
        # writer's text back rather than lose it.
        return render(
            request,
            "board/gone.html",
            {"text": request.POST.get("body", ""), "topic_id": pk},
            status=404,
        )
    if not form.is_valid():
        return _render_topic(request, starter, form, status=400)

    wait = count_form_write(
        request, "board", rate=settings.NETSITE_BOARD_FLOOD, form=form, message=TOO_FAST
    )
    if wait is not None:
        return too_many(_render_topic(request, starter, form), wait)

    try:
        reply, _ = services.create_post(
            body=form.cleaned_data["body"],
            topic=starter.pk,
            **form_writer(request, form),
        )
    except Banned as error:
        form.add_error(None, error.message)
        return _render_topic(request, starter, form, status=403)
    except ValidationError as error:
        add_to_form(form, error)
        return _render_topic(request, starter, form, status=400)
    remember_guest_name(request, form)
    messages.success(request, "Replied.")
    return HttpResponseSeeOther(reply.get_absolute_url())


@require_GET
def permalink(request, pk):
    """Send the reader to the post on its topic's page, whatever its age."""
    post = get_object_or_404(_readable(request), pk=pk)
    if post.is_topic:
        url = reverse("board:topic", args=[post.pk])
    else:
        if not _readable(request).filter(pk=post.topic_id).exists():
            raise Http404
        # The page that starts with this reply: from there, keyset links
        # lead both ways.
        url = reverse("board:topic", args=[post.topic_id]) + f"?from={post.pk}"
    return HttpResponseRedirect(f"{url}#post-{post.pk}")


@require_http_methods(["GET", "HEAD"])
def search(request):
    # Moderators find hidden posts too, marked as hidden.
    posts = Post.objects.all()
    if not moderates(request.user, Post):
        posts = posts.visible()
    return search_page(request, posts, template="board/search.html", context={})
