"""Thin API views: each validates its input, calls one service or selector, and serializes.
Every view is for partner keys only, and a partner sees only its own requests and licences."""

from __future__ import annotations

import django_filters.rest_framework as filters
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from licensing.api.schema import error_responses
from licensing.api.serializers import (
    QuoteInputSerializer,
    QuoteOutputSerializer,
    RequestDetailOutputSerializer,
    RequestInputSerializer,
    RequestOutputSerializer,
)
from licensing.models import (
    Channel,
    Licence,
    LicenceRequest,
    LicenceStatus,
    Portion,
    RequestEvent,
    RequestStatus,
    UseType,
)
from licensing.selectors import licences_for_partner, licensable_articles, requests_for_partner
from licensing.services import licence_request_cancel, licence_request_submit, quote_for
from syndication.api_auth import IsPartner, PartnerKeyAuthentication, PartnerPrincipal
from syndication.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from syndication.models import Article, Partner, SyndicationStatus


class PartnerApi(APIView):
    """Partner keys only: no session login reaches these views."""

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

    @property
    def for_schema(self) -> bool:
        # drf-spectacular instantiates views without a partner to read their querysets.
        return getattr(self, "swagger_fake_view", False)


class PartnerListApi(PartnerApi, GenericAPIView):
    """A paginated, filterable list (pagination and filters from REST_FRAMEWORK)."""


def _request_for(partner: Partner, pk: int, *, with_events: bool = False) -> LicenceRequest:
    queryset = requests_for_partner(partner)
    if with_events:
        queryset = queryset.prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.order_by("created_at", "pk"))
        )
    return get_object_or_404(queryset, pk=pk)


# ---------------------------------------------------------------------------------------------
# Quotes
# ---------------------------------------------------------------------------------------------


class QuoteApi(PartnerApi):
    @extend_schema(
        operation_id="quotes_create",
        tags=["quotes"],
        summary="Price a use of some articles",
        description="Prices the use with the rate card in force and explains every amount. "
        "Saves nothing.",
        request=QuoteInputSerializer,
        responses={200: QuoteOutputSerializer, **error_responses(400, 401)},
    )
    def post(self, request: Request) -> Response:
        serializer = QuoteInputSerializer(data=request.data, context={"partner": self.partner})
        serializer.is_valid(raise_exception=True)
        quote, _card = quote_for(
            partner=self.partner,
            article_ids=serializer.validated_data["articles"],
            use=serializer.use_spec(),
        )
        return Response(QuoteOutputSerializer(quote.to_dict()).data)


# ---------------------------------------------------------------------------------------------
# Licence requests
# ---------------------------------------------------------------------------------------------


class RequestsApi(PartnerListApi):
    class Filter(filters.FilterSet):
        status = filters.ChoiceFilter(choices=RequestStatus.choices)

        class Meta:
            model = LicenceRequest
            fields = ["status"]

    filterset_class = Filter

    def get_queryset(self) -> QuerySet[LicenceRequest]:
        if self.for_schema:
            return LicenceRequest.objects.none()
        return requests_for_partner(self.partner).order_by("-created_at", "-pk")

    @extend_schema(
        operation_id="requests_list",
        tags=["requests"],
        summary="Your licence requests, newest first",
        description="Filter by `status`. The audit trail is on each request's own page.",
        responses={200: RequestOutputSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(RequestOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="requests_create",
        tags=["requests"],
        summary="Ask for a licence",
        description="Files a request at the quoted price. What the rate card approves on its "
        "own (a free use; a verified partner within the automatic limit) comes back approved, "
        "and a free use comes back fulfilled with its licences. Send `Idempotency-Key` so a "
        "retry cannot file it twice.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=RequestInputSerializer,
        responses={
            201: RequestDetailOutputSerializer,
            **error_responses(400, 401, 409, 422),
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = RequestInputSerializer(data=request.data, context={"partner": self.partner})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contact_name, contact_email = serializer.contact()
        licence_request = licence_request_submit(
            partner=self.partner,
            contact_name=contact_name,
            contact_email=contact_email,
            article_ids=data["articles"],
            use=serializer.use_spec(),
            terms_accepted=data["accept_terms"],
            channel=Channel.API,
            intended_url=data.get("intended_url", ""),
            outlet=data.get("outlet", ""),
            message=data.get("message", ""),
            translation_language=data.get("translation_language", ""),
            actor_label=self.principal.actor_label,
        )
        licence_request = _request_for(self.partner, licence_request.pk, with_events=True)
        return Response(
            RequestDetailOutputSerializer(licence_request).data, status=status.HTTP_201_CREATED
        )


class RequestDetailApi(PartnerApi):
    @extend_schema(
        operation_id="requests_retrieve",
        tags=["requests"],
        summary="One of your licence requests, with its history",
        description="`events` is the audit trail, oldest first; `actor` says only whether "
        "you, our staff or the system acted.",
        responses={200: RequestDetailOutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        licence_request = _request_for(self.partner, pk, with_events=True)
        return Response(RequestDetailOutputSerializer(licence_request).data)


class RequestCancelApi(PartnerApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

        class Meta:
            ref_name = "LicenceRequestCancelInput"

    @extend_schema(
        operation_id="requests_cancel",
        tags=["requests"],
        summary="Withdraw a request staff have not decided yet",
        description="Cancelling a cancelled request changes nothing and answers 200.",
        request=InputSerializer,
        responses={200: RequestDetailOutputSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        licence_request = _request_for(self.partner, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        licence_request_cancel(
            request=licence_request,
            actor_label=self.principal.actor_label,
            reason=serializer.validated_data.get("reason", "").strip(),
        )
        licence_request = _request_for(self.partner, pk, with_events=True)
        return Response(RequestDetailOutputSerializer(licence_request).data)


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------


class ArticlesApi(PartnerListApi):
    class Filter(filters.FilterSet):
        section = filters.CharFilter()
        language = filters.CharFilter()
        published_after = filters.DateFilter(
            field_name="published_at", lookup_expr="date__gte", label="Published on or after"
        )
        published_before = filters.DateFilter(
            field_name="published_at", lookup_expr="date__lte", label="Published on or before"
        )
        q = filters.CharFilter(method="search", label="Text in the headline or standfirst")
        premium = filters.BooleanFilter()

        class Meta:
            model = Article
            fields = ["section", "language", "premium"]

        def search(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
            return queryset.filter(Q(headline__icontains=value) | Q(standfirst__icontains=value))

    class OutputSerializer(serializers.Serializer):
        class ImagesSerializer(serializers.Serializer):
            distributable = serializers.IntegerField(source="distributable_images")
            excluded = serializers.IntegerField(
                source="excluded_images", help_text="Agency pictures: never licensed or packaged."
            )

            class Meta:
                ref_name = "ArticleImages"

        id = serializers.IntegerField()
        slug = serializers.CharField()
        headline = serializers.CharField()
        standfirst = serializers.CharField()
        authors = serializers.ListField(child=serializers.CharField())
        section = serializers.CharField()
        language = serializers.CharField()
        published_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField()
        word_count = serializers.IntegerField()
        premium = serializers.BooleanField()
        syndication_status = serializers.ChoiceField(choices=SyndicationStatus.choices)
        embargoed = serializers.SerializerMethodField()
        canonical_url = serializers.URLField()
        images = ImagesSerializer(source="*")
        revision = serializers.IntegerField(
            source="current_revision", help_text="Current revision."
        )

        class Meta:
            ref_name = "Article"

        def get_embargoed(self, article: Article) -> bool:
            return article.is_embargoed()

    filterset_class = Filter

    def get_queryset(self) -> QuerySet[Article]:
        # Counted in the page's one query; grouping drops Meta.ordering, hence order_by.
        return (
            licensable_articles()
            .annotate(
                distributable_images=Count("media", filter=Q(media__distributable=True)),
                excluded_images=Count("media", filter=Q(media__distributable=False)),
            )
            .order_by("-published_at", "-pk")
        )

    @extend_schema(
        operation_id="articles_list",
        tags=["articles"],
        summary="The articles you may ask to license",
        description="Published, not withdrawn, not marked not-for-syndication; newest first. "
        "Embargoed articles are listed (`embargoed: true`) but cannot be licensed until the "
        "embargo lifts. `images.excluded` counts agency pictures, which are never licensed.",
        responses={200: OutputSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)


# ---------------------------------------------------------------------------------------------
# Licences
# ---------------------------------------------------------------------------------------------


class LicencesApi(PartnerListApi):
    class Filter(filters.FilterSet):
        status = filters.ChoiceFilter(choices=LicenceStatus.choices)

        class Meta:
            model = Licence
            fields = ["status"]

    class OutputSerializer(serializers.Serializer):
        class ArticleSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            slug = serializers.CharField()
            headline = serializers.CharField()

            class Meta:
                ref_name = "LicensedArticle"

        class TerritorySerializer(serializers.Serializer):
            code = serializers.CharField(source="territory")
            label = serializers.CharField(source="territory_label")  # type: ignore[assignment]
            countries = serializers.ListField(
                child=serializers.CharField(),
                source="territory_countries",
                help_text="ISO 3166-1 codes; empty means worldwide.",
            )

            class Meta:
                ref_name = "LicensedTerritory"

        number = serializers.CharField()
        # A plain string, like the request's status (see licensing.api.serializers).
        status = serializers.CharField(help_text=", ".join(LicenceStatus.values))
        request = serializers.IntegerField(source="request_id")
        article = ArticleSerializer()
        revision = serializers.IntegerField(
            source="revision.number", help_text="The article revision licensed."
        )
        use_type = serializers.ChoiceField(choices=UseType.choices)
        portion = serializers.ChoiceField(choices=Portion.choices)
        territory = TerritorySerializer(source="*")
        term = serializers.CharField()
        exclusive = serializers.BooleanField()
        starts_on = serializers.DateField()
        ends_on = serializers.DateField(allow_null=True, help_text="Null: perpetual.")
        fee = serializers.DecimalField(max_digits=12, decimal_places=2)
        currency = serializers.CharField()
        issued_at = serializers.DateTimeField()

        class Meta:
            ref_name = "Licence"

    filterset_class = Filter

    def get_queryset(self) -> QuerySet[Licence]:
        if self.for_schema:
            return Licence.objects.none()
        return licences_for_partner(self.partner).order_by("-issued_at", "-pk")

    @extend_schema(
        operation_id="licences_list",
        tags=["licences"],
        summary="Your licences, newest first",
        description="Filter by `status`.",
        responses={200: OutputSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)


class LicenceDetailApi(PartnerApi):
    @extend_schema(
        operation_id="licences_retrieve",
        tags=["licences"],
        summary="One of your licences, by number",
        description="The terms a licence grants, e.g. `HC-2026-000123`.",
        responses={200: LicencesApi.OutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        licence = get_object_or_404(licences_for_partner(self.partner), number=number)
        return Response(LicencesApi.OutputSerializer(licence).data)
