"""Issue 13, reconciliation to the bank and recovery: the municipality's CAMT.053 statement is matched to the
outcome payments by end-to-end id (all or nothing; differences listed; matched shown on the proposal), and a
payment found wrong after payment is corrected by a recovery (credit note) with its own four eyes."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core import documents
from core.errors import ApplicationError, PermissionDeniedError
from fund.models import AuditEvent
from resultaatfinanciering import selectors, services
from resultaatfinanciering.models import BankReconciliation, Claim, ReconciliationLine, Recovery
from tests.resultaatfinanciering.camt import debit, statement, statement_for_sepa
from tests.resultaatfinanciering.test_sepa_versions import _approved

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2026, 11, 23)


def _paid(side):
    proposal = _approved(side)
    services.payment_confirm(actor=side.officials[1], proposal=proposal, paid_on=TODAY)
    proposal.refresh_from_db()
    return proposal


def _sepa(proposal) -> bytes:
    return bytes(services.payment_document(proposal=proposal, kind=services.KIND_SEPA).content)


def _import(side, data: bytes, name: str = "afschrift.xml"):
    return services.reconciliation_import(
        actor=side.officials[0], payer=side.contract.payer, data=data, filename=name
    )


def test_the_statement_matching_the_sepa_file_matches_the_payment_shown_on_the_proposal(client, outcomes):
    a, _ = outcomes
    proposal = _paid(a)
    result = _import(a, statement_for_sepa(_sepa(proposal), booked=TODAY))
    assert (result.matched, result.differences) == (1, 0)
    line = result.reconciliation.lines.get()
    assert line.status == "matched" and line.payment == proposal.payment and line.amount == proposal.total
    assert selectors.bank_match_of(proposal.payment) == line
    assert AuditEvent.objects.filter(action="payment_matched_to_bank", object_id=str(proposal.pk)).exists()
    client.force_login(a.officials[2])
    page = client.get(reverse("resultaatfinanciering:proposal_detail", args=[proposal.pk])).content.decode()
    assert "gevonden op het bankafschrift" in page and "geboekt op 23-11-2026" in page
    listing = client.get(reverse("resultaatfinanciering:bank_reconciliations", args=[a.contract.payer_id]))
    assert "Geen: elke betaling is teruggevonden." in listing.content.decode()
    # the audit file's last column names the statement the payment was found on
    from openpyxl import load_workbook

    audit = client.get(reverse("resultaatfinanciering:audit_file", args=[a.contract.pk]))
    sheet = load_workbook(io.BytesIO(audit.content))["Claims"]
    assert sheet.cell(row=1, column=sheet.max_column).value == "bankafstemming"
    matches = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert matches == ["komt overeen: afschrift AFSCHRIFT-2026-11, geboekt op 23-11-2026"] * 2


def test_differences_are_listed_amount_unknown_id_and_not_found(client, outcomes):
    a, _ = outcomes
    proposal = _paid(a)
    e2e = proposal.payment.end_to_end_id
    data = statement(
        [debit("1.00", e2e=e2e, booked=TODAY), debit("250.00", e2e="ONBEKEND-42", booked=TODAY)],
        iban=a.contract.payer.iban,
    )
    result = _import(a, data)
    assert (result.matched, result.differences) == (0, 2)
    statuses = dict(result.reconciliation.lines.values_list("end_to_end_id", "status"))
    assert statuses == {e2e: "amount_differs", "ONBEKEND-42": "unknown"}
    assert list(selectors.payments_not_on_statements(payer=a.contract.payer, until=TODAY)) == [
        proposal.payment
    ]
    client.force_login(a.officials[0])
    page = client.get(
        reverse("resultaatfinanciering:bank_reconciliation", args=[result.reconciliation.pk])
    ).content.decode()
    assert "Bedrag wijkt af" in page and "Onbekend betalingskenmerk" in page and "€ 1,00" in page
    assert e2e in page.split("Niet gevonden")[1]  # the payment is listed as not found
    other = client.get(reverse("resultaatfinanciering:proposal_detail", args=[proposal.pk])).content.decode()
    assert "nog niet op een bankafschrift gevonden" in other


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"referentie;bedrag\nX;1\n", "geen XML"),
        (b"", "leeg"),
        (b"<Document><kapot>", "niet ingelezen"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message_and_nothing_is_written(outcomes, data, message):
    a, _ = outcomes
    _paid(a)
    with pytest.raises(ValidationError, match=message) as exc:
        _import(a, data)
    assert "Het afschrift is niet ingelezen" in exc.value.message_dict["file"][0]
    assert not BankReconciliation.objects.exists() and not ReconciliationLine.objects.exists()


def test_another_account_a_file_read_twice_and_a_statement_without_payments_are_refused(outcomes):
    a, _b = outcomes
    proposal = _paid(a)
    sepa_statement = statement_for_sepa(_sepa(proposal), booked=TODAY)
    with pytest.raises(ValidationError, match="niet van de rekening van"):
        _import(a, sepa_statement.replace(a.contract.payer.iban.encode(), b"NL69INGB0123456789"))
    with pytest.raises(ValidationError, match="geen uitgaande betalingen"):
        _import(a, statement([], iban=a.contract.payer.iban))
    assert not BankReconciliation.objects.exists()
    _import(a, sepa_statement)
    with pytest.raises(ValidationError, match="al ingelezen"):
        _import(a, sepa_statement)
    assert BankReconciliation.objects.count() == 1


def test_only_officials_of_the_municipality_import_and_see_its_statements(client, outcomes):
    a, b = outcomes
    proposal = _paid(a)
    data = statement_for_sepa(_sepa(proposal), booked=TODAY)
    with pytest.raises(PermissionDeniedError):
        services.reconciliation_import(
            actor=b.officials[0], payer=a.contract.payer, data=data, filename="x.xml"
        )
    with pytest.raises(PermissionDeniedError):
        services.reconciliation_import(actor=a.investee, payer=a.contract.payer, data=data, filename="x.xml")
    reconciliation = _import(a, data).reconciliation
    for user in (b.officials[0], a.investee):
        client.force_login(user)
        assert (
            client.get(
                reverse("resultaatfinanciering:bank_reconciliation", args=[reconciliation.pk])
            ).status_code
            == 404
        )
        url = reverse("resultaatfinanciering:bank_reconciliations", args=[a.contract.payer_id])
        assert client.get(url).status_code == 404


def test_the_import_page_uploads_and_shows_the_outcome(client, outcomes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    a, _ = outcomes
    proposal = _paid(a)
    client.force_login(a.officials[0])
    url = reverse("resultaatfinanciering:bank_reconciliations", args=[a.contract.payer_id])
    bad = client.post(url, {"file": SimpleUploadedFile("afschrift.xml", b"geen xml")})
    assert bad.status_code == 200 and "Het afschrift is niet ingelezen" in bad.content.decode()
    data = statement_for_sepa(_sepa(proposal), booked=TODAY)
    response = client.post(url, {"file": SimpleUploadedFile("afschrift.xml", data)}, follow=True)
    assert "1 betaling(en) komen overeen, 0 verschil(len)" in response.content.decode()


# --- recovery ---------------------------------------------------------------------------------------


def test_a_recovery_needs_two_officials_and_stores_a_credit_note(client, outcomes):
    a, _ = outcomes
    proposal = _paid(a)
    claim = proposal.claims.order_by("pk").first()
    price = claim.price
    report_before = selectors.savings_report(contracts=type(a.contract).objects.filter(pk=a.contract.pk))
    recovery = services.recovery_prepare(
        actor=a.officials[0], claim=claim, amount=D("500.00"), reason="Dienstverband bleek fictief"
    )
    with pytest.raises(PermissionDeniedError, match="niet goedkeuren"):
        services.recovery_approve(actor=a.officials[0], recovery=recovery)
    with pytest.raises(PermissionDeniedError):
        services.recovery_approve(actor=a.investee, recovery=recovery)
    recovery.refresh_from_db()
    assert recovery.state == "pending" and not documents.document_latest(
        kind=services.KIND_CREDIT_NOTE, subject=recovery
    )
    services.recovery_approve(actor=a.officials[1], recovery=recovery)
    recovery.refresh_from_db()
    assert recovery.state == "approved" and recovery.approved_by == a.officials[1]
    with pytest.raises(ApplicationError, match="al goedgekeurd"):
        services.recovery_approve(actor=a.officials[2], recovery=recovery)
    # never an edit: the claim and the payment stay as they were
    claim.refresh_from_db()
    assert claim.price == price and claim.state == "paid" and proposal.payment.amount == proposal.total
    # the paid totals go down by the recovery
    report = selectors.savings_report(contracts=type(a.contract).objects.filter(pk=a.contract.pk))
    assert report.paid == report_before.paid - D("500.00") and report.recovered == D("500.00")
    year = next(r for r in selectors.budget_by_year(contract_ids=[a.contract.pk]) if r.year == 2026)
    assert year.recovered == D("500.00") and year.paid == proposal.total - D("500.00")
    # the stored credit note, for the enterprise too; the same bytes on every download
    client.force_login(a.investee)
    url = reverse("resultaatfinanciering:credit_note", args=[recovery.pk])
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200 and first.content == second.content and first.content.startswith(b"%PDF")
    page = client.get(reverse("resultaatfinanciering:recovery_detail", args=[recovery.pk])).content.decode()
    assert "€ 500,00" in page and "Na correctie" in page and "goedkeuren" not in page


def test_recovery_refusals(outcomes):
    a, b = outcomes
    proposal = _paid(a)
    claim = proposal.claims.order_by("pk").first()
    with pytest.raises(ValidationError, match="hoger dan wat van deze claim"):
        services.recovery_prepare(
            actor=a.officials[0], claim=claim, amount=claim.price + D("0.01"), reason="x"
        )
    with pytest.raises(ValidationError, match="groter dan nul"):
        services.recovery_prepare(actor=a.officials[0], claim=claim, amount=D("0"), reason="x")
    with pytest.raises(ValidationError, match="reden"):
        services.recovery_prepare(actor=a.officials[0], claim=claim, amount=D("1"), reason=" ")
    with pytest.raises(PermissionDeniedError):
        services.recovery_prepare(actor=b.officials[0], claim=claim, amount=D("1"), reason="x")
    services.recovery_prepare(actor=a.officials[0], claim=claim, amount=claim.price - D("1.00"), reason="x")
    with pytest.raises(ValidationError, match=r"nog niet is teruggevorderd \(€ 1,00\)"):
        services.recovery_prepare(actor=a.officials[0], claim=claim, amount=D("1.01"), reason="x")
    unpaid = services.claim_submit(
        actor=a.investee,
        contract=a.contract,
        participant=a.participants[2],
        milestone=a.start,
        achieved_on=datetime.date(2026, 10, 1),
        today=TODAY,
    )
    with pytest.raises(ApplicationError, match="Alleen een betaalde claim"):
        services.recovery_prepare(actor=a.officials[0], claim=unpaid, amount=D("1"), reason="x")


def test_the_database_refuses_a_recovery_approved_by_its_preparer(outcomes):
    a, _ = outcomes
    claim = Claim.objects.get(pk=_paid(a).claims.order_by("pk").values_list("pk", flat=True).first())
    with pytest.raises(IntegrityError), transaction.atomic():
        Recovery.objects.create(
            contract=a.contract,
            claim=claim,
            amount=D("1.00"),
            reason="x",
            prepared_by=a.officials[0],
            approved_by=a.officials[0],
            approved_at=timezone.now(),
            state="approved",
        )


def test_recovery_pages_prepare_and_approve(client, outcomes):
    a, _ = outcomes
    claim = _paid(a).claims.order_by("pk").first()
    client.force_login(a.officials[0])
    claim_page = client.get(reverse("resultaatfinanciering:claim_detail", args=[claim.pk])).content.decode()
    assert "Terugvordering opstellen" in claim_page
    url = reverse("resultaatfinanciering:recovery_prepare", args=[claim.pk])
    bad = client.post(url, {"amount": "99.999,00", "reason": "Te veel betaald"})
    assert "hoger dan wat van deze claim" in bad.content.decode()
    response = client.post(url, {"amount": "100,00", "reason": "Te veel betaald"}, follow=True)
    recovery = Recovery.objects.get()
    assert recovery.amount == D("100.00")
    assert "een tweede ambtenaar moet haar goedkeuren" in response.content.decode()
    assert "Terugvordering van € 100,00 goedkeuren" not in response.content.decode()  # not the preparer
    approve = reverse("resultaatfinanciering:recovery_approve", args=[recovery.pk])
    client.post(approve)
    recovery.refresh_from_db()
    assert recovery.state == "pending"
    client.force_login(a.officials[1])
    page = client.get(reverse("resultaatfinanciering:recovery_detail", args=[recovery.pk])).content.decode()
    assert "Terugvordering van € 100,00 goedkeuren" in page
    client.post(approve)
    recovery.refresh_from_db()
    assert recovery.state == "approved"
