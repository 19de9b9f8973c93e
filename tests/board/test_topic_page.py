"""A topic's page, /board/t/<id>/, the board's list of topics and permalinks."""

import re

import pytest

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from board import services
from board.models import Post
from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db


def start(body="Bikes for sale\nTwo, both red.", **fields):
    return services.create_post(body=body, **fields)[0]


def add_replies(topic, count):
    """Store ``count`` replies to ``topic`` at once (for paging, not counting)."""
    now = timezone.now()
    Post.objects.bulk_create(
        Post(body=f"reply {n}", display_name="seed", created=now, topic=topic)
        for n in range(count)
    )
    return list(Post.objects.filter(topic=topic).order_by("id"))


def ids_on(page_html):
    return [int(i) for i in re.findall(r'<article[^>]* id="post-(\d+)"', page_html)]


def link(page_html, rel):
    match = re.search(rf'rel="{rel}" href="(\?[a-z]+=\d+)"', page_html)
    return match and match.group(1)


def reply_form(client, topic_id, body, **fields):
    token = csrf_token(client, f"/board/t/{topic_id}/")
    return client.post(
        f"/board/t/{topic_id}/",
        {"body": body, "csrfmiddlewaretoken": token, **fields},
    )


def test_a_topic_shows_its_first_post_then_its_replies_oldest_first(client):
    topic = start()
    replies = [services.create_post(body=f"r{n}", topic=topic)[0] for n in range(3)]

    response = client.get(f"/board/t/{topic.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="topic-title">Bikes for sale</h1>' in page
    assert ids_on(page) == [topic.pk, *(r.pk for r in replies)]
    assert link(page, "next") is None and link(page, "prev") is None


def test_newer_and_older_links_page_through_every_reply_both_ways(client):
    topic = start()
    replies = [r.pk for r in add_replies(topic, 137)]

    seen, url = [], f"/board/t/{topic.pk}/"
    while url:
        page = client.get(url).content.decode()
        seen += ids_on(page)[1:]  # the first post heads every page
        newer = link(page, "next")
        url = f"/board/t/{topic.pk}/{newer}" if newer else None
    assert seen == replies

    back, url = [], f"/board/t/{topic.pk}/{link(page, 'prev')}"
    while url:
        page = client.get(url).content.decode()
        back = ids_on(page)[1:] + back
        older = link(page, "prev")
        url = f"/board/t/{topic.pk}/{older}" if older else None
    assert back + seen[-37:] == replies


def test_a_topic_page_costs_the_same_queries_however_many_replies(client):
    topic = start()
    add_replies(topic, 60)
    with CaptureQueriesContext(connection) as small:
        client.get(f"/board/t/{topic.pk}/")
    small = list(small.captured_queries)
    replies = add_replies(topic, 2000)
    with CaptureQueriesContext(connection) as deep:
        response = client.get(f"/board/t/{topic.pk}/?after={replies[1500].pk}")
    deep = list(deep.captured_queries)
    with CaptureQueriesContext(connection) as back:
        client.get(f"/board/t/{topic.pk}/?before={replies[1500].pk}")
    back = list(back.captured_queries)

    assert response.status_code == 200
    assert len(small) == len(deep) == len(back)
    sql = " ".join(q["sql"].upper() for q in deep + back)
    assert "COUNT(" not in sql
    assert "OFFSET" not in sql


@pytest.mark.parametrize(
    "query", ["after=x", "before=-1", "from=1.5", "after=1&before=2"]
)
def test_malformed_paging_parameters_are_a_clear_400(client, query):
    topic = start()
    response = client.get(f"/board/t/{topic.pk}/?{query}")

    assert response.status_code == 400
    assert "parameter" in response.content.decode()


def test_a_reply_through_the_form_redirects_to_it_and_counts(client):
    topic = start()

    response = reply_form(client, topic.pk, "Still for sale?", display_name="kim")

    reply = Post.objects.get(topic=topic)
    assert response.status_code == 303
    assert response["Location"] == f"/board/p/{reply.pk}/"
    page = client.get(response["Location"], follow=True).content.decode()
    assert "Still for sale?" in page
    assert "Replied." in page
    board = client.get("/board/").content.decode()
    assert '1 reply</a> · last by <span class="last-poster">kim</span>' in board


def test_an_empty_reply_is_a_400_and_a_too_long_one_keeps_its_text(client):
    topic = start()

    assert reply_form(client, topic.pk, "   ").status_code == 400
    response = reply_form(client, topic.pk, "z" * 4001)
    assert response.status_code == 400
    assert "z" * 4001 in response.content.decode()
    assert Post.objects.filter(topic=topic).count() == 0


@override_settings(NETSITE_BOARD_FLOOD=(1, 30))
def test_replies_count_against_the_flood_limit_and_keep_the_text(client):
    topic = start()
    assert reply_form(client, topic.pk, "one").status_code == 303

    response = reply_form(client, topic.pk, "two, too fast")
    assert response.status_code == 429
    assert "two, too fast" in response.content.decode()


def test_a_reply_to_a_topic_hidden_meanwhile_says_so_and_keeps_the_text(
    client, moderator
):
    topic = start()
    token = csrf_token(client, f"/board/t/{topic.pk}/")
    services.hide_posts([topic], by=moderator, via="command")

    response = client.post(
        f"/board/t/{topic.pk}/", {"body": "my words", "csrfmiddlewaretoken": token}
    )
    page = response.content.decode()
    assert response.status_code == 404
    assert f"no topic {topic.pk} to reply to" in page
    assert "my words" in page
    assert Post.objects.filter(topic=topic).count() == 0


def test_a_banned_guest_cannot_reply(client, moderator):
    from content.bans import ban

    topic = start()
    ban(address="127.0.0.1", reason="spam", by=moderator, via="command")

    response = reply_form(client, topic.pk, "spam again")
    assert response.status_code == 403
    assert "spam again" in response.content.decode()
    assert Post.objects.filter(topic=topic).count() == 0


def test_hidden_topics_and_replies_are_404_or_gone_for_readers_marked_for_moderators(
    client, moderator
):
    topic = start()
    reply = services.create_post(body="hidden reply", topic=topic)[0]
    services.hide_posts([reply], by=moderator, via="command")

    assert "hidden reply" not in client.get(f"/board/t/{topic.pk}/").content.decode()
    assert client.get(f"/board/p/{reply.pk}/").status_code == 404
    services.hide_posts([topic], by=moderator, via="command")
    assert client.get(f"/board/t/{topic.pk}/").status_code == 404
    assert client.get(f"/board/p/{topic.pk}/").status_code == 404

    client.force_login(moderator)
    page = client.get(f"/board/t/{topic.pk}/").content.decode()
    assert "hidden reply" in page
    assert page.count('class="post hidden-item"') == 2
    assert client.get(f"/board/p/{reply.pk}/").status_code == 302


def test_a_topic_with_a_new_reply_goes_to_the_top_of_the_board(client):
    older = start(body="older topic")
    start(body="newer topic")
    services.create_post(body="bump", topic=older, display_name="kim")

    page = client.get("/board/").content.decode()
    lines = re.findall(r'<div class="topic" id="topic-(\d+)"', page)
    assert [int(i) for i in lines] == [older.pk, older.pk + 1]
    assert "bump" not in page  # replies live on the topic's page


def test_a_permalink_finds_an_old_reply_on_its_topic_page(client):
    topic = start()
    replies = add_replies(topic, 300)
    old = replies[7]

    response = client.get(old.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"/board/t/{topic.pk}/?from={old.pk}#post-{old.pk}"
    page = client.get(response["Location"]).content.decode()
    assert old.pk in ids_on(page)
    assert link(page, "prev") == f"?before={old.pk}"

    assert client.get(f"/board/p/{topic.pk}/")["Location"] == (
        f"/board/t/{topic.pk}/#post-{topic.pk}"
    )
    assert client.get("/board/p/999999/").status_code == 404


def test_the_admins_view_on_site_lands_on_the_permalink(admin_client):
    topic = start()
    old = add_replies(topic, 120)[3]
    content_type = ContentType.objects.get_for_model(Post)

    response = admin_client.get(f"/admin/r/{content_type.pk}/{old.pk}/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/board/p/{old.pk}/")


def test_deleting_your_own_post_leads_to_the_page_it_was_on(client, user):
    from tests.conftest import csrf_token as token_for

    topic = start(author=user)
    reply = services.create_post(body="mine", topic=topic, author=user)[0]
    client.force_login(user)

    for post, landing in ((reply, f"/board/t/{topic.pk}/"), (topic, "/board/")):
        url = f"/board/posts/{post.pk}/remove/"
        response = client.post(url, {"csrfmiddlewaretoken": token_for(client, url)})
        assert response.status_code == 303
        assert response["Location"] == landing
    assert not Post.objects.exists()


def test_deleting_a_topics_first_post_from_its_page_lands_on_the_board(
    client, moderator
):
    topic = start()
    reply = services.create_post(body="a reply", topic=topic)[0]
    other = start(body="Another topic")
    client.force_login(moderator)
    page = f"/board/t/{topic.pk}/"
    url = f"/board/posts/{topic.pk}/delete/"

    response = client.post(
        url, {"csrfmiddlewaretoken": csrf_token(client, page), "next": page}
    )

    assert response.status_code == 303
    assert response["Location"] == "/board/"
    board = client.get(response["Location"]).content.decode()
    assert "Deleted the post and the 1 that went with it." in board
    assert not Post.objects.filter(pk__in=[topic.pk, reply.pk]).exists()
    assert client.get(f"/board/p/{reply.pk}/").status_code == 404
    assert Post.objects.filter(pk=other.pk).exists()


def test_deleting_a_reply_from_its_topics_page_stays_on_that_page(client, moderator):
    topic = start()
    reply = services.create_post(body="a reply", topic=topic)[0]
    client.force_login(moderator)
    page = f"/board/t/{topic.pk}/?from={reply.pk}"

    response = client.post(
        f"/board/posts/{reply.pk}/delete/",
        {"csrfmiddlewaretoken": csrf_token(client, page), "next": page},
    )

    assert response["Location"] == page
    assert "Deleted the post." in client.get(page).content.decode()
