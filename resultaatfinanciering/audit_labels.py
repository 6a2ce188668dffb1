"""Dutch names of resultaatfinanciering's audit actions, for the history tables (registered in apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def labels() -> dict[str, str]:
    return {
        "outcome_contract_created": _("Resultaatcontract vastgelegd"),
        "outcome_definition_added": _("Resultaat en mijlpalen vastgelegd"),
        "outcome_contract_status_changed": _("Status gewijzigd"),
        "participant_added": _("Deelnemer toegevoegd"),
        "claim_submitted": _("Claim ingediend"),
        "claim_verified": _("Claim geverifieerd"),
        "claim_rejected": _("Claim afgewezen"),
        "claim_in_proposal": _("Claim in betaalvoorstel"),
        "proposal_prepared": _("Betaalvoorstel opgesteld"),
        "proposal_withdrawn": _("Betaalvoorstel ingetrokken"),
        "proposal_approval_given": _("Goedkeuring gegeven"),
        "proposal_approved": _("Betaalvoorstel goedgekeurd, betaling aangemaakt"),
        "proposal_fund_share_booked": _("Aandeel fonds in de resultaatbetaling geboekt"),
        "proposal_paid": _("Betaling bevestigd"),
        "claim_released": _("Claim uit betaalvoorstel gehaald"),
        "claim_paid": _("Claim betaald"),
        "claim_repriced": _("Claim opnieuw geprijsd"),
        "claim_reprice_held": _("Claim niet opnieuw geprijsd: boven het plafond"),
        "payment_file_renewed": _("Nieuwe versie van het betaalbestand (SEPA)"),
        "proposal_repriced": _("Totaal betaalvoorstel herberekend"),
        "benefit_norm_added": _("Bijstandsnorm geladen"),
        "savings_report_stored": _("Besparingsrapportage vastgelegd"),
        "budget_years_set": _("Begroting per jaar vastgelegd"),
        "bank_statement_reconciled": _("Bankafschrift ingelezen en afgestemd"),
        "payment_matched_to_bank": _("Betaling teruggevonden op het bankafschrift"),
        "recovery_prepared": _("Terugvordering opgesteld"),
        "recovery_approved": _("Terugvordering goedgekeurd, creditnota vastgelegd"),
        "council_report_stored": _("Raadsrapportage vastgelegd"),
    }
