"""
ASGI entry point: HTTP goes to Django, WebSockets to the apps' own routes.

``get_asgi_application()`` is called before anything imports models: it sets
Django up, and the WebSocket routing below imports consumers that import
models, which would fail with AppRegistryNotReady the other way round.
"""

import os
from pathlib import Path

from netsite.env import load_dotenv

load_dotenv(Path(__file__).resolve().parent.parent / ".env")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netsite.settings")

from netsite.handler import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from board.routing import websocket_urlpatterns as board_routes  # noqa: E402
from chat.routing import websocket_urlpatterns as chat_routes  # noqa: E402
from content.routing import websocket_urlpatterns as moderation_routes  # noqa: E402
from netsite.lab.routing import websocket_urlpatterns as lab_routes  # noqa: E402
from netsite.websocket import SiteOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SiteOriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [*chat_routes, *board_routes, *moderation_routes, *lab_routes]
                )
            )
        ),
    }
)
