from django.urls import path

from . import views

app_name = "investors"

urlpatterns = [
    path("funds/<int:fund_pk>/", views.capital_overview, name="capital_overview"),
    path("funds/<int:fund_pk>/settings/", views.settings_edit, name="settings_edit"),
    path("funds/<int:fund_pk>/calls/", views.call_list, name="call_list"),
    path("funds/<int:fund_pk>/calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/lines/", views.call_lines, name="call_lines"),
    path("calls/<int:pk>/issue/", views.call_issue, name="call_issue"),
    path("calls/<int:pk>/cancel/", views.call_cancel, name="call_cancel"),
    path("call-lines/<int:pk>/receipt/", views.call_receipt, name="call_receipt"),
    path("funds/<int:fund_pk>/distributions/", views.distribution_list, name="distribution_list"),
    path("funds/<int:fund_pk>/distributions/new/", views.distribution_create, name="distribution_create"),
    path("distributions/<int:pk>/", views.distribution_detail, name="distribution_detail"),
    path("distributions/<int:pk>/declare/", views.distribution_declare, name="distribution_declare"),
    path("distributions/<int:pk>/pay/", views.distribution_pay, name="distribution_pay"),
    path("funds/<int:fund_pk>/fees/", views.fee_list, name="fee_list"),
    path("funds/<int:fund_pk>/expenses/", views.expense_list, name="expense_list"),
    path("funds/<int:fund_pk>/payables/", views.payable_list, name="payable_list"),
    path("commitments/<int:pk>/adjust/", views.commitment_adjust, name="commitment_adjust"),
]
