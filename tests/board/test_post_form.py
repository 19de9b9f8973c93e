import re

import pytest

from django.test import override_settings

from board.models import Post
from chat.services import create_room

pytestmark = pytest.mark.django_db


def test_it_stores_a_post_and_redirects_with_see_other(client, post_form):
    response = post_form("Hello, board!", display_name="Ada")

    assert response.status_code == 303
    assert response["Location"] == "/board/"
    page = client.get("/board/").content.decode()
    assert "Hello, board!" in page
    assert "Posted." in page  # the flash message
    post = Post.objects.get()
    assert post.display_name == "Ada"
    assert post.created.tzinfo is not None


def test_the_post_shows_its_timestamp_in_utc_with_a_machine_readable_time(
    client, post_form
):
    post_form("Timestamped")
    post = Post.objects.get()
    page = client.get("/board/").content.decode()

    iso = post.created.isoformat()
    assert f'<time datetime="{iso}">' in page
    assert re.search(r"Posted: \d{4}-\d\d-\d\d \d\d:\d\d UTC", page)


def test_a_guests_name_is_filled_in_again_on_the_board_and_in_chat(client, post_form):
    post_form("Hello", display_name="Ada")

    board = client.get("/board/").content.decode()
    room = create_room(title="Lobby")
    chat = client.get(room.get_absolute_url()).content.decode()

    for page in (board, chat):
        assert re.search(r'<input[^>]*name="display_name"[^>]*value="Ada"', page)


def test_a_guest_without_a_name_is_called_guest(post_form):
    post_form("anonymous words")
    assert Post.objects.get().display_name == "guest"


def test_a_logged_in_user_posts_under_their_username(client, user, post_form):
    client.force_login(user)
    post_form("from ada", display_name="someone else")
    post = Post.objects.get()
    assert post.author == user
    assert post.display_name == "ada"


def test_it_trims_the_body(post_form):
    post_form("   spaced out \n\n")
    assert Post.objects.get().body == "spaced out"


@pytest.mark.parametrize("body", ["", "   \n\t  "])
def test_it_rejects_an_empty_body_with_a_form_error(post_form, body):
    response = post_form(body)

    assert response.status_code == 400
    assert "Write something before posting." in response.content.decode()
    assert Post.objects.count() == 0


def test_it_rejects_a_too_long_body_and_keeps_the_text(post_form):
    body = "x" * 4001
    response = post_form(body)

    assert response.status_code == 400
    page = response.content.decode()
    assert "at most 4000 characters" in page
    assert body in page  # the user's text is back in the textarea
    assert Post.objects.count() == 0


def test_a_body_of_exactly_the_limit_is_accepted(post_form):
    assert post_form("y" * 4000).status_code == 303


def test_it_refuses_a_post_without_a_csrf_token(client):
    response = client.post("/board/", {"body": "forged"})

    assert response.status_code == 403
    assert "Form expired" in response.content.decode()
    assert Post.objects.count() == 0


def test_a_script_body_is_rendered_as_inert_text(client, post_form):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    post_form(payload)
    page = client.get("/board/").content.decode()

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    # Shown as the text it is (the topic line may escape its quotes too).
    assert re.search(r"&lt;script&gt;alert\((\"|&quot;)x", page)


def test_line_breaks_are_kept_and_links_are_made(client, post_form):
    post_form("first line\nsee https://example.org/page")
    page = client.get("/board/").content.decode()

    assert "first line<br>\nsee" in page
    link = '<a href="https://example.org/page" rel="nofollow noopener noreferrer">'
    assert link in page


@override_settings(NETSITE_BOARD_FLOOD=(2, 30))
def test_it_answers_429_when_a_guest_posts_too_fast_and_keeps_the_text(post_form):
    assert post_form("one").status_code == 303
    assert post_form("two").status_code == 303
    response = post_form("three, too fast")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 30
    page = response.content.decode()
    assert "You are posting too fast" in page
    assert "three, too fast" in page
    assert Post.objects.count() == 2


@override_settings(NETSITE_BOARD_FLOOD=(1, 1))
def test_a_one_second_wait_is_said_in_the_singular(post_form):
    # Within one one-second window the second post is refused; a window may
    # end between two posts, so try a few.
    for attempt in range(5):
        response = post_form(f"quick {attempt}")
        if response.status_code == 429:
            break
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert "Try again in 1 second;" in response.content.decode()


@override_settings(NETSITE_BOARD_FLOOD=(1, 30))
def test_the_flood_limit_counts_each_user_separately(client, user, other_user):
    from tests.conftest import csrf_token

    for who in (user, other_user):
        client.force_login(who)
        token = csrf_token(client)
        response = client.post(
            "/board/", {"body": f"hi from {who}", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 303
    assert Post.objects.count() == 2


@override_settings(NETSITE_ANONYMOUS_POSTING=False)
def test_guests_see_a_login_link_instead_of_the_form_when_posting_is_off(client):
    page = client.get("/board/").content.decode()
    assert "Log in</a> to post" in page
    assert 'name="body"' not in page


@override_settings(NETSITE_ANONYMOUS_POSTING=False)
def test_guests_with_a_token_are_redirected_to_the_login_page(client):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/accounts/login/")  # the board shows no form now
    response = client.post("/board/", {"body": "hi", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/board/")
    assert Post.objects.count() == 0


def form_key(page):
    """The one-time key in a rendered form."""
    return re.search(r'name="client_id" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("signed_in", [False, True])
def test_sending_the_same_form_twice_stores_one_post(client, user, signed_in):
    if signed_in:
        client.force_login(user)
    page = client.get("/board/").content.decode()
    fields = {
        "body": "Sent twice",
        "client_id": form_key(page),
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    }

    first = client.post("/board/", fields)
    again = client.post("/board/", fields)  # a browser retry after a lost reply

    assert (first.status_code, again.status_code) == (303, 303)
    assert Post.objects.count() == 1


def test_each_form_gets_a_new_key(client):
    keys = {form_key(client.get("/board/").content.decode()) for _ in range(3)}
    assert len(keys) == 3


@pytest.mark.parametrize(
    "name",
    [
        "admin",
        "ADMIN",
        "\u0430dmin",  # Cyrillic а
        "\U0001d41a\U0001d41d\U0001d426\U0001d422\U0001d427",  # bold 𝐚𝐝𝐦𝐢𝐧
        "adrnin",  # r and n drawn as m
        "system",
        "ada",
        "a\u200bda",  # a zero-width space inside
    ],
)
def test_a_guest_cannot_post_under_a_name_that_is_not_theirs(
    client, user, post_form, name
):
    response = post_form("Trust me", display_name=name)

    assert response.status_code == 400
    page = response.content.decode()
    assert "choose another" in page
    assert "Trust me" in page  # the text is kept in the form
    assert Post.objects.count() == 0


def test_the_member_posts_under_their_own_name(client, user, post_form):
    client.force_login(user)
    assert post_form("It is me").status_code == 303
    assert Post.objects.get().display_name == "ada"


@pytest.mark.parametrize("name", ["kim\x00", "kim\x07"])
def test_a_name_with_control_characters_is_a_form_error(post_form, name):
    response = post_form("hello", display_name=name)

    assert response.status_code == 400
    assert Post.objects.count() == 0


def test_guests_posts_are_marked_as_guests_on_the_board(client, user, post_form):
    post_form("from a guest", display_name="Ada Lovelace")
    client.force_login(user)
    post_form("from a member")

    page = client.get("/board/").content.decode()
    # Each topic's line: from its author's name to its body.
    guest_post = page[page.index("Ada Lovelace") : page.rindex("from a guest")]
    member_post = page[page.index(">ada<") : page.rindex("from a member")]
    assert 'class="badge guest"' in guest_post
    assert "badge" not in member_post


def test_a_formatted_post_is_stored_with_its_html_and_shown_formatted(
    client, post_form
):
    post_form("**bold** and `<i>code</i>`\n> quoted")
    post = Post.objects.get()
    page = client.get("/board/").content.decode()

    assert post.body == "**bold** and `<i>code</i>`\n> quoted"
    assert post.html == (
        "<p><strong>bold</strong> and <code>&lt;i&gt;code&lt;/i&gt;</code></p>\n"
        "<blockquote>\n<p>quoted</p>\n</blockquote>"
    )
    assert f'<div class="post-body formatted">{post.html}</div>' in page
