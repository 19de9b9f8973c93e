from io import StringIO

import pytest

from django.core.management import CommandError, call_command

from board.models import Post
from board.services import create_post, delete_posts
from chat.models import Message, Room
from chat.services import create_room, post_message


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_adds_the_requested_content():
    out, err = run(
        "--posts", "2500", "--rooms", "2", "--messages", "700", "--batch-size", "1000"
    )

    assert Post.objects.count() == 2500
    assert Room.objects.count() == 2
    assert Message.objects.count() == 700
    assert out == "Added 2,500 posts, 2 rooms and 700 messages.\n"
    assert err == ""  # no progress bar when stderr is not a terminal


@pytest.mark.django_db
def test_its_summary_counts_one_of_each_in_the_singular():
    out, _ = run("--posts", "1", "--rooms", "1", "--messages", "1")

    assert out == "Added 1 post, 1 room and 1 message.\n"


@pytest.mark.django_db
def test_seeded_posts_read_back_like_any_post_with_ids_growing_with_time():
    run("--posts", "50", "--rooms", "0", "--messages", "0")

    posts = list(Post.objects.order_by("id"))
    assert all(p.body and p.display_name and not p.hidden for p in posts)
    assert [p.created for p in posts] == sorted(p.created for p in posts)
    assert all(p.created.tzinfo is not None for p in posts)


@pytest.mark.django_db
def test_demo_posts_on_a_board_in_use_read_newest_first_like_every_post():
    today, _ = create_post(body="Posted today, before the seeding")

    _, err = run("--posts", "30", "--rooms", "0", "--messages", "0")

    # The board lists by id; seeded posts get the larger ids, so they must
    # not be older than the post already there.
    board = list(Post.objects.visible().newest())
    assert board[-1] == today
    assert [p.created for p in board] == sorted(
        (p.created for p in board), reverse=True
    )
    assert err == (
        "The board already has posts: the demo ones come after them, dated "
        "between the newest and now.\n"
    )


@pytest.mark.django_db
def test_demo_messages_in_rooms_in_use_come_after_the_messages_there():
    room = create_room(title="Lobby")
    earlier, _ = post_message(room=room, text="Said before the seeding")

    run("--posts", "0", "--rooms", "0", "--messages", "30")

    history = list(room.messages.visible().order_by("id"))
    assert history[0] == earlier
    assert [m.created for m in history] == sorted(m.created for m in history)


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_content():
    run("--posts", "20", "--rooms", "0", "--messages", "0", "--seed", "7")
    first = list(Post.objects.order_by("id").values_list("body", "display_name"))
    delete_posts(Post.objects.all(), by=None, via="command")

    run("--posts", "20", "--rooms", "0", "--messages", "0", "--seed", "7")

    assert first == list(
        Post.objects.order_by("id").values_list("body", "display_name")
    )


@pytest.mark.django_db
def test_messages_without_any_room_are_refused():
    with pytest.raises(CommandError, match="needs rooms"):
        run("--rooms", "0", "--messages", "5")
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_negative_counts_are_refused():
    with pytest.raises(CommandError, match="--posts must be 0 or more"):
        run("--posts", "-3")


@pytest.mark.django_db
def test_seeded_posts_and_messages_are_stored_with_their_html():
    from content.markup import render

    run("--posts", "30", "--rooms", "1", "--messages", "30")

    for body, html in Post.objects.values_list("body", "html"):
        assert html == render(body) != ""
    for text, html in Message.objects.values_list("text", "html"):
        assert html == render(text) != ""
