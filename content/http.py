"""Small HTTP helpers shared by the project's views."""

from django.core.exceptions import BadRequest as DjangoBadRequest
from django.http import HttpResponseRedirect

from content.ratelimit import check_rate, rate_ident
from content.words import counted


class BadRequest(DjangoBadRequest):
    """A 400 whose message is shown to the user on the error page."""


def client_ip(request):
    """
    Return the client's address as the server saw it.

    Behind a proxy, daphne's ``--proxy-headers`` (``manage.py serve
    --proxy-headers``) puts the real client into the ASGI scope; a forged
    X-Forwarded-For sent straight to the site is never read here.
    """
    return request.META.get("REMOTE_ADDR") or "unknown"


def count_form_write(request, scope, *, rate, form, message):
    """
    Count one form write by the requester; within ``rate`` return ``None``.

    Over it, put ``message`` (formatted with the ``seconds`` and ``minutes``
    to wait, in words: "1 second", "5 minutes") on ``form`` as its error,
    and return the seconds to wait: the view renders the form again, the
    text the person typed kept, through ``too_many``.
    """
    ident = rate_ident(request.user, client_ip(request))
    retry_after = check_rate(scope, ident, rate=rate)
    if retry_after is not None:
        minutes = retry_after // 60 + 1
        form.add_error(
            None,
            message.format(
                seconds=counted(retry_after, "second", "seconds"),
                minutes=counted(minutes, "minute", "minutes"),
            ),
        )
    return retry_after


def too_many(response, retry_after):
    """Make ``response`` a 429 that says when to try again."""
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response


class HttpResponseSeeOther(HttpResponseRedirect):
    """A 303: after a form POST, the browser GETs the next page (PRG)."""

    status_code = 303


# A guest's name, remembered between posts and messages (board and chat alike)
# so that it need not be typed again. static/netsite/guestname.js remembers it
# in the browser too, for chat messages sent over the socket.
GUEST_NAME_KEY = "guest_name"


def remembered_guest_name(request):
    """Return the form ``initial`` that fills in the guest's last name used."""
    return {"display_name": request.session.get(GUEST_NAME_KEY, "")}


def remember_guest_name(request, form):
    """Keep the name a guest gave on a valid ``form`` for their next one."""
    if "display_name" in form.cleaned_data:
        request.session[GUEST_NAME_KEY] = form.cleaned_data["display_name"]


def form_writer(request, form):
    """
    Return who writes through a post or message form, as the services take it:
    the signed-in user or a guest's chosen name, where they write from (a
    guest's address is kept for moderators, and bans are checked against it),
    and the form's one-time key (a form sent twice stores its item once).
    """
    return {
        "author": request.user,
        "display_name": form.cleaned_data.get("display_name"),
        "client_id": form.cleaned_data["client_id"] or None,
        "address": client_ip(request),
    }
