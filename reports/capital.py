"""ILPA capital accounts per investor, derived from the fund's ledger alone (issue 12).

Every posting on an equity, income or expense account moves the investors' capital by ``credit − debit``
(a balanced ledger makes assets − contra-assets − liabilities, the NAV, equal to that sum). So:

- postings that carry a commitment belong to that investor: paid-in capital (3000) is a contribution,
  distributions (3100) a distribution, the management fee (5200) a management fee;
- every other such posting is the fund's, and is allocated per quarter to the investors with
  ``core.money.split`` by the fund's rule (pro rata to paid-in capital at the end of the quarter by default,
  to commitment when the rule says so or nobody has paid in yet), per line of the capital account, so each
  line's allocations add up to the fund's figure to the cent;
- a journal entry whose idempotency key starts with ``year-close:`` (closing the P&L into retained results)
  only moves results between equity accounts: it is not a movement of anyone's capital and is left out.

YTD and ITD are the sums of the quarterly allocations, so every column rolls forward (beginning + lines =
ending) and the investors' endings add up to ``portfolio.selectors.fund_nav`` at every quarter end.
The ledger is read with one grouped query (per quarter, account and commitment) for everything up to the
quarter's end; recallable distributions come from ``investors.models`` (the ledger does not know them).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncQuarter
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.money import split, to_cents
from fund.models import Commitment, Fund, Investor
from investors import quarters
from investors.models import (
    AllocationRule,
    CapitalSettings,
    CommitmentAdjustment,
    DistributionLine,
    DistributionStatus,
)
from portfolio.accounts import AccountCode
from portfolio.models import AccountType, Posting
from portfolio.selectors import fund_nav

from .performance import multiples, xirr

__all__ = [
    "LINES",
    "CapitalAccount",
    "CapitalAccountRow",
    "CommitmentReconciliation",
    "FundCapital",
    "FundCapitalSummary",
    "NavReconciliation",
    "capital_accounts",
    "capital_histories",
    "capital_history",
    "fund_capital",
    "fund_capital_summary",
    "investor_cash_flows",
    "nav_reconciliation",
    "parse_quarter",
]

ZERO = Decimal("0.00")
YEAR_CLOSE_PREFIX = "year-close:"
# The movement lines of a capital account, in the order the pages and the PDF show them.
LINES = (
    "contributions",
    "distributions",
    "management_fees",
    "fund_expenses",
    "income_interest",
    "income_fees",
    "income_outcomes",
    "realised",
    "unrealised",
    "other",
)
# Lines an investor's own postings carry (with a commitment: never allocated by the rule).
_OWN = {
    AccountCode.PAID_IN_CAPITAL: "contributions",
    AccountCode.CAPITAL_DISTRIBUTIONS: "distributions",
    AccountCode.MANAGEMENT_FEE_EXPENSE: "management_fees",
}
# The fund's accounts and the line their (allocated) movement lands on; any other P&L or equity → "other".
# Outcome payments on a pre-financed contract are held for the enterprise (1130 / 2100); the fund's own share
# of them (a success fee for pre-financing, resultaatfinanciering.services.proposal_fund_share_book) moves
# from 2100 to 4500 and is the investors' "income allocated — outcome payments".
OUTCOME_INCOME_CODES = frozenset({AccountCode.OUTCOME_INCOME})
_FUND_LINES = {
    AccountCode.INTEREST_INCOME: "income_interest",
    AccountCode.PENALTY_INTEREST_INCOME: "income_interest",
    AccountCode.BANK_INTEREST_INCOME: "income_interest",
    AccountCode.FEE_INCOME: "income_fees",
    AccountCode.RECOVERIES: "realised",
    AccountCode.WRITE_OFF_EXPENSE: "realised",
    AccountCode.PROVISION_EXPENSE: "unrealised",
    AccountCode.EQUITY_REVALUATION: "unrealised",
    AccountCode.MANAGEMENT_FEE_EXPENSE: "management_fees",
    AccountCode.FUND_EXPENSES: "fund_expenses",
    **dict.fromkeys(OUTCOME_INCOME_CODES, "income_outcomes"),
}

parse_quarter = quarters.parse_quarter  # "2026-Q3" → (2026-07-01, 2026-09-30); a clear error otherwise
quarter_label = quarters.quarter_label
_quarter_start = quarters.quarter_start
_quarter_end = quarters.quarter_end
_next_quarter = quarters.next_quarter


# --------------------------------------------------------------------------------------------------
# The data classes (the contract)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapitalAccount:
    """One column of a capital account: every line signed as it moves the balance."""

    start: date
    end: date
    beginning_balance: Decimal
    contributions: Decimal
    distributions: Decimal  # ≤ 0
    management_fees: Decimal  # ≤ 0
    fund_expenses: Decimal  # ≤ 0
    income_interest: Decimal
    income_fees: Decimal
    income_outcomes: Decimal
    realised: Decimal  # write-offs −, recoveries +
    unrealised: Decimal  # provisions, revaluations
    other: Decimal
    ending_balance: Decimal

    def __post_init__(self) -> None:
        movements = sum((getattr(self, name) for name in LINES), Decimal("0.00"))
        if self.beginning_balance + movements != self.ending_balance:
            raise AssertionError(
                f"capital account does not roll forward: {self.beginning_balance} + {movements} "
                f"!= {self.ending_balance}"
            )

    @property
    def income(self) -> Decimal:
        return self.income_interest + self.income_fees + self.income_outcomes

    @property
    def movements(self) -> Decimal:
        return self.ending_balance - self.beginning_balance


@dataclass(frozen=True)
class CommitmentReconciliation:
    """ILPA A.2 for one quarter, each line signed as it moves the unfunded commitment.

    contributions ≤ 0 (capital received reduces what can still be called), recallable distributions ≥ 0,
    expired ≤ 0 and other (either sign): the commitment adjustments recorded in ``investors``.
    """

    commitment: Decimal
    beginning_unfunded: Decimal
    contributions: Decimal
    recallable_distributions: Decimal
    expired: Decimal
    other: Decimal
    ending_unfunded: Decimal

    def __post_init__(self) -> None:
        total = (
            self.beginning_unfunded
            + self.contributions
            + self.recallable_distributions
            + self.expired
            + self.other
        )
        if total != self.ending_unfunded:
            raise AssertionError(
                f"commitment reconciliation does not roll forward: {total} != {self.ending_unfunded}"
            )


@dataclass(frozen=True)
class CapitalAccountRow:
    investor: Investor
    commitment: Commitment
    qtd: CapitalAccount
    ytd: CapitalAccount
    itd: CapitalAccount
    reconciliation: CommitmentReconciliation
    commitment_amount: Decimal
    paid_in: Decimal
    distributed: Decimal  # cumulative, positive
    unfunded: Decimal
    irr: Decimal | None
    tvpi: Decimal | None
    dpi: Decimal | None
    rvpi: Decimal | None


@dataclass(frozen=True)
class NavLine:
    line: str
    allocated: Decimal  # the investors' allocations added up
    ledger: Decimal  # the fund's ledger movement for the line

    @property
    def difference(self) -> Decimal:
        return self.allocated - self.ledger


@dataclass(frozen=True)
class NavReconciliation:
    start: date
    end: date
    sum_of_endings: Decimal
    nav: Decimal
    lines: list[NavLine] = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        return self.sum_of_endings - self.nav

    @property
    def reconciles(self) -> bool:
        return self.difference == 0 and all(line.difference == 0 for line in self.lines)


@dataclass(frozen=True)
class FundCapital:
    """A quarter's capital accounts of a fund and what the same read of the ledger gives besides: each
    commitment's history (as `capital_history`) and dated cash flows (as `investor_cash_flows`)."""

    rows: list[CapitalAccountRow]
    histories: dict[int, list[tuple[date, Decimal, Decimal]]]
    cash_flows: dict[int, list[tuple[date, Decimal]]]


@dataclass(frozen=True)
class FundCapitalSummary:
    start: date
    end: date
    commitments: Decimal
    paid_in: Decimal
    distributed: Decimal
    unfunded: Decimal
    nav: Decimal
    irr: Decimal | None
    tvpi: Decimal | None
    dpi: Decimal | None
    rvpi: Decimal | None


# --------------------------------------------------------------------------------------------------
# The engine: quarterly allocations from one grouped query
# --------------------------------------------------------------------------------------------------


def _empty() -> dict[str, Decimal]:
    return dict.fromkeys(LINES, ZERO)


@dataclass
class _Ledger:
    """Per quarter: each commitment's own movements, the fund's movements per line, contributions."""

    quarters: list[date]  # quarter starts, inception → end
    own: dict[date, dict[int, dict[str, Decimal]]]
    fund_lines: dict[date, dict[str, Decimal]]
    allocations: dict[date, dict[int, dict[str, Decimal]]]  # own + allocated, per commitment
    paid_in_end: dict[date, dict[int, Decimal]]  # cumulative contributions at each quarter end


def _line_of(code: str, kind: str) -> str:
    if code in _FUND_LINES:
        return _FUND_LINES[code]
    return "other" if kind in (AccountType.INCOME, AccountType.EXPENSE, AccountType.EQUITY) else ""


def _ledger(*, fund: Fund, end: date, commitments: list[Commitment]) -> _Ledger:
    rows = (
        Posting.objects.filter(
            entry__fund=fund,
            value_date__lte=end,
            account__account_type__in=(AccountType.EQUITY, AccountType.INCOME, AccountType.EXPENSE),
        )
        .filter(
            Q(entry__idempotency_key__isnull=True) | ~Q(entry__idempotency_key__startswith=YEAR_CLOSE_PREFIX)
        )
        .annotate(quarter=TruncQuarter("value_date"))
        .values("quarter", "account__code", "account__account_type", "commitment_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    )
    own: dict[date, dict[int, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(_empty))
    fund_lines: dict[date, dict[str, Decimal]] = defaultdict(_empty)
    known = {c.pk for c in commitments}
    first = None
    for row in rows:
        quarter = row["quarter"]
        if isinstance(quarter, datetime.datetime):
            quarter = quarter.date()
        elif isinstance(quarter, str):
            quarter = date.fromisoformat(quarter[:10])
        amount = to_cents(row["credit"] or 0) - to_cents(row["debit"] or 0)
        code, kind, commitment_id = row["account__code"], row["account__account_type"], row["commitment_id"]
        first = quarter if first is None or quarter < first else first
        if commitment_id in known and code in _OWN:
            own[quarter][commitment_id][_OWN[code]] += amount
        else:
            fund_lines[quarter][_line_of(code, kind) or "other"] += amount
    starts = [c.committed_on for c in commitments]
    if first is not None:
        starts.append(first)
    inception = _quarter_start(min(starts)) if starts else _quarter_start(end)
    quarters = []
    cursor = inception
    while cursor <= end:
        quarters.append(cursor)
        cursor = _next_quarter(cursor)

    rule = (
        CapitalSettings.objects.filter(fund=fund).values_list("allocation_rule", flat=True).first()
        or AllocationRule.PAID_IN
    )
    allocations: dict[date, dict[int, dict[str, Decimal]]] = {}
    paid_in_end: dict[date, dict[int, Decimal]] = {}
    cumulative = dict.fromkeys(known, ZERO)
    for quarter in quarters:
        for pk in known:
            cumulative[pk] += own[quarter][pk]["contributions"] if pk in own[quarter] else ZERO
        paid_in_end[quarter] = dict(cumulative)
        weights = _weights(
            commitments=commitments, paid_in=cumulative, rule=rule, quarter_end=_quarter_end(quarter)
        )
        column = {pk: dict(own[quarter][pk]) if pk in own[quarter] else _empty() for pk in known}
        for line, total in fund_lines[quarter].items() if quarter in fund_lines else ():
            if total == 0:
                continue
            if weights is None:
                raise ApplicationError(
                    _("Het fonds heeft geen toezeggingen: resultaten kunnen aan niemand worden toegerekend."),
                    code="no_commitments",
                )
            for commitment, part in zip(commitments, split(total, weights), strict=True):
                column[commitment.pk][line] += part
        allocations[quarter] = column
    return _Ledger(
        quarters=quarters,
        own={q: dict(v) for q, v in own.items()},
        fund_lines=dict(fund_lines),
        allocations=allocations,
        paid_in_end=paid_in_end,
    )


def _weights(*, commitments, paid_in, rule, quarter_end) -> list[Decimal] | None:
    if not commitments:
        return None
    if rule == AllocationRule.PAID_IN:
        paid = [max(paid_in[c.pk], ZERO) for c in commitments]
        if sum(paid) > 0:
            return paid
    # By commitment (the rule, or nobody has paid in yet): those committed by the quarter's end, else all.
    active = [c.amount.amount if c.committed_on <= quarter_end else ZERO for c in commitments]
    return active if sum(active) > 0 else [c.amount.amount for c in commitments]


def _column(ledger: _Ledger, commitment_id: int, start: date, end: date) -> CapitalAccount:
    before = _empty()
    within = _empty()
    for quarter in ledger.quarters:
        if quarter > end:
            break
        target = within if quarter >= start else before
        for line, amount in ledger.allocations[quarter][commitment_id].items():
            target[line] += amount
    beginning = sum(before.values(), ZERO)
    ending = beginning + sum(within.values(), ZERO)
    return CapitalAccount(start=start, end=end, beginning_balance=beginning, ending_balance=ending, **within)


def _commitments(fund: Fund) -> list[Commitment]:
    return list(
        Commitment.objects.filter(fund=fund)
        .select_related("investor__organisation")
        .order_by("investor__organisation__name", "pk")
    )


def _recallable(*, commitments: list[Commitment], through: date) -> dict[int, list[tuple[date, Decimal]]]:
    rows = DistributionLine.objects.filter(
        commitment__in=commitments,
        distribution__recallable=True,
        distribution__status__in=(DistributionStatus.DECLARED, DistributionStatus.PAID),
        distribution__date__lte=through,
    ).values_list("commitment_id", "distribution__date", "amount")
    found: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for commitment_id, day, amount in rows:
        found[commitment_id].append((day, to_cents(amount)))
    return found


def _adjustments(
    *, commitments: list[Commitment], through: date
) -> dict[int, list[tuple[date, str, Decimal]]]:
    rows = CommitmentAdjustment.objects.filter(commitment__in=commitments, date__lte=through).values_list(
        "commitment_id", "date", "kind", "amount"
    )
    found: dict[int, list[tuple[date, str, Decimal]]] = defaultdict(list)
    for commitment_id, day, kind, amount in rows:
        found[commitment_id].append((day, kind, to_cents(amount)))
    return found


# --------------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------------


def capital_accounts(*, fund: Fund, quarter: str) -> list[CapitalAccountRow]:
    """One row per commitment of the fund (ordered by investor name): QTD, YTD, ITD, reconciliation, KPIs."""
    return _fund_capital(fund=fund, quarter=quarter, with_histories=False).rows


def fund_capital(*, fund: Fund, quarter: str) -> FundCapital:
    """`capital_accounts`, every commitment's `capital_history` through the quarter and the cash flows, from
    one read of the ledger (a page showing all three reads it once, not twice)."""
    return _fund_capital(fund=fund, quarter=quarter, with_histories=True)


def _fund_capital(*, fund: Fund, quarter: str, with_histories: bool) -> FundCapital:
    start, end = parse_quarter(quarter)
    commitments = _commitments(fund)
    if not commitments:
        return FundCapital(rows=[], histories={}, cash_flows={})
    ledger = _ledger(fund=fund, end=end, commitments=commitments)
    inception = ledger.quarters[0]
    year_start = max(date(end.year, 1, 1), inception)
    recallable = _recallable(commitments=commitments, through=end)
    adjustments = _adjustments(commitments=commitments, through=end)
    flows = _cash_flows_by_commitment(fund=fund, commitments=commitments, through=end)
    rows = []
    for commitment in commitments:
        qtd = _column(ledger, commitment.pk, start, end)
        ytd = _column(ledger, commitment.pk, year_start, end)
        itd = _column(ledger, commitment.pk, inception, end)
        amount = to_cents(commitment.amount.amount)
        recalls = recallable.get(commitment.pk, [])
        reconciliation = _reconciliation(
            amount=amount,
            qtd=qtd,
            itd=itd,
            recalls=recalls,
            adjustments=adjustments.get(commitment.pk, []),
            start=start,
        )
        paid_in = itd.contributions
        distributed = -itd.distributions
        performance = multiples(paid_in=max(paid_in, ZERO), distributed=distributed, nav=itd.ending_balance)
        rows.append(
            CapitalAccountRow(
                investor=commitment.investor,
                commitment=commitment,
                qtd=qtd,
                ytd=ytd,
                itd=itd,
                reconciliation=reconciliation,
                commitment_amount=amount,
                paid_in=paid_in,
                distributed=distributed,
                unfunded=reconciliation.ending_unfunded,
                irr=_irr(flows.get(commitment.pk, []), ending=itd.ending_balance, end=end),
                tvpi=performance.tvpi,
                dpi=performance.dpi,
                rvpi=performance.rvpi,
            )
        )
    histories = _histories(ledger, commitments) if with_histories else {}
    return FundCapital(rows=rows, histories=histories, cash_flows=flows)


def _reconciliation(
    *, amount, qtd: CapitalAccount, itd: CapitalAccount, recalls, adjustments, start
) -> CommitmentReconciliation:
    paid_before = itd.contributions - qtd.contributions
    recalled_before = sum((a for day, a in recalls if day < start), ZERO)
    recalled_within = sum((a for day, a in recalls if day >= start), ZERO)
    adjusted_before = sum((a for day, _kind, a in adjustments if day < start), ZERO)
    expired = sum((a for day, kind, a in adjustments if day >= start and kind == "expired"), ZERO)
    other = sum((a for day, kind, a in adjustments if day >= start and kind != "expired"), ZERO)
    beginning = amount - paid_before + recalled_before + adjusted_before
    ending = beginning - qtd.contributions + recalled_within + expired + other
    return CommitmentReconciliation(
        commitment=amount,
        beginning_unfunded=beginning,
        contributions=-qtd.contributions,
        recallable_distributions=recalled_within,
        expired=expired,
        other=other,
        ending_unfunded=ending,
    )


def _irr(flows: list[tuple[date, Decimal]], *, ending: Decimal, end: date) -> Decimal | None:
    dated = [*flows, (end, ending)]
    try:
        return xirr(dated)
    except ValueError:  # no contribution yet, or no sign change: no IRR
        return None


def _cash_flows_by_commitment(
    *, fund: Fund, commitments, through: date
) -> dict[int, list[tuple[date, Decimal]]]:
    rows = (
        Posting.objects.filter(
            entry__fund=fund,
            commitment__in=commitments,
            value_date__lte=through,
            account__code__in=(AccountCode.PAID_IN_CAPITAL, AccountCode.CAPITAL_DISTRIBUTIONS),
        )
        .values("commitment_id", "value_date")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by("commitment_id", "value_date")
    )
    flows: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in rows:
        # Money in (a credit on 3000) is −, money out (a debit on 3100) is + for the investor.
        amount = to_cents(row["debit"] or 0) - to_cents(row["credit"] or 0)
        if amount:
            flows[row["commitment_id"]].append((row["value_date"], amount))
    return flows


def investor_cash_flows(*, commitment: Commitment, through: date) -> list[tuple[date, Decimal]]:
    """The investor's dated flows: −contributions (received), +distributions (declared), oldest first."""
    return _cash_flows_by_commitment(fund=commitment.fund, commitments=[commitment], through=through).get(
        commitment.pk, []
    )


def capital_histories(*, fund: Fund, end: date) -> dict[int, list[tuple[date, Decimal, Decimal]]]:
    """``capital_history`` for every commitment of the fund, from ONE read of the ledger (a batch of 200
    investors reads it once, not 200 times): {commitment id: [(quarter end, paid-in, balance), …]}."""
    end = _quarter_end(_quarter_start(end))
    commitments = _commitments(fund)
    if not commitments:
        return {}
    return _histories(_ledger(fund=fund, end=end, commitments=commitments), commitments)


def _histories(
    ledger: _Ledger, commitments: list[Commitment]
) -> dict[int, list[tuple[date, Decimal, Decimal]]]:
    histories: dict[int, list[tuple[date, Decimal, Decimal]]] = {}
    for commitment in commitments:
        balance = ZERO
        history = []
        for quarter in ledger.quarters:
            balance += sum(ledger.allocations[quarter][commitment.pk].values(), ZERO)
            history.append((_quarter_end(quarter), ledger.paid_in_end[quarter][commitment.pk], balance))
        histories[commitment.pk] = history
    return histories


def capital_history(*, commitment: Commitment, through: date) -> list[tuple[date, Decimal, Decimal]]:
    """(quarter end, paid-in to date, capital account balance) for every quarter up to `through`'s quarter."""
    return capital_histories(fund=commitment.fund, end=through).get(commitment.pk, [])


def nav_reconciliation(*, fund: Fund, quarter: str) -> NavReconciliation:
    """The investors' endings against the fund's NAV, and each line's allocations against the ledger."""
    start, end = parse_quarter(quarter)
    rows = capital_accounts(fund=fund, quarter=quarter)
    commitments = [row.commitment for row in rows]
    ledger = _ledger(fund=fund, end=end, commitments=commitments) if rows else None
    lines = []
    for name in LINES:
        allocated = sum((getattr(row.qtd, name) for row in rows), ZERO)
        booked = ZERO
        if ledger is not None:
            quarter_start = _quarter_start(start)
            booked += ledger.fund_lines.get(quarter_start, {}).get(name, ZERO)
            for own in ledger.own.get(quarter_start, {}).values():
                booked += own[name]
        lines.append(NavLine(line=name, allocated=allocated, ledger=booked))
    return NavReconciliation(
        start=start,
        end=end,
        sum_of_endings=sum((row.qtd.ending_balance for row in rows), ZERO),
        nav=fund_nav(fund=fund, as_of=end),
        lines=lines,
    )


def fund_capital_summary(
    *,
    fund: Fund,
    quarter: str,
    rows: list[CapitalAccountRow] | None = None,
    cash_flows: dict[int, list[tuple[date, Decimal]]] | None = None,
) -> FundCapitalSummary:
    """The fund's totals for the quarter: commitments, paid-in, distributed, unfunded, NAV and performance.

    ``rows`` and ``cash_flows``: the fund's `capital_accounts` and their cash flows for the same quarter
    (`fund_capital`) when the caller has them already."""
    start, end = parse_quarter(quarter)
    if rows is None:
        rows = capital_accounts(fund=fund, quarter=quarter)
    paid_in = sum((row.paid_in for row in rows), ZERO)
    distributed = sum((row.distributed for row in rows), ZERO)
    nav = fund_nav(fund=fund, as_of=end)
    flows: list[tuple[date, Decimal]] = []
    if rows:
        if cash_flows is None:
            cash_flows = _cash_flows_by_commitment(
                fund=fund, commitments=[r.commitment for r in rows], through=end
            )
        for commitment_flows in cash_flows.values():
            flows += commitment_flows
    performance = multiples(paid_in=max(paid_in, ZERO), distributed=distributed, nav=nav)
    return FundCapitalSummary(
        start=start,
        end=end,
        commitments=sum((row.commitment_amount for row in rows), ZERO),
        paid_in=paid_in,
        distributed=distributed,
        unfunded=sum((row.unfunded for row in rows), ZERO),
        nav=nav,
        irr=_irr(flows, ending=nav, end=end),
        tvpi=performance.tvpi,
        dpi=performance.dpi,
        rvpi=performance.rvpi,
    )


def line_totals(account: CapitalAccount) -> dict[str, Decimal]:
    """{line: amount} of a column, in the order of LINES (for pages and PDFs)."""
    return {f.name: getattr(account, f.name) for f in fields(account) if f.name in LINES}
