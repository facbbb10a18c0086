"""Cultural ruptures: identities, microaggressions, the leader's response and what each role feels.

Every mechanism of :class:`gqkit.simulation.CultureModel` has a direction test here: two
simulations on the same seeds that differ in one setting. Effect *sizes* are in the
calibration report and ``benchmarks/culture_trials.py``.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gqkit import Cohort, GQConfigError, Rupture, SimulationConfig, culture, simulate
from gqkit.repair import QUIET

# many microaggressions and nothing else, so that a few hundred groups show each direction
MANY = dict(n_groups=300, seed=11, rate={"MM": 0.0, "ML": 0.0, "MG": 0.0}, microaggression_rate=0.03, spread=0.0)


def table(**changes) -> pd.DataFrame:
    return culture.microaggressions(simulate(**{**MANY, **changes}))


def addressed(t: pd.DataFrame) -> float:
    return float((t["response"] != "not addressed").mean())


def test_targets_are_marginalised_and_sources_privileged_on_the_dimension():
    c = simulate(**MANY)
    t = culture.microaggressions(c)
    members = c.members.set_index(["group", "member"])["marginalised"].str.split(";")
    leaders = c.groups.set_index("group")["leader_marginalised"].str.split(";")
    assert len(t) > 300
    assert all(d in members[(g, m)] for g, m, d in zip(t["group"], t["member"], t["dimension"]))
    by_member = t[t["source"] != "leader"]
    assert all(d not in members[(g, s)] for g, s, d in zip(by_member["group"], by_member["source"], by_member["dimension"]))
    by_leader = t[t["source"] == "leader"]
    assert all(d not in leaders[g] for g, d in zip(by_leader["group"], by_leader["dimension"]))
    assert set(t.loc[t["source"] == "leader", "level"]) == {"ML"} and set(by_member["level"]) == {"MM"}


def test_identity_shares_follow_the_config():
    c = simulate(n_groups=400, seed=3)
    positions = c.members["marginalised"].str.split(";").explode()
    share = positions.value_counts() / len(c.members)
    for label, spec in c.config.culture.dimensions.items():
        assert share[label] == pytest.approx(spec["marginalised"], abs=0.03)


def test_a_therapist_keeps_their_identity_across_groups_and_alone():
    batch = simulate(n_groups=6, seed=2, groups_per_therapist=3)
    assert batch.groups.groupby("therapist")["leader_marginalised"].nunique().eq(1).all()
    from gqkit.simulation import group_seeds

    alone = simulate(seed=[group_seeds(2, 6)[4]], groups_per_therapist=3)
    assert alone.groups["leader_marginalised"].iloc[0] == batch.groups["leader_marginalised"].iloc[4]


def test_opportunities_decide_whether_it_is_addressed():
    low, high = table(opportunities=0.1), table(opportunities=0.9)
    assert addressed(high) > addressed(low) + 0.2


def test_comfort_decides_how_soon():
    def in_the_moment(t):
        answered = t[t["response"] != "not addressed"]
        return float((answered["response_session"] == answered["session"]).mean())

    low, high = table(comfort=0.1), table(comfort=0.9)
    assert in_the_moment(high) > in_the_moment(low) + 0.15
    assert high["quality"].mean() > low["quality"].mean()  # and how deep


def test_humility_decides_how_well_and_whether_it_shames():
    low, high = table(humility=0.1, address_now=2.0), table(humility=0.9, address_now=2.0)
    shamed = lambda t: float((t.loc[t["level"] == "MM", "response"] == "shaming").mean())  # noqa: E731
    assert shamed(low) > shamed(high) + 0.15
    assert high["quality"].mean() > low["quality"].mean() + 0.2


def test_humility_buffers_the_harm():
    rupture = Rupture(session=5, level="ML", type="cultural", member=2, severity=2.0, response="not addressed")
    drop = {}
    for h in (0.1, 0.9):
        s = culture.scenario(source="leader", response="not addressed", humility=h, severity=2.0)
        path = s.paths.query("role == 'target' and measure == 'alliance'").set_index("session")["value"]
        drop[h] = path.loc[[3, 4]].mean() - path.loc[[5, 6]].mean()
    assert rupture.response == "not addressed" and drop[0.1] > drop[0.9] + 0.2


def test_norm_setting_raises_naming_and_addressing_and_softens_the_harm():
    off, on = table(norm_setting=False), table(norm_setting=True)
    assert on["member_named"].mean() > off["member_named"].mean() + 0.2
    assert addressed(on) > addressed(off) + 0.05
    harm = {}
    for norms in (False, True):
        s = culture.scenario(response="not addressed", norm_setting=norms, onset=6)
        path = s.paths.query("role == 'target' and measure == 'alliance'").set_index("session")["value"]
        harm[norms] = path.loc[[4, 5]].mean() - path.loc[[6, 7]].mean()
    assert harm[False] > harm[True] + 0.05


def test_invisible_identities_are_addressed_less_often():
    t = table(n_groups=600)
    visible = t[t["visible"]]
    invisible = t[~t["visible"]]
    assert len(invisible) > 100 and addressed(visible) > addressed(invisible)


@pytest.fixture(scope="module")
def responses():
    return {r: culture.scenario(response=r, n_groups=24).summary() for r in ("addressed", "not addressed", "shaming")}


def test_an_addressed_microaggression_leaves_the_target_better_off_than_an_unaddressed_one(responses):
    end = {r: s.loc[("target", "alliance"), "end"] for r, s in responses.items()}
    oq = {r: s.loc[("target", "oq"), "end"] for r, s in responses.items()}
    assert end["addressed"] > end["not addressed"] + 0.1
    assert oq["addressed"] < oq["not addressed"] - 2  # fewer symptoms


def test_the_member_who_made_it_is_helped_by_the_recommended_response_and_harmed_by_shaming(responses):
    alliance = {r: s.loc[("source", "alliance"), "end"] for r, s in responses.items()}
    oq = {r: s.loc[("source", "oq"), "end"] for r, s in responses.items()}
    assert alliance["addressed"] > alliance["shaming"] + 0.2
    assert oq["addressed"] < oq["shaming"] - 2


def test_shaming_opens_a_rupture_with_the_leader_for_the_member_who_made_it():
    c = simulate(seed=3, n_groups=5, ruptures=[Rupture(session=5, level="MM", type="cultural", member=2, source=5, response="shaming")], **QUIET)
    shamed = c.events[(c.events["kind"] == "rupture") & (c.events["cause"] == "shaming")]
    assert len(shamed) == 5 and set(shamed["member"]) == {"m05"} and set(shamed["level"]) == {"ML"} and set(shamed["session"]) == {5}


def test_bystanders_sense_of_the_group_moves_with_how_it_was_handled(responses):
    cohesion = {r: s.loc[("bystander", "cohesion"), "end"] for r, s in responses.items()}
    assert cohesion["addressed"] > cohesion["not addressed"] > cohesion["shaming"]


def test_roles_cover_everyone_present():
    c = simulate(seed=1, n_groups=3, ruptures=[Rupture(session=4, level="MM", type="cultural", member=2, source=5)], **QUIET)
    r = culture.roles(c)
    assert (r.groupby("rupture_id")["role"].value_counts().unstack()[["target", "source", "bystander"]].to_numpy() == [1, 1, 6]).all()
    counts = c.members.set_index("member")
    assert counts.loc["m02", "n_targeted"].tolist() == [1, 1, 1] and counts.loc["m05", "n_remarks"].tolist() == [1, 1, 1]
    assert counts.loc["m01", "n_witnessed"].tolist() == [1, 1, 1]


def test_a_scripted_response_is_the_same_on_the_same_groups():
    kw = dict(seed=4, n_groups=6, **QUIET)
    base = dict(session=6, level="MM", type="cultural", member=3, source=1)
    a = simulate(ruptures=[Rupture(**base, response="addressed")], **kw)
    b = simulate(ruptures=[Rupture(**base, response="shaming")], **kw)
    # everything before the response session is shared
    assert np.array_equal(a.answers[:, :, :5], b.answers[:, :, :5], equal_nan=True)
    assert set(culture.microaggressions(a)["response"]) == {"addressed"}
    assert set(culture.microaggressions(b)["response"]) == {"shaming"}


def test_scripted_dimension_places_the_target_and_the_source():
    c = simulate(seed=2, n_groups=20, ruptures=[Rupture(session=3, level="MM", type="cultural", member=2, source=4, dimension="identity C")], **QUIET)
    m = c.members.set_index("member")["marginalised"]
    assert m.loc["m02"].str.contains("identity C").all() and not m.loc["m04"].str.contains("identity C").any()


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(level="MG", type="cultural"), "Rupture.level='MG' is not allowed: expected ML (a microaggression from the leader)"),
        (dict(level="ML", type="cultural", response="shaming"), "Rupture.response='shaming'"),
        (dict(level="ML", type="withdrawal", response="addressed"), "Rupture.response='addressed' is not allowed: expected None: only a cultural"),
        (dict(level="ML", type="cultural", response="ignored"), "Rupture.response='ignored'"),
        (dict(level="ML", type="cultural", repaired_at=7), "Rupture.repaired_at=7 is not allowed: expected None: only a scripted response"),
        (dict(level="ML", type="cultural", response="addressed", repaired_at=3), "Rupture.repaired_at=3 is not allowed: expected a session at or after"),
        (dict(level="ML", type="withdrawal", dimension="identity A"), "Rupture.dimension='identity A'"),
    ],
)
def test_a_scripted_microaggression_that_cannot_be_is_named(kwargs, fragment):
    with pytest.raises(GQConfigError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Rupture(session=5, member=2, **kwargs)


def test_an_unknown_dimension_is_named_at_simulate():
    with pytest.raises(GQConfigError, match="Rupture.dimension='identity Z'.*'identity A'"):
        simulate(ruptures=[Rupture(session=5, level="ML", type="cultural", member=2, dimension="identity Z")])


@pytest.mark.parametrize(
    "dimensions, fragment",
    [
        ({}, "1 to 6 dimensions"),
        ({"a;b": {"visible": True, "marginalised": 0.2}}, "CultureModel.dimensions['a;b']"),
        ({"A": {"visible": "yes", "marginalised": 0.2}}, "CultureModel.dimensions['A']"),
        ({"A": {"visible": True, "marginalised": 1.5}}, "CultureModel.dimensions['A']"),
        ({"A": {"visible": True}}, "CultureModel.dimensions['A']"),
        ({" A": {"visible": True, "marginalised": 0.2}}, "CultureModel.dimensions[' A']"),
    ],
)
def test_bad_dimensions_are_named(dimensions, fragment):
    with pytest.raises(GQConfigError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        SimulationConfig.from_overrides(dimensions=dimensions)


def test_renamed_dimensions_go_through_a_folder(tmp_path):
    dims = {"Dimension One": {"visible": True, "marginalised": 0.5}, "Two": {"visible": False, "marginalised": 0.4}}
    c = simulate(n_groups=10, seed=5, dimensions=dims, microaggression_rate=0.05)
    assert set(culture.microaggressions(c)["dimension"]) == set(dims)
    assert Cohort.from_dir(c.to_dir(tmp_path / "c")).equals(c)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    rate=st.sampled_from([0.0, 0.05, 0.3]),
    leader_share=st.sampled_from([0.0, 0.5, 1.0]),
    norms=st.booleans(),
    address_now=st.sampled_from([-5.0, 0.0, 5.0]),
    shaming=st.sampled_from([0.0, 1.0]),
    humility=st.floats(0, 1),
    n_dims=st.integers(1, 6),
    share=st.sampled_from([0.0, 0.5, 1.0]),
    seed=st.integers(0, 10_000),
)
def test_any_culture_setting_writes_a_folder_that_reads_back(tmp_path_factory, rate, leader_share, norms, address_now, shaming, humility, n_dims,
                                                              share, seed):  # fmt: skip
    """The folder reader checks every agreement between files, so it is the simulation's invariant checker."""
    dims = {f"d{i}": {"visible": i % 2 == 0, "marginalised": share} for i in range(n_dims)}
    c = simulate(n_groups=3, seed=seed, n_members=5, n_sessions=8, microaggression_rate=rate, leader_share=leader_share, norm_setting=norms,
                 address_now=address_now, shaming=shaming, humility=humility, dimensions=dims)  # fmt: skip
    t = culture.microaggressions(c)
    if share == 0.0:
        assert t.empty
    assert (t["response"] == "shaming").sum() <= (t["level"] == "MM").sum()
    assert Cohort.from_dir(c.to_dir(tmp_path_factory.mktemp("c"))).equals(c)
