import csv
import json
from datetime import timedelta
from io import StringIO

import pytest

from django.core.management import CommandError, call_command
from django.utils import timezone

from board.models import Post
from board.services import create_post, hide_posts
from chat.services import create_room, post_message


def export(*args):
    out, err = StringIO(), StringIO()
    call_command("export", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def jsonl(text):
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def posts(db, django_user_model):
    ada = django_user_model.objects.create_user("ada")
    first, _ = create_post(body="First, by a guest", display_name="kim")
    second, _ = create_post(body="Second", author=ada, client_id="c-1")
    hidden, _ = create_post(body="Hidden one")
    hide_posts([hidden], by=ada, via="command")
    return first, second, hidden


def test_it_writes_visible_posts_as_json_lines_in_id_order(posts):
    first, second, _ = posts

    out, err = export("posts")

    assert jsonl(out) == [
        {
            "id": first.pk,
            "created": first.created.isoformat().replace("+00:00", "Z"),
            "author": None,
            "display_name": "kim",
            "body": "First, by a guest",
            "client_id": None,
            "topic": None,
            "title": "First, by a guest",
        },
        {
            "id": second.pk,
            "created": second.created.isoformat().replace("+00:00", "Z"),
            "author": "ada",
            "display_name": "ada",
            "body": "Second",
            "client_id": "c-1",
            "topic": None,
            "title": "Second",
        },
    ]
    assert err == "Exported 2 posts.\n"


def test_include_hidden_adds_hidden_rows_and_moderation_fields(posts):
    hidden = posts[2]

    out, _ = export("posts", "--include-hidden")

    rows = jsonl(out)
    assert [row["id"] for row in rows] == [p.pk for p in posts]
    assert rows[2]["hidden"] is True
    assert rows[2]["hidden_by"] == "ada"
    assert rows[2]["hidden_at"] == hidden_at(hidden)


def hidden_at(post):
    post.refresh_from_db()
    return post.hidden_at.isoformat().replace("+00:00", "Z")


def test_csv_has_a_header_and_empty_cells_for_none(posts):
    out, _ = export("posts", "--format", "csv")

    rows = list(csv.reader(StringIO(out)))
    assert rows[0] == [
        "id",
        "created",
        "author",
        "display_name",
        "body",
        "client_id",
        "topic",
        "title",
    ]
    assert rows[1][2] == "" and rows[1][3] == "kim"
    assert len(rows) == 3


def test_since_keeps_later_rows_and_reads_a_bare_date_as_utc(posts):
    first, second, _ = posts
    Post.objects.filter(pk=first.pk).update(created=timezone.now() - timedelta(days=10))
    since = (timezone.now() - timedelta(days=1)).date().isoformat()

    out, _ = export("posts", "--since", since)

    assert [row["id"] for row in jsonl(out)] == [second.pk]


def test_a_bad_since_is_one_clear_line(posts):
    with pytest.raises(CommandError) as error:
        export("posts", "--since", "last tuesday")

    assert str(error.value) == (
        "--since: 'last tuesday' is not an ISO 8601 date or date-time "
        "(e.g. 2026-11-01 or 2026-11-01T08:30:00Z)."
    )


def test_messages_can_be_limited_to_one_room(db):
    general, music = create_room(title="General"), create_room(title="Music")
    post_message(room=general, text="in general")
    post_message(room=music, text="in music")

    out, _ = export("messages", "--room", music.slug)

    (row,) = jsonl(out)
    assert (row["room"], row["room_title"], row["text"]) == (
        "music",
        "Music",
        "in music",
    )


def test_room_is_refused_for_posts_and_when_unknown(posts):
    with pytest.raises(CommandError, match="--room applies to messages"):
        export("posts", "--room", "general")
    with pytest.raises(CommandError, match="There is no chat room 'nowhere'"):
        export("messages", "--room", "nowhere")


def test_output_file_is_written_only_when_complete(posts, tmp_path):
    target = tmp_path / "posts.csv"

    out, err = export("posts", "-o", str(target))

    assert out == ""
    assert target.read_text().startswith("id,created,")  # .csv picks CSV
    assert list(tmp_path.iterdir()) == [target]
    assert err == f"Exported 2 posts to {target}.\n"


def test_an_unwritable_output_is_one_clear_line(posts, tmp_path):
    with pytest.raises(CommandError, match="is no folder"):
        export("posts", "-o", str(tmp_path / "missing" / "posts.jsonl"))


def test_verbosity_zero_leaves_only_the_rows(posts):
    out, err = export("posts", "-v", "0")

    assert len(out.splitlines()) == 2
    assert err == ""


def test_its_summary_counts_one_row_in_the_singular(posts):
    _, err = export("posts", "--since", posts[1].created.isoformat())

    assert err == "Exported 1 post.\n"
