"""SEPA direct debit: mandates, a pain.008 batch of the instalments due in a period, and returned debits.

- ``mandate_register`` records a borrower's mandate on a contract (IBAN validated, mandate id, signature
  date).
- ``direct_debit_plan`` (read only) lists what a batch would collect: per contract with a mandate, each
  instalment of the current schedule due in the period and not yet paid or collected; the confirmation page
  shows its total and count.
- ``direct_debit_batch_create`` records the batch and its items and stores the pain.008.001.08 file (built
  with sepaxml, which validates it against the XSD it ships) as a document (kind "direct_debit_file"): made
  once, the same bytes on every download; ``direct_debit_file_regenerate`` makes a new version, with a reason.
- ``mandate_amend`` records a new IBAN and/or holder (with a reason); the collections keep the account they
  were collected from, so the next pain.008 carries the amendment indicator and the original account: the old
  IBAN when the bank is the same, "SMNDA" when it is another (or cannot be told), and then a recurring mandate
  starts again with FRST. ``mandate_revoke`` records the date and reason; a revoked mandate is never collected
  again (the database refuses both a change of it and a new collection on it).
- ``direct_debit_prenotify`` makes, per borrower in a planned batch, the pre-notification letter (PDF, stored
  document): amount, collection date, mandate id, creditor id and the masked IBAN. A batch collects a contract
  only after a pre-notification with the same collection date, amount and account made at least the term
  before (``settings.DIRECT_DEBIT_PRENOTIFICATION_DAYS``, 14 calendar days by default).
- The bank statement import links a collected amount to its item by the EndToEndId and books it as a payment;
  a returned or reversed debit (a debit line with a reason code such as AM04 or MD06) goes to
  ``direct_debit_return``: the payment is reversed with a reversing entry and stops counting for arrears
  from the return date, so the instalment is overdue again.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.documents import document_latest, document_store
from core.errors import ApplicationError
from core.formats import format_date, format_eur
from fund.audit import audit_record
from fund.models import Fund, User
from fund.validators import validate_iban

from .ledger import entry_reverse
from .models import (
    Contract,
    ContractStatus,
    DirectDebitBatch,
    DirectDebitItem,
    DirectDebitMandate,
    DirectDebitPrenotification,
    FundBankAccount,
    MandateKind,
    Repayment,
)

FILE_KIND = "direct_debit_file"
NOTICE_KIND = "direct_debit_prenotification"
SMNDA = "SMNDA"  # Same Mandate with New Debtor Account (EPC implementation guidelines, since November 2016)
SCHEMA = "pain.008.001.08"
CREDITOR_ID = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")

MSG_MANDATE_ID = gettext_noop(
    "Machtigingskenmerk: vul het kenmerk van de machtiging in (hoogstens 35 tekens)."
)
MSG_MANDATE_HOLDER = gettext_noop("Naam rekeninghouder: vul de naam in zoals de bank die kent.")
MSG_MANDATE_DATE = gettext_noop(
    "Datum van ondertekening: de machtiging kan niet in de toekomst getekend zijn."
)
MSG_MANDATE_EXISTS = gettext_noop("Contract %(reference)s heeft al een machtiging (%(mandate)s).")
MSG_MANDATE_TAKEN = gettext_noop("Machtigingskenmerk %(mandate)s is al in gebruik bij een ander contract.")
MSG_PERIOD = gettext_noop("Termijnen tot en met ligt vóór termijnen vanaf.")
MSG_COLLECTION_PAST = gettext_noop("Incassodatum: kies vandaag of een datum in de toekomst (niet %(date)s).")
MSG_NO_CREDITOR = gettext_noop(
    "Het fonds heeft geen bankrekening met een incassant-ID; vul het incassant-ID in bij de bankrekeningen."
)
MSG_CREDITOR_ID = gettext_noop(
    "Incassant-ID: '%(value)s' is geen geldig incassant-ID (zoals NL69ZZZ123456780000)."
)
MSG_EMPTY = gettext_noop(
    "Er zijn geen termijnen te incasseren tussen %(start)s en %(end)s (geen machtiging, al betaald of al "
    "geïncasseerd)."
)
MSG_CHANGED = gettext_noop("De termijnen zijn intussen veranderd; bekijk de incasso opnieuw.")
MSG_NOT_COLLECTED = gettext_noop(
    "De incasso %(id)s is nog niet als betaling ontvangen; een storno kan pas na de bijschrijving."
)
MSG_ALREADY_RETURNED = gettext_noop("De incasso %(id)s is al gestorneerd op %(date)s.")
MSG_REASON = gettext_noop("Reden: geef een reden op (bijvoorbeeld 'brief van de leningnemer van 3 maart').")
MSG_REVOKED = gettext_noop(
    "De machtiging %(mandate)s is ingetrokken op %(date)s; een ingetrokken machtiging kan niet meer worden "
    "gewijzigd of geïncasseerd. Leg zo nodig een nieuwe machtiging vast."
)
MSG_NO_CHANGE = gettext_noop(
    "Er is niets gewijzigd: vul een ander IBAN of een andere naam van de rekeninghouder in."
)
MSG_ONE_OFF_USED = gettext_noop(
    "De eenmalige machtiging %(mandate)s is al gebruikt voor een incasso; wijzigen heeft geen zin meer."
)
MSG_REVOKE_DATE_FUTURE = gettext_noop("Ingetrokken op: de datum kan niet in de toekomst liggen.")
MSG_REVOKE_DATE_BEFORE_SIGNED = gettext_noop(
    "Ingetrokken op: de datum ligt vóór de ondertekening van de machtiging (%(date)s)."
)
MSG_NOTICE_TOO_LATE = gettext_noop(
    "Contract %(reference)s: de incassodatum %(collection)s ligt minder dan %(days)s dagen na vandaag; "
    "de leningnemer moet %(days)s dagen van tevoren zijn ingelicht. Kies een incassodatum vanaf %(earliest)s."
)
MSG_NOTICE_MISSING = gettext_noop(
    "Contract %(reference)s: er is geen vooraankondiging van %(amount)s voor de incassodatum %(collection)s "
    "(van rekening %(iban)s); maak eerst de vooraankondigingen."
)
MSG_NOTICE_SHORT = gettext_noop(
    "Contract %(reference)s: de vooraankondiging van %(notified)s ligt minder dan %(days)s dagen vóór de "
    "incassodatum %(collection)s. Kies een incassodatum vanaf %(earliest)s of kondig opnieuw aan."
)

RETURN_REASONS = {
    "AC04": gettext_noop("rekening opgeheven"),
    "AC06": gettext_noop("rekening geblokkeerd"),
    "AM04": gettext_noop("onvoldoende saldo"),
    "MD01": gettext_noop("geen machtiging"),
    "MD06": gettext_noop("teruggevraagd door de rekeninghouder"),
    "MS02": gettext_noop("geweigerd door de rekeninghouder"),
    "RVSL": gettext_noop("teruggeboekt door de bank"),
}


def creditor_id_valid(value: str) -> bool:
    """An SEPA creditor identifier: country, check digits (ISO 7064 mod 97-10 over the national id and the
    country, the business code skipped), business code, national id."""
    value = (value or "").replace(" ", "").upper()
    if not CREDITOR_ID.match(value):
        return False
    digits = "".join(str(int(ch, 36)) for ch in value[7:] + value[:2] + "00")
    return 98 - int(digits) % 97 == int(value[2:4])


def validate_creditor_id(value: str) -> None:
    if value and not creditor_id_valid(value):
        raise ValidationError(_(MSG_CREDITOR_ID) % {"value": value}, code="creditor_id")


# --------------------------------------------------------------------------------------------------
# Mandates
# --------------------------------------------------------------------------------------------------


def _account_checked(*, iban: str, holder: str) -> tuple[str, str, dict[str, list[str]]]:
    """The debtor's account as a mandate keeps it (IBAN compact and upper case, holder trimmed), with the
    problems per field."""
    errors: dict[str, list[str]] = {}
    iban = (iban or "").replace(" ", "").upper()
    try:
        validate_iban(iban)
    except ValidationError as exc:
        errors["iban"] = list(exc.messages)
    holder = (holder or "").strip()
    if not holder:
        errors["holder"] = [_(MSG_MANDATE_HOLDER)]
    return iban, holder, errors


@transaction.atomic
def mandate_register(
    *,
    actor: User | None,
    contract: Contract,
    iban: str,
    holder: str,
    mandate_id: str,
    signed_on: datetime.date,
    kind: str = MandateKind.RECURRING,
) -> DirectDebitMandate:
    """Record the borrower's mandate for this contract (one per contract; a mandate id is used once):
    recurring (FRST, then RCUR) or one-off (OOFF: one collection)."""
    iban, holder, errors = _account_checked(iban=iban, holder=holder)
    mandate_id = (mandate_id or "").strip()
    if not mandate_id or len(mandate_id) > 35:
        errors["mandate_id"] = [_(MSG_MANDATE_ID)]
    if signed_on is None or signed_on > timezone.localdate():
        errors["signed_on"] = [_(MSG_MANDATE_DATE)]
    if kind not in MandateKind.values:
        errors["kind"] = [_("Soort machtiging: kies doorlopend of eenmalig.")]
    if errors:
        raise ValidationError(errors)
    existing = DirectDebitMandate.objects.filter(contract=contract).first()
    if existing is not None:
        raise ApplicationError(
            _(MSG_MANDATE_EXISTS) % {"reference": contract.reference, "mandate": existing.mandate_id}
        )
    if DirectDebitMandate.objects.filter(mandate_id=mandate_id).exists():
        raise ApplicationError(_(MSG_MANDATE_TAKEN) % {"mandate": mandate_id}, field="mandate_id")
    mandate = DirectDebitMandate.objects.create(
        contract=contract,
        iban=iban,
        holder=holder[:70],
        mandate_id=mandate_id,
        signed_on=signed_on,
        kind=kind,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        obj=contract,
        action="mandate_registered",
        data={"mandate_id": mandate_id, "iban": iban, "signed_on": signed_on, "kind": kind},
    )
    return mandate


def _locked_mandate(mandate: DirectDebitMandate) -> DirectDebitMandate:
    mandate = DirectDebitMandate.objects.select_for_update().select_related("contract").get(pk=mandate.pk)
    if mandate.revoked_on is not None:
        raise ApplicationError(
            _(MSG_REVOKED) % {"mandate": mandate.mandate_id, "date": format_date(mandate.revoked_on)},
            code="revoked",
        )
    return mandate


@transaction.atomic
def mandate_amend(
    *,
    actor: User | None,
    mandate: DirectDebitMandate,
    iban: str,
    holder: str,
    reason: str,
) -> DirectDebitMandate:
    """A new account and/or holder name for the same mandate (SEPA amendment). The mandate id and signature
    date stay; the next collection carries the amendment (see ``direct_debit_plan``)."""
    iban, holder, errors = _account_checked(iban=iban, holder=holder)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_(MSG_REASON)]
    if errors:
        raise ValidationError(errors)
    mandate = _locked_mandate(mandate)
    if mandate.kind == MandateKind.ONE_OFF and mandate.items.exists():
        raise ApplicationError(_(MSG_ONE_OFF_USED) % {"mandate": mandate.mandate_id}, code="one_off_used")
    before = {"iban": mandate.iban, "holder": mandate.holder}
    after = {"iban": iban, "holder": holder[:70]}
    if before == after:
        raise ApplicationError(_(MSG_NO_CHANGE), code="no_change")
    mandate.iban, mandate.holder = after["iban"], after["holder"]
    mandate.save(update_fields=["iban", "holder"])
    audit_record(
        actor=actor,
        obj=mandate.contract,
        action="mandate_amended",
        from_state=f"{before['iban']} / {before['holder']}",
        to_state=f"{after['iban']} / {after['holder']}",
        reason=reason,
        data={"mandate_id": mandate.mandate_id, "from": before, "to": after},
    )
    return mandate


def open_collections(*, mandate: DirectDebitMandate, on_or_after: datetime.date) -> list[DirectDebitItem]:
    """Collections of this mandate in batches already made, to be collected on or after a date and not yet
    credited: after a revocation the fund must withdraw them at its bank."""
    return list(
        mandate.items.filter(
            batch__collection_date__gte=on_or_after, repayment__isnull=True, returned_on__isnull=True
        )
        .select_related("batch")
        .order_by("batch__collection_date", "due_date")
    )


@transaction.atomic
def mandate_revoke(
    *,
    actor: User | None,
    mandate: DirectDebitMandate,
    revoked_on: datetime.date,
    reason: str,
) -> DirectDebitMandate:
    """The borrower (or the fund) ended the mandate on `revoked_on`: never collected again."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_(MSG_REASON)]
    if revoked_on is None or revoked_on > timezone.localdate():
        errors["revoked_on"] = [_(MSG_REVOKE_DATE_FUTURE)]
    elif revoked_on < mandate.signed_on:
        errors["revoked_on"] = [_(MSG_REVOKE_DATE_BEFORE_SIGNED) % {"date": format_date(mandate.signed_on)}]
    if errors:
        raise ValidationError(errors)
    mandate = _locked_mandate(mandate)
    mandate.revoked_on, mandate.revocation_reason = revoked_on, reason[:255]
    mandate.save(update_fields=["revoked_on", "revocation_reason"])
    pending = open_collections(mandate=mandate, on_or_after=revoked_on)
    audit_record(
        actor=actor,
        obj=mandate.contract,
        action="mandate_revoked",
        from_state="active",
        to_state="revoked",
        reason=reason,
        data={
            "mandate_id": mandate.mandate_id,
            "revoked_on": revoked_on,
            "open_collections": [item.end_to_end_id for item in pending],
        },
    )
    return mandate


def same_bank(first: str, second: str) -> bool:
    """Whether two IBANs are at the same bank, as far as the IBAN tells: in the Netherlands the four letters
    after the check digits are the bank; elsewhere only an identical account counts (SMNDA then)."""
    if first == second:
        return True
    return first[:2] == second[:2] == "NL" and first[4:8] == second[4:8]


def mask_iban(iban: str) -> str:
    """Only the last four characters shown, in groups of four: **** **** **** **67 89."""
    iban = (iban or "").replace(" ", "")
    masked = "*" * max(len(iban) - 4, 0) + iban[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


# --------------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------------


def direct_debit_plan(*, fund: Fund, start: datetime.date, end: datetime.date) -> list[dict]:
    """What a batch for instalments due in [start, end] collects: per contract with a mandate that is not
    revoked, each such instalment of the current schedule not yet paid (payments settle the oldest first) and
    not already in a batch that was not returned. A one-off mandate collects one instalment, once.

    Sequence and amendment follow the mandate's collections so far: a recurring mandate starts with FRST and
    continues with RCUR; when its IBAN changed since the last collection, the first row carries the original
    account (the old IBAN at the same bank; SMNDA at another bank, and then FRST again). A fixed number of
    queries plus one per contract with a mandate."""
    if end < start:
        raise ValidationError({"period_end": [_(MSG_PERIOD)]})
    mandates = list(
        DirectDebitMandate.objects.filter(
            contract__fund=fund, contract__status=ContractStatus.ACTIVE, revoked_on__isnull=True
        ).select_related("contract__enterprise__organisation")
    )
    collecting = set(
        DirectDebitItem.objects.filter(
            contract__fund=fund, returned_on__isnull=True, due_date__gte=start, due_date__lte=end
        ).values_list("contract_id", "due_date")
    )
    history: dict[
        int, list[tuple[str, bool]]
    ] = {}  # mandate: [(IBAN collected from, returned)], oldest first
    for mandate_pk, debtor_iban, returned_on in (
        DirectDebitItem.objects.filter(contract__fund=fund)
        .order_by("batch__created_at", "id")
        .values_list("mandate_id", "debtor_iban", "returned_on")
    ):
        history.setdefault(mandate_pk, []).append((debtor_iban, returned_on is not None))
    plan = []
    for mandate in mandates:
        contract = mandate.contract
        version = contract.schedule_versions.order_by("-number").first()
        if version is None:
            continue
        past = history.get(mandate.pk, [])
        if mandate.kind == MandateKind.ONE_OFF and past:
            continue  # a one-off mandate is used once (returned or not)
        paid = Repayment.objects.filter(
            Q(returned_on__isnull=True), contract=contract, value_date__gte=version.start_date
        ).aggregate(total=Sum("scheduled_paid"))["total"] or Decimal("0.00")
        lines = version.lines.filter(
            due_date__gte=start, due_date__lte=end, cumulative_payment__gt=paid
        ).order_by("number")
        original = ""
        if past and past[-1][0] != mandate.iban:
            original = past[-1][0] if same_bank(past[-1][0], mandate.iban) else SMNDA
        # RCUR once a collection at this bank went through; FRST at the start and after a move to another bank
        collected_here = any(not returned and same_bank(iban, mandate.iban) for iban, returned in past) and (
            original != SMNDA
        )
        for line in lines:
            if (contract.pk, line.due_date) in collecting:
                continue
            amount = min(line.payment, line.cumulative_payment - paid)
            sequence = {True: "RCUR", False: "FRST"}[collected_here]
            if mandate.kind == MandateKind.ONE_OFF:
                sequence = "OOFF"
            plan.append(
                {
                    "contract": contract,
                    "mandate": mandate,
                    "due_date": line.due_date,
                    "number": line.number,
                    "amount": amount,
                    "sequence": sequence,
                    "original_debtor_account": original,
                }
            )
            original, collected_here = "", True  # the amendment travels once; the next rows recur
            if mandate.kind == MandateKind.ONE_OFF:
                break
    return plan


def plan_by_contract(plan: list[dict]) -> list[dict]:
    """The plan per borrower: what one pre-notification letter announces."""
    grouped: dict[int, dict] = {}
    for row in plan:
        entry = grouped.setdefault(
            row["contract"].pk,
            {"contract": row["contract"], "mandate": row["mandate"], "amount": Decimal("0.00"), "rows": []},
        )
        entry["amount"] += row["amount"]
        entry["rows"].append(row)
    return list(grouped.values())


def prenotification_days() -> int:
    """The term between pre-notification and collection (calendar days; at least one: told before)."""
    return max(int(getattr(settings, "DIRECT_DEBIT_PRENOTIFICATION_DAYS", 14)), 1)


def _matching_notice(entry: dict, collection_date: datetime.date) -> DirectDebitPrenotification | None:
    return (
        DirectDebitPrenotification.objects.filter(
            contract=entry["contract"],
            mandate=entry["mandate"],
            collection_date=collection_date,
            amount=entry["amount"],
            iban=entry["mandate"].iban,
        )
        .order_by("notified_on", "id")
        .first()
    )


def prenotification_status(*, plan: list[dict], collection_date: datetime.date) -> list[dict]:
    """Per borrower in the plan: its pre-notification (if any) and whether it was made in time."""
    days = prenotification_days()
    result = []
    for entry in plan_by_contract(plan):
        notice = _matching_notice(entry, collection_date)
        entry["notice"] = notice
        entry["in_time"] = notice is not None and notice.notified_on + datetime.timedelta(days=days) <= (
            collection_date
        )
        result.append(entry)
    return result


def plan_digest(plan: list[dict]) -> str:
    """What the confirmation page showed, so a changed plan is refused rather than collected."""
    return "|".join(f"{row['contract'].pk}:{row['due_date'].isoformat()}:{row['amount']}" for row in plan)


def collecting_account(fund: Fund) -> FundBankAccount:
    account = (
        FundBankAccount.objects.filter(fund=fund)
        .exclude(creditor_id="")
        .order_by("-is_default", "iban")
        .first()
    )
    if account is None:
        raise ApplicationError(_(MSG_NO_CREDITOR), code="no_creditor_id")
    return account


@transaction.atomic
def direct_debit_batch_create(
    *,
    actor: User | None,
    fund: Fund,
    start: datetime.date,
    end: datetime.date,
    collection_date: datetime.date,
    digest: str | None = None,
) -> DirectDebitBatch:
    """Record a batch of the plan for [start, end], to be collected on `collection_date`, and store its
    pain.008 file. `digest` (from the confirmation page) must match the plan as it is now."""
    Fund.objects.select_for_update().filter(pk=fund.pk).first()  # one batch at a time per fund
    if collection_date < timezone.localdate():
        raise ValidationError(
            {"collection_date": [_(MSG_COLLECTION_PAST) % {"date": format_date(collection_date)}]}
        )
    account = collecting_account(fund)
    plan = direct_debit_plan(fund=fund, start=start, end=end)
    if not plan:
        raise ApplicationError(_(MSG_EMPTY) % {"start": format_date(start), "end": format_date(end)})
    if digest is not None and digest != plan_digest(plan):
        raise ApplicationError(_(MSG_CHANGED), code="changed")
    _check_prenotified(plan=plan, collection_date=collection_date)
    number = DirectDebitBatch.objects.filter(fund=fund).count() + 1
    batch = DirectDebitBatch.objects.create(
        fund=fund,
        account=account,
        period_start=start,
        period_end=end,
        collection_date=collection_date,
        message_id=f"INC-{fund.pk}-{collection_date:%Y%m%d}-{number}"[:35],
        total=sum((row["amount"] for row in plan), Decimal("0.00")),
        count=len(plan),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    for row in plan:
        earlier = DirectDebitItem.objects.filter(contract=row["contract"], due_date=row["due_date"]).count()
        end_to_end = f"{row['contract'].reference}-{row['due_date']:%Y%m%d}" + (
            f"-{earlier}" if earlier else ""
        )
        DirectDebitItem.objects.create(
            batch=batch,
            contract=row["contract"],
            mandate=row["mandate"],
            due_date=row["due_date"],
            amount=row["amount"],
            sequence=row["sequence"],
            debtor_iban=row["mandate"].iban,
            debtor_name=row["mandate"].holder,
            original_debtor_account=row["original_debtor_account"],
            end_to_end_id=end_to_end[:35],
        )
    document = document_store(
        kind=FILE_KIND,
        subject=batch,
        content=pain008(batch=batch),
        filename=f"incasso-{batch.message_id}.xml",
        actor=actor,
        media_type="application/xml",
    )
    audit_record(
        actor=actor,
        obj=fund,
        action="direct_debit_batch_created",
        data={
            "batch": batch.pk,
            "message_id": batch.message_id,
            "count": batch.count,
            "total": batch.total,
            "collection_date": collection_date,
            "document": document.pk,
        },
    )
    return batch


def _check_prenotified(*, plan: list[dict], collection_date: datetime.date) -> None:
    """Every borrower in the batch was told the amount and date at least the term before: refused per
    contract otherwise (the first one named; the message says what to do)."""
    days = prenotification_days()
    earliest = format_date(timezone.localdate() + datetime.timedelta(days=days))
    for entry in prenotification_status(plan=plan, collection_date=collection_date):
        values = {
            "reference": entry["contract"].reference,
            "amount": format_eur(entry["amount"]),
            "collection": format_date(collection_date),
            "iban": mask_iban(entry["mandate"].iban),
            "days": days,
            "earliest": earliest,
        }
        if entry["notice"] is None:
            raise ApplicationError(_(MSG_NOTICE_MISSING) % values, code="not_prenotified")
        if not entry["in_time"]:
            values["notified"] = format_date(entry["notice"].notified_on)
            raise ApplicationError(_(MSG_NOTICE_SHORT) % values, code="prenotified_too_late")


@transaction.atomic
def direct_debit_prenotify(
    *,
    actor: User | None,
    fund: Fund,
    start: datetime.date,
    end: datetime.date,
    collection_date: datetime.date,
    digest: str | None = None,
) -> list[DirectDebitPrenotification]:
    """Per borrower in the plan for [start, end], a pre-notification letter of the amount to be collected on
    `collection_date` (stored once; a borrower already told the same is not told again). Refused, naming
    the contract, when the collection date is less than the term from today."""
    Fund.objects.select_for_update().filter(pk=fund.pk).first()
    account = collecting_account(fund)
    plan = direct_debit_plan(fund=fund, start=start, end=end)
    if not plan:
        raise ApplicationError(_(MSG_EMPTY) % {"start": format_date(start), "end": format_date(end)})
    if digest is not None and digest != plan_digest(plan):
        raise ApplicationError(_(MSG_CHANGED), code="changed")
    today, days = timezone.localdate(), prenotification_days()
    earliest = today + datetime.timedelta(days=days)
    notices = []
    for entry in prenotification_status(plan=plan, collection_date=collection_date):
        if collection_date < earliest:
            raise ValidationError(
                {
                    "collection_date": [
                        _(MSG_NOTICE_TOO_LATE)
                        % {
                            "reference": entry["contract"].reference,
                            "collection": format_date(collection_date),
                            "days": days,
                            "earliest": format_date(earliest),
                        }
                    ]
                }
            )
        if entry["notice"] is not None:
            continue
        notice = DirectDebitPrenotification.objects.create(
            contract=entry["contract"],
            mandate=entry["mandate"],
            collection_date=collection_date,
            amount=entry["amount"],
            iban=entry["mandate"].iban,
            due_dates=[row["due_date"].isoformat() for row in entry["rows"]],
            notified_on=today,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        document = document_store(
            kind=NOTICE_KIND,
            subject=notice,
            content=prenotification_pdf(notice=notice, rows=entry["rows"], creditor_id=account.creditor_id),
            filename=f"vooraankondiging-{notice.contract.reference}-{collection_date.isoformat()}.pdf",
            actor=actor,
            media_type="application/pdf",
        )
        audit_record(
            actor=actor,
            obj=notice.contract,
            action="direct_debit_prenotified",
            data={
                "mandate_id": notice.mandate.mandate_id,
                "amount": notice.amount,
                "collection_date": collection_date,
                "document": document.pk,
            },
        )
        notices.append(notice)
    return notices


def prenotification_pdf(*, notice: DirectDebitPrenotification, rows: list[dict], creditor_id: str) -> bytes:
    """The letter (Dutch): what is collected, when, under which mandate, from which (masked) account."""
    from reportlab.lib.units import mm

    from core import pdf

    contract = notice.contract
    organisation = contract.enterprise.organisation
    fund = contract.fund
    story = [
        pdf.p(f"Aan: {notice.mandate.holder} ({organisation.name})"),
        pdf.p(f"Datum: {pdf.date(notice.notified_on)}"),
        pdf.spacer(),
        pdf.p(
            f"Op {pdf.date(notice.collection_date)} schrijft {fund.name} met een SEPA-incasso "
            f"{pdf.eur(notice.amount)} af van uw rekening, voor de termijnen van lening {contract.reference} "
            "hieronder. U hoeft daarvoor niets te doen; zorg dat er op die dag voldoende saldo is."
        ),
        pdf.heading("Termijnen"),
        pdf.table(
            [["Termijn", "Vervaldatum", "Bedrag"]]
            + [[str(row["number"]), pdf.date(row["due_date"]), pdf.eur(row["amount"])] for row in rows],
            money_columns=(2,),
        ),
        pdf.heading("Incasso"),
        pdf.table(
            [
                ["Bedrag", pdf.eur(notice.amount)],
                ["Incassodatum", pdf.date(notice.collection_date)],
                ["Machtigingskenmerk", notice.mandate.mandate_id],
                ["Incassant-ID", creditor_id],
                ["Van rekening", mask_iban(notice.iban)],
                ["Kenmerk lening", contract.reference],
            ],
            header=False,
            money_columns=(1,),
            widths=[55 * mm, 110 * mm],
        ),
        pdf.spacer(),
        pdf.p(
            "Bent u het niet eens met deze afschrijving, neem dan vóór de incassodatum contact met ons op. "
            "U kunt een incasso tot acht weken na de afschrijving via uw bank laten terugboeken."
        ),
    ]
    return pdf.build(
        title=f"Vooraankondiging incasso lening {contract.reference}",
        subtitle=f"{organisation.name} — {fund.name}",
        story=story,
        generated_at=timezone.make_aware(datetime.datetime.combine(notice.notified_on, datetime.time.min)),
    )


def can_view_prenotification(user, notice) -> bool:
    return isinstance(notice, DirectDebitPrenotification) and user.has_perm(
        "portfolio.change_contract", notice.contract
    )


def _add_amendments(xml: bytes, amendments: dict[str, str]) -> bytes:
    """sepaxml (2.7) writes no amendment details: after each DtOfSgntr add AmdmntInd (false, or true with
    AmdmntInfDtls/OrgnlDbtrAcct: the old IBAN at the same bank, or Othr/Id SMNDA), by EndToEndId. The file
    is edited as text (the transaction blocks are sepaxml's, one DtOfSgntr each) and validated again."""

    def amend(match: re.Match) -> bytes:
        block = match.group(0)
        end_to_end = re.search(rb"<EndToEndId>([^<]*)</EndToEndId>", block).group(1).decode()
        original = amendments.get(end_to_end, "")
        if not original:
            extra = "<AmdmntInd>false</AmdmntInd>"
        else:
            account = f"<Othr><Id>{SMNDA}</Id></Othr>" if original == SMNDA else f"<IBAN>{original}</IBAN>"
            extra = (
                "<AmdmntInd>true</AmdmntInd>"
                f"<AmdmntInfDtls><OrgnlDbtrAcct><Id>{account}</Id></OrgnlDbtrAcct></AmdmntInfDtls>"
            )
        return block.replace(b"</DtOfSgntr>", b"</DtOfSgntr>" + extra.encode(), 1)

    return re.sub(rb"<DrctDbtTxInf>.*?</DrctDbtTxInf>", amend, xml, flags=re.DOTALL)


def pain008(*, batch: DirectDebitBatch, version: int = 1) -> bytes:
    """The batch as a SEPA direct-debit initiation (pain.008.001.08), validated by sepaxml against its XSD.

    sepaxml makes random message and payment-information ids and stamps its own clock: they are replaced by
    the batch's (a bank refuses a message id it has seen, so a new version gets its own)."""
    from sepaxml import SepaDD

    fund, account = batch.fund, batch.account
    sepa = SepaDD(
        {
            "name": fund.name[:70],
            "IBAN": account.iban,
            "batch": True,
            "creditor_id": account.creditor_id,
            "currency": "EUR",
        },
        schema=SCHEMA,
        clean=True,
    )
    items = list(batch.items.select_related("mandate", "contract").order_by("sequence", "end_to_end_id"))
    for item in items:
        sepa.add_payment(
            {
                "name": item.debtor_name,  # as collected: a later amendment does not rewrite this file
                "IBAN": item.debtor_iban,
                "amount": int(item.amount * 100),  # whole cents: the amount has two places
                "type": item.sequence,
                "collection_date": batch.collection_date,
                "mandate_id": item.mandate.mandate_id,
                "mandate_date": item.mandate.signed_on,
                "description": f"Termijn {format_date(item.due_date)} lening {item.contract.reference}",
                "endtoend_id": item.end_to_end_id,
            }
        )
    xml = sepa.export(validate=True)
    xml = _add_amendments(xml, {item.end_to_end_id: item.original_debtor_account for item in items})
    _validate_pain008(xml)
    suffix = f"-V{version}" if version > 1 else ""
    xml = re.sub(
        rb"<MsgId>[^<]*</MsgId>", f"<MsgId>{batch.message_id}{suffix}</MsgId>".encode(), xml, count=1
    )
    created = timezone.localtime(batch.created_at).replace(tzinfo=None, microsecond=0).isoformat()
    xml = re.sub(rb"<CreDtTm>[^<]*</CreDtTm>", f"<CreDtTm>{created}</CreDtTm>".encode(), xml, count=1)
    counter = iter(range(1, 100))
    return re.sub(
        rb"<PmtInfId>[^<]*</PmtInfId>",
        lambda _match: f"<PmtInfId>{batch.message_id}-{next(counter)}{suffix}</PmtInfId>".encode(),
        xml,
    )


@transaction.atomic
def _validate_pain008(xml: bytes) -> None:
    """Validate again after adding the amendment details, against the XSD sepaxml ships."""
    from sepaxml.validation import try_valid_xml

    try_valid_xml(xml, SCHEMA)


@transaction.atomic
def direct_debit_file_regenerate(*, actor: User | None, batch: DirectDebitBatch, reason: str):
    """A new version of the batch's file (with its own message id), for a reason ("bank weigerde bestand")."""
    previous = document_latest(kind=FILE_KIND, subject=batch)
    version = (previous.version + 1) if previous else 1
    document = document_store(
        kind=FILE_KIND,
        subject=batch,
        content=pain008(batch=batch, version=version),
        filename=f"incasso-{batch.message_id}" + (f"-v{version}" if version > 1 else "") + ".xml",
        actor=actor,
        reason=reason,
        media_type="application/xml",
    )
    audit_record(
        actor=actor,
        obj=batch.fund,
        action="direct_debit_file_regenerated",
        reason=reason.strip(),
        data={"batch": batch.pk, "version": document.version},
    )
    return document


def can_view_direct_debit_file(user, batch) -> bool:
    return isinstance(batch, DirectDebitBatch) and user.has_perm("portfolio.add_contract", batch.fund)


# --------------------------------------------------------------------------------------------------
# Collected and returned
# --------------------------------------------------------------------------------------------------


def return_reason_label(code: str) -> str:
    label = RETURN_REASONS.get(code)
    return f"{code} ({_(label)})" if label else code


@transaction.atomic
def direct_debit_return(
    *, actor: User | None, item: DirectDebitItem, returned_on: datetime.date, reason: str
) -> DirectDebitItem:
    """A collected debit came back: reverse its payment with a reversing entry (dated the return) and
    reopen the instalment (the payment stops counting for arrears from `returned_on`)."""
    item = (
        DirectDebitItem.objects.select_for_update(of=("self",))
        .select_related("repayment__entry", "contract")
        .get(pk=item.pk)
    )
    if item.returned_on is not None:
        raise ApplicationError(
            _(MSG_ALREADY_RETURNED) % {"id": item.end_to_end_id, "date": format_date(item.returned_on)}
        )
    if item.repayment is None:
        raise ApplicationError(_(MSG_NOT_COLLECTED) % {"id": item.end_to_end_id})
    label = return_reason_label(reason)
    reversal = entry_reverse(
        entry=item.repayment.entry,
        actor=actor,
        reason=_("incasso %(id)s gestorneerd: %(reason)s") % {"id": item.end_to_end_id, "reason": label},
        value_date=returned_on,
    )
    Repayment.objects.filter(pk=item.repayment_id).update(returned_on=returned_on)
    item.returned_on, item.return_reason, item.reversal = returned_on, reason or "RVSL", reversal
    item.save(update_fields=["returned_on", "return_reason", "reversal"])
    audit_record(
        actor=actor,
        obj=item.contract,
        action="direct_debit_returned",
        from_state="collected",
        to_state="returned",
        reason=label,
        data={
            "end_to_end_id": item.end_to_end_id,
            "amount": item.amount,
            "returned_on": returned_on,
            "reversal": reversal.pk,
        },
    )
    return item


def batch_summary(*, batch: DirectDebitBatch) -> dict:
    items = list(
        batch.items.select_related("contract", "mandate").order_by("contract__reference", "due_date")
    )
    return {
        "batch": batch,
        "items": items,
        "collected": sum((i.amount for i in items if i.repayment_id and not i.returned_on), Decimal("0.00")),
        "returned": sum((i.amount for i in items if i.returned_on), Decimal("0.00")),
        "total_text": format_eur(batch.total),
    }
