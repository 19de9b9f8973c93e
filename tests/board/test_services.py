"""The board's write path publishes what it changed, once committed."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from django.core.exceptions import ValidationError

from board import services
from board.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def board_listener():
    """A channel subscribed to the board group, as an open board page is."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(services.BOARD_GROUP, channel)
    yield lambda: async_to_sync(layer.receive)(channel)
    async_to_sync(layer.group_discard)(services.BOARD_GROUP, channel)


def test_create_post_publishes_only_after_commit(
    board_listener, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post, _ = services.create_post(body="live!")
    assert len(callbacks) == 1  # nothing is sent before the commit
    callbacks[0]()

    event = board_listener()
    assert event["type"] == "board.post"
    frame = json.loads(event["text"])
    assert frame["type"] == "post"
    assert frame["id"] == post.pk
    assert "live!" in frame["html"]


def test_create_post_validates_like_the_form():
    with pytest.raises(ValidationError) as error:
        services.create_post(body="  ")
    assert "body" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.create_post(body="x" * 4001)
    assert Post.objects.count() == 0


def test_a_repeated_client_id_returns_the_first_post(user):
    first, _ = services.create_post(body="once", author=user, client_id="abc")
    again, _ = services.create_post(body="once", author=user, client_id="abc")

    assert again.pk == first.pk
    assert Post.objects.count() == 1


def test_hide_unhide_and_delete_report_what_they_changed(moderator):
    posts = [services.create_post(body=f"p{n}")[0] for n in range(3)]

    assert services.hide_posts(posts[:2], by=moderator, via="command") == 2
    assert services.hide_posts(posts[:2], by=moderator, via="command") == 0
    hidden = Post.objects.get(pk=posts[0].pk)
    assert hidden.hidden and hidden.hidden_by == moderator and hidden.hidden_at
    assert services.unhide_posts(posts[:1], by=moderator, via="command") == 1
    assert services.delete_posts(posts[2:], by=moderator, via="command") == 1
    assert list(Post.objects.visible().values_list("pk", flat=True)) == [posts[0].pk]


def test_clear_board_hides_every_visible_post_and_tells_the_pages(
    moderator, board_listener, django_capture_on_commit_callbacks
):
    for n in range(4):
        services.create_post(body=f"p{n}")  # not committed: publishes nothing

    with django_capture_on_commit_callbacks(execute=True):
        assert services.clear_board(by=moderator, via="command") == 4
    assert Post.objects.visible().count() == 0
    assert Post.objects.count() == 4
    assert board_listener()["type"] == "board.clear"
