"""Demo reference data for issue 17, loaded by `load_demo` before the apps' demos: an EU base rate (so the
demo loans record their de minimis aid on disbursement) and CBS indicators for the seven gemeenten of
SIF-ZKIJ from a small file in the CBS StatLine CSV layout.

Both are ILLUSTRATIVE: without network access while building this, the published figures could not be
checked, so the values are plausible examples and are stored and shown as illustrative (the base rate with
`is_illustrative`, every page with CBS figures with a warning). Replace them with the published figures:
the EU base rate from the Commission's page on reference and discount rates
(competition-policy.ec.europa.eu, "Reference and discount rates"), the CBS figures by importing the real
table (e.g. 85463NED, Regionale kerncijfers Nederland) at /place/cbs-import/.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from . import cbs
from .models import CbsImport, CbsIndicator, EuBaseRate

# The one password of every demo login (`make demo` prints it): 12 characters or more, as the password
# validators ask of real passwords (ASVS 2.1.1). The demo loader sets it directly, without the validators.
DEMO_PASSWORD = "impactdemo2026"

DEMO_FILE = Path(__file__).parent / "demo_data" / "cbs-zkij-illustratief.csv"
BASE_RATE_SOURCE = (
    "Illustratieve waarde (niet de gepubliceerde): neem de basisrente over van de Europese Commissie, "
    "competition-policy.ec.europa.eu, Reference and discount rates"
)


def load() -> None:
    if not EuBaseRate.objects.exists():
        EuBaseRate.objects.create(
            valid_from=datetime.date(2024, 1, 1),
            rate=Decimal("0.0350"),
            source=BASE_RATE_SOURCE,
            is_illustrative=True,
        )
        EuBaseRate.objects.create(
            valid_from=datetime.date(2025, 1, 1),
            rate=Decimal("0.0290"),
            source=BASE_RATE_SOURCE,
            is_illustrative=True,
        )
    if CbsImport.objects.exists():
        return
    cbs.cbs_import(
        actor=None,
        content=DEMO_FILE.read_bytes(),
        filename=DEMO_FILE.name,
        table_id="85463NED",
        title="Regionale kerncijfers (illustratieve demo-cijfers in CBS-formaat)",
        source_url="https://opendata.cbs.nl/statline/",
        downloaded_on=datetime.date(2026, 11, 1),
        is_illustrative=True,
    )
    CbsIndicator.objects.filter(code="inwoners").update(is_population=True, aggregation="sum")
