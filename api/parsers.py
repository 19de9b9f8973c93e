"""Request parsers for the API: DRF's own, hardened against hostile input."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """
    DRF's JSON parser, except that a document nested too deeply to decode
    (``[[[[…]]]]`` ten thousand levels down) is a 400 parse error like any other
    malformed JSON, not a RecursionError and a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                "JSON parse error - the document is nested too deeply."
            ) from None
