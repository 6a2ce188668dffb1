from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    """Intake, screening, due diligence and the investment committee (moved out of fund/, issue 11).

    The models keep their tables (``fund_application``, …) through ``Meta.db_table``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "pipeline"
    label = "pipeline"
    verbose_name = _("Pijplijn en investeringscommissie")

    def ready(self) -> None:
        from fund.audit import register_action_labels, register_state_choices

        from . import documents
        from .audit_labels import labels
        from .models import (
            ApplicationStatus,
            AttendanceStatus,
            ChecklistStatus,
            CheckOutcome,
            DecisionOutcome,
            DeclarationState,
            MeetingState,
            VoteChoice,
        )

        register_action_labels(labels)
        register_state_choices(
            ApplicationStatus,
            ChecklistStatus,
            DecisionOutcome,
            VoteChoice,
            CheckOutcome,
            DeclarationState,
            MeetingState,
            AttendanceStatus,
        )
        documents.register()
