from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from core.forms import AmountField, DecimalField, PercentField

pytestmark = pytest.mark.django_db


class ExampleForm(forms.Form):
    amount = AmountField(label="Bedrag")
    count = DecimalField(label="Aantal", max_digits=12, decimal_places=4, required=False)
    rate = PercentField(label="Rente", required=False)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("125.000", Decimal("125000")), ("12.500,50", Decimal("12500.50")), ("€ 1.234,56", Decimal("1234.56"))],
)
def test_amounts_typed_the_dutch_way(typed, expected):
    form = ExampleForm({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == expected


def test_unreadable_input_is_an_error_on_the_field_not_an_empty_value():
    form = ExampleForm({"amount": "abc", "count": "1.2.3"})
    assert not form.is_valid()
    assert "geen geldig getal" in form.errors["amount"][0]
    assert "geen geldig getal" in form.errors["count"][0]


def test_too_many_decimals_for_an_amount():
    form = ExampleForm({"amount": "12,345"})
    assert not form.is_valid()
    assert "amount" in form.errors


def test_percent_is_typed_in_percent_and_kept_as_a_fraction():
    form = ExampleForm({"amount": "1", "rate": "4,5 %"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["rate"] == Decimal("0.045")
    assert not ExampleForm({"amount": "1", "rate": "150"}).is_valid()


def test_inputs_are_text_with_a_decimal_keyboard_and_show_dutch_values():
    with translation.override("nl"):
        form = ExampleForm(initial={"amount": Decimal("12500.5"), "rate": Decimal("0.045")})
        html = str(form["amount"])
        assert 'type="text"' in html and 'inputmode="decimal"' in html
        assert 'value="12.500,50"' in html
        assert 'value="4,5"' in str(form["rate"])
    assert 'type="number"' not in str(form)
