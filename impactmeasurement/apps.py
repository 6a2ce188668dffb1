from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactmeasurementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "impactmeasurement"
    verbose_name = _("Impactmeting")

    def ready(self) -> None:
        from fund.audit import register_action_labels, register_state_choices

        from .audit_labels import labels
        from .models import KPISetStatus, ReportStatus

        register_action_labels(labels)
        register_state_choices(KPISetStatus, ReportStatus)
