"""
A retried post or message is stored once, whatever races: the database
guarantees it with a unique constraint over the model's retry key, and the
service answers a retry that lost the race with the copy that won.
"""

import os
import subprocess
import sys
import textwrap
import threading

import pytest
from rest_framework.test import APIClient

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from board.models import Post
from board.services import create_post
from chat.models import Message
from chat.services import create_room, post_message
from tests.live import ROOT

COPIES = 8
ROUNDS = 5
# Threads need connections of their own to one database, which the suite's
# in-memory SQLite cannot give them; the same races run on a SQLite file in a
# process of their own below, and in-process on PostgreSQL when the suite runs
# there (tests/scaleout/test_suite_on_postgresql.py).
IN_MEMORY = "in-memory SQLite: raced on a SQLite file by test_races_on_a_sqlite_file"


@pytest.fixture
def shared_database(transactional_db):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(IN_MEMORY)


def race(copies, send):
    """Run ``send()`` in ``copies`` threads released at once; return the results."""
    start = threading.Barrier(copies)
    results, errors = [None] * copies, []

    def run(n):
        try:
            start.wait()
            results[n] = send()
        except Exception as error:  # reported by the test
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def stored_once(rows):
    return sorted(rows.values_list("client_id", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("author", [None, "member"])
def test_the_database_refuses_a_second_copy_of_a_message(author, user):
    room = create_room(title="Lobby")
    fields = {
        "room": room,
        "author": user if author else None,
        "display_name": "ada",
        "client_id": "k1",
        "text": "once",
        "created": timezone.now(),
    }
    Message.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(**fields)
    # Another guest name, room or key is another message.
    Message.objects.create(**{**fields, "display_name": "bo"})
    Message.objects.create(**{**fields, "client_id": "k2"})
    Message.objects.create(**{**fields, "client_id": None})
    Message.objects.create(**{**fields, "client_id": None})
    assert Message.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize("author", [None, "member"])
def test_the_database_refuses_a_second_copy_of_a_post(author, user):
    fields = {
        "author": user if author else None,
        "display_name": "ada",
        "client_id": "k1",
        "body": "once",
        "created": timezone.now(),
    }
    Post.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(**fields)
    Post.objects.create(**{**fields, "client_id": None})
    Post.objects.create(**{**fields, "client_id": None})
    assert Post.objects.count() == 3


def test_racing_copies_of_a_guests_message_store_one(shared_database):
    room = create_room(title="Lobby")
    for n in range(ROUNDS):
        results = race(
            COPIES,
            lambda n=n: post_message(
                room=room, text="hello", display_name="kim", client_id=f"race-{n}"
            ),
        )
        assert len({message.pk for message, _created in results}) == 1
        assert sum(created for _message, created in results) == 1
    assert Message.objects.filter(room=room).count() == ROUNDS


def test_racing_copies_of_a_guests_post_store_one(shared_database):
    for n in range(ROUNDS):
        results = race(
            COPIES,
            lambda n=n: create_post(body="hello", client_id=f"race-{n}"),
        )
        assert len({post.pk for post, _created in results}) == 1
    assert Post.objects.count() == ROUNDS


def test_racing_retries_of_an_api_post_get_the_first_post(
    shared_database, django_user_model
):
    author = django_user_model.objects.create_user("ada", password="pw-123456")

    def send(key):
        client = APIClient()
        client.force_authenticate(author)
        return client.post(
            "/api/posts/",
            {"body": "once"},
            HTTP_IDEMPOTENCY_KEY=key,
            HTTP_HOST="localhost",  # also outside the test runner's "testserver"
        )

    for n in range(ROUNDS):
        replies = race(COPIES, lambda n=n: send(f"api-{n}"))
        statuses = sorted(reply.status_code for reply in replies)
        assert statuses == [200] * (COPIES - 1) + [201], statuses
        assert len({reply.json()["id"] for reply in replies}) == 1
    assert Post.objects.count() == ROUNDS


RACES_ON_A_FILE = textwrap.dedent(
    """
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from tests.content import test_retry_constraint as races

    call_command("migrate", verbosity=0)
    races.test_racing_copies_of_a_guests_message_store_one(None)
    races.test_racing_copies_of_a_guests_post_store_one(None)
    get_user_model().objects.all().delete()
    from board.models import Post
    Post.objects.all().delete()
    races.test_racing_retries_of_an_api_post_get_the_first_post(
        None, get_user_model()
    )
    print("races ok")
    """
)


def test_races_on_a_sqlite_file(tmp_path):
    """The races above, with netsite's own SQLite settings on a database file."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'netsite.sqlite3'}",
        "REDIS_URL": "",
        "DJANGO_LOG_LEVEL": "WARNING",
        "NETSITE_API_USER_RATE": "100000/1",
    }
    result = subprocess.run(
        [sys.executable, "-c", RACES_ON_A_FILE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "races ok"
