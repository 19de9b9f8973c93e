#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def main():
    from django.core.exceptions import ImproperlyConfigured

    from netsite.env import load_dotenv

    try:
        load_dotenv(Path(__file__).resolve().parent / ".env")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netsite.settings")
        from django.conf import settings

        # Read the settings now: a value they refuse is then one line naming
        # the variable, not Django's traceback about an unknown command.
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as error:
        sys.exit(str(error))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
