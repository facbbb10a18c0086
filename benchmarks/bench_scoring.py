"""Speed of the foundation: reading, scoring and a widget update. Prints numbers; asserts nothing.

Run: .venv/bin/python benchmarks/bench_scoring.py
Widget update times: benchmarks/bench_widgets.py.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd

from gqkit import Instrument, read_responses, score
from gqkit.scoring import score_array

INST = Instrument.default()


def wide_table(n_groups: int, members: int = 8, sessions: int = 16, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_groups * members * sessions
    values = rng.integers(1, 8, size=(n, INST.n_items)).astype(float)
    values[rng.random(values.shape) < 0.03] = np.nan
    ids = pd.DataFrame(
        {
            "group": np.repeat([f"g{g:05d}" for g in range(n_groups)], members * sessions),
            "member": np.tile(np.repeat([f"m{m:02d}" for m in range(members)], sessions), n_groups),
            "session": np.tile(np.arange(1, sessions + 1), n_groups * members),
        }
    )
    return pd.concat([ids, pd.DataFrame(values, columns=list(INST.items)).astype("Int64")], axis=1)


def timed(func, repeat: int = 3) -> tuple[float, float]:
    """Median wall time (s) of ``func``, then its peak traced memory (MB) in one extra run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    print(f"{'task':<52}{'median s':>10}{'peak MB':>10}")
    for n_groups in (1, 100):
        wide = wide_table(n_groups)
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "wide.csv"
            wide.to_csv(path, index=False)
            t, m = timed(lambda: read_responses(path))
            print(f"{f'read_responses, CSV, {n_groups} groups ({len(wide):,} rows wide)':<52}{t:>10.3f}{m:>10.1f}")
        long = read_responses(wide)
        t, m = timed(lambda: score(long))
        print(f"{f'score, {n_groups} groups ({len(long):,} responses)':<52}{t:>10.3f}{m:>10.1f}")
    values = wide_table(10_000)[list(INST.items)].to_numpy(dtype=float, na_value=np.nan)
    t, m = timed(lambda: score_array(values, INST), repeat=1)
    print(f"{'score_array, 10,000 groups x 8 x 16 (array path)':<52}{t:>10.3f}{m:>10.1f}")



if __name__ == "__main__":
    main()
