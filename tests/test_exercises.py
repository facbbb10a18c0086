"""The notebooks' check functions accept right answers and reject wrong ones."""

import numpy as np

from gqkit import Instrument, rci
from gqkit.exercises import EXAMPLE_ANSWERS, check_missing_facet, check_pb_score, check_rci, example_member

INST = Instrument.default()


def test_example_covers_every_item():
    assert set(EXAMPLE_ANSWERS) == set(INST.items)
    assert example_member()["response"].notna().all()
    assert example_member(missing=("gq05",)).set_index("item").loc["gq05", "response"] is not None


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
