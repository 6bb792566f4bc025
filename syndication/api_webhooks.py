"""The partner's webhook settings and delivery log through the API (partner keys only): the
endpoint (URL, secret, on/off), a test event, the deliveries with their answers, and re-sends."""

from __future__ import annotations

import django_filters.rest_framework as filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from syndication.api_auth import IsPartner, PartnerKeyAuthentication, PartnerPrincipal
from syndication.errors import NotFound
from syndication.models import Partner
from syndication.webhook_models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEventType,
)
from syndication.webhooks import (
    deliveries_for_partner,
    webhook_delivery_resend,
    webhook_endpoint_for,
    webhook_endpoint_set,
    webhook_test_send,
)


class PartnerWebhookApi(APIView):
    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [IsPartner]
    parser_classes = [JSONParser]

    @property
    def principal(self) -> PartnerPrincipal:
        user = self.request.user
        assert isinstance(user, PartnerPrincipal)  # IsPartner has checked
        return user

    @property
    def partner(self) -> Partner:
        return self.principal.partner


class EndpointOutputSerializer(serializers.Serializer):
    url = serializers.URLField()
    active = serializers.BooleanField()
    secret = serializers.CharField(
        help_text="Signs every delivery (X-Republish-Signature). Keep it private."
    )
    created_at = serializers.DateTimeField()
    secret_rotated_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "WebhookEndpoint"


class DeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.UUIDField(help_text="Also the `id` in the body: deduplicate on it.")
    event_type = serializers.ChoiceField(choices=WebhookEventType.choices)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    url = serializers.URLField(source="endpoint.url")
    attempts = serializers.IntegerField(help_text="Attempts in the current round.")
    resends = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    payload = serializers.JSONField(help_text="The event's `data`.")

    class Meta:
        ref_name = "WebhookDelivery"


class EndpointApi(PartnerWebhookApi):
    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=500)
        active = serializers.BooleanField(default=True)
        rotate_secret = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "WebhookEndpointInput"

    @extend_schema(
        operation_id="webhooks_endpoint_retrieve",
        tags=["webhooks"],
        summary="Your webhook endpoint and its signing secret",
        responses={200: EndpointOutputSerializer},
    )
    def get(self, request: Request) -> Response:
        endpoint = webhook_endpoint_for(self.partner)
        if endpoint is None:
            raise NotFound("No webhook endpoint is set; PUT one.")
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_endpoint_update",
        tags=["webhooks"],
        summary="Set your webhook endpoint",
        description="HTTPS only. The first call creates a secret; `rotate_secret` replaces it "
        "(deliveries already queued are signed with the new one when they are sent).",
        request=InputSerializer,
        responses={200: EndpointOutputSerializer},
    )
    def put(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_set(partner=self.partner, **serializer.validated_data)
        return Response(EndpointOutputSerializer(endpoint).data)


class EndpointTestApi(PartnerWebhookApi):
    @extend_schema(
        operation_id="webhooks_endpoint_test",
        tags=["webhooks"],
        summary="Send a `webhook.test` event to your endpoint",
        request=None,
        responses={202: DeliveryOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        endpoint = webhook_endpoint_for(self.partner)
        if endpoint is None:
            raise NotFound("No webhook endpoint is set; PUT one.")
        delivery = webhook_test_send(endpoint=endpoint)
        delivery.refresh_from_db()
        return Response(DeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveriesApi(PartnerWebhookApi, GenericAPIView):
    class Filter(filters.FilterSet):
        status = filters.ChoiceFilter(choices=DeliveryStatus.choices)
        event_type = filters.ChoiceFilter(choices=WebhookEventType.choices)

        class Meta:
            model = WebhookDelivery
            fields = ["status", "event_type"]

    filterset_class = Filter

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return deliveries_for_partner(self.partner).order_by("-created_at", "-pk")

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        tags=["webhooks"],
        summary="Your webhook deliveries, newest first",
        description="Filter by `status` or `event_type`. `last_status_code` is what your "
        "receiver answered last.",
        responses={200: DeliveryOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(DeliveryOutputSerializer(page, many=True).data)


class DeliveryResendApi(PartnerWebhookApi):
    @extend_schema(
        operation_id="webhooks_deliveries_resend",
        tags=["webhooks"],
        summary="Send a delivery again",
        description="Same event id, fresh attempts.",
        request=None,
        responses={202: DeliveryOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        delivery = get_object_or_404(deliveries_for_partner(self.partner), pk=pk)
        webhook_delivery_resend(delivery=delivery, actor=self.principal)
        delivery = deliveries_for_partner(self.partner).get(pk=pk)
        return Response(DeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("webhooks/endpoint", EndpointApi.as_view(), name="api-webhooks-endpoint"),
    path("webhooks/endpoint/test", EndpointTestApi.as_view(), name="api-webhooks-endpoint-test"),
    path("webhooks/deliveries", DeliveriesApi.as_view(), name="api-webhooks-deliveries"),
    path(
        "webhooks/deliveries/<int:pk>/resend",
        DeliveryResendApi.as_view(),
        name="api-webhooks-delivery-resend",
    ),
]
