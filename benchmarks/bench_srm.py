"""Speed of the Social Relations Model: reading a round-robin table and estimating the SRM.

Prints numbers; asserts nothing. The target: 1,000 groups of 8 in under 2 s.

Run: .venv/bin/python benchmarks/bench_srm.py
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd
from timing import timed

from gqkit.round_robin import read_round_robin
from gqkit.srm import srm


def round_robin_table(n_groups: int, members: int = 8, sessions: int = 1, items: int = 1, p_missing: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Ratings on a 1-7 scale with actor, partner and relationship parts; ``p_missing`` of them left empty."""
    rng = np.random.default_rng(seed)
    rows = []
    i, j = np.nonzero(~np.eye(members, dtype=bool))
    for s in range(1, sessions + 1):
        for k in range(items):
            actor = rng.normal(0, 0.7, (n_groups, members))
            partner = rng.normal(0, 0.5, (n_groups, members))
            x = 4 + actor[:, i] + partner[:, j] + rng.normal(0, 1, (n_groups, len(i)))
            rating = np.clip(np.rint(x), 1, 7)
            rating[rng.random(rating.shape) < p_missing] = np.nan
            rows.append(pd.DataFrame({
                "group": np.repeat([f"g{g:05d}" for g in range(n_groups)], len(i)),
                "session": s,
                "rater": np.tile([f"m{m:02d}" for m in i], n_groups),
                "target": np.tile([f"m{m:02d}" for m in j], n_groups),
                "item": f"item{k + 1}",
                "rating": rating.reshape(-1),
            }))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    print(f"{'task':<68}{'median s':>10}")
    for n_groups, members, p_missing in ((1000, 8, 0.0), (1000, 8, 0.05), (1000, 6, 0.0), (10_000, 8, 0.0)):
        table = round_robin_table(n_groups, members, p_missing=p_missing)
        checked = read_round_robin(table, scale=(1, 7))
        missing = "impute" if p_missing else "error"
        label = f"{n_groups:,} groups of {members}, {p_missing:.0%} missing"
        print(f"{'srm, ' + label:<68}{timed(lambda: srm(checked, missing=missing)):>10.3f}")
        print(f"{'read_round_robin (DataFrame), ' + label:<68}{timed(lambda: read_round_robin(table, scale=(1, 7))):>10.3f}")
        if n_groups == 1000 and not p_missing:
            with TemporaryDirectory() as tmp:
                path = Path(tmp) / "round_robin.csv"
                table.to_csv(path, index=False)
                print(f"{'read_round_robin (CSV file), ' + label:<68}{timed(lambda: read_round_robin(path, scale=(1, 7))):>10.3f}")
                both = timed(lambda: srm(read_round_robin(path, scale=(1, 7))))
                print(f"{'read + srm (CSV file), ' + label:<68}{both:>10.3f}")
    sessions = round_robin_table(100, 8, sessions=10, items=3)
    label = "100 groups of 8, 10 sessions x 3 items (3,000 round robins)"
    print(f"{'srm, ' + label:<68}{timed(lambda: srm(sessions)):>10.3f}")


if __name__ == "__main__":
    main()
