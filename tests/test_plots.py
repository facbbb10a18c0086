"""Figures draw what the tables hold."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gqkit import load_example  # noqa: E402
from gqkit.plots import REPAIR_COLOUR, RUPTURE_COLOUR, heatmap, level_heatmaps, trajectories  # noqa: E402


@pytest.fixture(scope="module")
def classroom():
    cohort = load_example("classroom")
    return cohort, cohort.scores()


def test_heatmap_shows_the_scores_and_returns_its_axes(classroom):
    cohort, scores = classroom
    fig, ax = plt.subplots()
    assert heatmap(scores, scale="NR", level="MM", ax=ax) is ax
    shown = ax.get_images()[0].get_array()
    sel = scores[(scores.scale == "NR") & (scores.level == "MM")]
    expected = sel.pivot(index="member", columns="session", values="score").to_numpy(dtype=float)
    np.testing.assert_array_equal(np.ma.filled(shown.astype(float), np.nan), expected)
    assert [t.get_text() for t in ax.get_yticklabels()] == sorted(sel["member"].unique())
    plt.close(fig)


def test_markers_sit_on_the_strained_members_rows(classroom):
    cohort, scores = classroom
    fig, ax = plt.subplots()
    heatmap(scores, scale="PB", level="MM", events=cohort.events, ax=ax)
    points = {}
    for coll in ax.collections:
        colour = matplotlib.colors.to_hex(coll.get_facecolor()[0] if len(coll.get_facecolor()) else coll.get_edgecolor()[0])
        points.setdefault(colour, []).extend(map(tuple, coll.get_offsets()))
    rows = {m: i for i, m in enumerate(sorted(scores.member.unique()))}
    assert sorted(points[RUPTURE_COLOUR.lower()]) == sorted([(5, rows["m02"]), (5, rows["m05"])])  # both members of the pair
    assert sorted(points[REPAIR_COLOUR.lower()]) == sorted([(7, rows["m02"]), (7, rows["m05"])])
    plt.close(fig)


def test_trajectories_draw_one_line_per_member(classroom):
    cohort, scores = classroom
    ax = trajectories(scores, scale="PB", level="ML", members=["m03", "m01"], events=cohort.events)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["m03", "m01"]
    m03 = scores[(scores.member == "m03") & (scores.scale == "PB") & (scores.level == "ML")].sort_values("session")
    np.testing.assert_array_equal(lines[0].get_ydata(), m03["score"].to_numpy())
    plt.close(ax.figure)


def test_level_heatmaps_leave_the_empty_cell_empty(classroom):
    _, scores = classroom
    axes = level_heatmaps(scores, scale="PW")
    assert axes[0].get_title().endswith("no items") and not axes[0].get_images()
    assert all(ax.get_images() for ax in axes[1:])
    plt.close(axes[0].figure)
