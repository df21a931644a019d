"""The OpenAPI schema (drf-spectacular): only our JSON API, with the error answers every operation can give."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


def only_public_api(endpoints: list[tuple[str, str, str, Any]], **kwargs: Any) -> list[tuple[str, str, str, Any]]:
    """The schema documents our JSON API, not the Wagtail admin's internal API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


class ErrorSerializer(serializers.Serializer[Any]):
    """Every refusal of the API: a message in the user's language and a code; invalid input adds the messages
    per field."""

    # school.api.errors.exception_handler gives DRF's errors this shape. The fields are declared in
    # get_fields: a class attribute named ``errors`` would hide ``Serializer.errors``.
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "detail": serializers.CharField(help_text="What went wrong, in the user's language."),
            "code": serializers.CharField(help_text="The reason for programs, e.g. not_found, permission_denied, "
                                                    "invalid, time_up."),
            "errors": serializers.DictField(required=False, help_text="Invalid input: the messages per field."),
        }


ERROR_DESCRIPTIONS = {
    400: "Invalid input; nothing was changed.",
    403: "Not logged in, no CSRF token, or not allowed; nothing was changed.",
    404: "No such object within the user's scope (or no such page of results).",
    415: "The body is not JSON (the API takes application/json only).",
    409: "Refused in the current state (e.g. already submitted, time is up); nothing was changed.",
    503: "A backing service is unavailable; try again later.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Extra documented refusals for ``extend_schema(responses={200: ..., **error_responses(409)})``."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


class AutoSchema(SpectacularAutoSchema):
    """Adds the refusals any operation can give, so that clients (and the fuzz test) find them documented:
    403 where a login is required, 400 where there is input (a body or query parameters), 415 for a body, 404 where the path
    names an object or the results are paged. Views document the others with ``error_responses``. Optional
    query parameters may be empty (``allowEmptyValue``): an empty value means the filter is not given."""

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str,
                      registry: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        for parameter in parameters:
            # Our views (and DRF's paginator) read an empty query value as "not given", as forms send it.
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        codes = set()
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes.add(403)
        if "requestBody" in operation:
            codes |= {400, 415}
        if any(p["in"] == "query" for p in parameters):
            codes.add(400)
        if any(p["in"] == "path" or (p["in"] == "query" and p["name"] == "page") for p in parameters):
            codes.add(404)
        responses: dict[str, Any] = operation["responses"]
        missing = sorted(code for code in codes if str(code) not in responses)
        if missing:
            ref = self.resolve_serializer(ErrorSerializer, "response").ref
            for code in missing:
                responses[str(code)] = {"content": {"application/json": {"schema": ref}},
                                        "description": ERROR_DESCRIPTIONS[code]}
        return operation
