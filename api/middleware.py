"""
JSON errors for ``/api/`` requests that DRF's exception handler never sees.

Two failures happen outside a DRF view's own error handling: a request
Django refuses to read (a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
too many fields or files: Django's HTML 400 page, and DRF's JSON parser reads
the stream without checking the size limit at all) and an unexpected
exception (Django's HTML 500 page). Under ``/api/`` both become the API's JSON
error shape; everywhere else nothing changes.
"""

import logging

from django.conf import settings
from django.core.signals import got_request_exception
from django.utils.deprecation import MiddlewareMixin

from api.exceptions import TOO_LARGE, client_error, json_error

logger = logging.getLogger("api")

API_PREFIX = "/api/"


class ApiErrorMiddleware(MiddlewareMixin):
    def process_request(self, request):
        """Refuse a declared body over the limit before anything reads it."""
        if not request.path_info.startswith(API_PREFIX):
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(
                400, "invalid", "The Content-Length header must be a number."
            )
        if limit is not None and length > limit:
            return json_error(413, "too_large", TOO_LARGE.format(limit=limit))
        return None

    def process_exception(self, request, exception):
        if not request.path_info.startswith(API_PREFIX):
            return None
        error = client_error(exception)
        if error is not None:
            return json_error(error.status_code, error.get_codes(), error.detail)
        logger.error(
            "api request failed: %s %s",
            request.method,
            request.path,
            exc_info=exception,
            extra={"status_code": 500},
        )
        # Error reporters listen for this signal, as they do for Django's 500s.
        got_request_exception.send(sender=None, request=request)
        return json_error(
            500,
            "server_error",
            "Something went wrong on the server. The error has been logged; "
            "try again later.",
        )
