"""get_FOO_display: the same label as Django's own, for every choice of every model, in both languages."""

from __future__ import annotations

from functools import partialmethod

import pytest
from django.apps import apps
from django.db.models import Model
from django.utils import translation

from core.choices import get_field_display


def _choice_fields():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "choices", None) and getattr(field, "attname", None):
                yield model, field


def test_every_django_made_display_method_is_replaced():
    fields = list(_choice_fields())
    assert len(fields) > 40  # the statuses, roles, kinds … of every app
    for model, field in fields:
        method = model.__dict__.get(f"get_{field.name}_display")
        if method is None:  # defined on a parent class
            continue
        assert isinstance(method, partialmethod) and method.func is not Model._get_FIELD_display, (
            f"{model.__name__}.get_{field.name}_display"
        )


@pytest.mark.parametrize("language", ["nl", "en"])
def test_labels_equal_djangos_for_every_choice_and_an_unknown_value(language):
    compared = 0
    with translation.override(language):
        for model, field in _choice_fields():
            instance = model.__new__(model)
            for value in [value for value, _label in field.flatchoices] + ["niet-bestaand"]:
                instance.__dict__[field.attname] = value
                ours = get_field_display(instance, field=field)
                assert ours == Model._get_FIELD_display(instance, field), (model, field.name, value)
                assert ours == getattr(instance, f"get_{field.name}_display")()
                compared += 1
    assert compared > 200


def test_the_active_language_decides_the_label():
    from portfolio.models import Contract

    contract = Contract(status="active")
    with translation.override("nl"):
        assert contract.get_status_display() == "Lopend"
    with translation.override("en"):
        assert contract.get_status_display() == "Active"
