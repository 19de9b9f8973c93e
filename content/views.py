"""
The small views behind the report, hide, unhide and delete buttons that
board and chat pages show under each post or message, and the search page
that both apps show (``search_page``).

Each app wires them to its own model in its ``urls.py``
(``path("posts/<int:pk>/hide/", views.moderate, {"model": Post, "action":
"hide"})``). They take a form POST (CSRF-checked), call the services, and
send the browser back where it came from (Post/Redirect/Get), with a message
saying what happened; without JavaScript they work the same.
"""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from content import reports, search
from content.bans import Banned
from content.forms import SearchForm
from content.http import HttpResponseSeeOther, client_ip
from content.moderators import can_delete, can_hide, moderates
from content.services import Moderation

VERBS = {"hide": "Hid", "unhide": "Unhid", "delete": "Deleted"}
# The forms' addresses in a variant rendered for item 0: ".../0/hide/".
ITEM_ZERO = re.compile(r'/0/(report|hide|unhide|delete)/"')


def actions_renderer(request, *, app, rights):
    """
    Return ``actions(item)``: the HTML of the report and moderation forms of
    one item for this request, rendered once per visible/hidden variant (on
    first use) and pointed at each item's id (for pages whose items come
    from a cache).
    """
    variants = {}

    def actions(item):
        html = variants.get(item.hidden)
        if html is None:
            html = variants[item.hidden] = render_to_string(
                "content/_item_actions.html",
                {
                    "app": app,
                    "item": {"pk": 0, "hidden": item.hidden},
                    "rights": rights,
                },
                request=request,
            )
        return ITEM_ZERO.sub(rf'/{item.pk}/\1/"', html)

    return actions


def _back(request, item=None):
    """Where the form came from (``next``), else the item's page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseSeeOther(target)
    if item is not None and item.pk is not None:
        return HttpResponseSeeOther(item.get_absolute_url())
    return HttpResponseSeeOther("/")


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
    back = _back(request, item)
    moderation = Moderation.of(model)
    act = getattr(moderation, action)
    count = act([item], by=request.user, via=via, reason=request.POST.get("reason", ""))
    noun = model._meta.verbose_name
    if count:
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
