"""
Whole pages for readers who are not signed in, cached until what they show
changes.

A page that lists posts is the same for every reader without an account,
but for its CSRF tokens and one-time form keys (content.forms.FormKeyField),
which are new on every view. Such a page is rendered once per version of
what it shows, stored with those values cut out, and each view gets them
filled in afresh: the same bytes the template would give, for a cache lookup
and two substitutions.

A version is a counter per part of the site (content.models.PageVersion,
a row in the database), moved in the same transaction as each write that
publishes an event to a group of that part (content.events), and by bulk
writes that publish nothing (imports, seeds) through ``bump``. Every process
reads it from the database, management commands' writes included; a page
names the groups it shows. The rendered pages themselves stay in each
process's memory (``STORE``, a few hundred at most).

On SQLite, a view does not even read the versions while nothing was
committed since the last read: a connection of the process's own, kept open,
asks SQLite whether any other connection wrote (``PRAGMA data_version``), a
few microseconds where opening the request's connection and reading would
take most of a millisecond.

Readers who are signed in, or have a message waiting for them, get the page
rendered for them as before.
"""

import hashlib
import re
import sqlite3
import threading

from django.contrib.messages import get_messages
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.db.models import F
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import quote_etag

from content.forms import new_form_key
from content.models import PageVersion

# Where the tokens and keys of a stored page go; never in a page's own text
# (it is not valid UTF-8 text a template could produce).
CSRF_SLOT = "\x00csrf\x00"
KEY_SLOT = "\x00key\x00"
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
FORM_KEY = re.compile(r'(name="client_id" value=")[^"]*(")')
_VERSIONED = set()
# The rendered pages, in this process's memory: a few hundred of some 70 KB
# each at most, whatever a crawler asks for.
STORE = LocMemCache("netsite-pages", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 300}})


def keep_versions(root):
    """
    Keep a version for the groups named ``root`` and ``root.<anything>``: an
    event to ``board.topic.7`` moves the version of ``board``, so a page of
    the whole board sees every change in it.
    """
    _VERSIONED.add(root)


def bump(group):
    """
    Move on the version of ``group``'s part of the site, in the current
    transaction: pages showing it render afresh once the write is committed.
    """
    root = group.partition(".")[0]
    if root not in _VERSIONED:
        return
    changed = PageVersion.objects.filter(group=root).update(version=F("version") + 1)
    if not changed:
        PageVersion.objects.get_or_create(group=root)
        PageVersion.objects.filter(group=root).update(version=F("version") + 1)


def versions(groups):
    """The current versions of ``groups`` (0 for one never changed)."""
    roots = [group.partition(".")[0] for group in groups]
    # Read on every view of a cached page: one plain query, no ORM on top,
    # of a table of a row or two (one per part of the site with versions).
    with connection.cursor() as cursor:
        cursor.execute('SELECT "group", version FROM content_pageversion')
        found = dict(cursor.fetchall())
    return [found.get(root, 0) for root in roots]


class Commits:
    """
    Whether anything was committed to a SQLite database since the last look,
    from any process: SQLite's own count of other connections' commits, read
    on a connection of this process's own that never writes.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._name = self._watch = None

    def count(self, name):
        """A number that changes whenever any connection commits to ``name``."""
        with self._lock:
            if self._name != name:
                if self._watch is not None:
                    self._watch.close()
                self._watch = sqlite3.connect(name, check_same_thread=False)
                self._name = name
            return self._watch.execute("PRAGMA data_version").fetchone()[0]


def _commit_count():
    """The commit count of the default database, or None where it has none."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    return COMMITS.count(connection.settings_dict["NAME"])


COMMITS = Commits()
# What the last read of each page's versions gave, with the commit count it
# was read at: (groups, stamp) -> (count, shown).
_SHOWN = {}


def _shown(groups, stamp):
    """The versions of ``groups`` and the value of ``stamp``, read or reused."""
    count, memo = _commit_count(), (tuple(groups), stamp)
    if count is not None:
        seen = _SHOWN.get(memo)
        if seen is not None and seen[0] == count:
            return seen[1]
    # The count is taken before the reads: a commit between the two makes
    # the next view read again, never the other way round.
    shown = "\x00".join(map(str, [*versions(groups), stamp and stamp()]))
    if count is not None:
        _SHOWN[memo] = (count, shown)
    return shown


def cacheable(request):
    """Whether ``request`` gets the page every reader without an account gets."""
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not len(get_messages(request))
    )


def _key(request, groups, variant, stamp):
    shown = _shown(groups, stamp)
    return hashlib.blake2b(
        f"{request.build_absolute_uri()}\x00{variant}\x00{shown}".encode(),
        digest_size=16,
    ).hexdigest()


def cached_page(request, render, *, groups, variant="", stamp=None):
    """
    Return ``render()``'s response, from the cache where the reader allows
    it: ``groups`` are the channel-layer groups whose events change the page,
    ``variant`` what else it depends on for this reader (a guest's
    remembered name), ``stamp`` an optional function of the database whose
    value is part of the key (the newest id: rows added without the services,
    by a script's ``bulk_create``, still reach the page).

    The page is the same for every reader without an account but for its
    CSRF tokens, which stay valid as long as the reader's CSRF secret does,
    and its one-time form keys: it carries an ETag, the hash of the page and
    of that secret, and a repeat visit that still has both gets a 304. The
    browser then shows the copy it has, form key included; a key that comes
    back with a text other than the one first stored under it makes a new
    item (content.services.create_item), so two tabs sharing one copy never
    lose the second post to the first.
    """
    if not cacheable(request):
        return render()
    key = _key(request, groups, variant, stamp)
    page = STORE.get(key)
    if page is None:
        response = render()
        if response.status_code != 200 or response.streaming:
            return response
        content = response.content.decode()
        stored = FORM_KEY.sub(
            rf"\g<1>{KEY_SLOT}\g<2>",
            TOKEN.sub(rf"\g<1>{CSRF_SLOT}\g<2>", content),
        )
        etag = _hash(stored)
        STORE.set(key, (stored, response["Content-Type"], etag))
    else:
        stored, content_type, etag = page
        head, *rest = stored.replace(CSRF_SLOT, get_token(request)).split(KEY_SLOT)
        content = head + "".join(new_form_key() + part for part in rest)
        response = HttpResponse(content, content_type=content_type)
    if CSRF_SLOT in stored:
        etag = _hash(etag + request.META["CSRF_COOKIE"])
    etag = response["ETag"] = quote_etag(etag)
    # A reader who signs in gets another page at the same address.
    patch_vary_headers(response, ["Cookie"])
    return get_conditional_response(request, etag=etag, response=response)


def _hash(text):
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def cached_data(request, build, *, groups, stamp=None):
    """
    Return ``build()``, data that is the same for every caller of this
    address (an API list), from the cache while ``groups`` are unchanged.
    """
    store, key = STORE, _key(request, groups, "data", stamp)
    data = store.get(key)
    if data is None:
        data = build()
        store.set(key, data)
    return data
