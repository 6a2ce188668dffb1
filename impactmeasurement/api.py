"""REST API for enterprises that report from their own systems (token auth, scoped to the enterprise).

GET  /impact/api/kpi-sets/                 the user's KPI sets with their KPIs and periods
GET  /impact/api/periods/<id>/values/      the current values of a period
POST /impact/api/periods/<id>/values/      {"values": [{"metric": "uitstroom-bijstand", "value": 12,
                                            "comment": "..."}], "submit": true}
Values go through the same validation as the form and the Excel upload; a refused call writes nothing and
answers 400 with every problem: {"errors": [{"location": "values[0].value", "code": ..., "message": ...}]}.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from fund import selectors as fund_selectors

from . import selectors, services
from .models import KPISet, ReportingPeriod
from .validation import Entry, Problem


class KPIOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    metric = serializers.CharField(source="metric.code")
    name = serializers.CharField(source="metric.name")
    unit = serializers.CharField(source="metric.unit")
    value_type = serializers.CharField(source="metric.value_type")
    required = serializers.BooleanField()


class PeriodOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    due_date = serializers.DateField()
    status = serializers.SerializerMethodField()

    def get_status(self, period) -> str:
        report = getattr(period, "report", None)
        return report.status if report else "open"


class KPISetOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fund = serializers.CharField(source="fund.code")
    enterprise = serializers.CharField(source="enterprise.organisation.name")
    status = serializers.CharField()
    frequency = serializers.CharField()
    kpis = KPIOutSerializer(many=True)
    periods = PeriodOutSerializer(many=True)


class ValueInSerializer(serializers.Serializer):
    metric = serializers.CharField(max_length=40)
    value = serializers.JSONField(allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ValuesInSerializer(serializers.Serializer):
    values = ValueInSerializer(many=True)
    submit = serializers.BooleanField(default=False)


class ValueOutSerializer(serializers.Serializer):
    metric = serializers.CharField()
    value = serializers.CharField()
    version = serializers.IntegerField()
    comment = serializers.CharField()
    review_comment = serializers.CharField()


class PeriodValuesOutSerializer(serializers.Serializer):
    period = serializers.CharField()
    status = serializers.CharField()
    values = ValueOutSerializer(many=True)


class SubmitResultSerializer(serializers.Serializer):
    period = serializers.CharField()
    status = serializers.CharField()


class KPISetListView(APIView):
    @extend_schema(responses=KPISetOutSerializer(many=True))
    def get(self, request):
        kpi_sets = (
            selectors.kpi_sets_for(request.user)
            .prefetch_related("kpis__metric", "periods__report")
            .order_by("pk")
        )
        return Response(KPISetOutSerializer(kpi_sets, many=True).data)


def _errors(problems: list[Problem]) -> Response:
    return Response(
        {"errors": [{"location": p.location, "code": p.code, "message": p.message} for p in problems]},
        status=status.HTTP_400_BAD_REQUEST,
    )


class PeriodValuesView(APIView):
    def _period(self, request, pk: int) -> ReportingPeriod:
        try:
            return selectors.periods_for(request.user).get(pk=pk)
        except ReportingPeriod.DoesNotExist as exc:
            raise Http404 from exc

    @extend_schema(responses=PeriodValuesOutSerializer)
    def get(self, request, pk: int):
        period = self._period(request, pk)
        report = getattr(period, "report", None)
        values = (
            []
            if report is None
            else [
                {
                    "metric": v.kpi.metric.code,
                    "value": str(v.number) if v.number is not None else v.text,
                    "version": v.version,
                    "comment": v.comment,
                    "review_comment": v.review_comment,
                }
                for v in report.values.filter(is_current=True).select_related("kpi__metric")
            ]
        )
        return Response(
            {"period": period.label, "status": report.status if report else "open", "values": values}
        )

    @extend_schema(request=ValuesInSerializer, responses=SubmitResultSerializer)
    def post(self, request, pk: int):
        period = self._period(request, pk)
        kpi_set: KPISet = period.kpi_set
        own = fund_selectors.own_enterprise_organisation_ids(request.user)
        if (
            kpi_set.enterprise.organisation_id not in own
        ):  # reporting is the enterprise's own, also for admins
            raise PermissionDenied()
        payload = ValuesInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        kpis = {k.metric.code: k for k in kpi_set.kpis.select_related("metric")}
        entries, problems = {}, []
        for i, item in enumerate(payload.validated_data["values"]):
            kpi = kpis.get(item["metric"])
            if kpi is None:
                problems.append(
                    Problem(
                        f"values[{i}].metric",
                        _("'%(code)s' is geen KPI van deze set") % {"code": item["metric"]},
                        "unknown",
                    )
                )
                continue
            if kpi.pk in entries:
                problems.append(
                    Problem(
                        f"values[{i}].metric",
                        _("'%(code)s' staat er twee keer in") % {"code": item["metric"]},
                        "duplicate",
                    )
                )
                continue
            entries[kpi.pk] = Entry(
                raw=item["value"], comment=item.get("comment", ""), location=f"values[{i}].value"
            )
        try:
            (report,) = services.report_import(
                actor=request.user,
                kpi_set=kpi_set,
                batches=[(period, entries)],
                submit=payload.validated_data["submit"],
                source="api",
                problems=problems,
            )
        except services.ReportValidationError as exc:
            return _errors(exc.problems)
        return Response({"period": period.label, "status": report.status}, status=status.HTTP_200_OK)
