"""Period generation and due dates; each validation rule (type, unit, range, choices, required, anomalies)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from impactmeasurement import services
from impactmeasurement.models import Metric, Report
from impactmeasurement.periods import period_spans, previous_label
from impactmeasurement.services import ReportValidationError
from impactmeasurement.validation import ValueProblem, parse_number, parse_value
from tests.impactmeasurement.factories import entries, kpi_of

D = Decimal


def test_quarters_with_due_dates():
    spans = period_spans(
        frequency="quarterly", start=datetime.date(2026, 2, 15), end=datetime.date(2026, 12, 31), due_days=30
    )
    assert [s.label for s in spans] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    q3 = spans[2]
    assert (q3.start, q3.end, q3.due_date) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 9, 30),
        datetime.date(2026, 10, 30),
    )
    assert spans[3].due_date == datetime.date(2027, 1, 30)


def test_half_years_and_years_across_year_end():
    halves = period_spans(
        frequency="half_yearly", start=datetime.date(2025, 9, 1), end=datetime.date(2026, 7, 1), due_days=45
    )
    assert [(s.label, s.end, s.due_date) for s in halves] == [
        ("2025-H2", datetime.date(2025, 12, 31), datetime.date(2026, 2, 14)),
        ("2026-H1", datetime.date(2026, 6, 30), datetime.date(2026, 8, 14)),
        ("2026-H2", datetime.date(2026, 12, 31), datetime.date(2027, 2, 14)),
    ]
    years = period_spans(
        frequency="yearly", start=datetime.date(2025, 3, 1), end=datetime.date(2026, 3, 1), due_days=60
    )
    assert [s.label for s in years] == ["2025", "2026"]
    assert previous_label("2026-Q1") == "2025-Q4"
    assert previous_label("2026-H1") == "2025-H2"
    assert previous_label("2026") == "2025"


def test_confirm_generates_periods_with_configured_due_days(world):
    from tests.impactmeasurement.factories import make_kpi_set

    kpi_set = make_kpi_set(world.a, due_days=14)
    periods = list(kpi_set.periods.order_by("start"))
    assert [p.label for p in periods] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert periods[0].due_date == datetime.date(2026, 4, 14)
    assert services.periods_generate(kpi_set=kpi_set) == periods  # idempotent


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234,56", D("1234.56")),
        ("€ 1.234,56", D("1234.56")),
        ("12,5", D("12.5")),
        ("12.5", D("12.5")),
        (7, D(7)),
        (2.5, D("2.5")),
        ("1,234.50", D("1234.50")),
        ("1.000.000", D("1000000")),
    ],
)
def test_numbers_as_people_and_systems_write_them(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "raw", "message"),
    [
        ("uitstroom-bijstand", "twaalf", "'twaalf' is geen getal"),
        ("uitstroom-bijstand", "2,5", "'2,5' is geen geheel getal"),
        ("uitstroom-bijstand", "-1", "een aantal kan niet negatief zijn"),
        ("co2-vermeden", "12 kg", "'12 kg' heeft een andere eenheid dan ton CO₂"),
        ("schuld-geregeld", "10,005", "'10,005' is geen bedrag in hele centen"),
        ("aandeel-afstand", "120", "een percentage ligt tussen 0 en 100, niet 120"),
        ("pso-trede", "trede 9", "'trede 9' is geen toegestane waarde"),
        ("pso-trede", "BSN 111222333", "burgerservicenummer"),
    ],
)
def test_type_unit_and_choice_errors(code, raw, message):
    with pytest.raises(ValueProblem) as exc:
        parse_value(Metric.objects.get(code=code), raw)
    assert message in exc.value.message


@pytest.mark.django_db
def test_units_and_choices_accepted():
    assert parse_value(Metric.objects.get(code="co2-vermeden"), "12,5 ton CO₂") == (D("12.5"), "")
    assert parse_value(Metric.objects.get(code="aandeel-afstand"), "35 %") == (D("35"), "")
    assert parse_value(Metric.objects.get(code="pso-trede"), "TREDE 2") == (None, "trede 2")


def test_range_error_names_the_field(world, kpi_set):
    period = kpi_set.periods.get(label="2026-Q1")
    with pytest.raises(ReportValidationError) as exc:
        services.report_save(
            actor=world.a.users["investee"], period=period, entries=entries(kpi_set, uitstroom_bijstand="501")
        )
    assert [str(p) for p in exc.value.problems] == [
        "uitstroom-bijstand: 501 ligt buiten het toegestane bereik (… – 500)"
    ]
    assert not Report.objects.filter(period=period).exists()


def test_required_metrics_block_submission_but_not_a_draft(world, kpi_set):
    investee = world.a.users["investee"]
    period = kpi_set.periods.get(label="2026-Q1")
    report = services.report_save(
        actor=investee, period=period, entries=entries(kpi_set, uitstroom_bijstand="10")
    )
    assert report.status == "draft"
    with pytest.raises(ReportValidationError) as exc:
        services.report_submit(actor=investee, report=report)
    assert {p.code for p in exc.value.problems} == {"required"}
    assert {p.kpi_id for p in exc.value.problems} == {
        kpi_of(kpi_set, "totaal-fte").pk,
        kpi_of(kpi_set, "aandeel-afstand").pk,
    }
    report.refresh_from_db()
    assert report.status == "draft"


def _submit_q1(world, kpi_set):
    return services.report_save(
        actor=world.a.users["investee"],
        period=kpi_set.periods.get(label="2026-Q1"),
        entries=entries(kpi_set, uitstroom_bijstand="10", totaal_fte="20", aandeel_afstand="50"),
        submit=True,
    )


def test_change_against_previous_period_needs_an_explanation(world, kpi_set):
    _submit_q1(world, kpi_set)
    q2 = kpi_set.periods.get(label="2026-Q2")
    investee = world.a.users["investee"]
    values = {
        "uitstroom_bijstand": "16",
        "totaal_fte": "20",
        "aandeel_afstand": "50",
    }  # 10 → 16 = +60 % > 50 %
    with pytest.raises(ReportValidationError) as exc:
        services.report_save(actor=investee, period=q2, entries=entries(kpi_set, **values), submit=True)
    (problem,) = exc.value.problems
    assert problem.code == "explanation"
    assert "wijkt 60 % af van de vorige periode (10 → 16)" in str(problem)
    values["uitstroom_bijstand"] = ("16", "Tweede leerlijn gestart in april.")
    report = services.report_save(actor=investee, period=q2, entries=entries(kpi_set, **values), submit=True)
    assert report.status == "submitted"
    value = report.values.get(kpi__metric__code="uitstroom-bijstand")
    assert value.anomalies[0]["code"] == "change" and value.comment == "Tweede leerlijn gestart in april."


def test_far_off_target_needs_an_explanation(world, kpi_set):
    # year target 40 for a flow → 10 per quarter; 2 is 80 % off (> 50 %)
    investee = world.a.users["investee"]
    period = kpi_set.periods.get(label="2026-Q1")
    values = {"uitstroom_bijstand": "2", "totaal_fte": "20", "aandeel_afstand": "50"}
    with pytest.raises(ReportValidationError) as exc:
        services.report_save(actor=investee, period=period, entries=entries(kpi_set, **values), submit=True)
    assert "wijkt 80 % af van het doel (10)" in str(exc.value.problems[0])
    # a stock (totaal-fte, last value) is compared with the year target itself: 9 vs 20 is 55 % off
    values = {"uitstroom_bijstand": ("2", "Start vertraagd."), "totaal_fte": "9", "aandeel_afstand": "50"}
    with pytest.raises(ReportValidationError) as exc:
        services.report_save(actor=investee, period=period, entries=entries(kpi_set, **values), submit=True)
    assert "wijkt 55 % af van het doel (20)" in str(exc.value.problems[0])


def test_every_error_is_listed_and_nothing_is_written(world, kpi_set):
    period = kpi_set.periods.get(label="2026-Q1")
    with pytest.raises(ReportValidationError) as exc:
        services.report_save(
            actor=world.a.users["investee"],
            period=period,
            entries=entries(kpi_set, uitstroom_bijstand="twaalf", totaal_fte="veel", aandeel_afstand="101"),
        )
    assert len(exc.value.problems) == 3
    assert not period.__class__.objects.filter(pk=period.pk, report__isnull=False).exists()


# --- issue 11: numbers typed the Dutch way (core.numbers.parse_decimal) ------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7.900", D("7900")),
        ("€ 7.900", D("7900")),
        ("12.500,50", D("12500.50")),
        ("1,5", D("1.5")),
        ("0.125", D("0.125")),
        ("35 %", D("35")),
        (7900, D("7900")),
        (12.5, D("12.5")),
    ],
)
def test_a_dot_before_three_digits_groups_thousands(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["1.2.3", "12,34,56", "1.23.456"])
def test_numbers_that_cannot_be_read_are_refused_not_guessed(raw):
    with pytest.raises(ValueProblem) as exc:
        parse_number(raw)
    assert exc.value.code == "type" and f"'{raw}'" in exc.value.message


def test_range_message_shows_numbers_the_dutch_way(world, kpi_set):
    period = kpi_set.periods.get(label="2026-Q1")
    with pytest.raises(ReportValidationError) as exc:
        services.report_save(
            actor=world.a.users["investee"],
            period=period,
            entries=entries(kpi_set, uitstroom_bijstand="7.900"),
        )
    assert [str(p) for p in exc.value.problems] == [
        "uitstroom-bijstand: 7.900 ligt buiten het toegestane bereik (… – 500)"
    ]


@pytest.mark.django_db
def test_display_value_groups_thousands_and_uses_a_decimal_comma():
    from impactmeasurement.models import display_value

    assert display_value(Metric.objects.get(code="uitstroom-bijstand"), D("7900")) == "7.900"
    assert display_value(Metric.objects.get(code="totaal-fte"), D("292081.4000")) == "292.081,4"
    assert display_value(Metric.objects.get(code="aandeel-afstand"), D("50.2142")) == "50,2142 %"
    assert display_value(Metric.objects.get(code="schuld-geregeld"), D("7900.00")) == "€ 7.900,00"
    assert display_value(Metric.objects.get(code="schuld-geregeld"), D("-6451.81")) == "€ -6.451,81"
