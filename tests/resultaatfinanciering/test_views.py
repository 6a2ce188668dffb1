"""Pages, uploads, documents and API: role and organisation checks, all-or-nothing uploads, downloads."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from fund.models import Role
from resultaatfinanciering import services
from resultaatfinanciering.models import Claim, ClaimState, PaymentProposal, ProposalState
from tests.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db

D = Decimal
SEP = datetime.date(2026, 9, 1)


def url(name, *args):
    return reverse(f"resultaatfinanciering:{name}", args=args)


def client_for(client, user):
    client.force_login(user)
    return client


def csv_file(text: str, name="claims.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def approved_proposal(side):
    for participant in side.participants[:2]:
        claim = services.claim_submit(
            actor=side.investee,
            contract=side.contract,
            participant=participant,
            milestone=side.start,
            achieved_on=SEP,
        )
        services.claim_verify(actor=side.officials[0], claim=claim)
    proposal = services.proposal_prepare(
        actor=side.officials[0],
        contract=side.contract,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
    )
    services.proposal_approve(actor=side.officials[1], proposal=proposal)
    services.proposal_approve(actor=side.officials[2], proposal=proposal)
    proposal.refresh_from_db()
    return proposal


# --- isolation ---------------------------------------------------------------------------------------


def test_each_role_sees_only_its_own_contracts(client, world, outcomes):
    a, b = outcomes
    for user in (a.officials[0], a.investee, world.a.users[Role.FUND_MANAGER]):
        client.force_login(user)
        assert client.get(url("contract_detail", a.contract.pk)).status_code == 200
        assert client.get(url("contract_detail", b.contract.pk)).status_code == 404
        page = client.get(url("contract_list")).content.decode()
        assert "RF-HLM" in page and "RF-RTM" not in page
    for user in (world.a.users[Role.INVESTOR], world.a.users[Role.COMMITTEE_MEMBER]):
        client.force_login(user)
        assert client.get(url("contract_detail", a.contract.pk)).status_code == 404
    # fund B's manager does not pre-finance RF-RTM, so does not see it
    client.force_login(world.b.users[Role.FUND_MANAGER])
    assert client.get(url("contract_detail", b.contract.pk)).status_code == 404


def test_official_of_another_municipality_cannot_see_verify_or_approve(client, outcomes):
    a, b = outcomes
    claim = services.claim_submit(
        actor=a.investee,
        contract=a.contract,
        participant=a.participants[0],
        milestone=a.start,
        achieved_on=SEP,
    )
    client.force_login(b.officials[0])
    assert client.post(url("claim_decide", claim.pk), {"decision": "verify"}).status_code == 404
    services.claim_verify(actor=a.officials[0], claim=claim)
    proposal = services.proposal_prepare(
        actor=a.officials[0], contract=a.contract, period_start=datetime.date(2026, 7, 1), period_end=SEP
    )
    assert client.get(url("proposal_detail", proposal.pk)).status_code == 404
    assert client.post(url("proposal_approve", proposal.pk)).status_code == 404
    assert client.get(url("contract_report", a.contract.pk)).status_code == 404
    assert client.get(url("municipality_report", a.contract.payer_id)).status_code == 404
    assert client.get(url("indigo_export", a.contract.pk, "json")).status_code == 404
    assert not proposal.approvals.exists()


def test_investee_and_fund_manager_cannot_verify_or_approve(client, world, outcomes):
    a, _ = outcomes
    claim = services.claim_submit(
        actor=a.investee,
        contract=a.contract,
        participant=a.participants[0],
        milestone=a.start,
        achieved_on=SEP,
    )
    for user in (a.investee, world.a.users[Role.FUND_MANAGER]):
        client.force_login(user)
        assert client.post(url("claim_decide", claim.pk), {"decision": "verify"}).status_code == 403
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED


# --- claims through the web -------------------------------------------------------------------------


def test_enterprise_claims_a_milestone_with_evidence(client, outcomes):
    a, _ = outcomes
    client.force_login(a.investee)
    response = client.post(
        url("claim_create", a.contract.pk),
        {
            "participant": a.participants[0].pk,
            "milestone": a.start.pk,
            "achieved_on": "2026-09-01",
            "evidence": SimpleUploadedFile("contract.pdf", PDF_BYTES),
            "evidence_note": "Arbeidscontract 24 uur",
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.price == D("2172.57") and claim.evidence.name.endswith(".pdf")


def test_refused_claim_shows_the_reason_on_the_field(client, outcomes):
    a, _ = outcomes
    client.force_login(a.investee)
    response = client.post(
        url("claim_create", a.contract.pk),
        {"participant": a.participants[0].pk, "milestone": a.sustained.pk, "achieved_on": "2026-09-01"},
    )
    assert response.status_code == 200
    assert "vraagt eerst mijlpaal start" in response.content.decode()
    assert not Claim.objects.exists()


def test_bulk_csv_upload_good(client, outcomes):
    a, _ = outcomes
    client.force_login(a.investee)
    text = (
        "referentie;resultaat;mijlpaal;behaald_op;toelichting\n"
        "HLM-2026-0001;uitstroom-werk;start;2026-09-01;contract\n"
        "HLM-2026-0001;uitstroom-werk;12m;15-10-2026;\n"
        "hlm-2026-0002;;start;2026-09-02;\n"
    )
    response = client.post(url("claims_upload", a.contract.pk), {"file": csv_file(text)})
    assert response.status_code == 302
    assert Claim.objects.count() == 3
    assert sorted(Claim.objects.values_list("price", flat=True)) == [D("2172.57"), D("2172.57"), D("5069.33")]


def test_bulk_upload_is_all_or_nothing_with_errors_per_row(client, outcomes):
    a, _ = outcomes
    client.force_login(a.investee)
    text = (
        "referentie;resultaat;mijlpaal;behaald_op;toelichting\n"
        "HLM-2026-0001;uitstroom-werk;start;2026-09-01;\n"  # good
        "RTM-2026-0001;uitstroom-werk;start;2026-09-01;\n"  # other contract's participant
        "HLM-2026-0002;uitstroom-werk;12m;2026-09-01;\n"  # prerequisite missing
        "HLM-2026-0001;uitstroom-werk;start;2026-09-01;\n"  # already claimed (row 2)
        "HLM-2026-0003;uitstroom-werk;start;31-31-2026;\n"  # bad date
        "HLM-2026-0003;uitstroom-werk;start;2026-09-01;bsn 111222333\n"  # BSN
        "HLM-2026-0003;uitstroom-werk;onbekend;2026-09-01;\n"  # unknown milestone
    )
    response = client.post(url("claims_upload", a.contract.pk), {"file": csv_file(text)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Regel 3: deelnemer RTM-2026-0001 hoort niet bij contract RF-HLM" in page
    assert "Regel 4: Mijlpaal 12m vraagt eerst mijlpaal start" in page
    assert "Regel 5: Mijlpaal start is voor deelnemer HLM-2026-0001 al geclaimd" in page
    assert "Regel 6: kolom behaald_op: &#x27;31-31-2026&#x27; is geen datum" in page
    assert "Regel 7: kolom toelichting lijkt een burgerservicenummer" in page
    assert "Regel 8: mijlpaal &#x27;onbekend&#x27; bestaat niet" in page
    assert "Regel 2:" not in page
    assert not Claim.objects.exists()


def test_bulk_excel_upload_and_missing_columns(client, outcomes):
    a, _ = outcomes
    client.force_login(a.investee)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["referentie", "resultaat", "mijlpaal", "behaald_op"])
    sheet.append(["HLM-2026-0001", "uitstroom-werk", "start", datetime.date(2026, 9, 1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("claims.xlsx", buffer.getvalue())
    assert client.post(url("claims_upload", a.contract.pk), {"file": upload}).status_code == 302
    assert Claim.objects.count() == 1
    response = client.post(
        url("claims_upload", a.contract.pk), {"file": csv_file("referentie;mijlpaal\nx;y\n")}
    )
    assert "Kolommen ontbreken: resultaat, behaald_op" in response.content.decode()
    response = client.post(url("claims_upload", a.contract.pk), {"file": csv_file("x", name="claims.pdf")})
    assert "Upload een .csv- of .xlsx-bestand" in response.content.decode()


# --- verification and payment ------------------------------------------------------------------------


def test_official_verifies_and_rejects_in_the_page(client, outcomes):
    a, _ = outcomes
    first, second = (
        services.claim_submit(
            actor=a.investee, contract=a.contract, participant=p, milestone=a.start, achieved_on=SEP
        )
        for p in a.participants[:2]
    )
    client.force_login(a.officials[0])
    client.post(url("claim_decide", first.pk), {"decision": "verify", "reason": ""})
    response = client.post(url("claim_decide", second.pk), {"decision": "reject", "reason": ""}, follow=True)
    assert "Geef een reden." in response.content.decode()
    client.post(url("claim_decide", second.pk), {"decision": "reject", "reason": "Geen loonstrook"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (ClaimState.VERIFIED, ClaimState.REJECTED)


def test_verification_file_all_or_nothing(client, outcomes):
    a, _ = outcomes
    for p in a.participants:
        services.claim_submit(
            actor=a.investee, contract=a.contract, participant=p, milestone=a.start, achieved_on=SEP
        )
    client.force_login(a.officials[0])
    bad = (
        "referentie;resultaat;mijlpaal;geverifieerd;opmerking\n"
        "HLM-2026-0001;uitstroom-werk;start;ja;\n"
        "HLM-2026-0002;uitstroom-werk;start;misschien;\n"
        "HLM-2026-0003;uitstroom-werk;start;nee;\n"
    )
    page = client.post(url("verification_upload", a.contract.pk), {"file": csv_file(bad)}).content.decode()
    assert "Regel 3: kolom geverifieerd: &#x27;misschien&#x27; moet ja of nee zijn" in page
    assert "Regel 4: Geef een reden." in page
    assert set(Claim.objects.values_list("state", flat=True)) == {ClaimState.SUBMITTED}
    good = bad.replace("misschien", "ja").replace("start;nee;", "start;nee;Niet in dienst")
    assert client.post(url("verification_upload", a.contract.pk), {"file": csv_file(good)}).status_code == 302
    assert sorted(Claim.objects.values_list("state", flat=True)) == ["rejected", "verified", "verified"]
    client.force_login(a.investee)
    assert client.post(url("verification_upload", a.contract.pk), {"file": csv_file(good)}).status_code == 403


def test_proposal_approval_in_the_pages_and_payment_documents(client, outcomes):
    a, _ = outcomes
    for p in a.participants[:2]:
        claim = services.claim_submit(
            actor=a.investee, contract=a.contract, participant=p, milestone=a.start, achieved_on=SEP
        )
        services.claim_verify(actor=a.officials[0], claim=claim)
    client.force_login(a.officials[0])
    response = client.post(
        url("proposal_prepare", a.contract.pk), {"period_start": "2026-07-01", "period_end": "2026-09-30"}
    )
    proposal = PaymentProposal.objects.get()
    assert response.url == url("proposal_detail", proposal.pk)
    page = client.post(url("proposal_approve", proposal.pk), follow=True).content.decode()
    assert "opgesteld, mag het niet goedkeuren" in page
    for official in a.officials[1:]:
        client.force_login(official)
        client.post(url("proposal_approve", proposal.pk))
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    pdf = client.get(url("payment_order", proposal.pk, "pdf"))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "HLM-2026-0001" in text and "4.345,14" in text
    rows = client.get(url("payment_order", proposal.pk, "csv")).content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("betalingskenmerk;") and rows[-1].endswith(";totaal;4345,14") and len(rows) == 4
    xml = client.get(url("payment_order", proposal.pk, "xml")).content.decode()
    assert "pain.001.001.03" in xml and '<InstdAmt Ccy="EUR">4345.14</InstdAmt>' in xml
    assert a.contract.fund.manager.organisation.iban in xml  # paid to the pre-financing fund
    client.post(url("payment_confirm", proposal.pk), {"paid_on": timezone.localdate().isoformat()})
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PAID
    client.force_login(a.investee)  # the enterprise sees the order, not the municipality's bank file
    assert client.get(url("payment_order", proposal.pk, "pdf")).status_code == 200
    assert client.get(url("payment_order", proposal.pk, "xml")).status_code == 404


# --- reports and exports ----------------------------------------------------------------------------


def test_savings_report_numbers_page_pdf_excel(client, world, outcomes):
    a, _ = outcomes
    proposal = approved_proposal(a)
    services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=timezone.localdate())
    from resultaatfinanciering.selectors import OutcomeContract, savings_report

    report = savings_report(contracts=OutcomeContract.objects.filter(pk=a.contract.pk))
    assert report.paid == D("4345.14") and report.results == 2
    assert report.gross_saving == D("38623.44")  # 2 × 19311.72
    assert report.net_saving == D("28967.58")  # 2 × 14483.79
    assert report.cost_per_result == D("2172.57")
    assert report.budget_used_pct == D("4.3")
    assert report.rows == [
        {
            "milestone": "uitstroom-werk/start",
            "milestone_name": "Start werk ≥ 12 uur per week",
            "quarter": "2026-Q3",
            "count": 2,
            "amount": D("4345.14"),
        }
    ]
    assert [(r["payments"], r["amount"]) for r in report.cash_rows] == [(1, D("4345.14"))]
    for user in (a.officials[0], a.investee, world.a.users[Role.FUND_MANAGER]):
        client.force_login(user)
        page = client.get(url("contract_report", a.contract.pk)).content.decode()
        assert "€ 28.967,58" in page and "chart-data" in page
    client.force_login(a.officials[0])
    page = client.get(url("municipality_report", a.contract.payer_id)).content.decode()
    assert "€ 4.345,14" in page
    pdf = client.get(url("contract_report_file", a.contract.pk, "pdf"))
    assert "28.967,58" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    xlsx = client.get(url("municipality_report_file", a.contract.payer_id, "xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert D(str(values["Betaald (kasbasis)"])) == D("4345.14")


def test_indigo_export(client, outcomes):
    a, _ = outcomes
    approved_proposal(a)
    client.force_login(a.officials[0])
    project = json.loads(client.get(url("indigo_export", a.contract.pk, "json")).content)
    assert [m["id"] for m in project["outcome_metrics"]] == ["uitstroom-werk-start", "uitstroom-werk-12m"]
    assert project["outcome_payments"][0]["money"]["amount"] == {"value": 4345.14}
    assert project["results"][0]["number_with_positive_social_outcomes"] == {"value": 2}
    rows = client.get(url("indigo_export", a.contract.pk, "csv")).content.decode().splitlines()
    assert len(rows) == 1 + 1 + 1  # header, one result row (metric × quarter), one payment row


def test_outcomes_summary_for_the_investor_report(outcomes):
    from resultaatfinanciering.selectors import outcomes_summary

    a, _ = outcomes
    with time_machine.travel(datetime.datetime(2026, 9, 30, 10, 0, tzinfo=datetime.UTC), tick=False):
        proposal = approved_proposal(a)  # approved on 30-09-2026, so it can be paid that day
    summary = outcomes_summary(
        fund=a.contract.fund, period=(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    )
    assert summary["contracts"] == 1 and summary["results_verified"] == 2
    assert summary["amount_verified"] == D("4345.14") and summary["amount_receivable"] == D("4345.14")
    assert summary["amount_paid"] == D("0.00") and summary["net_saving_estimated"] == D("28967.58")
    services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=datetime.date(2026, 9, 30))
    summary = outcomes_summary(
        fund=a.contract.fund, period=(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    )
    assert summary["amount_paid"] == D("4345.14") and summary["amount_receivable"] == D("0.00")


def test_quarter_bounds():
    from resultaatfinanciering.selectors import quarter_bounds

    assert quarter_bounds("2026-Q4") == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    assert quarter_bounds("2026-q1") == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    with pytest.raises(ValueError, match="quarter like"):
        quarter_bounds("2026-Q5")


def test_nav_and_dashboard_panel(client, world, outcomes):
    a, _ = outcomes
    client.force_login(a.officials[0])
    page = client.get(reverse("dashboard", args=["municipality"])).content.decode()
    assert "RF-HLM" in page and url("contract_list") in page
    client.force_login(world.a.users[Role.INVESTOR])
    page = client.get(reverse("home"), follow=True).content.decode()
    assert url("contract_list") not in page


# --- API -------------------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    """Investees use an API key; officials (two-factor roles, no keys) their web session."""
    from fund.api_tokens import may_hold_tokens
    from tests.factories import api_key_for

    api = APIClient()
    if may_hold_tokens(user):
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(user)}")
    else:
        api.force_login(user)
    return api


def test_api_claim_create_and_list_scoped(outcomes):
    a, b = outcomes
    api = api_for(a.investee)
    body = {
        "contract": "RF-HLM",
        "participant": "HLM-2026-0001",
        "milestone": "start",
        "achieved_on": "2026-09-01",
    }
    response = api.post(url("api-outcome-claim-list"), body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["price"] == "2172.57"
    again = api.post(url("api-outcome-claim-list"), body, format="json")
    assert again.status_code == 400 and "al geclaimd" in json.dumps(again.json(), ensure_ascii=False)
    bsn = api.post(url("api-outcome-claim-list"), {**body, "participant": "111222333"}, format="json")
    assert bsn.status_code == 400 and "burgerservicenummer" in json.dumps(bsn.json(), ensure_ascii=False)
    other = api.post(url("api-outcome-claim-list"), {**body, "contract": "RF-RTM"}, format="json")
    assert other.status_code == 404
    assert [c["contract"] for c in api.get(url("api-outcome-claim-list")).json()["results"]] == ["RF-HLM"]
    assert api_for(b.investee).get(url("api-outcome-claim-list")).json()["results"] == []
    official = api_for(a.officials[0]).post(url("api-outcome-claim-list"), body, format="json")
    assert official.status_code == 403
    assert APIClient().get(url("api-outcome-claim-list")).status_code in (401, 403)


def test_contract_history_shows_claim_events_to_officials_only(client, outcomes):
    a, _ = outcomes
    claim = services.claim_submit(
        actor=a.investee,
        contract=a.contract,
        participant=a.participants[0],
        milestone=a.start,
        achieved_on=SEP,
    )
    services.claim_reject(actor=a.officials[0], claim=claim, reason="Geen loonstrook")
    client.force_login(a.officials[1])
    page = client.get(url("contract_detail", a.contract.pk)).content.decode()
    assert "Claim afgewezen" in page and "Ingediend → Afgewezen" in page and "Geen loonstrook" in page
    client.force_login(a.investee)
    page = client.get(url("contract_detail", a.contract.pk)).content.decode()
    assert "Claim afgewezen" not in page


def test_api_claim_with_evidence_file_and_refusal_reason(outcomes):
    a, _ = outcomes
    api = api_for(a.investee)
    body = {
        "contract": "RF-HLM",
        "participant": "HLM-2026-0002",
        "definition": "uitstroom-werk",
        "milestone": "12m",
        "achieved_on": "2026-09-01",
    }
    refused = api.post(url("api-outcome-claim-list"), body, format="json")
    assert refused.status_code == 400
    assert "vraagt eerst mijlpaal start" in json.dumps(refused.json(), ensure_ascii=False)
    body["milestone"] = "start"
    body["evidence"] = SimpleUploadedFile("loonstrook.pdf", PDF_BYTES)
    response = api.post(url("api-outcome-claim-list"), body, format="multipart")
    assert response.status_code == 201
    assert Claim.objects.get(pk=response.json()["id"]).evidence.name.endswith(".pdf")


def test_claims_are_paged_and_filtered_by_state(client, world):
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    side = make_outcome_contract(world.a, tag="PAGE", budget_cap=D("1000000.00"))
    for n in range(4, 56):
        participant = services.participant_add(
            actor=side.officials[0],
            contract=side.contract,
            reference=f"PAGE-2026-{n:04d}",
            household_type="single",
            benefit_started_on=datetime.date(2025, 1, 1),
        )
        services.claim_submit(
            actor=side.investee,
            contract=side.contract,
            participant=participant,
            milestone=side.start,
            achieved_on=SEP,
        )
    client.force_login(side.officials[0])
    first = client.get(url("contract_detail", side.contract.pk)).content.decode()
    assert "Pagina 1 van 2" in first and first.count("Verifiëren PAGE-2026-") == 50
    second = client.get(url("contract_detail", side.contract.pk), {"page": 2}).content.decode()
    assert second.count("Verifiëren PAGE-2026-") == 2
    none = client.get(url("contract_detail", side.contract.pk), {"state": "paid"}).content.decode()
    assert "Nog geen claims." in none
