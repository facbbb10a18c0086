"""Speed of scoring and detection. Prints numbers; asserts nothing.

Run: .venv/bin/python benchmarks/bench_detect.py
Targets (DESIGN.md section 8): score + every built-in rule on 10,000 simulated groups < 5 s;
SuddenLoss on 10,000 persons x 12 sessions with ~8% missing < 0.5 s (R suddengains: ~100 s).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from gqkit import simulate
from gqkit.detect import ChangeAlert, DyadDrop, GroupDrop, ScorePanel, StatusAlert, SuddenGain, SuddenLoss, VEpisode

RULES = [StatusAlert(), ChangeAlert(), VEpisode(), SuddenLoss(), SuddenGain(), GroupDrop(), DyadDrop()]


def timed(func):
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def main() -> None:
    cohort = simulate(n_groups=10_000, seed=1)
    seconds, panel = timed(cohort.panel)
    print(f"score 10,000 groups into a ScorePanel (array path):    {seconds:7.2f} s")
    total = seconds
    for rule in RULES:
        seconds, found = timed(lambda: rule.detect(panel))
        total += seconds
        print(f"  {rule.name:<14} {len(found):>8,} alerts                       {seconds:7.2f} s")
    print(f"scoring + every built-in rule:                         {total:7.2f} s")
    seconds, scores = timed(cohort.scores)
    print(f"(tidy path: cohort.scores(), {len(scores):,} rows:         {seconds:7.2f} s;", end=" ")
    seconds, _ = timed(lambda: ScorePanel.from_scores(scores))
    print(f"ScorePanel.from_scores: {seconds:.2f} s)")

    rng = np.random.default_rng(0)
    values = 20 + np.cumsum(rng.normal(0, 3, size=(10_000, 12)), axis=1)
    values[rng.random(values.shape) < 0.08] = np.nan
    people = ScorePanel(values[:, :, None], pd.DataFrame({"group": "all", "member": np.arange(10_000).astype(str)}), np.arange(1, 13), (("bdi", "all"),))
    rule = SuddenLoss(cutoff=7, pct=-0.25, scales=("bdi",), worse={"bdi": 1.0})
    seconds, ev = timed(lambda: rule.evidence(people))
    print(f"SuddenLoss, 10,000 persons x 12 sessions, 8% missing:  {seconds:7.3f} s ({int(ev.alert.sum())} losses)")


if __name__ == "__main__":
    main()
