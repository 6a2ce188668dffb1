"""De minimis state aid recorded by the fund (Regulation (EU) 2023/2831): services, reads and the letter.

- A loan's aid is recorded once, on its first disbursement (grant date: the signing date, else the value date
  of that disbursement), as the grant equivalent of its full principal and terms (``fund.stateaid``) against
  the reference rate on the grant date for the rating and collateral from the due diligence.
- A restructuring that lowers the rate records the extra aid: the grant equivalent of the new schedule
  (outstanding principal, new term, from the restructuring date) at the new rate minus the same schedule at
  the old rate — the advantage of the rate cut alone, at the reference rates of that date.
- Aid the enterprise declares from other bodies (date, granting body, amount) is recorded per fund: each fund
  sees its own aid and what was declared to it, never another fund's records.
- Every recorded aid of the fund gets a de minimis letter (PDF, stored once via core.documents).

Without a recorded EU base rate for the date nothing can be computed: the disbursement goes ahead, the audit
trail says why no aid was recorded, and the fund's state-aid page lists the contract until someone records it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from reportlab.lib.units import mm

from core import pdf
from core.documents import document_latest, document_store
from core.errors import ApplicationError
from core.formats import format_eur
from core.models import StoredDocument
from core.money import is_whole_cents, to_cents
from fund import stateaid
from fund.audit import audit_record
from fund.models import Enterprise, Fund, User
from fund.selectors import aid_rates_on, is_administrator, own_enterprise_organisation_ids, staff_fund_ids

from .models import Contract, ContractStatus, ScheduleVersion, StateAid, StateAidKind
from .services import LOAN_INSTRUMENTS

LETTER_KIND = "de_minimis_letter"

MSG_NO_RATES = gettext_noop(
    "Geen EU-basisrente of opslag vastgelegd voor %(date)s: de staatssteun is niet berekend."
)
MSG_BODY_REQUIRED = gettext_noop("Vul de steunverlener in.")
MSG_AMOUNT_POSITIVE = gettext_noop("Het bedrag moet groter dan € 0,00 zijn, in hele centen.")
MSG_DATE_FUTURE = gettext_noop("De datum van toekenning ligt in de toekomst.")
MSG_NOT_RELATED = gettext_noop("Deze onderneming hoort niet bij dit fonds.")
MSG_AID_ALREADY_RECORDED = gettext_noop(
    "De staatssteun van dit contract is al vastgelegd; de rating verandert die niet meer."
)
MSG_PROVISIONAL = gettext_noop(
    "Voorlopig berekend op de volledige hoofdsom vanaf de datum van toekenning, want de lening wordt in "
    "tranches uitbetaald. Bij volledige uitbetaling wordt de steun per tranche herberekend en krijgt u een "
    "nieuwe verklaring met de correctie."
)
MSG_LATER_ALREADY = gettext_noop("De staatssteun van contract %(reference)s is al vastgelegd.")
MSG_LATER_NOT_DISBURSED = gettext_noop(
    "Contract %(reference)s is nog niet uitbetaald: de steun wordt bij de eerste uitbetaling vastgelegd."
)
MSG_LATER_NOT_A_LOAN = gettext_noop(
    "Contract %(reference)s is geen lening: er is geen staatssteun te berekenen."
)
MSG_LATER_STILL_NO_RATES = gettext_noop(
    "Er is nog steeds geen EU-basisrente vastgelegd voor %(date)s (datum van toekenning van contract "
    "%(reference)s). Laat de beheerder eerst de basisrente voor die datum invoeren."
)


# --------------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------------


def aid_for(user: User) -> QuerySet[StateAid]:
    """Aid records a user may see: fund staff of the fund that recorded them, the enterprise itself."""
    qs = StateAid.objects.select_related("fund", "enterprise__organisation", "contract")
    if is_administrator(user):
        return qs
    return qs.filter(
        Q(fund_id__in=staff_fund_ids(user))
        | Q(enterprise__organisation_id__in=own_enterprise_organisation_ids(user))
    )


def aid_total(*, records: QuerySet[StateAid] | list[StateAid], on: datetime.date) -> Decimal:
    """Aid granted in the three years ending on ``on`` (grant date after ``window_start(on)``, to ``on``)."""
    start = stateaid.window_start(on)
    if isinstance(records, QuerySet):
        total = records.filter(grant_date__gt=start, grant_date__lte=on).aggregate(total=Sum("amount"))[
            "total"
        ]
        return to_cents(total or 0)
    return to_cents(sum((r.amount for r in records if start < r.grant_date <= on), Decimal(0)))


def enterprise_aid(*, enterprise: Enterprise, fund: Fund) -> QuerySet[StateAid]:
    """What counts for the enterprise at this fund: the fund's own aid and the aid declared to it."""
    return StateAid.objects.filter(enterprise=enterprise, fund=fund)


def aid_summary(*, records: list[StateAid], on: datetime.date) -> dict:
    """Per record the total of the three-year window ending on its grant date; today's window and headroom."""
    rows = [
        {"aid": record, "window_total": aid_total(records=records, on=record.grant_date)}
        for record in records
    ]
    for row in rows:
        row["over_ceiling"] = row["window_total"] > stateaid.CEILING
    total = aid_total(records=records, on=on)
    return {
        "rows": rows,
        "on": on,
        "window_start": stateaid.window_start(on),
        "total": total,
        "ceiling": stateaid.CEILING,
        "headroom": stateaid.CEILING - total,
        "over_ceiling": total > stateaid.CEILING,
    }


def fund_aid_overview(*, fund: Fund, on: datetime.date) -> dict:
    """Per enterprise at the fund: aid in the window ending ``on`` and headroom; loans without a record."""
    records = list(StateAid.objects.filter(fund=fund).select_related("enterprise__organisation", "contract"))
    by_enterprise: dict[int, list[StateAid]] = {}
    for record in records:
        by_enterprise.setdefault(record.enterprise_id, []).append(record)
    rows = []
    for items in by_enterprise.values():
        total = aid_total(records=items, on=on)
        rows.append(
            {
                "enterprise": items[0].enterprise,
                "fund_aid": aid_total(records=[r for r in items if r.kind != StateAidKind.DECLARED], on=on),
                "declared": aid_total(records=[r for r in items if r.kind == StateAidKind.DECLARED], on=on),
                "total": total,
                "headroom": stateaid.CEILING - total,
                "over_ceiling": total > stateaid.CEILING,
                "last_grant": max(r.grant_date for r in items),
            }
        )
    rows.sort(key=lambda row: row["enterprise"].organisation.name.lower())
    missing = (
        Contract.objects.filter(
            fund=fund,
            instrument__in=LOAN_INSTRUMENTS,
            status__in=[ContractStatus.ACTIVE, ContractStatus.REPAID],
        )
        .exclude(state_aid__kind=StateAidKind.LOAN)
        .select_related("enterprise__organisation")
        .order_by("reference")
    )
    return {
        "rows": rows,
        "records": sorted(records, key=lambda r: (r.grant_date, r.pk)),
        "on": on,
        "window_start": stateaid.window_start(on),
        "ceiling": stateaid.CEILING,
        "total": sum((row["fund_aid"] for row in rows), Decimal("0.00")),
        "missing": list(missing),
    }


def projected_aid(
    *, enterprise: Enterprise, fund: Fund, new_aid: Decimal, on: datetime.date
) -> dict[str, Decimal | bool]:
    """What the enterprise's de minimis total at the fund becomes with ``new_aid`` granted on ``on``."""
    earlier = aid_total(records=enterprise_aid(enterprise=enterprise, fund=fund), on=on)
    total = earlier + new_aid
    return {
        "earlier": earlier,
        "new": new_aid,
        "total": total,
        "ceiling": stateaid.CEILING,
        "headroom": stateaid.CEILING - total,
        "exceeds": total > stateaid.CEILING,
    }


# --------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------


def _terms(contract_or_version, **overrides) -> dict:
    terms = {
        "annual_rate": contract_or_version.annual_rate,
        "term_months": contract_or_version.term_months,
        "frequency": contract_or_version.frequency,
        "method": contract_or_version.method,
        "day_count": contract_or_version.day_count,
        "grace_months": contract_or_version.grace_months,
    }
    return terms | overrides


def _not_recorded(*, actor: User | None, contract: Contract, on: datetime.date, action: str) -> None:
    audit_record(
        actor=actor,
        obj=contract,
        action=action,
        reason=_(MSG_NO_RATES) % {"date": on.strftime("%d-%m-%Y")},
    )


def _create(
    *, actor: User | None, contract: Contract, kind: str, grant_date, amount, principal, rates, **terms
):
    aid = StateAid.objects.create(
        enterprise=contract.enterprise,
        fund=contract.fund,
        kind=kind,
        contract=contract,
        granting_body=contract.fund.name,
        grant_date=grant_date,
        amount=amount,
        principal=principal,
        annual_rate=terms["annual_rate"],
        base_rate=rates.base_rate,
        margin_bp=int(rates.margin * 10000),
        reference_rate=rates.reference_rate,
        discount_rate=rates.discount_rate,
        rating=contract.aid_rating,
        collateral=contract.aid_collateral,
        description=terms.get("description", ""),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        obj=contract,
        action="state_aid_recorded",
        to_state=kind,
        data={
            "amount": amount,
            "grant_date": grant_date,
            "reference_rate": rates.reference_rate,
            "discount_rate": rates.discount_rate,
        },
    )
    letter_store(actor=actor, aid=aid)
    return aid


@transaction.atomic
def aid_record_for_contract(
    *, actor: User | None, contract: Contract, grant_date: datetime.date
) -> StateAid | None:
    """Record a loan's de minimis aid once (called on its first disbursement); returns the record, or None
    when the contract is no loan or no reference rate is known for the grant date."""
    if contract.instrument not in LOAN_INSTRUMENTS:
        return None
    existing = contract.state_aid.filter(kind=StateAidKind.LOAN).first()
    if existing is not None:
        return existing
    rates = aid_rates_on(on=grant_date, rating=contract.aid_rating, collateral=contract.aid_collateral)
    if rates is None:
        _not_recorded(actor=actor, contract=contract, on=grant_date, action="state_aid_not_recorded")
        return None
    terms = _terms(contract)
    tranches = _tranches(contract)
    principal = contract.principal.amount
    if len(tranches) > 1 and sum(amount for _date, amount in tranches) == principal:
        # paid out in full in tranches before the aid could be recorded (a later recording): per tranche
        amount = stateaid.grant_equivalent_tranches(
            tranches=tranches,
            grant_date=grant_date,
            reference_rate=rates.reference_rate,
            discount_rate=rates.discount_rate,
            **terms,
        )
        description = _tranche_text(tranches)
    else:
        amount = stateaid.grant_equivalent(
            principal=principal,
            start_date=grant_date,
            reference_rate=rates.reference_rate,
            discount_rate=rates.discount_rate,
            **terms,
        )
        description = ""
        if sum((a for _d, a in tranches), Decimal(0)) < principal:
            description = _(MSG_PROVISIONAL)
    return _create(
        actor=actor,
        contract=contract,
        kind=StateAidKind.LOAN,
        grant_date=grant_date,
        amount=amount,
        principal=principal,
        rates=rates,
        description=description,
        **terms,
    )


def _tranches(contract: Contract) -> list[tuple[datetime.date, Decimal]]:
    return [(d.value_date, d.amount) for d in contract.disbursements.order_by("value_date", "pk")]


def _tranche_text(tranches) -> str:
    return _("Berekend per tranche: %(list)s; het aflossingsschema loopt vanaf de laatste tranche.") % {
        "list": "; ".join(f"{pdf.date(day)} {pdf.eur(amount)}" for day, amount in tranches)
    }


@transaction.atomic
def aid_record_tranches(*, actor: User | None, contract: Contract) -> StateAid | None:
    """Once a loan paid out in tranches is paid out in full: recompute its aid per tranche from each
    tranche's date (``fund.stateaid.grant_equivalent_tranches``, same grant date and rates as the provisional
    record) and record the difference with the provisional amount as a correction of its own (it may be
    negative; records are never edited), with a letter stating the recomputed total."""
    loan = contract.state_aid.filter(kind=StateAidKind.LOAN).first()
    tranches = _tranches(contract)
    if loan is None or len(tranches) < 2 or contract.state_aid.filter(kind=StateAidKind.TRANCHES).exists():
        return None
    if sum(amount for _date, amount in tranches) != contract.principal.amount:
        return None
    terms = _terms(contract)
    total = stateaid.grant_equivalent_tranches(
        tranches=tranches,
        grant_date=loan.grant_date,
        reference_rate=loan.reference_rate,
        discount_rate=loan.discount_rate,
        **terms,
    )
    if total == loan.amount:  # e.g. all tranches on one day: the provisional amount was right
        return None
    rates = stateaid.AidRates(
        base_rate=loan.base_rate,
        margin=Decimal(loan.margin_bp) / Decimal(10000),
        reference_rate=loan.reference_rate,
        discount_rate=loan.discount_rate,
    )
    return _create(
        actor=actor,
        contract=contract,
        kind=StateAidKind.TRANCHES,
        grant_date=loan.grant_date,
        amount=total - loan.amount,
        principal=contract.principal.amount,
        rates=rates,
        description=_tranche_text(tranches)
        + " "
        + _(
            "Subsidie-equivalent van de lening per tranche: %(total)s; voorlopig vastgelegd: "
            "%(provisional)s; deze correctie: %(difference)s."
        )
        % {
            "total": pdf.eur(total),
            "provisional": pdf.eur(loan.amount),
            "difference": pdf.eur(total - loan.amount),
        },
        **terms,
    )


@transaction.atomic
def aid_record_restructuring(
    *,
    actor: User | None,
    contract: Contract,
    as_of: datetime.date,
    old_version: ScheduleVersion,
    new_version: ScheduleVersion,
) -> StateAid | None:
    """Record the extra aid of a restructuring that lowers the rate (see the module docstring)."""
    if contract.instrument not in LOAN_INSTRUMENTS or new_version.annual_rate >= old_version.annual_rate:
        return None
    rates = aid_rates_on(on=as_of, rating=contract.aid_rating, collateral=contract.aid_collateral)
    if rates is None:
        _not_recorded(actor=actor, contract=contract, on=as_of, action="state_aid_not_recorded")
        return None
    new_terms = _terms(new_version)
    common = {
        "principal": new_version.principal,
        "start_date": as_of,
        "reference_rate": rates.reference_rate,
        "discount_rate": rates.discount_rate,
    }
    at_new_rate = stateaid.grant_equivalent(**common, **new_terms)
    at_old_rate = stateaid.grant_equivalent(
        **common, **(new_terms | {"annual_rate": old_version.annual_rate})
    )
    extra = max(Decimal("0.00"), at_new_rate - at_old_rate)
    if extra == 0:
        return None
    return _create(
        actor=actor,
        contract=contract,
        kind=StateAidKind.RESTRUCTURING,
        grant_date=as_of,
        amount=extra,
        principal=new_version.principal,
        rates=rates,
        description=_("Rente verlaagd van %(old)s naar %(new)s (schemaversie %(version)s).")
        % {
            "old": pdf.percent(old_version.annual_rate),
            "new": pdf.percent(new_version.annual_rate),
            "version": new_version.number,
        },
        **new_terms,
    )


def aid_grant_date(contract: Contract) -> datetime.date | None:
    """The date the loan's aid was granted: the signing date, else the first disbursement's value date
    (what ``contract_disburse`` passes); None before the first disbursement."""
    if contract.signed_on:
        return contract.signed_on
    first = contract.disbursements.order_by("value_date", "pk").first()
    return first.value_date if first else None


@transaction.atomic
def aid_record_later(*, actor: User, contract: Contract) -> StateAid:
    """Record the aid of a loan that was paid out while no EU base rate was known for its grant date, once
    the administrator has loaded it: the same computation, grant date and letter as at the disbursement,
    with an audit record saying it was recorded later. Refused (in Dutch) when there is nothing to record or
    the base rate is still missing."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    names = {"reference": contract.reference}
    if contract.instrument not in LOAN_INSTRUMENTS:
        raise ApplicationError(_(MSG_LATER_NOT_A_LOAN) % names)
    if contract.state_aid.filter(kind=StateAidKind.LOAN).exists():
        raise ApplicationError(_(MSG_LATER_ALREADY) % names)
    grant_date = aid_grant_date(contract)
    if grant_date is None:
        raise ApplicationError(_(MSG_LATER_NOT_DISBURSED) % names)
    if aid_rates_on(on=grant_date, rating=contract.aid_rating, collateral=contract.aid_collateral) is None:
        raise ApplicationError(
            _(MSG_LATER_STILL_NO_RATES) % (names | {"date": grant_date.strftime("%d-%m-%Y")})
        )
    aid = aid_record_for_contract(actor=actor, contract=contract, grant_date=grant_date)
    audit_record(
        actor=actor,
        obj=contract,
        action="state_aid_recorded_later",
        from_state="",
        to_state=StateAidKind.LOAN,
        reason=_("Basisrente voor %(date)s was bij de uitbetaling nog niet vastgelegd.")
        % {"date": grant_date.strftime("%d-%m-%Y")},
        data={"amount": aid.amount, "grant_date": grant_date},
    )
    return aid


@transaction.atomic
def contract_aid_rating_set(
    *, actor: User | None, contract: Contract, rating: str, collateral: str
) -> Contract:
    """Record the rating and collateral level that fix the contract's reference rate (from the due
    diligence), before its aid is recorded; afterwards the recorded aid stands."""
    if contract.state_aid.filter(kind=StateAidKind.LOAN).exists():
        raise ApplicationError(_(MSG_AID_ALREADY_RECORDED), field="aid_rating")
    before = f"{contract.aid_rating}/{contract.aid_collateral}"
    contract.aid_rating, contract.aid_collateral = rating, collateral
    contract.full_clean(validate_unique=False, validate_constraints=False)
    contract.save(update_fields=["aid_rating", "aid_collateral"])
    audit_record(
        actor=actor,
        obj=contract,
        action="contract_aid_rating_set",
        from_state=before,
        to_state=f"{rating}/{collateral}",
    )
    return contract


@transaction.atomic
def aid_declare(
    *,
    actor: User,
    fund: Fund,
    enterprise: Enterprise,
    granting_body: str,
    grant_date: datetime.date,
    amount: Decimal,
    description: str = "",
) -> StateAid:
    """Record de minimis aid the enterprise declares it received from another body (date, body, amount)."""
    errors: dict[str, list[str]] = {}
    if not (granting_body or "").strip():
        errors["granting_body"] = [_(MSG_BODY_REQUIRED)]
    if amount is None or amount <= 0 or not is_whole_cents(amount):
        errors["amount"] = [_(MSG_AMOUNT_POSITIVE)]
    if grant_date and grant_date > timezone.localdate():
        errors["grant_date"] = [_(MSG_DATE_FUTURE)]
    if errors:
        raise ValidationError(errors)
    if not enterprise.fund_relations.filter(fund=fund).exists():
        raise ApplicationError(_(MSG_NOT_RELATED), field="enterprise")
    aid = StateAid(
        enterprise=enterprise,
        fund=fund,
        kind=StateAidKind.DECLARED,
        granting_body=granting_body.strip(),
        grant_date=grant_date,
        amount=to_cents(amount),
        description=(description or "").strip(),
        created_by=actor,
    )
    aid.full_clean()
    aid.save()
    audit_record(
        actor=actor,
        obj=enterprise.organisation,
        action="state_aid_declared",
        data={
            "fund": fund.code,
            "granting_body": aid.granting_body,
            "grant_date": grant_date,
            "amount": aid.amount,
        },
    )
    return aid


# --------------------------------------------------------------------------------------------------
# The de minimis letter
# --------------------------------------------------------------------------------------------------


def letter_pdf(aid: StateAid) -> bytes:
    organisation = aid.enterprise.organisation
    contract = aid.contract
    terms = [
        ["Onderneming", organisation.name],
        ["KvK-nummer", organisation.kvk_number or "—"],
        ["Steunverlener", aid.granting_body],
        ["Contract", contract.reference if contract else "—"],
        ["Soort steun", aid.get_kind_display()],
        ["Datum van toekenning", pdf.date(aid.grant_date)],
        ["Hoofdsom", pdf.eur(aid.principal) if aid.principal is not None else "—"],
        ["Rente van de lening", pdf.percent(aid.annual_rate) if aid.annual_rate is not None else "—"],
        ["EU-basisrente", pdf.percent(aid.base_rate) if aid.base_rate is not None else "—"],
        ["Opslag", f"{aid.margin_bp} basispunten" if aid.margin_bp is not None else "—"],
        ["Referentierente", pdf.percent(aid.reference_rate) if aid.reference_rate is not None else "—"],
        ["Disconteringsvoet", pdf.percent(aid.discount_rate) if aid.discount_rate is not None else "—"],
        ["Subsidie-equivalent (de-minimissteun)", pdf.eur(aid.amount)],
    ]
    story = [
        pdf.p(f"Aan: {organisation.name}"),
        pdf.spacer(),
        pdf.p(
            f"Met deze brief bevestigt {aid.granting_body} dat u op {pdf.date(aid.grant_date)} steun hebt "
            f"ontvangen met een subsidie-equivalent van {pdf.eur(aid.amount)}. De steun bestaat uit het "
            "renteverschil tussen uw lening en de referentierente van de Europese Commissie "
            "(mededeling 2008/C 14/02), contant gemaakt tegen de disconteringsvoet."
        ),
        pdf.p(
            "Deze steun wordt verleend als de-minimissteun in de zin van Verordening (EU) 2023/2831 van de "
            "Commissie van 13 december 2023 betreffende de toepassing van de artikelen 107 en 108 van het "
            "Verdrag betreffende de werking van de Europese Unie op de-minimissteun (PB L, 2023/2831, "
            "15.12.2023). Eén onderneming mag over elke periode van drie jaar ten hoogste € 300.000,00 aan "
            "de-minimissteun ontvangen."
        ),
        pdf.heading("Gegevens van de steun"),
        pdf.table(terms, header=False, widths=[65 * mm, 100 * mm], wrap=True),
    ]
    if aid.description:
        story.append(pdf.p(aid.description))
    story += [
        pdf.heading("Uw verklaring"),
        pdf.p(
            "Bewaar deze brief tien jaar. Geef bij elke nieuwe aanvraag van de-minimissteun, bij welke "
            "overheid of instelling ook, op hoeveel de-minimissteun u in de voorafgaande drie jaar hebt "
            "ontvangen, met datum, steunverlener en bedrag, zodat het plafond niet wordt overschreden. "
            "Steun boven het plafond moet worden teruggevorderd."
        ),
    ]
    return pdf.build(
        title=f"De-minimisverklaring {contract.reference if contract else organisation.name}",
        subtitle=f"{organisation.name} — {aid.fund.name}",
        story=story,
        generated_at=aid.created_at,
    )


def letter_filename(aid: StateAid) -> str:
    reference = aid.contract.reference if aid.contract else f"steun-{aid.pk}"
    return f"de-minimisverklaring-{reference}-{aid.grant_date.isoformat()}.pdf"


def letter_store(*, actor: User | None, aid: StateAid) -> StoredDocument:
    """The letter, stored once: the same record gives the same bytes and the same stored version."""
    previous = document_latest(kind=LETTER_KIND, subject=aid)
    document = document_store(
        kind=LETTER_KIND,
        subject=aid,
        content=letter_pdf(aid),
        filename=letter_filename(aid),
        actor=actor,
        reason=_("Opnieuw opgemaakt"),
        media_type="application/pdf",
    )
    if previous is None:
        audit_record(
            actor=actor,
            obj=aid.contract or aid.enterprise.organisation,
            action="state_aid_letter_stored",
            data={"version": document.version, "sha256": document.sha256, "amount": format_eur(aid.amount)},
        )
    return document


def can_view_letter(user, aid) -> bool:
    return isinstance(aid, StateAid) and aid_for(user).filter(pk=aid.pk).exists()


def audit_labels() -> dict[str, str]:
    return {
        "state_aid_recorded": _("De-minimissteun vastgelegd"),
        "state_aid_not_recorded": _("De-minimissteun niet berekend"),
        "state_aid_recorded_later": _("De-minimissteun later vastgelegd"),
        "state_aid_declared": _("De-minimissteun van anderen opgegeven"),
        "state_aid_letter_stored": _("De-minimisverklaring opgemaakt"),
        "contract_aid_rating_set": _("Rating en zekerheden voor staatssteun vastgelegd"),
    }


def register_workbook(*, fund: Fund, overview: dict) -> bytes:
    """The municipality's state-aid register: every record (with rates and grant equivalent) and the totals
    per enterprise in the three years up to the overview's date, amounts as numbers."""

    from openpyxl import Workbook

    from core.exports import EXCEL_DATE, EXCEL_PERCENT, workbook_bytes
    from core.formats import format_date

    from .exports import _sheet

    workbook = Workbook()
    workbook.remove(workbook.active)
    records = _sheet(
        workbook,
        _("Steunregister"),
        [
            _("Onderneming"),
            _("KvK-nummer"),
            _("Gemeente"),
            _("Soort"),
            _("Steunverlener"),
            _("Contract"),
            _("Datum van toekenning"),
            _("Hoofdsom"),
            _("Rente"),
            _("Referentierente"),
            _("Disconteringsvoet"),
            _("Subsidie-equivalent"),
        ],
        [
            [
                aid.enterprise.organisation.name,
                aid.enterprise.organisation.kvk_number,
                str(aid.enterprise.organisation.municipality or ""),
                aid.get_kind_display(),
                aid.granting_body,
                aid.contract.reference if aid.contract else "",
                aid.grant_date,
                aid.principal,
                aid.annual_rate,
                aid.reference_rate,
                aid.discount_rate,
                aid.amount,
            ]
            for aid in overview["records"]
        ],
        {8, 12},
    )
    for column, number_format in (
        (7, EXCEL_DATE),
        (9, EXCEL_PERCENT),
        (10, EXCEL_PERCENT),
        (11, EXCEL_PERCENT),
    ):
        for (cell,) in records.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format
    _sheet(
        workbook,
        _("Per onderneming"),
        [
            _("Onderneming"),
            _("Steun van het fonds"),
            _("Opgegeven steun van anderen"),
            _("Totaal in drie jaar"),
            _("Ruimte onder het plafond"),
        ],
        [
            [
                row["enterprise"].organisation.name,
                row["fund_aid"],
                row["declared"],
                row["total"],
                row["headroom"],
            ]
            for row in overview["rows"]
        ],
        {2, 3, 4, 5},
    )
    workbook.properties.title = _("De-minimisregister %(fund)s per %(date)s") % {
        "fund": fund.name,
        "date": format_date(overview["on"]),
    }
    return workbook_bytes(workbook)
