"""Issue 14: the defects a fund manager found in the back office, each proven by a test."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from fund.models import Role
from portfolio import bankimport, services
from portfolio.models import BankLine, BankStatement, FundBankAccount, JournalEntry
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal
FUND_IBAN = "NL91ABNA0417164300"
FOREIGN_IBAN = "NL44RABO0123456789"
HEADER = "Datum;Bedrag;Tegenrekening;Naam;Omschrijving;Referentie;Rekening"


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.fixture
def loan():
    fund = make_fund()
    bankimport.fund_bank_account_add(fund=fund, iban=FUND_IBAN, name="Betaalrekening", actor=None)
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="ZKIJ-2026-001",
        instrument="loan",
        principal=Money("60000.00", "EUR"),
        annual_rate=D("0.05"),
        term_months=24,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("60000.00"), value_date=datetime.date(2026, 1, 15)
    )
    return contract


# --- 1. a statement of an account that is not the fund's is refused ----------------------------------


def test_a_statement_of_another_account_is_refused_naming_the_account(loan):
    data = csv(f"15-02-2026;1,00;;X;{loan.reference};R1;{FOREIGN_IBAN}")
    entries = JournalEntry.objects.count()
    with pytest.raises(bankimport.BankImportError) as refused:
        bankimport.statement_import(fund=loan.fund, data=data, filename="rabo.csv", actor=None)
    message = str(refused.value)
    assert "NL44 RABO 0123 4567 89" in message
    assert "NL91 ABNA 0417 1643 00" in message  # the fund's own account, so the user sees what is expected
    assert loan.fund.code in message
    assert JournalEntry.objects.count() == entries
    assert not BankStatement.objects.exists() and not BankLine.objects.exists()


def test_a_fund_without_a_bank_account_books_no_statement(loan):
    other = make_fund()
    data = csv(f"15-02-2026;1,00;;X;{loan.reference};R1;{FUND_IBAN}")
    with pytest.raises(bankimport.BankImportError, match="heeft nog geen bankrekening"):
        bankimport.statement_import(fund=other, data=data, filename="x.csv", actor=None)


def test_the_sister_funds_statement_cannot_be_booked_into_this_fund(loan):
    """A manager of two funds uploads fund B's statement on fund A's page: refused."""
    sister = make_fund(manager=loan.fund.manager)
    bankimport.fund_bank_account_add(fund=sister, iban=FOREIGN_IBAN, name="Zuster", actor=None)
    data = csv(f"15-02-2026;1,00;;X;{loan.reference};R1;{FOREIGN_IBAN}")
    with pytest.raises(bankimport.BankImportError, match="hoort niet bij fonds"):
        bankimport.statement_import(fund=loan.fund, data=data, filename="zuster.csv", actor=None)
    result = bankimport.statement_import(fund=sister, data=data, filename="zuster.csv", actor=None)
    assert len(result.unmatched) == 1  # the sister fund has no such contract: it waits, it is not booked


def test_bank_accounts_are_validated_and_belong_to_one_fund(loan):
    with pytest.raises(bankimport.BankImportError) as bad:
        bankimport.fund_bank_account_add(fund=loan.fund, iban="NL91ABNA0417164301", name="X", actor=None)
    assert bad.value.field == "iban" and "controlegetal" in str(bad.value)
    with pytest.raises(bankimport.BankImportError, match="al vastgelegd bij fonds"):
        bankimport.fund_bank_account_add(
            fund=make_fund(), iban="nl91 abna 0417 1643 00", name="X", actor=None
        )
    second = bankimport.fund_bank_account_add(
        fund=loan.fund, iban="NL63 TRIO 0212 3456 78", name="Spaar", is_default=True, actor=None
    )
    assert second.iban == "NL63TRIO0212345678"
    assert list(FundBankAccount.objects.filter(fund=loan.fund, is_default=True)) == [second]


def test_fund_manager_adds_an_account_on_the_bank_page_and_cannot_remove_a_used_one(client, loan):
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("bank_statements", args=[loan.fund.pk])
    bad = client.post(url, {"add_account": "1", "account-iban": "NL12", "account-name": "Kapot"})
    assert bad.status_code == 200 and "geen geldig IBAN" in bad.content.decode()
    done = client.post(
        url, {"add_account": "1", "account-iban": "NL63TRIO0212345678", "account-name": "Spaarrekening"}
    )
    assert done.status_code == 302
    body = client.get(url).content.decode()
    assert "NL63 TRIO 0212 3456 78" in body and "Spaarrekening" in body
    bankimport.statement_import(
        fund=loan.fund, data=csv(f"15-02-2026;5,00;;X;rente;R9;{FUND_IBAN}"), filename="a.csv", actor=None
    )
    used = FundBankAccount.objects.get(iban=FUND_IBAN)
    refused = client.post(reverse("bank_account_remove", args=[used.pk]), follow=True)
    assert "kan niet worden verwijderd" in refused.content.decode()
    assert FundBankAccount.objects.filter(pk=used.pk).exists()


# --- 3. no contract preselected; book to a ledger account or park with a reason ---------------------


def _unmatched(loan):
    data = csv(
        f"15-02-2026;1.250,00;NL39RABO0300065264;Onbekend;factuur 2026-114;R1;{FUND_IBAN}",
        f"16-02-2026;-12,50;;Bank;kosten februari;R2;{FUND_IBAN}",
    )
    result = bankimport.statement_import(fund=loan.fund, data=data, filename="feb.csv", actor=None)
    credit = next(line for line in result.unmatched if line.direction == "credit")
    debit = next(line for line in result.unmatched if line.direction == "debit")
    return credit, debit


def test_an_unmatched_line_has_no_contract_preselected(client, loan):
    import re

    _unmatched(loan)
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    body = client.get(reverse("bank_statements", args=[loan.fund.pk])).content.decode()
    select = re.search(r'<select[^>]*name="contract".*?</select>', body, re.S).group(0)
    options = re.findall(r"<option([^>]*)>", select)
    assert 'value=""' in options[0]  # the first, selected option is "choose"
    assert all("selected" not in option for option in options[1:])
    assert loan.reference in select


def test_submitting_without_choosing_books_nothing(client, loan):
    credit, _debit = _unmatched(loan)
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    response = client.post(reverse("bank_line_assign", args=[credit.pk]), {"contract": ""}, follow=True)
    assert "Kies een lopend contract" in response.content.decode()
    credit.refresh_from_db()
    assert credit.status == "unmatched" and not loan.repayments.exists()


def test_bank_costs_are_booked_to_the_chosen_account(client, loan):
    from portfolio.selectors import account_balances

    _credit, debit = _unmatched(loan)
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("bank_line_book", args=[debit.pk])
    refused = client.post(url, {"account": "1100", "description": ""}, follow=True)
    assert "Grootboekrekening" in refused.content.decode()  # 1100 is not offered: the message names the field
    response = client.post(url, {"account": "5400", "description": "Bankkosten februari"}, follow=True)
    assert "€ -12,50 is geboekt op rekening 5400" in response.content.decode()
    debit.refresh_from_db()
    assert debit.status == "ledger" and debit.entry.description == "Bankkosten februari"
    postings = {(p.account.code, p.debit, p.credit) for p in debit.entry.postings.select_related("account")}
    assert postings == {("5400", D("12.50"), D("0.00")), ("1000", D("0.00"), D("12.50"))}
    assert account_balances(fund=loan.fund, as_of=datetime.date(2026, 2, 28))["5400"] == D("12.50")
    again = client.post(url, {"account": "5400"}, follow=True)
    assert "al verwerkt" in again.content.decode()


def test_a_line_is_parked_with_a_reason_and_can_still_be_booked(client, loan):
    credit, _debit = _unmatched(loan)
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("bank_line_park", args=[credit.pk])
    assert "Geef een reden" in client.post(url, {"reason": " "}, follow=True).content.decode()
    client.post(url, {"reason": "Navragen bij de betaler"})
    credit.refresh_from_db()
    assert credit.status == "parked" and credit.note == "Navragen bij de betaler"
    body = client.get(reverse("bank_statements", args=[loan.fund.pk])).content.decode()
    assert "Navragen bij de betaler" in body
    client.post(reverse("bank_line_book", args=[credit.pk]), {"account": "3000", "description": "Storting"})
    credit.refresh_from_db()
    assert credit.status == "ledger"


# --- 6. the trial balance shows each balance on its side ---------------------------------------------


def test_trial_balance_shows_credit_balances_on_the_credit_side(client, loan):
    import re
    from io import BytesIO

    from openpyxl import load_workbook

    from portfolio.ledger import Line, entry_post
    from portfolio.selectors import ledger_report

    entry_post(
        fund=loan.fund,
        value_date=datetime.date(2026, 1, 2),
        description="Storting",
        lines=[Line("1000", debit=D("100000.00")), Line("3000", credit=D("100000.00"))],
        actor=None,
    )
    report = ledger_report(fund=loan.fund, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31))
    rows = {r["account"].code: r for r in report["trial"]}
    assert (rows["3000"]["balance_debit"], rows["3000"]["balance_credit"]) == (D("0.00"), D("100000.00"))
    assert (rows["1000"]["balance_debit"], rows["1000"]["balance_credit"]) == (D("40000.00"), D("0.00"))
    assert report["total"]["balance_debit"] == report["total"]["balance_credit"]

    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("ledger_report", args=[loan.fund.pk])
    body = client.get(url, {"start": "2026-01-01", "end": "2026-03-31"}).content.decode()
    assert "Saldo credit" in body
    row = re.search(r"3000 Gestort kapitaal investeerders</a></th>(.*?)</tr>", body, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[2] == "" and cells[3] == "€ 100.000,00"  # empty debit balance, the credit balance
    export = client.get(url, {"start": "2026-01-01", "end": "2026-03-31", "format": "xlsx"})
    sheet = load_workbook(BytesIO(export.content))["Proefbalans"]
    assert [c.value for c in sheet[1]][-2:] == ["Saldo debet", "Saldo credit"]
    capital = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "3000")
    assert (capital[4], capital[5]) == (0, 100000)


# --- 7. "as of" shows the statuses of that date; a future date is a projection; bad periods are said -------


def test_as_of_a_date_before_the_disbursement_the_loan_is_not_yet_running(client, loan):
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("portfolio_overview", args=[loan.fund.pk])
    before = client.get(url, {"as_of": "2025-12-31"}).content.decode()
    row = before[before.index(loan.reference) :]
    row = row[: row.index("</tr>")]
    assert "Nog niet" in row and "Lopend" not in row
    after = client.get(url, {"as_of": "2026-02-28"}).content.decode()
    row = after[after.index(loan.reference) :]
    assert "Lopend" in row[: row.index("</tr>")]
    assert "Projectie" not in after


def test_a_future_date_is_shown_as_a_projection_and_a_bad_date_is_named(client, loan):
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("portfolio_overview", args=[loan.fund.pk])
    future = client.get(url, {"as_of": "2099-12-31"}).content.decode()
    assert "Projectie" in future
    bad = client.get(url, {"as_of": "31-12-2025"}, follow=True).content.decode()
    assert "Stand per: &#x27;31-12-2025&#x27; is geen datum" in bad


def test_a_ledger_period_that_starts_after_it_ends_gets_a_message(client, loan):
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("ledger_report", args=[loan.fund.pk])
    body = client.get(url, {"start": "2026-06-30", "end": "2026-03-31"}).content.decode()
    assert "Van (30-06-2026) ligt na Tot en met (31-03-2026)" in body
    assert "Winst en verlies 01-01-2026 – 31-03-2026" in body
    assert "Projectie" in client.get(url, {"end": "2099-12-31"}).content.decode()


# --- 2. period close is offered on the ledger page (per quarter), and the year is closed after them --------


CAPITAL = D("100000.00")


def _capital(fund, day=datetime.date(2025, 1, 10), amount=CAPITAL):
    from portfolio.ledger import Line, entry_post

    entry_post(
        fund=fund,
        value_date=day,
        description="Storting",
        lines=[Line("1000", debit=amount), Line("3000", credit=amount)],
        actor=None,
    )


def test_the_ledger_page_offers_the_quarters_to_close_and_closes_one(client, loan):
    from portfolio.ledger import closed_through

    _capital(loan.fund)
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("ledger_report", args=[loan.fund.pk])
    body = client.get(url).content.decode()
    assert "Kwartaal afsluiten" in body
    assert '<option value="2025-03-31">2025-Q1' in body  # the first quarter with entries
    response = client.post(
        reverse("period_close", args=[loan.fund.pk]), {"through": "2025-03-31"}, follow=True
    )
    assert "31-03-2025 is afgesloten" in response.content.decode()
    assert closed_through(fund=loan.fund) == datetime.date(2025, 3, 31)
    body = client.get(url).content.decode()
    assert "2025-Q1" not in body and '<option value="2025-06-30">2025-Q2' in body
    committee = make_member(Role.COMMITTEE_MEMBER, fund=loan.fund)
    client.force_login(committee)
    assert "Kwartaal afsluiten" not in client.get(url).content.decode()


def test_year_close_carries_the_result_to_the_reserves_after_the_quarters(client, loan):
    from portfolio.ledger import LedgerError, Line, entry_post, period_close, year_close
    from portfolio.selectors import account_balances, ledger_report

    fund = loan.fund
    _capital(fund)
    entry_post(
        fund=fund,
        value_date=datetime.date(2025, 6, 30),
        description="Rente",
        lines=[Line("1000", debit=D("1500.00")), Line("4000", credit=D("1500.00"))],
        actor=None,
    )
    entry_post(
        fund=fund,
        value_date=datetime.date(2025, 7, 31),
        description="Bankkosten",
        lines=[Line("5400", debit=D("20.00")), Line("1000", credit=D("20.00"))],
        actor=None,
    )
    period_close(fund=fund, through=datetime.date(2025, 9, 30), actor=None)
    with pytest.raises(LedgerError, match="Sluit eerst alle kwartalen van 2025 af"):
        year_close(fund=fund, year=2025, actor=None)
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    client.post(reverse("period_close", args=[fund.pk]), {"through": "2025-12-31"})
    page = client.get(reverse("ledger_report", args=[fund.pk])).content.decode()
    assert "Boekjaar 2025: het resultaat van € 1.480,00 gaat naar de overige reserves" in page
    done = client.post(reverse("year_close", args=[fund.pk]), {"year": "2025"}, follow=True)
    assert "€ 1.480,00 is naar de overige reserves geboekt" in done.content.decode()

    balances = account_balances(fund=fund, as_of=datetime.date(2025, 12, 31))
    assert balances["3200"] == D("1480.00")
    assert balances["4000"] == D("0.00") and balances["5400"] == D("0.00")
    report = ledger_report(fund=fund, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))
    assert report["total"]["period_result"] == D("1480.00")  # the closing entry is no income or expense
    assert report["result_to_date"] == D("0.00")
    assert report["total"]["assets"] == report["total"]["liabilities_and_equity"]
    equity = {r["account"].code: r["amount"] for r in report["sheet"]["equity"]}
    assert equity["3200"] == D("1480.00")
    with pytest.raises(LedgerError, match="al afgesloten"):
        year_close(fund=fund, year=2025, actor=None)
    with pytest.raises(LedgerError, match="afgesloten"):  # nothing can be booked in the closed year
        entry_post(
            fund=fund,
            value_date=datetime.date(2025, 12, 31),
            description="x",
            lines=[Line("1000", debit=D("1.00")), Line("4000", credit=D("1.00"))],
            actor=None,
        )


# --- 4. money actions are confirmed with amount and effect; a full write-off is an explicit choice ---------


@pytest.fixture
def draft_loan():
    fund = make_fund()
    return services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="ZKIJ-2026-090",
        instrument="loan",
        principal=Money("90000.00", "EUR"),
        annual_rate=D("0.035"),
        term_months=60,
    )


def test_disbursing_shows_a_confirmation_and_books_only_when_confirmed(client, draft_loan):
    client.force_login(make_member(Role.FUND_MANAGER, fund=draft_loan.fund))
    url = reverse("contract_disburse", args=[draft_loan.pk])
    data = {"disburse-amount": "90.000,00", "disburse-value_date": "2026-01-15"}
    step = client.post(url, data)
    body = step.content.decode()
    assert step.status_code == 200 and "Uitbetaling bevestigen" in body
    assert "€ 90.000,00" in body and "de uitstaande hoofdsom wordt € 90.000,00" in body
    assert 'name="disburse-amount" value="90.000,00"' in body and 'name="confirmed" value="1"' in body
    assert not draft_loan.disbursements.exists()
    client.post(url, data | {"confirmed": "1"})
    assert draft_loan.disbursements.get().amount == D("90000.00")


def test_an_empty_write_off_amount_no_longer_writes_off_the_whole_loan(client, loan):
    from django.core.exceptions import ValidationError

    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    url = reverse("contract_action", args=[loan.pk, "write_off"])
    base = {"write_off-value_date": "2026-03-01", "write_off-reason": "Faillissement", "confirmed": "1"}
    no_choice = client.post(url, base, follow=True).content.decode()
    assert "Kies gedeeltelijk of volledig afschrijven" in no_choice
    partial_without_amount = client.post(url, base | {"write_off-scope": "partial"}, follow=True)
    assert "Geef het bedrag dat wordt afgeschreven" in partial_without_amount.content.decode()
    loan.refresh_from_db()
    assert loan.status == "active"
    with pytest.raises(ValidationError):
        services.contract_write_off(
            actor=None, contract=loan, value_date=datetime.date(2026, 3, 1), reason="x", amount=None
        )

    unconfirmed = {k: v for k, v in base.items() if k != "confirmed"} | {"write_off-scope": "full"}
    step = client.post(url, unconfirmed).content.decode()
    assert "Afschrijving bevestigen" in step and "Volledige afschrijving" in step and "€ 60.000,00" in step
    loan.refresh_from_db()
    assert loan.status == "active"
    client.post(url, unconfirmed | {"confirmed": "1"})
    loan.refresh_from_db()
    assert loan.status == "written_off"


# --- 5. penalty interest and fees are part of the position and of the loan statement -----------------------


def test_penalty_interest_and_fees_show_in_the_position_and_the_loan_statement(client):
    from io import BytesIO

    from pypdf import PdfReader

    from core.formats import format_eur
    from portfolio.statements import loan_statement_pdf

    fund = make_fund()
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="ZKIJ-2026-008",
        instrument="loan",
        principal=Money("100000.00", "EUR"),
        annual_rate=D("0.06"),
        term_months=36,
        penalty_rate=D("0.08"),
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("100000.00"), value_date=datetime.date(2026, 1, 15)
    )
    as_of = datetime.date(2026, 3, 31)
    accrual = services.penalty_interest_book(actor=None, contract=contract, through=as_of)
    assert accrual.amount > 0
    services.charge_book(
        actor=None,
        contract=contract,
        kind="fee",
        amount=D("25.00"),
        value_date=datetime.date(2026, 3, 20),
        reason="Aanmaning",
    )
    owed = services.dues(contract=contract, as_of=as_of)
    assert owed["penalty_interest"] == accrual.amount and owed["fees"] == D("25.00")
    assert owed["total_due"] == owed["interest"] + owed["principal_due"] + accrual.amount + D("25.00")

    reader = PdfReader(BytesIO(loan_statement_pdf(contract=contract, as_of=as_of)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert f"Boeterente {format_eur(accrual.amount, language='nl')}" in text
    assert "Vergoedingen € 25,00" in text
    assert f"Nu te betalen {format_eur(owed['total_due'], language='nl')}" in text
    assert "Vergoeding: Aanmaning (ZKIJ-2026-008)" in text  # the charge itself is listed with its date
    assert "Betalen op rekening —" in text  # the fund has no bank account yet
    bankimport.fund_bank_account_add(fund=fund, iban=FUND_IBAN, name="Betaalrekening", actor=None)
    reader = PdfReader(BytesIO(loan_statement_pdf(contract=contract, as_of=as_of)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Betalen op rekening NL91 ABNA 0417 1643 00" in text

    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    body = client.get(reverse("contract_detail", args=[contract.pk])).content.decode()
    assert "Boeterente" in body and "Nu te betalen" in body
    assert "NL91 ABNA 0417 1643 00 onder vermelding van ZKIJ-2026-008" in body


# --- 8. import messages: one problem per line, as sentences, in Dutch; the result names the contract -------


def test_import_problems_are_dutch_sentences_one_per_line(loan):
    data = csv(
        f"31-02-2026;twaalf;;X;{loan.reference};R1;{FUND_IBAN}",
        f"15-02-2026;1,00;NL00XXXX;X;{loan.reference};R2;{FUND_IBAN}",
    )
    with pytest.raises(bankimport.BankImportError) as refused:
        bankimport.statement_import(fund=loan.fund, data=data, filename="x.csv", actor=None)
    lines = str(refused.value).splitlines()
    assert lines[0].startswith("Het bestand kan niet worden ingelezen (3 problemen)")
    assert len(lines) == 4 and all(line.startswith("- Rij ") for line in lines[1:])
    with pytest.raises(bankimport.BankImportError) as broken:
        bankimport.statement_import(
            fund=loan.fund, data=b"<Document><a></b></Document>", filename="x.xml", actor=None
        )
    assert str(broken.value) == (
        "Het bestand is geen geldig XML: de sluit-tag past niet bij de open-tag (regel 1, kolom 16)"
    )


def test_the_import_result_counts_in_dutch_and_names_the_contract_paid(
    client, loan, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    data = csv(f"15-02-2026;2.632,15;;X;Termijn {loan.reference};R1;{FUND_IBAN}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bank_statements", args=[loan.fund.pk]), {"file": SimpleUploadedFile("feb.csv", data)}
        )
    body = client.get(response["Location"]).content.decode()
    assert "1 regel geboekt" in body and "1 regels" not in body
    assert "0 regels niet herkend" in body
    assert loan.reference in body and "€ 2.632,15" in body and "15-02-2026" in body
    bad = csv(f"31-02-2026;1,00;;X;x;R9;{FUND_IBAN}", f"15-02-2026;nul;;X;x;R8;{FUND_IBAN}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bank_statements", args=[loan.fund.pk]), {"file": SimpleUploadedFile("bad.csv", bad)}
        )
    body = client.get(response["Location"]).content.decode()
    assert "<li>Rij 2, kolom datum:" in body and "<li>Rij 3, kolom bedrag:" in body


def test_contract_history_shows_statuses_in_dutch(client, loan):
    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    body = client.get(reverse("contract_detail", args=[loan.pk])).content.decode()
    assert "Concept → Lopend" in body
    assert "→ active" not in body and "→ draft" not in body


# --- the ledger card: postings with running balance, reached from the trial balance, linked to the source


def test_ledger_card_shows_running_balance_and_links_to_the_contract(client, loan):
    import re

    from portfolio.models import Account
    from portfolio.selectors import ledger_card

    _capital(loan.fund, day=datetime.date(2025, 12, 1))
    services.repayment_receive(
        actor=None, contract=loan, amount=D("2632.15"), value_date=datetime.date(2026, 2, 15)
    )
    bank = Account.objects.get(fund=loan.fund, code="1000")
    card = ledger_card(
        fund=loan.fund,
        account=bank,
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 3, 31),
        per_page=1,
    )
    assert card["opening"] == CAPITAL
    assert [r["balance"] for r in card["rows"]] == [CAPITAL - D("60000.00")]
    second = ledger_card(
        fund=loan.fund,
        account=bank,
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 3, 31),
        page=2,
        per_page=1,
    )
    assert [r["balance"] for r in second["rows"]] == [CAPITAL - D("60000.00") + D("2632.15")]
    assert second["closing"] == CAPITAL - D("60000.00") + D("2632.15")

    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    report = client.get(
        reverse("ledger_report", args=[loan.fund.pk]), {"start": "2026-01-01", "end": "2026-03-31"}
    ).content.decode()
    card_url = reverse("ledger_card", args=[loan.fund.pk, "1000"])
    assert f'href="{card_url}?start=2026-01-01&amp;end=2026-03-31"' in report
    body = client.get(card_url, {"start": "2026-01-01", "end": "2026-03-31"}).content.decode()
    assert "Beginsaldo per 01-01-2026: <strong>€ 100.000,00 debet" in body
    assert reverse("contract_detail", args=[loan.pk]) in body and loan.reference in body
    assert re.search(r"€ 42\.632,15", body)
    assert client.get(reverse("ledger_card", args=[loan.fund.pk, "9999"])).status_code == 404


# --- provisions and penalty interest from the screen, with a preview ----------------------------------------


def test_provisions_and_penalty_are_previewed_then_booked_and_follow_a_bucket_change(client):
    from portfolio.models import JournalEntry
    from portfolio.selectors import provision_by_contract

    fund = make_fund()
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="PRV-1",
        instrument="loan",
        principal=Money("100000.00", "EUR"),
        annual_rate=D("0.06"),
        term_months=36,
        penalty_rate=D("0.08"),
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("100000.00"), value_date=datetime.date(2026, 1, 15)
    )
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    url = reverse("provisions_run", args=[fund.pk])
    entries = JournalEntry.objects.count()
    preview = client.get(url, {"as_of": "2026-03-31"})
    body = preview.content.decode()
    assert "er is nog niets geboekt" in body and "PRV-1" in body
    assert "31–60 dagen" in body  # first instalment 15-02 unpaid: 44 days late
    assert JournalEntry.objects.count() == entries  # the preview books nothing
    plan = preview.context["plan"]
    assert plan[0]["target"] == D("25000.00") * plan[0]["outstanding"] / D("100000.00")
    penalty = preview.context["penalty_total"]
    assert penalty > 0

    stale = client.post(url, {"as_of": "2026-03-31", "digest": "iets anders"}, follow=True).content.decode()
    assert "veranderd sinds de voorvertoning" in stale
    assert JournalEntry.objects.count() == entries
    client.post(url, {"as_of": "2026-03-31", "digest": preview.context["digest"]})
    assert (
        provision_by_contract(fund=fund, as_of=datetime.date(2026, 3, 31))[contract.pk] == plan[0]["target"]
    )
    assert services.dues(contract=contract, as_of=datetime.date(2026, 3, 31))["penalty_interest"] == penalty

    # the borrower pays the arrears (dated on the same day): the provision must follow the bucket down
    services.repayment_receive(
        actor=None, contract=contract, amount=D("6084.38"), value_date=datetime.date(2026, 3, 31)
    )
    again = client.get(url, {"as_of": "2026-03-31"})
    assert again.context["plan"][0]["change"] < 0
    client.post(url, {"as_of": "2026-03-31", "digest": again.context["digest"]})
    held = provision_by_contract(fund=fund, as_of=datetime.date(2026, 3, 31))[contract.pk]
    assert held == again.context["plan"][0]["target"] < plan[0]["target"]


# --- navigation: the back office from the top bar ---


def test_top_bar_links_to_the_back_office_and_switches_funds_for_a_manager_of_several(client, loan):
    from fund import services as fund_services

    manager = make_member(Role.FUND_MANAGER, fund=loan.fund)
    client.force_login(manager)
    nav = client.get(reverse("fund_list")).content.decode()
    nav = nav[nav.index('id="mainnav"') : nav.index("</nav>")] if "</nav>" in nav else nav
    for name in ("portfolio_overview", "ledger_report", "bank_statements"):
        assert reverse(name, args=[loan.fund.pk]) in nav
    assert "Backoffice" not in nav
    sister = make_fund(manager=loan.fund.manager)
    fund_services.membership_grant(actor=None, user=manager, role=Role.FUND_MANAGER, fund=sister)
    nav = client.get(reverse("fund_list")).content.decode()
    assert "Backoffice" in nav and sister.name in nav
    assert (
        reverse("ledger_report", args=[sister.pk]) in nav
        and reverse("ledger_report", args=[loan.fund.pk]) in nav
    )
    client.force_login(make_member(Role.COMMITTEE_MEMBER, fund=loan.fund))
    assert (
        reverse("bank_statements", args=[loan.fund.pk])
        not in client.get(reverse("fund_list")).content.decode()
    )


def test_ledger_card_figures_ignore_what_is_booked_after_the_period_and_count_its_rows(loan):
    """The card's opening balance comes from the running totals minus what is dated from the start on, and
    its movements and number of rows from one pass: a payment after the period changes none of them."""
    from portfolio.models import Account
    from portfolio.selectors import ledger_card

    _capital(loan.fund, day=datetime.date(2025, 12, 1))
    services.repayment_receive(
        actor=None, contract=loan, amount=D("2632.15"), value_date=datetime.date(2026, 2, 15)
    )
    bank = Account.objects.get(fund=loan.fund, code="1000")

    def card():
        return ledger_card(
            fund=loan.fund,
            account=bank,
            start=datetime.date(2026, 1, 1),
            end=datetime.date(2026, 3, 31),
            per_page=1,
        )

    before = card()
    services.repayment_receive(
        actor=None, contract=loan, amount=D("500.00"), value_date=datetime.date(2026, 5, 2)
    )
    after = card()
    for figure in ("opening", "closing", "movement_debit", "movement_credit"):
        assert after[figure] == before[figure], figure
    assert after["opening"] == CAPITAL
    assert after["movement_debit"] == D("2632.15") and after["movement_credit"] == D("60000.00")
    assert after["page"].paginator.count == 2 and after["page"].paginator.num_pages == 2
    later = ledger_card(
        fund=loan.fund, account=bank, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 6, 30)
    )
    assert later["opening"] == CAPITAL - D("60000.00") + D("2632.15")
    assert later["closing"] == later["opening"] + D("500.00")
