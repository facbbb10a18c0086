"""Widgets driven headlessly: set .value, check what they show."""

import math

import numpy as np

from gqkit import Instrument, rci
from gqkit.exercises import EXAMPLE_ANSWERS
from gqkit.widgets import RCIExplorer, ScoreExplorer

INST = Instrument.default()


def test_score_explorer_shows_the_example_scores():
    ex = ScoreExplorer(EXAMPLE_ANSWERS)
    pb = [EXAMPLE_ANSWERS[i] for i in INST.items_of("PB")]
    assert ex.score_of("PB") == np.mean(pb)
    assert f"{np.mean(pb):.2f}" in ex.table.value
    assert ex.table.value.count('class="gq-empty"') == len(INST.empty_cells)


def test_changing_an_answer_updates_scores_and_table():
    ex = ScoreExplorer(EXAMPLE_ANSWERS)
    before = ex.table.value
    item = INST.items_of("NR", "ML")[0]
    ex.answer_sliders[item].value = 7
    expected = np.mean([7 if i == item else EXAMPLE_ANSWERS[i] for i in INST.items_of("NR", "ML")])
    assert ex.score_of("NR", "ML") == expected
    assert ex.table.value != before and f"{expected:.2f}" in ex.table.value


def test_skipping_and_prorate_slider_interact():
    ex = ScoreExplorer(EXAMPLE_ANSWERS)
    item = INST.items_of("PW", "ML")[0]
    ex.answer_sliders[item].value = ScoreExplorer.NO_ANSWER
    assert math.isnan(ex.score_of("PW", "ML"))
    assert 'class="gq-missing" title="1 of 3 items missing; at most 0 allowed"' in ex.table.value
    ex.prorate_slider.value = 0.35
    assert not math.isnan(ex.score_of("PW", "ML"))


def test_no_answers_at_all_says_so():
    ex = ScoreExplorer({i: None for i in INST.items})
    assert "Answer at least one item" in ex.table.value and ex.scores.empty
    for item in INST.items_of("PW", "ML"):
        ex.answer_sliders[item].value = 3
    assert ex.score_of("PW", "ML") == 3.0
    assert ex.table.value.count('class="gq-missing"') == len(INST.facets) - 1


def test_rci_explorer_follows_its_sliders():
    ex = RCIExplorer()
    ex.sd_slider.value = 1.5
    ex.reliability_slider.value = 0.8
    assert ex.threshold == rci(1.5, 0.8)
    assert f"{rci(1.5, 0.8):.2f}" in ex.result.value


def test_simulation_explorer_follows_its_controls():
    from gqkit.widgets import SimulationExplorer

    ex = SimulationExplorer(level="ML", type="withdrawal", member=2, session=5, repaired_at=8)

    def scripted(kind):
        ev = ex.cohort.events
        return ev[(ev.cause == "scripted") & (ev.kind == kind)]

    assert scripted("rupture")[["session", "level", "member"]].values.tolist() == [[5, "ML", "m02"]]
    assert scripted("repair")["session"].tolist() == [8]
    assert (ex.cohort.events.cause == "scripted").all()  # random ruptures are off by default
    png = ex.image.value
    assert png[:4] == b"\x89PNG"
    ex.controls["repaired"].value = False
    assert scripted("repair").empty and ex.image.value != png
    ex.controls["level"].value = "MM"
    assert set(scripted("rupture")[["member", "source"]].iloc[0]) == {"m02", "m03"}
    ex.controls["n_sessions"].value = 8
    assert ex.controls["session"].max == 7 and ex.cohort.attended.shape[-1] == 8
    ex.controls["session"].value = 7
    assert ex.controls["repaired_at"].min == 8
    ex.controls["random_ruptures"].value = True
    ex.controls["seed"].value = 3
    assert "What really happened" in ex.summary.value


def test_detection_explorer_recomputes_on_every_control():
    from gqkit import load_example
    from gqkit.evaluate import evaluate
    from gqkit.widgets import DetectionExplorer

    course = load_example("course")
    ex = DetectionExplorer(course)
    first = ex.metrics.loc[("overall", "all"), "detections"]
    ex.controls["knob"].value = 0.4
    assert ex.metrics.loc[("overall", "all"), "detections"] > first
    expected = evaluate(course, ex.rule().detect(course.scores()), (0, 3)).set_index(["scope", "key"])
    assert ex.metrics.loc[("overall", "all"), "recall"] == expected.loc[("overall", "all"), "recall"]
    ex.controls["rule"].value = "v_episode"
    assert ex.controls["knob"].description == "k (SDs)" and ex.controls["knob"].value == 1.0
    assert type(ex.rule()).__name__ == "VEpisode" and "Session by session" in ex.table.value
    ex.controls["tolerance"].value = 0
    assert ex.metrics.loc[("overall", "all"), "median_delay"] >= 0
