"""Import a bank statement into a fund's books: whole or not at all, and never twice.

A credit line is matched to an active contract by its payment reference (the contract's `reference`
appearing in the line's reference or description) or else by the payer's IBAN, when that IBAN belongs to an
enterprise with exactly one active contract in the fund. A matched line books a repayment; everything else
(debits, unknown payers) waits in the unmatched queue for a fund manager. The same file (SHA-256) or the same
line (its key) imported again books nothing — the database's unique constraints decide when two imports race.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.bankstatements import Statement, StatementError, StatementLine, parse_camt053, parse_csv
from core.errors import ApplicationError
from core.formats import format_datetime
from fund.audit import audit_record
from fund.models import Fund, User
from fund.validators import normalise_iban, validate_iban

from . import services
from .accounts import AccountCode
from .ledger import Line, entry_post
from .models import (
    BankImportJob,
    BankImportStatus,
    BankLine,
    BankLineStatus,
    BankStatement,
    Contract,
    ContractStatus,
    FundBankAccount,
)

MSG_DUPLICATE_FILE = gettext_noop("Dit bestand is al geïmporteerd op %(date)s; er is niets opnieuw geboekt.")
MSG_NOT_UNMATCHED = gettext_noop("Deze bankregel is al verwerkt.")
MSG_NOT_CREDIT = gettext_noop("Alleen ontvangen bedragen kunnen als betaling op een contract worden geboekt.")
MSG_OTHER_FUND = gettext_noop("Dit contract hoort niet bij het fonds van deze bankregel.")
MSG_NO_ACCOUNTS = gettext_noop(
    "Fonds %(fund)s heeft nog geen bankrekening. Voeg de rekening toe onder 'Bankrekeningen van het fonds' "
    "en lees het afschrift daarna opnieuw in; er is niets geboekt."
)
MSG_FOREIGN_ACCOUNT = gettext_noop(
    "Dit afschrift is van rekening %(iban)s; die rekening hoort niet bij fonds %(fund)s "
    "(rekeningen van het fonds: %(accounts)s). Er is niets geboekt."
)
MSG_ACCOUNT_TAKEN = gettext_noop("Rekening %(iban)s is al vastgelegd bij fonds %(fund)s.")
MSG_ACCOUNT_USED = gettext_noop(
    "Rekening %(iban)s heeft ingelezen afschriften en kan niet worden verwijderd."
)

TOKEN = re.compile(r"[A-Z0-9][A-Z0-9-]{2,34}")


class BankImportError(ApplicationError):
    pass


@dataclass
class ImportResult:
    statement: BankStatement
    booked: list[BankLine] = field(default_factory=list)
    unmatched: list[BankLine] = field(default_factory=list)
    skipped: int = 0  # lines already imported with another file
    returned: list[BankLine] = field(default_factory=list)  # direct debits that came back


def parse_statement(*, data: bytes, filename: str) -> Statement:
    """CAMT.053 (XML) or CSV, by content; raises BankImportError listing every problem."""
    try:
        if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return parse_camt053(data)
        return parse_csv(data)
    except StatementError as exc:
        raise BankImportError(problems_message(exc.problems), code="invalid_statement") from exc


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def problems_message(problems: tuple[str, ...]) -> str:
    """One problem as a sentence; several as a heading line and one line per problem ("- …")."""
    if len(problems) == 1:
        return _sentence(problems[0])
    return "\n".join(
        [
            _("Het bestand kan niet worden ingelezen (%(count)d problemen); er is niets geboekt:")
            % {"count": len(problems)},
            *(f"- {_sentence(problem)}" for problem in problems),
        ]
    )


def format_iban(iban: str) -> str:
    """'NL44RABO0123456789' -> 'NL44 RABO 0123 4567 89' (groups of four, as on a bank card)."""
    compact = normalise_iban(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def account_check(*, fund: Fund, iban: str) -> FundBankAccount:
    """The fund's account with this IBAN, or a refusal naming the statement's account."""
    accounts = list(FundBankAccount.objects.filter(fund=fund))
    if not accounts:
        raise BankImportError(_(MSG_NO_ACCOUNTS) % {"fund": fund.code}, code="no_bank_account")
    compact = normalise_iban(iban)
    for account in accounts:
        if account.iban == compact:
            return account
    raise BankImportError(
        _(MSG_FOREIGN_ACCOUNT)
        % {
            "iban": format_iban(compact),
            "fund": fund.code,
            "accounts": ", ".join(format_iban(a.iban) for a in accounts),
        },
        code="foreign_account",
    )


@transaction.atomic
def fund_bank_account_add(
    *,
    fund: Fund,
    iban: str,
    name: str,
    is_default: bool = False,
    creditor_id: str = "",
    actor: User | None,
) -> FundBankAccount:
    """Record a bank account of the fund (IBAN validated; one IBAN belongs to one fund)."""
    from django.core.exceptions import ValidationError

    try:
        validate_iban(iban)
    except ValidationError as exc:
        raise BankImportError(" ".join(exc.messages), field="iban") from exc
    compact = normalise_iban(iban)
    if not compact:
        raise BankImportError(_("Vul het IBAN in."), field="iban")
    if not (name or "").strip():
        raise BankImportError(_("Geef de rekening een naam."), field="name")
    from .directdebit import MSG_CREDITOR_ID, creditor_id_valid

    creditor_id = (creditor_id or "").replace(" ", "").upper()
    if creditor_id and not creditor_id_valid(creditor_id):
        raise BankImportError(_(MSG_CREDITOR_ID) % {"value": creditor_id}, field="creditor_id")
    taken = FundBankAccount.objects.filter(iban=compact).select_related("fund").first()
    if taken is not None:
        raise BankImportError(
            _(MSG_ACCOUNT_TAKEN) % {"iban": format_iban(compact), "fund": taken.fund.code}, field="iban"
        )
    Fund.objects.select_for_update().filter(pk=fund.pk).first()
    first = not FundBankAccount.objects.filter(fund=fund).exists()
    if is_default or first:
        FundBankAccount.objects.filter(fund=fund, is_default=True).update(is_default=False)
    account = FundBankAccount.objects.create(
        fund=fund,
        iban=compact,
        name=name.strip()[:100],
        is_default=is_default or first,
        creditor_id=creditor_id,
    )
    audit_record(
        actor=actor,
        obj=fund,
        action="fund_bank_account_added",
        to_state=compact,
        data={"name": account.name, "default": account.is_default, "creditor_id": creditor_id},
    )
    return account


@transaction.atomic
def fund_bank_account_remove(*, account: FundBankAccount, actor: User | None) -> None:
    """Remove an account that has no imported statements (its history stays with the statements)."""
    if BankStatement.objects.filter(fund=account.fund, account_iban=account.iban).exists():
        raise BankImportError(_(MSG_ACCOUNT_USED) % {"iban": format_iban(account.iban)})
    audit_record(actor=actor, obj=account.fund, action="fund_bank_account_removed", from_state=account.iban)
    fund, was_default = account.fund, account.is_default
    account.delete()
    if was_default:
        successor = FundBankAccount.objects.filter(fund=fund).order_by("iban").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])


class _Matcher:
    """Finds the contract for a credit line with two dictionary look-ups per line."""

    def __init__(self, fund: Fund):
        active = list(
            Contract.objects.filter(fund=fund, status=ContractStatus.ACTIVE).select_related(
                "enterprise__organisation"
            )
        )
        self.by_reference = {c.reference.upper(): c for c in active}
        by_iban: dict[str, list[Contract]] = {}
        for contract in active:
            iban = contract.enterprise.organisation.iban
            if iban:
                by_iban.setdefault(iban.upper(), []).append(contract)
        self.by_iban = {iban: contracts[0] for iban, contracts in by_iban.items() if len(contracts) == 1}

    def match(self, line: StatementLine) -> Contract | None:
        if line.direction != "credit":
            return None
        for text in (line.reference, line.remittance):
            for token in TOKEN.findall((text or "").upper()):
                if token in self.by_reference:
                    return self.by_reference[token]
        return self.by_iban.get((line.counterparty_iban or "").upper())


BATCH = 500  # lines booked together (with fifty progress reports a file, a batch is often smaller)


def statement_import(
    *,
    fund: Fund,
    data: bytes,
    filename: str,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a whole statement in one transaction; `progress(done, total)` is told as lines are handled."""
    statement = parse_statement(data=data, filename=filename)
    account_check(fund=fund, iban=statement.account_iban)
    previous = BankStatement.objects.filter(fund=fund, sha256=statement.sha256).first()
    if previous is not None:
        raise BankImportError(
            _(MSG_DUPLICATE_FILE) % {"date": format_datetime(previous.imported_at)},
            code="duplicate_file",
        )
    try:
        with transaction.atomic():
            return _import(fund=fund, statement=statement, filename=filename, actor=actor, progress=progress)
    except IntegrityError as exc:  # the same file or line imported at the same moment by someone else
        previous = BankStatement.objects.filter(fund=fund, sha256=statement.sha256).first()
        date = format_datetime(previous.imported_at) if previous else "—"
        raise BankImportError(_(MSG_DUPLICATE_FILE) % {"date": date}, code="duplicate_file") from exc


def _import(
    *,
    fund: Fund,
    statement: Statement,
    filename: str,
    actor: User | None,
    progress: Callable[[int, int], None] | None,
) -> ImportResult:
    record = BankStatement.objects.create(
        fund=fund,
        sha256=statement.sha256,
        statement_id=statement.statement_id[:100],
        account_iban=statement.account_iban,
        filename=filename[:255],
        imported_by=actor if actor is not None and actor.is_authenticated else None,
    )
    result = ImportResult(statement=record)
    known = set(
        BankLine.objects.filter(
            fund=fund, line_key__in=[line.line_key for line in statement.lines]
        ).values_list("line_key", flat=True)
    )
    matcher = _Matcher(fund)
    from .models import DirectDebitItem

    debits = {  # direct debits sent and not returned, by the EndToEndId the bank reports back
        item.end_to_end_id: item
        for item in DirectDebitItem.objects.filter(
            contract__fund=fund,
            returned_on__isnull=True,
            end_to_end_id__in=[line.end_to_end_id for line in statement.lines if line.end_to_end_id],
        ).select_related("contract")
    }
    total = len(statement.lines)
    step = max(1, total // 50)  # about fifty progress reports, whatever the file's size
    pending: list[tuple[BankLine, Contract | None, object]] = []  # (line, contract to pay, direct debit)

    def flush() -> None:
        """Book the pending lines together (`repayments_receive_many`: the same entries as one by one)."""
        if not pending:
            return
        to_pay = [
            (bank_line, contract, debit) for bank_line, contract, debit in pending if contract is not None
        ]
        repayments = services.repayments_receive_many(
            actor=actor,
            fund=fund,
            payments=[
                services.Payment(
                    contract=contract,
                    amount=bank_line.amount,
                    value_date=bank_line.value_date,
                    idempotency_key=f"bank:{bank_line.line_key}",
                    source_document=f"{record.filename} / {bank_line.line_key}"[:255],
                )
                for bank_line, contract, _debit in to_pay
            ],
        )
        for (bank_line, contract, debit), repayment in zip(to_pay, repayments, strict=True):
            bank_line.contract, bank_line.repayment, bank_line.status = (
                contract,
                repayment,
                BankLineStatus.BOOKED,
            )
            if debit is not None:
                debit.repayment = repayment
        BankLine.objects.bulk_create([bank_line for bank_line, _c, _d in pending], batch_size=2000)
        DirectDebitItem.objects.bulk_update([d for _b, _c, d in to_pay if d is not None], ["repayment"])
        for bank_line, contract, _debit in pending:
            (result.booked if contract is not None else result.unmatched).append(bank_line)
        pending.clear()

    for number, line in enumerate(statement.lines, start=1):
        if line.line_key in known:
            result.skipped += 1
        else:
            debit = debits.get(line.end_to_end_id) if line.end_to_end_id else None
            if debit is not None and line.direction == "credit":
                contract = debit.contract  # the collection of an instalment we sent
            elif debit is not None and line.return_reason:
                contract = None  # a returned debit: reversed below
            else:
                debit = None
                contract = matcher.match(line)
            bank_line = BankLine(
                fund=fund,
                statement=record,
                line_key=line.line_key,
                booking_date=line.booking_date,
                value_date=line.value_date,
                amount=line.amount,
                direction=line.direction,
                counterparty_name=line.counterparty_name[:140],
                counterparty_iban=line.counterparty_iban,
                remittance=line.remittance[:500],
                reference=line.reference[:500],
                status=BankLineStatus.UNMATCHED,
            )
            if debit is not None and line.direction == "debit":
                flush()  # the payment a return reverses may be on this statement, before it
                bank_line.save()
                _return(bank_line=bank_line, item=debit, reason=line.return_reason, actor=actor)
                result.returned.append(bank_line)
            else:
                pending.append((bank_line, contract, debit))
        if number % BATCH == 0:
            flush()
        if progress is not None and (number % step == 0 or number == total):
            flush()  # what is reported as done is booked (in this transaction)
            progress(number, total)
    flush()
    audit_record(
        actor=actor,
        obj=record,
        action="bank_statement_imported",
        data={
            "lines": len(statement.lines),
            "booked": len(result.booked),
            "unmatched": len(result.unmatched),
            "returned": len(result.returned),
            "skipped": result.skipped,
            "sha256": statement.sha256,
        },
    )
    return result


def _book(*, bank_line: BankLine, contract: Contract, actor: User | None) -> None:
    repayment = services.repayment_receive(
        actor=actor,
        contract=contract,
        amount=bank_line.amount,
        value_date=bank_line.value_date,
        idempotency_key=f"bank:{bank_line.line_key}",
        source_document=f"{bank_line.statement.filename} / {bank_line.line_key}"[:255],
    )
    bank_line.contract, bank_line.repayment, bank_line.status = contract, repayment, BankLineStatus.BOOKED
    bank_line.save(update_fields=["contract", "repayment", "status"])


def _return(*, bank_line: BankLine, item, reason: str, actor: User | None) -> None:
    """A returned direct debit: the payment it made is reversed and the line points at the reversal."""
    from .directdebit import direct_debit_return

    item = direct_debit_return(actor=actor, item=item, returned_on=bank_line.value_date, reason=reason)
    bank_line.contract, bank_line.entry, bank_line.status = (
        item.contract,
        item.reversal,
        BankLineStatus.BOOKED,
    )
    bank_line.note = _("Incasso %(id)s gestorneerd (%(reason)s)") % {
        "id": item.end_to_end_id,
        "reason": item.return_reason,
    }
    bank_line.save(update_fields=["contract", "entry", "status", "note"])


OPEN_STATUSES = (BankLineStatus.UNMATCHED, BankLineStatus.PARKED)

# Accounts a bank line that is not a loan payment may be booked to (never the bank itself, the loans or
# what the services keep per contract).
LEDGER_TARGETS: tuple[AccountCode, ...] = (
    AccountCode.BANK_COSTS,
    AccountCode.BANK_INTEREST_INCOME,
    AccountCode.PAID_IN_CAPITAL,
    AccountCode.DISTRIBUTIONS_PAYABLE,
    AccountCode.OUTCOME_PAYMENTS_PAYABLE,
    AccountCode.OUTCOME_PAYMENTS_RECEIVABLE,
    AccountCode.FEE_INCOME,
    AccountCode.RECOVERIES,
)
MSG_NOT_A_TARGET = gettext_noop("Rekening %(code)s kan niet vanuit een bankregel worden geboekt.")
MSG_PARK_REASON = gettext_noop("Geef een reden om de regel te parkeren.")


def _open_line(bank_line: BankLine) -> BankLine:
    bank_line = BankLine.objects.select_for_update().select_related("statement", "fund").get(pk=bank_line.pk)
    if bank_line.status not in OPEN_STATUSES:
        raise BankImportError(_(MSG_NOT_UNMATCHED))
    return bank_line


@transaction.atomic
def bank_line_book_to_account(
    *, bank_line: BankLine, account_code: str, description: str, actor: User | None
) -> BankLine:
    """Book a line that is no loan payment (bank costs, interest on the account, a capital contribution)
    against a chosen ledger account: money in credits that account, money out debits it."""
    bank_line = _open_line(bank_line)
    if account_code not in LEDGER_TARGETS:
        raise BankImportError(_(MSG_NOT_A_TARGET) % {"code": account_code}, field="account")
    text = (description or "").strip() or bank_line.remittance or bank_line.counterparty_name
    amount = bank_line.amount
    if bank_line.direction == "credit":
        lines = [Line(AccountCode.BANK, debit=amount), Line(account_code, credit=amount)]
    else:
        lines = [Line(account_code, debit=amount), Line(AccountCode.BANK, credit=amount)]
    entry = entry_post(
        fund=bank_line.fund,
        value_date=bank_line.value_date,
        description=text,
        lines=lines,
        actor=actor,
        source_document=f"{bank_line.statement.filename} / {bank_line.line_key}"[:255],
        idempotency_key=f"bank:{bank_line.line_key}",
    )
    from_state = bank_line.status
    bank_line.entry, bank_line.status, bank_line.note = entry, BankLineStatus.LEDGER, text[:255]
    bank_line.save(update_fields=["entry", "status", "note"])
    audit_record(
        actor=actor,
        obj=bank_line.statement,
        action="bank_line_booked_to_account",
        from_state=from_state,
        to_state=BankLineStatus.LEDGER,
        data={"line": bank_line.line_key, "account": account_code, "amount": amount},
    )
    return bank_line


@transaction.atomic
def bank_line_park(*, bank_line: BankLine, reason: str, actor: User | None) -> BankLine:
    """Set a line aside with a reason (it stays open: it can still be booked later)."""
    bank_line = _open_line(bank_line)
    if not (reason or "").strip():
        raise BankImportError(_(MSG_PARK_REASON), field="reason")
    from_state = bank_line.status
    bank_line.status, bank_line.note = BankLineStatus.PARKED, reason.strip()[:255]
    bank_line.save(update_fields=["status", "note"])
    audit_record(
        actor=actor,
        obj=bank_line.statement,
        action="bank_line_parked",
        from_state=from_state,
        to_state=BankLineStatus.PARKED,
        reason=bank_line.note,
        data={"line": bank_line.line_key},
    )
    return bank_line


@transaction.atomic
def bank_line_assign(*, bank_line: BankLine, contract: Contract, actor: User | None) -> BankLine:
    """A fund manager books an unmatched (or parked) credit line as a payment on a contract."""
    bank_line = _open_line(bank_line)
    from_state = bank_line.status
    if bank_line.direction != "credit":
        raise BankImportError(_(MSG_NOT_CREDIT))
    if contract.fund_id != bank_line.fund_id:
        raise BankImportError(_(MSG_OTHER_FUND))
    _book(bank_line=bank_line, contract=contract, actor=actor)
    audit_record(
        actor=actor,
        obj=bank_line.statement,
        action="bank_line_assigned",
        from_state=from_state,
        to_state=BankLineStatus.BOOKED,
        data={"line": bank_line.line_key, "contract": contract.reference},
    )
    return bank_line


# --------------------------------------------------------------------------------------------------
# In the background: an upload becomes a job, a Celery task imports it and reports its progress
# --------------------------------------------------------------------------------------------------

MSG_JOB_NOT_QUEUED = gettext_noop("Deze import is al gestart of klaar (%(status)s).")


def progress_key(job_id: int) -> str:
    return f"portfolio:bank-import:{job_id}:progress"


def job_progress(job: BankImportJob) -> dict:
    """{done, total, percent}, from the shared cache while running (the import's transaction hides rows)."""
    if job.status == BankImportStatus.DONE:
        lines = job.result.get("lines", 0)
        return {"done": lines, "total": lines, "percent": 100}
    done, total = cache.get(progress_key(job.pk), (0, 0))
    return {"done": done, "total": total, "percent": int(done * 100 / total) if total else 0}


@transaction.atomic
def bank_import_start(*, fund: Fund, upload, actor: User | None) -> BankImportJob:
    """Store the upload as a queued job; the import runs in a Celery task once this transaction commits."""
    from .tasks import import_bank_statement

    job = BankImportJob(fund=fund, filename=upload.name[:255], created_by=actor)
    job.file.save(upload.name, upload, save=False)
    job.save()
    audit_record(actor=actor, obj=job, action="bank_import_queued", to_state=BankImportStatus.QUEUED)
    transaction.on_commit(lambda: import_bank_statement.delay(job.pk))
    return job


def bank_import_run(*, job_id: int) -> BankImportJob:
    """Run a queued job: running → done (statement booked) or failed (nothing booked, the reason kept).

    Safe to deliver twice (Celery acknowledges late, so a worker that dies mid-import has its task handed
    out again): a job found *running* is one whose worker died — its import transaction rolled back, so it
    is run again; the import and the job's end are one transaction that holds the job's row lock, so a second
    delivery waits for the first and then finds the job done. A finished job is refused."""
    with transaction.atomic():
        job = (
            BankImportJob.objects.select_for_update(of=("self",))
            .select_related("fund", "created_by")
            .get(pk=job_id)
        )
        if job.status not in (BankImportStatus.QUEUED, BankImportStatus.RUNNING):
            raise BankImportError(_(MSG_JOB_NOT_QUEUED) % {"status": job.get_status_display()})
        resumed = job.status == BankImportStatus.RUNNING
        if not resumed:
            job.status, job.started_at = BankImportStatus.RUNNING, timezone.now()
            job.save(update_fields=["status", "started_at"])
        audit_record(
            actor=job.created_by,
            obj=job,
            action="bank_import_resumed" if resumed else "bank_import_started",
            from_state=BankImportStatus.RUNNING if resumed else BankImportStatus.QUEUED,
            to_state=BankImportStatus.RUNNING,
        )
    with job.file.open("rb") as handle:
        data = handle.read()
    try:
        with transaction.atomic():
            locked = BankImportJob.objects.select_for_update().get(pk=job.pk)  # a second delivery waits here
            if locked.status != BankImportStatus.RUNNING:
                return locked  # the other delivery finished it meanwhile
            result = statement_import(
                fund=job.fund,
                data=data,
                filename=job.filename,
                actor=job.created_by,
                progress=lambda done, total: cache.set(progress_key(job.pk), (done, total), 3600),
            )
            return _job_finish(
                job=job,
                status=BankImportStatus.DONE,
                statement=result.statement,
                result={
                    "lines": len(result.booked)
                    + len(result.unmatched)
                    + len(result.returned)
                    + result.skipped,
                    "booked": len(result.booked),
                    "unmatched": len(result.unmatched),
                    "skipped": result.skipped,
                    # which contract each booked line paid (the first 100; the statement page has them all)
                    "paid": [
                        [line.contract.reference, str(line.amount), line.value_date.isoformat()]
                        for line in result.booked[:100]
                    ],
                }
                | (  # returned direct debits (reversed payments), only when there are any
                    {
                        "returned": [
                            [line.contract.reference, str(line.amount), line.value_date.isoformat()]
                            for line in result.returned[:100]
                        ]
                    }
                    if result.returned
                    else {}
                ),
            )
    except ApplicationError as exc:
        return _job_finish(job=job, status=BankImportStatus.FAILED, error=str(exc))
    except Exception:  # an unexpected failure still ends the job, so the page stops waiting
        _job_finish(job=job, status=BankImportStatus.FAILED, error=_("Onverwachte fout; niets is geboekt."))
        raise


@transaction.atomic
def _job_finish(
    *,
    job: BankImportJob,
    status: str,
    error: str = "",
    statement: BankStatement | None = None,
    result: dict | None = None,
) -> BankImportJob:
    job = BankImportJob.objects.select_for_update().get(pk=job.pk)
    job.status, job.error, job.statement = status, error, statement
    job.result, job.finished_at = result or {}, timezone.now()
    job.save(update_fields=["status", "error", "statement", "result", "finished_at"])
    audit_record(
        actor=job.created_by,
        obj=job,
        action="bank_import_finished",
        from_state=BankImportStatus.RUNNING,
        to_state=status,
        reason=error,
        data=result or {},
    )
    cache.delete(progress_key(job.pk))
    return job
