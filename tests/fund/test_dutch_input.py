"""Fund forms read amounts the way a Dutch user types them; the organisation export is Dutch CSV."""

from decimal import Decimal

import pytest
from django.urls import reverse

from fund.forms import FundForm
from fund.models import Municipality, Role, Theme
from tests.factories import make_fund_manager, make_member

pytestmark = pytest.mark.django_db


def _data(**overrides):
    data = {
        "name": "SIF Test",
        "code": "SIF-T",
        "vintage_year": "2026",
        "target_size": "2.500.000",
        "region": [Municipality.objects.get(cbs_code="GM0392").pk],
        "themes": [Theme.objects.first().pk],
        "min_ticket": "25.000",
        "max_ticket": "€ 250.000,00",
        "allowed_instruments": ["loan"],
        "max_exposure_pct": "12,5",
        "interest_rate_min": "2",
        "interest_rate_max": "6,5",
        "max_term_months": "84",
    }
    return data | overrides


def test_amounts_and_percentages_typed_the_dutch_way():
    form = FundForm(data=_data(), manager_choices=None)
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["target_size"] == Decimal("2500000")
    assert data["min_ticket"] == Decimal("25000")
    assert data["max_ticket"] == Decimal("250000.00")
    assert data["max_exposure_pct"] == Decimal("12.5")
    assert data["interest_rate_max"] == Decimal("6.5")


@pytest.mark.parametrize(
    ("field", "typed"), [("target_size", "abc"), ("min_ticket", "1.2.3"), ("max_ticket", "")]
)
def test_unreadable_amounts_are_field_errors(field, typed):
    form = FundForm(data=_data(**{field: typed}), manager_choices=None)
    assert not form.is_valid()
    assert field in form.errors


def test_amount_inputs_are_text_with_a_decimal_keyboard():
    html = str(FundForm(manager_choices=None)["target_size"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html


def test_organisation_export_is_dutch_csv(client):
    manager = make_fund_manager()
    admin = make_member(Role.ADMINISTRATOR)
    client.force_login(admin)
    response = client.get(reverse("organisation_export"))
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffNaam;KvK-nummer;Soort;Plaats;Gemeente\r\n")
    assert manager.organisation.name in text
