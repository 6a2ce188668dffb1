"""Bank statements: matched payments are booked, the rest queued; a file imports whole or not at all, once."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from djmoney.money import Money

from portfolio import bankimport, services
from portfolio.models import BankLine, BankStatement, JournalEntry, Repayment
from portfolio.selectors import contract_account_balance
from tests.factories import make_enterprise, make_fund

pytestmark = pytest.mark.django_db
D = Decimal
OUR_IBAN = "NL02ABNA0123456789"
PAYER_IBAN = "NL39RABO0300065264"
HEADER = "Datum;Bedrag;Tegenrekening;Naam;Omschrijving;Referentie;Rekening"


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.fixture
def contract(db):
    fund = make_fund()
    bankimport.fund_bank_account_add(fund=fund, iban=OUR_IBAN, name="Betaalrekening", actor=None)
    enterprise = make_enterprise(fund=fund, iban=PAYER_IBAN)
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=enterprise,
        reference="ZK-2026-007",
        instrument="loan",
        principal=Money("100000.00", "EUR"),
        annual_rate=D("0.06"),
        term_months=36,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("100000.00"), value_date=datetime.date(2026, 1, 15)
    )
    return contract


def test_payment_with_the_contract_reference_is_booked(contract):
    data = csv(f"15-02-2026;3.042,19;;Fietsfabriek;Termijn februari zk-2026-007;;{OUR_IBAN}")
    result = bankimport.statement_import(fund=contract.fund, data=data, filename="feb.csv", actor=None)
    assert len(result.booked) == 1 and not result.unmatched
    line = result.booked[0]
    assert line.contract == contract
    assert line.repayment.allocation == {"current_interest": "500.00", "current_principal": "2542.19"}
    assert contract_account_balance(contract=contract, account_code="1100") == D("97457.81")


def test_payment_without_reference_is_matched_by_the_payers_iban(contract):
    data = csv(f"15-02-2026;3.042,19;{PAYER_IBAN};Fietsfabriek;februari;;{OUR_IBAN}")
    result = bankimport.statement_import(fund=contract.fund, data=data, filename="feb.csv", actor=None)
    assert [line.contract for line in result.booked] == [contract]


def test_unknown_lines_and_debits_wait_in_the_queue_and_can_be_assigned(contract):
    data = csv(
        f"15-02-2026;3.042,19;NL91ABNA0417164300;Onbekend;betaling;;{OUR_IBAN}",
        f"16-02-2026;-12,50;;Bank;kosten;;{OUR_IBAN}",
    )
    result = bankimport.statement_import(fund=contract.fund, data=data, filename="feb.csv", actor=None)
    assert not result.booked
    assert len(result.unmatched) == 2
    credit = next(line for line in result.unmatched if line.direction == "credit")
    debit = next(line for line in result.unmatched if line.direction == "debit")
    with pytest.raises(bankimport.BankImportError):
        bankimport.bank_line_assign(bank_line=debit, contract=contract, actor=None)
    bankimport.bank_line_assign(bank_line=credit, contract=contract, actor=None)
    credit.refresh_from_db()
    assert credit.status == "booked"
    with pytest.raises(bankimport.BankImportError) as exc:
        bankimport.bank_line_assign(bank_line=credit, contract=contract, actor=None)
    assert "al verwerkt" in str(exc.value)
    assert Repayment.objects.count() == 1


def test_the_same_file_twice_books_nothing_the_second_time(contract):
    data = csv(f"15-02-2026;3.042,19;;X;ZK-2026-007;;{OUR_IBAN}")
    bankimport.statement_import(fund=contract.fund, data=data, filename="feb.csv", actor=None)
    entries = JournalEntry.objects.count()
    with pytest.raises(bankimport.BankImportError) as exc:
        bankimport.statement_import(fund=contract.fund, data=data, filename="feb-kopie.csv", actor=None)
    assert "al geïmporteerd" in str(exc.value)
    assert JournalEntry.objects.count() == entries
    assert Repayment.objects.count() == 1


def test_the_same_line_in_another_file_is_skipped(contract):
    line = f"15-02-2026;3.042,19;;X;ZK-2026-007;REF-1;{OUR_IBAN}"
    bankimport.statement_import(fund=contract.fund, data=csv(line), filename="a.csv", actor=None)
    bigger = csv(line, f"15-03-2026;3.042,19;;X;ZK-2026-007;REF-2;{OUR_IBAN}")
    result = bankimport.statement_import(fund=contract.fund, data=bigger, filename="b.csv", actor=None)
    assert result.skipped == 1
    assert len(result.booked) == 1
    assert Repayment.objects.count() == 2


def test_a_malformed_file_is_refused_whole_with_every_problem_listed(contract):
    data = csv(
        f"15-02-2026;3.042,19;;X;ZK-2026-007;;{OUR_IBAN}",
        f"31-02-2026;twaalf;;X;ZK-2026-007;;{OUR_IBAN}",
    )
    with pytest.raises(bankimport.BankImportError) as exc:
        bankimport.statement_import(fund=contract.fund, data=data, filename="fout.csv", actor=None)
    message = str(exc.value)
    assert "Rij 3" in message
    assert "twaalf" in message
    assert BankStatement.objects.count() == 0
    assert BankLine.objects.count() == 0
    assert Repayment.objects.count() == 0


def test_a_booking_failure_rolls_back_the_whole_file(contract):
    """One line that cannot be booked (dated in a closed period) leaves nothing of the file behind."""
    from portfolio.ledger import LedgerError, period_close

    period_close(fund=contract.fund, through=datetime.date(2026, 2, 28), actor=None)
    data = csv(
        f"15-03-2026;3.042,19;;X;ZK-2026-007;A;{OUR_IBAN}",
        f"15-02-2026;3.042,19;;X;ZK-2026-007;B;{OUR_IBAN}",
    )
    with pytest.raises(LedgerError, match="afgesloten"):
        bankimport.statement_import(fund=contract.fund, data=data, filename="x.csv", actor=None)
    assert BankStatement.objects.count() == 0
    assert Repayment.objects.count() == 0


def test_a_camt053_file_imports(contract):
    from pathlib import Path

    data = (Path(__file__).parent / "data" / "camt053_001_02_ing.xml").read_bytes()
    bankimport.fund_bank_account_add(fund=contract.fund, iban="NL20INGB0001234567", name="ING", actor=None)
    result = bankimport.statement_import(fund=contract.fund, data=data, filename="ing.xml", actor=None)
    assert len(result.booked) + len(result.unmatched) > 0
    assert BankStatement.objects.get().account_iban


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_the_same_file_imported_twice_at_once_books_once(contract):
    data = csv(f"15-02-2026;3.042,19;;X;ZK-2026-007;;{OUR_IBAN}")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            bankimport.statement_import(fund=contract.fund, data=data, filename="feb.csv", actor=None)
            outcomes.append("imported")
        except bankimport.BankImportError:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["imported", "refused"]
    assert Repayment.objects.count() == 1
    assert BankStatement.objects.count() == 1


def test_upload_page_books_and_queues_and_fund_manager_assigns(
    client, contract, django_capture_on_commit_callbacks
):
    """The upload becomes a background job (Celery, in-process here); its page shows how it ended."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from fund.models import Role
    from portfolio.models import BankImportJob
    from tests.factories import make_member

    manager = make_member(Role.FUND_MANAGER, fund=contract.fund)
    client.force_login(manager)
    data = csv(
        f"15-02-2026;3.042,19;;X;ZK-2026-007;A;{OUR_IBAN}",
        f"16-02-2026;100,00;NL91ABNA0417164300;Onbekend;gift;B;{OUR_IBAN}",
    )
    url = reverse("bank_statements", args=[contract.fund.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("feb.csv", data)})
    job = BankImportJob.objects.get()
    assert response["Location"] == reverse("bank_import_job", args=[job.pk])
    assert (job.status, job.result) == (
        "done",
        {
            "lines": 2,
            "booked": 1,
            "unmatched": 1,
            "skipped": 0,
            "paid": [["ZK-2026-007", "3042.19", "2026-02-15"]],
        },
    )
    body = client.get(response["Location"]).content.decode()
    assert "1 regel geboekt" in body and "1 regel niet herkend" in body
    assert "hx-trigger" not in body  # finished: the page stops polling
    assert "Onbekend" in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, {"file": SimpleUploadedFile("feb.csv", data)})
    assert "al geïmporteerd" in client.get(again["Location"]).content.decode()
    assert BankImportJob.objects.filter(status="failed").count() == 1
    line = BankLine.objects.get(status="unmatched")
    client.post(reverse("bank_line_assign", args=[line.pk]), {"contract": contract.pk})
    line.refresh_from_db()
    assert line.status == "booked"

    other_manager = make_member(Role.FUND_MANAGER, fund=make_fund())
    client.force_login(other_manager)
    assert client.get(url).status_code == 404
    assert client.get(reverse("bank_import_job", args=[job.pk])).status_code == 404
    assert (
        client.post(reverse("bank_line_assign", args=[line.pk]), {"contract": contract.pk}).status_code == 404
    )


def test_import_job_reports_progress_while_running_and_refuses_to_run_twice(contract):
    """Progress goes through the cache (the import's own transaction hides its rows from other readers)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portfolio.bankimport import BankImportError, bank_import_run, job_progress
    from portfolio.models import BankImportJob

    lines = [
        f"{day:02d}-03-2026;10,00;NL91ABNA0417164300;Onbekend {day};gift {day};R{day};{OUR_IBAN}"
        for day in range(1, 29)
    ]
    seen: list[tuple[int, int]] = []
    job = BankImportJob(fund=contract.fund, filename="maart.csv")
    job.file.save("maart.csv", SimpleUploadedFile("maart.csv", csv(*lines)), save=False)
    job.save()
    assert job_progress(job) == {"done": 0, "total": 0, "percent": 0}

    from django.core.cache import cache

    original_set = cache.set

    def spy(key, value, *args, **kwargs):
        if key.endswith(":progress"):
            seen.append(value)
        return original_set(key, value, *args, **kwargs)

    cache.set = spy
    try:
        job = bank_import_run(job_id=job.pk)
    finally:
        cache.set = original_set
    assert job.status == "done"
    assert seen[-1] == (28, 28)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert job_progress(job)["percent"] == 100
    with pytest.raises(BankImportError, match="al gestart of klaar"):
        bank_import_run(job_id=job.pk)


def test_a_malformed_file_fails_the_job_with_the_reason_and_books_nothing(contract):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portfolio.bankimport import bank_import_run
    from portfolio.models import BankImportJob

    job = BankImportJob(fund=contract.fund, filename="kapot.xml")
    job.file.save("kapot.xml", SimpleUploadedFile("kapot.xml", b"<Document><BkToCstmrStmt>"), save=False)
    job.save()
    job = bank_import_run(job_id=job.pk)
    assert job.status == "failed"
    assert job.error
    assert job.statement is None
    assert not BankLine.objects.exists()
    assert not Repayment.objects.exists()


def test_a_job_whose_worker_died_runs_again_and_a_second_delivery_books_nothing(contract):
    """Celery acknowledges late: a worker killed mid-import leaves the job 'running' (its import transaction
    rolled back) and the task is delivered again; delivered once more after the end, it changes nothing."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portfolio.models import BankImportJob
    from portfolio.tasks import import_bank_statement

    job = BankImportJob(fund=contract.fund, filename="feb.csv", status="running")
    data = csv(f"15-02-2026;3.042,19;;Fietsfabriek;Termijn februari zk-2026-007;;{OUR_IBAN}")
    job.file.save("feb.csv", SimpleUploadedFile("feb.csv", data), save=False)
    job.save()
    assert import_bank_statement(job.pk) == "done"
    assert import_bank_statement(job.pk) == "done"
    assert Repayment.objects.filter(contract=contract).count() == 1
    assert BankStatement.objects.filter(fund=contract.fund).count() == 1
