"""Factories for tests. Objects with rules (funds, enterprises) are built through the services."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import factory
from djmoney.money import Money

from fund import services
from fund.models import FundManager, Municipality, Role, Theme, User

_kvk = itertools.count(70000001)
_code = itertools.count(1)


def next_kvk() -> str:
    return f"{next(_kvk):08d}"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@test.example")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    password = factory.django.Password("test-password-123")


def municipality(code: str) -> Municipality:
    return Municipality.objects.get(cbs_code=code)


def themes(*codes: str) -> list[Theme]:
    return [Theme.objects.get(code=c) for c in codes]


def make_fund_manager(name: str | None = None) -> FundManager:
    return services.fund_manager_create(
        actor=None, name=name or f"Beheerder {next(_code)} B.V.", kvk_number=next_kvk()
    )


def make_fund(*, manager: FundManager | None = None, region_codes=("GM0392",), **overrides):
    n = next(_code)
    kwargs = {
        "name": f"Testfonds {n}",
        "code": f"TF-{n}",
        "manager": manager or make_fund_manager(),
        "vintage_year": 2025,
        "target_size": Money("2000000.00", "EUR"),
        "region": [municipality(c) for c in region_codes],
        "themes": themes("werk-en-participatie"),
        "min_ticket": Money("25000.00", "EUR"),
        "max_ticket": Money("250000.00", "EUR"),
        "allowed_instruments": ["loan"],
        "max_exposure_pct": Decimal("10"),
        "interest_rate_min": Decimal("2"),
        "interest_rate_max": Decimal("6"),
    }
    kwargs.update(overrides)
    return services.fund_create(actor=None, **kwargs)


def make_enterprise(*, fund=None, municipality_code: str = "GM0392", **overrides):
    n = next(_code)
    kwargs = {
        "name": f"Onderneming {n} B.V.",
        "kvk_number": next_kvk(),
        "legal_form": "bv",
        "municipality": municipality(municipality_code),
        "city": "Haarlem",
        "postcode": "2011 AB",
    }
    kwargs.update(overrides)
    return services.enterprise_create(actor=None, fund=fund, **kwargs)


def make_member(role: Role, **scope) -> User:
    user = UserFactory()
    services.membership_grant(actor=None, user=user, role=role, **scope)
    return user


def today() -> datetime.date:
    return datetime.date(2026, 11, 23)


def api_key_for(user, *, name: str = "test", valid_days: int = 30) -> str:
    """A fresh API key for a user whose role may hold tokens (fund.api_tokens)."""
    from fund.api_tokens import api_token_create

    _token, key = api_token_create(actor=user, name=f"{name}-{next_kvk()}", valid_days=valid_days)
    return key


def polyglot_pdf() -> bytes:
    """A real PDF (pypdf opens it) with a web page in its first kilobyte, where a browser sniffs."""
    from tests.conftest import PDF_BYTES

    return PDF_BYTES[:9] + b"%<html><script>alert(document.cookie)</script>\n" + PDF_BYTES[9:]


def zip_bomb_xlsx(*, megabytes: int = 40) -> bytes:
    """An 'xlsx' of some tens of kilobytes that unpacks to ``megabytes`` MB of sheet XML."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<row><c><v>1</v></c></row>" * (megabytes * 40_000))
    return buffer.getvalue()


def huge_dimension_xlsx(*, rows: int = 1_000_000) -> bytes:
    """A tiny, valid workbook whose sheet declares ``rows`` rows (one cell far down): refused by its
    declared dimension before any row is read."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "referentie"
    workbook.active.cell(row=rows, column=1, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
