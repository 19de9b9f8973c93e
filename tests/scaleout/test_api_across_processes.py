"""
The API's throttle counts requests to every process together.
"""

import itertools
import time

from django.conf import settings

from tests.scaleout.test_shared_state import visitor


def test_the_anonymous_api_throttle_counts_both_processes_together(cluster):
    limit, window = settings.NETSITE_API_ANON_RATE
    a, b = cluster
    # Fixed windows, as for the board's flood limit: a run across a window's
    # end starts counting again halfway, so such a run is repeated.
    for _attempt in range(3):
        client = visitor()
        started = int(time.time() // window)
        statuses = [
            client.get(server.url + "/api/posts/")[0]
            for server, _ in zip(itertools.cycle([a, b]), range(limit + 1))
        ]
        if int(time.time() // window) == started:
            break

    assert statuses == [200] * limit + [429]
