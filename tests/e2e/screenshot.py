"""
Draw the README's picture of the board: ``python -m tests.e2e.screenshot``.

The same tooling as the browser tier (a real ``manage.py serve`` on a fresh
SQLite file, Debian's Chromium through Playwright) renders the board with a
few posts and saves ``docs/board.png``. Posts are dated a fixed time apart
from now, so the picture changes only in its dates from one run to the next.
"""

import argparse
import shutil
import sys
import tempfile

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.live import ROOT, LiveServer
from tests.tiers import chromium_path

POSTS = [
    (
        "ada",
        "Has anyone tried the new lab page? /lab/request/ shows every header "
        "my browser sends, cookies masked.",
    ),
    (
        "grace",
        "Chat rooms work through the office proxy now. Thanks to whoever "
        "fixed the WebSocket upgrade!",
    ),
    (
        "linus",
        "Reminder: the board keeps <b>markup</b> as plain text, so paste code freely.",
    ),
    ("guest", "First time here. Posting without an account, as a guest."),
]

SEED = """
from datetime import timedelta
from django.utils import timezone
from board.models import Post
from board.services import create_post
posts = {posts!r}
now = timezone.now()
topics = []
for minutes, (name, body) in zip(range(len(posts) * 7, 0, -7), posts):
    post, _ = create_post(body=body, display_name=name)
    moment = now - timedelta(minutes=minutes)
    Post.objects.filter(pk=post.pk).update(created=moment, last_activity=moment)
    topics.append(post)
for name, body in {replies!r}:
    create_post(body=body, display_name=name, topic=topics[0])
"""

REPLIES = [
    ("grace", "Yes: it is how I found out my proxy adds a Via header."),
    ("linus", "Same here. The echo socket page is good too."),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "board.png"))
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=840)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    workdir = tempfile.mkdtemp(prefix="netsite-screenshot-")
    server = LiveServer(
        env={"DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3"}, workdir=workdir
    )
    try:
        server.migrate()
        server.shell(SEED.format(posts=POSTS, replies=REPLIES))
        server.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            page = browser.new_page(
                viewport={"width": args.width, "height": args.height},
                color_scheme="light",
                locale="en-GB",
                timezone_id="UTC",
            )
            page.goto(server.url + "/board/")
            page.wait_for_selector("time[data-local]")
            page.screenshot(path=args.output)
            browser.close()
    except Exception:
        print(server.describe(), file=sys.stderr)
        raise
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
