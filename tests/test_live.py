"""The live-server harness of the browser and scale-out tiers reports failures."""

import pytest

from tests.live import LiveServer


def test_a_server_that_cannot_start_fails_with_its_own_error(tmp_path):
    server = LiveServer(
        env={"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "DJANGO_DEBUG": "yes"},
        workdir=tmp_path,
    )

    with pytest.raises(RuntimeError) as failure:
        server.start()

    message = str(failure.value)
    assert "exited with code 1 while starting" in message
    assert "DJANGO_DEBUG='yes' is not a boolean" in message
    assert server.process.poll() is not None
