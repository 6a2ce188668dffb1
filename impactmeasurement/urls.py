from django.urls import path

from . import api, kpichange_views, views

app_name = "impactmeasurement"

urlpatterns = [
    path("", views.impact_home, name="home"),
    path("metrics/", views.metric_list, name="metric_list"),
    path("funds/<int:fund_pk>/metrics/new/", views.metric_create, name="metric_create"),
    path("funds/<int:fund_pk>/kpi-sets/new/", views.kpi_set_create, name="kpi_set_create"),
    path("funds/<int:fund_pk>/", views.portfolio, name="portfolio"),
    path("funds/<int:fund_pk>/export.<str:fmt>", views.export, name="export"),
    path("kpi-sets/<int:pk>/", views.kpi_set_detail, name="kpi_set_detail"),
    path("kpis/<int:pk>/change/", kpichange_views.kpi_change_view, name="kpi_change"),
    path("kpi-sets/<int:pk>/template.xlsx", views.excel_template, name="excel_template"),
    path("kpi-sets/<int:pk>/upload/", views.excel_upload, name="excel_upload"),
    path("periods/<int:pk>/", views.report_form, name="report_form"),
    path("periods/<int:pk>/review/", views.report_review, name="report_review"),
    path("periods/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence_download"),
    path("api/kpi-sets/", api.KPISetListView.as_view(), name="api_kpi_sets"),
    path("api/periods/<int:pk>/values/", api.PeriodValuesView.as_view(), name="api_period_values"),
]
