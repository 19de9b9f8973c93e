"""
Whole pages for readers who are not signed in, cached until what they show
changes.

A page that lists posts is the same for every reader without an account,
but for its CSRF tokens and one-time form keys (content.forms.FormKeyField),
which are new on every view. Such a page is rendered once per version of
what it shows, stored with those values cut out, and each view gets them
filled in afresh: the same bytes the template would give, for a cache lookup
and two substitutions.

A version is a counter per channel-layer group in the shared cache (Redis
on the scale-out tier, so every process sees a bump at once), moved by every
event published to the group (content.events), and by writes that publish
nothing (imports) through ``bump``. A page names the groups whose events
change it. The rendered pages themselves stay in each process's memory (the
``pages`` cache, a few hundred at most).

Readers who are signed in, or have a message waiting for them, get the page
rendered for them as before.
"""

import hashlib
import logging
import re
import time

from django.contrib.messages import get_messages
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.middleware.csrf import get_token

from content.forms import new_form_key

# Where the tokens and keys of a stored page go; never in a page's own text
# (it is not valid UTF-8 text a template could produce).
CSRF_SLOT = "\x00csrf\x00"
KEY_SLOT = "\x00key\x00"
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
FORM_KEY = re.compile(r'(name="client_id" value=")[^"]*(")')
_VERSIONED = set()

logger = logging.getLogger(__name__)


def _version_key(group):
    return f"page-version:{group}"


def keep_versions(root):
    """
    Keep versions for the groups named ``root`` and ``root.<anything>``: an
    event to ``board.topic.7`` moves the versions of ``board.topic.7`` and of
    ``board``, so a page of the whole board sees every change in it.
    """
    _VERSIONED.add(root)


def bump(group):
    """Move ``group``'s version on: pages showing it render afresh."""
    root = group.partition(".")[0]
    if root not in _VERSIONED:
        return
    for name in {group, root}:
        key = _version_key(name)
        try:
            try:
                cache.incr(key)
            except ValueError:
                # No version yet (or evicted): start from the clock, so that
                # a new counter never meets the numbers of one that was lost.
                cache.add(key, time.time_ns(), timeout=None)
        except Exception:
            # The write is committed whatever the cache does; the page
            # that cannot read its version is not served from the cache.
            logger.exception("page version not moved", extra={"group": name})


def versions(groups):
    """The current versions of ``groups``, starting those that have none."""
    keys = [_version_key(group) for group in groups]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
    return [found[key] for key in keys]


def cacheable(request):
    """Whether ``request`` gets the page every reader without an account gets."""
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not len(get_messages(request))
    )


def _key(request, groups, variant):
    shown = "\x00".join(map(str, versions(groups)))
    return hashlib.blake2b(
        f"{request.build_absolute_uri()}\x00{variant}\x00{shown}".encode(),
        digest_size=16,
    ).hexdigest()


def cached_page(request, render, *, groups, variant=""):
    """
    Return ``render()``'s response, from the cache where the reader allows
    it: ``groups`` are the channel-layer groups whose events change the page,
    ``variant`` what else it depends on for this reader (a guest's
    remembered name).
    """
    if not cacheable(request):
        return render()
    store, key = caches["pages"], _key(request, groups, variant)
    page = store.get(key)
    if page is None:
        response = render()
        if response.status_code != 200 or response.streaming:
            return response
        page = FORM_KEY.sub(
            rf"\g<1>{KEY_SLOT}\g<2>",
            TOKEN.sub(rf"\g<1>{CSRF_SLOT}\g<2>", response.content.decode()),
        )
        store.set(key, (page, response["Content-Type"]))
        return response
    content, content_type = page
    head, *rest = content.replace(CSRF_SLOT, get_token(request)).split(KEY_SLOT)
    content = head + "".join(new_form_key() + part for part in rest)
    return HttpResponse(content, content_type=content_type)


def cached_data(request, build, *, groups):
    """
    Return ``build()``, data that is the same for every caller of this
    address (an API list), from the cache while ``groups`` are unchanged.
    """
    store, key = caches["pages"], _key(request, groups, "data")
    data = store.get(key)
    if data is None:
        data = build()
        store.set(key, data)
    return data
