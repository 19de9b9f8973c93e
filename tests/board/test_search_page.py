"""/board/search/: full-text search of the board, without JavaScript."""

import re

import pytest

from board import services
from board.models import Post
from content import search

pytestmark = pytest.mark.django_db

# Each is a query a person might type that is FTS5 or tsquery syntax.
HOSTILE = [
    '"',
    '"needle',
    'needle"',
    '""needle""',
    "needle*",
    "*",
    "NEAR(needle haystack)",
    "needle NEAR haystack",
    "needle AND OR NOT",
    "-needle",
    "needle -haystack",
    "body:needle",
    "needle:*",
    "^needle",
    "{needle haystack}",
    "(needle",
    "needle)",
    "needle & !haystack | <->",
    "needle'; DROP TABLE board_post; --",
    "needle\x00",
    "needle\u200b",
    "ниdle 日本語 🙂 needle",
]


def post(body, **writer):
    item, _created = services.create_post(body=body, display_name="Ada", **writer)
    return item


def found_ids(response):
    return [int(i) for i in re.findall(r'href="/board/p/(\d+)/"', response.text)]


def test_the_board_has_a_search_box_that_needs_no_javascript(client):
    page = client.get("/board/").text
    assert '<form method="get" action="/board/search/"' in page
    assert 'name="q"' in page


def test_it_finds_a_post_by_a_word_and_links_to_it(client):
    wanted = post("The deploy failed again on Tuesday")
    post("Nothing to see here")

    response = client.get("/board/search/", {"q": "deploy"})

    assert response.status_code == 200
    assert found_ids(response) == [wanted.pk]
    assert f'href="{wanted.get_absolute_url()}"' in response.text
    assert "Ada" in response.text
    assert f'<time datetime="{wanted.created.isoformat()}">' in response.text


def test_every_word_must_be_in_the_post_whatever_the_case(client):
    both = post("Release NOTES for the Spring release")
    post("Release candidate only")

    response = client.get("/board/search/", {"q": "notes RELEASE"})

    assert found_ids(response) == [both.pk]


def test_a_word_matches_whole_words_only(client):
    post("deployment")

    assert found_ids(client.get("/board/search/", {"q": "deploy"})) == []


def test_results_are_newest_first_and_page_back_by_keyset(client):
    ids = [post(f"needle number {n}").pk for n in range(search.PAGE_SIZE + 7)]
    post("haystack only")

    first = client.get("/board/search/", {"q": "needle"})
    older = re.search(r'href="\?q=needle&amp;before=(\d+)"', first.text)
    second = client.get("/board/search/", {"q": "needle", "before": older.group(1)})

    assert found_ids(first) == ids[::-1][: search.PAGE_SIZE]
    assert found_ids(second) == ids[::-1][search.PAGE_SIZE :]
    assert "Older results" not in second.text


def test_the_match_is_marked_in_an_escaped_excerpt(client):
    post("<script>alert(1)</script> a needle & a <b>haystack</b>, not needles")

    page = client.get("/board/search/", {"q": "needle"}).text

    assert "<script>alert(1)</script>" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; a <mark>needle</mark> &amp; a "
        "&lt;b&gt;haystack&lt;/b&gt;, not needles"
    ) in page


def test_a_query_that_is_markup_is_escaped_where_it_is_shown(client):
    page = client.get("/board/search/", {"q": "<img src=x onerror=alert(1)>"}).text

    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_an_excerpt_of_a_long_post_shows_the_match(client):
    post("filler " * 100 + "needle" + " filler" * 100)

    page = client.get("/board/search/", {"q": "needle"}).text

    assert re.search(r"…filler[^<]*<mark>needle</mark> filler[^<]*…", page)


def test_hidden_posts_are_not_found(client, moderator):
    hidden = post("a hidden needle")
    shown = post("a visible needle")
    services.moderation.hide([hidden], by=moderator, via="admin")

    assert found_ids(client.get("/board/search/", {"q": "needle"})) == [shown.pk]


def test_moderators_find_hidden_posts_marked_hidden(client, moderator):
    hidden = post("a hidden needle")
    services.moderation.hide([hidden], by=moderator, via="admin")
    client.force_login(moderator)

    response = client.get("/board/search/", {"q": "needle"})

    assert found_ids(response) == [hidden.pk]
    assert '<span class="hidden-mark">Hidden</span>' in response.text


def test_an_edited_post_is_found_by_its_new_text_only(client, moderator):
    item = post("the old wording")
    services.moderation.edit(item, "the new phrasing", by=moderator, via="admin")

    assert found_ids(client.get("/board/search/", {"q": "phrasing"})) == [item.pk]
    assert found_ids(client.get("/board/search/", {"q": "wording"})) == []


def test_a_deleted_post_is_not_found(client, moderator):
    item = post("soon gone needle")
    services.moderation.delete([item], by=moderator, via="admin")

    assert found_ids(client.get("/board/search/", {"q": "needle"})) == []


@pytest.mark.parametrize("query", HOSTILE)
def test_query_syntax_is_searched_as_plain_words(client, query):
    wanted = post("a needle in a haystack")

    response = client.get("/board/search/", {"q": query})

    # Found when each of its words is in the post; else nothing, or a reason.
    words = set(re.findall(r"\w+", query.lower()))
    if response.status_code == 400:
        assert not words or "\x00" in query
        assert 'class="field-error" role="alert">' in response.text
    else:
        assert response.status_code == 200
        expected = [wanted.pk] if words <= {"a", "needle", "in", "haystack"} else []
        assert found_ids(response) == expected


def test_words_in_any_script_are_found(client):
    wanted = post("Ünïcödé Straße: Привет мир, 日本語 and café")

    for query in ("ünïcödé", "STRAßE", "привет", "日本語", "Café"):
        response = client.get("/board/search/", {"q": query})
        assert found_ids(response) == [wanted.pk], query


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("", "Type a word to search for."),
        ("   ", "Type a word to search for."),
        ("*** !!! ---", "Search for at least one word or number"),
        ("x" * 10_000, "Search for at most 200 characters (this has 10000)."),
        (" ".join(f"w{n}" for n in range(11)), "Search for at most 10 words."),
    ],
)
def test_a_query_it_cannot_search_is_a_form_error(client, query, error):
    post("needle")

    response = client.get("/board/search/", {"q": query})

    assert response.status_code == 400
    assert f'class="field-error" role="alert">{error}' in response.text
    assert found_ids(response) == []


def test_a_damaged_page_address_is_a_form_error(client):
    response = client.get("/board/search/", {"q": "needle", "before": "abc"})

    assert response.status_code == 400
    assert "That page of results does not exist" in response.text


def test_the_page_without_a_query_shows_the_form_only(client):
    response = client.get("/board/search/")

    assert response.status_code == 200
    assert "field-error" not in response.text
    assert 'name="q"' in response.text


def test_a_post_written_through_the_form_is_found(post_form, client):
    assert post_form("freshly typed needle", display_name="Ada").status_code == 303

    assert found_ids(client.get("/board/search/", {"q": "needle"})) == [
        Post.objects.get().pk
    ]
