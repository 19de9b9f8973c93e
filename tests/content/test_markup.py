"""
The formatting of posts and messages (content.markup): what each construct
renders to, and that no construct lets a script, a handler or a dangerous
address through.
"""

import re

import pytest

from content.markup import mentioned_usernames, render

REL = 'rel="nofollow noopener noreferrer"'


def link(href, text):
    return f'<a href="{href}" {REL}>{text}</a>'


def test_emphasis_strong_strike_and_code_are_formatted():
    assert render("*em* **strong** ~~gone~~ `x < y`") == (
        "<p><em>em</em> <strong>strong</strong> <s>gone</s> <code>x &lt; y</code></p>"
    )


def test_nested_emphasis_is_formatted_once():
    assert render("***both*** **bold _and em_**") == (
        "<p><em><strong>both</strong></em> <strong>bold <em>and em</em></strong></p>"
    )


def test_lines_are_kept_as_typed_and_paragraphs_apart():
    assert render("one\ntwo\n\nthree") == "<p>one<br>\ntwo</p>\n<p>three</p>"


def test_quotes_lists_and_code_blocks_are_formatted():
    html = render("> said\n\n- a\n- b\n\n3. c\n\n```\nblock\n```\n\n    indented")
    assert html == (
        "<blockquote>\n<p>said</p>\n</blockquote>\n"
        "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
        '<ol start="3">\n<li>c</li>\n</ol>\n'
        "<pre><code>block\n</code></pre>\n"
        "<pre><code>indented\n</code></pre>"
    )


def test_links_and_bare_addresses_become_links():
    assert render("[site](https://example.org/a?b=1&c=2)") == (
        f"<p>{link('https://example.org/a?b=1&amp;c=2', 'site')}</p>"
    )
    assert render("see https://example.org/x, www.example.org and a@example.org") == (
        f"<p>see {link('https://example.org/x', 'https://example.org/x')}, "
        f"{link('http://www.example.org', 'www.example.org')} and "
        f"{link('mailto:a@example.org', 'a@example.org')}</p>"
    )
    assert render("<https://example.org>") == (
        f"<p>{link('https://example.org', 'https://example.org')}</p>"
    )


def test_headings_rules_and_images_stay_text():
    assert render("# Title") == "<p># Title</p>"
    assert render("Title\n---") == "<p>Title<br>\n---</p>"
    assert render("![alt](https://example.org/i.png)") == (
        f"<p>!{link('https://example.org/i.png', 'alt')}</p>"
    )


def test_a_mention_is_marked_and_listed():
    text = "hi @ada and @bo.b, thanks @ada."
    assert render(text) == (
        '<p>hi <span class="mention">@ada</span> and '
        '<span class="mention">@bo.b</span>, thanks '
        '<span class="mention">@ada</span>.</p>'
    )
    assert mentioned_usernames(text) == ["ada", "bo.b"]


@pytest.mark.parametrize(
    "text",
    [
        "`@ada`",
        "```\n@ada\n```",
        "[@ada](https://example.org)",
        "https://example.org/@ada",
        "ada@example.org",
        "\\@ada",
        "a@ada",
        "@",
        "@" + "a" * 151,
    ],
)
def test_no_mention_in_code_links_addresses_or_escapes(text):
    assert mentioned_usernames(text) == []
    assert "mention" not in render(text)


# Every way of smuggling markup, each through every construct that carries
# text or an address. None may yield a tag, attribute or address outside the
# allow-list, whatever else it renders to.
DANGEROUS_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "javascript&colon;alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "javascript%3Aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
]

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=https://example.org></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<!-- <script>alert(1)</script> -->",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    '"><script>alert(1)</script>',
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
]

CONSTRUCTS = [
    "{}",
    "*{}*",
    "**{}**",
    "***_{}_***",
    "~~{}~~",
    "`{}`",
    "```\n{}\n```",
    "```{}\ncode\n```",
    "    {}",
    "> {}",
    "> > - {}",
    "- {}",
    "1. {}",
    "[{}](https://example.org)",
    '[x](https://example.org "{}")',
    "@ada {}",
    "line\n{}",
]

ALLOWED_TAGS = {
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
# What a browser takes for an address's scheme (the URL standard's rule:
# leading spaces and controls dropped, then a letter and letters, digits,
# "+", "-" or "."); anything else is an address on this site, never run.
SCHEME = re.compile(r"[\x00-\x20]*([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def safe_href(href):
    scheme = SCHEME.match(href)
    return scheme is None or scheme.group(1).lower() in {"http", "https", "mailto"}


TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')


def assert_safe(html):
    """Every tag is allowed, with only allowed attributes and addresses."""
    for closing, tag, rest in TAG.findall(html):
        assert tag in ALLOWED_TAGS, html
        attributes = dict(ATTRIBUTE.findall(rest))
        # Nothing but well-formed attributes inside the tag.
        assert ATTRIBUTE.sub("", rest).strip(" /") == "", html
        if closing:
            assert not attributes, html
        elif tag == "a":
            assert set(attributes) <= {"href", "title", "rel"}, html
            assert attributes["rel"] == "nofollow noopener noreferrer", html
            href = attributes.get("href", "")
            assert safe_href(href), html
        elif tag == "span":
            assert attributes == {"class": "mention"}, html
        elif tag == "ol":
            assert set(attributes) <= {"start"}, html
        else:
            assert attributes == {}, html
    # Text holds no "<" that is not a tag's: no tag hides in an escape.
    assert "<" not in TAG.sub("", html), html


@pytest.mark.parametrize("construct", CONSTRUCTS)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_raw_html_gets_through_any_construct(construct, payload):
    html = render(construct.format(payload))
    assert_safe(html)
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "<iframe" not in html and "<div" not in html and "<!--" not in html


@pytest.mark.parametrize("url", DANGEROUS_URLS)
@pytest.mark.parametrize(
    "construct",
    [
        "[x]({})",
        "[x](<{}>)",
        "<{}>",
        "{}",
        "[x][r]\n\n[r]: {}",
        "![x]({})",
        "**[x]({})**",
        "> [x]({})",
    ],
)
def test_no_dangerous_address_becomes_a_link(construct, url):
    html = render(construct.format(url))
    assert_safe(html)
    for href in re.findall(r'href="([^"]*)"', html):
        assert safe_href(href), html


def test_an_attribute_cannot_be_injected_through_a_link():
    html = render('[x](https://example.org/" onmouseover="alert(1))')
    assert_safe(html)
    assert "onmouseover=" not in re.sub(r">[^<]*<", "><", html)
    html = render('[x](https://example.org "t" onmouseover="alert(1)")')
    assert_safe(html)
    assert 'onmouseover="' not in "".join(TAG.findall(html)[0])


def test_an_entity_cannot_spell_a_tag():
    html = render("&lt;script&gt; &#x3C;img src=x&#x3E; &#0;")
    assert_safe(html)
    assert html == "<p>&lt;script&gt; &lt;img src=x&gt; \ufffd</p>"
