"""Speed of simulated round-robin ratings, and of the SRM on them. Prints numbers; asserts nothing.

The task: 1,000 groups of 8 (16 sessions), rated in 4 sessions (every 4th) on 4 items (the
defaults of RoundRobinModel): about 900,000 ratings. Times are medians of 5 runs after a
warm-up; the cohort itself is simulated once, outside the timings.

Run: .venv/bin/python benchmarks/bench_round_robin.py
"""

from __future__ import annotations

import time

from timing import timed

from gqkit import simulate
from gqkit.round_robin import read_round_robin
from gqkit.simulation.round_robin import RoundRobinModel, round_robin_ratings
from gqkit.srm import srm


def main() -> None:
    model = RoundRobinModel()
    print(f"{'task':<72}{'median s':>10}")
    for label, overrides, missing in (("full attendance", {"attendance": 1.0, "dropout_hazard": 0.0}, "error"),
                                      ("default attendance", {}, "impute")):  # fmt: skip
        start = time.perf_counter()
        cohort = simulate(n_groups=1000, seed=1, **overrides)
        built = time.perf_counter() - start
        rr = round_robin_ratings(cohort, model)
        n = len(rr.ratings)
        print(f"{'simulate (once, for reference), 1,000 groups of 8, ' + label:<72}{built:>10.3f}")
        print(f"{f'round_robin_ratings, {label} ({n:,} ratings)':<72}{timed(lambda: round_robin_ratings(cohort, model)):>10.3f}")
        print(f"{'read_round_robin on them (roster check)':<72}{timed(lambda: read_round_robin(rr.ratings, scale=(1, 7), members=cohort.members)):>10.3f}")
        print(f"{f'srm on them (16 slices of session x item), missing={missing!r}':<72}{timed(lambda: srm(rr.ratings, missing=missing)):>10.3f}")


if __name__ == "__main__":
    main()
