"""Simulated round-robin ratings: reproducible, valid at the door, and true to the SRM they come from.

The invariant checker is the reader: every simulated table must pass ``read_round_robin``
unchanged. Recovery is checked with ``srm`` itself: on many groups without ruptures its pooled
estimates must land within a few standard errors (which shrink with the number of groups) of the
configured components.
"""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gqkit
from gqkit.errors import GQConfigError
from gqkit.round_robin import read_round_robin
from gqkit.simulation.model import layout
from gqkit.simulation.round_robin import STREAM, TRUTH_COLUMNS, RoundRobinModel, SimulatedRoundRobin, round_robin_ratings
from gqkit.simulation.streams import group_seeds
from gqkit.srm import srm

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FULL = {"attendance": 1.0, "dropout_hazard": 0.0}  # complete round robins: every member attends every session
Z = 4.0  # how many standard errors an estimate may stray: |z| > 4 has probability 6e-5 per check


@pytest.fixture(scope="module")
def cohort():
    return gqkit.simulate(n_groups=6, seed=3, ruptures=[gqkit.Rupture(session=5, level="MM", type="confrontation", member=2, source=4, repaired_at=9)])


# -- reproducibility ---------------------------------------------------------------------------


def test_same_cohort_same_bytes(cohort):
    a, b = round_robin_ratings(cohort), round_robin_ratings(gqkit.simulate(n_groups=6, seed=3, ruptures=[
        gqkit.Rupture(session=5, level="MM", type="confrontation", member=2, source=4, repaired_at=9)]))  # fmt: skip
    for name in ("ratings", "truth", "members"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.ratings["rating"].to_numpy().tobytes() == b.ratings["rating"].to_numpy().tobytes()


def test_group_k_of_a_batch_equals_group_k_alone():
    batch = gqkit.simulate(n_groups=5, seed=7)
    k = 3
    alone = gqkit.simulate(seed=[group_seeds(7, 5)[k]])
    in_batch, by_itself = round_robin_ratings(batch), round_robin_ratings(alone)
    name, single = batch.groups["group"][k], alone.groups["group"][0]
    for table in ("ratings", "truth", "members"):
        mine = getattr(in_batch, table).query("group == @name").reset_index(drop=True)
        theirs = getattr(by_itself, table).assign(group=name)
        if table == "truth":
            theirs = theirs.assign(rupture_id=theirs["rupture_id"].str.replace(single, name))
        pd.testing.assert_frame_equal(mine, theirs.astype({"group": str}))


def test_the_cohort_is_left_as_it_was_and_the_stream_is_new():
    cohort = gqkit.simulate(n_groups=2, seed=11)
    round_robin_ratings(cohort)
    assert cohort.equals(gqkit.simulate(n_groups=2, seed=11))
    main = {zlib.crc32(name.encode()) for name in [*layout(cohort.config, cohort.instrument.n_items), "therapist", "item_missing"]}
    assert zlib.crc32(STREAM.encode()) not in main


def test_a_session_an_item_and_a_replicate_each_keep_their_own_numbers(cohort):
    full = round_robin_ratings(cohort)
    only8 = round_robin_ratings(cohort, sessions=[8])
    pd.testing.assert_frame_equal(full.ratings.query("session == 8").reset_index(drop=True), only8.ratings)
    more = RoundRobinModel(items=(*RoundRobinModel().items, ("extra", "bond")))
    with_extra = round_robin_ratings(cohort, more).ratings
    pd.testing.assert_frame_equal(with_extra.query("item != 'extra'").reset_index(drop=True), full.ratings)
    other = round_robin_ratings(cohort, replicate=1).ratings
    assert other[["group", "session", "rater", "target", "item"]].equals(full.ratings[["group", "session", "rater", "target", "item"]])
    assert not other["rating"].equals(full.ratings["rating"])


def test_a_cohort_read_back_from_its_folder_gives_the_same_ratings(cohort, tmp_path):
    back = gqkit.Cohort.from_dir(cohort.to_dir(tmp_path / "c"))
    a, b = round_robin_ratings(cohort), round_robin_ratings(back)
    pd.testing.assert_frame_equal(a.ratings, b.ratings)
    pd.testing.assert_frame_equal(a.truth, b.truth)


# -- the door ----------------------------------------------------------------------------------


def test_the_output_passes_the_reader_unchanged_and_the_shapes_are_right(cohort):
    rr = round_robin_ratings(cohort)
    assert isinstance(rr, SimulatedRoundRobin) and rr.sessions == (4, 8, 12, 16)
    pd.testing.assert_frame_equal(read_round_robin(rr.ratings, scale=(1, 7), members=cohort.members), rr.ratings)
    assert list(rr.truth.columns) == list(TRUTH_COLUMNS)
    G, M = cohort.n_groups, cohort.config.design.n_members
    assert len(rr.truth) == G * 4 * M * (M - 1) and len(rr.members) == G * M
    assert len(rr.ratings) == rr.truth["present"].sum() * len(rr.model.items)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("items", ()),
        ("items", "bond"),
        ("items", (("a", "bond"), ("a", "conflict"))),
        ("items", (("a", "mood"),)),
        ("items", (("has space", "bond"),)),
        ("items", (("a", "bond", "extra"),)),
        ("every", 0),
        ("every", 2.5),
        ("scale", (7, 1)),
        ("scale", (1.5, 7)),
        ("scale", (1, 7, 9)),
        ("bond_mean", 9),
        ("conflict_mean", float("nan")),
        ("sd_actor", -0.1),
        ("sd_error", "big"),
        ("generalized_reciprocity", 1.2),
        ("dyadic_reciprocity", -1.5),
        ("stability", 1.5),
        ("missing", 1.0),
        ("shock", -1),
        ("source_share", 2),
        ("residual", 1.0),
    ],
)
def test_a_bad_model_field_is_named(field, value):
    with pytest.raises(GQConfigError) as err:
        RoundRobinModel(**{field: value})
    assert err.value.parameter == f"RoundRobinModel.{field}"


def test_good_model_values_are_kept_plain():
    m = RoundRobinModel(items={"close": "bond", "tense": "conflict"}, scale=[np.int64(0), 10], sd_actor=np.float32(0.5), bond_mean=np.int64(6))
    assert m.items == (("close", "bond"), ("tense", "conflict")) and m.scale == (0, 10)
    assert type(m.sd_actor) is float and type(m.bond_mean) is int and m == RoundRobinModel(**dataclasses.asdict(m))
    table = RoundRobinModel.describe()
    assert set(table["parameter"]) == {f.name for f in dataclasses.fields(RoundRobinModel)} and table["source"].str.len().gt(10).all()


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"cohort": "cohort.csv"}, "cohort"),
        ({"model": {"sd_actor": 0.5}}, "model"),
        ({"sessions": [0]}, "sessions"),
        ({"sessions": [17]}, "sessions"),
        ({"sessions": [4, 4]}, "sessions"),
        ({"sessions": []}, "sessions"),
        ({"sessions": "4"}, "sessions"),
        ({"sessions": [4.0]}, "sessions"),
        ({"sessions": [True]}, "sessions"),
        ({"sessions": 4}, "sessions"),
        ({"replicate": -1}, "replicate"),
        ({"replicate": 1.5}, "replicate"),
        ({"replicate": True}, "replicate"),
        ({"model": RoundRobinModel(every=17)}, "model.every"),
    ],
)
def test_a_bad_argument_is_named(cohort, arguments, parameter):
    with pytest.raises(GQConfigError) as err:
        round_robin_ratings(**{"cohort": cohort, **arguments})
    assert err.value.parameter == parameter


def test_a_cohort_without_usable_seeds_is_refused(cohort):
    broken = dataclasses.replace(cohort, groups=cohort.groups.assign(seed="[1, 2]"))
    with pytest.raises(GQConfigError) as err:
        round_robin_ratings(broken)
    assert err.value.parameter == "cohort"


# -- the SRM behind the ratings ----------------------------------------------------------------


def test_srm_recovers_the_configured_components_and_reciprocities():
    """On 400 groups of 8 (no ruptures, no absences), every pooled estimate is within Z standard errors.

    A wide scale keeps ratings off its ends, so that only rounding, whose variance 1/12 adds to
    what one round robin calls relationship variance (Sheppard's correction), separates the
    ratings from the model; error variance adds to it too, and dilutes the dyadic correlation.
    """
    model = RoundRobinModel(scale=(0, 20), bond_mean=10, conflict_mean=10, shock=0.0)
    cohort = gqkit.simulate(n_groups=400, seed=11, **FULL)
    rr = round_robin_ratings(cohort, model, sessions=[4, 8])
    pooled = srm(rr.ratings).pooled
    a, b, g, e = model.sd_actor**2, model.sd_partner**2, model.sd_relationship**2, model.sd_error**2
    g_total = g + e + 1 / 12
    expected = {
        "actor variance": a,
        "partner variance": b,
        "relationship variance": g_total,
        "actor-partner covariance": model.generalized_reciprocity * np.sqrt(a * b),
        "relationship covariance": model.dyadic_reciprocity * g,
    }
    assert len(pooled) == 2 * 4 * 5 and (pooled.groupby(["session", "item"]).size() == 5).all()
    z = (pooled["estimate"] - pooled["component"].map(expected)) / pooled["se"]
    assert (z.abs() < Z).all(), pooled.assign(z=z)[["session", "item", "component", "estimate", "se", "z"]]
    # the standardized values: generalized reciprocity as configured, dyadic reciprocity diluted by error
    est = pooled.set_index(["session", "item", "component"])
    for (session, item), one in est.groupby(level=[0, 1]):
        one = one.droplevel([0, 1])
        r_ab = one.loc["actor-partner covariance", "standardized"]
        tol_ab = Z * one.loc["actor-partner covariance", "se"] / np.sqrt(a * b) + Z * abs(model.generalized_reciprocity) * (
            one.loc["actor variance", "se"] / a + one.loc["partner variance", "se"] / b) / 2  # fmt: skip
        assert abs(r_ab - model.generalized_reciprocity) < tol_ab, (session, item, r_ab)
        r_gg = one.loc["relationship covariance", "standardized"]
        diluted = model.dyadic_reciprocity * g / g_total
        tol_gg = Z * (one.loc["relationship covariance", "se"] + abs(diluted) * one.loc["relationship variance", "se"]) / g_total
        assert abs(r_gg - diluted) < tol_gg, (session, item, r_gg)


def test_true_person_effects_are_what_srm_estimates():
    cohort = gqkit.simulate(n_groups=60, seed=2, **FULL)
    rr = round_robin_ratings(cohort, RoundRobinModel(shock=0.0), sessions=[4])
    person = srm(rr.ratings.query("item == 'bond_a'")).person.merge(rr.members, on=["group", "member"], suffixes=("", "_true"))
    for part in ("actor", "partner"):
        within = person.groupby("group")[f"{part}_true"].transform("mean")  # srm's effects are deviations from each group's level
        assert np.corrcoef(person[part], person[f"{part}_true"] - within)[0, 1] > 0.5


def test_a_scripted_member_member_rupture_strains_that_pair_both_ways_while_open():
    rupture = gqkit.Rupture(session=5, level="MM", type="withdrawal", member=2, source=5, repaired_at=10)
    cohort = gqkit.simulate(n_groups=300, seed=5, ruptures=[rupture], **FULL)
    rr = round_robin_ratings(cohort)
    rel = srm(rr.ratings).relationship
    rel = rel.assign(kind=rel["item"].str.split("_").str[0])
    mean = rel.groupby(["kind", "session", "rater", "target"])["relationship"].mean().unstack("session")
    pair = [("m02", "m05"), ("m05", "m02")]
    for kind, sign in (("bond", -1), ("conflict", 1)):
        while_open = sign * (mean[8] - mean[4]).loc[kind]  # session 8: open; positive means worse
        others = while_open.drop(pair)
        floor = others.mean() + Z * others.std()
        assert (while_open.loc[pair] > floor).all(), (kind, while_open.loc[pair], floor)
        assert set(while_open.nlargest(2).index) == set(pair)
        after = sign * (mean[16] - mean[4]).loc[kind].loc[pair]  # repaired at 10: 0.5^7 of the shock is left at 16
        assert (after < while_open.loc[pair] / 4).all()
    # the truth names the pair in every group, in both directions, in session 8 only
    scripted = cohort.events.query("cause == 'scripted' and kind == 'rupture'")["rupture_id"]
    named = rr.truth[rr.truth["rupture_id"].str.split(";").apply(lambda ids: bool(set(ids) & set(scripted)))]
    assert set(named["session"]) == {8} and len(named) == 2 * cohort.n_groups
    assert set(zip(named["rater"], named["target"])) == set(pair)
    shocks = named.groupby("rater")["shock"].min()  # other ruptures of the pair may add to it
    assert shocks["m02"] >= rr.model.shock and shocks["m05"] >= rr.model.shock * rr.model.source_share


def test_shocks_follow_the_events_onset_end_and_fading_rest():
    """Hand-made events: a failed then a resolving repair, a fade, an overlap, and ruptures that do not count."""
    cohort = gqkit.simulate(seed=1, n_members=4, n_sessions=8, **FULL)
    rows = [  # session, kind, level, member, source, rupture_id, resolved
        (2, "rupture", "MM", "m01", "m02", "r1", True), (3, "repair", "MM", "m01", "m02", "r1", False),
        (5, "repair", "MM", "m01", "m02", "r1", True), (4, "rupture", "MM", "m03", "m04", "r2", True),
        (6, "fade", "MM", "m03", "m04", "r2", True), (4, "rupture", "MM", "m02", "m01", "r3", False),
        (3, "rupture", "ML", "m01", "leader", "r4", False), (3, "rupture", "MG", "m02", "group", "r5", False),
    ]  # fmt: skip
    events = pd.DataFrame(rows, columns=["session", "kind", "level", "member", "source", "rupture_id", "resolved"]).assign(group="g001")
    model = RoundRobinModel(shock=2.0, source_share=0.5, residual=0.5)
    truth = round_robin_ratings(dataclasses.replace(cohort, events=events.astype({"resolved": "boolean"})), model, sessions=range(1, 9)).truth
    cell = truth.set_index(["rater", "target", "session"]).sort_index()
    r1 = [0, 2, 2, 2, 1, 0.5, 0.25, 0.125]  # m01 -> m02: open 2-4, repaired at 5 (the failed repair at 3 changes nothing)
    r3 = [0, 0, 0, 2, 2, 2, 2, 2]  # m02 -> m01 from 4 on, never ended
    assert cell.loc[("m01", "m02"), "shock"].tolist() == [a + 0.5 * b for a, b in zip(r1, r3)]
    assert cell.loc[("m02", "m01"), "shock"].tolist() == [0.5 * a + b for a, b in zip(r1, r3)]
    assert cell.loc[("m03", "m04"), "shock"].tolist() == [0, 0, 0, 2, 2, 1, 0.5, 0.25]  # faded at 6
    assert cell.loc[("m04", "m03"), "shock"].tolist() == [0, 0, 0, 1, 1, 0.5, 0.25, 0.125]
    assert cell.loc[("m01", "m02"), "rupture_id"].tolist() == ["", "r1", "r1", "r1;r3", "r3", "r3", "r3", "r3"]
    assert cell.loc[("m04", "m03"), "ruptured"].tolist() == [False, False, False, True, True, False, False, False]
    struck = {("m01", "m02"), ("m02", "m01"), ("m03", "m04"), ("m04", "m03")}
    others = [pair not in struck for pair in zip(truth["rater"], truth["target"])]
    assert truth.loc[others, "shock"].eq(0).all() and not truth.loc[others, "ruptured"].any()


# -- invariants (Hypothesis) -------------------------------------------------------------------


@st.composite
def designs(draw):
    n_members = draw(st.integers(2, 6))
    n_sessions = draw(st.integers(2, 8))
    cohort = gqkit.simulate(
        n_groups=draw(st.integers(1, 3)), seed=draw(st.integers(0, 2**32 - 1)), n_members=n_members, n_sessions=n_sessions,
        attendance=draw(st.sampled_from([0.3, 0.7, 1.0])), enrolment=draw(st.sampled_from(["closed", "rolling"])),
        ruptures=[gqkit.Rupture(session=1, level="MM", type="confrontation", member=1, source=2)] if draw(st.booleans()) else [],
    )  # fmt: skip
    low = draw(st.integers(-3, 3))
    high = low + draw(st.integers(1, 9))
    model = RoundRobinModel(
        items=tuple((f"i{k}", draw(st.sampled_from(["bond", "conflict"]))) for k in range(draw(st.integers(1, 3)))),
        scale=(low, high), bond_mean=draw(st.floats(low, high)), conflict_mean=draw(st.floats(low, high)),
        sd_actor=draw(st.floats(0, 3)), sd_relationship=draw(st.floats(0, 3)), sd_error=draw(st.floats(0, 3)),
        generalized_reciprocity=draw(st.floats(-1, 1)), dyadic_reciprocity=draw(st.floats(-1, 1)),
        stability=draw(st.floats(0, 1)), missing=draw(st.sampled_from([0.0, 0.3])), shock=draw(st.floats(0, 5)),
    )  # fmt: skip
    sessions = draw(st.lists(st.integers(1, n_sessions), min_size=1, max_size=3, unique=True))
    return cohort, model, sessions


@SETTINGS
@given(design=designs())
def test_ratings_are_whole_answers_on_the_scale_between_attending_members_only(design):
    cohort, model, sessions = design
    rr = round_robin_ratings(cohort, model, sessions=sessions)
    table = rr.ratings
    if len(table):  # the reader refuses an empty table (nobody met anybody in those sessions)
        pd.testing.assert_frame_equal(read_round_robin(table, scale=model.scale, members=cohort.members), table)
    assert list(table.columns) == ["group", "session", "rater", "target", "item", "rating"] and str(table["session"].dtype) == "Int64"
    given_ = table["rating"].dropna()
    assert ((given_ >= model.scale[0]) & (given_ <= model.scale[1]) & (given_ == np.round(given_))).all()
    assert (table["rater"] != table["target"]).all()
    if model.missing == 0:
        assert table["rating"].notna().all()
    # who attended: a rating exists exactly for the pairs of attending members, once per item
    group_index = pd.Index(cohort.groups["group"])
    member_index = pd.Index([f"m{m + 1:02d}" for m in range(cohort.config.design.n_members)])
    g, s = group_index.get_indexer(table["group"]), table["session"].to_numpy(int) - 1
    for column in ("rater", "target"):
        assert cohort.attended[g, member_index.get_indexer(table[column]), s].all()
    truth = rr.truth
    expected = truth[truth["present"]][["group", "session", "rater", "target"]]
    counts = table.groupby(["group", "session", "rater", "target"]).size()
    assert (counts == len(model.items)).all() and len(counts) == len(expected)
    gt, st_ = group_index.get_indexer(truth["group"]), truth["session"].to_numpy(int) - 1
    both = cohort.attended[gt, member_index.get_indexer(truth["rater"]), st_] & cohort.attended[gt, member_index.get_indexer(truth["target"]), st_]
    assert (truth["present"].to_numpy() == both).all()
    assert (truth["shock"] >= 0).all() and (truth["rupture_id"].ne("") == truth["ruptured"]).all()
    assert rr.sessions == tuple(sorted(sessions))
