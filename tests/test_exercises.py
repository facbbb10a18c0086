"""The notebooks' check functions accept right answers and reject wrong ones."""

import numpy as np
import pytest

from gqkit import Instrument, rci
from gqkit.exercises import EXAMPLE_ANSWERS, check_missing_facet, check_pb_score, check_rci, example_member

INST = Instrument.default()


def test_example_covers_every_item():
    assert set(EXAMPLE_ANSWERS) == set(INST.items)
    assert example_member()["response"].notna().all()
    with_gap = example_member(missing=("gq05",)).set_index("item")["response"]
    assert with_gap.isna().sum() == 1 and with_gap.isna()["gq05"]
    assert with_gap.drop("gq05").to_dict() == {i: v for i, v in EXAMPLE_ANSWERS.items() if i != "gq05"}


def test_check_pb_score():
    truth = np.mean([EXAMPLE_ANSWERS[i] for i in INST.items_of("PB")])
    assert check_pb_score(round(truth, 2))
    assert not check_pb_score(truth + 0.1)
    assert check_pb_score(None).correct is None
    assert not check_pb_score("five")
    assert "Correct" in repr(check_pb_score(truth)) and "color" in check_pb_score(truth)._repr_html_()


def test_check_missing_facet():
    for right in ("PW ML", "pw-ml", ("PW", "ML"), "PWxML"):
        assert check_missing_facet(right), right
    assert not check_missing_facet("PW all")  # 6 items tolerate one missing
    assert not check_missing_facet("PB ML")
    assert check_missing_facet(None).correct is None
    assert check_missing_facet("NR ML", skipped="gq09")


def test_check_rci():
    assert check_rci(round(rci(1.0, 0.9), 2))
    assert not check_rci(1.96)
    assert check_rci(rci(2, 0.8), sd=2, reliability=0.8)


def test_mystery_checks_accept_the_truth_only():
    from gqkit.exercises import check_mystery_level, check_mystery_member, mystery_group

    truth = mystery_group().events.query("kind == 'rupture'")
    assert len(truth) == 1
    level, member = truth.iloc[0][["level", "member"]]
    assert check_mystery_level(level.lower()) and check_mystery_member(member) and check_mystery_member(int(member[1:]))
    assert not check_mystery_level({"MM": "ML", "ML": "MG", "MG": "MM"}[level])
    assert not check_mystery_member("m01" if member != "m01" else "m02")
    assert check_mystery_level(None).correct is None and check_mystery_member(None).correct is None


def test_detection_exercises():
    from gqkit import load_example
    from gqkit.detect import ChangeAlert
    from gqkit.evaluate import evaluate
    from gqkit.exercises import check_best_mg_rule, check_event_recall

    course = load_example("course")
    recall = evaluate(course, ChangeAlert().detect(course.scores())).iloc[0]["recall"]
    assert check_event_recall(round(recall, 2)) and not check_event_recall(recall + 0.1)
    assert check_best_mg_rule(None).correct is None and not check_best_mg_rule("nonsense")


def test_repair_exercises():
    from types import SimpleNamespace

    import pandas as pd

    from gqkit.exercises import check_definition_gap, check_early_repair, check_unresolved_members
    from gqkit.repair import repair_contrast

    members = pd.DataFrame({"n_ruptures": [0, 1, 2, 1, 3], "n_repaired": [0, 1, 1, 0, 1], "n_faded": [0, 0, 0, 1, 1]})
    toy = SimpleNamespace(members=members)
    assert check_unresolved_members(2, toy) and check_unresolved_members("2", toy)
    assert not check_unresolved_members(3, toy) and not check_unresolved_members("many", toy)
    assert check_unresolved_members(None, toy).correct is None

    late, early = (repair_contrast(repair_session=s).summary()["final_oq_with"] for s in (12, 6))
    assert check_early_repair(round(late - early, 1)) and not check_early_repair(late - early + 1)
    assert check_early_repair(None).correct is None
    assert check_definition_gap(None).correct is None and not check_definition_gap("sometimes")


def test_repair_exercises_on_the_notebook_cohort():
    from gqkit.exercises import check_definition_gap, check_unresolved_members, repair_cohort
    from gqkit.repair import member_status, status_summary

    cohort = repair_cohort()
    if "n_repaired" not in cohort.members.columns:
        import pytest

        pytest.skip("the model's members table has no n_repaired yet")
    status = member_status(cohort)
    assert check_unresolved_members(int((status["n_open"] > 0).sum()), cohort)
    gaps = {d: status_summary(member_status(cohort, d)).pipe(lambda t: t.loc["unrepaired", "oq_change"] - t.loc["repaired", "oq_change"]) for d in ("attempt", "resolved")}
    best = max(gaps, key=gaps.get)
    assert check_definition_gap(best, cohort)
    if abs(gaps["attempt"] - gaps["resolved"]) >= 0.05:
        assert not check_definition_gap(min(gaps, key=gaps.get), cohort)


def test_culture_exercises_accept_the_computed_answers_only():
    from types import SimpleNamespace

    import pandas as pd

    from gqkit.culture import addressed_share, scenario
    from gqkit.exercises import check_addressing_facet, check_shamed_role, check_unaddressed_share, culture_cohort

    never = 1 - addressed_share(culture_cohort())
    assert check_unaddressed_share(round(never, 2)) and not check_unaddressed_share(round(never + 0.05, 2))
    # a share may be given as a percentage, and the feedback says how it was read
    assert check_unaddressed_share(round(100 * never)) and check_unaddressed_share(f"{100 * never:.0f}%")
    assert "read" in check_unaddressed_share(f"{100 * never:.0f}%").message
    assert not check_unaddressed_share(round(100 * never) + 5) and not check_unaddressed_share(f"{100 * (1 - never):.0f}%")
    assert check_unaddressed_share(None).correct is None and not check_unaddressed_share("most")
    events = pd.DataFrame({"kind": "rupture", "type": "cultural", "group": "g001", "rupture_id": ["r1", "r2", "r3", "r4"], "session": 3,
                           "level": "MM", "dimension": "identity A", "member": "m02", "source": "m05", "member_named": False,
                           "response": ["addressed", "not addressed", "not addressed", "shaming"], "resolved": True, "quality": float("nan")})  # fmt: skip
    toy = SimpleNamespace(events=events, config=SimpleNamespace(culture=SimpleNamespace(dimensions={"identity A": {"visible": True}})))
    assert check_unaddressed_share(0.5, toy) and not check_unaddressed_share(0.75, toy)  # shaming counts as addressed

    end = {r: scenario(response=r).summary()["end"].xs("cohesion", level="measure") for r in ("shaming", "addressed")}
    drop = end["shaming"] - end["addressed"]
    worst = drop.idxmin()
    assert check_shamed_role(worst) and not check_shamed_role(drop.idxmax())
    aliases = {"source": ["the member who made the remark", "Made-a-remark", "'source'"], "target": ["Targeted", "the target"], "bystander": ["bystanders"]}
    assert all(check_shamed_role(alias) for alias in aliases[worst])
    assert check_shamed_role(None).correct is None and not check_shamed_role("the leader") and "not 'the leader'" in check_shamed_role("the leader").message

    shares = {f: scenario(**{f: 0.95}).responses["addressed"] for f in ("humility", "comfort", "opportunities")}
    best = max(shares, key=shares.get)
    assert check_addressing_facet(best) and check_addressing_facet(f"Cultural {best.title()}")
    assert not check_addressing_facet(min(shares, key=shares.get)) and not check_addressing_facet("empathy")
    assert check_addressing_facet(None).correct is None
    assert best == "opportunities"  # the facet that decides whether it is addressed at all (CultureModel)


# --- reasonable variants are accepted, wrong answers still rejected ---------------------------------

def test_numbers_count_within_one_unit_of_the_last_decimal_and_say_so():
    exact = np.mean([EXAMPLE_ANSWERS[i] for i in INST.items_of("PB")])  # 70 / 13 = 5.3846...
    assert round(exact, 2) == 5.38
    for right in (5.38, 5.39, 5.385, "5.38", " 5,38 ", "5.38 points", exact):
        assert check_pb_score(right), right
    for wrong in (5.40, 5.37 - 0.01, 5.17, 53.8, "5.38%", "five", True, float("nan"), float("inf")):
        assert not check_pb_score(wrong), wrong
    assert "within 0.01" in check_pb_score(5.39).message and "within 0.01" in check_pb_score(5.5).message
    assert check_pb_score("").correct is None and check_pb_score("  ").correct is None

    truth = rci(0.8, 0.85)  # 0.8588...
    assert check_rci(0.86, sd=0.8, reliability=0.85) and check_rci(0.85, sd=0.8, reliability=0.85)
    assert not check_rci(0.88, sd=0.8, reliability=0.85) and not check_rci(round(truth / 1.96, 2), sd=0.8, reliability=0.85)


def test_shares_as_fractions_or_percentages():
    from types import SimpleNamespace

    import pandas as pd

    from gqkit.exercises import check_unaddressed_share

    events = pd.DataFrame({"kind": "rupture", "type": "cultural", "group": "g001", "rupture_id": [f"r{i}" for i in range(100)],
                           "session": 3, "level": "MM", "dimension": "identity A", "member": "m02", "source": "m05",
                           "member_named": False, "response": ["not addressed"] * 21 + ["addressed"] * 79, "resolved": True,
                           "quality": float("nan")})  # fmt: skip
    toy = SimpleNamespace(events=events, config=SimpleNamespace(culture=SimpleNamespace(dimensions={"identity A": {"visible": True}})))
    for right in (0.21, ".21", "0,21", 21, "21%", "21 %", 21.0, "21 percent"):
        assert check_unaddressed_share(right, toy), right
    for wrong in (0.79, 79, "79%", 0.25, 25, "2.1%", 0.021, "most", -21):
        assert not check_unaddressed_share(wrong, toy), wrong


def test_event_recall_takes_a_percentage_too():
    from gqkit import load_example
    from gqkit.detect import ChangeAlert
    from gqkit.evaluate import evaluate, pointwise
    from gqkit.exercises import check_event_recall

    course = load_example("course")
    detections = ChangeAlert().detect(course.scores())
    recall = evaluate(course, detections).iloc[0]["recall"]
    assert check_event_recall(f"{100 * recall:.0f}%") and check_event_recall(round(100 * recall)) and check_event_recall(round(recall, 2))
    session_level = pointwise(course, detections)["recall"]  # the trap the notebook warns about
    if abs(session_level - recall) > 0.02:
        assert not check_event_recall(round(session_level, 2)) and not check_event_recall(f"{100 * session_level:.0f}%")


def test_scale_and_level_by_code_or_name():
    from gqkit.exercises import check_mystery_level, mystery_group

    for right in ("PW ML", "pw ml", "PW-ML", "PWxML", "pw × ml", "pwml", ("PW", "ML"), ("pw", "member-leader"),
                  "Positive Working, member–leader", "positive working member leader", "PW / Member-Leader", "the PW ML facet"):
        assert check_missing_facet(right), right
    for wrong in ("PW MG", "PB ML", "PW", "ML", "PW all", "PW whole subscale", "NR ML", "member-leader positive bonding",
                  "PW PB ML", "xyz", 5):
        assert not check_missing_facet(wrong), wrong
    assert "could not read" in check_missing_facet("PW").message

    level = mystery_group().events.query("kind == 'rupture'").iloc[0]["level"]
    words = {"MM": "member-member", "ML": "member-leader", "MG": "member-group"}[level]
    for right in (level, level.lower(), words, words.upper(), words.replace("-", " "), words.replace("-", "_"),
                  words.replace("-", " to "), words.replace("-", "–"), f"the {words} level", words.title()):
        assert check_mystery_level(right), right
    for wrong in [lv for lv in ("MM", "ML", "MG") if lv != level] + ["all", "group", "member", "leader", "", "MGX"]:
        if wrong:
            assert not check_mystery_level(wrong), wrong
    assert check_mystery_level("").correct is None


def test_member_by_number_or_id():
    from gqkit.exercises import check_mystery_member, mystery_group

    member = mystery_group().events.query("kind == 'rupture'").iloc[0]["member"]
    k = int(member[1:])
    for right in (k, str(k), member, member.upper(), f"m{k}", f"member {k}", f" {member} ", float(k)):
        assert check_mystery_member(right), right
    for wrong in (k + 1, f"m{k + 1:02d}", f"m{k}{k}", "m", "someone", True):
        assert not check_mystery_member(wrong), wrong


def test_rules_by_name_or_class():
    from gqkit import detect, load_example
    from gqkit.evaluate import evaluate
    from gqkit.exercises import check_best_mg_rule

    course = load_example("course")
    scores = course.scores()
    rules = [cls() for cls in detect.RULES.values() if cls.finds_ruptures]  # the registry, as the check reads it
    assert {r.name for r in rules} == {name for name, cls in detect.RULES.items() if cls.finds_ruptures} and "sudden_gain" not in {r.name for r in rules}
    recall = {r.name: evaluate(course, r.detect(scores)).set_index(["scope", "key"]).loc[("level", "MG"), "recall"] for r in rules}
    classes = {r.name: type(r).__name__ for r in rules}
    name = max(recall, key=recall.get)
    for right in (name, name.upper(), name.replace("_", " "), name.replace("_", "-"), classes[name], f"{name} alert", f"'{name}'"):
        assert check_best_mg_rule(right), right
    others = [n for n in recall if recall[n] < recall[name]]
    assert others and not any(check_best_mg_rule(n) for n in others) and not check_best_mg_rule(classes[others[0]])
    assert "not 'nonsense'" in check_best_mg_rule("nonsense").message
    assert all(r.name in check_best_mg_rule("nonsense").message for r in rules)  # the names offered come from the registry
    assert not check_best_mg_rule("sudden_gain") and not check_best_mg_rule("SuddenGain")  # gains are not ruptures


def test_recall_gap_check_accepts_the_gap_and_rejects_zero():
    from gqkit import load_example
    from gqkit.detect import VEpisode
    from gqkit.evaluate import evaluate, pointwise
    from gqkit.exercises import check_recall_gap

    course = load_example("course")
    d = VEpisode().detect(course.scores())
    gap = evaluate(course, d).iloc[0]["recall"] - pointwise(course, d)["recall"]
    assert gap > 0.1 and check_recall_gap(round(gap, 2)) and not check_recall_gap(0.0) and check_recall_gap(None).correct is None


# --- notebook 07: research sandbox -------------------------------------------------------------------

def _below_own_mean(history, drop=1.0):
    past = history[:-1][~np.isnan(history[:-1])]
    if len(past) < 2 or np.isnan(history[-1]):
        return np.nan
    return (past.mean() - history[-1]) / drop


def _smoothed_change():
    """Notebook 07's change alert on three-session averages: centred (peeks at the next session) or trailing."""
    import dataclasses
    import warnings
    from typing import ClassVar

    from gqkit.detect import ChangeAlert

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class SmoothedChange(ChangeAlert):
        name: ClassVar[str] = "smoothed_change"
        centred: bool = True

        def evidence(self, panel):
            x = panel.values
            S = x.shape[1]
            window = []
            for d in (-1, 0, 1) if self.centred else (-2, -1, 0):
                moved = np.full_like(x, np.nan)
                moved[:, max(0, -d) : S - max(0, d)] = x[:, max(0, d) : S - max(0, -d)]
                window.append(moved)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                smooth = np.where(np.isnan(x), np.nan, np.nanmean(window, axis=0))
            return super().evidence(dataclasses.replace(panel, values=smooth))

    return SmoothedChange(), SmoothedChange(centred=False)


def test_own_threshold_check_takes_the_best_precision_among_values_that_reach_the_recall():
    from gqkit import simulate
    from gqkit.detect import FunctionRule
    from gqkit.evaluate import sweep, sweep_values
    from gqkit.exercises import check_own_threshold

    mine = FunctionRule(func=_below_own_mean, params={"drop": 1.0}, scales=("PB",), level="MG", label="below_own_mean")
    cohort = simulate(n_groups=30, seed=4)
    drops = sweep_values(mine, "params__drop")
    curve = sweep(mine, "params__drop", drops, cohort, scope="MG").set_index("value")  # the rule claims MG: scored on MG ruptures
    target = float(curve["recall"].median())  # a target some values reach and others do not
    reach = curve[curve["recall"] >= target]
    best = reach["precision"].idxmax()
    check = lambda answer, **kw: check_own_threshold(answer, mine, cohort=cohort, target=target, **kw)  # noqa: E731
    for right in (best, f"{best:g}", f"{best:g}".replace(".", ","), f" {best:g} ", best + 0.004):
        assert check(right), right
    assert "precision" in check(best).message and "member-group" in check(best).message
    short = curve[curve["recall"] < target].index
    assert len(short) and all(not check(v) and "below" in check(v).message for v in short)
    others = [v for v in reach.index if v != best]
    assert others and all(not check(v) and "another value" in check(v).message for v in others)
    for wrong in (best + 0.01, f"{100 * best:g}%", "low", True, float("nan")):
        assert not check(wrong), wrong
    assert "values of params__drop swept" in check(best + 0.01).message
    assert check(None).correct is None and check("").correct is None
    unreachable = check_own_threshold(best, mine, cohort=cohort, target=1.01)
    assert not unreachable and "no value of params__drop reaches" in unreachable.message
    # another parameter and grid of a built-in, scored on all ruptures (a rule with no level claim)
    from gqkit.detect import VEpisode

    k_curve = sweep(VEpisode(), "k", [0.5, 1.0, 2.0], cohort).set_index("value")
    if (k_curve["recall"] >= 0.1).any():
        k_best = k_curve[k_curve["recall"] >= 0.1]["precision"].idxmax()
        assert check_own_threshold(k_best, VEpisode(), cohort=cohort, param="k", values=[0.5, 1.0, 2.0], target=0.1)


def test_peeking_check_names_the_check_only_the_centred_average_fails():
    from gqkit import check_rule
    from gqkit.exercises import check_peeking

    centred, trailing = _smoothed_change()
    check_rule(trailing)  # the honest twin keeps the contract
    with pytest.raises(AssertionError, match="causality"):
        check_rule(centred)
    for right in ("causality", "Causality", "the causality check", "causality check", "causal", "'causality'", "CAUSALITY"):
        assert check_peeking(right, centred, trailing), right
    for wrong in ("online", "batch independence", "batch", "edge cases", "output", "parameters"):
        feedback = check_peeking(wrong, centred, trailing)
        assert not feedback and "passes for the peeking rule" in feedback.message, wrong
    for unknown in ("the future", "leakage", 3):
        assert not check_peeking(unknown, centred, trailing) and "name of one check" in check_peeking(unknown, centred, trailing).message
    assert check_peeking(None, centred, trailing).correct is None
    assert not check_peeking("causality", trailing, centred)  # the two rules swapped: nothing only the first fails
    assert check_peeking("causality", centred)  # without a twin, every check the rule fails counts


def test_level_recall_gap_check_is_yours_minus_the_builtins_at_the_level():
    from gqkit import simulate
    from gqkit.detect import ChangeAlert, FunctionRule, VEpisode
    from gqkit.evaluate import evaluate
    from gqkit.exercises import check_level_recall_gap

    mine = FunctionRule(func=_below_own_mean, scales=("PB",), level="MG", label="below_own_mean")
    cohort = simulate(n_groups=30, seed=4)
    scores = cohort.scores()
    recall = {name: evaluate(cohort, r.detect(scores)).set_index(["scope", "key"]).loc[("level", "MG"), "recall"]
              for name, r in (("mine", mine), ("fair", ChangeAlert(level="MG", scales=("PB",))))}  # fmt: skip
    gap = recall["mine"] - recall["fair"]
    check = lambda answer, **kw: check_level_recall_gap(answer, mine, cohort=cohort, **kw)  # noqa: E731
    for right in (round(gap, 2), f"{gap:.2f}", f"{100 * gap:.0f}%" if abs(gap) >= 0.01 else round(gap, 2), gap):
        assert check(right), right
    for wrong in (round(gap + 0.05, 2), round(-gap - 0.05, 2) if abs(gap) < 0.02 else round(-gap, 2), "more", True):
        assert not check(wrong), wrong
    assert check(None).correct is None
    other = VEpisode(level="MG", scales=("PB",))
    v_gap = recall["mine"] - evaluate(cohort, other.detect(scores)).set_index(["scope", "key"]).loc[("level", "MG"), "recall"]
    assert check(round(v_gap, 2), builtin=other)
    assert not check_level_recall_gap(0.1, ChangeAlert(), cohort=cohort)  # a rule with no level claim cannot answer it


# --- notebook 08: who with whom ------------------------------------------------------------------


def test_strained_pair_check_takes_the_hidden_pair_in_any_order_and_notation():
    from gqkit import srm
    from gqkit.exercises import check_strained_pair, srm_mystery
    from gqkit.plots import round_robin_slice

    mystery = srm_mystery()
    assert mystery.truth.empty  # nothing outlines the answer
    effects = srm(round_robin_slice(mystery, session=8), groups=(), by=(), min_var=None).relationship
    dyads = effects.groupby("dyad")["relationship"].mean().sort_values()
    a, b = sorted(effects.loc[effects["dyad"] == dyads.index[0], "rater"])  # the pair with the lowest effects both ways: the hidden one
    x, y = int(a[1:]), int(b[1:])
    for right in (f"{a}>{b}", f"{b}>{a}", f"{a}-{b}", f"{a} - {b}", f"{x} and {y}", f"m{x}, m{y}", (x, y), [b, a], f"{a.upper()}/{b.upper()}",
                  f"the pair {a} and {b}", f"{b}→{a}", f"{x}-{y}"):  # fmt: skip
        assert check_strained_pair(right), right
    assert "member strained" in check_strained_pair(f"{a}>{b}").message
    for other in dyads.index[1:6]:
        c, d = sorted(effects.loc[effects["dyad"] == other, "rater"])
        feedback = check_strained_pair(f"{c}>{d}")
        assert not feedback and "orange side" in feedback.message, (c, d)
    for wrong in (a, x, f"{a} and {a}", f"{a} {b} m01", "m09 and m01", f"{x}.{y}", float(x), True, "the strained one"):
        feedback = check_strained_pair(wrong)
        assert not feedback and "name two different members" in feedback.message, wrong
    assert check_strained_pair(None).correct is None and check_strained_pair("  ").correct is None


def test_relationship_share_check_reads_the_pooled_srm():
    from gqkit import round_robin_ratings, simulate, srm
    from gqkit.exercises import check_relationship_share

    cohort = simulate(n_groups=20, seed=4)
    pooled = srm(round_robin_ratings(cohort).ratings, missing="impute").pooled
    row = pooled.query("session == 8 and item == 'conflict_a' and component == 'relationship variance'")
    share = float(row["standardized"].item())
    check = lambda answer: check_relationship_share(answer, cohort, session=8, item="conflict_a")  # noqa: E731
    for right in (round(share, 2), f"{share:.2f}", f"{100 * share:.0f}%", f"{share:.2f}".replace(".", ","), share):
        assert check(right), right
    actor = float(pooled.query("session == 8 and item == 'conflict_a' and component == 'actor variance'")["standardized"].item())
    for wrong in (round(share + 0.05, 2), round(actor, 2), "most", True):
        assert not check(wrong), wrong
    assert check(None).correct is None
    assert 0.5 < share < 0.85  # relationship and error together: the largest share, as the simulator puts it in


def test_actor_shift_check_is_one_over_the_members_present():
    from gqkit import round_robin_ratings, srm
    from gqkit.exercises import check_actor_shift, pair_rupture_group
    from gqkit.plots import round_robin_slice

    one = round_robin_slice(round_robin_ratings(pair_rupture_group()), session=8)
    raised = one.assign(rating=one["rating"] + 2.0 * ((one["rater"] == "m03") & (one["target"] == "m07")))
    actor = [srm(t, groups=(), by=()).person.set_index("member").loc["m03", "actor"] for t in (one, raised)]
    n = one["rater"].nunique()
    assert actor[1] - actor[0] == pytest.approx(2.0 / n)  # a rating moves its rater's actor effect by 1/n of its change
    for right in (0.125, "0.13", "0,12", "1/8", " 1 / 8 "):
        assert check_actor_shift(right), right
    assert "1/8 of the 1 point" in check_actor_shift(0.125).message
    for wrong in (1.0, 0.73, "1/7", 0.14, "a little", True):
        assert not check_actor_shift(wrong), wrong
    assert check_actor_shift(0.25, "m03", "m07", points=2.0) and not check_actor_shift(0.125, "m03", "m07", points=2.0)
    assert not check_actor_shift(0.1, "m02", "m02") and "did not rate" in check_actor_shift(0.1, "m02", "m02").message
    assert check_actor_shift(None).correct is None
