from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from board import services
from board.forms import PostForm
from board.fragments import render_posts
from board.models import Post
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


def _page(before, *, include_hidden=False):
    """Return one keyset page of posts and the id to continue from."""
    posts = Post.objects.all() if include_hidden else Post.objects.visible()
    posts = posts.newest()
    if before is not None:
        posts = posts.before(before)
    page = list(posts[: PAGE_SIZE + 1])
    older = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    return page[:PAGE_SIZE], older


def _parse_before(request):
    raw = request.GET.get("before")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest(
            "The ‘before’ parameter must be a post number, e.g. ?before=120."
        )
    return int(raw)


def _render_board(request, form, *, status=200, before=None):
    # Moderators see hidden posts too, marked as hidden.
    moderator = moderates(request.user, Post)
    posts, older = _page(before, include_hidden=moderator)
    rights = {
        "hide": can_hide(request.user, Post),
        "delete": can_delete(request.user, Post),
    }
    actions = actions_renderer(request, app="board", rights=rights)
    return render(
        request,
        "board/index.html",
        {
            "form": form,
            "posts": posts,
            "posts_html": render_posts(posts, actions=actions),
            "older": older,
            "before": before,
            "can_post": may_write(request.user),
            "rights": rights,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def index(request):
    if request.method != "POST":
        form = PostForm(user=request.user, initial=remembered_guest_name(request))
        return _render_board(request, form, before=_parse_before(request))

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
            body=form.cleaned_data["body"], **form_writer(request, form)
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


@require_http_methods(["GET", "HEAD"])
def search(request):
    # Moderators find hidden posts too, marked as hidden.
    posts = Post.objects.all()
    if not moderates(request.user, Post):
        posts = posts.visible()
    return search_page(request, posts, template="board/search.html", context={})
