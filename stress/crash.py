"""
kill -9 under write load.

Form, API and WebSocket writers write as fast as the site answers; at a random
moment the server gets SIGKILL, the database is checked as the crash left it
(``PRAGMA integrity_check``) and the server starts again on it. Writes whose
answer never came are sent again as their clients would (the same form, the
same key), and at the end every acknowledged write must be stored exactly
once.
"""

import random
import time

from stress import writers
from stress.clients import Browser
from stress.site import ROOM, UNLIMITED

NAME = "crash"
DOORS = {"form": 2, "api": 2, "ws": 2}


def run(run):
    cycles = run.pick(3, 10)
    ledger = writers.Ledger()
    integrity = []
    with run.site("crash", **UNLIMITED) as site:
        for cycle in range(1, cycles + 1):
            stop, threads = writers.start(
                site, ledger, doors=DOORS, label=f"crash-{cycle}"
            )
            time.sleep(random.uniform(1.5, 4.0))  # noqa: S311 (not crypto)
            site.kill()
            stop.set()
            for thread in threads:
                thread.join(60)
            integrity.append(site.integrity())
            in_flight = ledger.count(writers.IN_FLIGHT)
            site.start()
            ledger.resend_in_flight()
            run.progress(
                f"kill -9 {cycle}/{cycles}: {ledger.count(writers.ACKED):,} "
                f"acknowledged, {in_flight} were in flight"
            )
        copies = ledger.copies(site)
        resubmitted = _resubmit_forms(site)

    first = {w: n for w, n in copies.items() if not w.retried}
    resent = {w: n for w, n in copies.items() if w.retried}
    ok, text = writers.tally(first)
    refused = ledger.refusals()
    server_errors = sum(n for status, n in refused.items() if str(status)[0] == "5")
    run.check(
        f"{NAME}: kill -9 ×{cycles} under form, API and socket writers",
        ok and not server_errors,
        f"{text}; refused {dict(refused) or 0}",
    )
    ok, text = writers.tally(resent)
    run.check(
        f"{NAME}: writes in flight at the kill, resent as their client would",
        ok,
        text.replace("acknowledged", "resent and acknowledged"),
    )
    run.check(
        f"{NAME}: a form submitted twice (a browser's retry) stores one copy",
        set(resubmitted.values()) == {1},
        ", ".join(f"{page}: {n} stored" for page, n in resubmitted.items()),
    )
    if None in integrity:
        return  # PostgreSQL: no integrity_check to ask
    bad = [result for result in integrity if result != "ok"]
    run.check(
        f"{NAME}: PRAGMA integrity_check after every kill",
        not bad,
        f"{len(integrity) - len(bad)}/{len(integrity)} ok"
        + (f": {bad[0]}" if bad else ""),
    )


def _resubmit_forms(site):
    """
    Post the board's and a room's form twice with the same fields, as a
    browser does when the answer to the first post was lost (a crash makes
    that happen by chance; this makes it happen every time). Return
    ``{page: copies stored}``.
    """
    browser = Browser(site.port)
    texts = {}
    for page, field_name, kind in (
        ("/board/", "body", "posts"),
        (f"/chat/{ROOM}/", "text", "messages"),
    ):
        fields = browser.form(page, field_name)
        fields[field_name] = texts[page] = f"resubmitted {kind} {random.random()}"
        for _ in range(2):
            browser.post(page, fields)
    stored = [row["body"] for row in site.export("posts")]
    stored += [row["text"] for row in site.export("messages")]
    return {page: stored.count(text) for page, text in texts.items()}
