"""Board topics and their replies through /api/topics/."""

import pytest

from django.contrib.auth.models import User

from board import services as board_services
from board.models import Post
from content.bans import ban

pytestmark = pytest.mark.django_db


def start(body="Bikes for sale\nTwo, both red.", **fields):
    return board_services.create_post(body=body, **fields)[0]


def test_a_topic_is_created_with_a_title_and_a_body(author, client_for):
    response = client_for(author).post(
        "/api/topics/", {"title": "Bikes", "body": "Two, both red."}, format="json"
    )

    assert response.status_code == 201
    data = response.json()
    topic = Post.objects.get(pk=data["id"])
    assert (topic.title, topic.body, topic.topic_id) == (
        "Bikes",
        "Two, both red.",
        None,
    )
    assert data["title"] == "Bikes"
    assert data["reply_count"] == 0
    assert data["last_poster"] == "ada"
    assert data["url"].endswith(f"/api/topics/{topic.pk}/")
    assert data["post"].endswith(f"/api/posts/{topic.pk}/")
    assert data["replies"].endswith(f"/api/topics/{topic.pk}/replies/")
    assert data["html_url"].endswith(f"/board/p/{topic.pk}/")


def test_without_a_title_the_first_line_is_the_title(author, client_for):
    response = client_for(author).post(
        "/api/topics/", {"body": "First line\nsecond"}, format="json"
    )
    assert response.json()["title"] == "First line"


def test_a_too_long_title_is_a_400_naming_the_field(author, client_for):
    response = client_for(author).post(
        "/api/topics/", {"title": "t" * 121, "body": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "title" in response.json()["errors"]
    assert Post.objects.count() == 0


def test_topics_are_listed_by_last_activity_with_counts(anon):
    older, newer = start(body="older"), start(body="newer")
    board_services.create_post(body="bump", topic=older, display_name="kim")

    results = anon.get("/api/topics/").json()["results"]
    assert [t["id"] for t in results] == [older.pk, newer.pk]
    assert (results[0]["reply_count"], results[0]["last_poster"]) == (1, "kim")


def test_the_topic_list_pages_by_cursor_without_gaps(anon):
    ids = [start(body=f"t{n}").pk for n in range(7)]
    seen, url = [], "/api/topics/?limit=3"
    while url:
        page = anon.get(url).json()
        seen += [t["id"] for t in page["results"]]
        url = page["next"]
    assert seen == ids[::-1]


def test_a_reply_is_created_and_listed_oldest_first(author, client_for):
    topic = start()
    client = client_for(author)
    first = client.post(
        f"/api/topics/{topic.pk}/replies/", {"body": "one"}, format="json"
    )
    second = client.post(
        f"/api/topics/{topic.pk}/replies/", {"body": "two"}, format="json"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["topic"] == topic.pk
    replies = client.get(f"/api/topics/{topic.pk}/replies/").json()["results"]
    assert [r["body"] for r in replies] == ["one", "two"]
    assert client.get(f"/api/topics/{topic.pk}/").json()["reply_count"] == 2
    # The flat list of posts has them too, and ?topic= picks a topic's.
    posts = client.get(f"/api/posts/?topic={topic.pk}").json()["results"]
    assert sorted(p["body"] for p in posts) == ["one", "two"]


def test_a_retried_reply_is_stored_once(author, client_for):
    topic = start()
    client = client_for(author)
    statuses = [
        client.post(
            f"/api/topics/{topic.pk}/replies/",
            {"body": "once"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k1",
        ).status_code
        for _ in range(2)
    ]
    assert statuses == [201, 200]
    topic.refresh_from_db()
    assert topic.reply_count == 1


def test_replying_to_a_missing_or_hidden_topic_is_a_json_404(
    author, moderator, client_for
):
    hidden = start()
    board_services.hide_posts([hidden], by=moderator, via="command")
    reply = board_services.create_post(body="r", topic=start())[0]

    for target in (hidden.pk, reply.pk, 999999):
        response = client_for(author).post(
            f"/api/topics/{target}/replies/", {"body": "lost"}, format="json"
        )
        assert response.status_code == 404
        assert f"There is no topic {target}" in response.json()["detail"]
    assert Post.objects.filter(body="lost").count() == 0


def test_moderators_read_a_hidden_topic(moderator, client_for):
    hidden = start()
    board_services.hide_posts([hidden], by=moderator, via="command")

    assert client_for(moderator).get(f"/api/topics/{hidden.pk}/").status_code == 200
    assert client_for(None).get(f"/api/topics/{hidden.pk}/").status_code == 404
    assert client_for(moderator).get("/api/topics/").json()["results"] == []


def test_guests_read_but_cannot_write(anon):
    topic = start()
    assert anon.get("/api/topics/").status_code == 200
    assert anon.get(f"/api/topics/{topic.pk}/replies/").status_code == 200
    assert anon.post("/api/topics/", {"body": "x"}, format="json").status_code == 401
    response = anon.post(f"/api/topics/{topic.pk}/replies/", {"body": "x"})
    assert response.status_code == 401


def test_a_banned_member_cannot_start_or_reply(author, moderator, client_for):
    topic = start()
    ban(user=author, reason="spam", by=moderator, via="command")
    client = client_for(author)

    assert client.post("/api/topics/", {"body": "x"}, format="json").status_code == 403
    response = client.post(
        f"/api/topics/{topic.pk}/replies/", {"body": "x"}, format="json"
    )
    assert response.status_code == 403
    assert Post.objects.count() == 1


def test_topics_cannot_be_changed_or_deleted_here(author, client_for):
    topic = start(author=author)
    client = client_for(author)
    assert client.patch(f"/api/topics/{topic.pk}/", {"title": "x"}).status_code == 405
    assert client.delete(f"/api/topics/{topic.pk}/").status_code == 405
    assert User.objects.count() == 1
