"""Stored documents: kept once, versioned with a reason, immutable, served only to who may see them."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from core.documents import (
    document_latest,
    document_store,
    document_url,
    documents_for,
    documents_latest,
    register_document_kind,
)
from core.errors import ApplicationError
from core.models import DownloadRecord, StoredDocument
from fund.models import Role
from tests.factories import make_fund, make_member

pytestmark = pytest.mark.django_db

# The test kind: only the fund's own fund managers may see a fund's test documents.
register_document_kind(
    "test_fund_sheet",
    label="Testblad",
    can_view=lambda user, fund: user.memberships.filter(role=Role.FUND_MANAGER, fund=fund).exists(),
)

PDF = b"%PDF-1.4 one\n%%EOF\n"


def _store(fund, content=PDF, reason="", actor=None):
    return document_store(
        kind="test_fund_sheet", subject=fund, content=content, filename="blad.pdf", actor=actor, reason=reason
    )


def test_store_keeps_bytes_hash_and_version():
    fund = make_fund()
    document = _store(fund)
    assert document.version == 1
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert bytes(StoredDocument.objects.get(pk=document.pk).content) == PDF
    assert document.media_type == "application/pdf"
    assert document_latest(kind="test_fund_sheet", subject=fund) == document


def test_the_same_bytes_are_the_same_document():
    fund = make_fund()
    first = _store(fund)
    again = _store(fund)
    assert again.pk == first.pk
    assert StoredDocument.objects.count() == 1


def test_different_bytes_need_a_reason_and_become_the_next_version():
    fund = make_fund()
    first = _store(fund)
    with pytest.raises(ApplicationError) as excinfo:
        _store(fund, content=b"%PDF-1.4 two\n")
    assert excinfo.value.field == "reason"
    second = _store(fund, content=b"%PDF-1.4 two\n", reason="bedrag gecorrigeerd")
    assert (first.version, second.version) == (1, 2)
    assert [d.version for d in documents_for(subject=fund)] == [2, 1]
    assert bytes(StoredDocument.objects.get(pk=first.pk).content) == PDF  # the old one stays


def test_an_unregistered_kind_is_refused():
    with pytest.raises(LookupError):
        document_store(kind="nobody_knows", subject=make_fund(), content=PDF, filename="x.pdf", actor=None)


def test_a_bsn_in_the_file_name_is_refused():
    with pytest.raises(ValidationError):
        document_store(
            kind="test_fund_sheet",
            subject=make_fund(),
            content=PDF,
            filename="loonstrook_111222333.pdf",
            actor=None,
        )


def test_documents_cannot_be_changed_or_deleted():
    document = _store(make_fund())
    document.filename = "anders.pdf"
    with pytest.raises(ValidationError):
        document.save()
    with pytest.raises(ValidationError):
        document.delete()
    with pytest.raises(ValidationError):
        StoredDocument.objects.filter(pk=document.pk).update(filename="anders.pdf")
    with pytest.raises(ValidationError):
        StoredDocument.objects.all().delete()


def test_the_database_refuses_an_update():
    document = _store(make_fund())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_storeddocument SET filename = 'x.pdf' WHERE id = %s", [document.pk])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="DELETE is refused by the trigger on PostgreSQL"
)
def test_postgresql_refuses_a_delete():
    document = _store(make_fund())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_storeddocument WHERE id = %s", [document.pk])


def test_download_serves_the_same_bytes_to_who_may_see_it_and_records_it(client):
    fund = make_fund()
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    document = _store(fund)
    client.force_login(manager)
    first = client.get(document_url(document))
    second = client.get(document_url(document))
    assert first.status_code == 200
    assert first.content == second.content == PDF
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"].startswith("attachment;")
    assert DownloadRecord.objects.filter(document=document, user=manager).count() == 2


@pytest.mark.parametrize("role", [Role.FUND_MANAGER, Role.INVESTOR, Role.COMMITTEE_MEMBER])
def test_download_is_404_for_anyone_else(client, role):
    fund, other_fund = make_fund(), make_fund(region_codes=("GM0363",))
    document = _store(fund)
    if role == Role.FUND_MANAGER:
        user = make_member(role, fund=other_fund)
    elif role == Role.COMMITTEE_MEMBER:
        user = make_member(role, fund=fund)  # the right fund, but not a role the kind allows
    else:
        from fund import services
        from tests.factories import next_kvk

        investor = services.investor_create(
            actor=None, name="Ander", investor_type="foundation", kvk_number=next_kvk()
        )
        user = make_member(role, organisation=investor.organisation)
    client.force_login(user)
    assert client.get(document_url(document)).status_code == 404
    assert not DownloadRecord.objects.exists()


def test_download_needs_a_login(client):
    document = _store(make_fund())
    response = client.get(reverse("document_download", kwargs={"pk": document.pk}))
    assert response.status_code == 302


def test_latest_documents_of_many_subjects_come_in_one_query(django_assert_num_queries):
    funds = [make_fund() for _ in range(3)]
    _store(funds[0])
    newest = _store(funds[0], content=PDF + b"v2", reason="Bedrag gecorrigeerd")
    only = _store(funds[1])
    with django_assert_num_queries(1):
        latest = documents_latest(kind="test_fund_sheet", subjects=funds)
    assert {pk: d.pk for pk, d in latest.items()} == {funds[0].pk: newest.pk, funds[1].pk: only.pk}
    assert "content" in latest[funds[0].pk].get_deferred_fields()  # a list never loads the bytes
    assert documents_latest(kind="test_fund_sheet", subjects=[]) == {}
    assert documents_latest(kind="another_kind", subjects=funds) == {}
