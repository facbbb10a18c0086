"""Calibration report: the default model on 1,000 groups against DOMAIN.md section 5.

Run: .venv/bin/python benchmarks/calibration.py [n_groups] [seed ...]
"""

import sys
import time

import pandas as pd

from gqkit.simulation.calibration import calibration_report

n_groups = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
seeds = [int(s) for s in sys.argv[2:]] or [2026]
pd.set_option("display.width", 200)
for seed in seeds:
    start = time.perf_counter()
    report = calibration_report(n_groups=n_groups, seed=seed)
    print(f"# {n_groups} groups, seed {seed}: {report['ok'].sum()} of {len(report)} within range ({time.perf_counter() - start:.0f} s)")
    print(report.drop(columns="source").round(3).to_string(index=False))
