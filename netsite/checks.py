"""
System checks for the project as a whole.

``netsite.W001`` is a deployment check (``manage.py check --deploy``): with
``DJANGO_ALLOWED_HOSTS=*`` Django itself warns about nothing, but WebSocket
handshakes lose their defence against DNS rebinding. ``netsite.W002`` says
that mail (password reset links) is printed or filed instead of sent.
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


DEVELOPMENT_MAIL = {
    "django.core.mail.backends.console.EmailBackend": "written to stdout",
    "django.core.mail.backends.filebased.EmailBackend": "written to files",
}


@register(Tags.security, deploy=True)
def check_mail_is_sent(app_configs, **kwargs):
    where = DEVELOPMENT_MAIL.get(settings.EMAIL_BACKEND)
    if settings.DEBUG or where is None:
        return []
    return [
        Warning(
            f"E-mail is {where}, not sent: nobody receives password reset links.",
            hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
            "DEFAULT_FROM_EMAIL) to send through an SMTP server.",
            id="netsite.W002",
        )
    ]
