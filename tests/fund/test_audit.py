"""State changes go through services, write the audit trail in the same transaction, and are never edited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from core.errors import TransitionError
from fund import services
from fund.audit import audit_record
from fund.models import AuditEvent, Fund, Role
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db


def test_fund_status_change_is_audited_with_who_when_from_to_and_why():
    fund = make_fund()
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    services.fund_change_status(actor=manager, fund=fund, to_status="investing", reason="Eerste sluiting")
    event = AuditEvent.objects.for_object(fund).filter(action="fund_status_changed").get()
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        manager,
        "setting_up",
        "investing",
        "Eerste sluiting",
    )
    assert event.created_at is not None


def test_illegal_transition_is_refused_with_a_clear_message_and_nothing_recorded():
    fund = make_fund()
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionError) as exc:
        services.fund_change_status(actor=None, fund=fund, to_status="divesting", reason="x")
    assert "kan niet van 'In oprichting' naar 'Bouwt af'" in str(exc.value)
    assert "Investeert" in str(exc.value)
    fund.refresh_from_db()
    assert fund.status == "setting_up"
    assert AuditEvent.objects.count() == before


def test_closed_fund_cannot_change_status_at_all():
    fund = make_fund()
    services.fund_change_status(actor=None, fund=fund, to_status="closed", reason="Niet doorgegaan")
    with pytest.raises(TransitionError) as exc:
        services.fund_change_status(actor=None, fund=fund, to_status="investing", reason="x")
    assert "geen" in str(exc.value)


def test_status_change_needs_a_reason():
    fund = make_fund()
    with pytest.raises(ValidationError) as exc:
        services.fund_change_status(actor=None, fund=fund, to_status="investing", reason="  ")
    assert "reason" in exc.value.message_dict
    assert Fund.objects.get(pk=fund.pk).status == "setting_up"


def test_status_change_page_shows_the_refusal(client):
    fund = make_fund()
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    response = client.post(
        reverse("fund_change_status", args=[fund.pk]), {"to_status": "divesting", "reason": "x"}, follow=True
    )
    assert "kan niet van" in response.content.decode()


def test_committee_member_may_read_but_not_change_the_fund(client):
    fund = make_fund()
    client.force_login(make_member(Role.COMMITTEE_MEMBER, fund=fund))
    assert client.get(reverse("fund_detail", args=[fund.pk])).status_code == 200
    response = client.post(
        reverse("fund_change_status", args=[fund.pk]), {"to_status": "investing", "reason": "x"}
    )
    assert response.status_code == 403
    assert Fund.objects.get(pk=fund.pk).status == "setting_up"


def test_field_changes_are_recorded_from_and_to():
    enterprise = make_enterprise(name="Oude Naam B.V.", mission="oud")
    services.enterprise_update(
        actor=None, enterprise=enterprise, data={"name": "Nieuwe Naam B.V.", "mission": "nieuw"}
    )
    event = AuditEvent.objects.for_object(enterprise).filter(action="enterprise_updated").get()
    assert event.data["changes"]["name"] == {"from": "Oude Naam B.V.", "to": "Nieuwe Naam B.V."}
    assert event.data["changes"]["mission"] == {"from": "oud", "to": "nieuw"}


def test_an_update_that_changes_nothing_records_nothing():
    enterprise = make_enterprise(mission="zelfde")
    before = AuditEvent.objects.count()
    services.enterprise_update(actor=None, enterprise=enterprise, data={"mission": "zelfde"})
    assert AuditEvent.objects.count() == before


def test_history_is_shown_to_the_fund_manager_but_not_to_the_investee(client):
    fund = make_fund()
    enterprise = make_enterprise(fund=fund)
    services.enterprise_update(
        actor=None, enterprise=enterprise, data={"mission": "Geheime notitie-wijziging"}
    )
    url = reverse("organisation_detail", args=[enterprise.organisation_id])
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    assert "Geschiedenis" in client.get(url).content.decode()
    client.force_login(make_member(Role.INVESTEE, organisation=enterprise.organisation))
    assert "Geschiedenis" not in client.get(url).content.decode()


def test_audit_events_cannot_be_edited_or_deleted_through_the_orm():
    fund = make_fund()
    event = AuditEvent.objects.for_object(fund).first()
    event.reason = "vervalst"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="vervalst")
    with pytest.raises(ValidationError):
        AuditEvent.objects.all().delete()


def test_database_refuses_update_of_the_audit_trail():
    fund = make_fund()
    event = AuditEvent.objects.for_object(fund).first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE fund_auditevent SET reason = 'vervalst' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="DELETE is refused by the trigger on PostgreSQL"
)
def test_postgresql_refuses_delete_of_the_audit_trail():
    fund = make_fund()
    event = AuditEvent.objects.for_object(fund).first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM fund_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_record_refuses_to_run_outside_a_transaction(transactional_db):
    fund = make_fund()
    with pytest.raises(RuntimeError):
        audit_record(actor=None, obj=fund, action="x")


def test_a_failed_change_leaves_no_audit_record():
    """The audit record and the change commit or roll back together."""
    fund = make_fund()
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.fund_update(actor=None, fund=fund, data={"name": "Nieuw", "themes": []})
    assert AuditEvent.objects.count() == before
    assert Fund.objects.get(pk=fund.pk).name == fund.name


def test_history_shows_readable_actions_and_states(client):
    fund = make_fund()
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    services.fund_change_status(actor=manager, fund=fund, to_status="investing", reason="Eerste sluiting")
    client.force_login(manager)
    body = client.get(reverse("fund_detail", args=[fund.pk])).content.decode()
    assert "Status gewijzigd" in body
    assert "In oprichting → Investeert" in body
    assert "Lening" in body  # instruments by their label, not their code


def test_every_app_names_its_audit_actions_in_dutch():
    """The shared history table shows a label, never a raw action code, for the portfolio and impact apps."""
    from fund.audit import action_label

    assert action_label("repayment_received") == "Betaling ontvangen"
    assert action_label("penalty_interest_booked") == "Boeterente berekend"
    assert action_label("impact_report_accepted") == "Rapportage geaccepteerd"
    assert action_label("fund_created") == "Fonds aangemaakt"
    assert action_label("something_unknown") == "something_unknown"
