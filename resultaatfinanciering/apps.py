from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultaatfinancieringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "resultaatfinanciering"
    verbose_name = _("Resultaatfinanciering")

    def ready(self) -> None:
        from core.documents import register_document_kind
        from fund.audit import register_action_labels

        from . import selectors, services
        from .audit_labels import labels

        register_action_labels(labels)
        # Who may download each stored document (core's download view answers 404 to anyone else).
        register_document_kind(
            services.KIND_SEPA, label=_("SEPA-bestand (pain.001)"), can_view=selectors.can_see_bank_file
        )
        register_document_kind(
            services.KIND_PAYMENT_ORDER, label=_("Betaalopdracht (PDF)"), can_view=selectors.can_see_proposal
        )
        register_document_kind(
            services.KIND_PAYMENT_ORDER_CSV,
            label=_("Betaalopdracht (CSV)"),
            can_view=selectors.can_see_proposal,
        )
        for kind, label in (
            (services.KIND_SAVINGS_REPORT, _("Besparingsrapportage (PDF)")),
            (services.KIND_SAVINGS_REPORT_XLSX, _("Besparingsrapportage (Excel)")),
        ):
            register_document_kind(kind, label=label, can_view=selectors.can_see_savings_report)
        register_document_kind(
            services.KIND_CREDIT_NOTE,
            label=_("Creditnota (terugvordering)"),
            can_view=selectors.can_see_recovery,
        )
        for kind, label in (
            (services.KIND_COUNCIL_REPORT, _("Raadsrapportage (PDF)")),
            (services.KIND_COUNCIL_REPORT_XLSX, _("Raadsrapportage (Excel)")),
        ):
            register_document_kind(kind, label=label, can_view=selectors.can_see_council_report)
