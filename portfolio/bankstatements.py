"""The bank-statement parser (CAMT.053 and CSV) lives in ``core.bankstatements``: it is pure (no Django, no
database) and resultaatfinanciering reads the municipality's statement with it too. This module keeps
portfolio's imports working."""

from core.bankstatements import *  # noqa: F403
from core.bankstatements import (
    __all__,  # noqa: F401
    _read_xml,  # noqa: F401
)
