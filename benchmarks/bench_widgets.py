"""Median update time (compute + redraw) of each explorer when a control moves. Prints numbers.

Run: MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widgets.py
Target (DESIGN.md section 8): median < 150 ms.
"""

from __future__ import annotations

import statistics
import time

from gqkit import load_example
from gqkit.culture_widgets import ScenarioExplorer
from gqkit.exercises import EXAMPLE_ANSWERS
from gqkit.srm_widgets import RoundRobinExplorer
from gqkit.widgets import DetectionExplorer, RepairExplorer, ScoreExplorer, SimulationExplorer


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
    print(f"SimulationExplorer, sessions:            {median_ms(sim.controls['n_sessions'], [9, 10, 11, 12, 13, 14, 15, 16]):6.0f} ms (each a new setting: the whole figure is drawn)")
    print(f"SimulationExplorer, scale:               {median_ms(sim.controls['scale'], ['NR', 'PW', 'PB'] * 3):6.0f} ms (the first visit to each scale draws the whole figure; later ones reuse it)")
    det = DetectionExplorer(load_example("course"))
    print(f"DetectionExplorer, threshold:            {median_ms(det.controls['knob'], [1.5, 2.0, 2.5, 3.0] * 4):6.0f} ms")
    print(f"DetectionExplorer, rule:                 {median_ms(det.controls['rule'], ['status', 'v_episode', 'dyad_drop', 'change'] * 3):6.0f} ms")
    rep = RepairExplorer()  # each setting simulates 12 replicate groups; results are cached, so a setting seen before is cheaper
    qualities = [round(0.05 * i, 2) for i in range(21)]
    print(f"RepairExplorer, quality (new settings):  {median_ms(rep.controls['quality'], qualities):6.0f} ms")
    print(f"RepairExplorer, quality (seen before):   {median_ms(rep.controls['quality'], qualities):6.0f} ms")
    print(f"RepairExplorer, repair session:          {median_ms(rep.controls['repair_session'], [6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 'never']):6.0f} ms")
    both = [median_ms(rep.controls["severity"], [0.5, 1.0, 1.5, 2.5, 3.0, 1.2, 2.2]), median_ms(rep.controls["level"], ["MM", "MG", "ML"] * 2)]
    print(f"RepairExplorer, severity and level (both arms new): {statistics.median(both):6.0f} ms (severity {both[0]:.0f}, level {both[1]:.0f})")
    scen = ScenarioExplorer()  # each setting simulates 16 replicate groups; results are cached, so a setting seen before is cheaper
    facets = [round(0.05 * i, 2) for i in range(21)]
    print(f"ScenarioExplorer, humility (new settings):   {median_ms(scen.controls['humility'], facets):6.0f} ms")
    print(f"ScenarioExplorer, humility (seen before):    {median_ms(scen.controls['humility'], facets):6.0f} ms")
    moves = [("opportunities", facets[::2]), ("comfort", facets[1::2]), ("response", ["addressed", "not addressed", "shaming", "by MCO"] * 2),
             ("source", ["leader", "member"] * 3), ("norm_setting", [True, False] * 3), ("dimension", ["identity B", "identity C", "identity A"] * 2)]
    times = [median_ms(scen.controls[name], values) for name, values in moves]
    print(f"ScenarioExplorer, every other control:       {statistics.median(times):6.0f} ms (per control: "
          + ", ".join(f"{name} {t:.0f}" for (name, _), t in zip(moves, times)) + ")")
    rr = RoundRobinExplorer()  # each new pair, onset, repair or seed simulates one group; its round robins and SRMs are kept
    print(f"RoundRobinExplorer, session and item:        {median_ms(rr.controls['session'], [2, 4, 6, 10, 12, 14, 16, 8] * 2):6.0f} ms (session), "
          f"{median_ms(rr.controls['item'], ['bond_a', 'bond_b', 'conflict', 'bond'] * 2):.0f} ms (item; the first conflict draws the whole figure)")
    moves = [("onset", [3, 4, 5, 7, 8]), ("repaired_at", [12, 13, 14, "never"]), ("strained", [1, 3, 4, 6]), ("other", [2, 3, 7, 8]),
             ("shock", [1.0, 1.5, 2.5, 3.0]), ("seed", [1, 2, 4, 5])]
    times = [median_ms(rr.controls[name], values) for name, values in moves]
    print(f"RoundRobinExplorer, the rupture and seed:    {statistics.median(times):6.0f} ms (per control: "
          + ", ".join(f"{name} {t:.0f}" for (name, _), t in zip(moves, times)) + "; each a new simulation)")


if __name__ == "__main__":
    main()
