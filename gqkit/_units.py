"""Run independent units of work in order, on any ``concurrent.futures`` executor, with a bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Any


def run_units(func: Callable[..., Any], args: Sequence[tuple], executor: Executor | None, progress: bool, desc: str) -> Iterator[Any]:
    """``func(*a)`` for each ``a`` in ``args``, in order: here, or on ``executor`` (a process pool,
    Dask's ``Client.get_executor()``...), with a tqdm bar when ``progress``."""
    if executor is None:
        results: Iterator[Any] = (func(*a) for a in args)
    else:
        futures = [executor.submit(func, *a) for a in args]
        results = (f.result() for f in futures)
    if progress:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(args), desc=desc)
    return results
