"""Speed and memory of the simulator. Prints numbers; asserts nothing.

Run: .venv/bin/python benchmarks/bench_simulate.py
Targets (DESIGN.md section 8): 1 group < 10 ms; 10,000 groups < 10 s, < 2 GB, and within
4x of the time numpy needs just to draw the same number of normal variates.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np

from gqkit import Instrument, simulate

CHILD = """
import resource, sys, time
from gqkit import simulate
n = int(sys.argv[1])
start = time.perf_counter()
simulate(n_groups=n, seed=1)
wall = time.perf_counter() - start
print(wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def variates_per_group(members: int = 8, sessions: int = 16) -> int:
    """How many random numbers the simulator draws per group: the sum over its named streams."""
    from gqkit.simulation import SimulationConfig
    from gqkit.simulation.model import N_FACTORS, layout

    config = SimulationConfig.from_overrides(n_members=members, n_sessions=sessions)
    streams = layout(config, Instrument.default().n_items).values()
    return sum(int(np.prod(d.shape)) for d in streams) + N_FACTORS + 1  # + the therapist's stream


def normals_floor(n_groups: int) -> float:
    """Seconds numpy needs to draw as many normal variates (float64, one call) as the simulator draws."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    rng.standard_normal(variates_per_group() * n_groups)
    return time.perf_counter() - start


def in_child(n_groups: int) -> tuple[float, float]:
    """(wall s, peak resident MB) of one simulation in a fresh process."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(n_groups)], capture_output=True, text=True, check=True)
    wall, peak = map(float, out.stdout.split())
    return wall, peak


def main() -> None:
    simulate(seed=0)  # warm up imports
    times = []
    for seed in range(30):
        start = time.perf_counter()
        simulate(seed=seed)
        times.append(time.perf_counter() - start)
    print(f"{'groups':>8}{'wall s':>10}{'peak MB':>10}{'normals floor s':>17}{'ratio':>8}")
    print(f"{1:>8}{statistics.median(times):>10.4f}{'':>10}{normals_floor(1):>17.5f}{statistics.median(times) / normals_floor(1):>8.1f}")
    for n in (100, 10_000):
        wall, peak = in_child(n)
        floor = normals_floor(n)
        print(f"{n:>8}{wall:>10.3f}{peak:>10.0f}{floor:>17.3f}{wall / floor:>8.1f}")
    print(f"({variates_per_group():,} random numbers per group; peak MB is the child process's resident peak)")


if __name__ == "__main__":
    main()
