from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "investors"
    verbose_name = _("Investeerders (kapitaal)")

    def ready(self) -> None:
        from fund.audit import register_action_labels, register_state_choices

        from . import notices
        from .audit_labels import labels
        from .models import CallStatus, DistributionStatus

        register_action_labels(labels)
        register_state_choices(CallStatus, DistributionStatus)
        notices.register()
