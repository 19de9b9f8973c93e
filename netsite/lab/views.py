"""
The lab's pages. The arithmetic pages answer JSON instead of HTML when asked
(``Accept: application/json`` or ``?format=json``), their errors included: a
bad parameter is a 400 in the API's error shape, naming the parameter.
"""

from decimal import Decimal, InvalidOperation, localcontext

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from api.exceptions import json_error
from content.http import BadRequest

MAX_NUMBER_LENGTH = 50
MAX_EXPONENT = 1000
MAX_NAME_LENGTH = 200
MASKED_HEADERS = {"cookie", "authorization", "proxy-authorization", "x-csrftoken"}


def index(request):
    return render(request, "netsite/lab/index.html")


def hello(request):
    name = request.GET.get("name", "").strip()
    if not name:
        raise BadRequest("Missing parameter ‘name’: try /lab/hello/?name=Ada.")
    if len(name) > MAX_NAME_LENGTH:
        raise BadRequest(
            f"Parameter ‘name’ is longer than {MAX_NAME_LENGTH} characters."
        )
    return render(request, "netsite/lab/hello.html", {"name": name})


class BadParameter(BadRequest):
    """A 400 about one query parameter, named in ``parameter``."""

    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter


def _number(request, key):
    raw = request.GET.get(key)
    if raw is None or not raw.strip():
        raise BadParameter(
            key, f"Missing parameter ‘{key}’: give a number, e.g. {key}=12.5."
        )
    raw = raw.strip()
    if len(raw) > MAX_NUMBER_LENGTH:
        raise BadParameter(
            key, f"Parameter ‘{key}’ is longer than {MAX_NUMBER_LENGTH} characters."
        )
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadParameter(
            key, f"Parameter ‘{key}’ is not a number: {raw!r}."
        ) from None
    if not value.is_finite():
        raise BadParameter(
            key, f"Parameter ‘{key}’ must be a finite number, not {raw}."
        )
    if abs(value.adjusted()) > MAX_EXPONENT:
        raise BadParameter(key, f"Parameter ‘{key}’ is too large or too small.")
    return value


def _wants_json(request):
    if request.GET.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _arithmetic(request, operation, symbol, apply):
    try:
        x, y = _number(request, "x"), _number(request, "y")
    except BadParameter as error:
        if not _wants_json(request):
            raise  # the site's HTML error page
        return json_error(
            400, "invalid", str(error), errors={error.parameter: [str(error)]}
        )
    with localcontext() as ctx:
        ctx.prec = 60
        result = apply(x, y)
    # Plain notation, no trailing zeros: 300 + 20 is 320, 0.1 + 0.2 is 0.3.
    result = format(result.normalize(), "f") if result else "0"
    if _wants_json(request):
        return JsonResponse(
            {"operation": operation, "x": str(x), "y": str(y), "result": result}
        )
    return render(
        request,
        "netsite/lab/arithmetic.html",
        {"operation": operation, "symbol": symbol, "x": x, "y": y, "result": result},
    )


def add(request):
    return _arithmetic(request, "add", "+", lambda x, y: x + y)


def subtract(request):
    return _arithmetic(request, "subtract", "−", lambda x, y: x - y)


def request_echo(request, rest=""):
    """Show the request as the server received it."""
    scope = getattr(request, "scope", None)
    version = (
        f"HTTP/{scope['http_version']}"
        if scope and "http_version" in scope
        else request.META.get("SERVER_PROTOCOL", "")
    )
    headers = [
        (name, "•••••• (masked)" if name.lower() in MASKED_HEADERS else value)
        for name, value in sorted(request.headers.items())
    ]
    today = timezone.localdate()
    return render(
        request,
        "netsite/lab/request.html",
        {
            "method": request.method,
            "path": request.path,
            "query": request.META.get("QUERY_STRING", ""),
            "version": version,
            "client": request.META.get("REMOTE_ADDR", ""),
            "headers": headers,
            "day_of_year": today.timetuple().tm_yday,
            "year": today.year,
        },
    )
