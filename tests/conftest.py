"""Shared fixtures. `world` is two of everything, for the isolation matrix that later issues extend."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from djmoney.money import Money

from core.pdf import one_page_pdf
from fund import services
from fund.models import Enterprise, Fund, Investor, Organisation, Role, SocialLabel, User
from portfolio import services as portfolio_services
from portfolio.models import Contract
from tests.factories import make_enterprise, make_fund, make_fund_manager, make_member, municipality, next_kvk

PDF_BYTES = one_page_pdf("Testdocument")  # a real PDF: uploads are checked by parsing


@pytest.fixture(autouse=True)
def dutch_by_default():
    """Every test starts in Dutch, as a user does: a request in English (LocaleMiddleware activates the
    language for the thread and leaves it) must not turn a later test's labels English in the same worker."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class Side:
    """One half of the world: a fund with its own enterprise, municipality, investor and users."""

    fund: Fund
    enterprise: Enterprise
    label: SocialLabel
    government: Organisation
    investor: Investor
    users: dict[Role, User]
    contract: Contract


@dataclass
class World:
    a: Side
    b: Side
    admin: User

    def other(self, side: Side) -> Side:
        return self.b if side is self.a else self.a


def _side(*, manager, cbs_code: str, tag: str) -> Side:
    fund = make_fund(manager=manager, region_codes=(cbs_code,), name=f"Fonds {tag}", code=f"F-{tag}")
    fund = services.fund_change_status(actor=None, fund=fund, to_status="investing", reason="start")
    enterprise = make_enterprise(fund=fund, municipality_code=cbs_code, name=f"Onderneming {tag} B.V.")
    label = services.social_label_add(
        actor=None,
        enterprise=enterprise,
        label_type="pso",
        pso_level="trede_1",
        valid_from=datetime.date(2025, 1, 1),
        certificate=ContentFile(PDF_BYTES, name=f"pso-{tag}.pdf"),
    )
    government = services.municipality_government_create(actor=None, municipality=municipality(cbs_code))
    investor = services.investor_create(
        actor=None, name=f"Investeerder {tag}", investor_type="foundation", kvk_number=next_kvk()
    )
    services.commitment_create(
        actor=None,
        fund=fund,
        investor=investor,
        amount=Money("100000", "EUR"),
        committed_on=datetime.date(2025, 1, 1),
    )
    users = {
        Role.FUND_MANAGER: make_member(Role.FUND_MANAGER, fund=fund),
        Role.COMMITTEE_MEMBER: make_member(Role.COMMITTEE_MEMBER, fund=fund),
        Role.INVESTEE: make_member(Role.INVESTEE, organisation=enterprise.organisation),
        Role.MUNICIPAL_OFFICIAL: make_member(Role.MUNICIPAL_OFFICIAL, organisation=government),
        Role.INVESTOR: make_member(Role.INVESTOR, organisation=investor.organisation),
    }
    contract = portfolio_services.contract_create(
        actor=None,
        fund=fund,
        enterprise=enterprise,
        reference=f"C-{tag}",
        instrument="loan",
        principal=Money("50000.00", "EUR"),
        annual_rate=Decimal("0.05"),
        term_months=24,
    )
    portfolio_services.contract_disburse(
        actor=None, contract=contract, amount=Decimal("50000.00"), value_date=datetime.date(2026, 1, 15)
    )
    return Side(fund, enterprise, label, government, investor, users, contract)


@pytest.fixture
def world(db) -> World:
    manager = make_fund_manager("Gedeelde Beheerder B.V.")  # one manager runs both funds
    a = _side(manager=manager, cbs_code="GM0392", tag="A")
    b = _side(manager=manager, cbs_code="GM0599", tag="B")
    admin = make_member(Role.ADMINISTRATOR)
    return World(a=a, b=b, admin=admin)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- reference data around transactional tests -----------------------------------------------------
# A transactional test (live server, threads, deferred triggers) empties every table afterwards, including
# the reference data the data migration loaded (municipalities, SDGs, themes). It is loaded again before each
# such test (an earlier one may have emptied it) and after it (so later tests find the database as migrated).

_blocker_key = pytest.StashKey[object]()


def load_reference_data() -> None:
    import importlib

    from django.apps import apps

    importlib.import_module("fund.migrations.0002_reference_data").load(apps, None)
    importlib.import_module("fund.migrations.0008_reference_rate_margins").add_margins(apps, None)
    importlib.import_module("impactmeasurement.migrations.0002_starter_catalogue").load(apps, None)


def _is_transactional(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    return bool(
        names & {"transactional_db", "live_server"}
        or (marker is not None and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    if not _is_transactional(request.node):
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        load_reference_data()
    request.node.stash[_blocker_key] = blocker


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem):
    try:
        return (yield)
    finally:
        blocker = item.stash.get(_blocker_key, None)
        # After the session's last test the test database is already gone (session fixtures are torn down
        # inside this hook); nothing later needs the data, and reloading it would reach the real database.
        if blocker is not None and nextitem is not None:
            with blocker.unblock():
                load_reference_data()
