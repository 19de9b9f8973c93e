"""
Rendered post fragments, cached by what they show.

A board page is fifty ``board/_post.html`` fragments and a frame around them;
rendering the fragments (an include and two dates each; the body's HTML is
stored, rendered when it was written) is nearly all of a page's cost. Each
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

FIELDS = ("id", "display_name", "created", "html", "author_id", "hidden")


def _key(post):
    shown = "\x00".join(str(getattr(post, field)) for field in FIELDS)
    return f"post:{post.id}:{zlib.crc32(shown.encode()):08x}"


def post_html(post):
    """Return the rendered fragment of one post."""
    return render_posts([post])


def render_posts(posts, *, actions=None):
    """
    Return the fragments of ``posts``, in order, as one string of HTML.

    ``actions(post)``, if given, returns HTML of the reader's own (the report
    and moderation forms, with their CSRF token) that goes at the end of each
    post, outside the cache.
    """
    cache = caches["fragments"]
    keys = [_key(post) for post in posts]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        template = get_template("board/_post.html")
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
