"""Field validators with messages that name the problem (Dutch, translatable)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import postcode as stdnum_postcode

CBS_CODE_RE = re.compile(r"^GM[0-9]{4}$")
KVK_RE = re.compile(r"^[0-9]{8}$")
NL_IBAN_LENGTH = 18


def validate_cbs_code(value: str) -> None:
    if not CBS_CODE_RE.match(value or ""):
        raise ValidationError(
            _("'%(value)s' is geen geldige CBS-gemeentecode: verwacht 'GM' en vier cijfers, bijv. GM0392."),
            code="invalid_cbs_code",
            params={"value": value},
        )


def validate_kvk_number(value: str) -> None:
    if value and not KVK_RE.match(value):
        raise ValidationError(
            _("'%(value)s' is geen geldig KvK-nummer: een KvK-nummer bestaat uit precies acht cijfers."),
            code="invalid_kvk",
            params={"value": value},
        )


def validate_iban(value: str) -> None:
    if not value:
        return
    compact = stdnum_iban.compact(value)
    if compact.startswith("NL") and len(compact) != NL_IBAN_LENGTH:
        raise ValidationError(
            _("'%(value)s' is geen geldig IBAN (de lengte klopt niet: een Nederlands IBAN heeft 18 tekens)."),
            code="invalid_iban",
            params={"value": value},
        )
    try:
        stdnum_iban.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("'%(value)s' is geen geldig IBAN (%(detail)s)."),
            code="invalid_iban",
            params={"value": value, "detail": _iban_reason(exc)},
        ) from exc


def _iban_reason(exc: StdnumError) -> str:
    name = type(exc).__name__
    return {
        "InvalidChecksum": str(_("het controlegetal klopt niet")),
        "InvalidLength": str(_("de lengte klopt niet")),
        "InvalidFormat": str(_("het formaat klopt niet")),
        "InvalidComponent": str(_("de landcode of bankcode klopt niet")),
    }.get(name, str(_("ongeldig")))


def normalise_iban(value: str) -> str:
    return stdnum_iban.compact(value) if value else ""


def validate_postcode(value: str) -> None:
    if value and not stdnum_postcode.is_valid(value):
        raise ValidationError(
            _("'%(value)s' is geen geldige postcode: verwacht vier cijfers en twee letters, bijv. 2011 AB."),
            code="invalid_postcode",
            params={"value": value},
        )


def normalise_postcode(value: str) -> str:
    """'2011ab' → '2011 AB'."""
    if not value:
        return ""
    compact = stdnum_postcode.compact(value)
    return f"{compact[:4]} {compact[4:]}"
