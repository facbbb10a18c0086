"""The research sandbox (notebook 07): sweeping any rule's parameter, and RuleSweepExplorer driven as a browser drives it."""

import functools
import io
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from test_widget_sweep import Front, errors_reach_the_log, interactive, sweep  # noqa: F401 -- the fixture makes callback errors reach the log

from gqkit import GQConfigError, simulate
from gqkit.detect import RULES, ChangeAlert, FunctionRule, GroupDrop, StatusAlert, SuddenLoss, VEpisode
from gqkit.evaluate import evaluate, match_events
from gqkit.sandbox_widgets import FACTORS, RuleSweepExplorer, _matchings, rule_params, set_param, sweep_rule, sweep_values

COHORT = simulate(n_groups=10, seed=3)
RUPTURE_RULES = [name for name, cls in RULES.items() if cls.finds_ruptures]


def below_own_mean(history, drop=1.0, *, least=2):
    past = history[:-1][~np.isnan(history[:-1])]
    if len(past) < least or np.isnan(history[-1]):
        return np.nan
    return (past.mean() - history[-1]) / drop


MINE = FunctionRule(func=below_own_mean, scales=("PB",), level="MG", label="below_own_mean")


# -- what can be swept, and how ---------------------------------------------------------------------

def test_rule_params_lists_the_numbers_of_any_rule():
    assert rule_params(MINE) == {"drop": 1.0, "least": 2}  # a function's keyword arguments with a number as default
    bound = MINE.replace(func=functools.partial(below_own_mean, drop=2.5))
    assert rule_params(bound) == {"drop": 2.5, "least": 2}
    assert rule_params(FunctionRule(func=lambda h: h[-1])) == {}  # nothing to sweep
    for name in RUPTURE_RULES:
        rule = RULES[name]()
        params = rule_params(rule)
        assert params, name
        assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in params.values())
        assert all(p.split("[")[0] in rule.get_params() for p in params), name
    status = StatusAlert(scales=("PB", "NR"), cutoffs={"PB": 4.0, "NR": 3.5, "PW": 3.0})
    assert {"cutoffs[PB]": 4.0, "cutoffs[NR]": 3.5}.items() <= rule_params(status).items()  # entries of the scales it watches only
    assert "cutoffs[PW]" not in rule_params(status)
    with pytest.raises(GQConfigError, match="rule"):
        rule_params("change")  # type: ignore[arg-type]


def test_set_param_changes_one_parameter_and_checks_it():
    assert set_param(ChangeAlert(), "z", 3.0) == ChangeAlert(z=3.0)
    assert set_param(VEpisode(), "m", 4) == VEpisode(m=4)
    status = StatusAlert(cutoffs={"PB": 4.0, "PW": 3.8, "NR": 3.6})
    assert set_param(status, "cutoffs[PB]", 3.0).cutoffs == {"PB": 3.0, "PW": 3.8, "NR": 3.6}
    changed = set_param(MINE, "drop", 2.0)
    assert changed.label == MINE.label and changed.level == "MG" and rule_params(changed)["drop"] == 2.0
    again = set_param(changed, "least", 3)  # keeps the value bound before, without nesting partials
    assert rule_params(again) == {"drop": 2.0, "least": 3} and again.func.func is below_own_mean
    history = np.array([5.0, 5.0, 5.0, 3.0])
    assert again.func(history) == below_own_mean(history, drop=2.0, least=3)
    with pytest.raises(GQConfigError, match="param='threshold' is not allowed"):
        set_param(MINE, "threshold", 1.0)
    with pytest.raises(GQConfigError, match="whole number"):
        set_param(VEpisode(), "m", 2.5)
    with pytest.raises(GQConfigError, match="finite number"):
        set_param(ChangeAlert(), "z", float("nan"))
    with pytest.raises(GQConfigError):
        set_param(SuddenLoss(), "reliability", 1.0)  # the rule itself refuses it


@pytest.mark.parametrize("name", RUPTURE_RULES)
def test_sweep_values_are_increasing_accepted_and_include_the_current_value(name):
    rule = RULES[name]()
    for param, current in rule_params(rule).items():
        values = sweep_values(rule, param)
        assert current in values and values == sorted(values) and len(values) == len(set(values)) >= 3, (name, param, values)
        for v in values:
            set_param(rule, param, v)  # raises if refused


def test_sweep_values_follow_the_kind_of_number():
    assert sweep_values(ChangeAlert(z=2.0), "z") == [round(2.0 * f, 3) for f in FACTORS]  # a quarter to three times
    reliability = sweep_values(SuddenLoss(reliability=0.9), "reliability")  # refuses 3 x 0.9: swept below 1 instead
    assert max(reliability) < 1 and min(reliability) >= 0.5 and 0.9 in reliability
    assert sweep_values(GroupDrop(min_members=3), "min_members") == [2, 3, 4, 5, 6, 7, 8]  # whole numbers the rule accepts
    assert sweep_values(StatusAlert(cutoffs={"PB": 4.0, "PW": 3.8, "NR": 3.6}), "cutoffs[PB]") == [2.5, 3.0, 3.25, 3.5, 3.75, 4.0, 4.25, 4.5, 4.75, 5.0, 5.5]
    with pytest.raises(GQConfigError, match="that can be swept"):
        sweep_values(MINE, "nothing")


# -- sweeping ---------------------------------------------------------------------------------------

def test_matching_all_values_at_once_is_matching_each_alone():
    rule = ChangeAlert(level="MG", scales=("PB", "NR"))
    values = sweep_values(rule, "z")
    found = [set_param(rule, "z", v).detect(COHORT.panel()) for v in values]
    assert any(d.empty for d in found) and any(len(d) > 20 for d in found)  # no alerts at the top, many at the bottom
    for k in (0, 3):
        for d, m in zip(found, _matchings(COHORT, found, (0, k))):
            alone = match_events(COHORT, d, (0, k))
            pd.testing.assert_frame_equal(m.truth, alone.truth)
            pd.testing.assert_frame_equal(m.detections, alone.detections)


def test_sweep_rule_gives_what_evaluate_gives_for_built_ins_and_functions():
    from gqkit.evaluate import sweep as core_sweep

    values = [1.5, 2.6, 4.0]
    ours = sweep_rule(ChangeAlert(), "z", values, COHORT, (0, 2))
    pd.testing.assert_frame_equal(ours.drop(columns="scope"), core_sweep(ChangeAlert(), "z", values, COHORT, (0, 2)), check_dtype=False)
    drops = [0.5, 1.0, 2.0]
    mine = sweep_rule(MINE, "drop", drops, COHORT, scope="MG")
    assert mine["rule"].tolist() == ["below_own_mean"] * 3 and mine["param"].tolist() == ["drop"] * 3 and mine["value"].tolist() == drops
    scores = COHORT.scores()
    for drop, (_, row) in zip(drops, mine.iterrows()):
        by_hand = FunctionRule(func=functools.partial(below_own_mean, drop=drop), scales=("PB",), level="MG", label="below_own_mean")
        expected = evaluate(COHORT, by_hand.detect(scores)).set_index(["scope", "key"]).loc[("level", "MG")]
        for column in ("ruptures", "found", "recall", "detections", "matched", "precision", "f1", "false_alarms_per_100", "median_delay"):
            assert row[column] == pytest.approx(expected[column], nan_ok=True), column
    overall = sweep_rule(MINE, "drop", drops, COHORT)
    assert (overall["ruptures"] > mine["ruptures"]).all() and (overall["recall"] <= mine["recall"]).all()  # MG ruptures are a part
    assert sweep_rule(MINE, "drop", None, COHORT)["value"].tolist() == sweep_values(MINE, "drop")
    with pytest.raises(GQConfigError, match="scope='MM'"):
        sweep_rule(MINE, "drop", drops, COHORT, scope="MM")  # it claims MG
    with pytest.raises(GQConfigError, match="scope='MG'"):
        sweep_rule(ChangeAlert(), "z", values, COHORT, scope="MG")  # it claims no level
    with pytest.raises(GQConfigError, match="cohort"):
        sweep_rule(ChangeAlert(), "z", values, COHORT.scores())  # type: ignore[arg-type]
    with pytest.raises(GQConfigError, match="tolerance"):
        sweep_rule(ChangeAlert(), "z", values, COHORT, (3, 1))
    with pytest.raises(GQConfigError, match="at least one value"):
        sweep_rule(ChangeAlert(), "z", [], COHORT)
    with pytest.raises(GQConfigError, match="z=-1"):
        sweep_rule(ChangeAlert(), "z", [1.0, -1.0], COHORT)  # the rule refuses it


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
    assert rule_params(rule)[c["param"]] == c["value"] and options(ex.controls["param"]) == list(rule_params(rule))
    assert options(ex.controls["scope"]) == ["overall", *([rule.level] if rule.level != "all" else [])]
    if rule.level != "all":
        assert all(s in {sc for sc, lv in COHORT.instrument.facets if lv == rule.level} for s in rule.scales)
    values = options(ex.controls["value"])
    expected = sweep_rule(rule, c["param"], values, ex.cohort, (0, c["tolerance"]), scope=c["scope"])
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
    assert options(ex.controls["param"]) == ["drop", "least"] and options(ex.controls["value"]) == sweep_values(MINE, "drop")
    assert ex.controls["value"].value == 1.0 and ex.controls["scope"].value == "MG"  # it claims MG: scored on MG ruptures
    sweep_agrees(ex)
    assert {w for w in interactive(ex)} == set(ex.controls.values())


@pytest.mark.parametrize(
    "name, value",
    [("rule", "change"), ("rule", "v_episode"), ("level", "ML"), ("level", "all"), ("scope", "overall"), ("param", "least"), ("value", 0.5),
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
        first = next(iter(rule_params(base)))
        assert ex.controls["level"].value == base.level and ex.controls["param"].value == first
        assert ex.controls["value"].value == rule_params(base)[first]
        assert ex.controls["scope"].value == (base.level if base.level != "all" else "overall")
        sweep_agrees(ex)
    assert front.set(ex.controls["rule"], "change") is None and front.set(ex.controls["level"], "MM") is None
    assert ex.rule().scales == ("PB", "NR")  # the scales with member-member items
    assert ex.rule() == ChangeAlert(level="MM", scales=("PB", "NR"), z=ex.controls["value"].value)  # a built-in keeps that level's defaults


def test_every_control_in_every_order_works_or_says_why():
    ex = RuleSweepExplorer(simulate(n_groups=4, seed=8), [MINE], precompute=False)
    s = sweep(ex, sweep_agrees, awkward=[
        [("rule", "status"), ("level", "MM"), ("tolerance", 0), ("rule", "below_own_mean"), ("param", "least"), ("value", 5)],
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
    with pytest.raises(GQConfigError, match="keyword argument with a number"):
        RuleSweepExplorer(COHORT, [FunctionRule(func=lambda h: h[-1], label="last")])
    with pytest.raises(GQConfigError, match="rule='nothing'"):
        RuleSweepExplorer(COHORT, precompute=False, rule="nothing")
    with pytest.raises(GQConfigError, match="tolerance=9"):
        RuleSweepExplorer(COHORT, precompute=False, tolerance=9)
    with pytest.raises(GQConfigError, match="grids"):
        RuleSweepExplorer(COHORT, grids={"nothing": {"z": [1.0]}})
    with pytest.raises(GQConfigError, match="grids"):
        RuleSweepExplorer(COHORT, grids={"change": {"z": [v for v in (1.0, 2.0, 3.0) if v != ChangeAlert().z]}})  # without the current value
    ex = RuleSweepExplorer(COHORT, [MINE], grids={"below_own_mean": {"drop": [0.5, 1.0, 4.0]}}, precompute=False)
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
