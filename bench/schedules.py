"""Benchmark: generate 10,000 repayment schedules of mixed shapes and print the figures.

Run: .venv/bin/python bench/schedules.py [--count 10000]
Target (issue "Portfolio ledger"): 10,000 schedules in < 3 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portfolio.schedules import FREQUENCIES, build_schedule


def generate_arguments(count: int, seed: int = 2026) -> list[dict]:
    """Realistic SIF loans: € 25k–500k, 2–8 %, 3–7 years, mixed methods, frequencies and grace."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        frequency = rng.choice(["monthly", "monthly", "monthly", "quarterly", "semiannual", "annual"])
        months = FREQUENCIES[frequency]
        term = rng.choice([36, 48, 60, 72, 84])
        grace = rng.choice([0, 0, 0, 6, 12])
        grace = (grace // months) * months
        out.append(
            {
                "principal": Decimal(rng.randrange(2_500_000, 50_000_000)) / 100,
                "annual_rate": Decimal(rng.randrange(200, 800)) / 10_000,
                "start_date": date(2026, rng.randint(1, 12), rng.randint(1, 28)),
                "term_months": term,
                "frequency": frequency,
                "method": rng.choice(["annuity", "annuity", "linear", "bullet"]),
                "day_count": rng.choice(["30E/360", "30E/360", "ACT/365", "ACT/ACT"]),
                "grace_months": grace if grace < term else 0,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    arguments = generate_arguments(args.count)
    start = time.perf_counter()
    rows = 0
    for kwargs in arguments:
        rows += len(build_schedule(**kwargs))
    elapsed = time.perf_counter() - start
    print(f"schedules generated : {args.count:,}")
    print(f"instalment rows     : {rows:,}")
    print(f"total time          : {elapsed:.3f} s  (target < 3 s for 10,000)")
    print(f"per schedule        : {elapsed / args.count * 1000:.3f} ms")


if __name__ == "__main__":
    main()
