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


def test_repair_explorer_quality_one_beats_never_repairing():
    from gqkit.repair import repair_contrast
    from gqkit.widgets import RepairExplorer

    ex = RepairExplorer(level="ML", severity=2.0, repair_session=8, quality=0.5)
    ex.controls["quality"].value = 1.0
    s = ex.contrast.summary()
    assert ex.contrast.rupture.quality == 1.0 and ex.contrast.rupture.repaired_at == 8
    assert s["after_with"] > s["after_without"]  # the member's mean bond after the repair beats never repairing
    expected = repair_contrast(level="ML", severity=2.0, repair_session=8, quality=1.0)
    np.testing.assert_array_equal(ex.contrast.relationship, expected.relationship)
    assert f'class="gq-after-with">{s["after_with"]:.2f}<' in ex.summary.value
    assert f'class="gq-oq-without">{s["final_oq_without"]:.1f}<' in ex.summary.value
    # the figure shows those arrays, in the lines it already had
    left, right = ex.axes
    with_line = next(line for line in left.get_lines() if line.get_gid() == "gq-with")
    np.testing.assert_array_equal(with_line.get_ydata(), expected.relationship[0])
    np.testing.assert_array_equal(next(line for line in right.get_lines() if line.get_gid() == "gq-without").get_ydata(), expected.oq[1])


def test_repair_explorer_follows_every_control_and_reuses_its_artists():
    from gqkit.widgets import RepairExplorer

    ex = RepairExplorer(quality=0.2)
    lines = [list(ax.get_lines()) for ax in ex.axes]
    png, low = ex.image.value, ex.contrast.summary()["after_with"]
    ex.controls["quality"].value = 0.9
    assert ex.image.value != png and ex.contrast.summary()["after_with"] > low
    ex.controls["repair_session"].value = 12
    repair_line = next(line for line in ex.axes[0].get_lines() if line.get_gid() == "gq-repair")
    assert list(repair_line.get_xdata()) == [12, 12] and "from session 12 on" in ex.summary.value
    ex.controls["severity"].value = 3.0
    assert ex.contrast.rupture.severity == 3.0
    ex.controls["level"].value = "MG"
    assert ex.contrast.facet_level == "MG" and "member-group" in ex.axes[0].get_title()
    ex.controls["level"].value = "MM"
    ex.controls["scale"].value = "PW"
    assert ex.contrast.facet_level == "all"  # no member-member items for PW: the subscale instead
    assert [list(ax.get_lines()) for ax in ex.axes] == lines  # same artists, new data
    assert ex.error is None and ex.message.value == ""


def test_repair_explorer_never_and_valid_ranges():
    from gqkit import GQConfigError
    from gqkit.widgets import RepairExplorer

    ex = RepairExplorer(onset=6, n_sessions=12)
    options = [value for _, value in ex.controls["repair_session"].options]
    assert options == [7, 8, 9, 10, 11, 12, RepairExplorer.NEVER]  # only sessions after the onset
    ex.controls["repair_session"].value = RepairExplorer.NEVER
    assert ex.controls["quality"].disabled and not ex.contrast.repaired
    np.testing.assert_array_equal(ex.contrast.relationship[0], ex.contrast.relationship[1])
    assert "Never repaired" in ex.summary.value
    assert not RepairExplorer(repair_session=None).contrast.repaired
    with_line = next(line for line in ex.axes[0].get_lines() if line.get_gid() == "gq-with")
    assert not with_line.get_visible()
    ex.controls["repair_session"].value = 9
    assert not ex.controls["quality"].disabled and with_line.get_visible()
    for bad in ({"repair_session": 6, "onset": 6}, {"onset": 16}, {"quality": 1.5}, {"severity": 9.0}):
        try:
            RepairExplorer(**bad)
        except GQConfigError:
            continue
        raise AssertionError(f"{bad} was accepted")


def test_repair_explorer_callback_never_raises():
    from gqkit.widgets import RepairExplorer

    ex = RepairExplorer()
    png = ex.image.value

    def broken(**kwargs):
        raise RuntimeError("simulated failure")

    working, ex._contrast_of = ex._contrast_of, broken
    ex.controls["quality"].value = 0.3  # must not raise
    assert isinstance(ex.error, RuntimeError) and "simulated failure" in ex.message.value
    assert ex.image.value == png  # the last good picture stays
    ex._contrast_of = working
    ex.controls["quality"].value = 0.4
    assert ex.error is None and ex.message.value == "" and ex.contrast.rupture.quality == 0.4


def test_repair_explorer_blitted_picture_equals_a_full_redraw():
    import io

    from PIL import Image

    from gqkit.widgets import RepairExplorer, figure_png

    def pixels(png):
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))

    ex = RepairExplorer()
    oq_axis = ex.axes[1].get_ylim()
    for name, value in [("quality", 1.0), ("repair_session", 12), ("quality", 0.0), ("repair_session", RepairExplorer.NEVER),
                        ("scale", "NR"), ("repair_session", 7), ("level", "MG"), ("severity", 3.0)]:  # fmt: skip
        ex.controls[name].value = value
        np.testing.assert_array_equal(pixels(ex.image.value), pixels(figure_png(ex.figure)), err_msg=f"{name}={value}")
        if name in ("quality", "repair_session") and ex.controls["scale"].value == "PB":
            low, high = ex.axes[1].get_ylim()
            assert low <= oq_axis[0] and high >= oq_axis[1]  # the OQ axis only widens while the repair moves
            oq_axis = (low, high)
