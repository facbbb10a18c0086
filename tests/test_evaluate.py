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
from gqkit.detect import ChangeAlert, Evidence, GroupDrop, Rule, StatusAlert
from gqkit.evaluate import evaluate, match_events, monte_carlo, sweep


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
