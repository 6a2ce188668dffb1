"""Dutch names of the portfolio's audit actions, for the history tables (registered in apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def labels() -> dict[str, str]:
    return {
        "contract_created": _("Contract vastgelegd"),
        "condition_resolved": _("Opschortende voorwaarde afgehandeld"),
        "contract_disbursed": _("Uitbetaald"),
        "repayment_received": _("Betaling ontvangen"),
        "charge_booked": _("Vergoeding of boeterente in rekening gebracht"),
        "penalty_interest_booked": _("Boeterente berekend"),
        "contract_restructured": _("Geherstructureerd"),
        "contract_written_off": _("Afgeschreven"),
        "contract_recovery": _("Afgeschreven bedrag terugontvangen"),
        "equity_invested": _("Deelneming vastgelegd"),
        "equity_revalued": _("Deelneming geherwaardeerd"),
        "guarantee_issued": _("Garantie afgegeven"),
        "guarantee_called": _("Garantie ingeroepen"),
        "guarantee_released": _("Garantie vrijgegeven"),
        "journal_entry_posted": _("Journaalpost geboekt"),
        "journal_entry_reversed": _("Journaalpost teruggeboekt"),
        "period_closed": _("Periode afgesloten"),
        "year_closed": _("Boekjaar afgesloten"),
        "bank_statement_imported": _("Bankafschrift ingelezen"),
        "fund_bank_account_added": _("Bankrekening van het fonds toegevoegd"),
        "fund_bank_account_removed": _("Bankrekening van het fonds verwijderd"),
        "bank_line_booked_to_account": _("Bankregel geboekt op grootboekrekening"),
        "bank_line_parked": _("Bankregel geparkeerd"),
        "bank_line_assigned": _("Bankregel geboekt op contract"),
        "bank_import_queued": _("Import van bankafschrift in de wachtrij"),
        "bank_import_started": _("Import van bankafschrift gestart"),
        "bank_import_resumed": _("Import van bankafschrift hervat na uitval van de verwerker"),
        "bank_import_finished": _("Import van bankafschrift afgerond"),
        "loan_statement_stored": _("Leningoverzicht opgeslagen"),
        "auditfile_stored": _("Auditfile (XAF) opgeslagen"),
        "contract_note_added": _("Notitie vastgelegd"),
        "reminder_sent": _("Aanmaning verstuurd"),
        "mandate_registered": _("Incassomachtiging vastgelegd"),
        "direct_debit_batch_created": _("Incassobatch aangemaakt"),
        "direct_debit_file_regenerated": _("Nieuwe versie van het incassobestand"),
        "mandate_amended": _("Machtiging gewijzigd"),
        "mandate_revoked": _("Machtiging ingetrokken"),
        "direct_debit_prenotified": _("Vooraankondiging incasso gemaakt"),
        "direct_debit_returned": _("Incasso gestorneerd"),
    }
