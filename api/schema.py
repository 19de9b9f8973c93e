"""
The OpenAPI schema's view of each operation, errors included.

drf-spectacular documents the success response of each operation; this
schema class adds the error responses the API really gives (all in the
shape of ``ErrorSerializer``), the ``Idempotency-Key`` header of idempotent
creates and their ``200`` replay, so a schema-driven client or fuzzer finds
no status the schema does not announce.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter

from api.serializers import ErrorSerializer

IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    type={"type": "string", "minLength": 1, "maxLength": 64},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "1 to 64 characters chosen by the client. A create retried with the "
        "same key returns the item stored the first time (200) instead of a "
        "second one (201). Same as the client_id field, where there is one."
    ),
)

ERRORS = {
    "400": "Invalid fields or query parameters; see errors.",
    "401": "Not signed in, or a bad token (see the WWW-Authenticate header).",
    "403": "Signed in but not allowed (not the author nor a moderator), or a "
    "missing CSRF token with session authentication.",
    "404": "Nothing at this address, or it is hidden.",
    "413": "The request body is too large.",
    "415": "Send JSON or form data.",
    "429": "Too many requests; wait for the seconds in Retry-After.",
}


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self):
        codes = {"401", "429"}
        if "{" in self.path:
            codes.add("404")
        if self.method == "GET" and self._is_list_view():
            codes.add("400")
        if self.method in ("POST", "PUT", "PATCH"):
            codes |= {"400", "403", "413", "415"}
        if self.method == "DELETE":
            codes.add("403")
        return sorted(codes)

    def _is_idempotent_create(self):
        return self._is_create_operation() and getattr(self.view, "idempotent", False)

    def map_parsers(self):
        # The browsable API's HTML forms post multipart data, so the server
        # takes it, but clients are not offered it: nothing takes files, and
        # daphne (Twisted) answers a malformed multipart body itself with an
        # empty 400 before Django, and so this API's error shape, sees it.
        return [media for media in super().map_parsers() if "multipart" not in media]

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_idempotent_create():
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if self._is_idempotent_create() and "201" in responses:
            replay = dict(responses["201"])
            replay["description"] = "A retry: the item stored the first time."
            responses["200"] = replay
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
                response["description"] = ERRORS[code]
                responses[code] = response
        return responses
