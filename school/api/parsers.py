"""The API's one JSON parser (``DEFAULT_PARSER_CLASSES``): a size limit, a depth limit, integers within 64 bits,
no NUL or lone surrogates in strings and keys. Every refusal is a ``ParseError``, i.e. the API's JSON 400
``{"detail": ..., "code": "parse_error"}``, raised wherever the body is first read (DRF's CSRF check reads it
before the view)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from school.security.input import json_problem, too_deep_message


def _refuse_constant(name: str) -> Any:
    raise ParseError(_("The request body is not valid JSON."))


class JSONParser(parsers.JSONParser):
    def parse(self, stream: IO[bytes] | None, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = settings.API_MAX_JSON_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(_("The request body is too large (at most %(size)d bytes).") % {"size": limit})
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError as exc:
            raise ParseError(too_deep_message()) from exc
        except ValueError as exc:  # also UnicodeDecodeError and integers with too many digits
            raise ParseError(_("The request body is not valid JSON.")) from exc
        problem = json_problem(data)
        if problem is not None:
            raise ParseError(problem)
        return data

