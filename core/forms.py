"""Form fields that read numbers the way a Dutch user types them (core.numbers.parse_decimal).

A text input with ``inputmode="decimal"`` (a numeric keyboard on phones), never ``type=number``: browsers
silently empty a number input holding "12.500,50" and some read "7.900" as 7,9.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import formats
from .money import to_decimal
from .numbers import parse_decimal

__all__ = ["AmountField", "DecimalField", "PercentField"]


class DecimalField(forms.DecimalField):
    """A number typed the Dutch way ("7.900", "12.500,50", "1,5"); refuses what it cannot read."""

    widget = forms.TextInput

    def __init__(self, *args, **kwargs):
        kwargs.pop("localize", None)
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        for key in ("step", "min", "max"):
            attrs.pop(key, None)
        attrs.setdefault("inputmode", "decimal")
        attrs.setdefault("autocomplete", "off")
        return attrs

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse_decimal(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number

    def validate(self, value):
        forms.Field.validate(self, value)

    def prepare_value(self, value):
        """Initial values shown as a Dutch user writes them ("12.500,5")."""
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            places = self.decimal_places if self.decimal_places is not None else 6
            return formats.format_number(value, max_places=places)
        return value


class AmountField(DecimalField):
    """An amount in euros, whole cents: "€ 1.234,56" and "1234,56" both read as 1234.56."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if hasattr(value, "amount"):
            value = value.amount
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return formats.format_number(value, 2)
        return value


class PercentField(DecimalField):
    """A percentage typed as people write it ("4,5" or "4,5 %") and returned as a fraction (0.045)."""

    default_error_messages = {"range": _("Vul een percentage tussen %(low)s en %(high)s in.")}

    def __init__(self, *args, low: Decimal = Decimal(0), high: Decimal = Decimal(100), **kwargs):
        self.low, self.high = low, high
        kwargs.setdefault("max_digits", 9)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        number = super().clean(value)
        if number is None:
            return None
        if not self.low <= number <= self.high:
            raise ValidationError(
                self.error_messages["range"] % {"low": self.low, "high": self.high}, code="range"
            )
        return number / 100

    def prepare_value(self, value):
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return formats.format_number(to_decimal(value) * 100, max_places=self.decimal_places)
        return value
