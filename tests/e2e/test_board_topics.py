"""Topics in Chromium: a reply appears live on its topic's page and moves the
topic's line to the top of an open board."""

from playwright.sync_api import expect

from tests.e2e.test_board import unique
from tests.e2e.test_board_live import open_board


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
