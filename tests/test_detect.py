"""Every rule passes the same conformance checks; causality holds; rules find what they claim."""

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gqkit import GQConfigError, GQDataError, Rupture, simulate
from gqkit.detect import (
    NORM_CHANGE_SD,
    NORM_MEAN,
    NORM_SD,
    ChangeAlert,
    DyadDrop,
    FunctionRule,
    GroupDrop,
    ScorePanel,
    StatusAlert,
    SuddenGain,
    SuddenLoss,
    VEpisode,
)
from gqkit.detect import RULES as BUILT_IN
from gqkit.schema import MAX_SESSION
from gqkit.scoring import rci
from gqkit.simulation import group_seeds

RULES = [
    StatusAlert(),
    ChangeAlert(),
    VEpisode(),
    VEpisode(k=2, sd="within", m=3),
    SuddenLoss(),
    SuddenGain(),
    GroupDrop(),
    DyadDrop(),
    FunctionRule(func=lambda h: (h[0] - h[-1]) if len(h) > 1 else np.nan, scales=("PB", "NR")),
    FunctionRule(func=lambda h, gap: (h[0] - h[-1]) / gap if len(h) > 1 else np.nan, params={"gap": 1.0}, scales=("PB", "NR"), label="gap"),
]
IDS = [f"{type(r).__name__}-{i}" for i, r in enumerate(RULES)]


@pytest.fixture(scope="module")
def scores():
    return simulate(n_groups=3, seed=12).scores()


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_parameters_round_trip(rule):
    params = rule.get_params()
    assert type(rule)(**params) == rule
    assert type(rule)(**rule.get_params(deep=False)) == rule
    changed = rule.replace(scales=("NR",)) if "scales" in params else rule
    assert changed.get_params()["scales" if "scales" in params else next(iter(params))] is not None
    with pytest.raises(GQConfigError, match="nonsense"):
        rule.replace(nonsense=1)
    with pytest.raises(GQConfigError, match=r"set_params.*rule.replace"):
        rule.set_params(scales=("NR",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.level = "MM"  # type: ignore[misc]


def _below_own_mean(history, drop, *, least=2):
    past = history[:-1][~np.isnan(history[:-1])]
    if len(past) < least or np.isnan(history[-1]):
        return np.nan
    return (past.mean() - history[-1]) / drop


OWN = FunctionRule(func=_below_own_mean, params={"drop": 1.0}, scales=("PB",), level="MG", label="below_own_mean")
STATUS = StatusAlert(cutoffs={"PB": 4.0, "PW": 3.8, "NR": 3.6})


def test_replace_changes_one_entry_of_a_dict_by_its_nested_name():
    assert OWN.replace(params__drop=1.2).params == {"drop": 1.2} and OWN.params == {"drop": 1.0}  # a copy; the rule is unchanged
    assert STATUS.replace(cutoffs__PB=3.5).cutoffs == {"PB": 3.5, "PW": 3.8, "NR": 3.6}
    assert STATUS.replace(cutoffs__PB=3.5, cutoffs__NR=3.9, z=2.5) == StatusAlert(cutoffs={"PB": 3.5, "PW": 3.8, "NR": 3.9}, z=2.5)
    assert STATUS.replace(cutoffs={"PB": 4.2, "PW": 3.0, "NR": 3.0}, cutoffs__PB=3.5).cutoffs["PB"] == 3.5  # whole values first
    assert OWN.replace(params__drop=2.0).label == "below_own_mean" and OWN.replace(params__drop=2.0).level == "MG"
    assert FunctionRule.accepts()["params"].startswith("a dict of keyword name")


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"params__dorp": 1.0}, "FunctionRule.params__dorp=1.0 is not allowed: expected an entry FunctionRule.params has (drop)"),
        ({"params__least": 3}, "params__least=3"),  # a keyword the function takes, but not an entry: give the whole dict
        ({"level__x": 1}, "FunctionRule.level__x=1 is not allowed: expected an entry of a dict-valued parameter; FunctionRule.level is str, not a dict"),
        ({"nothing__x": 1}, "nothing__x=1 is not allowed: expected a parameter of FunctionRule"),
        ({"params__drop": 1.0, "nonsense": 1}, "nonsense=1"),
    ],
)
def test_replace_refuses_a_nested_name_it_cannot_place_by_name(change, fragment):
    with pytest.raises(GQConfigError, match=re.escape(fragment)):
        OWN.replace(**change)


def test_a_nested_name_of_a_parameter_that_is_none_asks_for_the_whole_dict():
    with pytest.raises(GQConfigError, match=re.escape("StatusAlert.cutoffs__PB=3.5 is not allowed: expected an entry of a dict-valued parameter; StatusAlert.cutoffs is None, which has no entries")):
        StatusAlert().replace(cutoffs__PB=3.5)  # its cutoffs come from the norms and z: there is no entry to change
    with pytest.raises(GQConfigError, match=re.escape("StatusAlert.cutoffs__XX=3.5")):
        STATUS.replace(cutoffs__XX=3.5)  # a typo is not a new entry
    rule = StatusAlert()
    filled = rule.replace(cutoffs=dict(zip(rule.scales, rule.limits().tolist())), cutoffs__PB=3.5)  # the documented way in
    assert filled.limits().tolist()[1:] == rule.limits().tolist()[1:] and filled.limits()[0] == 3.5


def test_function_rule_passes_its_params_to_the_function():
    calls = []

    def spy(history, drop, *, least=2):
        calls.append((len(history), drop, least))
        return _below_own_mean(history, drop, least=least)

    scores = simulate(n_groups=2, seed=4).scores()
    rule = FunctionRule(func=spy, params={"drop": 0.7, "least": 3}, scales=("PB",), level="MG")
    found = rule.detect(scores)
    assert calls and {c[1:] for c in calls} == {(0.7, 3)}
    by_hand = FunctionRule(func=lambda h: _below_own_mean(h, 0.7, least=3), scales=("PB",), level="MG").detect(scores)
    pd.testing.assert_frame_equal(found, by_hand)
    assert rule.get_params()["params"] == {"drop": 0.7, "least": 3}


@pytest.mark.parametrize(
    "params, fragment",
    [
        ([("drop", 1.0)], "FunctionRule.params=[('drop', 1.0)] is not allowed: expected a dict of keyword name -> value"),
        ({1: 1.0}, "FunctionRule.params={1: 1.0}"),
        ({"drop": 1.0, "dorp": 2.0}, "FunctionRule.params['dorp']=2.0 is not allowed: expected a keyword argument _below_own_mean takes after the history: drop, least"),
        ({"least": 3}, "FunctionRule.params={'least': 3} is not allowed: expected a value for each keyword argument of _below_own_mean without a default; missing ['drop']"),
    ],
)
def test_function_rule_params_are_checked_against_the_function(params, fragment):
    with pytest.raises(GQConfigError, match=re.escape(fragment)):
        FunctionRule(func=_below_own_mean, params=params)


def test_function_rule_params_pass_through_any_keywords_function():
    rule = FunctionRule(func=lambda h, **kw: kw["a"] * 0.0, params={"a": 1, "b": "any"})
    assert rule.replace(params__b="other").params == {"a": 1, "b": "other"}


def test_numeric_params_names_what_replace_and_sweep_take():
    assert OWN.numeric_params() == {"params__drop": 1.0}
    mixed = FunctionRule(func=lambda h, **kw: np.nan, params={"drop": 1.0, "least": 2, "tag": "x", "flag": True, "off": float("nan")})
    assert mixed.numeric_params() == {"params__drop": 1.0, "params__least": 2}  # finite numbers, not True/False
    assert FunctionRule(func=lambda h: h[-1]).numeric_params() == {}  # nothing to sweep
    watched = StatusAlert(scales=("PB", "NR"), cutoffs={"PB": 4.0, "NR": 3.5, "PW": 3.0})
    assert watched.numeric_params() == {"cutoffs__PB": 4.0, "cutoffs__NR": 3.5, "z": 2.0}  # entries of the scales it watches only
    assert StatusAlert().numeric_params() == {"z": 2.0} and "threshold" not in ChangeAlert().numeric_params()  # None is no number
    assert VEpisode().numeric_params() == {"k": 1.0, "m": 6, "min_history": 3}
    for cls in BUILT_IN.values():
        rule = cls()
        for name, value in rule.numeric_params().items():
            assert isinstance(value, (int, float)) and not isinstance(value, bool)
            assert rule.replace(**{name: value}) == rule, (cls.name, name)  # every name is one replace takes


# output schema, order, edge cases, causality and batch independence: gqkit.rule_checks.check_rule, run on
# every rule in tests/test_rule_checks.py; the Hypothesis test below varies the cut and the data.


def _perturb_after(scores: pd.DataFrame, session: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    later = scores["session"] > session
    noisy = scores["score"] + rng.normal(0, 2, len(scores))
    return scores.assign(score=scores["score"].where(~later, noisy.clip(1, 7)))


@settings(max_examples=12, deadline=None)
@given(cut=st.integers(2, 14), seed=st.integers(0, 10_000), which=st.integers(0, len(RULES) - 1))
def test_causality_the_future_never_changes_an_earlier_alert(cut, seed, which):
    rule = RULES[which]
    scores = simulate(n_groups=2, seed=seed).scores()
    before = rule.detect(scores)
    after = rule.detect(_perturb_after(scores, cut, seed))
    keep = lambda d: d[d["session"] <= cut].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(keep(before), keep(after))


def _one(member_scores: dict[int, float], scale="PB", level="all", member="a"):
    return pd.DataFrame({"group": "g", "member": member, "session": list(member_scores), "scale": scale, "level": level,
                         "score": list(member_scores.values())})  # fmt: skip


def test_change_alert_compares_with_the_previous_attended_session():
    s = _one({1: 6.0, 2: 5.8, 4: 4.5, 5: 4.4})  # session 3 missed
    out = ChangeAlert(scales=("PB",)).detect(s)
    assert out[["session", "pre", "post"]].values.tolist() == [[4, 2, 4]]
    nr = _one({1: 2.0, 2: 3.5}, scale="NR")
    assert ChangeAlert(scales=("NR",)).detect(nr)["session"].tolist() == [2]  # rising NR is worse


def test_status_alert_direction_and_cutoffs():
    s = pd.concat([_one({1: 4.5, 2: 3.7}), _one({1: 3.0, 2: 3.85}, scale="NR")])  # cutoffs from the norms: PB 3.77, NR 3.80
    out = StatusAlert(scales=("PB", "NR")).detect(s)
    assert out[["session", "scale"]].values.tolist() == [[2, "PB"], [2, "NR"]]
    assert StatusAlert(scales=("PB", "NR"), cutoffs={"PB": 3.6, "NR": 3.9}).detect(s).empty
    with pytest.raises(GQConfigError, match="a cutoff for every watched scale"):
        StatusAlert(scales=("PB",), cutoffs={"NR": 3})


def test_v_episode_claims_the_drop_and_alerts_at_the_rebound():
    s = _one({1: 5.0, 2: 5.4, 3: 4.8, 4: 5.2, 5: 3.0, 6: 3.2, 7: 5.0, 8: 5.1})
    out = VEpisode(scales=("PB",), sd="within", k=2).detect(s)
    assert out[["onset", "session"]].values.tolist() == [[5, 7]]
    assert VEpisode(scales=("PB",), sd="within", k=2, m=1).detect(s).empty  # rebound came too late
    no_rebound = _one({1: 5.0, 2: 5.4, 3: 4.8, 4: 5.2, 5: 3.0, 6: 3.1, 7: 3.2})
    assert VEpisode(scales=("PB",), sd="within").detect(no_rebound).empty


def test_sudden_loss_relative_criterion_means_what_it_says():
    s = _one({1: 6, 2: 6, 3: 6, 4: 3, 5: 3, 6: 3})  # a 50% drop
    # on the GQ scale the loss is measured against the room to the best end (7): 3 points of 1
    assert SuddenLoss(scales=("PB",), cutoff=1.0, pct=0.6).detect(s)["onset"].tolist() == [4]
    # suddengains' reading, a share of the score itself (best end 0), asks for more than 50%
    assert SuddenLoss(scales=("PB",), cutoff=1.0, pct=0.25, best={"PB": 0}).detect(s)["onset"].tolist() == [4]
    assert SuddenLoss(scales=("PB",), cutoff=1.0, pct=0.6, best={"PB": 0}).detect(s).empty
    small = _one({1: 5, 2: 5, 3: 5, 4: 4, 5: 4, 6: 4})  # 1 point of the 2 left to the best end
    assert SuddenLoss(scales=("PB",), cutoff=0.9, pct=0.5).detect(small)["onset"].tolist() == [4]
    assert SuddenLoss(scales=("PB",), cutoff=0.9, pct=0.6).detect(small).empty
    out = SuddenLoss(scales=("PB",), cutoff=1.0).detect(s)
    assert out[["session", "pre", "post"]].values.tolist() == [[6, 3, 4]]  # raised once the post window is complete
    assert {"crit1", "crit2", "crit3"} <= set(out.columns) and str(out["crit3"].dtype) == "boolean"


def test_group_drop_needs_several_members_and_alerts_the_group():
    rows = [_one({1: 5.5, 2: 5.5, 3: 4.5 if m < 3 else 5.5}, level="MG", member=f"m{m}") for m in range(6)]
    out = GroupDrop(scales=("PB",), min_members=3).detect(pd.concat(rows))
    assert out[["session", "level"]].values.tolist() == [[3, "MG"]] and out["member"].isna().all()
    assert GroupDrop(scales=("PB",), min_members=4).detect(pd.concat(rows)).empty


def test_dyad_drop_needs_two_members_together():
    def member(name, drop):
        return pd.concat([_one({1: 5.5, 2: 5.5 - drop}, level="MM", member=name),
                          _one({1: 2.0, 2: 2.0 + drop}, scale="NR", level="MM", member=name)])  # fmt: skip

    pair = pd.concat([member("a", 1.5), member("b", 1.2), member("c", 0.1)])
    assert sorted(DyadDrop().detect(pair)["member"]) == ["a", "b"]
    alone = pd.concat([member("a", 1.5), member("b", 0.1), member("c", 0.1)])
    assert DyadDrop().detect(alone).empty


def test_rules_find_scripted_ruptures_at_their_level():
    """Run on simulated groups with one scripted rupture: the matching rule catches it in time."""
    quiet = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0, "dropout_hazard": 0.0, "attendance": 1.0}
    mm = simulate(n_groups=20, seed=1, ruptures=[Rupture(session=8, level="MM", type="confrontation", member=1, source=2, severity=2.5)], **quiet)
    found = DyadDrop().detect(mm.scores())
    hits = found[(found.session == 8) & found.member.isin(["m01", "m02"])]
    assert hits["group"].nunique() >= 12
    mg = simulate(n_groups=20, seed=2, ruptures=[Rupture(session=8, level="MG", type="confrontation", member=1, severity=3.0)], **quiet)
    assert (GroupDrop(min_members=3, threshold=0.3).detect(mg.scores())["session"] == 8).sum() >= 5


def test_function_rule_rejects_non_functions():
    with pytest.raises(GQConfigError, match="FunctionRule.func"):
        FunctionRule(func=3)
    with pytest.raises(GQConfigError, match="VEpisode.sd='both'"):
        VEpisode(sd="both")
    with pytest.raises(GQConfigError, match=r"scales='bdi'.*give its direction with worse=\{'bdi': \+1 or -1\}"):
        ChangeAlert(scales=("bdi",), worse={})


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: ChangeAlert(worse=1), "worse=1"),
        (lambda: ChangeAlert(worse={"PB": True}), "worse="),
        (lambda: ChangeAlert(level="XX"), "ChangeAlert.level='XX'"),
        (lambda: ChangeAlert(threshold=float("nan")), "ChangeAlert.threshold=nan"),
        (lambda: StatusAlert(cutoffs=[4.0]), "StatusAlert.cutoffs=[4.0]"),
        (lambda: StatusAlert(scales=("bdi",), worse={"bdi": 1}), "StatusAlert.cutoffs=None"),
        (lambda: ChangeAlert(scales=("bdi",), worse={"bdi": 1}), "ChangeAlert.threshold=None"),
        (lambda: ChangeAlert(z=0), "ChangeAlert.z=0"),
        (lambda: StatusAlert(z=-1), "StatusAlert.z=-1"),
        (lambda: StatusAlert(cutoffs={"PB": float("nan"), "PW": 3.8, "NR": 3.6}), "StatusAlert.cutoffs['PB']=nan"),
        (lambda: SuddenLoss(crit3="no"), "SuddenLoss.crit3='no'"),
        (lambda: SuddenGain(adjust="False"), "SuddenGain.adjust='False'"),
        (lambda: VEpisode(m=True), "VEpisode.m=True"),
        (lambda: SuddenLoss(pct=True), "SuddenLoss.pct=True"),
    ],
)
def test_rule_parameters_of_the_wrong_kind_are_named(make, fragment):
    with pytest.raises(GQConfigError, match=re.escape(fragment)):
        make()


def test_rule_numbers_become_plain_floats():
    from fractions import Fraction

    assert ChangeAlert(threshold=Fraction(1, 2)).threshold == 0.5 and type(ChangeAlert(threshold=2).threshold) is float


def test_panel_rejects_duplicate_scores(scores):
    with pytest.raises(GQDataError, match="one row per group, member, session, scale and level"):
        ScorePanel.from_scores(pd.concat([scores, scores.iloc[:1]]))


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_online_use_session_by_session(rule, scores):
    """As feedback, a rule is run on the data up to each session, from the first one on."""
    panel = ScorePanel.from_scores(scores)
    full = rule.detect(panel)
    for t in range(1, len(panel.sessions) + 1):
        now = rule.alerts_now(panel.upto(t))
        assert now.shape == (len(panel.units),)
        raised = full[full["session"] == t]
        if isinstance(rule, (SuddenLoss, SuddenGain)):
            # offline, suddengains also judges the last intervals on a window cut short by the end of the data
            raised = raised[raised["session"] - raised["onset"] == 2]
        units = panel.units.assign(alert=now)
        if rule.group_level:
            assert set(units.loc[units.alert, "group"]) == set(raised["group"])
        else:
            assert set(map(tuple, units.loc[units.alert, ["group", "member"]].to_numpy())) == set(zip(raised["group"], raised["member"]))


@pytest.mark.parametrize("rule", RULES[:-1], ids=IDS[:-1])
def test_every_rule_can_drive_the_simulated_feedback(rule):
    cohort = simulate(n_groups=2, seed=3, feedback=rule, n_sessions=6)
    assert (cohort.groups["feedback_rule"] == rule.name).all()


@pytest.mark.parametrize(
    "column, value, fragment",
    [
        ("session", 0, "a positive whole number up to 10,000"),
        ("session", 1.5, "a positive whole number up to 10,000"),
        ("session", MAX_SESSION + 1, "a positive whole number up to 10,000"),
        ("member", None, "a member id"),
        ("scale", " ", "a scale id"),
        ("score", "high", "a finite number (or empty)"),
        ("score", np.inf, "a finite number (or empty)"),
    ],
)
def test_panel_names_bad_rows_instead_of_guessing(scores, column, value, fragment):
    bad = scores.astype(object).copy()
    bad.loc[bad.index[3], column] = value
    with pytest.raises(GQDataError, match=r"^scores: 1 problem") as info:
        ChangeAlert().detect(bad)
    assert f"row {bad.index[3]}, column '{column}': " in str(info.value) and fragment in str(info.value)


def test_directions_must_be_plus_or_minus_one():
    with pytest.raises(GQConfigError, match="a direction, \\+1"):
        StatusAlert(scales=("PB",), worse={"PB": 0})


def test_sudden_loss_online_waits_for_the_full_window():
    s = _one({1: 6, 2: 6, 3: 6, 4: 6, 5: 3, 6: 3, 7: 3, 8: 3, 9: 3})  # a lasting loss from session 4 to 5
    rule = SuddenLoss(scales=("PB",), cutoff=1.0)
    assert rule.detect(s)[["onset", "session"]].values.tolist() == [[5, 7]]
    panel = ScorePanel.from_scores(s)
    online = [t for t in range(1, 10) if rule.alerts_now(panel.upto(t)).any()]
    assert online == [7]  # not at 5 or 6, before the three scores after the loss are in


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_as_feedback_group_k_of_a_batch_equals_group_k_alone(rule):
    """A rule's alerts for one group never depend on the other groups of a simulated batch."""
    n, seed = 6, 21
    batch = simulate(n_groups=n, seed=seed, feedback=rule, n_sessions=12)
    strip = lambda e: e.drop(columns=["event_id", "group", "rupture_id"]).reset_index(drop=True)  # noqa: E731
    for k, stream in enumerate(group_seeds(seed, n)):
        alone = simulate(seed=[stream], feedback=rule, n_sessions=12)
        assert np.array_equal(batch.answers[k], alone.answers[0], equal_nan=True), f"group {k}"
        assert strip(batch.events[batch.events.group == batch.groups.group[k]]).equals(strip(alone.events)), f"group {k}"


def test_v_episode_alerts_of_a_group_ignore_a_noisy_other_group():
    a = simulate(seed=4).scores()
    rng = np.random.default_rng(0)
    b = a.assign(group="noisy", score=rng.uniform(1, 7, len(a)))
    for rule in (VEpisode(), VEpisode(sd="between")):
        alone = rule.detect(a)
        assert not alone.empty
        pd.testing.assert_frame_equal(rule.detect(pd.concat([a, b], ignore_index=True)).query("group != 'noisy'"), alone)


# -- from_columns: any table with a column per series ---------------------------------------------
def _weekly(**columns):
    return pd.DataFrame({"id": ["p1", "p1", "p1", "p2"], "week": [1, 2, 3, 1], **columns})


@pytest.mark.parametrize("name", ["score", "scale", "level", "group", "member", "session"])
def test_from_columns_takes_any_series_name(name):
    panel = ScorePanel.from_columns(_weekly(**{name: [1.0, 2.0, np.nan, 4.0]}), [name], group=None, member="id", session="week")
    assert panel.facets == ((name, "all"),)
    np.testing.assert_array_equal(panel.values[:, :, 0], [[1.0, 2.0, np.nan], [4.0, np.nan, np.nan]])


def test_from_columns_orders_whole_number_ids_as_numbers_and_others_as_text():
    def members(ids):
        frame = pd.DataFrame({"id": ids, "week": 1, "bdi": 1.0})
        return ScorePanel.from_columns(frame, ["bdi"], group=None, member="id", session="week").units["member"].tolist()

    assert members([10, 2, 1]) == members(["10", "2", "1"]) == members([10.0, 2.0, 1.0]) == ["1", "2", "10"]
    assert members(["10", "2", "1a"]) == ["10", "1a", "2"]


@pytest.mark.parametrize(
    "change, column, fragment",
    [
        ({"bdi": [1.0, np.inf, 3.0, 4.0]}, "bdi", "got 'inf'; expected a finite number (or empty)"),
        ({"bdi": [1.0, "x", 3.0, 4.0]}, "bdi", "got 'x'; expected a finite number (or empty)"),
        ({"week": [1, 10**12, 3, 1]}, "week", "got '1000000000000'; expected a positive whole number up to 10,000"),
        ({"id": ["p1", None, "p1", "p2"]}, "id", "expected a member id"),
    ],
)
def test_from_columns_names_the_row_and_column_it_cannot_score(change, column, fragment):
    frame = _weekly(bdi=[1.0, 2.0, 3.0, 4.0]).assign(**change).set_axis([10, 11, 12, 13])
    with pytest.raises(GQDataError, match=r"^table: 1 problem") as info:
        ScorePanel.from_columns(frame, ["bdi"], group=None, member="id", session="week")
    assert f"row 11, column '{column}': {fragment}" in str(info.value)


def test_from_columns_refuses_repeated_rows_and_unclear_columns():
    frame = _weekly(bdi=[1.0, 2.0, 3.0, 4.0]).assign(week=[1, 2, 2, 1])
    with pytest.raises(GQDataError, match="row 2: expected one row per id and week"):
        ScorePanel.from_columns(frame, ["bdi"], group=None, member="id", session="week")
    with pytest.raises(GQDataError, match="a 'bdj' column"):
        ScorePanel.from_columns(frame, ["bdj"], group=None, member="id", session="week")
    for columns in ([], "bdi", ["bdi", "bdi"], ["bdi", "week"]):
        with pytest.raises(GQConfigError, match="a non-empty list of series columns"):
            ScorePanel.from_columns(frame, columns, group=None, member="id", session="week")
    with pytest.raises(GQConfigError, match="none named twice or also an id"):
        ScorePanel.from_columns(frame.assign(group=1), ["bdi"], group="id", member="id", session="week")


IDS_OK = st.one_of(st.integers(-3, 12), st.integers(10**18, 10**20), st.sampled_from(["01", "1", " 2", "a", "b10", 2.0, 2.5]))
SESSIONS_OK = st.one_of(st.integers(1, 4), st.sampled_from([MAX_SESSION, "2", 3.0]))
VALUES_OK = st.one_of(st.floats(allow_infinity=False), st.none(), st.sampled_from(["", "3.5"]))
MISTAKES = [("member", v) for v in ("", " ", None)] + [("session", v) for v in (0, -1, 1.5, MAX_SESSION + 1, 10**30, np.nan, "x")]
MISTAKES += [(c, v) for c in ("score", "level") for v in (np.inf, -np.inf, "x", "nan", True)]


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(IDS_OK, SESSIONS_OK, VALUES_OK, VALUES_OK), max_size=8), mistake=st.none() | st.tuples(st.integers(0, 7), st.sampled_from(MISTAKES)))
def test_from_columns_refuses_by_name_or_keeps_every_finite_value(rows, mistake):
    """Series named like the long table's columns; a bad cell is named, a good table read exactly."""
    frame = pd.DataFrame(rows, columns=["member", "session", "score", "level"])
    wrong = mistake is not None and mistake[0] < len(frame)
    if wrong:
        row, (column, value) = mistake
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
    try:
        panel = ScorePanel.from_columns(frame, ["score", "level"], group=None)
    except GQDataError as error:
        named = f"table: 1 problem (fix the table)\n  row {row}, column '{column}'" if wrong else "expected one row per member and session"
        assert named in str(error)
        return
    assert not wrong
    members = list(panel.units["member"])
    assert all(isinstance(m, str) for m in members)
    if all(isinstance(m, int) for m in frame["member"]):
        assert [int(m) for m in members] == sorted({int(m) for m in frame["member"]})
    as_id = lambda m: str(int(m)) if isinstance(m, float) and m.is_integer() else str(m).strip()  # noqa: E731  (as read from a file)
    for member, session, *cells in frame.itertuples(index=False):
        given = [np.nan if c in (None, "") else float(c) for c in cells]
        np.testing.assert_array_equal(panel.values[members.index(as_id(member)), int(float(session)) - 1], given)
    assert np.isfinite(panel.values).sum() == np.isfinite(frame[["score", "level"]].replace("", None).astype(float)).sum().sum()


def test_from_columns_takes_list_likes_and_refuses_repeated_columns():
    t = pd.DataFrame({"id": ["p"] * 3, "week": [1, 2, 3], "bdi": [10.0, 11, 20], "phq": [5.0, 6, 7]})
    panel = ScorePanel.from_columns(t, t.columns[2:], group=None, member="id", session="week")
    assert panel.facets == (("bdi", "all"), ("phq", "all"))
    with pytest.raises(GQDataError, match="column 'bdi': expected each column name once"):
        ScorePanel.from_columns(pd.concat([t, t[["bdi"]]], axis=1), ["bdi"], group=None, member="id", session="week")


def test_sudden_loss_defaults_come_from_the_norms_of_the_watched_facets():
    rule = SuddenLoss(level="ML")
    expected = [rci(NORM_SD[(s, "ML")], 0.90) for s in ("PB", "PW", "NR")]
    np.testing.assert_allclose(rule.cutoffs(), expected)
    assert SuddenLoss(norm_sd={"PB": 1.0, "PW": 1.0, "NR": 1.0}).cutoffs() == pytest.approx([rci(1.0, 0.9)] * 3)
    assert SuddenLoss(cutoff=0.5).cutoffs().tolist() == [0.5] * 3
    with pytest.raises(GQConfigError, match=r"SuddenLoss.cutoff=None .*norm_sd for \['bdi'\]"):
        SuddenLoss(scales=("bdi",), worse={"bdi": 1})
    with pytest.raises(GQConfigError, match="SuddenLoss.reliability=1"):
        SuddenLoss(reliability=1)


def test_the_norm_tables_regenerate_from_the_default_model():
    """NORM_MEAN, NORM_SD (first sessions) and NORM_CHANGE_SD (consecutive attended sessions) regenerate
    from gqkit's default model (1,000 groups, seed 2026, no feedback), to 2 decimals."""
    from gqkit import norms, simulate

    scores = simulate(n_groups=1000, seed=2026, feedback=False).scores()
    first = norms(scores[scores["session"] == 1]).set_index(["scale", "level"])
    assert first["mean"].to_dict() == pytest.approx(NORM_MEAN, abs=0.005)
    assert first["sd"].to_dict() == pytest.approx(NORM_SD, abs=0.005)
    seen = scores.dropna(subset=["score"]).sort_values(["group", "member", "scale", "level", "session"])
    change = seen.groupby(["group", "member", "scale", "level"])["score"].diff()
    assert change.groupby([seen["scale"], seen["level"]]).std().to_dict() == pytest.approx(NORM_CHANGE_SD, abs=0.005)


def test_norm_based_defaults_fit_each_level():
    """Thresholds and cutoffs come from the watched facet's norms, so a level's facet (noisier) gets wider ones,
    and the change alert flags 4.6-11% of the members of groups without ruptures at every level (Vittengl et al., 2015)."""
    from gqkit import simulate

    assert ChangeAlert(level="ML").thresholds() == pytest.approx([2.6 * NORM_CHANGE_SD[(s, "ML")] for s in ("PB", "PW", "NR")])
    assert ChangeAlert(threshold=0.5).thresholds().tolist() == [0.5] * 3
    assert StatusAlert(level="MG").limits() == pytest.approx([NORM_MEAN[("PB", "MG")] - 2 * NORM_SD[("PB", "MG")],
                                                             NORM_MEAN[("PW", "MG")] - 2 * NORM_SD[("PW", "MG")],
                                                             NORM_MEAN[("NR", "MG")] + 2 * NORM_SD[("NR", "MG")]])  # fmt: skip
    quiet = simulate(n_groups=300, seed=5, rate={"MM": 0.0, "ML": 0.0, "MG": 0.0}, microaggression_rate=0.0)
    panel, seen = quiet.panel(), int((quiet.members["n_attended"] > 0).sum())
    for level in ("all", "MM", "ML", "MG"):
        scales = tuple(s for s in ("PB", "PW", "NR") if (s, level) in NORM_SD)
        flagged = ChangeAlert(level=level, scales=scales).detect(panel)[["group", "member"]].drop_duplicates()
        assert 0.046 <= len(flagged) / seen <= 0.11, level


@pytest.mark.parametrize("cls", list(BUILT_IN.values()), ids=list(BUILT_IN))
def test_parameter_declarations_are_data_every_default_passes(cls):
    """Each built-in declares what its parameters accept (Rule.accepts); defaults pass; a value each declaration refuses is refused by name."""
    declared = {f.name: f.metadata["accepts"] for f in dataclasses.fields(cls) if "accepts" in f.metadata}
    assert {"scales", "level"} <= set(declared) and cls.accepts() == {k: a.expected for k, a in declared.items()}
    rule = cls()
    for name, accepts in declared.items():
        assert accepts.test(getattr(rule, name)), name
        for bad in (-1, "nope", (), None):
            if not accepts.test(bad):
                with pytest.raises(GQConfigError, match=re.escape(f"{cls.__name__}.{name}=") + ".*" + re.escape(accepts.expected)):
                    cls(**{name: bad})
                break
        else:
            pytest.fail(f"{cls.__name__}.{name} accepts anything")
