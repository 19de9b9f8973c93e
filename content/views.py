"""
The small views behind the report, hide, unhide and delete buttons that
board and chat pages show under each post or message, the pages on which
an author (or a moderator) edits or deletes one, and the search page that
both apps show (``search_page``).

Each app wires them to its own model in its ``urls.py``
(``path("posts/<int:pk>/hide/", views.moderate, {"model": Post, "action":
"hide"})``). They take a form POST (CSRF-checked), call the services, and
send the browser back where it came from (Post/Redirect/Get), with a message
saying what happened; without JavaScript they work the same.
"""

import re
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from content import reports, search
from content.bans import Banned
from content.forms import SearchForm
from content.http import HttpResponseSeeOther, client_ip
from content.moderators import can_delete, can_hide, moderates
from content.services import (
    ChangeRefused,
    Moderation,
    change_checker,
    check_change,
    delete_item,
    edit_item,
)

VERBS = {"hide": "Hid", "unhide": "Unhid", "delete": "Deleted"}
# The forms' addresses in a variant rendered for item 0: ".../0/hide/".
ITEM_ZERO = re.compile(r'/0/(report|hide|unhide|delete|edit|remove)/"')


def actions_renderer(request, *, app, rights):
    """
    Return ``actions(item)``: the HTML of the report and moderation forms of
    one item for this request (and its Edit and Delete links, where the
    reader may change it), rendered once per variant (on first use) and
    pointed at each item's id (for pages whose items come from a cache).
    """
    variants = {}
    may_change = change_checker(request.user)

    def actions(item):
        variant = (item.hidden, may_change(item))
        html = variants.get(variant)
        if html is None:
            html = variants[variant] = render_to_string(
                "content/_item_actions.html",
                {
                    "app": app,
                    "item": {"pk": 0, "hidden": item.hidden},
                    "rights": rights,
                    "own": variant[1],
                },
                request=request,
            )
        return ITEM_ZERO.sub(rf'/{item.pk}/\1/"', html)

    return actions


def _back(request, item=None, *, gone=False):
    """
    Where the form came from (``next``), else the item's page; for an item
    about to be deleted (``gone``), the page it belongs to, if its model
    names one (``get_parent_url``), as its own page will be gone.
    """
    target = request.POST.get("next", "")
    if gone and urlsplit(target).path in _pages_of(item):
        target = ""  # that page goes with the item
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseSeeOther(target)
    if gone and hasattr(item, "get_parent_url"):
        return HttpResponseSeeOther(item.get_parent_url())
    if item is not None and item.pk is not None:
        return HttpResponseSeeOther(item.get_absolute_url())
    return HttpResponseSeeOther("/")


def _pages_of(item):
    """The addresses of the pages that show ``item`` and go with it: its own
    and, if its model names them (``get_own_urls``), others (a topic's)."""
    own = getattr(item, "get_own_urls", list)()
    return {item.get_absolute_url(), *own}


def _item(request, model, pk):
    """The item, if the requester may see it: hidden ones only for moderators."""
    item = get_object_or_404(model, pk=pk)
    if item.hidden and not moderates(request.user, model):
        raise Http404
    return item


@require_POST
def moderate(request, pk, *, model, action, via):
    """Hide, unhide or delete one item from its page (``via``: the page's app)."""
    allowed = can_delete if action == "delete" else can_hide
    if not allowed(request.user, model):
        raise PermissionDenied("Only moderators may do that.")
    item = get_object_or_404(model, pk=pk)
    back = _back(request, item, gone=action == "delete")
    moderation = Moderation.of(model)
    act = getattr(moderation, action)
    count = act([item], by=request.user, via=via, reason=request.POST.get("reason", ""))
    noun = model._meta.verbose_name
    if count > 1 and action == "delete":
        # A topic's first post takes its replies with it.
        messages.success(
            request, f"Deleted the {noun} and the {count - 1} that went with it."
        )
    elif count:
        messages.success(request, f"{VERBS[action]} the {noun}.")
    else:
        messages.info(request, f"Nothing to do: the {noun} was like that already.")
    return back


@require_POST
def report(request, pk, *, model):
    """Report one item, with the reason typed into its report form."""
    item = _item(request, model, pk)
    back = _back(request, item)
    noun = model._meta.verbose_name
    try:
        _report, created = reports.report_item(
            item=item,
            reason=request.POST.get("reason", ""),
            reporter=request.user,
            address=client_ip(request),
        )
    except Banned as error:
        messages.error(request, error.message)
        return back
    except reports.TooManyReports as error:
        messages.error(request, str(error))
        return back
    except ValidationError as error:
        messages.error(request, f"Not reported: {' '.join(error.messages)}")
        return back
    if created:
        messages.success(
            request, f"Thank you: the moderators will look at this {noun}."
        )
    else:
        messages.info(request, f"You reported this {noun} already.")
    return back


class ItemTextForm(forms.Form):
    """The text of a post or message being edited (the service checks it again)."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, model, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        field.label = model._meta.get_field(model.TEXT_FIELD).verbose_name.capitalize()
        field.max_length = model.TEXT_MAX_LENGTH
        field.widget.attrs["maxlength"] = model.TEXT_MAX_LENGTH
        field.error_messages["required"] = model.EMPTY_TEXT


def _refused(request, message):
    """The 403 page, saying why the person may not change the item."""
    context = {"status": 403, "reason": "Forbidden", "detail": message}
    return render(request, "error.html", context, status=403)


@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, pk, *, model, via):
    """
    The page that edits one post or message: its author's within the edit
    window, anyone's for a moderator. A valid form is saved through
    ``content.services.edit_item`` and the browser goes back to the item.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    item = _item(request, model, pk)
    try:
        check_change(request.user, item, action="edit")
    except (Banned, ChangeRefused) as error:
        return _refused(request, error.message)
    noun = model._meta.verbose_name
    text = getattr(item, model.TEXT_FIELD)
    if request.method != "POST":
        form = ItemTextForm(model=model, initial={"text": text})
        return _render_edit(request, item, form)
    form = ItemTextForm(request.POST, model=model)
    if not form.is_valid():
        return _render_edit(request, item, form, status=400)
    try:
        edit_item(item, text=form.cleaned_data["text"], by=request.user, via=via)
    except (Banned, ChangeRefused) as error:  # changed meanwhile
        return _refused(request, error.message)
    except ValidationError as error:
        for errors in error.error_dict.values():
            form.add_error("text", errors)
        return _render_edit(request, item, form, status=400)
    messages.success(request, f"Saved your changes to the {noun}.")
    return HttpResponseSeeOther(item.get_absolute_url())


def _render_edit(request, item, form, *, status=200):
    return render(
        request,
        "content/edit_item.html",
        {"item": item, "form": form, "noun": item._meta.verbose_name},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def remove(request, pk, *, model, via):
    """
    Ask, then delete one post or message for its author (within the edit
    window) or a moderator, through ``content.services.delete_item``.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    item = _item(request, model, pk)
    try:
        check_change(request.user, item, action="delete")
    except (Banned, ChangeRefused) as error:
        return _refused(request, error.message)
    noun = model._meta.verbose_name
    if request.method != "POST":
        return render(
            request,
            "content/delete_item.html",
            {"item": item, "noun": noun, "text": getattr(item, model.TEXT_FIELD)},
        )
    back = _back(request, item, gone=True)
    try:
        delete_item(item, by=request.user, via=via)
    except (Banned, ChangeRefused) as error:  # changed meanwhile
        return _refused(request, error.message)
    messages.success(request, f"Deleted your {noun}.")
    return back


def search_page(request, queryset, *, template, context):
    """
    Render ``template`` with one page of the items of ``queryset`` that match
    the search in ``request.GET`` (``q``, and ``before`` when paging back),
    each with its ``excerpt``; a query that cannot be searched is a 400 with
    the reason on the form. A page opened without ``q`` shows the form only.
    """
    query, results, older, status = "", [], None, 200
    if "q" not in request.GET:
        form = SearchForm()
    else:
        form = SearchForm(request.GET)
        if form.is_valid():
            query = form.cleaned_data["q"]
            results, older = search.search(
                queryset, query, before=form.cleaned_data["before"]
            )
            for item in results:
                item.excerpt = search.excerpt(getattr(item, item.TEXT_FIELD), query)
        else:
            status = 400
    return render(
        request,
        template,
        {
            "form": form,
            "query": query,
            "results": results,
            "older": older,
            **context,
        },
        status=status,
    )
