"""Shared by the benchmarks: the median wall time of a call."""

import statistics
import time
from collections.abc import Callable


def timed(func: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time (s) of ``func`` over ``repeat`` runs, after one warm-up run."""
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
