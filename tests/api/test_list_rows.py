"""
List pages are built from ``.values()`` rows (api.views.RowListMixin): the
JSON must be exactly what the serializers give for the same items, whatever
the items carry (guests and members, replies, edits, client ids, Unicode).
"""

import pytest
from rest_framework.request import Request

from django.test import override_settings

from api.serializers import MessageSerializer, PostSerializer
from board import services as board_services
from board.models import Post
from chat import services as chat_services
from chat.models import Message
from content.services import edit_item


def serialized(serializer, items, response):
    request = Request(response.wsgi_request)
    return serializer(items, many=True, context={"request": request}).data


@pytest.fixture
def posts(author, moderator):
    topic, _ = board_services.create_post(
        body="A topic *with* <b>markup</b> and ünïcode", author=author, client_id="k1"
    )
    board_services.create_post(body="A guest's reply", display_name="Zoë", topic=topic)
    edited, _ = board_services.create_post(body="Soon edited", author=author)
    edit_item(edited, text="Edited", by=author, via="api")
    hidden, _ = board_services.create_post(body="Hidden", display_name="Eve")
    board_services.moderation.hide([hidden], by=moderator, via="api")


@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Berlin"])
def test_the_posts_list_is_the_serializers_json(anon, posts, time_zone):
    with override_settings(TIME_ZONE=time_zone):
        response = anon.get("/api/posts/", {"limit": 10})
        expected = serialized(
            PostSerializer, Post.objects.visible().order_by("-id"), response
        )

    assert response.status_code == 200
    assert response.json()["results"] == expected
    assert len(expected) == 3
    assert expected[0]["edited_at"] is not None


def test_a_filtered_page_of_posts_is_the_serializers_json(anon, posts, author):
    topic = Post.objects.get(client_id="k1")

    response = anon.get("/api/posts/", {"topic": topic.pk, "ordering": "id"})

    replies = Post.objects.visible().filter(topic=topic).order_by("id")
    assert response.json()["results"] == serialized(PostSerializer, replies, response)
    assert [item["author"] for item in response.json()["results"]] == ["Zoë"]


def test_the_messages_lists_are_the_serializers_json(anon, room, author):
    chat_services.post_message(room=room, text="Hi **all**", author=author)
    chat_services.post_message(room=room, text="A guest", display_name="Zoë")

    for path in ("/api/messages/", f"/api/rooms/{room.slug}/messages/"):
        response = anon.get(path)
        expected = serialized(
            MessageSerializer, Message.objects.visible().order_by("-id"), response
        )
        assert response.json()["results"] == expected
        assert len(expected) == 2


def test_a_bad_filter_value_is_still_a_400(anon, posts):
    response = anon.get("/api/posts/", {"since": "yesterday"})

    assert response.status_code == 400
    assert "since" in response.json()["errors"]
