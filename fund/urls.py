from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/<slug:role_slug>/", views.dashboard, name="dashboard"),
    path("funds/", views.fund_list, name="fund_list"),
    path("funds/new/", views.fund_create, name="fund_create"),
    path("funds/<int:pk>/", views.fund_detail, name="fund_detail"),
    path("funds/<int:pk>/edit/", views.fund_update, name="fund_update"),
    path("funds/<int:pk>/status/", views.fund_change_status, name="fund_change_status"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/export.csv", views.organisation_export, name="organisation_export"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.enterprise_update, name="enterprise_update"),
    path("organisations/<int:pk>/labels/new/", views.social_label_create, name="social_label_create"),
    path("enterprises/new/", views.enterprise_create, name="enterprise_create"),
    path("labels/<int:pk>/certificate/", views.social_label_certificate, name="social_label_certificate"),
    path("labels/<int:pk>/verify/", views.social_label_verify, name="social_label_verify"),
    path("account/api-tokens/", views.api_token_list, name="api_token_list"),
    path("account/api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/2fa/", views.two_factor_verify, name="two_factor_verify"),
    path("account/2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
]
