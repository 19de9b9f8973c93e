"""
The search index itself, on whichever database the suite runs: FTS5 on
SQLite (the default tier), GIN on PostgreSQL (the scale-out tier runs this
file there: tests/scaleout/test_search_on_postgresql.py).
"""

import random

import pytest

from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, models

from board import services
from board.models import Post
from chat.models import Message
from content import search


def write(body):
    return services.create_post(body=body, display_name="Ada")[0]


def found(query):
    return [post.pk for post in search.matching(Post.objects.all(), query)]


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(row[-1] for row in cursor.fetchall())
        # The planner chooses by the table's statistics: give it fresh ones.
        cursor.execute("ANALYZE board_post")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_search_reads_the_index_not_the_whole_table():
    # A board of some size, where a rare word is worth an index: on a table
    # of a few rows any plan is as good as another.
    services.seed_posts(count=5_000, rng=random.Random(1))
    write("needle")
    page = search.matching(Post.objects.visible(), "needle").order_by("-pk")[:51]

    query_plan = plan(page)

    if connection.vendor == "sqlite":
        assert "SCAN board_post_fts VIRTUAL TABLE" in query_plan
        assert "SCAN board_post " not in query_plan + " "
        assert "USING INTEGER PRIMARY KEY" in query_plan
    else:
        assert "Bitmap Index Scan on board_post_search" in query_plan
        assert "Seq Scan" not in query_plan


@pytest.mark.django_db(transaction=True)
def test_posts_written_before_the_index_was_made_are_found():
    old = write("written before the index")
    call_command("migrate", "board", "0006", verbosity=0)
    call_command("migrate", "board", verbosity=0)

    assert found("before") == [old.pk]
    new = write("written after the index")
    assert found("after") == [new.pk]


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite rebuilds a table to alter it"
)
@pytest.mark.django_db(transaction=True)
def test_a_migration_that_rebuilds_the_table_leaves_search_working():
    before = write("needle before the rebuild")
    extra = models.IntegerField(null=True, default=0)
    extra.set_attributes_from_name("extra")
    # What a migration adding a column with a default does on SQLite: a new
    # table, the rows copied over, the old one dropped with its triggers.
    with connection.schema_editor() as editor:
        editor.add_field(Post, extra)
    try:
        during = write("needle during the migration")
        assert during.pk not in found("needle")  # the triggers went

        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

        after = write("needle after the migration")
        assert sorted(found("needle")) == [before.pk, during.pk, after.pk]
    finally:
        with connection.schema_editor() as editor:
            editor.remove_field(Post, extra)


@pytest.mark.django_db
def test_seeded_posts_and_messages_are_found_and_so_is_what_comes_after():
    call_command("seed_demo", posts=300, rooms=2, messages=300, seed=7, verbosity=0)
    for model in (Post, Message):
        text = model._meta.get_field(model.TEXT_FIELD).attname
        expected = model.objects.filter(**{f"{text}__icontains": "sourdough"})
        assert set(search.matching(model.objects.all(), "sourdough")) == set(expected)
        assert expected.exists()

    after = write("a zeppelin after the seed")
    assert found("zeppelin") == [after.pk]
