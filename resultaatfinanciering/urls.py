from django.urls import include, path

from . import api, views

app_name = "resultaatfinanciering"

urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/definitions/new/", views.definition_add, name="definition_add"),
    path("contracts/<int:pk>/participants/new/", views.participant_add, name="participant_add"),
    path("contracts/<int:pk>/participants/upload/", views.participants_upload, name="participants_upload"),
    path("contracts/<int:pk>/activate/", views.contract_activate, name="contract_activate"),
    path("contracts/<int:pk>/end/", views.contract_end, name="contract_end"),
    path("contracts/<int:pk>/claims/new/", views.claim_create, name="claim_create"),
    path("contracts/<int:pk>/claims/", views.claims_overview, name="claims_overview"),
    path("contracts/<int:pk>/claims/upload/", views.claims_upload, name="claims_upload"),
    path("contracts/<int:pk>/verification/upload/", views.verification_upload, name="verification_upload"),
    path("contracts/<int:pk>/proposals/new/", views.proposal_prepare, name="proposal_prepare"),
    path("contracts/<int:pk>/report/", views.contract_report, name="contract_report"),
    path("contracts/<int:pk>/report.<str:fmt>", views.contract_report_file, name="contract_report_file"),
    path("contracts/<int:pk>/report/store/", views.contract_report_store, name="contract_report_store"),
    path("contracts/<int:pk>/audit.xlsx", views.audit_file, name="audit_file"),
    path("contracts/<int:pk>/signed/", views.contract_signed_document, name="contract_signed_document"),
    path("contracts/<int:pk>/indigo.<str:fmt>", views.indigo_export, name="indigo_export"),
    path(
        "municipalities/<int:organisation_pk>/report/", views.municipality_report, name="municipality_report"
    ),
    path(
        "municipalities/<int:organisation_pk>/report.<str:fmt>",
        views.municipality_report_file,
        name="municipality_report_file",
    ),
    path(
        "municipalities/<int:organisation_pk>/report/store/",
        views.municipality_report_store,
        name="municipality_report_store",
    ),
    path("contracts/<int:pk>/budget/", views.contract_budget, name="contract_budget"),
    path(
        "municipalities/<int:organisation_pk>/bank/", views.bank_reconciliations, name="bank_reconciliations"
    ),
    path("bank/<int:pk>/", views.bank_reconciliation, name="bank_reconciliation"),
    path("municipalities/<int:organisation_pk>/council/", views.council_report, name="council_report"),
    path(
        "municipalities/<int:organisation_pk>/council.<str:fmt>",
        views.council_report_file,
        name="council_report_file",
    ),
    path("claims/<int:pk>/recovery/new/", views.recovery_prepare, name="recovery_prepare"),
    path("recoveries/<int:pk>/", views.recovery_detail, name="recovery_detail"),
    path("recoveries/<int:pk>/approve/", views.recovery_approve, name="recovery_approve"),
    path("recoveries/<int:pk>/creditnota.pdf", views.credit_note, name="credit_note"),
    path("norms/", views.norm_list, name="norm_list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/evidence/", views.claim_evidence, name="claim_evidence"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="claim_decide"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/approve/", views.proposal_approve, name="proposal_approve"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path("proposals/<int:pk>/sepa/renew/", views.payment_file_renew, name="payment_file_renew"),
    path("proposals/<int:pk>/paid/", views.payment_confirm, name="payment_confirm"),
    path("proposals/<int:pk>/fund-share/", views.proposal_fund_share, name="proposal_fund_share"),
    path("proposals/<int:pk>/order.<str:fmt>", views.payment_order, name="payment_order"),
    path("api/", include(api.router.urls)),
]
