"""One validation for every route (web form, Excel upload, API): type and unit, allowed range, choices,
required metrics, and anomaly flags that need an explanation before submission.

Every route turns its input into `Entry` objects (the raw value as typed, the comment, and where it came
from: a form field, an Excel cell like "B7", an API path) and gets back the parsed values and a list of
`Problem`s, each naming its location and the problem in Dutch ("B7: 'twaalf' is geen getal").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.formats import format_number
from core.money import is_whole_cents, round_to, to_cents
from core.numbers import parse_decimal
from core.privacy import validate_no_bsn

from .models import KPI, Aggregation, Metric, ReportingPeriod, Value, ValueType, display_value
from .periods import MONTHS_PER_PERIOD, previous_label

MAX_ABS = Decimal("1E16")
YES = {"ja", "j", "yes", "y", "true", "waar", "1"}
NO = {"nee", "n", "no", "false", "onwaar", "0"}
_UNIT_TOKENS = ("€", "eur", "euro", "%")


@dataclass
class Entry:
    raw: Any
    comment: str = ""
    location: str = ""


@dataclass
class Problem:
    location: str
    message: str
    code: str
    kpi_id: int | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass
class CleanValue:
    kpi: KPI
    number: Decimal | None
    text: str
    comment: str
    location: str = ""
    anomalies: list[dict] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.number is None and not self.text


class ValueProblem(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_number(raw: Any, *, unit: str = "") -> Decimal:
    """A number from what a person or a system sends, read the Dutch way (core.numbers.parse_decimal).

    Numbers (JSON numbers, spreadsheet cells) are taken as they are: 12, 12.5. Text is read as a Dutch user
    types it: "7.900" is 7900, "1.234,56", "€ 1.234,56", "12,5", "12 %"; the metric's unit may follow the
    number ("12,5 ton CO₂"). What cannot be read unambiguously ("1.2.3") is refused, never guessed.
    """
    if isinstance(raw, bool):
        raise ValueProblem(_("'%(value)s' is geen getal") % {"value": raw}, "type")
    if isinstance(raw, int | float | Decimal):
        return parse_decimal(raw)
    text = str(raw).strip()
    lowered = text.replace("\u00a0", " ").replace("\u202f", " ").lower()
    for token in (unit.lower(), *_UNIT_TOKENS):
        if token and lowered.endswith(token):
            lowered = lowered[: -len(token)].strip()
        if token and lowered.startswith(token):
            lowered = lowered[len(token) :].strip()
    if not re.search(r"[0-9]", lowered):
        raise ValueProblem(_("'%(value)s' is geen getal") % {"value": text}, "type")
    if re.search(r"[^\W\d_]", lowered):  # a letter left over: another unit ("12 kg")
        raise ValueProblem(
            _("'%(value)s' heeft een andere eenheid dan %(unit)s") % {"value": text, "unit": unit or "—"},
            "unit",
        )
    try:
        return parse_decimal(lowered)
    except ValueError as exc:  # core's Dutch message, naming the value as it was typed
        raise ValueProblem(str(exc).replace(f"'{lowered}'", f"'{text}'", 1), "type") from None


def parse_value(metric: Metric, raw: Any) -> tuple[Decimal | None, str]:
    """(number, text) for one raw value by the metric's value type; raises ValueProblem."""
    if _is_blank(raw):
        return None, ""
    kind = metric.value_type
    if kind == ValueType.TEXT:
        text = str(raw).strip()
        if len(text) > 500:
            raise ValueProblem(_("de tekst is langer dan 500 tekens"), "type")
        try:
            validate_no_bsn(text)
        except ValidationError as exc:
            raise ValueProblem(" ".join(exc.messages), "bsn") from exc
        if metric.choices and text.lower() not in {c.lower() for c in metric.choices}:
            raise ValueProblem(
                _("'%(value)s' is geen toegestane waarde (kies uit: %(choices)s)")
                % {"value": text, "choices": ", ".join(metric.choices)},
                "choice",
            )
        if metric.choices:
            text = next(c for c in metric.choices if c.lower() == text.lower())
        return None, text
    if kind == ValueType.YES_NO:
        if isinstance(raw, bool):
            return Decimal(int(raw)), ""
        word = str(raw).strip().lower()
        if word in YES:
            return Decimal(1), ""
        if word in NO:
            return Decimal(0), ""
        raise ValueProblem(_("'%(value)s' is geen ja of nee") % {"value": raw}, "type")
    number = parse_number(raw, unit=metric.unit)
    if not number.is_finite() or abs(number) >= MAX_ABS:
        raise ValueProblem(_("'%(value)s' is te groot") % {"value": raw}, "type")
    if kind == ValueType.COUNT:
        if number != number.to_integral_value():
            raise ValueProblem(_("'%(value)s' is geen geheel getal") % {"value": raw}, "type")
        if number < 0:
            raise ValueProblem(_("een aantal kan niet negatief zijn"), "range")
        return round_to(number, 0), ""
    if kind == ValueType.AMOUNT:
        if not is_whole_cents(number):
            raise ValueProblem(_("'%(value)s' is geen bedrag in hele centen") % {"value": raw}, "type")
        return to_cents(number), ""
    if kind == ValueType.PERCENTAGE and not (0 <= number <= 100):
        raise ValueProblem(_("een percentage ligt tussen 0 en 100, niet %(value)s") % {"value": raw}, "range")
    if number != round_to(number, 4):
        raise ValueProblem(_("'%(value)s' heeft meer dan 4 decimalen") % {"value": raw}, "type")
    return number, ""


def _fmt(number: Decimal, places: int = 4) -> str:
    """A number in a message: "7.900", "12,5" (core.formats, up to ``places`` decimals)."""
    return format_number(number, max_places=places)


def check_range(kpi: KPI, number: Decimal | None) -> None:
    if number is None:
        return
    low, high = kpi.min_value, kpi.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueProblem(
            _("%(value)s ligt buiten het toegestane bereik (%(low)s – %(high)s)")
            % {
                "value": _fmt(number),
                "low": _fmt(low) if low is not None else "…",
                "high": _fmt(high) if high is not None else "…",
            },
            "range",
        )


def period_target(
    kpi: KPI, period: ReportingPeriod, targets: dict[tuple[int, int], Decimal]
) -> Decimal | None:
    """The target that applies to one period: a year target, pro rata for flows (sum) within the year.

    Rounded to two decimals here, once: the form, the Excel template and the anomaly check all use this
    number, so the target shown is the target checked (a year target of 18 is 4,5 a quarter).
    """
    target = targets.get((kpi.pk, period.year))
    if target is None:
        return None
    if kpi.metric.aggregation == Aggregation.SUM:
        return round_to(target / _periods_per_year(kpi), 2)
    return target


def _periods_per_year(kpi: KPI) -> int:
    return 12 // MONTHS_PER_PERIOD[kpi.kpi_set.frequency]


def period_target_basis(kpi: KPI, period: ReportingPeriod, targets: dict[tuple[int, int], Decimal]) -> str:
    """How a period's target follows from the year target, in words: "jaardoel 18 ÷ 4 kwartalen"."""
    target = targets.get((kpi.pk, period.year))
    if target is None:
        return ""
    year_target = display_value(kpi.metric, target)
    n = _periods_per_year(kpi)
    if kpi.metric.aggregation == Aggregation.SUM and n > 1:
        periods = _("kwartalen") if n == 4 else _("halve jaren")
        return _("jaardoel %(target)s ÷ %(n)s %(periods)s") % {
            "target": year_target,
            "n": n,
            "periods": periods,
        }
    if n > 1:
        return _("jaardoel %(target)s (een stand: geldt voor elke periode)") % {"target": year_target}
    return _("jaardoel %(target)s") % {"target": year_target}


def anomalies_for(
    *,
    kpi: KPI,
    number: Decimal | None,
    previous: Decimal | None,
    target: Decimal | None,
) -> list[dict]:
    """Flags that need an explanation: a big change against the previous period, or far off target."""
    if number is None or not kpi.metric.is_numeric or kpi.metric.value_type == ValueType.YES_NO:
        return []
    kpi_set = kpi.kpi_set
    flags = []
    if previous is not None and previous != 0:
        change = abs(number - previous) / abs(previous) * 100
        if change > kpi_set.anomaly_change_pct:
            flags.append(
                {
                    "code": "change",
                    "message": _(
                        "wijkt %(change)s %% af van de vorige periode (%(previous)s → %(value)s); "
                        "grens %(limit)s %%"
                    )
                    % {
                        "change": _fmt(change, 1),
                        "previous": _fmt(previous),
                        "value": _fmt(number),
                        "limit": _fmt(kpi_set.anomaly_change_pct),
                    },
                }
            )
    if target is not None and target != 0:
        off = abs(number - target) / abs(target) * 100
        if off > kpi_set.anomaly_target_pct:
            flags.append(
                {
                    "code": "target",
                    "message": _("wijkt %(off)s %% af van het doel (%(target)s); grens %(limit)s %%")
                    % {
                        "off": _fmt(off, 1),
                        "target": _fmt(target),
                        "limit": _fmt(kpi_set.anomaly_target_pct),
                    },
                }
            )
    return flags


def previous_values(period: ReportingPeriod) -> dict[int, Decimal]:
    """{kpi id: current number} of the period before (one query)."""
    rows = Value.objects.filter(
        report__period__kpi_set_id=period.kpi_set_id,
        report__period__label=previous_label(period.label),
        is_current=True,
        number__isnull=False,
    ).values_list("kpi_id", "number")
    return dict(rows)


def targets_by_kpi(period: ReportingPeriod) -> dict[tuple[int, int], Decimal]:
    from .models import KPITarget

    rows = KPITarget.objects.filter(kpi__kpi_set_id=period.kpi_set_id, year=period.year)
    return {(t.kpi_id, t.year): t.value for t in rows}


def validate_entries(
    *, period: ReportingPeriod, entries: dict[int, Entry], kpis: dict[int, KPI]
) -> tuple[dict[int, CleanValue], list[Problem]]:
    """Parse and check each entry (type, unit, choices, range) and compute its anomaly flags."""
    previous = previous_values(period)
    targets = targets_by_kpi(period)
    cleaned: dict[int, CleanValue] = {}
    problems: list[Problem] = []
    for kpi_id, entry in entries.items():
        kpi = kpis.get(kpi_id)
        if kpi is None:
            problems.append(
                Problem(entry.location, _("deze KPI hoort niet bij deze KPI-set"), "unknown", kpi_id)
            )
            continue
        try:
            number, text = parse_value(kpi.metric, entry.raw)
            check_range(kpi, number)
            comment = (entry.comment or "").strip()
            if comment:
                validate_no_bsn(comment)
        except ValueProblem as exc:
            problems.append(Problem(entry.location, exc.message, exc.code, kpi_id))
            continue
        except ValidationError as exc:
            problems.append(Problem(entry.location, " ".join(exc.messages), "bsn", kpi_id))
            continue
        cleaned[kpi_id] = CleanValue(
            kpi=kpi,
            number=number,
            text=text,
            comment=comment,
            location=entry.location,
            anomalies=anomalies_for(
                kpi=kpi,
                number=number,
                previous=previous.get(kpi_id),
                target=period_target(kpi, period, targets),
            ),
        )
    return cleaned, problems


def submission_problems(
    *, kpis: dict[int, KPI], values: dict[int, CleanValue], locations: dict[int, str] | None = None
) -> list[Problem]:
    """What blocks a submission: a required metric without value, or a flagged value without explanation."""
    locations = locations or {}
    problems = []
    for kpi_id, kpi in kpis.items():
        value = values.get(kpi_id)
        where = (value.location if value else "") or locations.get(kpi_id, kpi.metric.name)
        if kpi.required and (value is None or value.is_empty):
            problems.append(
                Problem(where, _("%(metric)s is verplicht") % {"metric": kpi.metric.name}, "required", kpi_id)
            )
        elif value is not None and value.anomalies and not value.comment:
            reasons = "; ".join(flag["message"] for flag in value.anomalies)
            problems.append(
                Problem(
                    where,
                    _("%(reasons)s — geef een toelichting") % {"reasons": reasons},
                    "explanation",
                    kpi_id,
                )
            )
    return problems
