"""Project-level pages: home, health check, sign-up and the error pages."""

import asyncio
import logging
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.cache import never_cache

from board.models import Post
from chat.models import Message, Room
from content import names
from content.http import BadRequest

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT = 2.0


def home(request):
    start_of_day = timezone.localtime().replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return render(
        request,
        "home.html",
        {
            "post_count": Post.objects.visible().count(),
            "room_count": Room.objects.count(),
            "messages_today": Message.objects.visible()
            .filter(created__gte=start_of_day)
            .count(),
        },
    )


def _database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


async def _channel_layer_answers():
    layer = get_channel_layer()
    channel = await layer.new_channel(prefix="healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    reply = await layer.receive(channel)
    return reply.get("token") == token


async def _probe(check):
    try:
        ok = await asyncio.wait_for(check(), HEALTH_TIMEOUT)
    except Exception as error:
        logger.warning("health check failed", extra={"error": repr(error)})
        return "error"
    return "ok" if ok else "error"


@never_cache
async def healthz(request):
    """Answer 200 when the database and the channel layer do a round trip."""
    database = await _probe(sync_to_async(_database_answers))
    layer = await _probe(_channel_layer_answers)
    healthy = database == layer == "ok"
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            "database": database,
            "channel_layer": layer,
        },
        status=200 if healthy else 503,
    )


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label="E-mail (optional)",
        required=False,
        help_text="Only used to send you a link if you forget your password.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def clean_username(self):
        """
        Refuse a username that passes for a member's or the staff's, as a
        guest's name would be (in any case, or in look-alike letters).
        """
        username = super().clean_username()
        if username and names.owner_of(username) is not None:
            raise forms.ValidationError(
                "That name is taken, or looks like a name that is (a member's "
                "or the staff's): choose another.",
                code="reserved_name",
            )
        return username


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registration/account.html",
        {"form": form, "heading": "Sign up", "button": "Create account"},
        status=status,
    )


def _error(request, status, reason, detail):
    return render(
        request,
        "error.html",
        {"status": status, "reason": reason, "detail": detail},
        status=status,
    )


def bad_request(request, exception):
    detail = (
        str(exception)
        if isinstance(exception, BadRequest)
        else "The request could not be understood. Check the address and try again."
    )
    return _error(request, 400, "Bad request", detail)


def permission_denied(request, exception):
    return _error(
        request, 403, "Forbidden", "You do not have permission to see this page."
    )


def page_not_found(request, exception):
    return _error(
        request,
        404,
        "Not found",
        "There is nothing at this address. It may have been moved or hidden.",
    )


def server_error(request):
    return render(request, "500.html", status=500)


def lockout_message():
    """Say why a login is refused and when to try again (django-axes' lockout)."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return (
        f"Too many failed logins for this account from your address. Try again "
        f"in {minutes} minute{pluralize(minutes)}, or ask an administrator to "
        f"unlock it."
    )


def locked_out(request, *args, **kwargs):
    """The lockout page django-axes shows instead of a login form (429)."""
    response = render(
        request,
        "registration/locked_out.html",
        {"message": lockout_message()},
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
