"""Reports: stored once per reporter and item, from every door."""

import pytest
from asgiref.sync import sync_to_async

from django.db import IntegrityError, transaction

from board.models import Post
from chat.models import Message
from content import reports
from content.bans import Banned, ban
from content.models import AuditEntry, Report
from content.services import Moderation
from tests.api.conftest import token_client
from tests.chat.conftest import receive, send
from tests.conftest import csrf_token
from tests.content.conftest import socket_as

pytestmark = pytest.mark.django_db


def test_a_member_reports_an_item_once(post, other_user):
    first, created = reports.report_item(item=post, reason="spam", reporter=other_user)
    again, created_again = reports.report_item(
        item=post, reason="still spam", reporter=other_user
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert Report.objects.count() == 1
    assert first.excerpt == "Buy cheap watches"
    assert first.status == "open"


def test_guests_are_told_apart_by_address(post):
    reports.report_item(item=post, reason="spam", address="10.0.0.1")
    reports.report_item(item=post, reason="spam", address="10.0.0.1")
    reports.report_item(item=post, reason="spam", address="10.0.0.2")
    assert list(
        Report.objects.order_by("reporter_address").values_list(
            "reporter_address", flat=True
        )
    ) == ["10.0.0.1", "10.0.0.2"]


def test_the_database_refuses_a_second_report_by_the_same_person(post, other_user):
    reports.report_item(item=post, reason="spam", reporter=other_user)
    duplicate = Report(
        item=post,
        reporter=other_user,
        reason="again",
        excerpt="x",
        created=post.created,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    guest = {"item": post, "reason": "x", "excerpt": "x", "created": post.created}
    Report.objects.create(reporter_address="10.0.0.9", **guest)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter_address="10.0.0.9", **guest)


@pytest.mark.parametrize(
    ("reason", "code"), [("", "empty"), ("   ", "empty"), ("x" * 501, "too_long")]
)
def test_a_report_needs_a_reason(post, other_user, reason, code):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        reports.report_item(item=post, reason=reason, reporter=other_user)
    assert caught.value.error_dict["reason"][0].code == code
    assert not Report.objects.exists()


def test_nobody_reports_their_own_item_or_a_hidden_one(
    post, user, other_user, moderator
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="your own post"):
        reports.report_item(item=post, reason="mine", reporter=user)
    Moderation.of(Post).hide([post], by=moderator, via="board")
    post.refresh_from_db()
    with pytest.raises(ValidationError, match="already hidden"):
        reports.report_item(item=post, reason="spam", reporter=other_user)


def test_reporting_is_rate_limited_per_reporter(settings, user, other_user):
    from board.services import create_post

    settings.NETSITE_REPORT_RATE = (2, 600)
    posts = [create_post(body=f"post {i}", author=user)[0] for i in range(3)]
    reports.report_item(item=posts[0], reason="a", reporter=other_user)
    reports.report_item(item=posts[1], reason="b", reporter=other_user)
    # Reporting the same item again costs nothing: it is the same report.
    reports.report_item(item=posts[1], reason="b", reporter=other_user)
    with pytest.raises(reports.TooManyReports) as caught:
        reports.report_item(item=posts[2], reason="c", reporter=other_user)
    assert caught.value.retry_after >= 1
    assert Report.objects.count() == 2


def test_a_banned_person_cannot_report(post, other_user, moderator):
    ban(user=other_user, reason="abuse", by=moderator, via="admin")
    with pytest.raises(Banned):
        reports.report_item(item=post, reason="spam", reporter=other_user)


def test_hiding_or_deleting_an_item_closes_its_reports(post, other_user, moderator):
    reports.report_item(item=post, reason="spam", reporter=other_user)
    reports.report_item(item=post, reason="spam", address="10.0.0.3")
    Moderation.of(Post).hide([post], by=moderator, via="admin", reason="spam")
    assert set(Report.objects.values_list("status", flat=True)) == {"hidden"}
    assert set(Report.objects.values_list("resolved_by", flat=True)) == {moderator.pk}


def test_deleting_a_message_closes_its_reports(message, other_user, moderator):
    reports.report_item(item=message, reason="spam", reporter=other_user)
    Moderation.of(Message).delete([message], by=moderator, via="api")
    report = Report.objects.get()
    assert report.status == "deleted"
    assert report.excerpt == "Buy cheap watches"


def test_dismissing_closes_reports_and_is_logged(post, other_user, moderator):
    reports.report_item(item=post, reason="spam", reporter=other_user)
    assert (
        reports.dismiss_reports(
            model=Post, item_id=post.pk, by=moderator, via="admin", reason="fine"
        )
        == 1
    )
    assert Report.objects.get().status == "dismissed"
    entry = AuditEntry.objects.get(action="dismiss")
    assert (entry.actor, entry.via, entry.reason) == (moderator, "admin", "fine")
    post.refresh_from_db()
    assert not post.hidden


def test_an_item_hides_itself_after_enough_distinct_reports(settings, post):
    settings.NETSITE_REPORT_AUTOHIDE = 2
    reports.report_item(item=post, reason="spam", address="10.0.0.1")
    reports.report_item(item=post, reason="spam", address="10.0.0.1")
    post.refresh_from_db()
    assert not post.hidden  # one person, twice
    reports.report_item(item=post, reason="spam", address="10.0.0.2")
    post.refresh_from_db()
    assert post.hidden and post.hidden_by is None
    entry = AuditEntry.objects.get(action="hide")
    assert (entry.actor_name, entry.via) == ("system", "auto")
    assert entry.reason == "reported by 2 people"
    assert set(Report.objects.values_list("status", flat=True)) == {"hidden"}


def test_auto_hide_is_off_by_default(post):
    for n in range(5):
        reports.report_item(item=post, reason="spam", address=f"10.0.0.{n}")
    post.refresh_from_db()
    assert not post.hidden


# The page's report form -----------------------------------------------------------


def test_a_guest_reports_a_post_from_the_board_without_javascript(client, post):
    page = client.get("/board/")
    assert f'action="/board/posts/{post.pk}/report/"' in page.content.decode()
    response = client.post(
        f"/board/posts/{post.pk}/report/",
        {
            "reason": "spam",
            "next": "/board/",
            "csrfmiddlewaretoken": csrf_token(client),
        },
        follow=True,
    )
    assert response.redirect_chain == [("/board/", 303)]
    assert "the moderators will look at this post" in response.content.decode()
    report = Report.objects.get()
    assert report.reporter is None and report.reporter_address == "127.0.0.1"


def test_a_member_reports_a_chat_message_from_the_room_page(
    client, message, other_user
):
    client.force_login(other_user)
    path = message.room.get_absolute_url()
    response = client.post(
        f"/chat/messages/{message.pk}/report/",
        {
            "reason": "rude",
            "next": path,
            "csrfmiddlewaretoken": csrf_token(client, path),
        },
    )
    assert response.status_code == 303 and response["Location"] == path
    assert Report.objects.get().reporter == other_user


def test_the_report_form_says_what_was_wrong(client, post, other_user):
    client.force_login(other_user)
    response = client.post(
        f"/board/posts/{post.pk}/report/",
        {"reason": " ", "csrfmiddlewaretoken": csrf_token(client)},
        follow=True,
    )
    assert "Not reported: Say what is wrong with it." in response.content.decode()
    assert not Report.objects.exists()


def test_the_report_form_needs_csrf(post):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        f"/board/posts/{post.pk}/report/", {"reason": "spam"}
    )
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_a_hidden_item_cannot_be_reported_from_the_page(client, post, moderator):
    Moderation.of(Post).hide([post], by=moderator, via="board")
    response = client.post(
        f"/board/posts/{post.pk}/report/",
        {"reason": "spam", "csrfmiddlewaretoken": csrf_token(client)},
    )
    assert response.status_code == 404


# The API ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["posts", "messages"])
def test_the_api_stores_a_report_once(kind, post, message, other_user):
    item = post if kind == "posts" else message
    client = token_client(other_user)
    url = f"/api/{kind}/{item.pk}/report/"
    first = client.post(url, {"reason": "spam"}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["kind"] == ("post" if kind == "posts" else "message")
    assert first.json()["item_id"] == item.pk
    assert first.json()["status"] == "open"
    again = client.post(url, {"reason": "spam!"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_a_guest_reports_through_the_api(post):
    response = token_client(None).post(
        f"/api/posts/{post.pk}/report/", {"reason": "spam"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["reporter"] == "guest at 127.0.0.1"


def test_the_api_refuses_bad_reports_in_its_error_shape(
    settings, post, user, other_user
):
    client = token_client(other_user)
    empty = client.post(f"/api/posts/{post.pk}/report/", {"reason": ""}, format="json")
    assert empty.status_code == 400
    assert empty.json()["errors"] == {"reason": ["Say what is wrong with it."]}
    own = token_client(user).post(
        f"/api/posts/{post.pk}/report/", {"reason": "x"}, format="json"
    )
    assert own.status_code == 400 and "item" in own.json()["errors"]
    missing = client.post("/api/posts/999999/report/", {"reason": "x"}, format="json")
    assert missing.status_code == 404

    settings.NETSITE_REPORT_RATE = (1, 600)
    from board.services import create_post

    another = create_post(body="another", author=user)[0]
    client.post(f"/api/posts/{another.pk}/report/", {"reason": "x"}, format="json")
    third = create_post(body="third", author=user)[0]
    limited = client.post(
        f"/api/posts/{third.pk}/report/", {"reason": "x"}, format="json"
    )
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert limited.json()["code"] == "throttled"


def test_a_banned_member_gets_403_banned_from_the_api(post, other_user, moderator):
    ban(user=other_user, reason="abuse", by=moderator, via="admin")
    response = token_client(other_user).post(
        f"/api/posts/{post.pk}/report/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "banned"
    assert "abuse" in response.json()["detail"]


# The chat protocol ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_report_frame_stores_a_report_and_is_answered(message, other_user):
    client = await socket_as(other_user, f"/ws/chat/{message.room.slug}/")
    assert (await client.connect())[0]
    try:
        await send(client, {"type": "report", "id": message.pk, "reason": "spam"})
        assert await receive(client) == {"type": "reported", "id": message.pk}
        await send(client, {"type": "report", "id": message.pk, "reason": "spam"})
        assert await receive(client) == {"type": "reported", "id": message.pk}
        await send(client, {"type": "report", "id": 10**9, "reason": "spam"})
        missing = await receive(client)
        assert missing["code"] == "not_found"
        await send(client, {"type": "report", "id": message.pk, "reason": ""})
        assert (await receive(client))["code"] == "empty"
        await send(client, {"type": "report", "id": "7", "reason": "x"})
        assert (await receive(client))["code"] == "bad_json"
    finally:
        await client.disconnect()
    assert await sync_to_async(Report.objects.count)() == 1


@pytest.mark.django_db(transaction=True)
async def test_a_report_frame_cannot_reach_another_rooms_message(message, other_user):
    from chat.services import create_room

    elsewhere = await sync_to_async(create_room)(title="Elsewhere")
    client = await socket_as(other_user, f"/ws/chat/{elsewhere.slug}/")
    assert (await client.connect())[0]
    try:
        await send(client, {"type": "report", "id": message.pk, "reason": "spam"})
        assert (await receive(client))["code"] == "not_found"
    finally:
        await client.disconnect()
