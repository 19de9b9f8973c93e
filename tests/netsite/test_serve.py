"""`manage.py serve`, the daphne entry point `make run` uses, as a real process."""

import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.live import ROOT, clean_env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port, tmp_path, settings="tests.settings", **extra_env):
    env = clean_env(
        DJANGO_SETTINGS_MODULE=settings,
        DJANGO_SECRET_KEY="netsite-serve-test-" + "s" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra_env,
    )
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
            # RFC 6455 7.4.1: 1009, "message too big", in a close frame.
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
            assert closed.value.rcvd is not None, "closed without a close frame"
            assert closed.value.rcvd.code == 1009
        # Only that connection is gone: the server goes on serving.
        with connect(url, open_timeout=10) as ws:
            ws.send("still here")
            assert ws.recv(timeout=10) == "still here"
    finally:
        process.terminate()
        process.communicate(timeout=30)


def production_serve(port, tmp_path, static_root):
    """``serve`` as ``make run`` starts it: netsite.settings, DEBUG off."""
    return serve(
        port,
        tmp_path,
        settings="netsite.settings",
        NETSITE_STATIC_ROOT=str(static_root),
    )


def test_it_refuses_to_start_without_collected_static_files(tmp_path):
    static_root = tmp_path / "static"
    process = production_serve(free_port(), tmp_path, static_root)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 1
    assert out == ""
    assert err == (
        f"CommandError: Static files are not collected into {static_root}: run "
        "`manage.py collectstatic --noinput` first (`make run` does).\n"
    )


def test_after_collectstatic_it_serves_pages_and_their_hashed_static_files(tmp_path):
    static_root = tmp_path / "static"
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=clean_env(
            DJANGO_DEBUG="true",
            NETSITE_STATIC_ROOT=str(static_root),
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    process = production_serve(port, tmp_path, static_root)
    try:
        wait_until_serving(process, port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/") as page:
            html = page.read().decode()
        [stylesheet] = re.findall(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', html)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{stylesheet}") as css:
            assert css.status == 200
    finally:
        process.terminate()
        process.communicate(timeout=30)
