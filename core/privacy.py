"""Guard that keeps citizen service numbers (BSN) out of the system.

Participants are known here only by the municipality's pseudonymous reference: processing a BSN needs
a legal basis we do not have (AVG / UAVG art. 46). So any reference or free-text field is checked for
a nine-digit number that passes the BSN 11-proef, and refused if it holds one.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.nl import bsn

__all__ = [
    "BSN_FILENAME_MESSAGE",
    "BSN_REFUSED_MESSAGE",
    "contains_bsn",
    "find_bsn_candidates",
    "validate_filename_no_bsn",
    "validate_no_bsn",
]

BSN_REFUSED_MESSAGE = _(
    "Dit veld lijkt een burgerservicenummer (BSN) te bevatten. Een BSN mag hier nooit worden vastgelegd "
    "(AVG / UAVG art. 46): gebruik de pseudonieme deelnemersreferentie van de gemeente."
)

BSN_FILENAME_MESSAGE = _(
    "De bestandsnaam lijkt een burgerservicenummer (BSN) te bevatten. Een BSN mag hier nooit worden "
    "vastgelegd (AVG / UAVG art. 46): geef het bestand een naam zonder BSN."
)

# Nine ASCII digits, plain or as groups of three joined by a dot, hyphen or space (also the no-break
# spaces that pasted text often carries), not touching another digit. The lookahead makes matches
# overlap, so "000 111 222 333" is checked as both "000 111 222" and "111 222 333".
_SEP = r"[.\-_ \u00a0\u202f]"
_CANDIDATE = re.compile(rf"(?<![0-9])(?=([0-9]{{9}}|[0-9]{{3}}{_SEP}[0-9]{{3}}{_SEP}[0-9]{{3}})(?![0-9]))")
_SEPARATORS = re.compile(_SEP)


def find_bsn_candidates(text: str) -> list[str]:
    """Return, as nine plain digits, every nine-digit number in ``text`` that passes the 11-proef."""
    found = []
    for match in _CANDIDATE.finditer(text):
        digits = _SEPARATORS.sub("", match.group(1))
        # Exactly nine digits are checked here: stdnum itself would zero-pad an 8-digit number.
        if len(digits) == 9 and bsn.is_valid(digits):
            found.append(digits)
    return found


def contains_bsn(text: str) -> bool:
    """Whether ``text`` holds a number that passes the BSN 11-proef."""
    return bool(find_bsn_candidates(text))


def validate_no_bsn(value: object) -> None:
    """Django validator: refuse a value that contains a BSN; None and empty values pass."""
    if value is None or value == "":
        return
    if contains_bsn(str(value)):
        raise ValidationError(BSN_REFUSED_MESSAGE, code="bsn_refused")


def validate_filename_no_bsn(file_or_name: object) -> None:
    """Refuse an uploaded file whose name holds a BSN ("loonstrook_123456782.pdf")."""
    name = getattr(file_or_name, "name", file_or_name)
    if not name:
        return
    if contains_bsn(str(name)):
        raise ValidationError(BSN_FILENAME_MESSAGE, code="bsn_refused")
