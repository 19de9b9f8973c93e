"""What every page's template needs beyond Django's own context processors."""

from django.urls import reverse

# The site menu: label, URL name, and the URL namespace of its section.
SECTIONS = [
    ("Board", "board:index", "board"),
    ("Chat", "chat:index", "chat"),
    ("API", "api:root", "api"),
    ("Lab", "lab:index", "lab"),
]


def navigation(request):
    """
    Return the menu as ``nav``: each item's ``label``, ``url`` and ``current``,
    the value of its ``aria-current``: ``"page"`` on the section's own page,
    ``"true"`` anywhere else in the section (a chat room, a lab lesson),
    ``None`` outside it.
    """
    match = getattr(request, "resolver_match", None)
    section = match.namespace if match is not None else None
    items = []
    for label, name, namespace in SECTIONS:
        url = reverse(name)
        current = None
        if request.path == url:
            current = "page"
        elif namespace == section:
            current = "true"
        items.append({"label": label, "url": url, "current": current})
    return {"nav": items}
