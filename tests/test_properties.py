"""Hypothesis properties of validation and scoring."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gqkit import GQDataError, Instrument, read_responses, score, to_wide
from gqkit.scoring import allowed_missing

INST = Instrument.default()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def wide_tables(draw, max_members=4, max_sessions=3):
    """Valid wide tables: every member answers at least one item somewhere."""
    n_members = draw(st.integers(1, max_members))
    sessions = draw(st.lists(st.integers(1, 20), min_size=1, max_size=max_sessions, unique=True))
    p_missing = draw(st.sampled_from([0.0, 0.1, 0.5]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    keys = [(f"g{m % 2}", f"m{m}", s) for m in range(n_members) for s in sessions]
    values = rng.integers(1, 8, size=(len(keys), INST.n_items)).astype(float)
    values[rng.random(values.shape) < p_missing] = np.nan
    values[:: len(sessions), 0] = rng.integers(1, 8)  # each member's first row answers gq01
    wide = pd.DataFrame(values, columns=list(INST.items)).astype("Int64")
    ids = pd.DataFrame(keys, columns=["group", "member", "session"])
    return pd.concat([ids, wide], axis=1)


@SETTINGS
@given(wide=wide_tables(), prorate=st.sampled_from([0.0, 0.2, 0.5]))
def test_scores_stay_on_the_response_scale(wide, prorate):
    s = score(read_responses(wide), prorate=prorate)
    present = s["score"].dropna()
    assert ((present >= 1) & (present <= 7)).all()
    assert (s["n_items"] >= 0).all()
    assert (s["score"].isna() == s["reason"].notna()).all()


@SETTINGS
@given(wide=wide_tables(), seed=st.integers(0, 1000))
def test_row_order_never_changes_a_score(wide, seed):
    long = read_responses(wide)
    shuffled = long.sample(frac=1, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(score(long), score(shuffled))
    # and the reader itself is order-free
    pd.testing.assert_frame_equal(long, read_responses(wide.sample(frac=1, random_state=seed)))


@SETTINGS
@given(wide=wide_tables())
def test_wide_long_wide_round_trip(wide):
    back = to_wide(read_responses(wide))
    expected = wide.sort_values(["group", "member", "session"], ignore_index=True)
    expected = expected.astype({"group": str, "member": str, "session": "Int64"})
    pd.testing.assert_frame_equal(back, expected, check_dtype=True)


@SETTINGS
@given(n_missing=st.integers(0, 13), prorate=st.floats(0, 0.99), seed=st.integers(0, 1000))
def test_prorating_boundary_is_exactly_as_documented(n_missing, prorate, seed):
    rng = np.random.default_rng(seed)
    items = list(INST.items_of("PB"))
    n = len(items)
    n_missing = min(n_missing, n)
    answers = {i: int(rng.integers(1, 8)) for i in INST.items}
    dropped = rng.choice(items, size=n_missing, replace=False)
    for item in dropped:
        answers[item] = None
    answers["gq03"] = 4  # keep the member's answers non-empty
    frame = pd.DataFrame([{"group": "g", "member": "m", "session": 1, "item": k, "response": v} for k, v in answers.items()])
    s = score(read_responses(frame), prorate=prorate).set_index(["scale", "level"])
    pb = s.loc[("PB", "all")]
    should_score = n_missing <= np.floor(prorate * n + 1e-9) and n_missing < n
    assert (not np.isnan(pb["score"])) == should_score
    assert n_missing <= allowed_missing(n, prorate) or np.isnan(pb["score"])
    if should_score:
        kept = [answers[i] for i in items if answers[i] is not None]
        assert pb["score"] == pytest.approx(np.mean(kept))
        assert pb["n_items"] == len(kept)


@SETTINGS
@given(wide=wide_tables(max_members=2, max_sessions=2), data=st.data())
def test_any_out_of_range_cell_is_named(wide, data):
    row = data.draw(st.integers(0, len(wide) - 1))
    item = data.draw(st.sampled_from(INST.items))
    value = data.draw(st.one_of(st.integers(-5, 0), st.integers(8, 99), st.sampled_from([2.5, "yes", "4-5"])))
    bad = wide.astype(object)
    bad.loc[row, item] = value
    with pytest.raises(GQDataError) as info:
        read_responses(bad)
    assert f"row {row}, column '{item}': got '{value}'" in str(info.value)


@SETTINGS
@given(wide=wide_tables(max_members=3, max_sessions=2), data=st.data())
def test_duplicated_row_is_reported_against_its_first_occurrence(wide, data):
    row = data.draw(st.integers(0, len(wide) - 1))
    doubled = pd.concat([wide, wide.iloc[[row]]], ignore_index=True)
    with pytest.raises(GQDataError) as info:
        read_responses(doubled)
    assert f"row {len(wide)}: expected one row per group, member, session; row {row} has the same" in str(info.value)
