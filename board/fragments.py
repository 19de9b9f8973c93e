"""
Rendered post fragments, cached by what they show.

A board page is fifty fragments (``board/_topic.html``, a topic's line on the
board, or ``board/_post.html``, a post on a topic's page) and a frame around
them; rendering the fragments (an include and two dates each; the body's HTML
is stored, rendered when it was written) is nearly all of a page's cost. Each
fragment is cached under a key made of the post's id and a checksum of every
field it shows, so an edited post gets a new key and no write has to
invalidate anything: the key always names the right HTML, in every process.
The cache is this process's memory (the ``fragments`` cache), separate from
the shared cache that holds rate limits, so that evicting fragments never
resets a counter.
"""

import zlib

from django.core.cache import caches
from django.template.loader import get_template
from django.utils.safestring import mark_safe

FIELDS = ("id", "display_name", "created", "html", "author_id", "hidden", "edited_at")
TOPIC_FIELDS = (*FIELDS, "title", "reply_count", "last_poster", "last_activity")
KINDS = {
    "post": ("board/_post.html", FIELDS),
    "topic": ("board/_topic.html", TOPIC_FIELDS),
}


def _key(post, kind):
    shown = "\x00".join(str(getattr(post, field)) for field in KINDS[kind][1])
    return f"{kind}:{post.id}:{zlib.crc32(shown.encode()):08x}"


def post_html(post):
    """Return the fragment of one post as live pages show it: a topic's line
    on the board for a topic's first post, else the post on its topic page."""
    return render_posts([post], kind="topic" if post.is_topic else "post")


def render_posts(posts, *, actions=None, kind="post"):
    """
    Return the fragments of ``posts``, in order, as one string of HTML.

    ``kind`` is ``"post"`` (posts on a topic's page) or ``"topic"`` (topics'
    lines on the board). ``actions(post)``, if given, returns HTML of the
    reader's own (the report and moderation forms, with their CSRF token)
    that goes at the end of each post, outside the cache.
    """
    cache = caches["fragments"]
    keys = [_key(post, kind) for post in posts]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        template = get_template(KINDS[kind][0])
        rendered = {}
        for key, post in zip(keys, posts, strict=True):
            if key not in found:
                rendered[key] = found[key] = template.render({"post": post})
        cache.set_many(rendered)
    fragments = [found[key] for key in keys]
    if actions is not None:
        fragments = [
            _append(fragment, actions(post))
            for fragment, post in zip(fragments, posts, strict=True)
        ]
    # Each fragment was rendered by the template engine, escaping included.
    return mark_safe("".join(fragments))  # noqa: S308


def _append(fragment, html):
    """Put ``html`` inside the fragment's article, at its end."""
    head, end, tail = fragment.rpartition("</article>")
    return f"{head}{html}{end}{tail}"
