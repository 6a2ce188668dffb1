"""Many links to the same page of different objects, at the cost of one `reverse()`.

The top bar of a fund manager of twenty funds carries a hundred links (pipeline, committee and back office per
fund); reversing each one was a measurable share of every page (bench/pagecost.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

_SENTINEL = 987654321987


def reverse_each(name: str, pks: Iterable[int]) -> list[str]:
    """`[reverse(name, args=[pk]) for pk in pks]`, for a URL pattern whose one argument is an int."""
    url = reverse(name, args=[_SENTINEL])
    head, sentinel, tail = url.partition(str(_SENTINEL))
    if not sentinel or str(_SENTINEL) in tail:
        raise ValueError(f"{name!r} does not take exactly one integer argument")
    return [f"{head}{int(pk)}{tail}" for pk in pks]
