"""Topics in Chromium: a reply appears live on its topic's page and moves the
topic's line to the top of an open board; a moderator's hides reach both."""

from playwright.sync_api import expect

from tests.e2e.test_board import unique
from tests.e2e.test_board_live import open_board
from tests.e2e.test_moderation import make_moderator


def open_topic(page, server, topic_id):
    """Open a topic's page and wait until its live stream is connected."""
    connected = f"websocket connected /ws/board/t/{topic_id}/"
    seen = server.log_count(connected)
    page.goto(f"{server.url}/board/t/{topic_id}/")
    server.wait_for_log(connected, seen + 1)


def test_a_reply_from_another_browser_appears_live_and_moves_the_topic_up(
    pages, server
):
    title = unique("Bikes for sale")
    topic_id = int(
        server.shell(
            "from board.services import create_post\n"
            f"topic = create_post(body='Two, both red.', title={title!r})[0]\n"
            "create_post(body=f'A newer topic {topic.pk}')\n"
            "print(topic.pk)\n"
        ).strip()
    )
    board, reader, writer = pages.new(), pages.new(), pages.new()
    open_board(board, server)
    line = board.locator(f"#topic-{topic_id}")
    expect(board.locator(".topic").first).not_to_have_id(f"topic-{topic_id}")
    expect(line.locator(".reply-count")).to_have_text("0 replies")
    open_topic(reader, server, topic_id)
    expect(reader.locator("h1")).to_have_text(title)
    body = unique("Is the left one a 28?")

    writer.goto(f"{server.url}/board/t/{topic_id}/")
    writer.get_by_label("Your name").fill("Kim")
    writer.get_by_label("Message").fill(body)
    writer.get_by_role("button", name="Reply").click()
    writer.wait_for_url(f"**/board/t/{topic_id}/?from=*")
    expect(writer.locator("article.post", has_text=body)).to_have_count(1)

    reply = reader.locator("#posts article.post", has_text=body)
    expect(reply).to_have_count(1)
    expect(reply.locator(".author")).to_have_text("Kim")
    expect(reply.locator("time")).to_have_attribute("data-local", "")
    assert reader.url == f"{server.url}/board/t/{topic_id}/"  # no reload

    expect(board.locator(".topic").first).to_have_id(f"topic-{topic_id}")
    expect(line.locator(".reply-count")).to_have_text("1 reply")
    expect(line.locator(".last-poster")).to_have_text("Kim")
    assert board.url == server.url + "/board/"
    assert board.problems == reader.problems == writer.problems == []


def test_a_new_topic_is_written_from_the_board_and_opened_by_its_title(page, server):
    title, body = unique("Lost cat"), unique("Grey, answers to Mo.")
    page.goto(server.url + "/board/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Message").fill(body)
    page.get_by_role("button", name="Post").click()
    page.wait_for_url(server.url + "/board/")

    page.get_by_role("link", name=title).click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("article.post", has_text=body)).to_have_count(1)
    expect(page.locator("#posts .empty")).to_have_text("No replies yet.")
    assert page.problems == []


def test_a_moderators_hides_reach_open_board_and_topic_pages(pages, server):
    ids = server.shell(
        "from board.services import create_post\n"
        f"topic = create_post(body={unique('Tandem wanted')!r})[0]\n"
        "create_post(body='I have one', topic=topic, display_name='kim')\n"
        f"newer = create_post(body={unique('A newer topic')!r})[0]\n"
        "last = create_post(body='Me too', topic=topic, display_name='lou')[0]\n"
        "print(topic.pk, newer.pk, last.pk)\n"
    )
    topic_id, newer_id, last_id = (int(i) for i in ids.split())
    board, reader, moderator = pages.new(), pages.new(), pages.new()
    open_board(board, server)
    line = board.locator(f"#topic-{topic_id}")
    expect(board.locator(".topic").first).to_have_id(f"topic-{topic_id}")
    expect(line.locator(".reply-count")).to_have_text("2 replies")
    expect(line.locator(".last-poster")).to_have_text("lou")
    open_topic(reader, server, topic_id)
    username, password = make_moderator(server)
    moderator.goto(f"{server.url}/accounts/login/?next=/board/t/{topic_id}/")
    moderator.get_by_label("Username").fill(username)
    moderator.get_by_label("Password").fill(password)
    moderator.get_by_role("button", name="Log in").click()
    moderator.wait_for_url(f"{server.url}/board/t/{topic_id}/")

    # The latest reply hidden: its topic counts one, last by kim, which is
    # older than the newer topic, so its line moves below it.
    moderator.locator(f"#post-{last_id}").get_by_role("button", name="Hide").click()
    expect(moderator.locator(".messages")).to_contain_text("Hid the post.")
    expect(line.locator(".reply-count")).to_have_text("1 reply")
    expect(line.locator(".last-poster")).to_have_text("kim")
    expect(board.locator(".topic").first).to_have_id(f"topic-{newer_id}")
    expect(board.locator(".topic").nth(1)).to_have_id(f"topic-{topic_id}")
    expect(reader.locator(f"#post-{last_id}")).to_have_count(0)

    # The first post hidden: the topic leaves the board, and its open page
    # says so and takes its reply form away.
    moderator.locator(f"#post-{topic_id}").get_by_role("button", name="Hide").click()
    expect(moderator.locator(".messages")).to_contain_text("Hid the post.")
    expect(line).to_have_count(0)
    expect(reader.locator(f"#post-{topic_id}")).to_have_count(0)
    expect(reader.locator("#live-notice")).to_have_text(
        "This topic was hidden or deleted: replies can no longer be posted."
    )
    expect(reader.locator(".reply-form")).to_have_count(0)
    assert board.url == server.url + "/board/"
    assert reader.url == f"{server.url}/board/t/{topic_id}/"
    assert board.problems == reader.problems == moderator.problems == []
