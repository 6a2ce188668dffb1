"""Bad input gets a message naming the field and the problem, and nothing is saved."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from djmoney.money import Money

from fund import services
from fund.forms import EnterpriseForm, FundForm
from fund.models import (
    AuditEvent,
    Enterprise,
    Fund,
    FundTheme,
    Municipality,
    Organisation,
    Role,
    SocialLabel,
    Theme,
)
from fund.validators import validate_cbs_code, validate_iban, validate_kvk_number
from tests.factories import make_enterprise, make_fund, make_fund_manager, make_member, municipality, themes

pytestmark = pytest.mark.django_db


def _errors(exc: ValidationError) -> dict[str, str]:
    return {field: " ".join(messages) for field, messages in exc.message_dict.items()}


# --- validators ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1234567", "123456789", "1234567a", "12 34 56 78", "abcdefgh"])
def test_kvk_number_must_be_eight_digits(value):
    with pytest.raises(ValidationError) as exc:
        validate_kvk_number(value)
    assert "acht cijfers" in exc.value.messages[0]
    assert value in exc.value.messages[0]


@pytest.mark.parametrize("value", ["12345678", "90210001"])
def test_valid_kvk_numbers_pass(value):
    validate_kvk_number(value)


@pytest.mark.parametrize("value", ["GM392", "gm0392", "GM03920", "XX0392", "0392", ""])
def test_cbs_code_must_be_gm_and_four_digits(value):
    with pytest.raises(ValidationError) as exc:
        validate_cbs_code(value)
    assert "CBS-gemeentecode" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("NL91ABNA0417164301", "controlegetal"),
        ("NL91ABNA04171643", "lengte"),
        ("XX91ABNA0417164300", ""),
    ],
)
def test_iban_is_checked_with_reason(value, reason):
    with pytest.raises(ValidationError) as exc:
        validate_iban(value)
    message = exc.value.messages[0]
    assert "geen geldig IBAN" in message
    assert reason in message


def test_valid_iban_passes_and_is_normalised(db):
    validate_iban("NL91 ABNA 0417 1643 00")
    enterprise = make_enterprise(iban="nl91 abna 0417 1643 00")
    assert enterprise.organisation.iban == "NL91ABNA0417164300"


# --- municipality (CBS code) ---------------------------------------------------------------------


def test_municipality_with_bad_cbs_code_is_refused_by_model_and_database():
    bad = Municipality(cbs_code="GM12", name="Nergensdorp", province="NH")
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert "cbs_code" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Municipality.objects.create(cbs_code="GM12", name="Nergensdorp", province="NH")


def test_duplicate_cbs_code_is_refused():
    with pytest.raises(ValidationError) as exc:
        Municipality(cbs_code="GM0392", name="Tweede Haarlem", province="NH").full_clean()
    assert "cbs_code" in exc.value.message_dict


def test_seed_municipalities_are_loaded_with_their_cbs_codes():
    expected = {
        "GM0599": "Rotterdam",
        "GM0363": "Amsterdam",
        "GM0344": "Utrecht",
        "GM0392": "Haarlem",
        "GM0377": "Bloemendaal",
        "GM0397": "Heemstede",
        "GM0473": "Zandvoort",
        "GM0375": "Beverwijk",
        "GM0396": "Heemskerk",
        "GM0453": "Velsen",
    }
    loaded = dict(Municipality.objects.filter(cbs_code__in=expected).values_list("cbs_code", "name"))
    assert loaded == expected
    assert "Den Haag" in Municipality.objects.get(cbs_code="GM0518").name


# --- enterprises ---------------------------------------------------------------------------------


def test_enterprise_with_bad_kvk_names_the_field_and_saves_nothing():
    before = (Organisation.objects.count(), Enterprise.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        make_enterprise(kvk_number="1234")
    assert "kvk_number" in exc.value.message_dict
    assert (Organisation.objects.count(), Enterprise.objects.count(), AuditEvent.objects.count()) == before


def test_enterprise_without_kvk_is_refused():
    with pytest.raises(ValidationError) as exc:
        make_enterprise(kvk_number="")
    assert "KvK-nummer" in _errors(exc.value)["kvk_number"]


def test_enterprise_with_bad_iban_and_postcode_names_both_fields():
    with pytest.raises(ValidationError) as exc:
        make_enterprise(iban="NL00BANK0123456789", postcode="20111AB")
    errors = _errors(exc.value)
    assert "IBAN" in errors["iban"]
    assert "postcode" in errors["postcode"]
    assert Enterprise.objects.count() == 0


def test_duplicate_kvk_number_is_refused_with_a_clear_message():
    first = make_enterprise(kvk_number="55554444")
    with pytest.raises(ValidationError) as exc:
        make_enterprise(kvk_number="55554444")
    assert "55554444" in _errors(exc.value)["kvk_number"]
    assert Organisation.objects.filter(kvk_number="55554444").get() == first.organisation


def test_duplicate_organisation_name_is_refused_case_insensitively():
    make_enterprise(name="De Fietsfabriek B.V.")
    with pytest.raises(ValidationError) as exc:
        make_enterprise(name="de fietsfabriek b.v.")
    assert "bestaat al" in _errors(exc.value)["name"]


def test_database_refuses_duplicate_kvk_even_without_the_service():
    make_enterprise(kvk_number="11112222")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Omweg B.V.", kvk_number="11112222")


def test_database_refuses_malformed_kvk_even_without_the_service():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Omweg B.V.", kvk_number="12ab")


def test_enterprise_update_refuses_taking_another_organisations_kvk():
    make_enterprise(kvk_number="33334444")
    other = make_enterprise(kvk_number="33335555")
    with pytest.raises(ValidationError) as exc:
        services.enterprise_update(actor=None, enterprise=other, data={"kvk_number": "33334444"})
    assert "kvk_number" in exc.value.message_dict
    other.organisation.refresh_from_db()
    assert other.organisation.kvk_number == "33335555"


def test_enterprise_form_reports_kvk_problem_on_the_field():
    form = EnterpriseForm(
        data={"name": "X", "kvk_number": "12", "legal_form": "bv", "municipality": municipality("GM0392").pk}
    )
    assert not form.is_valid()
    assert "acht cijfers" in " ".join(form.errors["kvk_number"])


def test_enterprise_create_page_shows_duplicate_error_and_saves_nothing(client):
    fund = make_fund()
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    make_enterprise(kvk_number="77778888", fund=fund)
    client.force_login(manager)
    count = Enterprise.objects.count()
    response = client.post(
        reverse("enterprise_create"),
        {
            "fund": fund.pk,
            "name": "Nieuwe Naam B.V.",
            "kvk_number": "77778888",
            "legal_form": "bv",
            "municipality": municipality("GM0392").pk,
        },
    )
    assert response.status_code == 200
    assert "Er bestaat al een organisatie met KvK-nummer 77778888" in response.content.decode()
    assert Enterprise.objects.count() == count


# --- social labels -------------------------------------------------------------------------------


def test_pso_label_needs_a_level_and_other_label_needs_a_name():
    enterprise = make_enterprise()
    with pytest.raises(ValidationError) as exc:
        services.social_label_add(
            actor=None, enterprise=enterprise, label_type="pso", valid_from=datetime.date(2026, 1, 1)
        )
    assert "pso_level" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.social_label_add(
            actor=None, enterprise=enterprise, label_type="other", valid_from=datetime.date(2026, 1, 1)
        )
    assert "other_name" in exc.value.message_dict
    assert SocialLabel.objects.count() == 0


def test_label_valid_to_before_valid_from_is_refused():
    enterprise = make_enterprise()
    with pytest.raises(ValidationError) as exc:
        services.social_label_add(
            actor=None,
            enterprise=enterprise,
            label_type="b_corp",
            valid_from=datetime.date(2026, 1, 1),
            valid_to=datetime.date(2025, 1, 1),
        )
    assert "valid_to" in exc.value.message_dict


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00 not a pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>"],
    ids=["exe", "polyglot"],
)
def test_label_certificate_must_be_a_pdf_by_content(client, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fund = make_fund()
    enterprise = make_enterprise(fund=fund)
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    fake = SimpleUploadedFile("certificaat.pdf", content, content_type="application/pdf")
    response = client.post(
        reverse("social_label_create", args=[enterprise.organisation_id]),
        {"label_type": "b_corp", "status": "certified", "valid_from": "2026-01-01", "certificate": fake},
    )
    assert response.status_code == 200
    assert "geen PDF" in response.content.decode()
    assert SocialLabel.objects.count() == 0


# --- funds ---------------------------------------------------------------------------------------


def _fund_kwargs(**overrides):
    kwargs = {
        "name": "Fonds Test",
        "code": "FT-1",
        "manager": make_fund_manager(),
        "vintage_year": 2026,
        "target_size": Money("1000000", "EUR"),
        "region": [municipality("GM0392")],
        "themes": themes("werk-en-participatie"),
        "min_ticket": Money("25000", "EUR"),
        "max_ticket": Money("250000", "EUR"),
        "allowed_instruments": ["loan"],
        "max_exposure_pct": Decimal("10"),
        "interest_rate_min": Decimal("2"),
        "interest_rate_max": Decimal("6"),
    }
    kwargs.update(overrides)
    return kwargs


def test_fund_with_four_themes_is_refused_by_the_service():
    four = list(Theme.objects.all()[:4])
    with pytest.raises(ValidationError) as exc:
        services.fund_create(actor=None, **_fund_kwargs(themes=four))
    assert _errors(exc.value)["themes"] == "Een fonds heeft maximaal 3 thema's; u koos er 4."
    assert Fund.objects.count() == 0


def test_fund_update_to_four_themes_is_refused_and_keeps_the_old_themes():
    fund = make_fund()
    with pytest.raises(ValidationError) as exc:
        services.fund_update(actor=None, fund=fund, data={"themes": list(Theme.objects.all()[:4])})
    assert "themes" in exc.value.message_dict
    assert [t.code for t in fund.themes.all()] == ["werk-en-participatie"]


def test_database_refuses_a_fourth_theme():
    fund = make_fund(themes=list(Theme.objects.all()[:3]))
    fourth = Theme.objects.exclude(pk__in=fund.themes.all()).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        FundTheme.objects.create(fund=fund, theme=fourth, position=4)


def test_fund_form_refuses_four_themes_with_a_clear_message():
    form = FundForm(data={"themes": [t.pk for t in Theme.objects.all()[:4]]})
    assert not form.is_valid()
    assert form.errors["themes"] == ["Een fonds heeft maximaal 3 thema's; u koos er 4."]


def test_fund_without_region_is_refused_by_service_and_form():
    with pytest.raises(ValidationError) as exc:
        services.fund_create(actor=None, **_fund_kwargs(region=[]))
    assert "gemeente" in _errors(exc.value)["region"]
    form = FundForm(data={"region": []})
    assert not form.is_valid()
    assert "Kies ten minste één gemeente" in form.errors["region"][0]
    assert Fund.objects.count() == 0


def test_fund_ticket_and_interest_ranges_and_instruments_are_checked():
    with pytest.raises(ValidationError) as exc:
        services.fund_create(
            actor=None,
            **_fund_kwargs(
                min_ticket=Money("300000", "EUR"),
                interest_rate_min=Decimal("8"),
                allowed_instruments=["loan", "crypto"],
            ),
        )
    errors = _errors(exc.value)
    assert "minimale ticket" in errors["min_ticket"]
    assert "minimale rente" in errors["interest_rate_min"]
    assert "crypto" in errors["allowed_instruments"]


def test_database_refuses_an_inverted_ticket_range():
    fund = make_fund()
    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.filter(pk=fund.pk).update(min_ticket=Decimal("999999"))


def test_fund_create_page_shows_errors_per_field(client, db):
    admin = make_member(Role.ADMINISTRATOR)
    client.force_login(admin)
    response = client.post(
        reverse("fund_create"),
        {
            "name": "Nieuw",
            "code": "N!",
            "themes": [t.pk for t in Theme.objects.all()[:4]],
            "region": [],
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "maximaal 3 thema" in body
    assert "Kies ten minste één gemeente" in body
    assert "Gebruik 2 tot 12 letters" in body
    assert Fund.objects.count() == 0


# --- memberships ---------------------------------------------------------------------------------


def test_membership_scope_must_match_role():
    fund = make_fund()
    enterprise = make_enterprise()
    user = make_member(Role.ADMINISTRATOR)
    with pytest.raises(ValidationError) as exc:
        services.membership_grant(
            actor=None, user=user, role=Role.INVESTEE, organisation=fund.manager.organisation
        )
    assert "impactonderneming" in _errors(exc.value)["organisation"]
    with pytest.raises(ValidationError) as exc:
        services.membership_grant(
            actor=None, user=user, role=Role.FUND_MANAGER, organisation=enterprise.organisation
        )
    assert "fund" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.membership_grant(
            actor=None, user=user, role=Role.MUNICIPAL_OFFICIAL, organisation=enterprise.organisation
        )
