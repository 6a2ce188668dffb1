from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Rapportages")

    def ready(self) -> None:
        from core.documents import register_document_kind

        from .selectors import can_view_quarterly_report, can_view_quarterly_version
        from .services import KIND_QUARTERLY

        register_document_kind(
            KIND_QUARTERLY,
            label=_("Kwartaalrapportage"),
            can_view=can_view_quarterly_report,
            can_view_version=can_view_quarterly_version,
        )
        from fund.audit import register_action_labels, register_state_choices

        from .fundimport import KIND_RECONCILIATION, audit_labels, can_view_reconciliation
        from .models import FundImportStatus

        register_action_labels(audit_labels)
        register_action_labels(avg_action_labels)
        register_state_choices(FundImportStatus)

        register_document_kind(
            KIND_RECONCILIATION,
            label=_("Aansluiting overzetting fonds"),
            can_view=can_view_reconciliation,
        )


def avg_action_labels() -> dict[str, str]:
    from django.utils.translation import gettext as _

    return {
        "avg_export_made": _("AVG-export van alle gegevens gemaakt"),
        "upload_purged": _("Bestand verwijderd: bewaartermijn verstreken"),
    }
