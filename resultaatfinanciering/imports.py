"""Bulk uploads (CSV or Excel), all-or-nothing: the enterprise's claims and the municipality's
verification file.

Each row goes through the same service as a single action (`claim_submit`, `claim_decide`), inside one
transaction. Every row is tried, so the user gets all row errors at once; if any row fails, the whole
upload is rolled back and nothing is written.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError, error_text
from core.privacy import contains_bsn
from fund.models import User

from . import services
from .models import Claim, ClaimState, Milestone, OutcomeContract

MAX_ROWS = 5000
MAX_EXTRA_COLUMNS = 10  # columns beside the expected ones that a spreadsheet may carry (ignored)
CLAIM_COLUMNS = ["referentie", "resultaat", "mijlpaal", "behaald_op", "toelichting"]
VERIFICATION_COLUMNS = ["referentie", "resultaat", "mijlpaal", "geverifieerd", "opmerking"]
# What each column holds, shown beside its name (the names are codes; the descriptions are Dutch text).
COLUMN_HELP = {
    "referentie": gettext_lazy(
        "pseudonieme deelnemersreferentie van de gemeente, bijvoorbeeld HLM-2026-0042"
    ),
    "resultaat": gettext_lazy("code van het resultaat; mag leeg als de mijlpaalcode uniek is"),
    "mijlpaal": gettext_lazy("code van de mijlpaal"),
    "behaald_op": gettext_lazy("datum waarop de mijlpaal is behaald (jjjj-mm-dd of dd-mm-jjjj)"),
    "toelichting": gettext_lazy("toelichting op het bewijs (geen BSN)"),
    "geverifieerd": gettext_lazy("ja of nee"),
    "opmerking": gettext_lazy("reden; verplicht bij nee"),
    "leefvorm": gettext_lazy("alleenstaande, alleenstaande ouder of gehuwden / samenwonenden"),
    "uitkering_gestart_op": gettext_lazy("datum waarop de uitkering is gestart (jjjj-mm-dd of dd-mm-jjjj)"),
}


def column_help(columns: list[str]) -> list[tuple[str, str]]:
    """(column name, Dutch description) for an upload page."""
    return [(column, COLUMN_HELP.get(column, "")) for column in columns]


YES = {"ja", "j", "yes", "y", "1", "true", "waar"}
NO = {"nee", "n", "no", "0", "false", "onwaar"}


class UploadError(ApplicationError):
    def __init__(self, message, *, rows: list[str] | None = None):
        super().__init__(message, code="upload_refused")
        self.rows = rows or []


@dataclass
class UploadResult:
    count: int
    errors: list[str] = field(default_factory=list)


def read_table(uploaded, *, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(row number as the user sees it, {column: text}) for a .csv (';' or ',') or .xlsx file."""
    name = (getattr(uploaded, "name", "") or "").lower()
    raw = uploaded.read()
    if name.endswith(".xlsx"):
        from core.uploads import open_workbook

        try:  # sizes and dimensions checked before anything is unpacked; read-only; a zip bomb is refused
            workbook = open_workbook(raw, max_rows=MAX_ROWS + 100, max_cols=len(columns) + MAX_EXTRA_COLUMNS)
        except ValidationError as exc:
            raise UploadError(
                _("Het Excel-bestand kan niet worden gelezen: %(problem)s")
                % {"problem": " ".join(exc.messages)}
            ) from exc
        sheet = workbook.active
        table = [
            [
                "" if v is None else (v.isoformat()[:10] if isinstance(v, datetime.date) else str(v))
                for v in row
            ]
            for row in sheet.iter_rows(values_only=True)
        ]
    elif name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UploadError(_("Het CSV-bestand is niet in UTF-8 opgeslagen.")) from exc
        delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
        table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    else:
        raise UploadError(_("Upload een .csv- of .xlsx-bestand."))
    table = [row for row in table if any((cell or "").strip() for cell in row)]
    if not table:
        raise UploadError(_("Het bestand is leeg."))
    header = [(cell or "").strip().lower() for cell in table[0]]
    missing = [c for c in columns if c not in header and c not in ("toelichting", "opmerking")]
    if missing:
        raise UploadError(
            _("Kolommen ontbreken: %(missing)s. Verwacht: %(expected)s.")
            % {"missing": ", ".join(missing), "expected": "; ".join(columns)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise UploadError(_("Meer dan %(max)s regels; splits het bestand.") % {"max": MAX_ROWS})
    rows = []
    for number, row in enumerate(table[1:], start=2):
        values = {name: (row[i] if i < len(row) else "").strip() for i, name in enumerate(header)}
        rows.append((number, {c: values.get(c, "") for c in columns}))
    return rows


def _parse_date(text: str) -> datetime.date:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ValueError(text)


def _milestone(contract: OutcomeContract, definition_code: str, milestone_code: str) -> Milestone:
    milestones = services_milestones(contract)
    found = milestones.get((definition_code, milestone_code))
    if found is None and not definition_code:
        by_code = [m for (d, c), m in milestones.items() if c == milestone_code]
        found = by_code[0] if len(by_code) == 1 else None
    if found is None:
        raise ValidationError(
            _("mijlpaal '%(code)s' bestaat niet in dit contract (bekend: %(known)s)")
            % {"code": milestone_code, "known": ", ".join(f"{d}/{c}" for d, c in milestones)}
        )
    return found


def services_milestones(contract: OutcomeContract) -> dict[tuple[str, str], Milestone]:
    return {
        (m.definition.code, m.code): m
        for m in Milestone.objects.filter(definition__contract=contract).select_related("definition")
    }


def _bsn_check(values: dict[str, str]) -> None:
    for column, value in values.items():
        if contains_bsn(value):
            raise ValidationError(
                _("kolom %(column)s lijkt een burgerservicenummer (BSN) te bevatten; dat mag nooit (AVG).")
                % {"column": column}
            )


def claims_import(*, actor: User | None, contract: OutcomeContract, uploaded, today=None) -> UploadResult:
    """All-or-nothing claim upload by the provider. Raises UploadError with one message per bad row."""
    rows = read_table(uploaded, columns=CLAIM_COLUMNS)
    errors: list[str] = []
    participants = {p.reference: p for p in contract.participants.all()}
    with transaction.atomic():
        for number, values in rows:
            try:
                _bsn_check(values)
                participant = participants.get(values["referentie"].upper())
                if participant is None:
                    raise ValidationError(
                        _("deelnemer %(reference)s hoort niet bij contract %(contract)s")
                        % {"reference": values["referentie"] or "—", "contract": contract.reference}
                    )
                milestone = _milestone(contract, values["resultaat"], values["mijlpaal"])
                try:
                    achieved_on = _parse_date(values["behaald_op"])
                except ValueError:
                    raise ValidationError(
                        _("kolom behaald_op: '%(value)s' is geen datum (jjjj-mm-dd of dd-mm-jjjj)")
                        % {"value": values["behaald_op"]}
                    ) from None
                with transaction.atomic():
                    services.claim_submit(
                        actor=actor,
                        contract=contract,
                        participant=participant,
                        milestone=milestone,
                        achieved_on=achieved_on,
                        evidence_note=values["toelichting"],
                        today=today,
                    )
            except (ValidationError, ApplicationError) as exc:
                errors.append(_("Regel %(row)s: %(message)s") % {"row": number, "message": error_text(exc)})
        if errors:
            raise UploadError(
                _("Niets ingelezen: %(n)s regel(s) afgekeurd.") % {"n": len(errors)}, rows=errors
            )
    return UploadResult(count=len(rows))


def verification_import(*, actor: User, contract: OutcomeContract, uploaded) -> UploadResult:
    """The municipality's own verification file: reference, milestone, verified yes/no, remark."""
    rows = read_table(uploaded, columns=VERIFICATION_COLUMNS)
    errors: list[str] = []
    with transaction.atomic():
        for number, values in rows:
            try:
                _bsn_check(values)
                milestone = _milestone(contract, values["resultaat"], values["mijlpaal"])
                answer = values["geverifieerd"].lower()
                if answer not in YES | NO:
                    raise ValidationError(
                        _("kolom geverifieerd: '%(value)s' moet ja of nee zijn")
                        % {"value": values["geverifieerd"]}
                    )
                claim = (
                    Claim.objects.filter(
                        contract=contract,
                        participant__reference=values["referentie"].upper(),
                        milestone=milestone,
                    )
                    .exclude(state=ClaimState.REJECTED)
                    .first()
                )
                if claim is None:
                    raise ValidationError(
                        _("geen openstaande claim voor %(reference)s, mijlpaal %(milestone)s")
                        % {"reference": values["referentie"] or "—", "milestone": milestone.code}
                    )
                with transaction.atomic():
                    services.claim_decide(
                        actor=actor, claim=claim, verified=answer in YES, reason=values["opmerking"]
                    )
            except (ValidationError, ApplicationError) as exc:
                errors.append(_("Regel %(row)s: %(message)s") % {"row": number, "message": error_text(exc)})
        if errors:
            raise UploadError(
                _("Niets verwerkt: %(n)s regel(s) afgekeurd.") % {"n": len(errors)}, rows=errors
            )
    return UploadResult(count=len(rows))


PARTICIPANT_COLUMNS = ["referentie", "leefvorm", "uitkering_gestart_op"]
HOUSEHOLDS = {
    "alleenstaande": "single",
    "single": "single",
    "alleenstaande ouder": "single_parent",
    "single_parent": "single_parent",
    "gehuwd": "couple",
    "gehuwden": "couple",
    "samenwonend": "couple",
    "samenwonenden": "couple",
    "gehuwden / samenwonenden": "couple",
    "couple": "couple",
}


def participants_import(*, actor: User, contract: OutcomeContract, uploaded) -> UploadResult:
    """The municipality's list of participants (pseudonymous references), all-or-nothing."""
    rows = read_table(uploaded, columns=PARTICIPANT_COLUMNS)
    errors: list[str] = []
    with transaction.atomic():
        for number, values in rows:
            try:
                household = HOUSEHOLDS.get(values["leefvorm"].lower())
                if household is None:
                    raise ValidationError(
                        _(
                            "kolom leefvorm: '%(value)s' is geen alleenstaande, alleenstaande ouder of "
                            "gehuwden"
                        )
                        % {"value": values["leefvorm"]}
                    )
                try:
                    started = _parse_date(values["uitkering_gestart_op"])
                except ValueError:
                    raise ValidationError(
                        _("kolom uitkering_gestart_op: '%(value)s' is geen datum (jjjj-mm-dd of dd-mm-jjjj)")
                        % {"value": values["uitkering_gestart_op"]}
                    ) from None
                with transaction.atomic():
                    services.participant_add(
                        actor=actor,
                        contract=contract,
                        reference=values["referentie"],
                        household_type=household,
                        benefit_started_on=started,
                    )
            except (ValidationError, ApplicationError) as exc:
                errors.append(_("Regel %(row)s: %(message)s") % {"row": number, "message": error_text(exc)})
        if errors:
            raise UploadError(
                _("Niets ingelezen: %(n)s regel(s) afgekeurd.") % {"n": len(errors)}, rows=errors
            )
    return UploadResult(count=len(rows))
