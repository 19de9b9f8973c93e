"""
Names that look alike, and the names guests may not take.

Two names are the same to a reader when they differ only in case, width or
style (``ADMIN``, ``ａｄｍｉｎ``, ``𝐚𝐝𝐦𝐢𝐧``), or in letters of another script
drawn the same way (Cyrillic ``а`` for Latin ``a``), or in invisible
characters. ``skeleton`` maps a name to a form (a skeleton) that such look-alikes share,
after Unicode's confusable detection (UTS #39, section 4): Unicode's own
table of confusable characters (confusables.txt, as the
``confusable_homoglyphs`` package ships it) maps each character to the
prototype its look-alikes share, after NFKC normalisation and case folding.

A guest may not take a name with the skeleton of a member's username or
display name, of a word that would pass for the site's staff
(``NETSITE_RESERVED_NAMES``), or of the name ``manage.py say`` posts under
(``SYSTEM_NAME``); nor may a member take one as their display name.
"""

import functools
import unicodedata

from confusable_homoglyphs.confusables import confusables_data

from django.conf import settings
from django.contrib.auth import get_user_model

from content.models import Profile

# Who ``manage.py say`` posts as by default.
SYSTEM_NAME = "system"
# Right-to-left characters come wrapped in marks in the package's table.
_DIRECTION_MARKS = "\u200e\u200f"


_TABLE = {
    key.strip(_DIRECTION_MARKS): [
        entry["c"].strip(_DIRECTION_MARKS) for entry in entries
    ]
    for key, entries in confusables_data.items()
}


def _glyphs(char):
    return _TABLE.get(char, ())


@functools.cache
def _prototype(char):
    """
    Return the prototype of ``char``: what it and its look-alikes map to.

    confusables.txt maps each confusable character to one prototype; the
    package's table lists the pairs both ways, so a character with one
    look-alike is a source and that look-alike its prototype, unless the two
    only have each other (then either stands for both).
    """
    glyphs = _glyphs(char)
    if len(glyphs) != 1:
        return char  # a prototype itself, or confusable with nothing
    (other,) = glyphs
    if len(other) > 1 or len(_glyphs(other)) > 1:
        return other  # sources are single characters; prototypes may be more
    return min(char, other)


def _clean(text):
    # Format characters (zero-width spaces and joiners, direction marks) are
    # invisible; spaces are not, but "ad min" reads as "admin" at a glance.
    return "".join(
        char
        for char in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
        if not char.isspace() and unicodedata.category(char) != "Cf"
    )


def _skeleton(text):
    text = _clean(text)
    # Mapping can reveal another confusable and folding case another (U+2160
    # ROMAN NUMERAL ONE is "I", which is "l"), so repeat until nothing changes.
    for _round in range(4):
        mapped = _clean("".join(_prototype(char) for char in text).casefold())
        if mapped == text:
            break
        text = mapped
    return text


@functools.lru_cache(maxsize=65536)
def skeleton(name):
    """
    Return what ``name`` and its look-alikes share: compare these.

    Case is ignored, so the name is case-folded first. Unicode's table is
    case-sensitive, though: capital I is drawn like small l, which folding
    turns into small i, so i and l count as one letter here.
    """
    return _skeleton(name.casefold()).replace("l", "i")


def reserved_words():
    """Return the skeletons of the staff words and the system name."""
    return _reserved(tuple(settings.NETSITE_RESERVED_NAMES))


@functools.cache
def _reserved(words):
    return frozenset(skeleton(word) for word in (*words, SYSTEM_NAME))


def owner_of(name, *, ignore=None):
    """
    Return who ``name`` would pass for: ``"staff"`` for a reserved word or
    the system name, ``"member"`` for a member's username or display name,
    or ``None`` when the name is free. The names of ``ignore`` (a user) do
    not count: a member may keep a name that looks like their own.
    """
    own = skeleton(name)
    if own in reserved_words():
        return "staff"
    # Every name is compared, as a skeleton cannot be looked up in an index
    # of the names as typed; skeletons are cached per process, so a check
    # costs one read of the username column and one of the display names.
    user_model = get_user_model()
    users = user_model._default_manager.all()
    profiles = Profile.objects.exclude(display_name="")
    if ignore is not None:
        users = users.exclude(pk=ignore.pk)
        profiles = profiles.exclude(user_id=ignore.pk)
    usernames = users.values_list(user_model.USERNAME_FIELD, flat=True)
    shown = profiles.values_list("display_name", flat=True)
    for taken in (usernames, shown):
        if any(skeleton(other) == own for other in taken.iterator()):
            return "member"
    return None
