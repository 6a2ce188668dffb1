"""Changing a KPI after creation as a new version with a reason (issue 17).

Targets, baseline and allowed range of a KPI can change after the KPI set is confirmed — a fund manager
records why. The KPI keeps its current values (what new reports are checked against); each change is a
`KPIChange` with the values before and after, so the targets an earlier report was measured against are read
back with `targets_as_of` (the report page of an earlier report shows those, not today's).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import ApplicationError
from fund.audit import audit_record
from fund.models import User

from .models import KPI, KPIChange, KPISetStatus, KPITarget

MSG_REASON = gettext_noop("Geef een reden voor de wijziging.")
MSG_ENDED = gettext_noop("Een beëindigde KPI-set kan niet meer worden gewijzigd.")
MSG_NOTHING = gettext_noop("Er verandert niets.")
UNSET = object()


def _snapshot(kpi: KPI) -> dict:
    return {
        "targets": {str(t.year): str(t.value) for t in kpi.targets.order_by("year")},
        "baseline_value": None if kpi.baseline_value is None else str(kpi.baseline_value),
        "baseline_date": kpi.baseline_date.isoformat() if kpi.baseline_date else None,
        "min_value": None if kpi.min_value is None else str(kpi.min_value),
        "max_value": None if kpi.max_value is None else str(kpi.max_value),
    }


@transaction.atomic
def kpi_change(
    *,
    actor: User | None,
    kpi: KPI,
    reason: str,
    targets: dict[int, Decimal | None] | None = None,
    baseline_value=UNSET,
    baseline_date=UNSET,
    min_value=UNSET,
    max_value=UNSET,
) -> KPIChange:
    """Change a KPI's targets (None removes a year's target), baseline or range, as the next version."""
    from .services import _require_fund_manager

    kpi = KPI.objects.select_for_update().select_related("kpi_set__fund").get(pk=kpi.pk)
    _require_fund_manager(actor, kpi.kpi_set.fund)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_(MSG_REASON)]})
    if kpi.kpi_set.status == KPISetStatus.ENDED:
        raise ApplicationError(_(MSG_ENDED))
    before = _snapshot(kpi)
    for name, value in (
        ("baseline_value", baseline_value),
        ("baseline_date", baseline_date),
        ("min_value", min_value),
        ("max_value", max_value),
    ):
        if value is not UNSET:
            setattr(kpi, name, value)
    kpi.full_clean()
    kpi.save()
    for year, value in (targets or {}).items():
        if value is None:
            KPITarget.objects.filter(kpi=kpi, year=year).delete()
        else:
            KPITarget.objects.update_or_create(kpi=kpi, year=year, defaults={"value": value})
    after = _snapshot(kpi)
    if after == before:
        raise ApplicationError(_(MSG_NOTHING))
    last = kpi.changes.order_by("-version").values_list("version", flat=True).first() or 1
    change = KPIChange.objects.create(
        kpi=kpi,
        version=last + 1,
        reason=reason.strip(),
        before=before,
        after=after,
        changed_by=actor,
        changed_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        obj=kpi.kpi_set,
        action="impact_kpi_changed",
        from_state=f"v{last}",
        to_state=f"v{change.version}",
        reason=change.reason,
        data={"metric": kpi.metric.code, "before": before, "after": after},
    )
    return change


def targets_as_of(
    *, kpi_set_id: int, year: int, at: datetime.datetime | None
) -> dict[tuple[int, int], Decimal]:
    """{(kpi id, year): target} as it stood at ``at`` (None: now): today's targets with every later change
    undone, newest first."""
    current = {
        (t.kpi_id, t.year): t.value for t in KPITarget.objects.filter(kpi__kpi_set_id=kpi_set_id, year=year)
    }
    if at is None:
        return current
    later = KPIChange.objects.filter(kpi__kpi_set_id=kpi_set_id, changed_at__gt=at).order_by(
        "-changed_at", "-pk"
    )
    for change in later:
        value = change.before.get("targets", {}).get(str(year))
        if value is None:
            current.pop((change.kpi_id, year), None)
        else:
            current[(change.kpi_id, year)] = Decimal(value)
    return current


def version_of(kpi: KPI, at: datetime.datetime | None = None) -> int:
    """The KPI's version at ``at`` (1 until its first change)."""
    changes = kpi.changes.all()
    if at is not None:
        changes = changes.filter(changed_at__lte=at)
    return changes.order_by("-version").values_list("version", flat=True).first() or 1
