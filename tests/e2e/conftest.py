"""
The browser tier: Debian's Chromium, driven by Playwright, against a real
``manage.py serve`` process on a free port and a SQLite file.

Every test here uses the ``chromium`` fixture, which marks it ``browser``
(``pytest -m "not browser"`` leaves the tier out); without Chromium the tier
rule (``tests/tiers.py``) applies. A failing test leaves a screenshot of each
of its pages in ``test-artifacts/`` and shows the server's log.

Set ``NETSITE_CHROMIUM`` to use another Chromium binary.
"""

import re
import shutil
import tempfile

import pytest

from tests.live import ROOT, LiveServer

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Fail a step in seconds, not Playwright's default 30 s, so that a broken page
# costs the suite little.
STEP_TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Pages.close() takes screenshots when the setup or the test failed.
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser(chromium):
    # Module scope, not session: Playwright's sync API keeps an event loop
    # running in this thread while it is open, and Django's sync test client
    # refuses to run beside one, so the browser closes before other tests run.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def start_server(**env):
    """Start a migrated server on a new SQLite file; the caller stops it."""
    workdir = tempfile.mkdtemp(prefix="netsite-e2e-")
    server = LiveServer(
        env={
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
            # Every browser shares 127.0.0.1: the per-address limits would
            # otherwise make the tests depend on each other's pace. The limit
            # itself is tested across processes in the scale-out tier.
            "NETSITE_BOARD_FLOOD": "1000/60",
            "NETSITE_CHAT_RATE": "1000/60",
            **env,
        },
        workdir=workdir,
    )
    server.migrate()
    return server.start()


@pytest.fixture(scope="session")
def server(chromium):
    """The server that most scenarios share; tests write unique text into it."""
    server = start_server()
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)


@pytest.fixture
def own_server(chromium):
    """A server of this test's own, for scenarios that restart it."""
    server = start_server()
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)


class Pages:
    """Open browser contexts (each with its own cookies) for one test."""

    def __init__(self, browser, request):
        self.browser = browser
        self.request = request
        self.contexts = []

    def new(self, **options):
        """Return a new page in a fresh context; ``options`` go to the context."""
        context = self.browser.new_context(**options)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(f"error: {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and page.problems.append(f"console: {message.text}")
            ),
        )
        page.on("dialog", lambda dialog: _refuse_dialog(page, dialog))
        return page

    def close(self):
        failed = any(
            getattr(self.request.node, f"report_{when}", None) is not None
            and getattr(self.request.node, f"report_{when}").failed
            for when in ("setup", "call")
        )
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", self.request.node.nodeid)
            for i, context in enumerate(self.contexts):
                for j, page in enumerate(context.pages):
                    page.screenshot(
                        path=ARTIFACTS / f"{name}-{i}-{j}.png", full_page=True
                    )
        for context in self.contexts:
            context.close()


def _refuse_dialog(page, dialog):
    page.problems.append(f"dialog: {dialog.type} {dialog.message!r}")
    dialog.dismiss()


@pytest.fixture
def pages(browser, request):
    opened = Pages(browser, request)
    yield opened
    opened.close()


@pytest.fixture
def page(pages):
    return pages.new()
