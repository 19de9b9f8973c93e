"""
Demo content for ``manage.py seed_demo``: plausible names and sentences.

Generated from small word lists so that a million posts cost no more than a
few seconds of CPU, and varied enough that pages, search and the chat look
like a community rather than ``lorem ipsum``.
"""

from datetime import timedelta
from functools import cache

from django.utils import timezone

from content import markup

NAMES = [
    "ada",
    "amal",
    "bea",
    "bruno",
    "chen",
    "dara",
    "eli",
    "emeka",
    "fatima",
    "finn",
    "grace",
    "hana",
    "ines",
    "ivan",
    "jonas",
    "kai",
    "lea",
    "li",
    "luca",
    "maya",
    "mei",
    "nadia",
    "noor",
    "olek",
    "priya",
    "quinn",
    "rosa",
    "sami",
    "tariq",
    "une",
    "vera",
    "wen",
    "xavi",
    "yara",
    "yuki",
    "zoe",
]

OPENERS = (
    "Has anyone tried",
    "Quick question about",
    "Loving the new",
    "Reminder: tonight we talk about",
    "I finally fixed",
    "Does anyone still use",
    "Hot take on",
    "Thanks everyone for the tips on",
    "Looking for help with",
    "Just shipped",
)
TOPICS = (
    "the garden plots",
    "the bike repair workshop",
    "sourdough starters",
    "our weekly board games night",
    "the library's new opening hours",
    "self-hosting a mail server",
    "the community radio stream",
    "learning Rust on weekends",
    "the street festival",
    "the lost cat on Elm Street",
    "solar panels for balconies",
    "the repair café",
    "Python 3.13",
    "the choir's winter concert",
)
CLOSERS = (
    "",
    " Any advice welcome.",
    " Details in the thread.",
    " It went better than expected!",
    " Let me know what you think.",
    " Photos coming soon.",
    " Bring snacks 🙂",
    " Happy to share notes.",
    " Not sure it was worth it, honestly.",
)
ROOM_TITLES = (
    "General",
    "Help desk",
    "Off topic",
    "Events",
    "Gardening",
    "Tech talk",
    "Marketplace",
    "Welcome",
    "Music",
    "Café",
)


# Every combination, built once: one random choice per line instead of three.
SENTENCES = [
    f"{opener} {topic}?{closer}"
    for opener in OPENERS
    for topic in TOPICS
    for closer in CLOSERS
]


def sentence(rng):
    """Return one post- or message-sized line of demo text."""
    return rng.choice(SENTENCES)


def sentence_and_html(rng):
    """
    Return one line of demo text and its rendered HTML (``content.markup``),
    rendered once per distinct line: seeding a million rows renders about a
    thousand.
    """
    text = sentence(rng)
    return text, _rendered(text)


@cache
def _rendered(text):
    return markup.render(text)


def name(rng):
    return rng.choice(NAMES)


def timeline(count, *, days=30, after=None):
    """
    Return ``count`` ascending moments over the last ``days`` days, none
    before ``after``.

    Pages list rows by id and ids grow with time (the board uses them as
    cursors), so the n-th seeded row must not be older than the one before
    it, nor than any row stored before the seeding, whose ids are smaller:
    ``after`` is the moment of the newest of those. Seeded rows cannot go
    *below* the existing ones either, since ids are public (addresses,
    exports, clients' resume points) and never renumbered. So demo content
    added to a site in use is dated between its newest row and now.
    """
    end = timezone.now()
    start = end - timedelta(days=days)
    if after is not None:
        start = min(max(start, after), end)
    step = (end - start) / max(count, 1)
    return (start + step * i for i in range(count))
