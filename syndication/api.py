"""Staff API for the catalogue: ninjs in (POST /api/v1/staff/articles)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from syndication.api_auth import IsStaffUser, PartnerKeyAuthentication
from syndication.importing import ImportResult, article_import_ninjs

MAX_DOCUMENTS = 100


# Inline, not a component: licensing.api.schema declares the shared "Error" component, and the
# catalogue may not import from licensing.
ERROR_BODY_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


class PartnerKeyRefused(PartnerKeyAuthentication):
    """Reads a partner key only so that its bearer is refused with 403, not asked to log in."""


class PartnerKeyRefusedScheme(OpenApiAuthenticationExtension):
    target_class = PartnerKeyRefused
    name = "partnerKey"

    # drf-spectacular skips a scheme whose requirement is None (its stub does not say so).
    def get_security_requirement(self, auto_schema: Any) -> None:  # type: ignore[override]
        return None  # not a way in: staff endpoints list only Basic and session auth

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer"}


class ArticleImportResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "rejected"])
    uri = serializers.CharField(required=False)
    slug = serializers.CharField(required=False)
    revision = serializers.IntegerField(required=False, help_text="The article's revision now.")
    # The serializer metaclass takes declared fields off the class, so this does not shadow
    # Serializer.errors at run time.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field path to messages; only on rejected items.",
    )


class ArticleImportResponseSerializer(serializers.Serializer):
    results = ArticleImportResultSerializer(many=True)


NINJS_REQUEST_SCHEMA = {
    "description": (
        "One IPTC ninjs document (2.x or 3.x) or a list of up to 100. Documents are matched on "
        "`uri`."
    ),
    "oneOf": [
        {"type": "object", "required": ["uri"], "additionalProperties": True},
        {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_DOCUMENTS,
            "items": {"type": "object", "required": ["uri"], "additionalProperties": True},
        },
    ],
}


def _result_body(index: int, result: ImportResult) -> dict[str, Any]:
    if result.status == "rejected" or result.article is None:
        return {"index": index, "status": "rejected", "errors": result.errors}
    return {
        "index": index,
        "status": result.status,
        "uri": result.article.uri,
        "slug": result.article.slug,
        "revision": result.article.current_revision,
    }


class StaffArticleImportView(APIView):
    """Create or update articles from ninjs. Each document is saved in its own transaction, so
    one rejected item does not hold back the others; re-posting a document is harmless (it comes
    back "unchanged"), which is why no Idempotency-Key is needed here."""

    authentication_classes = [
        PartnerKeyRefused,
        BasicAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [IsStaffUser]

    @extend_schema(
        operation_id="staff_articles_import",
        summary="Import articles from ninjs (staff)",
        description=(
            "Staff only: a Django staff session or HTTP Basic auth of a staff user. Answers 200 "
            "with one result per document, in order, unless every document was rejected (400)."
        ),
        tags=["staff"],
        request={"application/json": NINJS_REQUEST_SCHEMA},
        responses={
            200: ArticleImportResponseSerializer,
            400: OpenApiResponse(
                ERROR_BODY_SCHEMA,
                description="Every document was rejected (fields are prefixed [index]. for a "
                "list), or the body is not one document or a list of 1 to 100. Nothing saved.",
            ),
            401: OpenApiResponse(ERROR_BODY_SCHEMA, description="No credentials, or wrong ones."),
            403: OpenApiResponse(
                ERROR_BODY_SCHEMA, description="Not staff (a partner key is refused)."
            ),
        },
        examples=[
            OpenApiExample(
                "Mixed results",
                response_only=True,
                status_codes=["200"],
                value={
                    "results": [
                        {
                            "index": 0,
                            "status": "created",
                            "uri": "urn:newsml:courier.example:2026:article:tide-gauges",
                            "slug": "harbour-tide-gauges-record-highest-water",
                            "revision": 1,
                        },
                        {
                            "index": 1,
                            "status": "rejected",
                            "errors": {"headline": ["A headline is required."]},
                        },
                    ]
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        documents = request.data
        is_list = isinstance(documents, list)
        if not is_list:
            documents = [documents]
        if not documents:
            raise ValidationError({"non_field_errors": ["Send at least one ninjs document."]})
        if len(documents) > MAX_DOCUMENTS:
            raise ValidationError(
                {"non_field_errors": [f"Send at most {MAX_DOCUMENTS} documents per request."]}
            )
        results = [
            (index, article_import_ninjs(document=document, actor=request.user))
            for index, document in enumerate(documents)
        ]
        if all(result.status == "rejected" for _, result in results):
            raise ValidationError(
                {
                    (f"[{index}].{path}" if is_list else path): messages
                    for index, result in results
                    for path, messages in result.errors.items()
                }
            )
        return Response(
            {"results": [_result_body(index, result) for index, result in results]},
            status=status.HTTP_200_OK,
        )
