from django.urls import path

from . import capital_views, fundimport_views, place_views, views

urlpatterns: list = [
    # AVG: everything held about one enterprise (issue 15)
    path("organisations/<int:pk>/avg-export/", views.enterprise_data_export, name="enterprise_data_export"),
    # moving an existing fund in from Excel (issue 17)
    path("funds/<int:fund_pk>/migration/", fundimport_views.fund_import_home, name="fund_import"),
    path(
        "funds/<int:fund_pk>/migration/template/",
        fundimport_views.fund_import_template,
        name="fund_import_template",
    ),
    path("fund-imports/<int:pk>/", fundimport_views.fund_import_job, name="fund_import_job"),
    path("fund-imports/<int:pk>/explain/", fundimport_views.fund_import_explain, name="fund_import_explain"),
    path("fund-imports/<int:pk>/finish/", fundimport_views.fund_import_finish, name="fund_import_finish"),
    # place context: CBS indicators beside the fund's impact (issue 17)
    path("funds/<int:fund_pk>/place/", place_views.fund_place, name="place_fund"),
    path(
        "funds/<int:fund_pk>/place/<str:cbs_code>/", place_views.municipality_place, name="place_municipality"
    ),
    path("place/cbs-import/", place_views.cbs_import, name="cbs_import"),
    # quarterly reports, the batch and the investor portal (issue 12)
    path("funds/<int:fund_pk>/reports/", views.reports_fund, name="reports_fund"),
    path("funds/<int:fund_pk>/reports/<str:quarter>/", views.reports_quarter, name="reports_quarter"),
    path("funds/<int:fund_pk>/reports/<str:quarter>/letter/", views.letter_edit, name="report_letter_edit"),
    path(
        "funds/<int:fund_pk>/reports/<str:quarter>/spotlight/",
        views.spotlight_edit,
        name="report_spotlight_edit",
    ),
    path(
        "funds/<int:fund_pk>/reports/<str:quarter>/close/", views.quarter_close, name="report_quarter_close"
    ),
    path("funds/<int:fund_pk>/reports/<str:quarter>/generate/", views.batch_start, name="report_batch_start"),
    path("report-batches/<int:pk>/", views.batch_detail, name="report_batch"),
    path("report-batches/<int:pk>/publish/", views.batch_publish, name="report_batch_publish"),
    path("portal/", views.portal_home, name="portal_home"),
    path("portal/commitments/<int:pk>/", views.portal_commitment, name="portal_commitment"),
    path("portal/commitments/<int:pk>/language/", views.portal_language, name="portal_language"),
    path("portal/reports/<int:pk>/download/", views.portal_report_download, name="portal_report_download"),
    path(
        "funds/<int:fund_pk>/capital-accounts/",
        capital_views.capital_accounts_page,
        name="capital_accounts",
    ),
]
