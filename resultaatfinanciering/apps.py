from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultaatfinancieringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "resultaatfinanciering"
    verbose_name = _("Resultaatfinanciering")
