import re
from io import StringIO

import pytest

from django.core.management import CommandError, call_command

from board.models import Post


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("post", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_posts_as_a_guest_with_a_name():
    out, _ = run("Hello from the terminal", "--name", "operator")

    post = Post.objects.get()
    assert (post.body, post.display_name, post.author) == (
        "Hello from the terminal",
        "operator",
        None,
    )
    assert out == f"Posted #{post.pk} as operator.\n"


@pytest.mark.django_db
def test_it_warns_in_one_line_when_open_pages_cannot_see_the_post(settings):
    settings.REDIS_URL = None
    _, err = run("Hello", "--name", "operator")
    assert err.splitlines() == [
        "Warning: REDIS_URL is not set, so open pages show this post only after "
        "a reload."
    ]


@pytest.mark.django_db
def test_it_prints_no_warning_at_verbosity_0(settings):
    settings.REDIS_URL = None
    assert run("Hello", "-v", "0") == ("", "")


@pytest.mark.django_db
def test_it_does_not_warn_with_a_shared_channel_layer(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    _, err = run("Hello")
    assert err == ""


@pytest.mark.django_db
def test_it_posts_as_a_user(django_user_model):
    ada = django_user_model.objects.create_user("ada")

    run("Maintenance tonight", "--as", "ada")

    assert Post.objects.get().author == ada


@pytest.mark.django_db
def test_it_stores_a_post_once_per_client_id(django_user_model):
    django_user_model.objects.create_user("ada")

    run("Once", "--as", "ada", "--client-id", "cron-1")
    run("Once", "--as", "ada", "--client-id", "cron-1")

    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_it_rejects_an_unknown_user():
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        run("Hi", "--as", "nobody")
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_it_rejects_an_empty_post_with_the_forms_message():
    with pytest.raises(CommandError, match="Write something before posting"):
        run("   ")
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_it_refuses_both_a_user_and_a_guest_name():
    with pytest.raises(CommandError, match="not allowed with argument"):
        run("Hi", "--as", "ada", "--name", "bob")


@pytest.mark.django_db
def test_it_prints_nothing_at_verbosity_zero():
    out, err = run("Quiet", "-v", "0")

    assert (out, err) == ("", "")
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_dash_reads_the_text_from_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("Piped in\n"))

    run("-")

    assert Post.objects.get().body == "Piped in"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "field"),
    [
        # A command line that is not UTF-8 reaches Python as lone surrogates.
        (["caf\udce9"], "U+DCE9"),
        (["hello", "--name", "kim\x00"], "U+0000"),
        (["hello", "--name", "admin"], "reserved for the site"),
    ],
)
def test_text_or_a_name_it_cannot_take_is_one_clear_error(args, field):
    with pytest.raises(CommandError, match=re.escape(field)):
        run(*args)
    assert Post.objects.count() == 0


@pytest.mark.django_db
def test_a_guest_post_is_stored_once_per_client_id_too():
    run("Nightly", "--name", "cron", "--client-id", "nightly-1")
    out, _ = run("Nightly", "--name", "cron", "--client-id", "nightly-1")

    post = Post.objects.get()
    assert out == f"Posted #{post.pk} as cron.\n"


@pytest.mark.django_db
def test_it_replies_to_a_topic_through_the_forms_service():
    run("A topic", "--name", "kim")
    starter = Post.objects.get()

    out, _ = run("A reply", "--name", "operator", "--topic", str(starter.pk))

    reply = Post.objects.get(topic=starter)
    starter.refresh_from_db()
    assert reply.body == "A reply"
    assert (starter.reply_count, starter.last_poster) == (1, "operator")
    assert out == f"Posted #{reply.pk} in topic #{starter.pk} as operator.\n"


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["unknown", "hidden", "a reply"])
def test_a_topic_it_cannot_reply_to_is_one_clear_error(state):
    run("A topic")
    starter = Post.objects.get()
    run("A reply", "--topic", str(starter.pk))
    target = {
        "unknown": starter.pk + 100,
        "hidden": starter.pk,
        "a reply": Post.objects.get(topic=starter).pk,
    }[state]
    if state == "hidden":
        Post.objects.filter(pk=starter.pk).update(hidden=True)

    with pytest.raises(CommandError) as error:
        run("Lost?", "--topic", str(target))

    assert str(error.value) == (
        f"There is no topic {target}: it may have been hidden or deleted."
    )
    assert Post.objects.count() == 2


def test_a_topic_that_is_not_a_number_is_refused_by_the_parser():
    with pytest.raises(CommandError, match="--topic: invalid int value: 'x'"):
        run("Hi", "--topic", "x")
