"""The fund's default chart of accounts: one enumeration, so no code is a bare string in the code base."""

from __future__ import annotations

from enum import StrEnum


class AccountCode(StrEnum):
    BANK = "1000"
    LOANS_PRINCIPAL = "1100"
    INTEREST_RECEIVABLE = "1110"
    PENALTY_INTEREST_RECEIVABLE = "1115"
    FEES_RECEIVABLE = "1120"
    OUTCOME_PAYMENTS_RECEIVABLE = "1130"
    EQUITY_INVESTMENTS = "1200"
    LOAN_LOSS_PROVISION = "1190"
    DISTRIBUTIONS_PAYABLE = "2000"
    OUTCOME_PAYMENTS_PAYABLE = "2100"
    PREPAYMENTS_RECEIVED = "2200"
    PAID_IN_CAPITAL = "3000"
    INTEREST_INCOME = "4000"
    PENALTY_INTEREST_INCOME = "4050"
    FEE_INCOME = "4100"
    RECOVERIES = "4200"
    EQUITY_REVALUATION = "4300"
    PROVISION_EXPENSE = "5000"
    WRITE_OFF_EXPENSE = "5100"
