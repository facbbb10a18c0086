"""Simulated trials: effect sizes (against pingouin and statsmodels), tidy results, any executor."""

import importlib
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from gqkit import GQConfigError, GQDataError, Trial, simulate, trial
from gqkit.detect import VEpisode
from gqkit.effect_sizes import hedges_g, odds_ratio
from gqkit.simulation.calibration import pre_post_change

trial_module = importlib.import_module("gqkit.trials")

ARMS = {"no feedback": {"feedback": False}, "feedback": {"feedback": True}}
MEASURES = ["hedges_g change", "odds ratio dropout", "odds ratio reliable improvement", "odds ratio reliable deterioration"]
Z95 = stats.norm.ppf(0.975)


# -- the statistics a trial reports (gqkit.effect_sizes) ------------------------------------
samples = st.lists(st.integers(-60, 60).map(float), min_size=2, max_size=40)


@pytest.mark.parametrize("seed", range(5))
def test_hedges_g_matches_pingouin(seed):
    pg = pytest.importorskip("pingouin")
    rng = np.random.default_rng(seed)
    x, y = rng.normal(5, 12, 30 + 10 * seed), rng.normal(2, 9, 45)
    g, low, high = hedges_g(x, y)
    assert g == pytest.approx(pg.compute_effsize(x, y, eftype="hedges"), rel=1e-12)
    # pingouin's interval is g +- t(df) SE with the same SE; ours uses z = 1.96
    pg_low, pg_high = pg.compute_esci(g, nx=len(x), ny=len(y), eftype="hedges", decimals=12)
    se = (pg_high - pg_low) / (2 * stats.t.ppf(0.975, len(x) + len(y) - 2))
    assert (low, high) == pytest.approx((g - Z95 * se, g + Z95 * se), rel=1e-9)


def test_hedges_g_by_hand_and_when_undefined():
    # means 4.5 and 2.5, both SD sqrt(5/3); J = 1 - 3 / (4 * 8 - 9) = 20 / 23
    g, low, high = hedges_g([3, 4, 5, 6], [1, 2, 3, 4])
    assert g == pytest.approx(20 / 23 * 2 / np.sqrt(5 / 3))
    se = np.sqrt(8 / 16 + g**2 / 16)
    assert (low, high) == pytest.approx((g - Z95 * se, g + Z95 * se))
    assert hedges_g([1, 2, np.nan, 3], [2, 3, 4]) == pytest.approx(hedges_g([1, 2, 3], [2, 3, 4]))
    for x, y in (([1.0], [1.0, 2.0]), ([2.0, 2.0], [2.0, 2.0]), ([], [1.0, 2.0])):
        assert np.isnan(hedges_g(x, y)).all()


@settings(max_examples=60, deadline=None)
@given(samples, samples)
def test_hedges_g_is_antisymmetric(x, y):
    g, low, high = hedges_g(x, y)
    np.testing.assert_allclose(hedges_g(y, x), (-g, -high, -low), rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(samples, samples, st.floats(0.1, 10), st.floats(-100, 100))
def test_hedges_g_ignores_units(x, y, scale, shift):
    moved = [[v * scale + shift for v in s] for s in (x, y)]
    np.testing.assert_allclose(hedges_g(*moved), hedges_g(x, y), rtol=1e-7, atol=1e-9)


def test_odds_ratio_by_hand_and_against_statsmodels():
    from statsmodels.stats.contingency_tables import Table2x2

    assert odds_ratio(30, 100, 20, 100)[0] == pytest.approx((30 / 70) / (20 / 80))
    for a, na, b, nb in ((30, 100, 20, 100), (3, 17, 9, 12), (5, 5, 0, 8), (0, 10, 0, 12)):
        table = np.array([[a, na - a], [b, nb - b]], float)
        if (table == 0).any():
            table += 0.5  # Haldane-Anscombe: every cell (statsmodels would shift only the zero cells)
        expected = Table2x2(table, shift_zeros=False)
        assert odds_ratio(a, na, b, nb) == pytest.approx((expected.oddsratio, *expected.oddsratio_confint()), rel=1e-10)
    assert np.isnan(odds_ratio(0, 0, 3, 10)).all()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))  # fmt: skip
def test_odds_ratio_is_reciprocal_when_swapped(a, b):
    est, low, high = odds_ratio(*a, *b)
    np.testing.assert_allclose(odds_ratio(*b, *a), (1 / est, 1 / high, 1 / low), rtol=1e-12)
    assert low <= est <= high
    if 0 not in (a[0], a[1] - a[0], b[0], b[1] - b[0]):  # the Haldane-Anscombe 0.5 can reorder small samples
        assert (est > 1) == (a[0] / a[1] > b[0] / b[1])


# -- Trial from a member table --------------------------------------------------------------
def synthetic(n_therapists=12, per_group=6, effect=5.0, seed=0, not_on_track=True):
    """A balanced trial: every therapist leads one group in each arm."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_therapists):
        t_effect = rng.normal(0, 3)
        for arm in ("off", "on"):
            g_effect = rng.normal(0, 2)
            for m in range(per_group):
                rows.append({"arm": arm, "group": f"{arm}:g{t:02d}", "therapist": f"t{t:02d}", "member": f"m{m}",
                             "change": 4 + effect * (arm == "on") + t_effect + g_effect + rng.normal(0, 10),
                             "dropped_out": bool(rng.random() < (0.1 if arm == "on" else 0.3)), "ruptured": bool(m % 3 == 0)})  # fmt: skip
    members = pd.DataFrame(rows)
    if not_on_track:
        members["not_on_track"] = pd.array([m == "m1" or m == "m2" for m in members["member"]], dtype="boolean")
    return members


def test_effects_are_oriented_so_larger_favours_the_arm():
    members = synthetic()
    members.loc[[0, 1], "change"] = np.nan  # two reference members never seen twice
    t = Trial.from_members(members, reliable_change=14)
    assert t.arms == ("off", "on")
    assert list(t.effects.columns) == ["arm", "reference", "subgroup", "measure", "estimate", "ci_low", "ci_high", "n_arm", "n_reference"]
    assert t.subgroups == ("all", "not on track", "on track", "ruptured", "never ruptured")
    assert t.effects["subgroup"].unique().tolist() == list(t.subgroups)
    assert t.effects["measure"].tolist()[:4] == MEASURES
    on, off = (t.members[t.members["arm"] == a] for a in ("on", "off"))
    row = t.effects.set_index(["subgroup", "measure"])
    assert row.loc[("all", "hedges_g change"), ["estimate", "ci_low", "ci_high"]].tolist() == pytest.approx(hedges_g(on["change"], off["change"]))
    assert row.loc[("all", "hedges_g change"), ["n_arm", "n_reference"]].tolist() == [72, 70]
    seen_on, seen_off = on[on["change"].notna()], off[off["change"].notna()]
    dropout = odds_ratio(int(off["dropped_out"].sum()), 72, int(on["dropped_out"].sum()), 72)  # reference over arm
    assert row.loc[("all", "odds ratio dropout"), "estimate"] == pytest.approx(dropout[0]) and dropout[0] > 1
    improved = odds_ratio(int((seen_on["change"] >= 14).sum()), 72, int((seen_off["change"] >= 14).sum()), 70)
    assert row.loc[("all", "odds ratio reliable improvement"), "estimate"] == pytest.approx(improved[0])
    worse = odds_ratio(int((seen_off["change"] <= -14).sum()), 70, int((seen_on["change"] <= -14).sum()), 72)
    assert row.loc[("all", "odds ratio reliable deterioration"), "estimate"] == pytest.approx(worse[0])
    assert row.loc[("ruptured", "hedges_g change"), "n_arm"] == 24 and row.loc[("not on track", "odds ratio dropout"), "n_arm"] == 24
    assert t.members.loc[[0, 1], "reliable_improvement"].isna().all() and str(t.members["reliable_improvement"].dtype) == "boolean"


def test_subgroups_exist_only_with_their_column_and_na_is_in_neither():
    members = synthetic(not_on_track=False).drop(columns="ruptured")
    assert Trial.from_members(members).subgroups == ("all",)
    members["not_on_track"] = pd.array([True, False, None] * (len(members) // 3), dtype="boolean")
    t = Trial.from_members(members)
    n = t.effects.set_index(["subgroup", "measure"]).loc[(["not on track", "on track"], "odds ratio dropout"), "n_arm"]
    assert n.tolist() == [24, 24]


def test_an_a_a_trial_shows_no_effect():
    members = synthetic()
    same = members[members["arm"] == "off"]
    t = Trial.from_members(pd.concat([same, same.assign(arm="copy", group="copy:" + same["group"])]))
    all_ = t.effects[t.effects["subgroup"] == "all"]
    assert all_["estimate"].tolist() == pytest.approx([0, 1, 1, 1])


def test_arm_summary():
    members = synthetic().assign(n_ruptures=2, n_repaired=[1, 0] * 72)
    summary = Trial.from_members(members, arms=["on", "off"]).arm_summary()
    assert summary["arm"].tolist() == ["on", "off"]
    on = members[members["arm"] == "on"]
    first = summary.iloc[0]
    assert (first["n_groups"], first["n_members"]) == (12, 72)
    assert first["mean_change"] == pytest.approx(on["change"].mean()) and first["sd_change"] == pytest.approx(on["change"].std())
    assert first["dropped_out"] == pytest.approx(on["dropped_out"].mean()) and first["repaired"] == pytest.approx(36 / 144)
    assert first["ruptured"] == pytest.approx(1 / 3) and first["not_on_track"] == pytest.approx(1 / 3)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")  # a variance at its boundary (0)
@pytest.mark.filterwarnings("ignore:Random effects covariance is singular")
def test_mixed_model_crosses_therapists_with_arms():
    t = Trial.from_members(synthetic(n_therapists=16, effect=6.0, seed=3))
    fit = t.mixed_model()
    on, off = (t.members.loc[t.members["arm"] == a, "change"].mean() for a in ("on", "off"))
    assert fit.fe_params["C(arm)[T.on]"] == pytest.approx(on - off, abs=1e-4)  # balanced: GLS = difference of means
    assert fit.model.n_groups == 16 and fit.nobs == 192
    assert list(fit.vcomp.shape) == [1]  # the group-within-therapist variance component
    assert t.mixed_model(subgroup="ruptured").nobs == 64
    assert "dropped_out[T.True]" in t.mixed_model(formula="change ~ C(arm) + dropped_out").fe_params.index
    with pytest.raises(GQConfigError, match="subgroup"):
        t.mixed_model(subgroup="unrepaired")


@pytest.mark.parametrize(
    "change, error, name",
    [
        (lambda m: m.drop(columns="therapist"), GQDataError, "'therapist'"),
        (lambda m: m.assign(group="g1"), GQDataError, "one arm only"),
        (lambda m: m.assign(arm="off"), GQConfigError, "arms"),
    ],
)
def test_from_members_refuses_tables_it_cannot_compare(change, error, name):
    with pytest.raises(error, match=name):
        Trial.from_members(change(synthetic()))


def test_from_members_checks_its_arguments():
    with pytest.raises(GQConfigError, match="arms"):
        Trial.from_members(synthetic(), arms=["off", "elsewhere"])
    with pytest.raises(GQConfigError, match="reliable_change"):
        Trial.from_members(synthetic(), reliable_change=0)


# -- trial(): simulation on shared seeds ----------------------------------------------------
@pytest.fixture(scope="module")
def small():
    return trial(ARMS, n_groups=6, seed=4, progress=False, n_sessions=8)


def test_arms_share_groups_and_differ_only_in_their_settings(small):
    assert small.arms == ("no feedback", "feedback")
    groups = small.groups
    assert groups["group"].is_unique and all(g.startswith(a + ":g") for a, g in zip(groups["arm"], groups["group"]))
    off, on = (groups[groups["arm"] == a].reset_index(drop=True) for a in small.arms)
    assert not off["feedback"].any() and on["feedback"].all()
    assert off["therapist"].tolist() == on["therapist"].tolist()  # crossed with arms
    assert off["commitment"].tolist() == on["commitment"].tolist()  # the same therapists, drawn from the same seeds
    members = small.members
    assert len(members) == 2 * 6 * 8
    first_off, first_on = (members.loc[members["arm"] == a, "first_oq"].reset_index(drop=True) for a in small.arms)
    pd.testing.assert_series_equal(first_off, first_on)  # measured before any session's work
    seen = members[members["change"].notna()]
    assert (seen["change"] == seen["first_oq"] - seen["final_oq"]).all()
    assert (members["ruptured"] == (members["n_ruptures"] > 0)).all()
    assert small.reliable_change == 14
    assert small.effects["measure"].unique().tolist() == MEASURES
    assert "Trial(arms 'no feedback', 'feedback'" in repr(small)


def test_identical_arms_give_identical_members():
    t = trial({"a": {"commitment": 0.4}, "b": {"commitment": 0.4}}, n_groups=3, seed=2, progress=False, feedback=True)
    a, b = (t.members[t.members["arm"] == arm].drop(columns=["arm", "group"]).reset_index(drop=True) for arm in t.arms)
    pd.testing.assert_frame_equal(a, b)
    assert t.effects.loc[t.effects["subgroup"] == "all", "estimate"].tolist() == pytest.approx([0, 1, 1, 1])


def test_the_result_does_not_depend_on_chunks_or_executor():
    kw = dict(n_groups=7, seed=11, progress=False, n_sessions=8)
    arms = {"off": {"feedback": False}, "v": {"feedback": VEpisode()}}
    plain = trial(arms, chunks=1, **kw)
    sliced = trial(arms, chunks=3, **kw)
    pd.testing.assert_frame_equal(plain.members, sliced.members)
    pd.testing.assert_frame_equal(plain.groups, sliced.groups)
    pd.testing.assert_frame_equal(plain.effects, sliced.effects)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = trial(arms, chunks=3, executor=pool, **kw)
    pd.testing.assert_frame_equal(plain.members, pooled.members)
    pd.testing.assert_frame_equal(plain.effects, pooled.effects)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = trial(arms, chunks=2, executor=client.get_executor(), **kw)
    pd.testing.assert_frame_equal(plain.members, on_dask.members)
    assert not plain.members.equals(trial(arms, **{**kw, "seed": 12}).members)


def test_progress_bar(capsys):
    trial(ARMS, n_groups=2, chunks=2, seed=0, n_sessions=4)
    assert "trial" in capsys.readouterr().err


def test_each_arm_is_the_simulation_it_names(small):
    alone = simulate(n_groups=6, seed=4, feedback=True, n_sessions=8)
    arm = small.members[small.members["arm"] == "feedback"].reset_index(drop=True)
    pd.testing.assert_frame_equal(arm[alone.members.columns].drop(columns="group"), alone.members.drop(columns="group"))
    assert arm["group"].tolist() == ("feedback:" + alone.members["group"]).tolist()
    assert arm["change"].equals(pre_post_change(alone.members)) and arm["ruptured"].equals(alone.members["n_ruptures"] > 0)
    assert small.subgroups == ("all", "not on track", "on track", "ruptured", "never ruptured", "targeted", "made a remark", "bystander")
    assert len(small.effects) == 8 * 4


def refuse(*args, **kwargs):
    raise AssertionError("the long work started before every argument was checked")


@pytest.mark.parametrize(
    "arms, kwargs, name",
    [
        ([("a", {}), ("b", {})], {}, "arms"),
        ({"only": {}}, {}, "arms"),
        ({"a": {}, 2: {}}, {}, "arms"),
        ({"a": {}, "": {}}, {}, "arms"),
        ({"a": {}, "b": "feedback"}, {}, r"arms\['b'\]"),
        ({"a": {}, "b": {"seed": 3}}, {}, r"arms\['b'\]"),
        ({"a": {"feedback": True}, "b": {}}, {"feedback": False}, r"arms\['a'\]"),
        ({"a": {}, "b": {"comitment": 0.3}}, {}, "comitment"),  # the simulator's own message
        ({"a": {}, "b": {"feedback": "yes"}}, {}, "feedback"),
        ({"a": {}, "b": {"commitment": 2.0}}, {}, "commitment"),
        (ARMS, {"n_groups": 0}, "n_groups"),
        (ARMS, {"n_groups": 4, "chunks": 5}, "chunks"),
        (ARMS, {"chunks": 0}, "chunks"),
        (ARMS, {"seed": -1}, "seed"),
        (ARMS, {"config": {"n_members": 4}}, "config"),
        (ARMS, {"executor": "pool"}, "executor"),
        (ARMS, {"progress": "yes"}, "progress"),
        (ARMS, {"n_members": 0}, "n_members"),
    ],
)
def test_every_argument_is_checked_before_the_work(monkeypatch, arms, kwargs, name):
    monkeypatch.setattr(trial_module, "_unit", refuse)
    with pytest.raises(GQConfigError, match=name):
        trial(arms, **{"progress": False, **kwargs})


@pytest.mark.parametrize("strict", [{"reliable_change": 20.0}, {"outcome__reliable_change": 20.0}])
def test_arms_that_differ_in_reliable_change_are_refused(monkeypatch, strict):
    """Reliable change defines the outcome the arms are compared on, so it is one for the whole trial."""
    monkeypatch.setattr(trial_module, "_unit", refuse)
    with pytest.raises(GQConfigError, match=r"arms\['strict'\]\.reliable_change=20\.0 is not allowed: expected .*14\.0"):
        trial({"usual": {}, "strict": strict}, n_groups=2, progress=False)
    monkeypatch.undo()
    t = trial({"usual": {}, "strict": {"feedback": True}}, n_groups=2, seed=1, progress=False, reliable_change=20.0)
    assert t.reliable_change == 20.0
