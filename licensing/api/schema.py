"""OpenAPI pieces the API views share: the error body the project's exception handler writes
(the one "Error" component of the schema), and how the partner key is described to clients."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. `invalid`, `not_found`.")
    message = serializers.CharField()
    # Declared fields leave the class body (DRF's metaclass), so this does not hide .fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field at fault (`non_field_errors` for the request as a whole).",
    )

    class Meta:
        ref_name = "ErrorDetail"


class ErrorSerializer(serializers.Serializer):
    """The shape of syndication.api_errors.exception_handler's answers."""

    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS = {
    400: "Invalid input; `error.fields` names every field at fault. Nothing was saved.",
    401: "Missing, wrong or revoked API key.",
    404: "No such object for this partner (or no such page of a list).",
    409: "The object is not in a state that allows this, or the same Idempotency-Key is "
    "still being processed.",
    422: "The Idempotency-Key was already used for a different request (`idempotency_key_reused`).",
}


def error_responses(*codes: int) -> dict[int, Any]:
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in codes
    }


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "syndication.api_auth.PartnerKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner API key: `Authorization: Bearer rpk_…`.",
        }
