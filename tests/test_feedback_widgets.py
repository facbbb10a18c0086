"""FeedbackExplorer driven headlessly: move sliders, click Run trial, check the stored result."""

import math
import re

import pytest

from gqkit import GQConfigError
from gqkit.exercises import check_commitment_effect, check_feedback_subgroup, feedback_box_trial
from gqkit.feedback_widgets import FeedbackExplorer, feedback_table, feedback_trial


def g_not(ex: FeedbackExplorer) -> float:
    return float(ex.table.set_index("result").loc["Hedges g of change, not on track", "estimate"])


def test_a_slider_move_marks_stale_and_runs_nothing():
    ex = FeedbackExplorer(n_groups=40, seed=1)
    assert ex.runs == 1 and not ex.stale and ex.error is None and "Run 1:" in ex.summary.value
    result, picture = ex.result, ex.image.value
    ex.sliders["commitment"].value = 0.2
    ex.sliders["openness"].value = 0.3
    ex.groups.value = 80
    assert ex.runs == 1 and ex.result is result and ex.image.value == picture
    assert ex.stale and "press <b>Run trial</b>" in ex.message.value
    ex.groups.value = 40  # moving back to what was run is no longer stale for n_groups, but the sliders still are
    assert ex.stale


def test_run_button_reruns_and_high_commitment_helps_not_members_more():
    ex = FeedbackExplorer(n_groups=40, seed=1, commitment=0.05, run=False)
    assert ex.result is None and ex.runs == 0
    ex.button.click()
    low, low_picture = g_not(ex), ex.image.value
    assert ex.ran_with["commitment"] == 0.05 and ex.progress.value == ex.progress.max
    ex.sliders["commitment"].value = 0.95
    ex.button.click()
    high = g_not(ex)
    assert ex.runs == 2 and not ex.stale and ex.error is None and ex.image.value != low_picture
    assert high > low + 0.3  # seed 1, 40 groups: about 0.69 vs 0.12 (checked over seeds 1-5: gap >= 0.5)
    assert f"{high:.2f}" in ex.summary.value and "commitment 0.95" in ex.summary.value


def test_the_table_matches_the_trial_effects():
    t = feedback_trial(40, seed=1, commitment=0.95)
    table = feedback_table(t).set_index("result")
    e = t.effects.set_index(["subgroup", "measure"])
    assert table.loc["Hedges g of change, everyone", "estimate"] == e.loc[("all", "hedges_g change"), "estimate"]
    assert table.loc["dropout odds ratio (> 1 favours feedback)", "ci_high"] == e.loc[("all", "odds ratio dropout"), "ci_high"]
    repaired = t.arm_summary().set_index("arm")["repaired"]
    assert table.loc["share of ruptures repaired, feedback", "estimate"] == repaired["feedback"]
    m = t.members[t.members.arm == "feedback"]
    assert math.isclose(repaired["feedback"], m.n_repaired.sum() / m.n_ruptures.sum())


def test_a_failing_run_shows_a_message_and_raises_nothing(monkeypatch):
    ex = FeedbackExplorer(n_groups=40, run=False)

    def broken(*args, **kwargs):
        raise GQConfigError("commitment", 2, "a therapist mean from 0 to 1")

    monkeypatch.setattr("gqkit.feedback_widgets.feedback_trial", broken)
    ex.button.click()
    assert isinstance(ex.error, GQConfigError) and "gq-error" in ex.message.value and ex.result is None
    assert "<b>commitment</b> = 2 is not allowed" in ex.message.value and not ex.button.disabled
    ex.sliders["openness"].value = 0.3  # the next change replaces the warning with the stale note
    assert ex.error is None and "gq-error" not in ex.message.value and "Settings changed" in ex.message.value


def test_bad_start_values_are_config_errors():
    with pytest.raises(GQConfigError):
        FeedbackExplorer(commitment=1.5, run=False)
    with pytest.raises(GQConfigError):
        FeedbackExplorer(n_groups=50, run=False)


def test_feedback_checks_accept_the_computed_answers():
    t = feedback_box_trial()
    g = t.effects.query("measure == 'hedges_g change'").set_index("subgroup")["estimate"]
    assert check_feedback_subgroup(g.drop("all").idxmax()) and check_feedback_subgroup("not on track")
    assert not check_feedback_subgroup("on track") and check_feedback_subgroup(None).correct is None
    zero = feedback_box_trial(commitment=0.0).effects.query("measure == 'hedges_g change' and subgroup == 'not on track'")["estimate"].iloc[0]
    assert check_commitment_effect(round(zero, 2)) and not check_commitment_effect(round(zero + 0.3, 2))
    assert zero < g["not on track"]


@pytest.mark.parametrize("kwargs, fragment", [({"seed": -1}, "seed=-1"), ({"spread": float("nan")}, "spread=nan"), ({"n_groups": 40.0}, "n_groups=40.0")])
def test_feedback_explorer_refuses_bad_settings_before_any_run(kwargs, fragment):
    with pytest.raises(GQConfigError, match=re.escape(fragment)):
        FeedbackExplorer(run=False, **kwargs)


def test_the_table_names_the_columns_a_trial_lacks():
    import pandas as pd

    from gqkit import GQDataError, Trial

    m = pd.DataFrame({"arm": ["off", "off", "on", "on"], "group": ["off:a", "off:b", "on:a", "on:b"], "therapist": ["t1", "t2", "t1", "t2"],
                      "change": [1.0, 5.0, 8.0, 3.0], "dropped_out": [False, True, False, False]})  # fmt: skip
    with pytest.raises(GQDataError, match=r"members: 3 problems") as info:
        feedback_table(Trial.from_members(m))
    assert [p.expected for p in info.value.problems] == ["a 'not_on_track' column", "a 'n_ruptures' column", "a 'n_repaired' column"]
    with pytest.raises(GQConfigError, match="^t="):
        feedback_table(m)
