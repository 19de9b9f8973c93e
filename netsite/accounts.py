"""
Self-service accounts: the name a member is shown under, and changing and
resetting a password.

The pages are Django's own views (``django.contrib.auth.views``) drawn with
netsite's account-form template. A reset request answers the same whether or
not an account has the address, and sends nothing for an unknown one; it is
limited per client address and per address asked for
(``NETSITE_PASSWORD_RESET_RATE``), so that nobody can flood a mailbox or the
mail server: over the limit, the form says when to try again, with a 429.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods

from content.bans import Banned
from content.http import HttpResponseSeeOther, count_form_write, too_many
from content.models import ModeratedContent, Profile
from content.ratelimit import check_rate
from content.services import add_to_form, set_display_name
from content.words import counted

ACCOUNT_FORM = "registration/account.html"
TOO_MANY_RESETS = (
    "Too many password reset requests: try again in {minutes}. If a link was "
    "sent, it is in that mailbox already."
)


class AccountForm:
    """A refused form comes back with 400, as the sign-up form does."""

    template_name = ACCOUNT_FORM

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def _hours(seconds):
    return counted(max(1, round(seconds / 3600)), "hour", "hours")


class PasswordResetView(AccountForm, auth_views.PasswordResetView):
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"
    extra_context = {
        "heading": "Reset your password",
        "button": "Send me a link",
        "intro": "Give the e-mail address of your account, and we will send you "
        "a link to choose a new password.",
    }

    def form_valid(self, form):
        rate = settings.NETSITE_PASSWORD_RESET_RATE
        retry_after = count_form_write(
            self.request,
            "password-reset",
            rate=rate,
            form=form,
            message=TOO_MANY_RESETS,
        )
        if retry_after is None:
            # Per mailbox as well, whatever the addresses asking.
            email = form.cleaned_data["email"].casefold()
            retry_after = check_rate("password-reset-email", email, rate=rate)
            if retry_after is not None:
                minutes = counted(retry_after // 60 + 1, "minute", "minutes")
                form.add_error(None, TOO_MANY_RESETS.format(minutes=minutes))
        if retry_after is not None:
            return too_many(self.form_invalid(form), retry_after)
        return super().form_valid(form)

    @property
    def extra_email_context(self):
        return {"valid_for": _hours(settings.PASSWORD_RESET_TIMEOUT)}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = ACCOUNT_FORM

    def get_context_data(self, **kwargs):
        hours = _hours(settings.PASSWORD_RESET_TIMEOUT)
        return super().get_context_data(
            heading="Check your mail",
            intro="If an account has that address, a link to choose a new "
            f"password is on its way to it. The link works once, for {hours}. "
            "Nothing came? Check the spam folder, or ask again.",
            **kwargs,
        )


class PasswordResetConfirmView(AccountForm, auth_views.PasswordResetConfirmView):
    extra_context = {"heading": "Choose a new password", "button": "Set password"}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = ACCOUNT_FORM
    extra_context = {
        "heading": "Password set",
        "intro": "Your new password is set: log in with it.",
        "login_link": True,
    }


class PasswordChangeView(AccountForm, auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")
    extra_context = {"heading": "Change your password", "button": "Change password"}


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = ACCOUNT_FORM
    extra_context = {
        "heading": "Password changed",
        "intro": "Your new password is set. You stay logged in here; other "
        "browsers logged in to your account are logged out.",
    }


class DisplayNameForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        required=False,
        max_length=ModeratedContent.NAME_MAX_LENGTH,
        help_text="Shown with your posts and messages, old and new, instead of "
        "your username (which stays on your page and beside the name). Leave "
        "empty to be shown as your username.",
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    """Let a member choose the name they are shown under."""
    user = request.user
    status = 200
    if request.method == "POST":
        form = DisplayNameForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                set_display_name(
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    via="web",
                )
            except Banned as error:
                form.add_error(None, error.message)
                status = 403
            except ValidationError as error:
                add_to_form(form, error)
            else:
                messages.success(request, "Display name saved.")
                return HttpResponseSeeOther(reverse("profile"))
    else:
        current = Profile.objects.filter(user=user).first()
        form = DisplayNameForm(
            initial={"display_name": current.display_name if current else ""}
        )
    context = {
        "heading": "Your profile",
        "intro": f"Your username is {user.get_username()}.",
        "button": "Save",
        "form": form,
        "password_link": True,
        "member_link": True,
    }
    return render(request, ACCOUNT_FORM, context, status=status)
