from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app uses and no domain owns. Imports no app of this project (a test checks it)."""

    name = "core"
    verbose_name = _("Kern")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps

        from .choices import speed_up_choice_display

        speed_up_choice_display(apps.get_models())
