"""The investee's loan statement PDF: served to those who may see the contract, with its figures."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from fund.models import User
from portfolio.models import Contract

pytestmark = pytest.mark.django_db


def test_investee_downloads_the_loan_statement_of_its_own_contract(client):
    call_command("load_demo", quiet_logins=True)
    investee = User.objects.get(email="ondernemer@impactfonds.example")
    own = Contract.objects.get(reference="ZKIJ-2025-001")
    client.force_login(investee)
    response = client.get(reverse("loan_statement", args=[own.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert b"Leningoverzicht ZKIJ-2025-001" in response.content  # the document title (metadata)
    assert len(response.content) > 3000
    other = Contract.objects.get(reference="ZKIJ-2025-002")
    assert client.get(reverse("loan_statement", args=[other.pk])).status_code == 404
