"""The research sandbox (notebook 07): RuleSweepExplorer driven as a browser drives it.

What it sweeps and how (Rule.numeric_params, nested Rule.replace, evaluate.sweep_values,
match_each and sweep) is tested with the core, in tests/test_detect.py and tests/test_evaluate.py.
"""

import io
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from test_widget_sweep import Front, errors_reach_the_log, interactive, sweep  # noqa: F401 -- the fixture makes callback errors reach the log

from gqkit import GQConfigError, simulate
from gqkit.detect import RULES, ChangeAlert, FunctionRule
from gqkit.evaluate import evaluate, sweep_values
from gqkit.evaluate import sweep as core_sweep
from gqkit.sandbox_widgets import RuleSweepExplorer

COHORT = simulate(n_groups=10, seed=3)
RUPTURE_RULES = [name for name, cls in RULES.items() if cls.finds_ruptures]


def below_own_mean(history, drop=1.0, *, least=2):
    past = history[:-1][~np.isnan(history[:-1])]
    if len(past) < least or np.isnan(history[-1]):
        return np.nan
    return (past.mean() - history[-1]) / drop


MINE = FunctionRule(func=below_own_mean, params={"drop": 1.0, "least": 2}, scales=("PB",), level="MG", label="below_own_mean")


# -- the explorer ------------------------------------------------------------------------------------

def options(control) -> list:
    return [o[1] if isinstance(o, tuple) else o for o in control.options]


def ring(ex: RuleSweepExplorer) -> tuple[float, float]:
    return tuple(next(c for c in ex.axes[0].collections if c.get_gid() == "gq-now").get_offsets()[0])


def sweep_agrees(ex: RuleSweepExplorer) -> None:
    """The curve, the ring, the table and the metrics are what the core gives for the controls' values."""
    c = {name: control.value for name, control in ex.controls.items()}
    rule = ex.rule()
    assert getattr(rule, "label", rule.name) == c["rule"] and rule.level == c["level"]
    assert rule.numeric_params()[c["param"]] == c["value"] and options(ex.controls["param"]) == list(rule.numeric_params())
    assert options(ex.controls["scope"]) == ["overall", *([rule.level] if rule.level != "all" else [])]
    if rule.level != "all":
        assert all(s in {sc for sc, lv in COHORT.instrument.facets if lv == rule.level} for s in rule.scales)
    values = options(ex.controls["value"])
    expected = core_sweep(rule, c["param"], values, ex.cohort, (0, c["tolerance"]), scope=c["scope"])  # the core, from scratch
    pd.testing.assert_frame_equal(ex.curve, expected)
    metrics = evaluate(ex.cohort, rule.detect(ex.cohort.scores()), (0, c["tolerance"])).set_index(["scope", "key"])
    pd.testing.assert_frame_equal(ex.metrics, metrics)
    now = expected.set_index("value").loc[c["value"]]
    assert ring(ex) == pytest.approx((now["recall"], now["precision"] if now["detections"] > 0 else 0.0))
    assert f'data-value="{c["value"]:g}"' in ex.table.value and f"window 0-{c['tolerance']}" in ex.table.value
    assert ex.image.value[:4] == b"\x89PNG" and ex.error is None


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.fixture(scope="module")
def explorer():
    return RuleSweepExplorer(COHORT, [MINE])


def test_the_controls_are_built_from_the_registry_and_the_rules(explorer):
    ex = explorer
    assert options(ex.controls["rule"]) == [*RUPTURE_RULES, "below_own_mean"] and "sudden_gain" not in options(ex.controls["rule"])
    assert ex.controls["rule"].value == "below_own_mean"  # your rule first
    assert options(ex.controls["level"]) == ["MG", "all", "MM", "ML"]  # its own first, then every level PB has items at
    assert options(ex.controls["param"]) == ["params__drop", "params__least"] and options(ex.controls["value"]) == sweep_values(MINE, "params__drop")
    assert ex.controls["value"].value == 1.0 and ex.controls["scope"].value == "MG"  # it claims MG: scored on MG ruptures
    sweep_agrees(ex)
    assert {w for w in interactive(ex)} == set(ex.controls.values())


@pytest.mark.parametrize(
    "name, value",
    [("rule", "change"), ("rule", "v_episode"), ("level", "ML"), ("level", "all"), ("scope", "overall"), ("param", "params__least"), ("value", 0.5),
     ("tolerance", 1)],
)  # fmt: skip
def test_each_control_changes_the_picture_and_the_numbers(name, value):
    ex = RuleSweepExplorer(COHORT, [MINE], precompute=False)
    png, table = ex.image.value, ex.table.value
    assert Front().set(ex.controls[name], value) is None  # a browser's change: no callback error
    assert ex.controls[name].value == value
    sweep_agrees(ex)
    assert ex.image.value != png and ex.table.value != table


def test_moving_the_value_moves_only_the_marks():
    ex = RuleSweepExplorer(COHORT, [MINE], precompute=False)
    curve, before = ex.curve, pixels(ex.image.value)
    front = Front()
    assert front.set(ex.controls["value"], 2.0) is None
    assert ex.curve is curve  # the same sweep, from the cache
    after = pixels(ex.image.value)
    changed = np.argwhere((before != after).any(axis=2))
    assert len(changed) > 0
    sweep_agrees(ex)
    # the change stays near the marks: the ring (left) and the dashed line (right), not the whole figure
    assert len(changed) < 0.05 * before.shape[0] * before.shape[1]
    assert front.set(ex.controls["value"], 1.0) is None and ex.curve is curve
    np.testing.assert_array_equal(pixels(ex.image.value), before)  # back where it was: the same picture


def test_another_window_redraws_the_curves_on_the_kept_frame_as_a_full_draw_would():
    ex = RuleSweepExplorer(COHORT, [MINE], precompute=False)
    frame = ex._frame_pixels
    assert Front().set(ex.controls["tolerance"], 0) is None
    sweep_agrees(ex)
    assert ex._frame_pixels is frame  # the axes, ticks and labels were not drawn again
    fresh = RuleSweepExplorer(COHORT, [MINE], precompute=False, tolerance=0)
    np.testing.assert_array_equal(pixels(ex.image.value), pixels(fresh.image.value))
    assert Front().set(ex.controls["level"], "ML") is None and ex._frame_pixels is not frame  # new labels: a new frame


def test_a_new_rule_starts_at_its_own_level_parameter_and_value():
    ex = RuleSweepExplorer(COHORT, [MINE], precompute=False)
    front = Front()
    for name in RUPTURE_RULES:
        assert front.set(ex.controls["rule"], name) is None
        base = RULES[name]()
        first = next(iter(base.numeric_params()))
        assert ex.controls["level"].value == base.level and ex.controls["param"].value == first
        assert ex.controls["value"].value == base.numeric_params()[first]
        assert ex.controls["scope"].value == (base.level if base.level != "all" else "overall")
        sweep_agrees(ex)
    assert front.set(ex.controls["rule"], "change") is None and front.set(ex.controls["level"], "MM") is None
    assert ex.rule().scales == ("PB", "NR")  # the scales with member-member items
    assert ex.rule() == ChangeAlert(level="MM", scales=("PB", "NR"), z=ex.controls["value"].value)  # a built-in keeps that level's defaults


def test_every_control_in_every_order_works_or_says_why():
    ex = RuleSweepExplorer(simulate(n_groups=4, seed=8), [MINE], precompute=False)
    s = sweep(ex, sweep_agrees, awkward=[
        [("rule", "status"), ("level", "MM"), ("tolerance", 0), ("rule", "below_own_mean"), ("param", "params__least"), ("value", 5)],
        [("rule", "v_episode"), ("param", "m"), ("value", 1), ("level", "MG"), ("scope", "overall"), ("rule", "group_drop")],
    ])  # fmt: skip
    assert not s.problems, "\n".join(s.problems)
    assert s.messages == 0  # every control offers only what the rule accepts


def test_the_explorer_refuses_what_it_cannot_show():
    with pytest.raises(GQConfigError, match="cohort"):
        RuleSweepExplorer(COHORT.scores())  # type: ignore[arg-type]
    with pytest.raises(GQConfigError, match="own"):
        RuleSweepExplorer(COHORT, ["below_own_mean"])  # type: ignore[list-item]
    with pytest.raises(GQConfigError, match="names of their own"):
        RuleSweepExplorer(COHORT, [FunctionRule(func=below_own_mean, label="change")])
    with pytest.raises(GQConfigError, match="names of their own"):
        RuleSweepExplorer(COHORT, [MINE, MINE])
    with pytest.raises(GQConfigError, match="a number to sweep.*params"):
        RuleSweepExplorer(COHORT, [FunctionRule(func=lambda h: h[-1], label="last")])
    with pytest.raises(GQConfigError, match="a number to sweep"):
        RuleSweepExplorer(COHORT, [FunctionRule(func=below_own_mean, label="defaults")])  # the function's own defaults are not the rule's parameters
    with pytest.raises(GQConfigError, match="rule='nothing'"):
        RuleSweepExplorer(COHORT, precompute=False, rule="nothing")
    with pytest.raises(GQConfigError, match="tolerance=9"):
        RuleSweepExplorer(COHORT, precompute=False, tolerance=9)
    with pytest.raises(GQConfigError, match="grids"):
        RuleSweepExplorer(COHORT, grids={"nothing": {"z": [1.0]}})
    with pytest.raises(GQConfigError, match="grids"):
        RuleSweepExplorer(COHORT, grids={"change": {"z": [v for v in (1.0, 2.0, 3.0) if v != ChangeAlert().z]}})  # without the current value
    with pytest.raises(GQConfigError, match="grids"):
        RuleSweepExplorer(COHORT, [MINE], grids={"below_own_mean": {"drop": [0.5, 1.0]}})  # by the name sweep takes: params__drop
    ex = RuleSweepExplorer(COHORT, [MINE], grids={"below_own_mean": {"params__drop": [0.5, 1.0, 4.0]}}, precompute=False)
    assert options(ex.controls["value"]) == [0.5, 1.0, 4.0]
    sweep_agrees(ex)


def test_a_change_answers_quickly_once_swept():
    """The explorer's promise: moving the value only draws; a rule or level seen before only draws and tabulates.

    The bounds are loose (a busy test machine); the notebook's numbers are in the report of the change.
    """
    ex = RuleSweepExplorer(simulate(n_groups=40, seed=7), [MINE])
    front = Front()

    def timed(name, value) -> float:
        start = time.perf_counter()
        assert front.set(ex.controls[name], value) is None and ex.error is None
        return time.perf_counter() - start

    values = options(ex.controls["value"])
    moves = [timed("value", v) for v in values[::-1]]
    switches = [timed("rule", name) for name in [*RUPTURE_RULES, "below_own_mean"]]  # precomputed at construction
    assert np.median(moves) < 0.15 and np.median(switches) < 0.3, (moves, switches)
