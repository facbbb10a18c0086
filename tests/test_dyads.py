"""gqkit.dyads: relationship effects session by session, the PairDrop rule, and its evaluation against the injected pair."""

import numpy as np
import pandas as pd
import pytest

from gqkit import GQConfigError, GQDataError, Rupture, round_robin_ratings, simulate, srm
from gqkit.detect import DETECTION_COLUMNS, DyadDrop, ScorePanel
from gqkit.dyads import (
    PAIR_SEP,
    SCORE_COLUMNS,
    PairDrop,
    PairMatching,
    _pairs,
    _relationship_sd,
    compare_dyad_rules,
    match_pairs,
    member_detections,
    pair_metrics,
    relationship_panel,
    relationship_scores,
)
from gqkit.rule_checks import CHECKS, check_rule

COHORT = simulate(n_groups=4, seed=21)
RR = round_robin_ratings(COHORT)
SCORES = relationship_scores(RR)


# -- relationship effects ---------------------------------------------------------------------------
def test_relationship_scores_are_the_mean_of_the_items_srm_effects():
    effects = srm(RR.ratings, missing="impute").relationship
    kinds = dict(RR.model.items)
    expected = (effects.assign(scale=effects["item"].map(kinds), session=effects["session"].astype(int))
                .groupby(["group", "session", "rater", "target", "scale"])["relationship"].mean())  # fmt: skip
    got = SCORES.set_index(["group", "session", "rater", "target", "scale"])["score"]
    assert list(SCORES.columns) == list(SCORE_COLUMNS)
    assert np.allclose(got.sort_index().to_numpy(), expected.sort_index().to_numpy())
    assert (SCORES["member"] == SCORES["rater"] + PAIR_SEP + SCORES["target"]).all() and (SCORES["level"] == "MM").all()
    assert sorted(SCORES["session"].unique()) == list(RR.sessions)


def test_a_session_s_effects_use_that_session_s_ratings_only():
    ratings = RR.ratings.copy()
    later = ratings["session"] > 8
    ratings.loc[later, "rating"] = 8 - ratings.loc[later, "rating"]  # every later answer turned over
    changed = relationship_scores(ratings, kinds=dict(RR.model.items))
    early = lambda t: t[t["session"] <= 8].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(early(changed), early(SCORES))
    assert not np.allclose(changed.loc[changed["session"] > 8, "score"], SCORES.loc[SCORES["session"] > 8, "score"])


def test_a_group_s_effects_are_the_same_alone_and_in_a_batch():
    alone = relationship_scores(RR.ratings[RR.ratings["group"] == "g002"], kinds=dict(RR.model.items))
    pd.testing.assert_frame_equal(alone, SCORES[SCORES["group"] == "g002"].reset_index(drop=True))


def test_an_srm_result_gives_the_same_scores_as_its_table():
    result = srm(RR.ratings, missing="impute")
    pd.testing.assert_frame_equal(relationship_scores(result, kinds=dict(RR.model.items)), SCORES)


def test_the_panel_holds_ordered_pairs_and_nan_where_not_rated():
    panel = relationship_panel(RR)
    assert panel.facets == (("bond", "MM"), ("conflict", "MM"))
    assert all(PAIR_SEP in m for m in panel.units["member"])
    rated = np.array(RR.sessions) - 1
    unrated = np.setdiff1d(np.arange(panel.values.shape[1]), rated)
    assert np.isnan(panel.values[:, unrated]).all() and not np.isnan(panel.values[:, rated]).all()


@pytest.mark.parametrize("kwargs, name", [
    ({"data": "ratings"}, "data"),
    ({"data": RR.ratings}, "kinds"),  # a table does not say which items are bond and which conflict
    ({"data": RR, "kinds": {"bond_a": "warmth"}}, "kinds"),
    ({"data": RR, "missing": "drop"}, "missing"),
])  # fmt: skip
def test_bad_arguments_are_named(kwargs, name):
    data = kwargs.pop("data")
    with pytest.raises(GQConfigError, match=name):
        relationship_scores(data, **kwargs)


def test_member_ids_holding_the_pair_separator_are_refused_by_column():
    ratings = RR.ratings.assign(rater=RR.ratings["rater"].replace("m01", "a>b"), target=RR.ratings["target"].replace("m01", "a>b"))
    with pytest.raises(GQDataError, match="column 'rater'"):
        relationship_scores(ratings, kinds=dict(RR.model.items))


# -- the rule on hand-made panels --------------------------------------------------------------------
MEMBERS = ["a", "b", "c", "d", "e", "f", "g", "h"]


def hand_made(shift: dict[tuple[str, str, int], float], sessions: int = 3, lasting: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Relationship scores of one group of eight: normal noise (SD 1; a share ``lasting`` of its variance the pair's own, the
    same every session), plus ``shift`` on the bond composite (minus it on conflict) of (rater, target, session)."""
    rng = np.random.default_rng(seed)
    own = rng.normal(0, 1, (2, 8, 8))
    rows = []
    for s in range(1, sessions + 1):
        for k, (scale, sign) in enumerate((("bond", 1), ("conflict", -1))):
            g = np.sqrt(lasting) * own[k] + np.sqrt(1 - lasting) * rng.normal(0, 1, (8, 8))
            for i, r in enumerate(MEMBERS):
                for j, t in enumerate(MEMBERS):
                    if i != j:
                        rows.append({"group": "g", "member": f"{r}>{t}", "session": s, "scale": scale, "level": "MM",
                                     "score": g[i, j] + sign * shift.get((r, t, s), 0.0)})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_scale_is_the_srm_relationship_variance_of_the_round_robin():
    table = RR.ratings[(RR.ratings["item"] == "bond_a")]
    result = srm(table, missing="impute")
    panel = relationship_panel(result, kinds={"bond_a": "bond"})
    sd = _relationship_sd(panel.values, _pairs(panel.units))
    variance = result.variances.query("component == 'relationship variance'").set_index(["group", "session"])["estimate"]
    for (group, session), estimate in variance.items():
        unit = np.flatnonzero(panel.units["group"] == group)[0]
        assert sd[unit, int(session) - 1, 0] == pytest.approx(np.sqrt(estimate), rel=1e-9)


def test_a_pair_that_worsens_both_ways_alerts_once_on_the_direction_that_worsened_more():
    found = PairDrop().detect(hand_made({("a", "b", 3): -5.0, ("b", "a", 3): -3.0}))
    assert found[["member", "session", "onset", "pre", "post", "level", "scale"]].to_dict("records") == [
        {"member": "a>b", "session": 3, "onset": 3, "pre": 2, "post": 3, "level": "MM", "scale": "bond"}]
    assert list(found.columns) == [*DETECTION_COLUMNS, "both_worse"] and found["both_worse"].all()
    assert (found["strength"] >= 1).all()


def test_one_direction_alone_is_not_a_pair_rupture():
    one_way = hand_made({("a", "b", 3): -6.0, ("b", "a", 3): 1.5})
    on_the_pair = lambda found: found.loc[found["member"].isin(["a>b", "b>a"]), ["member", "session"]].to_dict("records")  # noqa: E731
    assert on_the_pair(PairDrop().detect(one_way)) == []  # the mean passes, but b's view of a improved
    panel = ScorePanel.from_scores(one_way)
    evidence, a_b = PairDrop().evidence(panel), list(panel.units["member"]).index("a>b")
    assert evidence.strength[a_b, 2, 0] >= 1 and evidence.criteria["both_worse"][a_b, 2, 0] == 0
    assert on_the_pair(PairDrop(each=-10.0).detect(one_way)) == [{"member": "a>b", "session": 3}]


def test_strength_is_the_mean_surprise_of_both_directions_over_the_threshold():
    panel = ScorePanel.from_scores(hand_made({("a", "b", 2): -3.0, ("b", "a", 2): -3.0}, sessions=2))
    half = PairDrop(threshold=2.0, stability=0.0).evidence(panel).strength
    full = PairDrop(threshold=1.0, stability=0.0).evidence(panel).strength
    assert np.allclose(half, full / 2, equal_nan=True)
    sd = _relationship_sd(panel.values, _pairs(panel.units))
    z = panel.values / sd
    a_b, b_a = [list(panel.units["member"]).index(p) for p in ("a>b", "b>a")]
    worsening = lambda u: np.mean([-z[u, 1, 0], z[u, 1, 1]])  # noqa: E731  (stability 0: surprise is the level)
    assert full[a_b, 1, 0] == pytest.approx((worsening(a_b) + worsening(b_a)) / 2)


def test_a_standing_poor_relationship_is_not_a_new_rupture_every_session():
    standing = hand_made({(r, t, s): -4.0 for r, t in (("a", "b"), ("b", "a")) for s in (1, 2, 3, 4)}, sessions=4, lasting=0.8)
    assert PairDrop(stability=0.8).detect(standing)["session"].tolist() == [1]  # seen at once; later it is what its history predicts
    level_only = PairDrop(stability=0.0).detect(standing)
    assert sorted(level_only["session"]) == [1, 2, 3, 4] and set(level_only["member"]) <= {"a>b", "b>a"}  # judged on its level alone: every session


@pytest.mark.parametrize("params, name", [
    ({"threshold": 0}, "PairDrop.threshold"), ({"stability": 1.0}, "PairDrop.stability"), ({"window": 0}, "PairDrop.window"),
    ({"each": float("nan")}, "PairDrop.each"), ({"scales": ("warmth",)}, "PairDrop.scales"), ({"worse": {"bond": 2}}, "PairDrop.worse"),
])  # fmt: skip
def test_parameters_are_checked_by_name(params, name):
    with pytest.raises(GQConfigError, match=name):
        PairDrop(**params)


def test_a_panel_of_members_is_refused_by_unit():
    scores = hand_made({})
    with pytest.raises(GQDataError, match="pair id"):
        PairDrop().detect(scores.assign(member=scores["member"].str.replace(PAIR_SEP, "-")))


def test_empty_scores_give_no_alerts_with_the_columns():
    empty = PairDrop().detect(SCORES.iloc[0:0])
    assert empty.empty and list(empty.columns[: len(DETECTION_COLUMNS)]) == DETECTION_COLUMNS


# -- the contract -------------------------------------------------------------------------------------
def test_check_rule_passes_on_relationship_scores():
    report = check_rule(PairDrop(), PairDrop.example_scores())
    assert report["check"].tolist() == list(CHECKS) and report["passed"].all()
    check_rule(PairDrop(threshold=0.6, stability=0.0, window=1), SCORES)  # many alerts, every 4th session rated


def test_ratings_after_a_session_never_change_an_alert_raised_by_it():
    rule = PairDrop(threshold=0.8)
    before = rule.detect(relationship_panel(RR))
    rng = np.random.default_rng(5)
    for cut in (4, 8, 12):
        ratings = RR.ratings.copy()
        later = (ratings["session"] > cut).to_numpy()
        ratings.loc[later, "rating"] = rng.integers(1, 8, later.sum()).astype(float)
        after = rule.detect(relationship_panel(ratings, kinds=dict(RR.model.items)))
        keep = lambda d: d[d["session"] <= cut].reset_index(drop=True)  # noqa: E731
        pd.testing.assert_frame_equal(keep(before), keep(after))
    assert len(before) > 0


def test_a_group_alone_gets_the_alerts_it_gets_in_a_batch():
    rule = PairDrop(threshold=0.8)
    together = rule.detect(relationship_panel(RR))
    for group in RR.ratings["group"].unique():
        alone = rule.detect(relationship_panel(RR.ratings[RR.ratings["group"] == group], kinds=dict(RR.model.items)))
        pd.testing.assert_frame_equal(alone, together[together["group"] == group].reset_index(drop=True))


# -- evaluation against the injected pair --------------------------------------------------------------
def truth_table(rows: list[tuple[str, int, str, str, bool, bool, str]]) -> pd.DataFrame:
    """Truth rows (group, session, rater, target, present, ruptured, rupture_id), each also the other way round."""
    both = rows + [(g, s, t, r, p, x, i) for g, s, r, t, p, x, i in rows]
    return pd.DataFrame(both, columns=["group", "session", "rater", "target", "present", "ruptured", "rupture_id"]).assign(shock=0.0)


TRUTH = truth_table([
    ("g", 4, "a", "b", True, False, ""), ("g", 8, "a", "b", True, True, "r1"), ("g", 12, "a", "b", True, True, "r1"),
    ("g", 4, "a", "c", True, False, ""), ("g", 8, "a", "c", True, False, ""), ("g", 12, "a", "c", True, False, ""),
    ("g", 4, "b", "c", True, False, ""), ("g", 8, "b", "c", False, True, "r2"), ("g", 12, "b", "c", True, False, ""),
    ("h", 4, "a", "b", True, True, "r3;r4"), ("h", 8, "a", "b", True, False, ""),
])  # fmt: skip


def test_match_pairs_counts_hits_repeats_and_false_alarms():
    alerts = pd.DataFrame({"group": ["g", "g", "g", "g", "h"], "member": ["b>a", "a>b", "c>a", "a>c", "a>b"], "session": [8, 12, 8, 4, 8]})
    m = match_pairs(TRUTH, alerts)
    assert isinstance(m, PairMatching)
    outcome = m.detections.set_index(["group", "member", "session"])["outcome"].to_dict()
    assert outcome == {("g", "a>c", 4): "false alarm", ("g", "b>a", 8): "hit", ("g", "c>a", 8): "false alarm", ("g", "a>b", 12): "repeat",
                       ("h", "a>b", 8): "false alarm"}  # fmt: skip
    truth = m.truth.set_index("rupture_id")
    assert sorted(truth.index) == ["r1", "r3", "r4"]  # r2 was never seen: b was absent at 8
    assert truth.loc["r1", ["pair", "first_seen", "seen", "found", "found_at", "delay"]].tolist() == ["a>b", 8, 2, True, 8, 0]
    assert not truth.loc["r3", "found"] and not truth.loc["r4", "found"]  # seen at 4, the pair's first rated session; the alert came at 8
    assert m.exposure == 10  # pair-sessions both members attended: g a-b 3, a-c 3, b-c 2; h a-b 2


def test_pair_metrics_from_the_matching():
    alerts = pd.DataFrame({"group": ["g", "g", "g", "g", "h"], "member": ["b>a", "a>b", "c>a", "a>c", "a>b"], "session": [8, 12, 8, 4, 8]})
    row = pair_metrics(match_pairs(TRUTH, alerts))
    assert row == {"ruptures": 3, "found": 1, "recall": 1 / 3, "detections": 5, "true": 2, "precision": 0.4, "false_alarms_per_100": 30.0, "median_delay": 0.0}
    empty = pair_metrics(match_pairs(TRUTH, alerts.iloc[0:0]))
    assert empty["found"] == 0 and empty["recall"] == 0 and np.isnan(empty["precision"]) and np.isnan(empty["median_delay"])


def test_match_pairs_refuses_alerts_it_cannot_place():
    with pytest.raises(GQDataError, match="pair id"):
        match_pairs(TRUTH, pd.DataFrame({"group": ["g"], "member": ["a"], "session": [8]}))
    with pytest.raises(GQDataError, match="rated session of the round robin"):
        match_pairs(TRUTH, pd.DataFrame({"group": ["g"], "member": ["a>b"], "session": [6]}))
    with pytest.raises(GQConfigError, match="truth"):
        match_pairs("truth", pd.DataFrame())


def test_member_detections_name_the_rater_and_keep_the_pair():
    found = PairDrop().detect(hand_made({("a", "b", 3): -5.0, ("b", "a", 3): -3.0}))
    members = member_detections(found)
    assert members[["member", "partner", "pair"]].to_dict("records") == [{"member": "a", "partner": "b", "pair": "a>b"}]
    assert list(members.columns) == [*DETECTION_COLUMNS[:2], "partner", "pair", *DETECTION_COLUMNS[2:], "both_worse"]
    with pytest.raises(GQDataError, match="pair id"):
        member_detections(pd.DataFrame({"member": ["a"]}))


SCRIPTED = simulate(n_groups=2, seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5, repaired_at=11)],
                    rate={"MM": 0.0, "ML": 0.0, "MG": 0.0}, microaggression_rate=0.0)  # fmt: skip
SCRIPTED_RR = round_robin_ratings(SCRIPTED)


def test_compare_counts_the_pair_named_by_a_pair_rule_and_implied_by_a_member_rule():
    def alerts(rows):
        return pd.DataFrame(rows, columns=["group", "member", "session"]).assign(onset=lambda t: t["session"], level="MM")

    pair_rule = alerts([("g001", "m05>m02", 8), ("g002", "m02>m03", 8), ("g002", "m01>m04", 12)])
    member_rule = alerts([("g001", "m02", 6), ("g001", "m05", 6), ("g002", "m02", 7), ("g002", "m03", 7), ("g002", "m04", 7)])
    table = compare_dyad_rules(SCRIPTED, SCRIPTED_RR, {"pairs": pair_rule, "members": member_rule}).set_index("rule")
    assert table.loc["pairs", ["ruptures", "found", "detections", "matched", "pair_named"]].tolist() == [2, 2, 3, 2, 0.5]
    assert table.loc["pairs", "median_delay"] == 2.0  # onset 6, seen at 8
    # g001: exactly m02 and m05 alerted at 6 (pair implied; m05's alert redundant); g002: three members alerted at 7 (not; m03 and m04 false)
    assert table.loc["members", ["found", "detections", "matched", "median_delay", "pair_named"]].tolist() == [2, 4, 2, 0.5, 0.5]
    assert table.loc["members", "visible"] == table.loc["pairs", "visible"] == int(SCRIPTED_RR.truth["ruptured"].any()) * 2
    with pytest.raises(GQConfigError, match="detections"):
        compare_dyad_rules(SCRIPTED, SCRIPTED_RR, {})


def test_a_scripted_rupture_is_found_with_its_pair_far_more_often_than_chance():
    cohort = simulate(n_groups=300, seed=11, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5, repaired_at=10)])
    rr = round_robin_ratings(cohort)
    found = PairDrop().detect(relationship_panel(rr))
    at_8 = found[found["session"] == 8]
    right = at_8["member"].isin(["m02>m05", "m05>m02"])
    n_pairs = 8 * 7 // 2
    assert right.sum() >= 8
    assert right.sum() > 10 * (~right).sum() / (n_pairs - 1)  # the ruptured pair against an average other pair
    assert (at_8.loc[right, "member"] == "m02>m05").mean() > 0.5  # the strained member's view worsened more
    table = compare_dyad_rules(cohort, rr, {"pair_drop": found, "dyad_drop": DyadDrop().detect(cohort.panel())}).set_index("rule")
    assert table.loc["pair_drop", "pair_named"] > 0.9  # not 1: a random rupture of one of the pair, elsewhere, may take an alert
