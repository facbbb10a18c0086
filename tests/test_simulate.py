"""The simulator: validation, reproducibility, ruptures and repairs doing what they claim."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gqkit import GQConfigError, Rupture, SimulationConfig, list_examples, load_example, score, simulate
from gqkit.detect import ChangeAlert, Evidence, Rule, ScorePanel
from gqkit.examples import EXAMPLES, write_example
from gqkit.simulation import Cohort, describe_defaults, group_seeds
from gqkit.simulation.calibration import calibration_report

QUIET = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0, "dropout_hazard": 0.0, "attendance": 1.0, "item_missing": 0.0}


def facet_mean(cohort, member, scale, level, sessions):
    s = cohort.scores()
    sel = s[(s.member == member) & (s.scale == scale) & (s.level == level) & s.session.isin(sessions)]
    return sel["score"].mean()


# -- validation ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"n_members": 0}, "GroupDesign.n_members=0"),
        ({"attendance": 1.5}, "GroupDesign.attendance=1.5 is not allowed: expected a probability above 0, up to 1"),
        ({"n_groups": 0}, "n_groups=0"),
        ({"seed": -1}, "seed=-1"),
        ({"persistence": 1.0}, "RuptureModel.persistence=1.0"),
        ({"type_share": {"withdrawal": 0.5, "confrontation": 0.6}}, "shares that add up to 1"),
        ({"type_share": {"withdrawal": 0.5, "confrontation": 0.35, "cultural": 0.15}}, "a dict with keys ['confrontation', 'withdrawal']"),
        ({"rate": {"MM": 0.1}}, "a dict with keys ['MG', 'ML', 'MM']"),
        ({"enrolment": "open"}, "'closed' or 'rolling'"),
        ({"wobble": 3}, "wobble=3 is not allowed: expected the name of a simulation parameter"),
        ({"feedback": "yes"}, "feedback='yes'"),
        ({"n_sessions": 6, "ruptures": [Rupture(session=5, level="ML", type="withdrawal", member=1, repaired_at=8)]}, "n_sessions=6 is not allowed: expected at least 8"),
        ({"n_members": 3, "ruptures": [Rupture(session=2, level="MM", type="withdrawal", member=2, source=4)]}, "n_members=3 is not allowed: expected at least 4"),
    ],
)
def test_nonsensical_parameters_are_named(kwargs, fragment):
    with pytest.raises(GQConfigError) as info:
        simulate(**kwargs)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"session": 0}, "Rupture.session=0"),
        ({"level": "MX"}, "Rupture.level='MX'"),
        ({"type": "sulk"}, "Rupture.type='sulk'"),
        ({"repaired_at": 3}, "a session after the onset (4)"),
        ({"level": "ML", "source": 2}, "a member-leader rupture comes from the leader"),
        ({"quality": 1.5}, "Rupture.quality=1.5"),
    ],
)
def test_bad_scripted_ruptures_are_named(kwargs, fragment):
    base = dict(session=4, level="MM", type="withdrawal", member=1)
    with pytest.raises(GQConfigError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Rupture(**{**base, **kwargs})


def test_every_default_names_a_source():
    table = describe_defaults()
    assert table["source"].str.len().min() > 10
    assert {"n_members", "persistence", "alliance_effect", "state_effect", "partner_strain", "signatures", "not_margin"} <= set(table["parameter"])


def test_config_overrides_and_round_trip():
    cfg = SimulationConfig.from_overrides(n_members=6, relationship__ar=0.3)
    assert cfg.design.n_members == 6 and cfg.relationship.ar == 0.3
    assert SimulationConfig.from_dict(cfg.to_dict()) == cfg


# -- reproducibility ------------------------------------------------------------------------
def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    a, b, c = simulate(n_groups=3, seed=5), simulate(n_groups=3, seed=5), simulate(n_groups=3, seed=6)
    assert a.answers.tobytes() == b.answers.tobytes() and a.equals(b)
    assert not np.array_equal(a.answers, c.answers, equal_nan=True)
    a.to_dir(tmp_path / "a")
    b.to_dir(tmp_path / "b")
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name


def test_group_k_of_a_batch_equals_group_k_alone():
    batch = simulate(n_groups=10, seed=11, feedback_share=0.5)
    k = 7
    alone = simulate(n_groups=1, seed=[group_seeds(11, 10)[k]], feedback_share=0.5)
    assert np.array_equal(batch.answers[k], alone.answers[0], equal_nan=True)
    strip = lambda e: e.drop(columns=["event_id", "group", "rupture_id"]).reset_index(drop=True)  # noqa: E731
    assert strip(batch.events[batch.events.group == batch.groups.group[k]]).equals(strip(alone.events))
    assert batch.groups.iloc[k, 1:].equals(alone.groups.iloc[0, 1:])


def test_cohort_round_trips_through_a_folder(tmp_path):
    cohort = simulate(n_groups=4, seed=3, feedback_share=0.5, enrolment="rolling")
    assert cohort.groups["feedback"].nunique() == 2  # both kinds of group go through the files
    back = Cohort.from_dir(cohort.to_dir(tmp_path / "c"))
    assert back.equals(cohort)
    pd.testing.assert_frame_equal(back.responses, cohort.responses)
    for name in ("groups", "members", "events", "outcomes"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(cohort, name))


def test_scores_shortcut_matches_score_on_responses():
    cohort = simulate(n_groups=2, seed=4)
    fast = cohort.scores()
    slow = score(cohort.responses)
    np.testing.assert_allclose(fast["score"].to_numpy(), slow["score"].to_numpy())
    assert (fast[["group", "member", "scale", "level"]].to_numpy() == slow[["group", "member", "scale", "level"]].to_numpy()).all()


# -- invariants (Hypothesis) -----------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), members=st.integers(2, 10), sessions=st.integers(2, 20), rolling=st.booleans(), share=st.sampled_from([0.0, 1.0]))
def test_simulation_invariants(seed, members, sessions, rolling, share):
    c = simulate(n_groups=2, seed=seed, n_members=members, n_sessions=sessions, enrolment="rolling" if rolling else "closed", feedback_share=share)
    answered = c.answers[~np.isnan(c.answers)]
    assert ((answered >= 1) & (answered <= 7) & (answered == np.round(answered))).all()
    assert np.isnan(c.answers[~c.attended]).all()  # missed sessions leave no responses
    assert (c.outcomes["oq"].between(0, 180)).all() and len(c.outcomes) == c.attended.sum()
    ev = c.events
    assert set(ev["kind"]) <= {"rupture", "repair", "fade"}
    ruptures = ev[ev.kind == "rupture"].set_index("rupture_id")
    after = ev[ev.kind != "rupture"]
    assert after["rupture_id"].isin(ruptures.index).all()
    onset = ruptures.loc[after["rupture_id"], "session"].to_numpy()
    in_the_moment = ((after["type"] == "cultural") & (after["kind"] == "repair")).to_numpy()  # a microaggression can be addressed at once
    assert (after["session"].to_numpy()[~in_the_moment] > onset[~in_the_moment]).all()
    assert (after["session"].to_numpy()[in_the_moment] >= onset[in_the_moment]).all()
    ending = after[after["resolved"]]
    assert ending["rupture_id"].is_unique  # a rupture ends at most once, by a repair or by fading
    assert set(ending["rupture_id"]) == set(ruptures.index[ruptures["resolved"]])
    last_end = ending.set_index("rupture_id")["session"]
    assert not (after.loc[after["kind"] == "repair"].apply(lambda e: e["session"] > last_end.get(e["rupture_id"], 99), axis=1)).any()
    m = c.members
    assert (m["n_repaired"] + m["n_faded"] <= m["n_ruptures"]).all()
    assert m["not_on_track"].eq(m["not_session"].notna()).all()
    assert c.outcomes["not_on_track"].sum() == 0 or c.outcomes.loc[c.outcomes["not_on_track"], "session"].min() > 1
    assert ev["event_id"].is_unique and set(ev["level"]) <= {"MM", "ML", "MG"}
    assert (c.members["left"].dropna() >= c.members.loc[c.members["left"].notna(), "joined"]).all()
    assert c.members.loc[~c.members["dropped_out"] & (c.members["n_attended"] > 0), "left"].max() <= sessions


# -- what ruptures and repairs do -----------------------------------------------------------------
def test_withdrawal_and_confrontation_leave_different_signatures():
    kw = dict(n_groups=40, seed=1, **QUIET)
    w = simulate(ruptures=[Rupture(session=6, level="ML", type="withdrawal", member=1, severity=2)], **kw)
    c = simulate(ruptures=[Rupture(session=6, level="ML", type="confrontation", member=1, severity=2)], **kw)
    change = {}
    for name, cohort in (("w", w), ("c", c)):
        change[name] = {s: facet_mean(cohort, "m01", s, "ML", [6]) - facet_mean(cohort, "m01", s, "ML", [4, 5]) for s in ("PB", "PW", "NR")}
    assert change["w"]["PB"] < -1.2 and abs(change["w"]["NR"]) < abs(change["w"]["PB"]) / 2  # moving away
    assert change["c"]["NR"] > 1.2 and abs(change["c"]["PB"]) < change["c"]["NR"]  # moving against


def test_member_member_rupture_strains_two_members_and_spills_onto_bystanders():
    c = simulate(n_groups=40, seed=2, ruptures=[Rupture(session=6, level="MM", type="confrontation", member=1, source=2, severity=2)], **QUIET)

    def drop(member, level, scale="NR"):
        return facet_mean(c, member, scale, level, [6]) - facet_mean(c, member, scale, level, [4, 5])

    assert drop("m01", "MM") > 1.2 and drop("m02", "MM") > 0.8  # both members of the pair
    assert abs(drop("m05", "MM")) < 0.4  # not a bystander's own member-member ratings ...
    assert drop("m05", "MG") > 0.2  # ... but their sense of the group


def test_a_good_repair_leaves_a_v_with_a_higher_right_arm_and_unrepaired_persists():
    kw = dict(n_groups=60, seed=3, **QUIET)
    fixed = simulate(ruptures=[Rupture(session=5, level="ML", type="withdrawal", member=1, severity=2, repaired_at=7, quality=1.0)], **kw)
    left = simulate(ruptures=[Rupture(session=5, level="ML", type="withdrawal", member=1, severity=2)], **kw)
    before = facet_mean(fixed, "m01", "PB", "ML", [3, 4])
    assert facet_mean(fixed, "m01", "PB", "ML", [5]) < before - 1  # the drop
    assert facet_mean(fixed, "m01", "PB", "ML", [7, 8]) > before + 0.3  # above its old level
    assert facet_mean(left, "m01", "PB", "ML", [7, 8]) < before - 0.8  # still strained


def test_cultural_rupture_has_a_source_and_shaming_opens_a_new_one():
    c = simulate(n_groups=30, seed=4, humility=0.0, spread=0.0, shaming=1.0, address_now=5.0, rate={"MM": 0.0, "ML": 0.0, "MG": 0.0},
                 microaggression_rate=0.05, leader_share=0.0)  # fmt: skip
    ev = c.events
    cultural = ev[(ev.kind == "rupture") & (ev.type == "cultural")]
    assert len(cultural) > 10 and (cultural["level"] == "MM").mean() > 0.8  # the leader only when no member can be the source
    by_member = cultural[cultural["level"] == "MM"]
    assert by_member["source"].str.startswith("m").all() and (by_member["source"] != by_member["member"]).all()
    assert (cultural.loc[cultural["level"] == "ML", "source"] == "leader").all()
    assert (by_member["response"] == "shaming").mean() > 0.9
    shamed = ev[(ev.kind == "rupture") & (ev.cause == "shaming")]
    assert len(shamed) > 5 and (shamed["level"] == "ML").all() and (shamed["source"] == "leader").all()
    assert set(shamed["member"]) <= set(cultural["source"])  # the member who made the microaggression


def test_feedback_alerts_raise_repair_rates_and_are_recorded():
    kw = dict(n_groups=150, seed=5, commitment=0.9, openness=0.9)
    on, off = simulate(feedback=True, **kw), simulate(feedback=False, **kw)

    def repaired_share(c):
        ev = c.events
        return ev.loc[ev.kind == "rupture", "rupture_id"].isin(ev.loc[ev.kind == "repair", "rupture_id"]).mean()

    assert repaired_share(on) > repaired_share(off)
    assert on.events["alert_seen"].any() and not off.events["alert_seen"].any()
    assert on.groups["feedback"].all() and (on.groups["feedback_rule"] == "change").all()


def test_a_rule_that_never_fires_equals_feedback_off():
    class Never(ChangeAlert):
        name = "never"

        def evidence(self, panel):
            shape = panel.values.shape[:2] + (len(self.scales),)
            return Evidence(alert=np.zeros(shape, bool), strength=np.zeros(shape), raised=np.zeros(shape, int))

    # no member is ever not on track, so only the rule's alerts could reach the leader
    kw = dict(n_groups=5, seed=8, not_margin=180.0)
    silent, off = simulate(feedback=Never(), **kw), simulate(feedback=False, **kw)
    assert np.array_equal(silent.answers, off.answers, equal_nan=True)
    assert silent.events.equals(off.events) and silent.outcomes.equals(off.outcomes)
    assert isinstance(Never(), Rule)


def test_directions_on_a_reduced_calibration():
    """Repaired better than unrepaired; feedback helps, not-on-track members most (never timing)."""
    kw = dict(n_groups=150, seed=9)
    report = calibration_report(simulate(feedback=False, **kw), simulate(feedback=True, **kw)).set_index("statistic")["achieved"]
    assert report["repaired vs unrepaired ruptures, r with outcome"] > 0
    assert report["cohesion (PB member-group), r with outcome"] > 0
    assert report["GQ facet ICC, member-group minus member-leader"] > 0
    assert report["feedback vs none, g for members not on track"] > report["feedback vs none, g on pre-post change"] > 0
    assert report["feedback vs none, dropout odds ratio (off / on)"] > 1
    assert report["therapist self-doubt with early alliance, r"] > 0
    assert report.drop(index=[r for r in report.index if r.startswith("targets of")]).notna().all()  # too few targets in 150 groups


# -- shipped datasets -----------------------------------------------------------------------
def test_examples_are_listed_and_load():
    assert list(list_examples()["name"]) == list(EXAMPLES)
    classroom = load_example("classroom")
    assert sorted(classroom.events.loc[classroom.events.kind == "rupture", "level"]) == ["MG", "ML", "MM"]
    with pytest.raises(GQConfigError, match="one of classroom"):
        load_example("nope")


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_regeneration_reproduces_the_shipped_files_exactly(tmp_path, name):
    from gqkit.examples import _root

    path = write_example(EXAMPLES[name], tmp_path)
    shipped = _root() / name
    assert sorted(p.name for p in path.iterdir()) == sorted(p.name for p in shipped.iterdir())
    for f in path.iterdir():
        assert f.read_bytes() == (shipped / f.name).read_bytes(), f"{name}/{f.name} differs: run `make examples`"


def test_a_cohort_folder_with_unknown_ids_is_refused(tmp_path):
    from gqkit import GQDataError

    path = simulate(n_groups=2, seed=1).to_dir(tmp_path / "c")
    text = (path / "responses.csv").read_text()
    (path / "responses.csv").write_text(text.replace("g001,m01,1,", "g009,m01,1,", 1))
    with pytest.raises(GQDataError, match="(?s)responses.csv: 1 problem .*line 2, column .group.: got .g009.; expected a group listed in groups.csv"):
        Cohort.from_dir(path)


def test_cohort_panel_holds_the_same_scores_as_the_long_table():
    cohort = simulate(n_groups=2, seed=4, n_members=3, n_sessions=5, enrolment="rolling")
    panel, slow = cohort.panel(), ScorePanel.from_scores(cohort.scores())
    assert panel.facets == cohort.instrument.facets and list(panel.sessions) == [1, 2, 3, 4, 5]
    pd.testing.assert_frame_equal(panel.units, slow.units)
    order = [slow.facets.index(f) for f in panel.facets]
    np.testing.assert_array_equal(panel.values, slow.values[:, :, order])
    absent = ~cohort.attended.reshape(6, 5)
    assert absent.any() and np.isnan(panel.values[absent]).all() and not np.isnan(panel.values[~absent]).all(axis=-1).any()


# -- doors of the configuration and the simulator -----------------------------------------------
def test_an_instrument_off_the_models_1_to_7_scale_is_refused():
    from gqkit import Instrument

    key = Instrument.default().table[["item", "scale", "level"]]
    for answers in ((0, 4), (1, 5)):
        with pytest.raises(GQConfigError, match=r"instrument=.*expected an item key answered on the 1-7 scale"):
            simulate(instrument=Instrument(key, response_range=answers))
    assert simulate(seed=1, instrument=Instrument(key, response_range=(1, 7))).equals(simulate(seed=1))


def test_an_ambiguous_override_lists_the_parts_to_choose_from():
    with pytest.raises(GQConfigError) as info:
        SimulationConfig().with_overrides(sd_session=1.0)
    assert info.value.parameter == "sd_session"
    assert "ambiguous" in str(info.value) and "relationship__sd_session or outcome__sd_session" in str(info.value)
    cfg = SimulationConfig().with_overrides(relationship__sd_session=0.2, outcome__sd_session=4.0)
    assert (cfg.relationship.sd_session, cfg.outcome.sd_session) == (0.2, 4.0)


def test_numpy_numbers_are_accepted_and_stored_as_python_numbers():
    import json

    given = SimulationConfig.from_overrides(n_members=np.int64(6), attendance=np.float32(0.75), baseline_mean=np.float64(80.5), early_sessions=np.int32(4),
                                            rate={"MM": np.float32(0.5), "ML": 0.01, "MG": np.int64(0)})  # fmt: skip
    plain = SimulationConfig.from_overrides(n_members=6, attendance=0.75, baseline_mean=80.5, early_sessions=4, rate={"MM": 0.5, "ML": 0.01, "MG": 0})
    assert given == plain and json.dumps(given.to_dict()) == json.dumps(plain.to_dict())
    assert type(given.design.attendance) is float and type(given.design.n_members) is int and type(given.rupture.rate["MG"]) is int
    assert simulate(given, seed=3).equals(simulate(plain, seed=3))
    signatures = {k: tuple(np.float32(x) for x in v) for k, v in SimulationConfig().rupture.signatures.items()}
    assert json.dumps(SimulationConfig.from_overrides(signatures=signatures).to_dict())
    dimensions = SimulationConfig.from_overrides(dimensions={"A": {"visible": True, "marginalised": np.float32(0.5)}}).culture.dimensions
    assert type(dimensions["A"]["marginalised"]) is float
    for bad in (np.bool_(True), True, "0.5", np.float64("nan")):
        with pytest.raises(GQConfigError, match="GroupDesign.attendance"):
            SimulationConfig.from_overrides(attendance=bad)


@pytest.mark.parametrize("part, kind", [("design", "GroupDesign"), ("outcome", "OutcomeModel"), ("culture", "CultureModel")])
def test_a_part_of_the_wrong_type_is_refused_at_construction(part, kind):
    with pytest.raises(GQConfigError, match=rf"^{part}=.*expected a {kind}.*SimulationConfig.from_dict"):
        SimulationConfig(**{part: {"n_members": 6}})
    with pytest.raises(GQConfigError, match=rf"^{part}="):
        SimulationConfig(**{part: None})


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        ({"feedback_cohort": "fb", "n_groups": 2}, "feedback_cohort"),
        ({"cohort": "c", "n_groups": 10}, "n_groups"),
        ({"cohort": "c", "seed": 1}, "seed"),
        ({"cohort": "c", "culture_groups": 40}, "culture_groups"),
        ({"n_groups": 2, "culture_groups": 0}, "culture_groups"),
    ],
)
def test_calibration_report_refuses_contradictory_arguments(kwargs, parameter):
    small = simulate(n_groups=2, seed=1)
    kwargs = {k: small if v in ("c", "fb") else v for k, v in kwargs.items()}
    with pytest.raises(GQConfigError) as info:
        calibration_report(**kwargs)
    assert info.value.parameter == parameter
