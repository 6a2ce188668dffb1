from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portfolio"
    verbose_name = _("Portefeuille")

    def ready(self) -> None:
        from core.documents import register_document_kind
        from fund.audit import register_action_labels, register_state_choices

        from .audit_labels import labels
        from .models import ContractStatus
        from .statements import KIND, can_view_loan_statement

        register_action_labels(labels)
        register_state_choices(ContractStatus)  # history shows "Concept → Lopend", not "→ active"
        register_document_kind(KIND, label=_("Leningoverzicht"), can_view=can_view_loan_statement)
