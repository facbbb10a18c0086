"""gqkit.srm reproduces TripleR 1.5.4 number for number, has the SRM's algebraic properties, and refuses bad input by name.

The reference outputs (tests/reference/srm_triple_r, see its README) are TripleR's own examples:
one group of 54, five groups of 10 (both pooling methods), ten groups with missing ratings and
excluded members, and Kenny's six-person matrix. The brief asks for 1e-6; every number agrees
to 1e-9 (most to 1e-13), NaN in the same places.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gqkit.errors import GQConfigError, GQDataError
from gqkit.round_robin import read_round_robin
from gqkit.srm import COMPONENTS, SRMResult, srm

REF = Path(__file__).parent / "reference" / "srm_triple_r"
TOL = 1e-9
SCALES = {"single": (0, 5), "multi": (0, 5), "missing": (1, 7), "kenny6": (1, 9)}
OPTIONS = {"single": {}, "multi": {}, "missing": {"missing": "impute"}, "kenny6": {"min_var": None}}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype={"group": str, "id": str, "actor_id": str, "partner_id": str, "perceiver_id": str, "target_id": str})


def _input(analysis: str) -> pd.DataFrame:
    """The reference input as a checked round-robin table (self-ratings dropped; empty diagonal rows kept, the reader drops them)."""
    raw = _csv(f"{analysis}_input_long.csv")
    raw = raw[(raw["perceiver_id"] != raw["target_id"]) | raw["rating"].isna()]
    table = pd.DataFrame({"group": raw["group"], "session": 1, "rater": raw["perceiver_id"], "target": raw["target_id"], "item": "liking",
                          "rating": raw["rating"]})  # fmt: skip
    return read_round_robin(table, scale=SCALES[analysis])


ANALYSES = ["single", "multi", "missing", "kenny6"]


@functools.cache
def _results(analysis: str, se: str = "LashleyBond") -> tuple[SRMResult, SRMResult]:
    """gqkit's result with TripleR's p-value convention (one_tailed_dyadic=True) and with gqkit's default."""
    table = _input(analysis)
    return srm(table, one_tailed_dyadic=True, se=se, **OPTIONS[analysis]), srm(table, se=se, **OPTIONS[analysis])


def assert_same(ours, theirs, what: str) -> None:
    """Equal to TOL (absolute or relative), NaN exactly where TripleR has NA."""
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape, what
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{what}: NaN placement")
    np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=TOL, err_msg=what)


def _by_group(analysis: str) -> str:
    return f"{analysis}_variance_components.csv" if analysis in ("single", "kenny6") else f"{analysis}_variance_components_by_group.csv"


# -- the reference: every number -----------------------------------------------------------


@pytest.mark.parametrize("analysis", ANALYSES)
def test_person_effects(analysis):
    result, _ = _results(analysis)
    ref = _csv(f"{analysis}_person_effects.csv")
    got = result.person.merge(result.groups[["group", "group_mean"]], on="group")
    merged = ref.merge(got, left_on=["group", "id"], right_on=["group", "member"], how="outer", validate="1:1", indicator=True)
    assert (merged["_merge"] == "both").all(), "the same members are kept"
    assert_same(merged["actor_y"], merged["actor_x"], "actor")
    assert_same(merged["partner_y"], merged["partner_x"], "partner")
    if "actor_plus_mean" in ref:  # TripleR's effects.gm: the effects plus the group mean
        assert_same(merged["actor_y"] + merged["group_mean"], merged["actor_plus_mean"], "actor + group mean")
        assert_same(merged["partner_y"] + merged["group_mean"], merged["partner_plus_mean"], "partner + group mean")


@pytest.mark.parametrize("analysis", ANALYSES)
def test_relationship_effects_and_dyads(analysis):
    result, _ = _results(analysis)
    ref = _csv(f"{analysis}_relationship_effects.csv")
    merged = ref.merge(result.relationship, left_on=["group", "actor_id", "partner_id"], right_on=["group", "rater", "target"],
                       how="outer", validate="1:1", indicator=True)  # fmt: skip
    assert (merged["_merge"] == "both").all()
    assert_same(merged["relationship_y"], merged["relationship_x"], "relationship")
    assert (merged["dyad_x"] == merged["group"] + "_" + merged["dyad_y"].astype(str).str.zfill(len(merged["dyad_x"].iloc[0].split("_")[1]))).all()


@pytest.mark.parametrize("analysis", ANALYSES)
def test_variance_components_of_each_group(analysis):
    result, default = _results(analysis)
    ref = _csv(_by_group(analysis))
    ref = ref[ref["component"] != "error variance"].assign(group=lambda t: t["group"] if "group" in t else "1")
    assert set(ref["component"]) == set(COMPONENTS)
    for got, tripler_p in ((result, True), (default, False)):
        merged = ref.merge(got.variances, on=["group", "component"], how="outer", validate="1:1", suffixes=("_ref", ""), indicator=True)
        assert (merged["_merge"] == "both").all()
        for column in ("estimate", "standardized", "se", "t"):
            assert_same(merged[column], merged[f"{column}_ref"], column)
        assert_same(merged["se_squared"], merged["se_squared_raw"], "se_squared (TripleR's SEVAR)")
        dyadic = (merged["component"] == "relationship covariance").to_numpy()
        expected_p = merged["p_ref"].to_numpy() * np.where(dyadic & ~tripler_p, 2, 1)  # gqkit's default tests it two-tailed
        assert_same(merged["p"], expected_p, f"p (one_tailed_dyadic={tripler_p})")
        assert (merged["tails"] == np.where(merged["component"].str.contains("covariance"), 2, 1) - (dyadic & tripler_p)).all()
        if "n" in ref:
            assert (merged["df"] == merged["n"] - 1).all()


@pytest.mark.parametrize(("analysis", "method"), [("multi", "LashleyBond"), ("multi", "SOREMO"), ("missing", "LashleyBond")])
def test_pooled_variance_components(analysis, method):
    ref = _csv(f"{analysis}_variance_components_pooled_{method}.csv")
    ref = ref[ref["component"] != "error variance"]
    got = _results(analysis, method)[1]
    assert got.se == method
    merged = ref.merge(got.pooled, on="component", validate="1:1", suffixes=("_ref", ""))
    assert len(merged) == 5
    for column in ("estimate", "standardized", "se", "se_squared", "t", "p"):
        assert_same(merged[column], merged[f"{column}_ref"], f"pooled {method} {column}")


@pytest.mark.parametrize("analysis", ["single", "multi", "missing"])
def test_group_summary(analysis):
    result, _ = _results(analysis)
    ref = _csv(f"{analysis}_group_summary.csv")
    merged = ref.merge(result.groups, on="group", how="outer", validate="1:1", suffixes=("_ref", ""), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["n"] == merged["n_ref"]).all()
    assert (merged["n_missing"] == merged["n_missing_offdiag"]).all()
    if "group_mean" in ref:
        np.testing.assert_allclose(merged["group_mean"], merged["group_mean_ref"], atol=1e-11)  # rounded to 12 decimals there
        assert_same(merged["reliability_actor"], merged["reliability_actor_ref"], "reliability_actor")
        assert_same(merged["reliability_partner"], merged["reliability_partner_ref"], "reliability_partner")


@pytest.mark.parametrize("analysis", ["multi", "missing"])
def test_pooled_extras(analysis):
    result, _ = _results(analysis)
    ref = _csv(f"{analysis}_pooled_extras.csv").set_index("quantity")["value"]
    pools = result.pools.iloc[0]
    assert len(result.pools) == 1 and pools["n_groups"] == result.groups["n"].size
    assert_same(pools["reliability_actor"], ref["reliability_actor_pooled"], "pooled reliability_actor")
    assert_same(pools["reliability_partner"], ref["reliability_partner_pooled"], "pooled reliability_partner")
    if "mean_group_size" in ref:
        assert pools["mean_group_size"] == ref["mean_group_size"] and pools["n_groups"] == ref["n_groups"]
    # TripleR's group.var: the variance of the raw group means of *every* input row, minus the SRM's part
    raw = _csv(f"{analysis}_input_long.csv")
    est = result.pooled.set_index("component")["estimate"]
    n = pools["mean_group_size"]
    srm_part = (est["actor variance"] + est["partner variance"] + 2 * est["actor-partner covariance"]) / n + (
        est["relationship variance"] + est["relationship covariance"]) / (n * (n - 1))  # fmt: skip
    assert_same(raw.groupby("group")["rating"].mean().var() - srm_part, ref["group_variance"], "group_variance from TripleR's means")
    # gqkit's own: the same with the means of the ratings a round-robin table holds (no self-ratings)
    others = raw[raw["perceiver_id"] != raw["target_id"]]
    assert_same(pools["group_variance"], others.groupby("group")["rating"].mean().var() - srm_part, "group_variance")
    if analysis != "missing":  # no self-ratings: the two agree
        assert_same(pools["group_variance"], ref["group_variance"], "group_variance")


def test_exclusions_with_missing_ratings_are_tripler_s():
    result = srm(_input("missing"), missing="impute")
    raw = _csv("missing_input_long.csv")
    kept = set(_csv("missing_person_effects.csv")["id"])
    everyone = set(raw["perceiver_id"]) | set(raw["target_id"])
    assert set(result.excluded["member"]) == everyone - kept and len(result.excluded) == 28
    assert (result.excluded["reason"] == "rated no one").all()
    assert result.groups["n_missing"].sum() == 127
    assert result.relationship["relationship"].isna().sum() == 127


def test_kenny6_actor_effects_are_those_on_kennys_page_and_min_var_blanks_partners():
    table = _input("kenny6")
    kept = srm(table, min_var=None)
    assert [round(float(a), 3) for a in kept.person["actor"]] == [1.208, -1.625, -0.167, -0.208, -1.083, 1.875]
    blanked = srm(table)  # TripleR's default minVar = 0: a negative partner variance blanks the partner effects
    assert blanked.person["partner"].isna().all() and not blanked.person["actor"].isna().any()
    assert blanked.relationship.equals(kept.relationship) and blanked.variances.equals(kept.variances)
    high = srm(table, min_var=0.5)  # the standardized actor variance is 0.354
    assert high.person[["actor", "partner"]].isna().all().all()


# -- properties --------------------------------------------------------------------------------


@st.composite
def round_robins(draw, max_groups=3, sizes=(4, 8), p_missing=0.0):
    """Tables of several round robins of random size, ratings 1-7 (optionally some missing)."""
    n_groups = draw(st.integers(1, max_groups))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_groups):
        n = int(rng.integers(sizes[0], sizes[1] + 1))
        names = [f"p{rng.integers(10**6)}-{k}" for k in range(n)]
        x = rng.integers(1, 8, (n, n)).astype(float)
        if p_missing:
            x[rng.random((n, n)) < p_missing] = np.nan
        rows += [{"group": f"g{g}", "rater": names[i], "target": names[j], "rating": x[i, j]} for i in range(n) for j in range(n) if i != j]
    return pd.DataFrame(rows)


def _matrix(result: SRMResult, group: str) -> pd.DataFrame:
    rel = result.relationship[result.relationship["group"] == group]
    return rel.pivot(index="rater", columns="target", values="relationship")


@SETTINGS
@given(table=round_robins())
def test_effects_sum_to_zero_and_relationships_are_double_centred(table):
    result = srm(table, by=(), min_var=None)
    sums = result.person.groupby("group")[["actor", "partner"]].sum()
    np.testing.assert_allclose(sums.to_numpy(), 0, atol=1e-9)
    for group in result.groups["group"]:
        g = _matrix(result, group)
        np.testing.assert_allclose(g.sum(axis=1), 0, atol=1e-9)  # each rater's relationship effects
        np.testing.assert_allclose(g.sum(axis=0), 0, atol=1e-9)  # each target's
    # the parts add up to the ratings
    parts = result.relationship.merge(result.person.rename(columns={"member": "rater"})[["group", "rater", "actor"]], on=["group", "rater"])
    parts = parts.merge(result.person.rename(columns={"member": "target"})[["group", "target", "partner"]], on=["group", "target"])
    parts = parts.merge(result.groups[["group", "group_mean"]], on="group").merge(table, on=["group", "rater", "target"])
    np.testing.assert_allclose(parts["group_mean"] + parts["actor"] + parts["partner"] + parts["relationship"], parts["rating"], atol=1e-9)
    # both directions of a dyad share its number, and each unordered pair has its own
    dyads = result.relationship.groupby(["group", "dyad"]).size()
    assert (dyads == 2).all()


def _sorted(result: SRMResult) -> dict[str, pd.DataFrame]:
    keys = {"person": ["group", "member"], "relationship": ["group", "rater", "target"], "variances": ["group", "component"], "groups": ["group"]}
    return {name: getattr(result, name).sort_values(k).reset_index(drop=True) for name, k in keys.items()}


@SETTINGS
@given(table=round_robins(p_missing=0.08), seed=st.integers(0, 2**32 - 1))
def test_invariant_to_row_order_and_member_names(table, seed):
    """Shuffling the rows, or renaming members (which reorders them), changes no estimate."""
    try:
        base = srm(table, by=(), missing="impute", min_var=None)
    except GQDataError:
        return
    rng = np.random.default_rng(seed)
    shuffled = srm(table.iloc[rng.permutation(len(table))], by=(), missing="impute", min_var=None)
    for name, frame in _sorted(base).items():
        pd.testing.assert_frame_equal(frame, _sorted(shuffled)[name], check_exact=False, rtol=1e-12, atol=1e-12, obj=name)
    ids = pd.unique(pd.concat([table["rater"], table["target"]]))
    rename = dict(zip(ids, [f"z{k}" for k in rng.permutation(len(ids))]))
    renamed = srm(table.assign(rater=table["rater"].map(rename), target=table["target"].map(rename)), by=(), missing="impute", min_var=None)
    person = renamed.person.assign(member=renamed.person["member"].map({v: k for k, v in rename.items()}))
    merged = base.person.merge(person, on=["group", "member"], validate="1:1")
    assert len(merged) == len(base.person)
    np.testing.assert_allclose(merged[["actor_x", "partner_x"]].to_numpy(), merged[["actor_y", "partner_y"]].to_numpy(), atol=1e-9)
    if not len(base.excluded):  # imputation passes stop at the same point whatever the order
        pd.testing.assert_frame_equal(base.variances, renamed.variances, check_exact=False, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(n_groups=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_known_parts_are_recovered_exactly(n_groups, seed):
    """Ratings built from centred actor and partner effects and double-centred relationship effects give them back."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for g in range(n_groups):
        n = int(rng.integers(4, 10))
        a, b = rng.normal(0, 1, n), rng.normal(0, 1, n)
        a, b = a - a.mean(), b - b.mean()
        noise = rng.normal(0, 1, (n, n))
        noise_table = pd.DataFrame([{"group": "h", "rater": str(i), "target": str(j), "rating": noise[i, j]} for i in range(n) for j in range(n) if i != j])
        rel = srm(noise_table, by=(), min_var=None).relationship  # relationship effects: double-centred off the diagonal
        gm = np.zeros((n, n))
        gm[rel["rater"].astype(int), rel["target"].astype(int)] = rel["relationship"]
        names = [f"m{k:02d}" for k in range(n)]  # zero-padded: text order is number order
        mean = float(rng.uniform(2, 5))
        rows += [{"group": f"g{g}", "rater": names[i], "target": names[j], "rating": mean + a[i] + b[j] + gm[i, j]} for i in range(n) for j in range(n) if i != j]
        truth.append(pd.DataFrame({"group": f"g{g}", "member": names, "actor": a, "partner": b}))
    result = srm(pd.DataFrame(rows), by=(), min_var=None)
    expected = pd.concat(truth, ignore_index=True)
    np.testing.assert_allclose(result.person[["actor", "partner"]].to_numpy(), expected[["actor", "partner"]].to_numpy(), atol=1e-9)


@SETTINGS
@given(table=round_robins(), shift=st.floats(-5, 5), factor=st.floats(0.2, 5))
def test_a_linear_change_of_the_scale_moves_only_the_mean_and_scales_the_components(table, shift, factor):
    base = srm(table, by=(), min_var=None)
    moved = srm(table.assign(rating=table["rating"] * factor + shift), by=(), min_var=None)
    np.testing.assert_allclose(moved.groups["group_mean"], base.groups["group_mean"] * factor + shift, rtol=1e-9)
    np.testing.assert_allclose(moved.person[["actor", "partner"]], base.person[["actor", "partner"]] * factor, atol=1e-9)
    np.testing.assert_allclose(moved.variances["estimate"], base.variances["estimate"] * factor**2, atol=1e-9)
    t, t0 = moved.variances["t"].to_numpy(), base.variances["t"].to_numpy()
    both = np.isfinite(t) & np.isfinite(t0)  # a variance of 0 may come out as +-1e-16, and mask its row and a covariance, or not
    np.testing.assert_allclose(t[both], t0[both], rtol=1e-6, atol=1e-9)


@SETTINGS
@given(table=round_robins(max_groups=5))
def test_pooled_estimates_are_weighted_means_and_one_group_pools_to_itself(table):
    result = srm(table, by=(), min_var=None)
    weights = (result.groups.set_index("group")["n"] - 1).rename("w")
    v = result.variances.join(weights, on="group")
    sums = v.assign(weighted=v["estimate"] * v["w"]).groupby("component")[["weighted", "w"]].sum()
    expected = sums["weighted"] / sums["w"]
    pooled = result.pooled.set_index("component")["estimate"]
    np.testing.assert_allclose(pooled[list(COMPONENTS)], expected[list(COMPONENTS)], rtol=1e-9, atol=1e-12)
    one = srm(table[table["group"] == "g0"], by=(), min_var=None)
    np.testing.assert_allclose(one.pooled["estimate"], one.variances["estimate"], rtol=1e-12)
    variance = one.variances["estimate"].to_numpy()[:3] >= 0
    np.testing.assert_allclose(one.pooled["se"].to_numpy()[:3][variance], np.sqrt(one.variances["se_squared"]).to_numpy()[:3][variance], rtol=1e-12)


@SETTINGS
@given(table=round_robins())
def test_impute_with_nothing_missing_is_the_complete_analysis(table):
    plain, imputed = srm(table, by=()), srm(table, by=(), missing="impute")
    for name in ("person", "relationship", "groups", "variances", "pooled", "pools"):
        pd.testing.assert_frame_equal(getattr(plain, name), getattr(imputed, name), obj=name)
    assert imputed.excluded.empty


def test_known_variance_components_are_recovered_approximately():
    """Simulated groups of 8 with known components: the pooled estimates land within about 3 standard errors."""
    rng = np.random.default_rng(20240601)
    truth = {"actor variance": 0.6, "partner variance": 0.3, "relationship variance": 1.0, "actor-partner covariance": 0.2, "relationship covariance": 0.4}
    n, groups = 8, 400
    person = rng.multivariate_normal([0, 0], [[0.6, 0.2], [0.2, 0.3]], size=(groups, n))
    i, j = np.triu_indices(n, 1)
    dyad = rng.multivariate_normal([0, 0], [[1.0, 0.4], [0.4, 1.0]], size=(groups, len(i)))
    g = np.zeros((groups, n, n))
    g[:, i, j], g[:, j, i] = dyad[..., 0], dyad[..., 1]
    x = 4 + person[:, :, 0][:, :, None] + person[:, :, 1][:, None, :] + g
    r, c = np.nonzero(~np.eye(n, dtype=bool))
    table = pd.DataFrame({"group": np.repeat(np.arange(groups), len(r)), "rater": np.tile(r, groups), "target": np.tile(c, groups),
                          "rating": x[:, r, c].reshape(-1)})  # fmt: skip
    pooled = srm(table, by=()).pooled.set_index("component")
    for component, value in truth.items():
        assert abs(pooled.loc[component, "estimate"] - value) < 3.5 * pooled.loc[component, "se"], component
        assert pooled.loc[component, "p"] < 1e-3


def test_sessions_and_items_are_pooled_separately():
    table = _input("multi")
    both = pd.concat([table, table.assign(session=2, rating=5 - table["rating"])], ignore_index=True)
    result = srm(both)
    assert result.pooled[["session", "item"]].drop_duplicates().shape[0] == 2
    assert list(result.person.columns) == ["session", "item", "group", "member", "actor", "partner"]
    one, two = (result.pooled[result.pooled["session"] == s].reset_index(drop=True) for s in (1, 2))
    np.testing.assert_allclose(one["estimate"], two["estimate"], rtol=1e-12)  # reversing the scale keeps every component
    alone = srm(table)
    pd.testing.assert_frame_equal(one, alone.pooled)
    pooled_over_sessions = srm(both, groups=("group", "session"), by=("item",))
    assert pooled_over_sessions.pools["n_groups"].tolist() == [10]


# -- bad input ----------------------------------------------------------------------------------


def _small(n: int = 4, group: str = "g1") -> pd.DataFrame:
    names = [f"m{k}" for k in range(n)]
    return pd.DataFrame([{"group": group, "session": 1, "item": "x", "rater": a, "target": b, "rating": float((i * 3 + j) % 7 + 1)}
                         for i, a in enumerate(names) for j, b in enumerate(names) if a != b])  # fmt: skip


def _problems(error: GQDataError) -> list[str]:
    return [str(p) for p in error.problems]


def test_a_missing_rating_is_named_by_round_robin_and_pair():
    table = _small(5).drop(index=[3, 7]).reset_index(drop=True)
    table.loc[0, "rating"] = np.nan
    with pytest.raises(GQDataError) as err:
        srm(table)
    assert _problems(err.value) == [
        "group 'g1', session 1, item 'x': expected a rating of 'm1' by 'm0'; pass missing='impute' to estimate with missing ratings as TripleR's na.rm=TRUE does",
        "group 'g1', session 1, item 'x': expected a rating of 'm4' by 'm0'; pass missing='impute' to estimate with missing ratings as TripleR's na.rm=TRUE does",
        "group 'g1', session 1, item 'x': expected a rating of 'm4' by 'm1'; pass missing='impute' to estimate with missing ratings as TripleR's na.rm=TRUE does",
    ]
    imputed = srm(table, missing="impute")
    assert imputed.groups["n_missing"].tolist() == [3] and imputed.relationship["relationship"].isna().sum() == 3


def test_a_member_who_never_rates_is_a_missing_row_or_an_exclusion():
    table = pd.concat([_small(5), pd.DataFrame({"group": "g1", "session": 1, "item": "x", "rater": ["m0", "m1"], "target": "new", "rating": 3.0})])
    with pytest.raises(GQDataError, match="expected a rating of 'm0' by 'new'"):
        srm(table)
    result = srm(table, missing="impute")
    assert result.excluded[["member", "reason"]].values.tolist() == [["new", "rated no one"]]
    assert result.groups["n"].tolist() == [5]


def test_too_small_round_robins_are_refused_or_dropped():
    table = pd.concat([_small(4, "g1"), _small(3, "g2")], ignore_index=True)
    with pytest.raises(GQDataError) as err:
        srm(table)
    assert _problems(err.value) == ["group 'g2', session 1, item 'x': got '3 members'; expected at least 4 members who rate each other (the SRM needs 4)"]
    result = srm(table, missing="impute")
    assert result.groups["group"].tolist() == ["g1"]
    assert set(result.excluded["member"]) == {"m0", "m1", "m2"} and set(result.excluded["group"]) == {"g2"}
    assert result.excluded["reason"].str.contains("fewer than 4 members").all()


def test_min_data_excludes_members_repeatedly():
    table = _small(6)
    drop = (table["rater"] == "m5") & (table["target"] != "m0")  # m5 rates only m0
    result = srm(table[~drop], missing="impute", min_data=2)
    assert result.excluded["member"].tolist() == ["m5"] and "min_data" in result.excluded["reason"].iloc[0]
    assert result.groups["n"].tolist() == [5] and result.groups["n_missing"].tolist() == [0]


def test_bad_cells_are_named_by_row_and_column():
    table = _small(4).astype({"rating": object})
    table.loc[2, "rating"] = "high"
    table.loc[4, "target"] = table.loc[4, "rater"]
    table.loc[5, "rater"] = ""
    table.loc[6, "group"] = None
    table = pd.concat([table, table.iloc[[0]]], ignore_index=True)
    with pytest.raises(GQDataError) as err:
        srm(table)
    assert _problems(err.value) == [
        "row 2, column 'rating': got 'high'; expected a finite number, or missing (NaN) where no rating was given",
        "row 4, column 'target': got 'm1'; expected a target other than the rater 'm1': self-ratings are not part of the round robin",
        "row 5, column 'rater': expected a member id in column 'rater': not empty, and no control or invisible characters",
        "row 6, column 'group': expected a value (it tells round robins apart)",
        "row 12: expected one row per group, session, item, rater, target; row 0 has the same",
    ]
    assert str(err.value).startswith("round-robin table: 5 problems (nothing was estimated; fix the table)")


def test_an_empty_self_pair_is_ignored_and_columns_can_be_renamed():
    table = _small(4)
    plain = srm(table)
    extra = pd.concat([table, pd.DataFrame({"group": "g1", "session": 1, "item": "x", "rater": ["m0"], "target": ["m0"], "rating": [np.nan]})])
    pd.testing.assert_frame_equal(srm(extra).variances, plain.variances)
    renamed = table.rename(columns={"rater": "perceiver", "target": "rated", "rating": "liking", "group": "team"})
    other = srm(renamed, groups="team", rater="perceiver", target="rated", rating="liking")
    np.testing.assert_array_equal(other.variances["estimate"], plain.variances["estimate"])


def test_an_empty_table_is_refused():
    with pytest.raises(GQDataError, match="expected at least one row"):
        srm(_small().iloc[:0])


def test_a_missing_column_is_named():
    with pytest.raises(GQDataError, match="header: expected a 'rating' column"):
        srm(_small().drop(columns="rating"))
    with pytest.raises(GQDataError, match="header: expected a 'session' column"):
        srm(_small().drop(columns="session"))


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [({"missing": "drop"}, "missing"), ({"se": "lashley"}, "se"), ({"min_data": 0}, "min_data"), ({"min_data": True}, "min_data"),
     ({"min_var": float("nan")}, "min_var"), ({"by": ("group",)}, "by"), ({"groups": 3}, "groups"), ({"rater": ""}, "rater"),
     ({"one_tailed_dyadic": 1}, "one_tailed_dyadic")],
)  # fmt: skip
def test_bad_parameters_raise_config_errors(kwargs, parameter):
    with pytest.raises(GQConfigError) as err:
        srm(_small(), **kwargs)
    assert err.value.parameter == parameter


def test_a_table_that_is_not_a_frame_is_refused():
    with pytest.raises(GQConfigError, match="table="):
        srm([1, 2, 3])  # type: ignore[arg-type]
