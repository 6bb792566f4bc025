"""Aftercare in the partner API: the corrections to apply and their acknowledgement, and renewing
a licence at today's rate card. Partner keys only; a partner sees only its own licences."""

from __future__ import annotations

from typing import Any

import django_filters.rest_framework as filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from licensing.aftercare import (
    correction_acknowledge_url,
    corrections_for_partner,
    licence_correction_acknowledge,
    licence_renew,
    licence_renewal_prefill,
    licence_verify_url,
)
from licensing.aftercare_models import CorrectionNotice
from licensing.api.schema import error_responses
from licensing.api.views import PartnerApi, PartnerListApi
from licensing.links import status_url
from licensing.models import Channel
from licensing.selectors import licences_for_partner
from syndication.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent


class CorrectionOutputSerializer(serializers.Serializer):
    licence = serializers.CharField(source="licence.number")
    article = serializers.IntegerField(source="licence.article_id")
    headline = serializers.CharField(source="revision.headline")
    revision = serializers.IntegerField(source="revision.number")
    note = serializers.CharField(help_text="The correction note.")
    created_at = serializers.DateTimeField()
    acknowledged = serializers.BooleanField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledge_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "Correction"

    def get_acknowledge_url(self, notice: CorrectionNotice) -> str:
        return correction_acknowledge_url(notice.licence, notice.revision.number)

    def get_verify_url(self, notice: CorrectionNotice) -> str:
        return licence_verify_url(notice.licence)


class CorrectionsApi(PartnerListApi):
    class Filter(filters.FilterSet):
        acknowledged = filters.BooleanFilter(
            field_name="acknowledged_at", lookup_expr="isnull", exclude=True
        )

        class Meta:
            model = CorrectionNotice
            fields = ["acknowledged"]

    filterset_class = Filter

    def get_queryset(self) -> QuerySet[CorrectionNotice]:
        if self.for_schema:
            return CorrectionNotice.objects.none()
        return corrections_for_partner(self.partner)

    @extend_schema(
        operation_id="corrections_list",
        tags=["corrections"],
        summary="Corrections to articles you license, newest first",
        description="`acknowledged=false` lists those still to apply.",
        responses={200: CorrectionOutputSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CorrectionOutputSerializer(page, many=True).data)


class CorrectionAcknowledgeApi(PartnerApi):
    @extend_schema(
        operation_id="corrections_acknowledge",
        tags=["corrections"],
        summary="Confirm you have applied a correction",
        description="Acknowledging twice changes nothing and answers 200.",
        request=None,
        responses={200: CorrectionOutputSerializer, **error_responses(401, 404)},
    )
    def post(self, request: Request, number: str, revision: int) -> Response:
        notice = get_object_or_404(
            corrections_for_partner(self.partner),
            licence__number=number,
            revision__number=revision,
        )
        licence_correction_acknowledge(notice=notice, actor_label=self.principal.actor_label)
        notice = corrections_for_partner(self.partner).get(pk=notice.pk)
        return Response(CorrectionOutputSerializer(notice).data)


class RenewalOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    valid_until = serializers.DateField()
    status_url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "LicenceRenewal"

    def get_status_url(self, request: Any) -> str:
        return status_url(request)


class LicenceRenewApi(PartnerApi):
    class InputSerializer(serializers.Serializer):
        accept_terms = serializers.BooleanField()
        contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        contact_email = serializers.EmailField(required=False, allow_blank=True)

        class Meta:
            ref_name = "LicenceRenewInput"

    @extend_schema(
        operation_id="licences_renewal_preview",
        tags=["licences"],
        summary="What a renewal would ask for, priced today",
        description="The same use of the same article, with a quote from the rate card in "
        "force (`quote` is null and `quote_error` says why when it can no longer be priced). "
        "Saves nothing.",
        responses={200: OpenApiTypes.OBJECT, **error_responses(401, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        licence = get_object_or_404(licences_for_partner(self.partner), number=number)
        return Response(licence_renewal_prefill(licence=licence))

    @extend_schema(
        operation_id="licences_renew",
        tags=["licences"],
        summary="Renew a licence",
        description="Files a new request for the same use at today's rate card; it then follows "
        "the usual path (automatic approval where the card allows, payment, a new licence). "
        "Send `Idempotency-Key` so a retry cannot file it twice.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=InputSerializer,
        responses={201: RenewalOutputSerializer, **error_responses(400, 401, 404, 409)},
    )
    @idempotent
    def post(self, request: Request, number: str) -> Response:
        licence = get_object_or_404(licences_for_partner(self.partner), number=number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        renewal = licence_renew(
            licence=licence,
            terms_accepted=data["accept_terms"],
            actor_label=self.principal.actor_label,
            channel=Channel.API,
            contact_name=data.get("contact_name", ""),
            contact_email=data.get("contact_email", ""),
        )
        return Response(RenewalOutputSerializer(renewal).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("corrections", CorrectionsApi.as_view(), name="api-corrections"),
    path(
        "licences/<str:number>/corrections/<int:revision>/acknowledge",
        CorrectionAcknowledgeApi.as_view(),
        name="api-correction-acknowledge",
    ),
    path("licences/<str:number>/renew", LicenceRenewApi.as_view(), name="api-licence-renew"),
]
