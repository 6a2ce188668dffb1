import pytest
from django.urls import reverse

from core.links import reverse_each


@pytest.mark.parametrize("name", ["pipeline_overview", "meeting_list", "portfolio_overview", "ledger_report"])
def test_reverse_each_gives_what_reverse_gives(name):
    pks = [1, 7, 10, 987, 123456789]
    assert reverse_each(name, pks) == [reverse(name, args=[pk]) for pk in pks]
    assert reverse_each(name, []) == []


def test_reverse_each_refuses_a_url_without_one_integer_argument():
    with pytest.raises(Exception):  # noqa: B017 - Django's NoReverseMatch or our ValueError, both refuse
        reverse_each("fund_list", [1])
