"""How a month's subscription money is split over its payers when their periods are prorated.

    .venv/bin/python -m bench.labels.split [--payers 1000 4000 16000 100000 1000000] [--exact-up-to 16000]

Each payer's part of the month is an exact fraction (`labels.month_part`: a prorated period is paid by the
microsecond). `labels.split_shares` (what statements run) is timed beside the way statements split before
session 16, with one common denominator for every payer, run only up to --exact-up-to payers; both answers
are compared where both ran.
"""

import argparse
import math
import random
import time
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from encore.labels import largest_remainder, month_part, split_shares

START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)


def shares(payers: int, seed: int = 16) -> dict[int, Fraction]:
    rng = random.Random(seed)
    out = {}
    for user in range(payers):
        paid_from = START - timedelta(seconds=rng.randint(0, 20 * 86_400), microseconds=rng.randint(0, 999_999))
        paid_to = paid_from + timedelta(days=rng.randint(1, 31), seconds=rng.randint(0, 86_399))
        out[user] = month_part(rng.choice([499, 999, 1299]), paid_from=paid_from, paid_to=paid_to, start=START, end=END)
    return out


def exact_split(parts: dict[int, Fraction], pct: int) -> tuple[int, dict[int, int]]:
    total = math.floor(sum(parts.values(), Fraction(0)) * pct / 100)
    scale = math.lcm(*(f.denominator for f in parts.values())) if parts else 1
    return total, largest_remainder(total, {u: int(f * scale) for u, f in parts.items()})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--payers", type=int, nargs="+", default=[1000, 4000, 16000, 100_000, 1_000_000])
    ap.add_argument("--exact-up-to", type=int, default=16000)
    args = ap.parse_args()
    print("payers  split_shares s  exact s  same answer")
    for n in args.payers:
        parts = shares(n)
        t0 = time.process_time()
        fast = split_shares(parts, 70)
        t1 = time.process_time()
        line = f"{n:>7}  {t1 - t0:>14.3f}"
        if n <= args.exact_up_to:
            exact = exact_split(parts, 70)
            line += f"  {time.process_time() - t1:>7.3f}  {fast == exact}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
