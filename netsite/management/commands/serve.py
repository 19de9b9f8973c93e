"""
Run netsite under daphne: HTTP and WebSockets in one process.

This is what ``make run`` starts and what production units run. It differs
from a bare ``daphne netsite.asgi:application`` in five ways: it refuses a
busy port with one line instead of a traceback, it refuses to start without
collected static files (every page would be a 500), it applies netsite's size
limits to request bodies, headers and WebSocket messages with proper answers
(413, 414, 431, close 1009: see ``netsite.server``), reads chunked request
bodies and bounds what a WebSocket may have waiting to be sent (close 4409),
it stops gracefully (close 1001, requests in flight answered), and its access
log is the same one-line JSON as every other log.
"""

import errno
import logging
import socket

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management.base import BaseCommand, CommandError

access_log = logging.getLogger("netsite.access")


def log_action(protocol, action, details):
    if protocol == "http" and action == "complete":
        access_log.info(
            "%s %s %s",
            details["method"],
            details["path"],
            details["status"],
            extra={
                "client": details["client"],
                "status": details["status"],
                "duration_ms": round(details["time_taken"] * 1000, 1),
            },
        )
    elif protocol == "websocket" and action in ("connected", "disconnected", "reject"):
        access_log.info(
            "websocket %s %s",
            action,
            details["path"],
            extra={"client": details.get("client")},
        )


def ensure_port_free(host, port):
    """Raise CommandError in one line when ``host:port`` cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the server will: a port left in TIME_WAIT is free, a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"Port {port} on {host} is already in use: stop the other "
                    f"server or choose another port (make run PORT={port + 1})."
                ) from None
            raise CommandError(
                f"Cannot listen on {host}:{port}: {error.strerror}."
            ) from None


def ensure_static_collected():
    """
    Raise CommandError in one line when production static files were never
    collected: without the manifest, every page that links a stylesheet fails.
    """
    if settings.DEBUG or not isinstance(staticfiles_storage, ManifestFilesMixin):
        return
    if staticfiles_storage.read_manifest() is None:
        raise CommandError(
            f"Static files are not collected into {settings.STATIC_ROOT}: run "
            "`manage.py collectstatic --noinput` first (`make run` does)."
        )


class Command(BaseCommand):
    help = "Serve netsite (HTTP and WebSockets) with daphne."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind.")
        parser.add_argument("--port", type=int, default=8000, help="Port to bind.")
        parser.add_argument(
            "--proxy-headers",
            action="store_true",
            help="Trust X-Forwarded-For/-Port/-Proto (only behind a proxy that "
            "overwrites them).",
        )

    def handle(self, *args, host, port, proxy_headers, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        host = host.strip("[]")
        ensure_port_free(host, port)
        ensure_static_collected()

        # netsite.server imports daphne.server, which installs Twisted's asyncio
        # reactor on import: it must come before anything else imports
        # twisted.internet.reactor.
        from netsite.server import Server

        # isort: split
        from daphne.endpoints import build_endpoint_description_strings

        from netsite.asgi import application

        self.check(display_num_errors=False)
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"netsite is serving http://{shown}:{port}/ (Ctrl-C stops)")
        self.stdout.flush()
        limit = settings.NETSITE_WS_MAX_MESSAGE
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            action_logger=log_action,
            proxy_forwarded_address_header="X-Forwarded-For" if proxy_headers else None,
            proxy_forwarded_port_header="X-Forwarded-Port" if proxy_headers else None,
            proxy_forwarded_proto_header="X-Forwarded-Proto" if proxy_headers else None,
            websocket_max_message_size=limit,
            websocket_max_frame_size=limit,
            max_body=settings.NETSITE_MAX_BODY,
            websocket_send_buffer=settings.NETSITE_WS_SEND_BUFFER,
            verbosity=0,
        ).run()
        self.stdout.write("netsite stopped.")
