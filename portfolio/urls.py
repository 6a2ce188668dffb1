from django.urls import path

from . import annual_views, stateaid_views, views

urlpatterns = [
    path("funds/<int:fund_pk>/portfolio/", views.portfolio_overview, name="portfolio_overview"),
    path("funds/<int:fund_pk>/contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/statement.pdf", views.loan_statement, name="loan_statement"),
    path("contracts/<int:pk>/jaaropgave/", annual_views.annual_statement_make, name="annual_statement_make"),
    path("contracts/<int:pk>/disburse/", views.contract_disburse, name="contract_disburse"),
    path("contracts/<int:pk>/repayment/", views.contract_repayment, name="contract_repayment"),
    path("contracts/<int:pk>/notes/", views.contract_note_add, name="contract_note_add"),
    path("contracts/<int:pk>/reminders/", views.contract_reminder_send, name="contract_reminder_send"),
    path("funds/<int:fund_pk>/arrears/", views.arrears_list, name="arrears_list"),
    path("contracts/<int:pk>/mandate/", views.contract_mandate, name="contract_mandate"),
    path("contracts/<int:pk>/mandate/amend/", views.contract_mandate_amend, name="contract_mandate_amend"),
    path("contracts/<int:pk>/mandate/revoke/", views.contract_mandate_revoke, name="contract_mandate_revoke"),
    path("funds/<int:fund_pk>/direct-debits/", views.direct_debits, name="direct_debits"),
    path(
        "direct-debit-batches/<int:pk>/regenerate/",
        views.direct_debit_regenerate,
        name="direct_debit_regenerate",
    ),
    path("conditions/<int:pk>/resolve/", views.condition_resolve, name="condition_resolve"),
]
urlpatterns += [
    path("funds/<int:fund_pk>/bank/", views.bank_statements, name="bank_statements"),
    path("bank-accounts/<int:pk>/remove/", views.bank_account_remove, name="bank_account_remove"),
    path("bank-lines/<int:pk>/assign/", views.bank_line_assign, name="bank_line_assign"),
    path("bank-lines/<int:pk>/book/", views.bank_line_book, name="bank_line_book"),
    path("bank-lines/<int:pk>/park/", views.bank_line_park, name="bank_line_park"),
    path("bank-imports/<int:pk>/", views.bank_import_job, name="bank_import_job"),
]
urlpatterns += [path("funds/<int:fund_pk>/ledger/", views.ledger_report, name="ledger_report")]
urlpatterns += [path("funds/<int:fund_pk>/ledger/close/", views.period_close, name="period_close")]
urlpatterns += [path("funds/<int:fund_pk>/ledger/year-close/", views.year_close, name="year_close")]
urlpatterns += [
    path("funds/<int:fund_pk>/ledger/auditfile/", views.ledger_auditfile, name="ledger_auditfile")
]
urlpatterns += [path("contracts/<int:pk>/<slug:action>/", views.contract_action, name="contract_action")]
urlpatterns += [  # de minimis state aid (issue 17)
    path("funds/<int:fund_pk>/state-aid/", stateaid_views.fund_state_aid, name="stateaid_fund"),
    path(
        "funds/<int:fund_pk>/state-aid/contracts/<int:contract_pk>/record/",
        stateaid_views.contract_aid_record_later,
        name="stateaid_record_later",
    ),
    path(
        "funds/<int:fund_pk>/state-aid/enterprises/<int:enterprise_pk>/",
        stateaid_views.enterprise_state_aid,
        name="stateaid_enterprise",
    ),
]
urlpatterns += [
    path("funds/<int:fund_pk>/ledger/accounts/<str:code>/", views.ledger_card, name="ledger_card")
]
urlpatterns += [path("funds/<int:fund_pk>/provisions/", views.provisions_run, name="provisions_run")]
