"""
The formatting of board posts and chat messages: a safe subset of Markdown.

A post's or message's text stays its source; ``render(text)`` turns it into
the HTML that pages, frames and the API show, once, when it is written
(``content.services.text_fields``), so that reading never renders again.

What people may write is CommonMark without its risky or page-breaking
parts: *emphasis*, **strong**, ~~strike~~, `code`, fenced and indented code
blocks, [links](https://example.com), > quotes, lists, and line breaks kept
as typed (a chat message is often several lines). Headings, rules, images
and raw HTML are off: raw HTML shows as the text it is. Bare addresses
(``https://…``, ``www.…``, ``ada@example.com``) become links, and
``@username`` becomes a highlighted mention (``mentioned_usernames`` lists
them; code and links hold none).

The parser (markdown-it-py) already refuses ``javascript:`` and similar
links, but its output is not trusted as such: nh3 (the Ammonia sanitizer)
cleans it against an allow-list of tags, attributes and URL schemes, and
gives every link ``rel="nofollow noopener noreferrer"``.
"""

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

# A username as Django's validator allows it (letters, digits and ``.+-_``;
# ``@`` too, which a mention cannot hold), not ending in the punctuation that
# follows a name in a sentence ("thanks @ada.").
MENTION = re.compile(r"(?<![\w@.+\-/])@([\w.+\-]*\w)")
USERNAME_MAX_LENGTH = 150

TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "span",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
CLASSES = {"span": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"


def _mentions(state):
    """
    Core rule: turn ``@name`` in text into a mention, outside links and code.

    It runs after linkify, so an address such as ``https://x.org/@ada`` is a
    link already and keeps its ``@``.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, in_link = [], 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if token.type != "text" or in_link or "@" not in token.content:
                children.append(token)
                continue
            children.extend(_split_mentions(token))
        block.children = children


def _split_mentions(token):
    text, start, pieces = token.content, 0, []
    for found in MENTION.finditer(text):
        name = found.group(1)
        if len(name) > USERNAME_MAX_LENGTH:
            continue
        if found.start() > start:
            pieces.append(_text(token, text[start : found.start()]))
        opening = Token("mention_open", "span", 1, attrs={"class": "mention"})
        opening.meta = {"username": name}
        pieces += [
            opening,
            _text(token, found.group()),
            Token("mention_close", "span", -1),
        ]
        start = found.end()
    if not pieces:
        return [token]
    if start < len(text):
        pieces.append(_text(token, text[start:]))
    return pieces


def _text(like, content):
    token = Token("text", "", 0, content=content, level=like.level)
    return token


def _parser():
    md = MarkdownIt("commonmark", {"breaks": True, "html": False, "linkify": True})
    md.enable(["linkify", "strikethrough"])
    md.disable(["heading", "lheading", "hr", "image", "html_block", "html_inline"])
    md.core.ruler.after("linkify", "mentions", _mentions)
    return md


_md = _parser()
_cleaner = nh3.Cleaner(
    tags=TAGS,
    attributes=ATTRIBUTES,
    allowed_classes=CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel=LINK_REL,
)


def render(text):
    """Return the safe HTML of a post's or message's ``text``."""
    return _cleaner.clean(_md.render(text)).strip()


def mentioned_usernames(text):
    """
    Return the usernames that ``text`` mentions (``@name``), in order of first
    mention, each once; whether such members exist is for the caller to check.
    """
    names = {}
    for block in _md.parse(text):
        for token in block.children or ():
            if token.type == "mention_open":
                names.setdefault(token.meta["username"], None)
    return list(names)
