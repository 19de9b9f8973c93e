"""
System checks for the project as a whole.

``netsite.W001`` is a deployment check (``manage.py check --deploy``): with
``DJANGO_ALLOWED_HOSTS=*`` Django itself warns about nothing, but WebSocket
handshakes lose their defence against DNS rebinding.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_allowed_hosts_protect_websockets(app_configs, **kwargs):
    if "*" not in settings.ALLOWED_HOSTS:
        return []
    return [
        Warning(
            "ALLOWED_HOSTS contains '*', so any Host header is accepted. A "
            "WebSocket handshake's Origin is checked against the Host it names, "
            "so a page on another site whose name resolves to this server (DNS "
            "rebinding) can open sockets that post as the signed-in visitor.",
            hint="Set DJANGO_ALLOWED_HOSTS to the site's own host names, e.g. "
            "netsite.example.",
            id="netsite.W001",
        )
    ]
