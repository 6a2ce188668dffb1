"""Documents and files of resultaatfinanciering (issue 11): the payment order and the SEPA file are made once,
at approval, and every download is the same bytes; savings reports are stored once per quarter; evidence and
signed contracts are private and reach only the parties; no service runs without an actor."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from sepaxml.validation import try_valid_xml

from core.documents import document_latest, document_url
from core.errors import PermissionDeniedError
from core.models import DownloadRecord
from fund.models import AuditEvent, Role
from resultaatfinanciering import services
from resultaatfinanciering.models import Claim, ClaimState, ProposalState
from tests.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db

D = Decimal
SEP = datetime.date(2026, 9, 1)
BSN_NAME = "loonstrook_123456782.pdf"  # 123456782 passes the 11-proef


def url(name, *args):
    return reverse(f"resultaatfinanciering:{name}", args=args)


def submit(side, participant, milestone=None, **extra):
    return services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=participant,
        milestone=milestone or side.start,
        achieved_on=SEP,
        **extra,
    )


def approved_proposal(side):
    for participant in side.participants[:2]:
        services.claim_verify(actor=side.officials[0], claim=submit(side, participant))
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


def get(client, user, path):
    client.force_login(user)
    return client.get(path)


# --- payment order and SEPA file: made once, at approval ---------------------------------------------------


def test_sepa_file_is_stored_at_approval_and_every_download_is_the_same_bytes(client, outcomes):
    a, _ = outcomes
    proposal = approved_proposal(a)
    stored = document_latest(kind=services.KIND_SEPA, subject=proposal)
    assert stored is not None and stored.version == 1  # made by the approval itself, before any download
    approved_on = proposal.approvals.get(sequence=2).approved_at
    first = get(client, a.officials[0], url("payment_order", proposal.pk, "xml"))
    assert first.status_code == 200
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=3)):
        # three days later the idle session has ended (issue 15): the official logs in again
        second = get(client, a.officials[0], url("payment_order", proposal.pk, "xml"))
    assert second.status_code == 200, (second.status_code, second.get("Location"))
    assert first.content == second.content == bytes(stored.content)
    try_valid_xml(first.content, "pain.001.001.03")  # still valid against the schema
    xml = first.content.decode()
    assert "<MsgId>MSG-RF-" in xml and '<InstdAmt Ccy="EUR">4345.14</InstdAmt>' in xml
    local_day = approved_on.astimezone(ZoneInfo("Europe/Amsterdam")).date()
    assert f"<ReqdExctnDt>{local_day.isoformat()}</ReqdExctnDt>" in xml
    # core's download view serves the same document, to the same people
    assert get(client, a.officials[1], document_url(stored)).content == first.content
    assert get(client, a.investee, document_url(stored)).status_code == 404
    assert DownloadRecord.objects.filter(document=stored).count() == 3


def test_payment_order_pdf_and_csv_are_stored_at_approval(client, outcomes):
    a, _ = outcomes
    proposal = approved_proposal(a)
    client.force_login(a.investee)
    pdf_1 = client.get(url("payment_order", proposal.pk, "pdf")).content
    pdf_2 = client.get(url("payment_order", proposal.pk, "pdf")).content
    assert (
        pdf_1 == pdf_2 == bytes(document_latest(kind=services.KIND_PAYMENT_ORDER, subject=proposal).content)
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_1)).pages)
    assert "€ 4.345,14" in text and "HLM-2026-0001" in text
    services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=timezone.localdate())
    assert client.get(url("payment_order", proposal.pk, "pdf")).content == pdf_1  # the order as approved
    rows = client.get(url("payment_order", proposal.pk, "csv")).content.decode("utf-8-sig").splitlines()
    assert ";01-09-2026;" in rows[1] and rows[1].endswith(";2172,57")
    assert "2026-09-01" not in "\n".join(rows) and "2172.57" not in "\n".join(rows)


def test_proposal_page_links_the_stored_documents_each_role_may_download(client, world, outcomes):
    a, _ = outcomes
    proposal = approved_proposal(a)
    sepa = document_url(document_latest(kind=services.KIND_SEPA, subject=proposal))
    order = document_url(document_latest(kind=services.KIND_PAYMENT_ORDER, subject=proposal))
    page = get(client, a.officials[0], url("proposal_detail", proposal.pk)).content.decode()
    assert sepa in page and order in page
    for user in (a.investee, world.a.users[Role.FUND_MANAGER]):
        page = get(client, user, url("proposal_detail", proposal.pk)).content.decode()
        assert order in page and sepa not in page
        assert client.get(sepa).status_code == 404
        assert client.get(order).status_code == 200
    for user in (
        world.b.users[Role.MUNICIPAL_OFFICIAL],
        world.b.users[Role.INVESTEE],
        world.a.users[Role.INVESTOR],
        world.a.users[Role.COMMITTEE_MEMBER],
    ):
        client.force_login(user)
        assert client.get(order).status_code == 404
        assert client.get(url("payment_order", proposal.pk, "pdf")).status_code == 404


def test_a_proposal_approved_before_documents_were_stored_gets_them_once(client, outcomes):
    from core.models import StoredDocument

    a, _ = outcomes
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "payment_documents_store", lambda **kwargs: {})
        proposal = approved_proposal(a)
    assert not StoredDocument.objects.filter(kind=services.KIND_SEPA).exists()
    client.force_login(a.officials[0])
    first = client.get(url("payment_order", proposal.pk, "xml")).content
    assert client.get(url("payment_order", proposal.pk, "xml")).content == first
    assert StoredDocument.objects.filter(kind=services.KIND_SEPA).count() == 1


# --- savings reports: stored once per quarter -------------------------------------------------------------


def test_savings_report_is_stored_once_per_quarter_and_a_new_version_needs_a_reason(client, world, outcomes):
    a, _ = outcomes
    approved_proposal(a)
    client.force_login(a.investee)
    path = url("contract_report_file", a.contract.pk, "pdf") + "?periode=2026-Q3"
    first = client.get(path).content
    text = PdfReader(io.BytesIO(first)).pages[0].extract_text()
    assert "(4,3 %)" in text and "6.7 %" not in text and "€ 28.967,58" in text
    services.claim_verify(actor=a.officials[0], claim=submit(a, a.participants[2]))
    assert client.get(path).content == first  # stored: the same bytes, though the figures changed
    # the enterprise may not replace it; an official of the municipality may, with a reason
    client.post(
        url("contract_report_store", a.contract.pk), {"period": "2026-Q3", "fmt": "pdf", "reason": "x"}
    )
    assert client.get(path).content == first
    client.force_login(a.officials[0])
    response = client.post(
        url("contract_report_store", a.contract.pk),
        {"period": "2026-Q3", "fmt": "pdf", "reason": "Derde uitstroom geverifieerd"},
    )
    assert response.status_code == 302
    second = client.get(path).content
    assert second != first and "€ 43.451,37" in PdfReader(io.BytesIO(second)).pages[0].extract_text()
    stored = document_latest(kind=services.KIND_SAVINGS_REPORT, subject=a.contract)
    assert stored.version == 2 and stored.reason == "Derde uitstroom geverifieerd"
    page = client.get(url("contract_report", a.contract.pk)).content.decode()
    assert "Derde uitstroom geverifieerd" in page and document_url(stored) in page


def test_municipality_report_file_is_for_its_officials(client, world, outcomes):
    a, _ = outcomes
    approved_proposal(a)
    path = url("municipality_report_file", a.contract.payer_id, "xlsx")
    assert get(client, a.officials[0], path).status_code == 200
    assert client.get(path).content == get(client, a.officials[1], path).content
    for user in (world.a.users[Role.FUND_MANAGER], a.investee, world.b.users[Role.MUNICIPAL_OFFICIAL]):
        assert get(client, user, path).status_code == 404


# --- uploaded files: evidence and signed contract ------------------------------------------------------


def test_evidence_is_downloadable_by_the_officials_and_the_enterprise_only(client, world, outcomes):
    a, _ = outcomes
    claim = submit(a, a.participants[0], evidence=ContentFile(PDF_BYTES, name="arbeidscontract.pdf"))
    path = url("claim_evidence", claim.pk)
    for user in (a.officials[0], a.officials[1], a.investee):
        response = get(client, user, path)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert "attachment" in response["Content-Disposition"]
    for user in (
        world.b.users[Role.MUNICIPAL_OFFICIAL],
        world.b.users[Role.INVESTEE],
        world.a.users[Role.FUND_MANAGER],  # pre-finances this contract, still no evidence
        world.b.users[Role.FUND_MANAGER],
        world.a.users[Role.INVESTOR],
        world.a.users[Role.COMMITTEE_MEMBER],
        world.admin,
    ):
        assert get(client, user, path).status_code == 404, user
    assert DownloadRecord.objects.filter(subject_id=str(claim.pk)).count() == 3


def test_evidence_links_on_the_pages(client, world, outcomes):
    a, _ = outcomes
    claim = submit(a, a.participants[0], evidence=ContentFile(PDF_BYTES, name="contract.pdf"))
    link = url("claim_evidence", claim.pk)
    for user in (a.officials[0], a.investee):
        assert link in get(client, user, url("contract_detail", a.contract.pk)).content.decode()
    page = get(
        client, world.a.users[Role.FUND_MANAGER], url("contract_detail", a.contract.pk)
    ).content.decode()
    assert link not in page and "/media/" not in page


def test_signed_contract_is_downloadable_by_the_parties(client, world, outcomes):
    a, b = outcomes
    path = url("contract_signed_document", a.contract.pk)
    for user in (a.officials[0], a.investee, world.a.users[Role.FUND_MANAGER]):  # fund A pre-finances RF-HLM
        response = get(client, user, path)
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
        assert path in client.get(url("contract_detail", a.contract.pk)).content.decode()
    for user in (
        world.b.users[Role.MUNICIPAL_OFFICIAL],
        world.b.users[Role.INVESTEE],
        world.b.users[Role.FUND_MANAGER],
        world.a.users[Role.INVESTOR],
        world.a.users[Role.COMMITTEE_MEMBER],
        world.admin,
    ):
        assert get(client, user, path).status_code == 404, user
    # RF-RTM is not pre-financed: no fund manager is a party to it
    for user in (world.a.users[Role.FUND_MANAGER], world.b.users[Role.FUND_MANAGER]):
        assert get(client, user, url("contract_signed_document", b.contract.pk)).status_code == 404


def test_a_bsn_in_an_uploaded_file_name_is_refused(client, world, outcomes):
    a, _ = outcomes
    client.force_login(a.investee)
    page = client.post(
        url("claim_create", a.contract.pk),
        {
            "participant": a.participants[0].pk,
            "milestone": a.start.pk,
            "achieved_on": "2026-09-01",
            "evidence": SimpleUploadedFile(BSN_NAME, PDF_BYTES),
        },
    ).content.decode()
    assert "bestandsnaam lijkt een burgerservicenummer" in page and not Claim.objects.exists()
    with pytest.raises(Exception, match="burgerservicenummer") as refused:
        submit(a, a.participants[0], evidence=ContentFile(PDF_BYTES, name=BSN_NAME))  # the API's path
    assert "evidence" in refused.value.message_dict
    draft = services.contract_create(
        actor=a.officials[0],
        reference="RF-DRAFT",
        payer=a.contract.payer,
        provider=a.contract.provider,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        target_group="x",
        budget_cap=D("1000.00"),
        participant_cap=D("100.00"),
        claim_window_days=30,
    )
    client.force_login(a.officials[0])
    page = client.post(
        url("contract_activate", draft.pk), {"signed_document": SimpleUploadedFile(BSN_NAME, PDF_BYTES)}
    ).content.decode()
    assert "bestandsnaam lijkt een burgerservicenummer" in page


# --- actors: explicit, never None ----------------------------------------------------------------------


def _calls(a):
    claim = submit(a, a.participants[0])
    contract_fields = {
        "reference": "RF-X",
        "payer": a.contract.payer,
        "provider": a.contract.provider,
        "starts_on": datetime.date(2026, 1, 1),
        "ends_on": datetime.date(2026, 12, 31),
        "target_group": "x",
        "budget_cap": D("1000.00"),
        "participant_cap": D("100.00"),
        "claim_window_days": 30,
    }
    return {
        "contract_create": lambda actor: services.contract_create(actor=actor, **contract_fields),
        "definition_add": lambda actor: services.definition_add(
            actor=actor, contract=a.contract, milestones=[], code="x", name="x"
        ),
        "contract_change_status": lambda actor: services.contract_change_status(
            actor=actor, contract=a.contract, to_status="ended", reason="x"
        ),
        "participant_add": lambda actor: services.participant_add(
            actor=actor,
            contract=a.contract,
            reference="HLM-X",
            household_type="single",
            benefit_started_on=datetime.date(2025, 1, 1),
        ),
        "claim_submit": lambda actor: services.claim_submit(
            actor=actor,
            contract=a.contract,
            participant=a.participants[1],
            milestone=a.start,
            achieved_on=SEP,
        ),
        "claim_decide": lambda actor: services.claim_decide(actor=actor, claim=claim, verified=True),
        "proposal_prepare": lambda actor: services.proposal_prepare(
            actor=actor, contract=a.contract, period_start=datetime.date(2026, 7, 1), period_end=SEP
        ),
        "savings_report_store": lambda actor: services.savings_report_store(
            actor=actor, subject=a.contract, period="2026-Q3", fmt="pdf"
        ),
    }


def test_every_service_refuses_a_missing_actor(outcomes):
    a, _ = outcomes
    for call in _calls(a).values():
        with pytest.raises(PermissionDeniedError, match="geen gebruiker"):
            call(None)
    services.claim_verify(actor=a.officials[0], claim=Claim.objects.get())
    proposal = services.proposal_prepare(
        actor=a.officials[0], contract=a.contract, period_start=datetime.date(2026, 7, 1), period_end=SEP
    )
    for call in (
        lambda actor: services.proposal_approve(actor=actor, proposal=proposal),
        lambda actor: services.proposal_withdraw(actor=actor, proposal=proposal, reason="x"),
        lambda actor: services.payment_confirm(actor=actor, proposal=proposal, paid_on=SEP),
    ):
        with pytest.raises(PermissionDeniedError):
            call(None)
    assert not Claim.objects.exclude(state=ClaimState.IN_PROPOSAL).exists()


def test_system_is_explicit_and_never_verifies_approves_or_claims(outcomes):
    a, _ = outcomes
    claim = submit(a, a.participants[0])
    for call in (
        lambda: services.claim_decide(actor=services.SYSTEM, claim=claim, verified=True),
        lambda: services.claim_submit(
            actor=services.SYSTEM,
            contract=a.contract,
            participant=a.participants[1],
            milestone=a.start,
            achieved_on=SEP,
        ),
    ):
        with pytest.raises(PermissionDeniedError):
            call()
    services.claim_verify(actor=a.officials[0], claim=claim)
    proposal = services.proposal_prepare(
        actor=services.SYSTEM, contract=a.contract, period_start=datetime.date(2026, 7, 1), period_end=SEP
    )
    assert proposal.prepared_by is None
    with pytest.raises(PermissionDeniedError):
        services.proposal_approve(actor=services.SYSTEM, proposal=proposal)


def test_withdrawal_and_payment_record_each_claim(outcomes):
    a, _ = outcomes
    for participant in a.participants[:2]:
        services.claim_verify(actor=a.officials[0], claim=submit(a, participant))
    period = {"period_start": datetime.date(2026, 7, 1), "period_end": SEP}
    first = services.proposal_prepare(actor=a.officials[0], contract=a.contract, **period)
    services.proposal_withdraw(actor=a.officials[1], proposal=first, reason="Verkeerde periode")
    released = AuditEvent.objects.filter(action="claim_released").order_by("object_id")
    assert [(e.object_id, e.from_state, e.to_state, e.actor, e.reason) for e in released] == [
        (str(c.pk), "in_proposal", "verified", a.officials[1], "Verkeerde periode")
        for c in Claim.objects.order_by("pk")
    ]
    proposal = services.proposal_prepare(actor=a.officials[0], contract=a.contract, **period)
    services.proposal_approve(actor=a.officials[1], proposal=proposal)
    services.proposal_approve(actor=a.officials[2], proposal=proposal)
    services.payment_confirm(actor=a.officials[1], proposal=proposal, paid_on=timezone.localdate())
    paid = AuditEvent.objects.filter(action="claim_paid")
    assert sorted(e.object_id for e in paid) == sorted(str(c.pk) for c in Claim.objects.all())
    assert all(
        e.from_state == "in_proposal" and e.to_state == "paid" and e.actor == a.officials[1] for e in paid
    )
    assert type(proposal).objects.get(pk=proposal.pk).state == ProposalState.PAID


# --- formats -----------------------------------------------------------------------------------------


def test_contract_page_shows_fractions_as_percentages(client, outcomes):
    a, _ = outcomes
    page = get(client, a.officials[0], url("contract_detail", a.contract.pk)).content.decode()
    assert "deadweight 25 %" in page and "aandeel aanbieder 50 %" in page and "— 30 %" in page
    assert "0,25 %" not in page and "0,3 %" not in page


def test_amounts_are_typed_the_dutch_way(client, world):
    from resultaatfinanciering.models import OutcomeContract

    client.force_login(world.a.users[Role.MUNICIPAL_OFFICIAL])
    response = client.post(
        url("contract_create"),
        {
            "reference": "RF-NL",
            "payer": world.a.government.pk,
            "provider": world.a.enterprise.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "target_group": "Jongeren",
            "budget_cap": "12.500,50",
            "participant_cap": "7.900",
            "claim_window_days": "90",
            "proposal_frequency": "quarterly",
        },
    )
    assert response.status_code == 302
    contract = OutcomeContract.objects.get(reference="RF-NL")
    assert (contract.budget_cap, contract.participant_cap) == (D("12500.50"), D("7900.00"))


def test_indigo_csv_is_a_dutch_csv(client, outcomes):
    a, _ = outcomes
    approved_proposal(a)
    text = get(client, a.officials[0], url("indigo_export", a.contract.pk, "csv")).content.decode("utf-8-sig")
    assert ";01-07-2026;30-09-2026;2;" in text and ";4345,14" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text.split("\n", 1)[1])


def test_django_admin_shows_neither_evidence_nor_signed_contract(admin_client, outcomes):
    a, _ = outcomes
    claim = submit(a, a.participants[0], evidence=ContentFile(PDF_BYTES, name="contract.pdf"))
    for path in (
        reverse("admin:resultaatfinanciering_claim_change", args=[claim.pk]),
        reverse("admin:resultaatfinanciering_outcomecontract_change", args=[a.contract.pk]),
    ):
        response = admin_client.get(path)
        assert response.status_code == 200
        assert "/media/" not in response.content.decode() and "contract.pdf" not in response.content.decode()


def test_second_approval_is_refused_while_the_municipality_has_no_iban(outcomes):
    from fund.models import Organisation

    a, _ = outcomes
    services.claim_verify(actor=a.officials[0], claim=submit(a, a.participants[0]))
    proposal = services.proposal_prepare(
        actor=a.officials[0], contract=a.contract, period_start=datetime.date(2026, 7, 1), period_end=SEP
    )
    services.proposal_approve(actor=a.officials[1], proposal=proposal)
    Organisation.objects.filter(pk=a.contract.payer_id).update(iban="")
    with pytest.raises(Exception, match="heeft geen IBAN"):
        services.proposal_approve(actor=a.officials[2], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PENDING and not document_latest(
        kind=services.KIND_SEPA, subject=proposal
    )


# --- names from data are text in every PDF ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ['"><img src=x onerror=alert(1)>', '<a href="https://evil.example">Betaal hier</a>']
)
def test_injected_names_render_as_text_in_the_payment_order_and_savings_report(client, outcomes, name):
    a, _ = outcomes
    organisation = a.contract.provider.organisation
    organisation.name = f"{name} B.V."
    organisation.save(update_fields=["name"])
    proposal = approved_proposal(a)
    client.force_login(a.officials[0])
    for path in (
        url("payment_order", proposal.pk, "pdf"),
        url("contract_report_file", a.contract.pk, "pdf") + "?periode=2026-Q3",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        content = b"".join(response.streaming_content) if response.streaming else response.content
        reader = PdfReader(io.BytesIO(content))
        text = " ".join(page.extract_text() for page in reader.pages)
        assert name in text, path
        assert not [annot for page in reader.pages for annot in (page.get("/Annots") or [])], path
