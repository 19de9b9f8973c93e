"""
One error shape for every failure under ``/api/``.

Whatever goes wrong, a client receives the same JSON object::

    {"status": 400, "code": "invalid", "detail": "Check the fields listed in errors.",
     "errors": {"body": ["Write something before posting."]}}

``status`` repeats the HTTP status, ``code`` is a stable machine-readable word
(``not_authenticated``, ``not_found``, ``throttled``...), ``detail`` is a
sentence for people and ``errors`` maps field names to messages (empty unless
the request had invalid fields or parameters). DRF's views produce it through
``exception_handler``; ``api.middleware`` and ``api.views.not_found`` produce
it for what never reaches a DRF view (oversized bodies, unknown addresses,
crashes).
"""

from contextlib import contextmanager

from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse

from content.bans import Banned

NOT_AUTHENTICATED = (
    "Sign in first: send 'Authorization: Token <key>' (POST /api/token/ with "
    "username and password returns a key) or use a signed-in session."
)
NOT_FOUND = "There is nothing at this address, or it is hidden from you."
INVALID = "Check the fields listed in errors."
TOO_LARGE = "The request body is too large; keep it under {limit:,} bytes."
TOO_MANY_FIELDS = (
    "The request has more than {limit:,} parameters and form fields; send fewer."
)
TOO_MANY_FILES = "The request has more than {limit:,} files; send fewer."
BAD_REQUEST = "The request could not be understood; check its headers and body."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class LockedOut(exceptions.APIException):
    """Too many wrong passwords for one account from one address (django-axes)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        self.wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
        minutes = max(1, round(self.wait / 60))
        super().__init__(
            "Too many failed logins for this account from your address. Try "
            f"again in {minutes} minute{'s' if minutes != 1 else ''}, or ask an "
            "administrator to unlock it."
        )


class ClientError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = BAD_REQUEST
    default_code = "bad_request"


def client_error(exc):
    """
    Return the APIException that a Django request error stands for, or None.

    Django raises these while reading a hostile request (1,001 query
    parameters, 101 files, a body over the limit); they are the client's
    fault, so they are 4xx answers, never a 500 with a traceback in the log.
    """
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return PayloadTooLarge(TOO_LARGE.format(limit=limit))
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return ClientError(TOO_MANY_FIELDS.format(limit=limit), "too_many_fields")
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return ClientError(TOO_MANY_FILES.format(limit=limit), "too_many_files")
    if isinstance(exc, SuspiciousOperation | BadRequest):
        return ClientError()
    return None


def error_body(status_code, code, detail, errors=None):
    """Return the error object every /api/ failure answers with."""
    return {
        "status": status_code,
        "code": code,
        "detail": str(detail),
        "errors": errors or {},
    }


def json_error(status_code, code, detail, errors=None, **kwargs):
    """Return an error as a plain JsonResponse, for code outside DRF views."""
    return JsonResponse(
        error_body(status_code, code, detail, errors), status=status_code, **kwargs
    )


@contextmanager
def service_errors():
    """Raise a service's Django ValidationError as DRF's, field by field."""
    try:
        yield
    except DjangoValidationError as error:
        raise exceptions.ValidationError(error.message_dict) from None


def _field_errors(detail, prefix=""):
    """
    Return ``{field: [messages]}`` from a ValidationError's detail, nested
    fields flattened to dotted names (``"author.name"``).
    """
    if not isinstance(detail, dict):
        return {prefix or "non_field_errors": _messages(detail)}
    errors = {}
    for field, value in detail.items():
        name = f"{prefix}.{field}" if prefix else str(field)
        errors.update(_field_errors(value, name))
    return errors


def _messages(value):
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def exception_handler(exc, context):
    """DRF's handler, with netsite's error shape and a few more exception types."""
    if isinstance(exc, Banned):
        exc = exceptions.PermissionDenied(exc.message, code="banned")
    elif isinstance(exc, DjangoPermissionDenied) and exc.args:
        # A service's refusal says why (and may name its code, as
        # content.services.ChangeRefused does); DRF's conversion would drop it.
        exc = exceptions.PermissionDenied(str(exc), code=getattr(exc, "code", None))
    elif isinstance(exc, Http404):
        # get_object_or_404's "No Post matches the given query." names the
        # model but not what to do; hidden and missing items read the same.
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif (error := client_error(exc)) is not None:
        exc = error
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a crash: api.middleware answers it with a JSON 500
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            response.status_code, "invalid", INVALID, _field_errors(exc.detail)
        )
        return response
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if not isinstance(code, str):
        code = {404: "not_found", 403: "permission_denied"}.get(
            response.status_code, "error"
        )
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    if code == "not_authenticated":
        detail = NOT_AUTHENTICATED
    elif code == "unsupported_media_type":
        detail = f"{detail} Send JSON (application/json) or form data."
    response.data = error_body(response.status_code, code, detail)
    return response
