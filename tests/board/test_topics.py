"""Topics and replies through the one write path, ``board.services.create_post``."""

import os
import subprocess
import sys
import textwrap

import pytest

from django.core.exceptions import ValidationError
from django.db import connection

from board import services
from board.models import Post
from content.bans import Banned, ban
from tests.content.test_retry_constraint import IN_MEMORY, race
from tests.live import ROOT

REPLIES = 16


@pytest.fixture
def shared_database(transactional_db):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(IN_MEMORY.replace("test_races_on_a_sqlite_file", "its file test"))


def topic(**fields):
    return services.create_post(**{"body": "Hello\nworld", **fields})[0]


@pytest.mark.django_db
def test_a_new_post_starts_a_topic_titled_by_its_first_line():
    started = topic(body="  Bikes for sale\nTwo, both red.", display_name="kim")

    assert started.topic_id is None
    assert started.title == "Bikes for sale"
    assert started.reply_count == 0
    assert started.last_activity == started.created
    assert started.last_poster == "kim"


@pytest.mark.django_db
def test_a_long_first_line_makes_a_title_of_eighty_characters():
    assert topic(body="x" * 300).title == "x" * 79 + "…"
    assert topic(body="y" * 80).title == "y" * 80


@pytest.mark.django_db
def test_a_title_given_is_kept_and_a_too_long_one_refused():
    assert topic(title="  Bikes   wanted ").title == "Bikes wanted"
    with pytest.raises(ValidationError) as error:
        topic(title="t" * (Post.TITLE_MAX_LENGTH + 1))
    assert error.value.error_dict["title"][0].code == "too_long"


@pytest.mark.django_db
def test_a_reply_counts_on_its_topic(user):
    started = topic()
    reply, created = services.create_post(body="me too", topic=started, author=user)

    assert created
    assert reply.topic_id == started.pk
    assert reply.title == ""
    started.refresh_from_db()
    assert started.reply_count == 1
    assert started.last_activity == reply.created
    assert started.last_poster == "ada"
    # By id as well as by the post.
    services.create_post(body="and me", topic=started.pk, display_name="kim")
    started.refresh_from_db()
    assert (started.reply_count, started.last_poster) == (2, "kim")


@pytest.mark.django_db
def test_a_retried_reply_is_counted_once():
    started = topic()
    for _ in range(3):
        services.create_post(body="once", topic=started, client_id="k1")

    started.refresh_from_db()
    assert started.reply_count == 1
    assert Post.objects.filter(topic=started).count() == 1


@pytest.mark.django_db
def test_a_reply_to_a_reply_or_a_missing_or_hidden_topic_is_refused(moderator):
    started = topic()
    reply = services.create_post(body="first", topic=started)[0]
    hidden = topic()
    services.hide_posts([hidden], by=moderator, via="command")

    for target in (reply.pk, hidden.pk, 10**9):
        with pytest.raises(ValidationError) as error:
            services.create_post(body="lost", topic=target)
        (field,) = error.value.error_dict
        assert field == "topic"
        assert error.value.error_dict["topic"][0].code == "no_topic"
        assert f"no topic {target}" in error.value.messages[0]
    assert Post.objects.count() == 3


@pytest.mark.django_db
def test_a_reply_takes_no_title():
    with pytest.raises(ValidationError) as error:
        services.create_post(body="x", topic=topic(), title="Mine")
    assert "title" in error.value.error_dict


@pytest.mark.django_db
def test_a_banned_member_cannot_reply(user, moderator):
    started = topic()
    ban(user=user, reason="spam", by=moderator, via="command")

    with pytest.raises(Banned):
        services.create_post(body="spam", topic=started, author=user)
    started.refresh_from_db()
    assert started.reply_count == 0


@pytest.mark.django_db
def test_hiding_and_showing_a_reply_counts_the_topic_again(moderator):
    started = topic(display_name="kim")
    first = services.create_post(body="one", topic=started, display_name="bo")[0]
    last = services.create_post(body="two", topic=started, display_name="al")[0]

    services.hide_posts([last], by=moderator, via="command")
    started.refresh_from_db()
    assert (started.reply_count, started.last_poster) == (1, "bo")
    assert started.last_activity == first.created

    services.unhide_posts([last], by=moderator, via="command")
    started.refresh_from_db()
    assert (started.reply_count, started.last_poster) == (2, "al")


@pytest.mark.django_db
def test_deleting_a_topic_deletes_and_logs_its_replies(moderator):
    from content.models import AuditEntry

    started = topic()
    replies = [services.create_post(body=f"r{n}", topic=started)[0] for n in range(2)]
    other = topic()

    assert services.delete_posts([started], by=moderator, via="command") == 3
    assert list(Post.objects.all()) == [other]
    logged = AuditEntry.objects.filter(action="delete").values_list(
        "object_id", flat=True
    )
    assert sorted(logged) == sorted(str(p.pk) for p in [started, *replies])


@pytest.mark.django_db
def test_deleting_a_reply_counts_the_topic_again(moderator):
    started = topic()
    reply = services.create_post(body="r", topic=started)[0]

    services.delete_posts([reply], by=moderator, via="command")
    started.refresh_from_db()
    assert started.reply_count == 0
    assert started.last_activity == started.created


def reply_in_threads(started):
    results = race(
        REPLIES,
        lambda: services.create_post(body="at once", topic=started.pk),
    )
    assert all(created for _post, created in results)
    started.refresh_from_db()
    return started


def test_sixteen_replies_at_once_count_sixteen(shared_database):
    started = reply_in_threads(topic())

    assert started.reply_count == REPLIES
    newest = Post.objects.filter(topic=started).latest("created")
    assert started.last_activity == newest.created


RACE_ON_A_FILE = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.management import call_command
    from board import services
    from tests.board import test_topics

    call_command("migrate", verbosity=0)
    started = test_topics.reply_in_threads(test_topics.topic())
    print(started.reply_count)
    """
)


def test_sixteen_replies_at_once_count_sixteen_on_a_sqlite_file(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'netsite.sqlite3'}",
        "REDIS_URL": "",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, "-c", RACE_ON_A_FILE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == str(REPLIES)


@pytest.mark.django_db
def test_an_author_deletes_their_topic_only_while_nobody_else_replied(
    user, other_user, moderator
):
    from content.services import ChangeRefused, delete_item

    mine = topic(author=user)
    services.create_post(body="and I add", topic=mine, author=user)
    delete_item(mine, by=user, via="board")
    assert not Post.objects.exists()

    theirs = topic(author=user)
    services.create_post(body="not yours", topic=theirs, author=other_user)
    with pytest.raises(ChangeRefused) as refused:
        delete_item(theirs, by=user, via="board")
    assert "only a moderator" in refused.value.message
    assert Post.objects.count() == 2
    delete_item(theirs, by=moderator, via="board")
    assert not Post.objects.exists()
