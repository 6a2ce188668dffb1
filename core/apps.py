from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app uses and no domain owns. Imports no app of this project (a test checks it)."""

    name = "core"
    verbose_name = _("Kern")
    default_auto_field = "django.db.models.BigAutoField"
