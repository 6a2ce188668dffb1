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
