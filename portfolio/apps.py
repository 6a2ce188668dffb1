from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portfolio"
    verbose_name = _("Portefeuille")

    def ready(self) -> None:
        from fund.audit import register_action_labels

        from .audit_labels import labels

        register_action_labels(labels)
