from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portfolio"
    verbose_name = _("Portefeuille")

    def ready(self) -> None:
        from core.documents import register_document_kind
        from fund.audit import register_action_labels, register_state_choices

        from .arrears import REMINDER_KIND, can_view_reminder
        from .audit_labels import labels
        from .auditfile import XAF_KIND, can_view_auditfile
        from .directdebit import FILE_KIND, NOTICE_KIND, can_view_direct_debit_file, can_view_prenotification
        from .models import BankImportStatus, BankLineStatus, ConditionStatus, ContractStatus
        from .stateaid import LETTER_KIND, audit_labels, can_view_letter
        from .statements import KIND, can_view_loan_statement

        register_action_labels(labels)
        register_action_labels(audit_labels)
        register_state_choices(ContractStatus, BankLineStatus, BankImportStatus, ConditionStatus)
        register_document_kind(KIND, label=_("Leningoverzicht"), can_view=can_view_loan_statement)
        register_document_kind(FILE_KIND, label=_("Incassobestand"), can_view=can_view_direct_debit_file)
        register_document_kind(
            NOTICE_KIND, label=_("Vooraankondiging incasso"), can_view=can_view_prenotification
        )
        register_document_kind(XAF_KIND, label=_("Auditfile (XAF)"), can_view=can_view_auditfile)
        register_document_kind(REMINDER_KIND, label=_("Aanmaning"), can_view=can_view_reminder)
        register_document_kind(LETTER_KIND, label=_("De-minimisverklaring"), can_view=can_view_letter)
        from . import annual_statements as annual

        register_document_kind(annual.KIND, label=_("Jaaropgave"), can_view=annual.can_view_annual_statement)
        register_action_labels(annual.audit_labels)
