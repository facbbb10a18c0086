"""Calibration report: the default model on 1,000 groups against the literature.

Run: .venv/bin/python benchmarks/calibration.py [n_groups] [seed ...]   (the calibration report per seed)
     .venv/bin/python benchmarks/calibration.py 1000 --knobs     (therapist factors low vs high)
"""

import sys
import time

import pandas as pd

from gqkit.simulation.calibration import calibration_report

n_groups = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
seeds = [int(s) for s in sys.argv[2:] if s != "--knobs"] or [2026]
pd.set_option("display.width", 200)
for seed in seeds if "--knobs" not in sys.argv else []:
    start = time.perf_counter()
    report = calibration_report(n_groups=n_groups, seed=seed)
    print(f"# {n_groups} groups, seed {seed}: {report['ok'].sum()} of {len(report)} within range ({time.perf_counter() - start:.0f} s)")
    print(report.drop(columns="source").round(3).to_string(index=False))


def knob_table(n_groups: int = 1000, seed: int = 2026) -> pd.DataFrame:
    """Each therapist factor low vs high: repair rate and the feedback effect, overall and NOT."""
    from gqkit import trial

    rows = []
    for factor in ("commitment", "openness", "self_doubt"):
        for level in (0.2, 0.9):
            t = trial({"no feedback": {"feedback": False}, "feedback": {"feedback": True}}, n_groups=n_groups, seed=seed,
                      progress=False, **{factor: level})  # fmt: skip
            g = t.effects[t.effects["measure"] == "hedges_g change"].set_index("subgroup")
            summary = t.arm_summary().set_index("arm")
            rows.append({"factor": factor, "level": level, "repair rate (feedback)": summary.loc["feedback", "repaired"],
                         "repair rate (none)": summary.loc["no feedback", "repaired"],
                         "g overall": g.loc["all", "estimate"], "g not on track": g.loc["not on track", "estimate"]})  # fmt: skip
    return pd.DataFrame(rows)


if "--knobs" in sys.argv:
    print(knob_table(n_groups).round(3).to_string(index=False))
