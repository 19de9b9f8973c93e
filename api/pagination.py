"""
Cursor pagination: every page costs the same, however deep, and no COUNT(*).

A page carries ``next`` and ``previous`` links with an opaque ``cursor``;
``?limit=`` chooses the page size (default 50, at most 200). The order is
the view's ``?ordering=`` parameter when its filter set validated one, else
the view's default, always ending on a unique field so that a cursor names
exactly one position. Out-of-range limits and damaged cursors are 400s, not
silently replaced.
"""

from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class IdCursorPagination(CursorPagination):
    page_size = DEFAULT_LIMIT
    max_page_size = MAX_LIMIT
    page_size_query_param = "limit"
    page_size_query_description = (
        f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."
    )
    ordering = "-id"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {"limit": [f"Use a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "pagination_ordering", None)
        if callable(ordering):
            ordering = ordering()
        ordering = ordering or getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {
                    "cursor": [
                        "This cursor is not valid: follow the next and previous "
                        "links exactly as the API returned them."
                    ]
                }
            ) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters
