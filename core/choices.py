"""`get_FOO_display()` without translating every choice on every call.

Django's own implementation builds `dict(make_hashable(field.flatchoices))` on each call: hashing the pairs
hashes their lazy labels, so every call translates every choice of the field (a status with twelve choices:
twelve gettext calls to show one label). A list page shows dozens of statuses; on the fund manager's
dashboard this was 8 % of the request (bench/pagecost.py). Here each field's value → label map is built once
(the labels stay lazy, so the active language still decides) and a call translates one label. Same result.
"""

from __future__ import annotations

from functools import partialmethod

from django.db.models import Field, Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


def _labels(field: Field) -> dict:
    labels = field.__dict__.get("_display_labels")
    if labels is None:
        labels = {make_hashable(value): label for value, label in field.flatchoices}
        if isinstance(field.choices, list | tuple):  # fixed choices: keep the map; callable ones may change
            field._display_labels = labels
    return labels


def get_field_display(self: Model, field: Field) -> str:
    value = getattr(self, field.attname)
    return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)


def speed_up_choice_display(models) -> int:
    """Point every model's Django-made `get_FOO_display` at `get_field_display`; a model's own stays."""
    replaced = 0
    for model in models:
        for field in model._meta.get_fields():
            name = f"get_{getattr(field, 'name', '')}_display"
            current = model.__dict__.get(name)
            if isinstance(current, partialmethod) and current.func is Model._get_FIELD_display:
                setattr(model, name, partialmethod(get_field_display, field=field))
                replaced += 1
    return replaced
