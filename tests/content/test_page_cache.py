"""
Pages cached for readers without an account (content.pages): the same bytes
as a fresh render but for new tokens and form keys, working forms, and never
a page that misses a write, shows another reader's state, or grows without
bound.
"""

import random
import re
from io import StringIO

import pytest

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from board import services
from board.models import Post
from content import pages
from content.models import PageVersion
from content.services import edit_item
from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db

TOKENS = re.compile(r'(name="(?:csrfmiddlewaretoken|client_id)" value=")[^"]*"')


def tokens_out(html):
    return TOKENS.sub(r'\1"', html)


def form_key(html):
    return re.search(r'name="client_id" value="([^"]+)"', html).group(1)


def page(client, path="/board/"):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture(autouse=True)
def _no_pages():
    pages.STORE.clear()
    yield
    pages.STORE.clear()


def test_a_cached_page_is_the_fresh_page_with_new_tokens_and_keys(client):
    services.create_post(body="Hello *board*", display_name="Ada")
    first, second = page(client), page(client)
    pages.STORE.clear()
    fresh = page(client)

    assert tokens_out(second) == tokens_out(first) == tokens_out(fresh)
    assert "Hello <em>board</em>" in second
    assert len({form_key(first), form_key(second), form_key(fresh)}) == 3


def test_the_form_of_a_cached_page_posts(client):
    page(client)
    html = page(client)  # from the cache
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = client.post(
        "/board/",
        {
            "body": "Posted from a cached page",
            "display_name": "Zoë",
            "client_id": form_key(html),
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 303
    assert "Posted from a cached page" in page(client)


def test_every_write_reaches_the_next_view(client, moderator, user):
    topic, _ = services.create_post(body="First", author=user)
    assert "First" in page(client)

    reply, _ = services.create_post(body="A reply", display_name="Bo", topic=topic)
    assert "1 reply" in page(client)

    edit_item(topic, text="First, edited", by=user, via="board")
    assert "First, edited" in page(client)

    services.hide_posts([topic], by=moderator, via="board")
    assert "First, edited" not in page(client)


def test_bulk_writes_reach_the_next_view(client, tmp_path):
    services.create_post(body="Exported words", display_name="Ed")
    exported = tmp_path / "posts.jsonl"
    call_command("export", "posts", "--output", str(exported), stdout=StringIO())
    Post.objects.all().delete()
    assert "Exported words" not in page(client)

    call_command("import", "posts", str(exported), stdout=StringIO())
    assert "Exported words" in page(client)

    services.seed_posts(count=3, rng=random.Random(1))
    assert len(re.findall(r'id="post-\d+"', page(client))) == 4


def test_a_reader_with_an_account_gets_their_own_page(client, user):
    page(client)
    client.force_login(user)

    html = page(client)

    assert 'class="whoami">ada<' in html


def test_a_waiting_message_is_shown_though_the_page_is_cached(client, post_form):
    page(client)

    post_form("Hello", display_name="Ada")

    assert "Posted." in page(client)
    assert "Posted." not in page(Client())


def test_a_guests_remembered_name_is_theirs_alone(client, post_form):
    post_form("Hello", display_name="Ada")
    page(client)

    others = page(Client())

    assert re.search(r'name="display_name"[^>]*value="Ada"', page(client))
    assert not re.search(r'name="display_name"[^>]*value="Ada"', others)


def test_the_api_list_follows_every_write(anon, user):
    post, _ = services.create_post(body="Before", author=user)
    assert anon.get("/api/posts/").json()["results"][0]["body"] == "Before"

    edit_item(post, text="After", by=user, via="api")

    assert anon.get("/api/posts/").json()["results"][0]["body"] == "After"


@pytest.fixture
def anon():
    from rest_framework.test import APIClient

    return APIClient()


def test_a_bad_cursor_is_never_cached(client):
    for _ in range(2):
        assert client.get("/board/?before=nonsense").status_code == 400


def test_the_pages_kept_are_bounded(client):
    for n in range(400):
        client.get(f"/board/?before={10**15 + n}_{n}")

    assert len(pages.STORE._cache) <= 300


def test_groups_outside_the_cached_ones_keep_no_versions():
    pages.bump("chat.lobby")
    pages.bump("board.topic.7")

    assert list(PageVersion.objects.values_list("group", flat=True)) == ["board"]


def test_posts_added_without_the_services_reach_the_next_view(client):
    page(client)
    now = timezone.now()
    Post.objects.bulk_create(
        [
            Post(
                body="Loaded by a script",
                title="Loaded by a script",
                display_name="Sc",
                created=now,
                last_activity=now,
            )
        ]
    )

    assert "Loaded by a script" in page(client)


def test_csrf_token_helper_sees_a_cookie_from_a_cached_page(client):
    page(client)
    fresh = Client(enforce_csrf_checks=True)

    assert csrf_token(fresh)
    assert Post.objects.count() == 0


@pytest.fixture
def no_guest_posts(settings):
    settings.NETSITE_ANONYMOUS_POSTING = False


def revisit(client, response, path="/board/"):
    return client.get(path, headers={"if-none-match": response["ETag"]})


def test_a_page_without_a_form_revalidates_until_the_board_changes(
    client, no_guest_posts, user
):
    services.create_post(body="Old words", author=user)
    first = client.get("/board/")
    assert 'name="client_id"' not in first.content.decode()
    assert first.has_header("ETag") and "Cookie" in first["Vary"]

    again = revisit(client, first)
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    pages.STORE.clear()  # another process, or a restart: the same bytes
    assert revisit(client, first).status_code == 304

    services.create_post(body="New words", author=user)
    changed = revisit(client, first)
    assert changed.status_code == 200 and "New words" in changed.content.decode()
    assert changed["ETag"] != first["ETag"]


def test_a_new_csrf_secret_gets_the_page_afresh(client, no_guest_posts, user):
    services.create_post(body="Words", author=user)
    first = client.get("/board/")
    assert 'name="csrfmiddlewaretoken"' in first.content.decode()

    other = Client()  # no cookie: its token would not match the cached page's
    assert revisit(other, first).status_code == 200
    client.cookies.pop("csrftoken")
    assert revisit(client, first).status_code == 200


def test_a_reader_who_signed_in_never_gets_the_guests_page_revalidated(
    client, no_guest_posts, user
):
    first = client.get("/board/")
    client.force_login(user)

    response = revisit(client, first)

    assert response.status_code == 200
    assert 'class="whoami">ada<' in response.content.decode()


def test_a_page_with_the_post_form_revalidates_until_the_board_changes(client):
    first = client.get("/board/")
    assert 'name="client_id"' in first.content.decode()

    assert revisit(client, first).status_code == 304

    services.create_post(body="New words", display_name="Bo")
    assert revisit(client, first).status_code == 200


def test_two_tabs_showing_one_revalidated_copy_lose_neither_post(client):
    html = client.get("/board/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    key = form_key(html)

    def post(body):
        data = {"body": body, "display_name": "Zoë", "client_id": key}
        return client.post("/board/", {**data, "csrfmiddlewaretoken": token})

    for body in ("From the first tab", "From the second tab", "From the first tab"):
        assert post(body).status_code == 303

    # The second text is a post of its own; the first, sent again, a retry.
    assert sorted(Post.objects.values_list("body", flat=True)) == [
        "From the first tab",
        "From the second tab",
    ]
