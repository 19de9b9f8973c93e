import re

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from board import services
from board.models import Post

pytestmark = pytest.mark.django_db


def make_posts(count):
    """Store ``count`` topics without replies, all of the same moment."""
    now = timezone.now()
    Post.objects.bulk_create(
        Post(
            body=f"post {n}",
            title=f"post {n}",
            display_name="seed",
            created=now,
            last_activity=now,
        )
        for n in range(count)
    )


def ids_on(page_html):
    return [int(i) for i in re.findall(r'id="post-(\d+)"', page_html)]


def older_link(page_html):
    match = re.search(r'href="\?before=(\d+_\d+)"', page_html)
    return match and match.group(1)


def test_it_shows_the_fifty_newest_posts_newest_first(client):
    make_posts(60)
    ids = ids_on(client.get("/board/").content.decode())

    assert len(ids) == 50
    assert ids == sorted(ids, reverse=True)
    assert ids[0] == Post.objects.latest("id").id


def test_older_posts_pages_through_everything_without_gaps_or_duplicates(client):
    make_posts(137)
    seen, url = [], "/board/"
    while url:
        html = client.get(url).content.decode()
        seen += ids_on(html)
        before = older_link(html)
        url = f"/board/?before={before}" if before else None

    assert seen == list(Post.objects.order_by("-id").values_list("id", flat=True))


def test_the_board_page_costs_the_same_queries_however_large_the_table(client):
    make_posts(60)
    with CaptureQueriesContext(connection) as small:
        client.get("/board/")
    small = list(small.captured_queries)
    make_posts(2000)
    with CaptureQueriesContext(connection) as large:
        client.get("/board/")
    # Read now: the next request empties the connection's query log.
    large = list(large.captured_queries)
    page = client.get("/board/").content.decode()
    for _ in range(3):
        page = client.get(f"/board/?before={older_link(page)}").content.decode()
    with CaptureQueriesContext(connection) as deep:
        response = client.get(f"/board/?before={older_link(page)}")
    deep = list(deep.captured_queries)

    assert response.status_code == 200
    assert len(small) == len(large) == len(deep)
    sql = " ".join(q["sql"].upper() for q in large + deep)
    assert "COUNT(" not in sql
    assert "OFFSET" not in sql


def test_hidden_posts_are_not_shown(client, moderator):
    make_posts(3)
    hidden = Post.objects.first()
    services.hide_posts([hidden], by=moderator, via="command")

    ids = ids_on(client.get("/board/").content.decode())
    assert hidden.id not in ids
    assert len(ids) == 2


@pytest.mark.parametrize(
    "value", ["abc", "-3", "1.5", "12", "12_", "_12", "1_2_3", "9" * 50 + "_1"]
)
def test_a_malformed_before_parameter_is_a_clear_400(client, value):
    response = client.get("/board/", {"before": value})

    assert response.status_code == 400
    assert "must be a position on the board" in response.content.decode()


def test_a_bare_topic_id_pages_back_from_that_topic(client):
    make_posts(60)
    topic = Post.objects.order_by("id")[20]
    by_id = ids_on(client.get(f"/board/?before={topic.pk}").content.decode())

    older = Post.objects.filter(id__lt=topic.pk).order_by("-id")
    assert by_id == list(older.values_list("id", flat=True))
    assert len(by_id) == 20


def test_an_empty_board_says_so(client):
    assert "No posts yet" in client.get("/board/").content.decode()


def test_a_put_to_the_board_is_405(client):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    assert client.put("/board/", headers={"X-CSRFToken": token}).status_code == 405


@pytest.mark.django_db
def test_an_edited_or_hidden_post_shows_as_it_is_now(client, moderator):
    post, _ = services.create_post(body="first words", title="Greetings")
    assert "first words" in client.get("/board/").content.decode()

    services.edit_post(post, "second words", by=moderator, via="command")
    page = client.get("/board/").content.decode()
    assert "second words" in page
    assert "first words" not in page

    services.hide_posts([post], by=moderator, via="command")
    assert "second words" not in client.get("/board/").content.decode()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")
def test_board_pages_read_topics_from_their_index_without_sorting_the_table():
    # Defended: SQLite took the replies' index for "topic IS NULL" and sorted
    # all of a million topics for each page (1.2 s a page).
    make_posts(3)
    topics = Post.objects.visible().topics()
    newest = topics.first()
    for page in (topics, topics.active_before(newest.last_activity, newest.pk)):
        plan = page[:51].explain()
        assert "board_topic_activity" in plan
        assert "TEMP B-TREE" not in plan
    assert (
        "SEARCH" in topics.active_before(newest.last_activity, newest.pk)[:51].explain()
    )
    replies = Post.objects.visible().replies_to(newest.pk)[:51].explain()
    assert "board_post_topic" in replies
    assert "TEMP B-TREE" not in replies
