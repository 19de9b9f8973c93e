"""
Counts in words, singular or plural as the count needs: "1 post",
"1,250 posts", never "1 posts" or "post(s)".

Every interface that reports a count to a person (admin messages, command
summaries, form errors) goes through ``counted``, so that the noun follows
Django's ``ngettext`` and the number has thousands separators.
"""

from django.utils.translation import ngettext


def counted(count, singular, plural):
    """Return ``count`` and the noun that goes with it: ``counted(1, ...)``."""
    return f"{count:,} {ngettext(singular, plural, count)}"
