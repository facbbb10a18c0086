"""Scoring, norms, reliable change and reliability, checked by hand and against references."""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gqkit import GQDataError, Instrument, norms, rci, read_responses, reliability, score
from gqkit.errors import GQConfigError
from gqkit.scoring import allowed_missing, score_array

TESTS = Path(__file__).parent
INST = Instrument.default()


def rows_of(answers: dict[str, float], session=1, member="m1"):
    return [{"group": "g1", "member": member, "session": session, "item": item, "response": answers.get(item)} for item in INST.items]


def one_member(answers: dict[str, float], session=1, member="m1"):
    return read_responses(pd.DataFrame(rows_of(answers, session, member)), layout="long")


def test_scores_are_item_means_per_scale_and_level():
    answers = {item: (i % 7) + 1 for i, item in enumerate(INST.items)}
    s = score(one_member(answers)).set_index(["scale", "level"])
    for scale, level in INST.facets:
        expected = np.mean([answers[i] for i in INST.items_of(scale, level)])
        assert s.loc[(scale, level), "score"] == pytest.approx(expected)
        assert s.loc[(scale, level), "n_items"] == len(INST.items_of(scale, level))
    assert s["reason"].isna().all()


def test_prorating_and_reasons():
    answers = {item: 5 for item in INST.items}
    pb_mg = INST.items_of("PB", "MG")
    pw_ml = INST.items_of("PW", "ML")
    for item in pb_mg[:1] + pw_ml[:1]:
        answers[item] = None
    answers[pb_mg[1]] = 1
    s = score(one_member(answers)).set_index(["scale", "level"])
    # PB-MG has 5 items: 1 missing is allowed -> prorated mean of the 4 answered
    assert s.loc[("PB", "MG"), "score"] == pytest.approx((1 + 5 * 3) / 4)
    assert s.loc[("PB", "MG"), "n_items"] == 4
    # PW-ML has 3 items: none may be missing at 20%
    assert np.isnan(s.loc[("PW", "ML"), "score"])
    assert s.loc[("PW", "ML"), "reason"] == "1 of 3 items missing; at most 0 allowed"
    # the PW subscale (6 items) tolerates one missing
    assert s.loc[("PW", "all"), "score"] == 5.0
    strict = score(one_member(answers), prorate=0).set_index(["scale", "level"])
    assert np.isnan(strict.loc[("PB", "all"), "score"])


def test_member_session_without_answers_is_missing_with_reason():
    both = read_responses(pd.DataFrame(rows_of({i: 4 for i in INST.items}) + rows_of({}, session=2)))
    s = score(both)
    second = s[s.session == 2]
    assert second["score"].isna().all() and (second["reason"] == "no items answered").all()


@pytest.mark.parametrize("n, prorate, allowed", [(13, 0.2, 2), (11, 0.2, 2), (6, 0.2, 1), (5, 0.2, 1), (4, 0.2, 0), (10, 0.2, 2), (10, 0.0, 0), (3, 0.34, 1)])
def test_allowed_missing_boundary(n, prorate, allowed):
    assert allowed_missing(n, prorate) == allowed


@pytest.mark.parametrize("bad", [-0.1, 1, 1.5, "0.2", float("nan")])
def test_nonsensical_prorate_is_rejected(bad):
    with pytest.raises(GQConfigError, match="prorate="):
        score(one_member({"gq01": 3}), prorate=bad)


def test_score_rejects_unknown_items_and_duplicates():
    r = one_member({"gq01": 3})
    with pytest.raises(GQDataError, match="got 'gq99'; expected an item id"):
        score(r.assign(item=r["item"].replace("gq01", "gq99")))
    with pytest.raises(GQDataError, match="one row per group, member, session and item"):
        score(pd.concat([r, r.iloc[:1]]))
    with pytest.raises(GQDataError, match="expected a 'response' column"):
        score(r.drop(columns="response"))


def test_score_array_matches_score():
    rng = np.random.default_rng(3)
    values = rng.integers(1, 8, size=(4, INST.n_items)).astype(float)
    values[rng.random(values.shape) < 0.15] = np.nan
    scores, n_used = score_array(values, INST)
    frames = [one_member(dict(zip(INST.items, row)), session=k + 1) for k, row in enumerate(values)]
    table = score(pd.concat(frames, ignore_index=True))
    np.testing.assert_allclose(table["score"].to_numpy(), scores.ravel())
    np.testing.assert_array_equal(table["n_items"].to_numpy(), n_used.ravel())


def test_rci_reproduces_suddengains_define_crit1_cutoff():
    with (TESTS / "reference" / "suddengains_define_crit1_cutoff.csv").open() as f:
        ref = next(csv.DictReader(f))
    got = rci(float(ref["sd"]), float(ref["reliability"]))
    assert got == pytest.approx(float(ref["reliable_change_value"]), abs=1e-12)


def test_rci_formula_and_validation():
    # Jacobson & Truax: 1.96 * sqrt(2) * SD * sqrt(1 - r)
    assert rci(10, 0.84) == pytest.approx(1.96 * np.sqrt(2) * 4)
    assert rci(10, 0.84, z=1.645) < rci(10, 0.84)
    for kwargs in ({"sd": 0, "reliability": 0.8}, {"sd": 1, "reliability": 1.2}, {"sd": 1, "reliability": 0.8, "z": -1}):
        with pytest.raises(GQConfigError):
            rci(**kwargs)


def test_norms_mean_and_sd_per_scale_and_level():
    rows = [one_member({i: v for i in INST.items}, member=f"m{v}") for v in (2, 4, 6)]
    n = norms(score(pd.concat(rows, ignore_index=True))).set_index(["scale", "level"])
    assert list(n.index) == list(INST.facets)
    assert (n["n"] == 3).all() and np.allclose(n["mean"], 4) and np.allclose(n["sd"], 2)


def _simulated_items(seed=0, n=300):
    """A one-factor-per-scale toy model, enough to exercise alpha."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 3))
    scale_col = {"PB": 0, "PW": 1, "NR": 2}
    cols = [scale_col[s] for s in INST.table["scale"]]
    values = np.clip(np.rint(4 + 1.2 * latent[:, cols] + rng.normal(scale=0.9, size=(n, INST.n_items))), 1, 7)
    values[rng.random(values.shape) < 0.03] = np.nan
    wide = pd.DataFrame(values, columns=list(INST.items))
    wide.insert(0, "session", 1)
    wide.insert(0, "member", [f"m{i:03d}" for i in range(n)])
    wide.insert(0, "group", "g")
    return wide


def test_reliability_matches_pingouin_listwise():
    pingouin = pytest.importorskip("pingouin")
    wide = _simulated_items()
    table = reliability(read_responses(wide)).set_index(["scale", "level"])
    for scale, level in INST.facets:
        items = list(INST.items_of(scale, level))
        expected, _ = pingouin.cronbach_alpha(data=wide[items], nan_policy="listwise")
        assert table.loc[(scale, level), "alpha"] == pytest.approx(expected, abs=1e-10)
        assert table.loc[(scale, level), "n"] == wide[items].dropna().shape[0]
    assert table.loc[("PB", "all"), "alpha"] > 0.85


def test_reliability_textbook_example():
    # Three items, four people: alpha = 3/2 * (1 - (1 + 1 + 1) / 9) = 1.0 for perfectly parallel items
    items = INST.items_of("PW", "ML")
    wide = pd.DataFrame({"group": "g", "member": list("abcd"), "session": 1})
    for item in INST.items:
        wide[item] = [1, 2, 3, 4] if item in items else None
    out = reliability(read_responses(wide)).set_index(["scale", "level"])
    assert out.loc[("PW", "ML"), "alpha"] == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [-99, 4.5, 8, True, "x"])
def test_score_and_reliability_reject_answers_off_the_scale(bad):
    r = one_member({i: 4 for i in INST.items}).astype({"response": object})
    r.loc[3, "response"] = bad
    for func in (score, reliability):
        with pytest.raises(GQDataError, match=r"row 3, column 'response': got .*expected a whole number from 1 to 7"):
            func(r)


def test_score_names_rows_with_an_empty_key():
    r = one_member({i: 4 for i in INST.items}).astype({"session": "Float64"})
    r.loc[5, "session"] = None
    with pytest.raises(GQDataError, match="row 5: expected group, member and session in every row"):
        score(r)


def test_numpy_numbers_are_valid_parameters():
    assert rci(np.int64(5), np.float32(0.8)) == pytest.approx(rci(5, 0.8), rel=1e-6)
    assert not score(one_member({"gq01": 3}), prorate=np.float64(0.2)).empty


@pytest.mark.parametrize("kwargs", [{"sd": None, "reliability": 0.8}, {"sd": 1, "reliability": 1.0}, {"sd": 1, "reliability": True}])
def test_rci_rejects_nonsense_with_a_config_error(kwargs):
    with pytest.raises(GQConfigError):
        rci(**kwargs)


def test_a_bad_answer_under_a_repeated_index_label_names_that_cell():
    r = pd.DataFrame({"group": "g", "member": "a", "session": 1, "item": ["gq05", "gq16", "gq25"], "response": [4, 99, 5]}, index=[0, 1, 1])
    with pytest.raises(GQDataError) as info:
        score(r)
    assert info.value.problems[0].value == "99"
    assert "row 1, column 'response': got '99'; expected a whole number from 1 to 7" in str(info.value)
