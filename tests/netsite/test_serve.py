"""`manage.py serve`, the daphne entry point `make run` uses, as a real process."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port, tmp_path, **extra_env):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra_env,
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C must work even when the test runner itself ignores SIGINT.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def test_a_busy_port_is_one_clear_line_and_a_non_zero_exit(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = serve(port, tmp_path)
        out, err = process.communicate(timeout=60)

    assert process.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def wait_until_serving(process, port):
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/") as r:
                assert r.status == 200
                return
        except OSError:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)


def test_it_serves_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    process = serve(port, tmp_path)
    try:
        wait_until_serving(process, port)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0
    assert "netsite stopped." in out
    assert "Traceback" not in err


def test_daphne_closes_a_websocket_whose_frame_exceeds_the_size_limit(tmp_path):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    port = free_port()
    url = f"ws://127.0.0.1:{port}/ws/echo/"
    process = serve(port, tmp_path, NETSITE_WS_MAX_MESSAGE="2048")
    try:
        wait_until_serving(process, port)
        with connect(url, open_timeout=10) as ws:
            ws.send("a" * 1000)
            assert ws.recv(timeout=10) == "a" * 1000
            ws.send("b" * 3000)
            # daphne (autobahn) fails the connection: a 1009 close, or a reset
            # when the unread rest of the frame is still in flight.
            try:
                ws.recv(timeout=10)
                raise AssertionError("an oversized frame was echoed")
            except ConnectionClosed as closed:
                assert closed.rcvd is None or closed.rcvd.code == 1009
            except ConnectionResetError:
                pass
        # Only that connection is gone: the server goes on serving.
        with connect(url, open_timeout=10) as ws:
            ws.send("still here")
            assert ws.recv(timeout=10) == "still here"
    finally:
        process.terminate()
        process.communicate(timeout=30)
