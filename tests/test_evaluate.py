"""Event matching (against brute force), metrics, sweeps, Monte Carlo on any executor, the closed loop."""

import itertools
import re
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gqkit import GQConfigError, GQDataError, SimulationConfig, simulate
from gqkit.detect import RULES as BUILT_IN
from gqkit.detect import ChangeAlert, Evidence, FunctionRule, GroupDrop, Rule, StatusAlert, SuddenLoss, VEpisode
from gqkit.evaluate import FACTORS, evaluate, match_each, match_events, metrics_table, monte_carlo, sweep, sweep_table, sweep_values


def _truth(rows):
    return pd.DataFrame(
        [{"group": g, "member": m, "session": s, "kind": "rupture", "level": lv, "type": "withdrawal", "source": src, "rupture_id": f"r{i}"}
         for i, (g, m, s, lv, src) in enumerate(rows)]  # fmt: skip
    )


def _detections(rows):
    return pd.DataFrame([{"group": g, "member": m, "onset": o, "session": s, "level": lv} for g, m, o, s, lv in rows])


def _allowed(t, d, low, high):
    member_ok = pd.isna(d["member"]) or d["member"] == t["member"] or (t["level"] == "MM" and d["member"] == t["source"])
    return t["group"] == d["group"] and member_ok and d["level"] in ("all", t["level"]) and low <= d["onset"] - t["session"] <= high


def _brute_force(truth, found, low, high):
    """Largest one-to-one matching by trying every assignment (small cases only)."""
    T, D = truth.to_dict("records"), found.to_dict("records")
    best = 0
    for k in range(min(len(T), len(D)), 0, -1):
        for ts in itertools.combinations(range(len(T)), k):
            for ds in itertools.permutations(range(len(D)), k):
                if all(_allowed(T[i], D[j], low, high) for i, j in zip(ts, ds)):
                    return k
    return best


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_matching_is_as_large_as_brute_force(data):
    members = ["a", "b", "c"]
    truth = _truth([(data.draw(st.sampled_from(["g1", "g2"])), data.draw(st.sampled_from(members)), data.draw(st.integers(1, 8)),
                     data.draw(st.sampled_from(["MM", "ML", "MG"])), data.draw(st.sampled_from(members + ["leader"])))
                    for _ in range(data.draw(st.integers(0, 4)))])  # fmt: skip
    found = _detections([(data.draw(st.sampled_from(["g1", "g2"])), data.draw(st.sampled_from(members + [None])), (o := data.draw(st.integers(1, 10))),
                          o + data.draw(st.integers(0, 2)), data.draw(st.sampled_from(["all", "MM", "ML", "MG"])))
                         for _ in range(data.draw(st.integers(0, 5)))])  # fmt: skip
    if truth.empty or found.empty:
        return
    low, high = 0, data.draw(st.integers(0, 3))
    result = match_events(truth, found, (low, high))
    assert result.truth["found"].sum() == result.detections["matched"].sum() == _brute_force(truth, found, low, high)
    for _, d in result.detections[result.detections["matched"]].iterrows():  # every pair is allowed
        t = truth.set_index("rupture_id").loc[d["rupture_id"]].to_dict() | {"rupture_id": d["rupture_id"]}
        assert _allowed(t, d, low, high)


def test_greedy_would_undercount_but_the_matcher_does_not():
    # the first detection could take either rupture; greedy in time order takes r0 and strands r1
    truth = _truth([("g", "a", 3, "ML", "leader"), ("g", "a", 5, "ML", "leader")])
    found = _detections([("g", "a", 5, 5, "all"), ("g", "a", 4, 4, "all")])
    result = match_events(truth, found, (0, 2))
    assert result.truth["found"].all()
    assert result.truth["delay"].tolist() == [1, 0]  # shortest delays among the largest matchings


def test_alerts_before_onset_and_wrong_level_are_false_alarms():
    truth = _truth([("g", "a", 5, "MG", "group")])
    found = _detections([("g", "a", 4, 4, "all"), ("g", "a", 5, 5, "ML"), ("g", "b", 5, 5, "MG")])
    assert not match_events(truth, found).detections["matched"].any()
    member_member = _truth([("g", "a", 5, "MM", "b")])
    assert match_events(member_member, _detections([("g", "b", 6, 6, "MM")])).truth["found"].all()  # the pair's other member
    assert match_events(truth, _detections([("g", None, 5, 5, "MG")])).truth["found"].all()  # a whole-group alert


def test_evaluate_counts_by_hand():
    from gqkit import Rupture

    cohort = simulate(n_groups=1, seed=4, rate={"MM": 0.0, "ML": 0.0, "MG": 0.0}, microaggression_rate=0.0, dropout_hazard=0.0,
                      ruptures=[Rupture(session=4, level="ML", type="withdrawal", member=1), Rupture(session=9, level="MM", type="cultural", member=2, source=6)])  # fmt: skip
    found = _detections([("g001", "m01", 4, 6, "all"), ("g001", "m03", 7, 7, "all"), ("g001", "m05", 2, 2, "ML")])
    table = evaluate(cohort, found).set_index(["scope", "key"])
    overall = table.loc[("overall", "all")]
    assert overall[["ruptures", "found", "detections", "matched"]].tolist() == [2, 1, 3, 1]
    assert overall["recall"] == 0.5 and overall["precision"] == pytest.approx(1 / 3) and overall["f1"] == pytest.approx(0.4)
    assert overall["false_alarms_per_100"] == pytest.approx(100 * 2 / cohort.attended.sum())
    assert overall["median_delay"] == 2  # alert at 6, onset 4
    assert table.loc[("level", "ML"), "recall"] == 1 and table.loc[("level", "MM"), "recall"] == 0
    assert table.loc[("level", "ML"), "precision"] == 0  # the one ML claim was a false alarm
    assert table.loc[("type", "cultural"), "recall"] == 0 and table.loc[("type", "withdrawal"), "recall"] == 1


def test_sweep_gives_a_curve():
    cohort = simulate(n_groups=6, seed=5)
    curve = sweep(ChangeAlert(), "threshold", [0.4, 0.8, 1.6, 3.2], cohort)
    assert curve["value"].tolist() == [0.4, 0.8, 1.6, 3.2]
    assert curve["detections"].is_monotonic_decreasing and curve["recall"].is_monotonic_decreasing
    with pytest.raises(GQConfigError):
        sweep(ChangeAlert(), "thresh", [1], cohort)


SWEPT = simulate(n_groups=10, seed=3)
METRICS = ["ruptures", "found", "recall", "detections", "matched", "redundant", "precision", "f1", "false_alarms_per_100", "median_delay"]


def _below_own_mean(history, drop, *, least=2):
    past = history[:-1][~np.isnan(history[:-1])]
    if len(past) < least or np.isnan(history[-1]):
        return np.nan
    return (past.mean() - history[-1]) / drop


MINE = FunctionRule(func=_below_own_mean, params={"drop": 1.0}, scales=("PB",), level="MG", label="below_own_mean")


def test_matching_all_tables_at_once_is_matching_each_alone():
    rule = ChangeAlert(level="MG", scales=("PB", "NR"))
    found = [rule.replace(z=z).detect(SWEPT.panel()) for z in (0.65, 1.3, 2.6, 5.2, 7.8)]
    assert any(d.empty for d in found) and any(len(d) > 20 for d in found)  # no alerts at the top, many at the bottom
    for k in (0, 3):
        for d, m in zip(found, match_each(SWEPT, found, (0, k))):
            alone = match_events(SWEPT, d, (0, k))
            pd.testing.assert_frame_equal(m.truth, alone.truth)
            pd.testing.assert_frame_equal(m.detections, alone.detections)
    mixed = [GroupDrop(min_members=2).detect(SWEPT.panel()), SuddenLoss().detect(SWEPT.panel()), MINE.detect(SWEPT.panel()).iloc[::-1],
             found[-1], found[0].iloc[5:25].set_axis(range(100, 120))]  # other layouts (one check per table), order and index kept
    for d, m in zip(mixed, match_each(SWEPT, mixed)):
        alone = match_events(SWEPT, d)
        pd.testing.assert_frame_equal(m.truth, alone.truth)
        pd.testing.assert_frame_equal(m.detections, alone.detections)
    assert match_each(SWEPT, []) == []
    with pytest.raises(GQConfigError, match="a list of detections tables"):
        match_each(SWEPT, found[0])
    with pytest.raises(GQDataError, match=r"detections\[1\]"):
        match_each(SWEPT, [found[0], found[2].drop(columns="onset")])  # the table at fault, by position
    early = found[0].assign(session=found[0]["session"] - 1)  # the same layout, alerts before their onset
    with pytest.raises(GQDataError, match=r"(?s)detections\[2\].*at or after the onset"):
        match_each(SWEPT, [found[1], found[0], early])
    with pytest.raises(GQConfigError, match="tolerance"):
        match_each(SWEPT, found, (3, 1))


def test_sweep_of_a_function_keyword_is_evaluate_of_each_variant_at_the_scope():
    drops = [0.5, 1.0, 2.0]
    scores = SWEPT.scores()
    for scope in ("MG", "overall"):
        curve = sweep(MINE, "params__drop", drops, SWEPT, (0, 2), scope=scope)
        assert curve.columns.tolist() == ["rule", "param", "value", "scope", *METRICS]
        assert curve["rule"].tolist() == ["below_own_mean"] * 3 and curve["param"].tolist() == ["params__drop"] * 3
        assert curve["value"].tolist() == drops and curve["scope"].tolist() == [scope] * 3
        for drop, (_, row) in zip(drops, curve.iterrows()):
            by_hand = FunctionRule(func=_below_own_mean, params={"drop": drop}, scales=("PB",), level="MG", label="below_own_mean")
            table = evaluate(SWEPT, by_hand.detect(scores), (0, 2)).set_index(["scope", "key"])
            expected = table.loc[("level", "MG") if scope == "MG" else ("overall", "all")]
            assert row[METRICS].tolist() == pytest.approx(expected[METRICS].tolist(), nan_ok=True), (scope, drop)
    at_mg, overall = (sweep(MINE, "params__drop", drops, SWEPT, scope=s) for s in ("MG", "overall"))
    assert (overall["ruptures"] > at_mg["ruptures"]).all() and (overall["recall"] <= at_mg["recall"]).all()  # MG ruptures are a part


@pytest.mark.parametrize("scope", ["overall", "MM", "ML", "MG"])
def test_sweep_of_a_built_in_is_evaluate_of_each_variant(scope):
    values = [1.5, 2.6, 4.0]
    curve = sweep(ChangeAlert(), "z", values, SWEPT, (0, 2), scope=scope)
    for z, (_, row) in zip(values, curve.iterrows()):
        table = evaluate(SWEPT, ChangeAlert(z=z).detect(SWEPT.scores()), (0, 2)).set_index(["scope", "key"])
        expected = table.loc[("overall", "all") if scope == "overall" else ("level", scope)]
        assert row[METRICS].tolist() == pytest.approx(expected[METRICS].tolist(), nan_ok=True), (scope, z)
    if scope != "overall":  # a rule that claims no level raises no alert there: its recall there is defined, its precision is not
        assert (curve["detections"] == 0).all() and curve["precision"].isna().all() and (curve["recall"] > 0).any()
    cutoffs = sweep(StatusAlert(cutoffs={"PB": 4.0, "PW": 3.8, "NR": 3.6}), "cutoffs__PB", [3.0, 4.0, 5.0], SWEPT)  # a nested entry of a built-in
    assert cutoffs["detections"].is_monotonic_increasing and cutoffs["rule"].tolist() == ["status"] * 3


def test_sweep_table_is_sweep_from_matchings_made_once():
    values = [0.5, 1.0, 2.0]
    found = [MINE.replace(params__drop=v).detect(SWEPT.panel()) for v in values]
    matchings = match_each(SWEPT, found, (0, 1))
    for scope in ("overall", "MG"):
        pd.testing.assert_frame_equal(sweep_table(MINE, "params__drop", values, SWEPT, matchings, scope=scope),
                                      sweep(MINE, "params__drop", values, SWEPT, (0, 1), scope=scope))  # fmt: skip
    overall = metrics_table(SWEPT, matchings[1]).set_index(["scope", "key"])
    assert sweep_table(MINE, "params__drop", values, SWEPT, matchings, scope="ML").iloc[1][METRICS].tolist() == \
        pytest.approx(overall.loc[("level", "ML"), METRICS].tolist(), nan_ok=True)  # fmt: skip
    with pytest.raises(GQConfigError, match="one matching per value"):
        sweep_table(MINE, "params__drop", values[:2], SWEPT, matchings)


def test_sweep_refuses_by_name():
    values = [1.0, 2.0]
    for call, fragment in [
        (lambda: sweep(ChangeAlert(), "z", values, SWEPT, scope="level"), "scope='level'"),
        (lambda: sweep(ChangeAlert(), "z", values, SWEPT.scores()), "cohort='DataFrame'"),  # type: ignore[arg-type]
        (lambda: sweep(ChangeAlert(), "z", values, SWEPT, (3, 1)), "tolerance=(3, 1)"),
        (lambda: sweep(ChangeAlert(), "z", [], SWEPT), "at least one value of z"),
        (lambda: sweep(ChangeAlert(), "z", [1.0, -1.0], SWEPT), "ChangeAlert.z=-1.0"),  # the rule refuses it, before detecting
        (lambda: sweep(MINE, "drop", values, SWEPT), "drop=1.0 is not allowed: expected a parameter of FunctionRule"),
        (lambda: sweep(MINE, "params__dorp", values, SWEPT), "FunctionRule.params__dorp=1.0"),
        (lambda: sweep(StatusAlert(), "cutoffs__PB", values, SWEPT), "StatusAlert.cutoffs is None"),
        (lambda: sweep("change", "z", values, SWEPT), "rule='str'"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(GQConfigError, match=re.escape(fragment)):
            call()


@pytest.mark.parametrize("name", [n for n, cls in BUILT_IN.items() if cls.finds_ruptures])
def test_sweep_values_are_increasing_accepted_and_include_the_current_value(name):
    rule = BUILT_IN[name]()
    for param, current in rule.numeric_params().items():
        values = sweep_values(rule, param)
        assert current in values and values == sorted(values) and len(values) == len(set(values)) >= 3, (name, param, values)
        for v in values:
            rule.replace(**{param: v})  # raises if refused


def test_sweep_values_follow_the_kind_of_number():
    assert sweep_values(ChangeAlert(z=2.0), "z") == [round(2.0 * f, 3) for f in FACTORS]  # a quarter to three times
    reliability = sweep_values(SuddenLoss(reliability=0.9), "reliability")  # refuses 3 x 0.9: swept below 1 instead
    assert max(reliability) < 1 and min(reliability) >= 0.5 and 0.9 in reliability
    assert sweep_values(GroupDrop(min_members=3), "min_members") == [2, 3, 4, 5, 6, 7, 8]  # whole numbers the rule accepts
    assert sweep_values(StatusAlert(cutoffs={"PB": 4.0, "PW": 3.8, "NR": 3.6}), "cutoffs__PB") == [2.5, 3.0, 3.25, 3.5, 3.75, 4.0, 4.25, 4.5, 4.75, 5.0, 5.5]
    assert sweep_values(MINE, "params__drop") == [round(f, 3) for f in FACTORS]  # a function's threshold: a positive number, not a cutoff on the scale
    assert sweep_values(VEpisode(), "min_history") == [2, 3, 4, 5, 6, 7, 8]
    with pytest.raises(GQConfigError, match=re.escape("param='drop' is not allowed: expected a numeric parameter of below_own_mean: params__drop")):
        sweep_values(MINE, "drop")


RULES = [ChangeAlert(), StatusAlert(), GroupDrop()]
CONFIG = SimulationConfig.from_overrides(n_sessions=10)


def test_monte_carlo_is_identical_on_every_executor():
    plain = monte_carlo(CONFIG, RULES, n_groups=3, reps=4, seed=9, progress=False)
    assert len(plain) == 4 * len(RULES) * 7 and set(plain["rule"]) == {"change", "status", "group_drop"}
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = monte_carlo(CONFIG, RULES, n_groups=3, reps=4, seed=9, executor=pool, progress=False)
    pd.testing.assert_frame_equal(plain, pooled)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = monte_carlo(CONFIG, RULES, n_groups=3, reps=4, seed=9, executor=client.get_executor(), progress=False)
    pd.testing.assert_frame_equal(plain, on_dask)
    assert not plain.equals(monte_carlo(CONFIG, RULES, n_groups=3, reps=4, seed=10, progress=False))


class Oracle(Rule):
    """Knows the truth: alerts whenever a member has an open rupture (simulator only)."""

    name = "oracle"

    def watched(self, panel):
        return [0]

    def evidence(self, panel):
        shape = panel.values.shape[:2] + (1,)
        truth = panel.truth[:, :, None]
        return Evidence(alert=truth.copy(), strength=truth.astype(float), raised=np.broadcast_to(np.arange(shape[1])[None, :, None], shape).copy())

    def __eq__(self, other):
        return isinstance(other, Oracle)

    def __hash__(self):
        return 0


def test_closed_loop_a_perfect_rule_raises_repairs_and_improves_outcomes():
    kw = dict(n_groups=200, seed=21, commitment=0.9, openness=0.9)
    oracle, off = simulate(feedback=Oracle(), **kw), simulate(feedback=False, **kw)

    def repaired_share(c):
        ev = c.events
        return ev.loc[ev.kind == "rupture", "rupture_id"].isin(ev.loc[ev.kind == "repair", "rupture_id"]).mean()

    def improvement(c):
        return (c.members["baseline_oq"] - c.members["final_oq"].astype(float)).mean()

    assert repaired_share(oracle) > repaired_share(off) + 0.1
    assert improvement(oracle) > improvement(off)
    assert (oracle.groups["feedback_rule"] == "oracle").all()


def test_the_other_member_of_a_pair_is_redundant_not_a_false_alarm():
    from gqkit import Rupture
    from gqkit.detect import DyadDrop

    quiet = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0, "dropout_hazard": 0.0, "attendance": 1.0}
    cohort = simulate(n_groups=30, seed=1, ruptures=[Rupture(session=8, level="MM", type="confrontation", member=1, source=2, severity=3.0)], **quiet)
    found = DyadDrop().detect(cohort.scores())
    matching = match_events(cohort, found)
    assert matching.truth["found"].mean() > 0.8
    pairs = matching.detections[(matching.detections["onset"] == 8)]
    assert pairs["redundant"].sum() >= 0.8 * pairs["matched"].sum()  # the partner's alert
    overall = evaluate(cohort, found).iloc[0]
    assert overall["detections"] == len(found) - overall["redundant"]
    assert overall["precision"] == overall["matched"] / overall["detections"]


def test_no_detections_give_recall_and_f1_zero():
    cohort = simulate(n_groups=3, seed=2)
    empty = ChangeAlert(threshold=100).detect(cohort.scores())
    overall = evaluate(cohort, empty).iloc[0]
    assert overall["recall"] == 0 and overall["f1"] == 0 and np.isnan(overall["precision"])


def test_malformed_detections_and_truth_are_named():
    from gqkit import GQDataError

    cohort = simulate(n_groups=1, seed=2)
    with pytest.raises(GQDataError, match="a 'onset' column"):
        match_events(cohort, pd.DataFrame({"group": ["g001"], "member": ["m01"], "session": [3], "level": ["all"]}))
    ints = _truth([(1, "a", 3, "MM", None)])
    assert match_events(ints, _detections([(1, "a", 3, 3, "all")])).truth["found"].all()  # integer groups, NA source


def test_matching_reads_detections_as_checked_not_raw():
    from gqkit import load_example
    from gqkit.detect import ChangeAlert

    course = load_example("course")
    found = ChangeAlert().detect(course.scores())
    base = match_events(course, found).truth["found"].sum()
    assert base > 0
    for odd in (found.assign(member=found["member"] + " "), found.assign(level=found["level"].str.upper()), found.astype({"onset": str, "session": str})):
        assert match_events(course, odd).truth["found"].sum() == base


@pytest.mark.parametrize(
    "call, error, fragment",
    [
        (lambda c, d: match_events(c, d.assign(session=d["onset"] - 1)), GQDataError, "expected a session at or after the onset"),
        (lambda c, d: match_events(c, d.assign(level="XX")), GQDataError, "column 'level': got 'XX'; expected one of MM, ML, MG, all"),
        (lambda c, d: match_events(c, None), GQConfigError, "detections='NoneType'"),
        (lambda c, d: evaluate(c.events, d), GQConfigError, "cohort='DataFrame'"),
        (lambda c, d: match_events(c, d, tolerance=(False, True)), GQConfigError, "tolerance="),
    ],
)
def test_odd_matching_inputs_are_named(call, error, fragment):
    from gqkit import load_example
    from gqkit.detect import ChangeAlert

    course = load_example("course")
    found = ChangeAlert().detect(course.scores())
    with pytest.raises(error, match=re.escape(fragment)):
        call(course, found)


def test_alert_outcomes_by_hand():
    from gqkit.evaluate import alert_outcomes

    truth = pd.DataFrame({"group": "g", "member": ["a", "b", "c"], "session": [3, 3, 2], "kind": "rupture", "level": ["ML", "MM", "ML"],
                          "type": "withdrawal", "source": ["leader", "d", "leader"], "rupture_id": ["r1", "r2", "r3"]})  # fmt: skip
    found = pd.DataFrame({"group": "g", "member": ["a", "b", "d", "c", "e"], "session": [4, 3, 4, 12, 5], "onset": [4, 3, 4, 12, 5],
                          "level": "all"})  # fmt: skip
    out = alert_outcomes(match_events(truth, found, (0, 2)), (0, 2))
    # a: hit; b and d: one hit, the pair's other member redundant; c: too late for its missed rupture; e: no rupture
    assert out.sort_values("member")["outcome"].tolist() == ["hit", "hit", "late", "redundant", "false alarm"]


def _no_work(*args, **kwargs):
    raise AssertionError("the simulation started before every argument was checked")


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        ({"rules": []}, "rules"),
        ({"rules": ()}, "rules"),
        ({"rules": "change"}, "rules"),
        ({"rules": [ChangeAlert(), "status"]}, "rules"),
        ({"rules": None}, "rules"),
        ({"reps": True}, "reps"),
        ({"reps": 0}, "reps"),
        ({"reps": 2.0}, "reps"),
        ({"n_groups": False}, "n_groups"),
    ],
)
def test_monte_carlo_refuses_bad_rules_and_reps_before_the_work(monkeypatch, kwargs, parameter):
    import gqkit.evaluate

    monkeypatch.setattr(gqkit.evaluate, "_unit", _no_work)
    with pytest.raises(GQConfigError) as info:
        monte_carlo(None, **{"rules": RULES, "n_groups": 2, "reps": 2, "progress": False, **kwargs})
    assert info.value.parameter == parameter
