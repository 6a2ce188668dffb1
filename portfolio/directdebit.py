"""SEPA direct debit: mandates, a pain.008 batch of the instalments due in a period, and returned debits.

- ``mandate_register`` records a borrower's mandate on a contract (IBAN validated, mandate id, signature
  date).
- ``direct_debit_plan`` (read only) lists what a batch would collect: per contract with a mandate, each
  instalment of the current schedule due in the period and not yet paid or collected; the confirmation page
  shows its total and count.
- ``direct_debit_batch_create`` records the batch and its items and stores the pain.008.001.08 file (built
  with sepaxml, which validates it against the XSD it ships) as a document (kind "direct_debit_file"): made
  once, the same bytes on every download; ``direct_debit_file_regenerate`` makes a new version, with a reason.
- The bank statement import links a collected amount to its item by the EndToEndId and books it as a payment;
  a returned or reversed debit (a debit line with a reason code such as AM04 or MD06) goes to
  ``direct_debit_return``: the payment is reversed with a reversing entry and stops counting for arrears
  from the return date, so the instalment is overdue again.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

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
    FundBankAccount,
    Repayment,
)

FILE_KIND = "direct_debit_file"
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


@transaction.atomic
def mandate_register(
    *,
    actor: User | None,
    contract: Contract,
    iban: str,
    holder: str,
    mandate_id: str,
    signed_on: datetime.date,
) -> DirectDebitMandate:
    """Record the borrower's mandate for this contract (one per contract; a mandate id is used once)."""
    errors: dict[str, list[str]] = {}
    iban = (iban or "").replace(" ", "").upper()
    try:
        validate_iban(iban)
    except ValidationError as exc:
        errors["iban"] = list(exc.messages)
    holder, mandate_id = (holder or "").strip(), (mandate_id or "").strip()
    if not holder:
        errors["holder"] = [_(MSG_MANDATE_HOLDER)]
    if not mandate_id or len(mandate_id) > 35:
        errors["mandate_id"] = [_(MSG_MANDATE_ID)]
    if signed_on is None or signed_on > timezone.localdate():
        errors["signed_on"] = [_(MSG_MANDATE_DATE)]
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
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        obj=contract,
        action="mandate_registered",
        data={"mandate_id": mandate_id, "iban": iban, "signed_on": signed_on},
    )
    return mandate


# --------------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------------


def direct_debit_plan(*, fund: Fund, start: datetime.date, end: datetime.date) -> list[dict]:
    """What a batch for instalments due in [start, end] collects: per contract with a mandate, each such
    instalment of the current schedule not yet paid (payments settle the oldest first) and not already in
    a batch that was not returned. A fixed number of queries plus one per contract with a mandate."""
    if end < start:
        raise ValidationError({"period_end": [_(MSG_PERIOD)]})
    mandates = list(
        DirectDebitMandate.objects.filter(
            contract__fund=fund, contract__status=ContractStatus.ACTIVE
        ).select_related("contract__enterprise__organisation")
    )
    collecting = set(
        DirectDebitItem.objects.filter(
            contract__fund=fund, returned_on__isnull=True, due_date__gte=start, due_date__lte=end
        ).values_list("contract_id", "due_date")
    )
    used = set(
        DirectDebitItem.objects.filter(contract__fund=fund, returned_on__isnull=True).values_list(
            "mandate_id", flat=True
        )
    )
    plan = []
    for mandate in mandates:
        contract = mandate.contract
        version = contract.schedule_versions.order_by("-number").first()
        if version is None:
            continue
        paid = Repayment.objects.filter(
            Q(returned_on__isnull=True), contract=contract, value_date__gte=version.start_date
        ).aggregate(total=Sum("scheduled_paid"))["total"] or Decimal("0.00")
        lines = version.lines.filter(
            due_date__gte=start, due_date__lte=end, cumulative_payment__gt=paid
        ).order_by("number")
        for line in lines:
            if (contract.pk, line.due_date) in collecting:
                continue
            amount = min(line.payment, line.cumulative_payment - paid)
            plan.append(
                {
                    "contract": contract,
                    "mandate": mandate,
                    "due_date": line.due_date,
                    "number": line.number,
                    "amount": amount,
                    "sequence": "RCUR" if mandate.pk in used else "FRST",
                }
            )
            used.add(mandate.pk)
    return plan


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
    for item in batch.items.select_related("mandate", "contract").order_by("sequence", "end_to_end_id"):
        sepa.add_payment(
            {
                "name": item.mandate.holder,
                "IBAN": item.mandate.iban,
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
