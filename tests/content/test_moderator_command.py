"""``manage.py moderator add|remove``: the Moderators group from a terminal."""

import pytest

from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from board.models import Post
from content import moderators
from content.models import AuditEntry
from content.moderators import GROUP_NAME

pytestmark = pytest.mark.django_db


def is_moderator(user):
    user.refresh_from_db()
    return user.is_staff and user.groups.filter(name=GROUP_NAME).exists()


def test_add_makes_a_moderator_who_may_hide_and_logs_it(user, capsys):
    assert not user.has_perm("board.hide_post")
    call_command("moderator", "add", user.username)
    assert capsys.readouterr().out == "ada is now a moderator.\n"
    assert is_moderator(user)
    user = type(user).objects.get(pk=user.pk)  # a fresh permission cache
    assert moderators.can_hide(user, Post)
    assert moderators.reviews_reports(user)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.actor_name) == (
        "add_moderator",
        "command",
        "system",
    )
    assert entry.object_id == str(user.pk)


def test_remove_takes_the_group_and_staff_status_away_and_logs_it(moderator, capsys):
    call_command("moderator", "remove", moderator.username, "--by", "mia")
    assert capsys.readouterr().out == "mia is no longer a moderator.\n"
    moderator.refresh_from_db()
    assert not moderator.is_staff
    assert not moderator.groups.exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.actor_name) == (
        "remove_moderator",
        "command",
        "mia",
    )


def test_remove_keeps_staff_status_given_for_another_group(moderator):
    moderator.groups.add(Group.objects.create(name="Editors"))
    call_command("moderator", "remove", moderator.username)
    moderator.refresh_from_db()
    assert moderator.is_staff
    assert list(moderator.groups.values_list("name", flat=True)) == ["Editors"]


def test_doing_it_twice_changes_and_logs_nothing_more(user, capsys):
    call_command("moderator", "add", user.username)
    call_command("moderator", "add", user.username)
    assert capsys.readouterr().out.splitlines()[-1] == "ada is already a moderator."
    call_command("moderator", "remove", user.username)
    call_command("moderator", "remove", user.username)
    assert capsys.readouterr().out.splitlines()[-1] == "ada is not a moderator."
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "remove_moderator",
        "add_moderator",
    ]


def test_an_unknown_user_is_refused_and_nothing_is_logged(user):
    with pytest.raises(CommandError, match="There is no user 'nobody'."):
        call_command("moderator", "add", "nobody")
    with pytest.raises(CommandError, match="There is no user 'nobody'."):
        call_command("moderator", "add", user.username, "--by", "nobody")
    assert not is_moderator(user)
    assert not AuditEntry.objects.exists()


def test_the_service_refuses_an_unknown_door(user):
    with pytest.raises(ValueError, match="via='shell'"):
        moderators.set_moderator(user=user, moderator=True, by=None, via="shell")
    assert not is_moderator(user)
