"""Median update time (compute + redraw) of each explorer when a control moves. Prints numbers.

Run: MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widgets.py
Target (DESIGN.md section 8): median < 150 ms.
"""

from __future__ import annotations

import statistics
import time

from gqkit import load_example
from gqkit.exercises import EXAMPLE_ANSWERS
from gqkit.widgets import DetectionExplorer, ScoreExplorer, SimulationExplorer


def median_ms(control, values) -> float:
    times = []
    for value in values:
        start = time.perf_counter()
        control.value = value
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    score = ScoreExplorer(EXAMPLE_ANSWERS)
    print(f"ScoreExplorer, one answer:               {median_ms(score.answer_sliders['gq01'], [1, 2, 3, 4, 5, 6, 7] * 5):6.0f} ms")
    sim = SimulationExplorer()
    moves = [("type", ["confrontation", "cultural", "withdrawal"]), ("session", [4, 6, 5]), ("level", ["MM", "MG", "ML"]), ("seed", [2, 3, 1])]
    times = [median_ms(sim.controls[name], values * 4) for name, values in moves]
    print(f"SimulationExplorer, rupture controls:    {statistics.median(times):6.0f} ms (per control: {', '.join(f'{t:.0f}' for t in times)})")
    print(f"SimulationExplorer, scale (full redraw): {median_ms(sim.controls['scale'], ['NR', 'PW', 'PB'] * 3):6.0f} ms")
    det = DetectionExplorer(load_example("course"))
    print(f"DetectionExplorer, threshold:            {median_ms(det.controls['knob'], [0.5, 0.7, 0.9, 1.1] * 4):6.0f} ms")
    print(f"DetectionExplorer, rule:                 {median_ms(det.controls['rule'], ['status', 'v_episode', 'dyad_drop', 'change'] * 3):6.0f} ms")


if __name__ == "__main__":
    main()
