"""The notebooks' check functions accept right answers and reject wrong ones."""

import numpy as np

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
    assert not check_unaddressed_share(round(100 * never)) and "not a percentage" in check_unaddressed_share(round(100 * never)).message
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
