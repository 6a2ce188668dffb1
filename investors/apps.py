from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "investors"
    verbose_name = _("Investeerders (kapitaal)")

    def ready(self) -> None:
        from . import notices

        notices.register()
