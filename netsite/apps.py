from django.apps import AppConfig


class NetsiteConfig(AppConfig):
    name = "netsite"
    verbose_name = "netsite"

    def ready(self):
        from netsite import (
            checks,  # noqa: F401 (registers the checks)
            signals,
        )

        signals.connect()
