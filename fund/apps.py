from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fund"
    verbose_name = _("Fondsen en organisaties")

    def ready(self) -> None:
        from . import security  # noqa: F401  (connects the login signal that restarts the idle clock)
