"""Eligibility checks (one test per check, with the numbers) and the financial analysis (hand-checked)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from fund import services as fund_services
from fund.models import AuditEvent, Role, SocialLabel
from pipeline import analysis, eligibility, services
from pipeline.models import Application, FinancialYear, ProposedTerms
from tests.factories import make_enterprise, themes

from .pipeline_factories import YEAR, draft, submitted


def _result(check, application):
    return check(application)


# --- region ------------------------------------------------------------------------------------


def test_region_pass(world):
    result = eligibility.check_region(draft(world.a))
    assert result.outcome == "pass"
    assert result.numbers == {"municipality": "GM0392", "region": ["GM0392"]}


def test_region_fail_names_municipality_and_region(world):
    outsider = make_enterprise(fund=world.a.fund, municipality_code="GM0599", name="Rotterdamse Zaak B.V.")
    fund_services.social_label_add(
        actor=None, enterprise=outsider, label_type="b_corp", valid_from=datetime.date(2025, 1, 1)
    )
    application = services.application_create(
        actor=world.a.users[Role.FUND_MANAGER], fund=world.a.fund, enterprise=outsider, instrument="loan"
    )
    result = eligibility.check_region(application)
    assert result.outcome == "fail"
    assert "Rotterdam" in result.reason and "Haarlem" in result.reason


# --- theme -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "outcome"),
    [
        (["werk-en-participatie"], "pass"),
        (["werk-en-participatie", "armoede-en-schulden"], "warning"),
        (["armoede-en-schulden"], "fail"),
        ([], "fail"),
    ],
)
def test_theme(world, codes, outcome):
    application = draft(world.a)
    application.themes.set(themes(*codes))
    assert eligibility.check_theme(application).outcome == outcome


# --- ticket ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "outcome"),
    [("24999.99", "fail"), ("25000.00", "pass"), ("250000.00", "pass"), ("250000.01", "fail")],
)
def test_ticket_limits(world, amount, outcome):
    application = draft(world.a, requested_amount=Money(amount, "EUR"))
    result = eligibility.check_ticket(application)
    assert result.outcome == outcome
    assert result.numbers == {
        "requested": Decimal(amount),
        "min": Decimal("25000.00"),
        "max": Decimal("250000.00"),
    }


def test_ticket_reason_in_euros(world):
    result = eligibility.check_ticket(draft(world.a, requested_amount=Money("20000", "EUR")))
    assert result.reason == "€ 20.000,00 is minder dan het minimale ticket van € 25.000,00."


# --- instrument --------------------------------------------------------------------------------


def test_instrument(world):
    assert eligibility.check_instrument(draft(world.a, instrument="loan")).outcome == "pass"
    result = eligibility.check_instrument(draft(world.a, instrument="equity"))
    assert result.outcome == "fail"
    assert result.reason == "Aandelenkapitaal is niet toegestaan; het fonds verstrekt: Lening."


# --- term --------------------------------------------------------------------------------------


def test_term_beyond_policy(world):
    application = draft(world.a, term_months=60)
    assert eligibility.check_term(application).outcome == "pass"
    application.fund.max_term_months = 48
    result = eligibility.check_term(application)
    assert result.outcome == "fail"
    assert result.numbers == {"term_months": 60, "max_term_months": 48}


# --- concentration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "outcome", "total", "pct"),
    [
        # existing: contract C-A, 50.000 disbursed; limit 10 % of 2.000.000 = 200.000; warning from 160.000
        ("40000.00", "pass", "90000.00", "4.50"),
        ("120000.00", "warning", "170000.00", "8.50"),
        ("150000.00", "warning", "200000.00", "10.00"),  # exactly at the limit: allowed
        ("150000.01", "fail", "200000.01", "10.00"),
    ],
)
def test_concentration_includes_existing_exposure(world, requested, outcome, total, pct):
    application = draft(world.a, requested_amount=Money(requested, "EUR"))
    result = eligibility.check_concentration(application)
    assert result.outcome == outcome
    assert result.numbers["existing"] == Decimal("50000.00")
    assert result.numbers["limit"] == Decimal("200000.00")
    assert result.numbers["total"] == Decimal(total)
    assert result.numbers["pct"] == Decimal(pct)


def test_concentration_reason_shows_the_sum(world):
    result = eligibility.check_concentration(draft(world.a))
    assert result.reason == (
        "Bestaande blootstelling € 50.000,00 + gevraagd € 40.000,00 = € 90.000,00, "
        "4,50 % van de fondsomvang; maximum 10 % (€ 200.000,00)."
    )


# --- social label ------------------------------------------------------------------------------


def test_social_label_present(world):
    result = eligibility.check_social_label(draft(world.a))
    assert result.outcome == "pass" and "PSO Trede 1" in result.reason


def test_social_label_being_obtained_within_a_year_is_a_warning(world):
    SocialLabel.objects.filter(enterprise=world.a.enterprise).delete()
    applied_on = timezone.localdate() - datetime.timedelta(days=100)
    fund_services.social_label_add(
        actor=None,
        enterprise=world.a.enterprise,
        label_type="code_so",
        status="applied",
        valid_from=applied_on,
    )
    result = eligibility.check_social_label(draft(world.a))
    assert result.outcome == "warning"
    assert result.numbers["deadline"] == applied_on + datetime.timedelta(days=365)


def test_social_label_applied_more_than_a_year_ago_fails(world):
    SocialLabel.objects.filter(enterprise=world.a.enterprise).delete()
    fund_services.social_label_add(
        actor=None,
        enterprise=world.a.enterprise,
        label_type="code_so",
        status="applied",
        valid_from=timezone.localdate() - datetime.timedelta(days=400),
    )
    assert eligibility.check_social_label(draft(world.a)).outcome == "fail"


def test_no_social_label_fails(world):
    SocialLabel.objects.filter(enterprise=world.a.enterprise).delete()
    assert eligibility.check_social_label(draft(world.a)).outcome == "fail"


# --- other open application --------------------------------------------------------------------


def test_other_open_application_at_the_fund_fails(world):
    first = submitted(world.a)
    second = draft(world.a)
    result = eligibility.check_open_application(second)
    assert result.outcome == "fail"
    assert result.numbers == {"open": [first.number]}
    Application.objects.filter(pk=first.pk).update(status="rejected")
    assert eligibility.check_open_application(second).outcome == "pass"


# --- run on submit and on demand; override --------------------------------------------------


def test_checks_run_on_submit_and_on_demand(world):
    application = submitted(world.a)
    assert {c.code: c.outcome for c in services.latest_checks(application)} == {
        "region": "pass",
        "theme": "pass",
        "ticket": "pass",
        "instrument": "pass",
        "term": "pass",
        "concentration": "pass",
        "social_label": "pass",
        "open_application": "pass",
        "de_minimis": "warning",  # no EU base rate recorded in this world: the aid cannot be computed
    }
    SocialLabel.objects.filter(enterprise=world.a.enterprise).delete()
    services.eligibility_run(actor=world.a.users[Role.FUND_MANAGER], application=application)
    latest = {c.code: c for c in services.latest_checks(application)}
    assert latest["social_label"].outcome == "fail" and latest["social_label"].run == 2
    assert application.eligibility_checks.count() == 2 * len(eligibility.CHECKS)  # the first run is kept


def test_only_the_fund_manager_runs_checks_on_demand(world):
    from core.errors import PermissionDeniedError

    application = submitted(world.a)
    for role in (Role.INVESTEE, Role.COMMITTEE_MEMBER):
        with pytest.raises(PermissionDeniedError):
            services.eligibility_run(actor=world.a.users[role], application=application)


def test_override_needs_a_written_reason_and_is_audited(world):
    SocialLabel.objects.filter(enterprise=world.a.enterprise).delete()
    application = submitted(world.a)
    manager = world.a.users[Role.FUND_MANAGER]
    with pytest.raises(ValidationError):
        services.eligibility_override(actor=manager, application=application, code="social_label", reason=" ")
    with pytest.raises(ApplicationError):  # a passing check is not overridden
        services.eligibility_override(actor=manager, application=application, code="region", reason="x")
    services.eligibility_override(
        actor=manager, application=application, code="social_label", reason="PSO-audit gepland in mei"
    )
    event = AuditEvent.objects.for_object(application).get(action="application_check_overridden")
    assert event.reason == "PSO-audit gepland in mei"
    assert (event.from_state, event.to_state, event.data["check"]) == ("fail", "overridden", "social_label")
    assert services.unresolved_checks(application) == []


def test_investee_cannot_override(world):
    from core.errors import PermissionDeniedError

    SocialLabel.objects.filter(enterprise=world.a.enterprise).delete()
    application = submitted(world.a)
    with pytest.raises(PermissionDeniedError):
        services.eligibility_override(
            actor=world.a.users[Role.INVESTEE], application=application, code="social_label", reason="graag"
        )


# --- financial analysis (hand-checked) -------------------------------------------------------


def _terms(application, **overrides) -> ProposedTerms:
    values = {
        "amount": Money("40000.00", "EUR"),
        "instrument": "loan",
        "interest_rate": Decimal("4.00"),
        "term_months": 36,
        "grace_months": 6,
        "method": "annuity",
        "frequency": "monthly",
    }
    values.update(overrides)
    return ProposedTerms.objects.create(application=application, **values)


def test_solvency_and_current_ratio(world):
    application = draft(world.a)
    FinancialYear.objects.create(application=application, year=2025, **YEAR)
    FinancialYear.objects.create(application=application, year=2024, **{**YEAR, "equity": Decimal("1")})
    ratios = {r.code: r for r in analysis.financial_analysis(application)}
    assert ratios["solvency"].value == Decimal("0.30")  # 75.000 / 250.000, the latest actual year
    assert ratios["current_ratio"].value == Decimal("1.50")  # 90.000 / 60.000


def test_dscr_uses_the_first_year_of_the_projected_schedule(world):
    application = draft(world.a)
    FinancialYear.objects.create(application=application, year=2025, **YEAR)
    _terms(application)
    start = datetime.date(2026, 7, 1)
    # 6 interest-only months: 40.000 × 4 % / 12 = 133,33; then an annuity over 30 months:
    # 40.000 × r / (1 − (1 + r)^−30) with r = 0,04/12 = 1.403,33.
    # First year: 6 × 133,33 + 6 × 1.403,33 = 9.219,96.
    rows = analysis.projected_schedule(application.terms, start=start)
    assert [r.payment for r in rows[:7]] == [Decimal("133.33")] * 6 + [Decimal("1403.33")]
    assert analysis.first_year_debt_service(rows, start) == Decimal("9219.96")
    ratio = analysis.dscr(FinancialYear.objects.get(application=application), application.terms, start=start)
    # 60.000 / (12.000 + 9.219,96) = 2,8275...
    assert ratio.value == Decimal("2.83")
    assert ratio.numbers["proposed"] == Decimal("9219.96")


def test_dscr_for_equity_counts_only_existing_debt_service(world):
    application = draft(world.a)
    FinancialYear.objects.create(application=application, year=2025, **YEAR)
    _terms(application, instrument="equity")
    ratios = {r.code: r for r in analysis.financial_analysis(application)}
    assert ratios["dscr"].value == Decimal("5.00")  # 60.000 / 12.000


@pytest.mark.parametrize(
    ("missing", "code", "reason"),
    [
        ("equity", "solvency", "eigen vermogen of balanstotaal ontbreekt (2025)"),
        ("total_assets", "solvency", "eigen vermogen of balanstotaal ontbreekt (2025)"),
        ("current_liabilities", "current_ratio", "vlottende activa of kortlopende schulden ontbreken (2025)"),
        ("ebitda", "dscr", "EBITDA ontbreekt (2025)"),
        ("debt_service", "dscr", "bestaande schuldendienst ontbreekt (2025)"),
    ],
)
def test_missing_data_gives_not_applicable(world, missing, code, reason):
    application = draft(world.a)
    FinancialYear.objects.create(application=application, year=2025, **{**YEAR, missing: None})
    _terms(application)
    ratio = {r.code: r for r in analysis.financial_analysis(application)}[code]
    assert ratio.value is None and ratio.reason == reason


def test_no_financials_and_no_terms(world):
    application = draft(world.a)
    ratios = analysis.financial_analysis(application)
    assert all(r.value is None and r.reason == "geen jaarcijfers" for r in ratios)
    FinancialYear.objects.create(application=application, year=2025, **YEAR)
    dscr = {r.code: r for r in analysis.financial_analysis(application)}["dscr"]
    assert dscr.reason == "nog geen voorgestelde voorwaarden"
