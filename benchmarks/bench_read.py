"""Reading large files: time and peak memory of read_responses and Cohort.from_dir.

Targets (issue 9): a 1,000,000-row long file in under 10 s and 2 GB on a 2-core machine.
Each read runs in a fresh Python process, so the peak memory is the whole process's
(resident set size, imports included), as a user would see it.

Run: .venv/bin/python benchmarks/bench_read.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd

from gqkit import Instrument

INST = Instrument.default()
TARGET_SECONDS, TARGET_GB = 10.0, 2.0


def long_file(path: Path, n_rows: int, seed: int = 0) -> Path:
    """A long file of ``n_rows`` answers: groups of 8 members x 16 sessions, 3% missing."""
    rng = np.random.default_rng(seed)
    n_sessions = -(-n_rows // INST.n_items)
    k = np.arange(n_sessions)
    response = rng.integers(1, 8, n_sessions * INST.n_items).astype(object)
    response[rng.random(len(response)) < 0.03] = "NA"
    pd.DataFrame(
        {
            "group": np.repeat(np.char.add("g", (k // 128).astype(str)), INST.n_items),
            "member": np.repeat(np.char.add("m", (k // 16 % 8).astype(str)), INST.n_items),
            "session": np.repeat(k % 16 + 1, INST.n_items),
            "item": np.tile(INST.items, n_sessions),
            "response": response,
        }
    ).iloc[:n_rows].to_csv(path, index=False)
    return path


def wide_file(path: Path, n_rows: int, seed: int = 0) -> Path:
    """A wide file of ``n_rows`` member-sessions (one column per item)."""
    rng = np.random.default_rng(seed)
    k = np.arange(n_rows)
    values = pd.DataFrame(rng.integers(1, 8, (n_rows, INST.n_items)), columns=list(INST.items)).astype("Int64")
    values = values.mask(rng.random(values.shape) < 0.03)
    ids = pd.DataFrame({"group": np.char.add("g", (k // 128).astype(str)), "member": np.char.add("m", (k // 16 % 8).astype(str)), "session": k % 16 + 1})
    pd.concat([ids, values], axis=1).to_csv(path, index=False)
    return path


def measured(code: str) -> tuple[float, float]:
    """Wall seconds of ``code`` (timed inside a fresh process, imports excluded) and that process's peak RSS in GB."""
    child = (f"import resource, time, gqkit, gqkit.simulation\nstart = time.perf_counter()\n{code}\n"
             "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    seconds, peak_kib = out.stdout.split()[-2:]
    return float(seconds), float(peak_kib) / 2**20  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the long file (the wide file has a tenth)")
    args = parser.parse_args()
    print(f"{'task':<58}{'seconds':>9}{'peak GB':>9}  target")
    with TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        long = long_file(tmp / "long.csv", args.rows)
        wide = wide_file(tmp / "wide.csv", args.rows // 10)
        from gqkit import simulate

        folder = simulate(n_groups=500, seed=1).to_dir(tmp / "cohort")
        tasks = [
            (f"read_responses, long, {args.rows:,} rows", f"gqkit.read_responses({str(long)!r})"),
            (f"read_responses, wide, {args.rows // 10:,} rows x {INST.n_items} items", f"gqkit.read_responses({str(wide)!r})"),
            ("Cohort.from_dir, 500 groups (every check)", f"gqkit.simulation.Cohort.from_dir({str(folder)!r})"),
        ]
        for label, code in tasks:
            seconds, gb = measured(code)
            ok = seconds < TARGET_SECONDS and gb < TARGET_GB
            print(f"{label:<58}{seconds:>9.2f}{gb:>9.2f}  {'met' if ok else 'MISSED'} (< {TARGET_SECONDS:g} s, < {TARGET_GB:g} GB)")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"(benchmark ran {time.perf_counter() - start:.0f} s)")
