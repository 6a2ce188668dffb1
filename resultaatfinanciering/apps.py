from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultaatfinancieringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "resultaatfinanciering"
    verbose_name = _("Resultaatfinanciering")

    def ready(self) -> None:
        from fund.audit import register_action_labels

        from .audit_labels import labels

        register_action_labels(labels)
