"""
Draw the README's picture of the board: ``python -m tests.e2e.screenshot``.

The same tooling as the browser tier (a real ``manage.py serve`` on a fresh
SQLite file, Debian's Chromium through Playwright) renders the board with a
few topics by members and a guest, some with replies, and saves
``docs/board.png``. Posts are dated a fixed time apart from now, so the
picture changes only in its dates from one run to the next.
"""

import argparse
import shutil
import sys
import tempfile

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.live import ROOT, LiveServer
from tests.tiers import chromium_path

# (author, title, body, [(author, reply), ...]), oldest topic first; names
# other than "guest" are members.
TOPICS = [
    (
        "ada",
        "The lab's request page",
        "Has anyone tried `/lab/request/`? It shows every header my browser "
        "sends, cookies **masked**.",
        [
            ("grace", "Yes: it is how I found out my proxy adds a `Via` header."),
            ("linus", "Same here. The echo socket page is good too."),
        ],
    ),
    (
        "grace",
        "Chat through the office proxy",
        "Chat rooms work through the office proxy now. Thanks to whoever fixed "
        "the *WebSocket upgrade*!",
        [("ada", "That was the `Upgrade` header being dropped. Fixed on Monday.")],
    ),
    (
        "linus",
        "Formatting cheat sheet",
        "Posts take a safe Markdown subset:\n\n- `*emphasis*` and `**strong**`\n"
        "- `` `code` `` and code blocks\n- links and `> quotes`\n\n"
        "Raw <b>HTML</b> stays plain text.",
        [],
    ),
    (
        "guest",
        "Hello from a guest",
        "First time here. Posting without an account, as a guest.",
        [("grace", "Welcome! Sign up to edit your posts later.")],
    ),
]

SEED = """
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils import timezone
from board.models import Post
from board.services import create_post, recount_topics
now = timezone.now()
minutes = iter(range(120, 0, -6))
topics = []
for name, title, body, replies in {topics!r}:
    author = None
    if name != "guest":
        author, _ = User.objects.get_or_create(username=name)
    post, _ = create_post(body=body, title=title, author=author)
    moment = now - timedelta(minutes=next(minutes))
    Post.objects.filter(pk=post.pk).update(created=moment, last_activity=moment)
    topics.append((post, replies))
for post, replies in topics:
    for name, body in replies:
        author, _ = User.objects.get_or_create(username=name)
        reply, _ = create_post(body=body, author=author, topic=post)
        moment = now - timedelta(minutes=next(minutes))
        Post.objects.filter(pk=reply.pk).update(created=moment)
recount_topics([post for post, _ in topics])
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "board.png"))
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=1440)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    workdir = tempfile.mkdtemp(prefix="netsite-screenshot-")
    server = LiveServer(
        env={"DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3"}, workdir=workdir
    )
    try:
        server.migrate()
        server.shell(SEED.format(topics=TOPICS))
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
