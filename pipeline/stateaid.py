"""De minimis state aid of a proposed loan: the grant equivalent at screening and due diligence (issue 17).

Before the due diligence has terms, the estimate takes the request (amount, term, grace months), the fund's
lowest interest rate, an annuity paid monthly, and the communication's floor for an enterprise without a
recorded rating (weak / normal, 400 bp): a cautious upper estimate, said so in the text. With terms it takes
the proposed terms and the rating and collateral the fund manager records. The reference rate is the one on
the day of the estimate (the grant date is not known yet).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import round_to
from fund import stateaid as pure
from fund.selectors import aid_rates_on
from portfolio.stateaid import projected_aid

from .analysis import LOAN_INSTRUMENTS
from .models import Application, ProposedTerms

NEAR_CEILING_SHARE = Decimal("0.8")


@dataclass
class LoanAid:
    basis: str  # "terms" or "request"
    basis_text: str
    on: datetime.date
    rates: pure.AidRates | None
    grant_equivalent: Decimal | None
    earlier: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")
    headroom: Decimal = pure.CEILING
    exceeds: bool = False
    near: bool = False
    ceiling: Decimal = pure.CEILING
    rating_label: str = ""


def _terms(application: Application) -> ProposedTerms | None:
    try:
        return application.terms
    except ProposedTerms.DoesNotExist:
        return None


def loan_aid(application: Application, *, on: datetime.date | None = None) -> LoanAid | None:
    """The proposed loan's grant equivalent and the enterprise's de minimis total with it; None for equity,
    guarantees and requests without amount or term."""
    on = on or timezone.localdate()
    terms = _terms(application)
    if terms is not None:
        if terms.instrument not in LOAN_INSTRUMENTS:
            return None
        loan = {
            "principal": terms.amount.amount,
            "annual_rate": round_to(terms.interest_rate / 100, 6),
            "term_months": terms.term_months,
            "grace_months": terms.grace_months,
            "method": terms.method,
            "frequency": terms.frequency,
        }
        rating, collateral = terms.aid_rating, terms.aid_collateral
        basis, basis_text = "terms", _("voorgestelde voorwaarden")
    else:
        if (
            application.instrument not in LOAN_INSTRUMENTS
            or application.requested_amount is None
            or not application.term_months
        ):
            return None
        loan = {
            "principal": application.requested_amount.amount,
            "annual_rate": round_to(application.fund.interest_rate_min / 100, 6),
            "term_months": application.term_months,
            "grace_months": application.grace_months
            if application.grace_months < application.term_months
            else 0,
            "method": "annuity",
            "frequency": "monthly",
        }
        rating = collateral = ""
        basis = "request"
        basis_text = _(
            "schatting uit de aanvraag: laagste rente van het fonds, zonder rating (opslag 400 bp)"
        )
    rates = aid_rates_on(on=on, rating=rating, collateral=collateral)
    rating_label = ""
    if rating and collateral:
        from fund.models import AidRating, CollateralLevel

        rating_label = f"{AidRating(rating).label} / {CollateralLevel(collateral).label}"
    if rates is None:
        return LoanAid(basis, basis_text, on, None, None, rating_label=rating_label)
    amount = pure.grant_equivalent(
        start_date=on,
        day_count="30E/360",
        reference_rate=rates.reference_rate,
        discount_rate=rates.discount_rate,
        **loan,
    )
    projection = projected_aid(
        enterprise=application.enterprise, fund=application.fund, new_aid=amount, on=on
    )
    return LoanAid(
        basis=basis,
        basis_text=basis_text,
        on=on,
        rates=rates,
        grant_equivalent=amount,
        earlier=projection["earlier"],
        total=projection["total"],
        headroom=projection["headroom"],
        exceeds=projection["exceeds"],
        near=projection["total"] > pure.CEILING * NEAR_CEILING_SHARE,
        rating_label=rating_label,
    )
