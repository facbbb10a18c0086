"""Each mechanism of the model, one factor changed on the same seeds: does it move what it should?"""

import numpy as np
import pandas as pd
import pytest

from gqkit import GQConfigError, Instrument, Rupture, simulate
from gqkit.simulation import group_seeds
from gqkit.simulation.calibration import pre_post_change
from gqkit.simulation.model import STEPS, layout
from gqkit.simulation.streams import Draw, draw_streams

QUIET = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0, "dropout_hazard": 0.0, "attendance": 1.0, "item_missing": 0.0}


def final_oq(cohort, member="m01"):
    m = cohort.members
    return m.loc[m.member == member, "final_oq"].astype(float).to_numpy()


# -- the pipeline and its streams ------------------------------------------------------------
def test_session_steps_run_in_the_documented_order():
    names = [f.__name__ for f in STEPS]
    assert names == ["attend", "repair", "fade", "new_ruptures", "microaggressions", "respond", "relationship", "answer", "relationship_feedback",
                     "measure_outcome", "progress_feedback", "improve", "dropout"]  # fmt: skip


def test_a_new_stream_leaves_every_other_stream_alone():
    seeds = group_seeds(3, 4)
    base = layout(simulate(seed=1).config, 30)
    before = draw_streams(seeds, base)
    after = draw_streams(seeds, {"a_new_mechanism": Draw((16, 8)), **base})
    for name in base:
        assert np.array_equal(before[name], after[name]), name


def test_feedback_changes_nothing_before_the_leader_acts():
    """Same seeds: feedback on and off share every member's first session exactly."""
    on, off = simulate(n_groups=20, seed=4, feedback=True), simulate(n_groups=20, seed=4, feedback=False)
    assert np.array_equal(on.answers[:, :, 0], off.answers[:, :, 0], equal_nan=True)
    assert on.members["first_oq"].equals(off.members["first_oq"])
    assert on.groups.drop(columns=["feedback", "feedback_rule"]).equals(off.groups.drop(columns=["feedback", "feedback_rule"]))


def test_therapists_lead_consecutive_groups_and_a_group_alone_keeps_its_therapist():
    batch = simulate(n_groups=6, seed=2, groups_per_therapist=3)
    assert batch.groups["therapist"].tolist() == ["t001"] * 3 + ["t002"] * 3
    assert batch.groups["openness"].nunique() == 2
    alone = simulate(seed=[group_seeds(2, 6)[4]], groups_per_therapist=3)
    assert alone.groups["openness"].item() == batch.groups["openness"].iloc[4]


def test_the_simulator_answers_the_instrument_it_is_given(tmp_path):
    key = pd.DataFrame({"item": ["a1", "a2", "b1", "b2", "c1", "c2"], "scale": ["PB", "PB", "PW", "PW", "NR", "NR"],
                        "level": ["ML", "MG", "ML", "MG", "MM", "MG"]})  # fmt: skip
    inst = Instrument(key)
    c = simulate(n_groups=2, seed=1, instrument=inst)
    assert c.answers.shape[-1] == 6 and list(c.responses["item"].unique()) == ["a1", "a2", "b1", "b2", "c1", "c2"]
    assert set(c.scores()["level"]) == {"all", "ML", "MG", "MM"}
    from gqkit.simulation import Cohort

    back = Cohort.from_dir(c.to_dir(tmp_path / "c"))
    assert back.equals(c) and back.instrument.items == inst.items
    with pytest.raises(GQConfigError, match="instrument"):
        simulate(instrument="key.csv")


# -- repair reaches outcome through the relationship ----------------------------------------------
def scripted(quality=None, at=6, severity=1.5, **kw):
    r = Rupture(session=4, level="ML", type="withdrawal", member=1, severity=severity, repaired_at=None if quality is None else at, quality=quality or 0.0)
    return simulate(n_groups=60, seed=7, ruptures=[r], **QUIET, **kw)


def test_a_repair_helps_the_outcome_but_is_worth_less_than_the_reliable_change():
    never, good = scripted(None), scripted(1.0)
    gain = np.mean(final_oq(never) - final_oq(good))
    assert 2 < gain < 14  # it matters, and one repair is bounded by the 14-point RCI


def test_a_poor_repair_is_not_worse_than_none():
    never, poor = scripted(None), scripted(0.05)
    assert np.mean(final_oq(poor)) <= np.mean(final_oq(never)) + 0.5


def test_the_benefit_runs_through_the_relationship():
    """With the relationship's session effect off, a repair no longer moves the outcome."""
    never, good = scripted(None, state_effect=0.0), scripted(1.0, state_effect=0.0)
    assert np.allclose(final_oq(never), final_oq(good), atol=1)


def test_ruptures_fade_and_the_truth_tells_faded_from_repaired_and_open():
    c = simulate(n_groups=80, seed=5, fade_hazard=0.3, base_logit=-3.0)
    ev = c.events
    assert (ev["kind"] == "fade").sum() > 20
    ruptures = ev[ev.kind == "rupture"]
    assert ruptures["resolved"].any() and not ruptures["resolved"].all()
    none = simulate(n_groups=80, seed=5, fade_hazard=0.0, base_logit=-3.0).events
    assert not (none["kind"] == "fade").any()


def test_openness_raises_repair_quality_and_commitment_raises_repair_after_alerts():
    kw = dict(n_groups=150, seed=6, feedback=True, spread=0.0)
    low, high = simulate(openness=0.1, **kw).events, simulate(openness=0.9, **kw).events
    quality = lambda ev: ev.loc[ev.kind == "repair", "quality"].mean()  # noqa: E731
    assert quality(high) > quality(low) + 0.2
    share = lambda ev: ev.loc[ev.kind == "rupture", "resolved"].mean()  # noqa: E731
    assert share(simulate(commitment=0.95, **kw).events) > share(simulate(commitment=0.05, **kw).events)


# -- the therapist ---------------------------------------------------------------------------------
def test_self_doubt_strengthens_early_alliance_with_the_leader():
    kw = dict(n_groups=40, seed=8, spread=0.0, **QUIET)

    def early(c):
        s = c.scores()
        return s[(s.level == "ML") & (s.scale == "PB") & (s.session <= 3)]["score"].mean()

    assert early(simulate(self_doubt=0.9, **kw)) > early(simulate(self_doubt=0.1, **kw)) + 0.3


def test_therapists_differ_in_outcome():
    kw = dict(n_groups=60, seed=9, groups_per_therapist=2)
    spread = lambda c: c.members.assign(ch=pre_post_change(c.members)).groupby("therapist")["ch"].mean().std()  # noqa: E731
    assert spread(simulate(sd_skill=0.5, **kw)) > spread(simulate(sd_skill=0.0, **kw)) + 1


# -- OQ progress feedback ----------------------------------------------------------------------------
def test_not_on_track_members_lie_above_their_expected_curve():
    c = simulate(n_groups=30, seed=10)
    o = c.outcomes
    flagged = o[o["not_on_track"]]
    assert len(flagged) > 20
    assert ((flagged["oq"] - flagged["expected"]) >= c.config.progress.not_margin).all()
    first = o.sort_values("session").groupby(["group", "member"]).first()
    assert (first["expected"] == first["oq"]).all()  # the curve starts at the member's first OQ


def test_feedback_helps_members_not_on_track_most_and_only_when_the_leader_uses_it():
    kw = dict(n_groups=200, seed=11)
    on, off = simulate(feedback=True, **kw), simulate(feedback=False, **kw)
    assert on.members["n_supported"].sum() > 0 and off.members["n_supported"].sum() == 0
    gain = pre_post_change(on.members) - pre_post_change(off.members)
    nt = off.members["not_on_track"]
    assert gain[nt].mean() > 2 * gain[~nt].mean() and gain[nt].mean() > 2
    unused = simulate(feedback=True, commitment=0.0, spread=0.0, **kw)
    assert unused.members["n_supported"].sum() == 0


def test_dropout_is_front_loaded_and_lower_with_feedback():
    kw = dict(n_groups=300, seed=12)
    off, on = simulate(feedback=False, **kw).members, simulate(feedback=True, **kw).members
    left = off.loc[off["dropped_out"], "left"]
    assert (left <= 4).mean() > 1 / 3
    assert on["dropped_out"].mean() < off["dropped_out"].mean()
    flat = simulate(feedback=False, dropout_decay=0.0, **kw).members
    assert (flat.loc[flat["dropped_out"], "left"] <= 4).mean() < (left <= 4).mean()


def test_a_draw_of_an_unknown_kind_is_refused():
    assert Draw((2,), "normal").kind == "normal"
    for kind in ("Normal", "gaussian", None):
        with pytest.raises(GQConfigError, match=r"Draw.kind=.*expected 'uniform' or 'normal'"):
            Draw((2,), kind)
