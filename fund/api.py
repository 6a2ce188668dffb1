"""Read API for funds, organisations and the current user: the same scoping as the web pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import Fund, Organisation, User


class MoneySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()

    def to_representation(self, value):
        return {"amount": str(value.amount), "currency": str(value.currency)}


class FundSerializer(serializers.ModelSerializer):
    manager = serializers.CharField(source="manager.organisation.name")
    target_size = MoneySerializer()
    min_ticket = MoneySerializer()
    max_ticket = MoneySerializer()
    region = serializers.SlugRelatedField(slug_field="cbs_code", many=True, read_only=True)
    themes = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Fund
        fields = [
            "id",
            "name",
            "code",
            "manager",
            "vintage_year",
            "status",
            "target_size",
            "region",
            "themes",
            "min_ticket",
            "max_ticket",
            "allowed_instruments",
            "max_exposure_pct",
            "interest_rate_min",
            "interest_rate_max",
        ]


class OrganisationSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="cbs_code", read_only=True)
    kinds = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kvk_number", "street_address", "postcode", "city", "municipality", "kinds"]


class FundViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FundSerializer
    filterset_fields = ["status", "code"]

    def get_queryset(self):
        return (
            selectors.funds_for(self.request.user)
            .select_related("manager__organisation")
            .prefetch_related("region", "themes")
            .order_by("name")
        )


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return (
            selectors.organisations_for(self.request.user)
            .select_related("enterprise", "investor", "fund_manager", "referral_partner")
            .order_by("name")
        )


class MembershipOutSerializer(serializers.Serializer):
    role = serializers.CharField()
    fund = serializers.IntegerField(source="fund_id", allow_null=True)
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True)


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "roles", "memberships"]

    def get_roles(self, user) -> list[str]:
        return [role.value for role in selectors.user_roles(user)]

    def get_memberships(self, user) -> list[dict]:
        return MembershipOutSerializer(selectors.active_memberships(user), many=True).data


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
