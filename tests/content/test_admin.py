"""The moderation admin: the review queue, item buttons, bans and the log."""

import pytest

from board.models import Post
from board.services import create_post
from chat.models import Message
from chat.services import create_room, post_message
from content import reports
from content.models import AuditEntry, Ban, Report
from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db

QUEUE = "/admin/content/report/queue/"
ACT = "/admin/content/report/queue/act/"


def report(item, *addresses):
    for address in addresses:
        reports.report_item(item=item, reason=f"bad, says {address}", address=address)


def act(client, item, action, reason=""):
    from django.contrib.contenttypes.models import ContentType

    return client.post(
        ACT,
        {
            "kind": ContentType.objects.get_for_model(type(item)).pk,
            "id": item.pk,
            "action": action,
            "reason": reason,
            "csrfmiddlewaretoken": csrf_token(client, QUEUE),
        },
    )


def test_the_queue_groups_open_reports_by_item_oldest_first(client, moderator, user):
    room = create_room(title="Lobby")
    before = post_message(room=room, text="the message before", author=user)[0]
    message = post_message(room=room, text="a rude message", author=user)[0]
    post = create_post(body="a spam post", author=user)[0]
    report(message, "10.0.0.1")
    report(post, "10.0.0.2", "10.0.0.3")
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()

    assert "2 items with open reports" in page
    assert page.index(f"queue-message-{message.pk}") < page.index(
        f"queue-post-{post.pk}"
    )
    assert "Post " + str(post.pk) + " · 2 reports" in page
    assert "bad, says 10.0.0.2" in page and "bad, says 10.0.0.3" in page
    # The message is shown in its room's context.
    assert "the message before" in page and before.text in page
    for button in ("Dismiss", "Hide", "Delete", "Ban author and hide"):
        assert f">{button}</button>" in page


def test_the_queue_buttons_act_through_the_services(client, moderator, user):
    posts = [create_post(body=f"post {n}", author=user)[0] for n in range(4)]
    for post in posts:
        report(post, "10.0.0.9")
    client.force_login(moderator)

    assert act(client, posts[0], "dismiss", "fine").status_code == 302
    assert act(client, posts[1], "hide").status_code == 302
    assert act(client, posts[2], "delete").status_code == 302
    assert act(client, posts[3], "ban", "spammer").status_code == 302

    statuses = dict(Report.objects.values_list("object_id", "status"))
    assert statuses == {
        posts[0].pk: "dismissed",
        posts[1].pk: "hidden",
        posts[2].pk: "deleted",
        posts[3].pk: "hidden",
    }
    assert not Post.objects.get(pk=posts[0].pk).hidden
    assert Post.objects.get(pk=posts[1].pk).hidden
    assert not Post.objects.filter(pk=posts[2].pk).exists()
    assert Ban.objects.active().get().user == user
    log = list(AuditEntry.objects.order_by("id").values_list("action", "via", "reason"))
    assert log == [
        ("dismiss", "admin", "fine"),
        ("hide", "admin", ""),
        ("delete", "admin", ""),
        ("ban", "admin", "spammer"),
        ("hide", "admin", "spammer"),
    ]
    assert "Nothing to review" in client.get(QUEUE).content.decode()


def test_banning_a_guest_author_bans_their_address(client, moderator):
    post = create_post(body="guest spam", address="10.9.9.9")[0]
    report(post, "10.0.0.1")
    client.force_login(moderator)
    act(client, post, "ban")
    ban = Ban.objects.get()
    assert ban.user is None and ban.address == "10.9.9.9"
    assert ban.reason == "Reported: bad, says 10.0.0.1"


def test_only_reviewers_open_the_queue_and_act(client, user, other_user):
    post = create_post(body="spam", author=user)[0]
    report(post, "10.0.0.1")
    other_user.is_staff = True
    other_user.save()
    client.force_login(other_user)  # staff, but not a moderator
    assert client.get(QUEUE).status_code == 403
    assert act(client, post, "hide").status_code == 403
    assert act(client, post, "dismiss").status_code == 403
    assert Report.objects.get().status == "open"


def test_the_admin_header_shows_the_open_count(client, moderator, user):
    report(create_post(body="spam", author=user)[0], "10.0.0.1", "10.0.0.2")
    client.force_login(moderator)
    page = client.get("/admin/").content.decode()
    assert 'data-socket="/ws/moderation/"' in page
    assert "data-report-count>1</span>" in page
    assert "content/moderation.js" in page


def test_an_items_page_has_hide_and_unhide_buttons(client, moderator, user):
    post = create_post(body="spam", author=user)[0]
    client.force_login(moderator)
    page = client.get(f"/admin/board/post/{post.pk}/change/").content.decode()
    assert f'action="/admin/board/post/{post.pk}/hide/"' in page

    token = csrf_token(client, "/board/")
    hidden = client.post(
        f"/admin/board/post/{post.pk}/hide/",
        {"reason": "spam", "csrfmiddlewaretoken": token},
    )
    assert hidden.status_code == 302
    post.refresh_from_db()
    assert post.hidden
    page = client.get(f"/admin/board/post/{post.pk}/change/").content.decode()
    assert f'action="/admin/board/post/{post.pk}/unhide/"' in page
    client.post(f"/admin/board/post/{post.pk}/unhide/", {"csrfmiddlewaretoken": token})
    post.refresh_from_db()
    assert not post.hidden
    assert list(AuditEntry.objects.values_list("action", "via", "reason")) == [
        ("unhide", "admin", ""),
        ("hide", "admin", "spam"),
    ]


def test_the_author_link_leads_a_moderator_to_the_authors_items(
    client, moderator, user
):
    post = create_post(body="spam", author=user)[0]
    create_post(body="someone else's", author=moderator)[0]
    client.force_login(moderator)
    page = client.get(f"/admin/board/post/{post.pk}/change/").content.decode()
    link = f"/admin/board/post/?author__id__exact={user.pk}"
    assert link in page
    listing = client.get(link)
    assert listing.status_code == 200
    assert "spam" in listing.content.decode()
    assert "someone else" not in listing.content.decode()
    assert "/admin/content/ban/add/?username=ada" in page
    assert client.get("/admin/content/ban/add/?username=ada").status_code == 200


def test_message_lists_are_newest_first(client, moderator):
    room = create_room(title="Lobby")
    first = post_message(room=room, text="first message")[0]
    second = post_message(room=room, text="second message")[0]
    client.force_login(moderator)
    page = client.get("/admin/chat/message/").content.decode()
    assert page.index(f"/admin/chat/message/{second.pk}/") < page.index(
        f"/admin/chat/message/{first.pk}/"
    )
    assert Message.objects.count() == 2


def test_a_moderator_bans_from_the_admin_form(client, moderator, user):
    client.force_login(moderator)
    token = csrf_token(client, "/board/")
    bad = client.post(
        "/admin/content/ban/add/",
        {"username": "nobody", "reason": "x", "csrfmiddlewaretoken": token},
    )
    assert bad.status_code == 200
    assert "There is no member" in bad.content.decode()
    both = client.post(
        "/admin/content/ban/add/",
        {"username": "ada", "address": "10.0.0.1", "reason": "x",
         "csrfmiddlewaretoken": token},
    )  # fmt: skip
    assert "Ban either a member or a guest address." in both.content.decode()
    done = client.post(
        "/admin/content/ban/add/",
        {"username": "ada", "reason": "spam", "csrfmiddlewaretoken": token},
    )
    assert done.status_code == 302
    ban = Ban.objects.get()
    assert (ban.user, ban.created_by, ban.reason) == (user, moderator, "spam")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.actor) == ("ban", "admin", moderator)

    client.post(
        "/admin/content/ban/",
        {"action": "lift_selected", "_selected_action": [ban.pk],
         "csrfmiddlewaretoken": token},
    )  # fmt: skip
    assert not Ban.objects.active().exists()


def test_the_moderation_log_is_listed_and_filtered(client, moderator, user):
    post = create_post(body="spam", author=user)[0]
    client.force_login(moderator)
    from content.services import Moderation

    Moderation.of(Post).hide([post], by=moderator, via="api", reason="spam!")
    Moderation.of(Post).unhide([post], by=moderator, via="board")
    page = client.get("/admin/content/auditentry/?action__exact=hide")
    text = page.content.decode()
    assert page.status_code == 200
    assert "spam!" in text
    assert "REST API" in text
    assert client.get("/admin/content/auditentry/?via__exact=site").status_code == 200
    # Read-only: nothing to add, change or delete.
    assert client.get("/admin/content/auditentry/add/").status_code == 403
