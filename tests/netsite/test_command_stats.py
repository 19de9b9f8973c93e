import json
from io import StringIO

import pytest

from django.core.management import call_command
from django.db import connection

from board.services import create_post, hide_posts
from chat.services import create_room, post_message


def run(*args):
    out = StringIO()
    call_command("stats", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_json_output_counts_content():
    hide_posts([create_post(body="one")[0]], by=None, via="command")
    create_post(body="two")
    post_message(room=create_room(title="General"), text="hi")

    figures = json.loads(run("--json"))

    assert figures["posts"] == {"total": 2, "today": 2, "hidden": 1}
    assert figures["rooms"] == {"total": 1, "today": 1}
    assert figures["messages"] == {"total": 1, "today": 1, "hidden": 0}
    assert figures["database"]["vendor"] == connection.vendor
    assert figures["database"]["bytes"] > 0


@pytest.mark.django_db
def test_text_output_has_one_line_per_figure():
    create_post(body="one")

    lines = run().splitlines()

    assert [line.split()[0] for line in lines] == [
        "posts",
        "rooms",
        "messages",
        "database",
    ]
    assert lines[0].split()[1] == "1"
