"""The Dutch names of the pipeline's audit actions (registered with fund.audit from PipelineConfig.ready)."""

from django.utils.translation import gettext as _


def labels() -> dict[str, str]:
    return {
        "application_created": _("Aanvraag aangemaakt"),
        "application_updated": _("Aanvraag gewijzigd"),
        "application_financials_saved": _("Jaarcijfers opgeslagen"),
        "application_document_added": _("Document toegevoegd"),
        "application_question_asked": _("Vraag gesteld"),
        "application_question_answered": _("Vraag beantwoord"),
        "application_note_added": _("Interne notitie toegevoegd"),
        "application_submit": _("Ingediend"),
        "application_start_screening": _("Screening gestart"),
        "application_start_due_diligence": _("Due diligence gestart"),
        "application_refer_to_committee": _("Voorgelegd aan de commissie"),
        "application_decline": _("Afgewezen vóór de commissie"),
        "application_hold": _("On hold gezet"),
        "application_resume": _("Hervat"),
        "application_withdraw": _("Ingetrokken"),
        "application_approve": _("Goedgekeurd door de commissie"),
        "application_approve_with_conditions": _("Onder voorwaarden goedgekeurd door de commissie"),
        "application_reject": _("Afgewezen door de commissie"),
        "application_decision_changed": _("Besluit gewijzigd"),
        "application_checks_run": _("Toetsen uitgevoerd"),
        "application_check_overridden": _("Toets overruled"),
        "application_handed_off": _("Overgedragen aan de portefeuille"),
        "checklist_item_updated": _("Checklist bijgewerkt"),
        "assessment_saved": _("Beoordeling opgeslagen"),
        "terms_saved": _("Voorwaarden opgeslagen"),
        "memo_generated": _("Memo gegenereerd"),
        "meeting_created": _("Vergadering gepland"),
        "agenda_item_added": _("Agendapunt toegevoegd"),
        "conflict_declared": _("Belangenverklaring"),
        "vote_cast": _("Stem uitgebracht"),
        "decision_recorded": _("Besluit vastgelegd"),
        "committee_member_added": _("Commissielid toegevoegd"),
        "committee_rules_set": _("Commissieregels vastgesteld"),
        "minutes_stored": _("Notulen vastgelegd"),
    }
