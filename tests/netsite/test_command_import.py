import json
from io import StringIO

import pytest

from django.core.management import CommandError, call_command

from board.models import Post
from board.services import create_post, delete_posts, hide_posts
from chat.models import Message, Room
from chat.services import create_room, delete_room, hide_messages, post_message


def export(kind, path, fmt):
    call_command(
        "export",
        kind,
        "--include-hidden",
        "--format",
        fmt,
        "-o",
        str(path),
        stdout=StringIO(),
        stderr=StringIO(),
    )


def import_(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    finally:
        import_.err = err.getvalue()
    return out.getvalue()


def all_posts():
    return list(Post.objects.order_by("id").values())


MESSAGE_FIELDS = [f.attname for f in Message._meta.concrete_fields if f.name != "room"]


def all_messages():
    """Messages (with their room's slug: a re-created room has a new id), rooms."""
    return list(
        Message.objects.order_by("id").values("room__slug", *MESSAGE_FIELDS)
    ), list(Room.objects.order_by("id").values("slug", "title"))


@pytest.fixture
def ada(db, django_user_model):
    return django_user_model.objects.create_user("ada")


@pytest.fixture
def posts(ada):
    create_post(body="Guest post", display_name="kim")
    create_post(
        body='Ünïcödé, "quotes", commas\nand a new line', author=ada, client_id="c-1"
    )
    hide_posts([create_post(body="Spam")[0]], by=ada, via="command")


def write_lines(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def post_record(n, **changes):
    record = {
        "id": n,
        "created": "2026-11-01T10:00:00Z",
        "author": None,
        "display_name": "kim",
        "body": f"post {n}",
        "client_id": None,
    }
    return {**record, **changes}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_posts_survive_a_round_trip_into_an_empty_board(posts, tmp_path, fmt):
    before = all_posts()
    path = tmp_path / f"posts.{fmt}"
    export("posts", path, fmt)
    delete_posts(Post.objects.all(), by=None, via="command")

    out = import_("posts", str(path))

    assert all_posts() == before
    assert out == f"Imported 3 posts from {path}.\n"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_topics_and_their_replies_survive_a_round_trip(ada, tmp_path, fmt):
    topic = create_post(body="Bikes\nfor sale", title="Two bikes", author=ada)[0]
    create_post(body="Mine!", topic=topic, display_name="kim")
    hidden = create_post(body="spam", topic=topic, display_name="bo")[0]
    hide_posts([hidden], by=ada, via="command")
    create_post(body="Another topic")
    before = all_posts()
    path = tmp_path / f"posts.{fmt}"
    export("posts", path, fmt)
    delete_posts(Post.objects.all(), by=None, via="command")

    import_("posts", str(path))

    assert all_posts() == before
    assert Post.objects.get(pk=topic.pk).reply_count == 1


def test_a_reply_to_a_topic_neither_in_the_file_nor_stored_is_refused(db, tmp_path):
    path = tmp_path / "posts.jsonl"
    write_lines(
        path, [post_record(1), post_record(2, topic=1), post_record(3, topic=9)]
    )

    with pytest.raises(CommandError):
        import_("posts", str(path))
    assert "line 3: topic: there is no topic 9" in import_.err
    assert Post.objects.count() == 0


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_messages_and_their_rooms_survive_a_round_trip(ada, tmp_path, fmt):
    room = create_room(title="Général", created_by=ada)
    post_message(room=room, text="hello", author=ada, client_id="m-1")
    hide_messages([post_message(room=room, text="spam")[0]], by=ada, via="command")
    messages, rooms = all_messages()
    path = tmp_path / f"messages.{fmt}"
    export("messages", path, fmt)
    delete_room(room=room, by=None, via="command")

    import_("messages", str(path))

    after, after_rooms = all_messages()
    assert after == messages
    assert after_rooms == rooms


def test_importing_the_same_file_again_adds_nothing(posts, tmp_path):
    path = tmp_path / "posts.jsonl"
    export("posts", path, "jsonl")
    before = all_posts()

    out = import_("posts", str(path))

    assert all_posts() == before
    assert out == f"Imported 0 posts from {path}; 3 were already here.\n"


def test_its_summary_counts_one_row_in_the_singular(db, tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    write_lines(one, [post_record(1)])
    write_lines(two, [post_record(1), post_record(2)])
    import_("posts", str(one))

    out = import_("posts", str(two))

    assert out == f"Imported 1 post from {two}; 1 was already here.\n"


def test_a_post_already_stored_under_its_client_id_is_not_added_again(ada, tmp_path):
    create_post(body="Sent by the API", author=ada, client_id="c-9")
    path = tmp_path / "posts.jsonl"
    write_lines(path, [post_record(500, author="ada", client_id="c-9")])

    import_("posts", str(path))

    assert Post.objects.count() == 1


def test_one_bad_line_imports_nothing_and_names_the_line(db, tmp_path):
    records = [post_record(n) for n in range(1, 11)]
    records[6]["body"] = "   "
    path = tmp_path / "posts.jsonl"
    write_lines(path, records)

    with pytest.raises(CommandError) as error:
        import_("posts", str(path))

    assert str(error.value) == f"Imported nothing: {path} has 1 bad line."
    assert import_.err == "line 7: body: Write something before posting.\n"
    assert not Post.objects.exists()


def test_every_bad_line_is_reported_at_once(db, tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(
        json.dumps(post_record(1))
        + "\n"
        + "{not json\n"
        + json.dumps(post_record(3, created="yesterday"))
        + "\n"
        + json.dumps(post_record(4, body="x" * 4001))
        + "\n"
        + json.dumps(post_record(5, id="five"))
        + "\n"
    )

    with pytest.raises(CommandError, match="has 4 bad lines"):
        import_("posts", str(path))

    assert import_.err.splitlines() == [
        "line 2: not valid JSON (Expecting property name enclosed in double quotes).",
        "line 3: created: 'yesterday' is not an ISO 8601 date or date-time "
        "(e.g. 2026-11-01 or 2026-11-01T08:30:00Z).",
        "line 4: body: Keep posts to 4,000 characters (this one has 4,001).",
        "line 5: id: 'five' is not a whole number.",
    ]
    assert not Post.objects.exists()


def test_an_unknown_author_is_refused_unless_kept_as_a_guest(db, tmp_path):
    path = tmp_path / "posts.jsonl"
    write_lines(path, [post_record(1, author="zed", display_name="zed")])

    with pytest.raises(CommandError, match="Create the missing users first"):
        import_("posts", str(path))
    assert import_.err == "line 1: author: there is no user 'zed' on this site.\n"

    import_("posts", str(path), "--keep-unknown-authors")
    post = Post.objects.get()
    assert (post.author, post.display_name) == (None, "zed")


def test_an_id_taken_by_another_post_is_a_conflict(db, tmp_path):
    taken, _ = create_post(body="Already here")
    path = tmp_path / "posts.jsonl"
    write_lines(path, [post_record(taken.pk)])

    with pytest.raises(CommandError, match="1 bad line"):
        import_("posts", str(path))

    assert f"post {taken.pk} is already stored with another date" in import_.err
    assert all_posts() == [Post.objects.filter(pk=taken.pk).values().get()]


def test_a_messages_file_is_not_taken_for_posts(db, tmp_path):
    path = tmp_path / "messages.jsonl"
    write_lines(
        path, [{"id": 1, "room": "general", "created": "2026-11-01", "text": "hi"}]
    )

    with pytest.raises(CommandError, match="1 bad line"):
        import_("posts", str(path))

    assert import_.err == "line 1: body missing.\n"


def test_new_posts_after_an_import_take_fresh_ids(db, tmp_path):
    path = tmp_path / "posts.jsonl"
    write_lines(path, [post_record(41), post_record(42)])
    import_("posts", str(path))

    assert create_post(body="next")[0].pk == 43


def test_a_missing_file_is_one_clear_line(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*: No such file"):
        import_("posts", str(tmp_path / "nope.jsonl"))


def test_csv_lines_are_numbered_as_an_editor_shows_them(db, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(
        "id,created,body\n"
        '1,2026-11-01T10:00:00Z,"a body\nover two lines"\n'
        "2,2026-11-01T10:00:00Z,\n"
    )

    with pytest.raises(CommandError, match="1 bad line"):
        import_("posts", str(path))

    assert import_.err == "line 4: body missing.\n"


def test_imported_rows_are_stored_with_their_text_formatted(db, tmp_path):
    path = tmp_path / "posts.jsonl"
    write_lines(path, [post_record(1, body="*imported* https://example.org")])

    import_("posts", str(path))

    assert Post.objects.get().html == (
        '<p><em>imported</em> <a href="https://example.org" '
        'rel="nofollow noopener noreferrer">https://example.org</a></p>'
    )
