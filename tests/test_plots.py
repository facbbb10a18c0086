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


def test_trial_change_draws_each_arm_side_by_side():
    import pandas as pd
    from matplotlib.collections import PolyCollection

    from gqkit import GQConfigError, Trial
    from gqkit.plots import NOT_AT_RISK_COLOUR, trial_change

    rng = np.random.default_rng(0)
    arms = ["no feedback", "feedback", "committed"]
    members = pd.DataFrame({"arm": np.repeat(arms, 40), "group": [f"{a}:g{i // 8}" for a in arms for i in range(40)],
                            "therapist": [f"t{i // 8}" for _ in arms for i in range(40)], "change": rng.normal(8, 15, 120),
                            "dropped_out": False, "not_on_track": np.tile([True, False, False, False], 30)})  # fmt: skip
    members.loc[5, "change"] = np.nan  # never seen twice: left out
    trial = Trial.from_members(members)
    fig, ax = plt.subplots()
    assert trial_change(trial, ax=ax) is ax
    assert [t.get_text() for t in ax.get_xticklabels()] == arms
    violins = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(violins) == 2 * len(arms)  # one pair per arm: not on track, on track
    centres = [round(float(np.ptp(x) / 2 + x.min()), 1) for x in (v.get_paths()[0].vertices[:, 0] for v in violins)]
    colours = [matplotlib.colors.to_hex(v.get_facecolor()[0], keep_alpha=False) for v in violins]
    assert sorted(zip(centres, colours)) == sorted((i + d, c) for i in range(3) for d, c in ((-0.2, RUPTURE_COLOUR.lower()), (0.2, NOT_AT_RISK_COLOUR.lower())))
    means = [line for line in ax.get_lines() if line.get_marker() == "D"]
    on_track = members[~members["not_on_track"]].groupby("arm", sort=False)["change"].mean()
    np.testing.assert_allclose(means[1].get_ydata(), on_track[arms].to_numpy())
    assert ax.get_ylabel() == "OQ-45 change from first session (positive = better)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["not on track", "on track"]
    plt.close(fig)
    ax = trial_change(trial, by=None)
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == len(arms)
    plt.close(ax.figure)
    with pytest.raises(GQConfigError, match="by"):
        trial_change(trial, by="ruptured")


def test_detection_grid_moves_its_marks_on_a_second_call():
    from gqkit import load_example
    from gqkit.detect import ChangeAlert
    from gqkit.evaluate import match_events
    from gqkit.plots import OUTCOME_STYLES, detection_grid

    c = load_example("course")
    members = [f"m{i:02d}" for i in range(1, 9)]
    loose = match_events(c, ChangeAlert(threshold=0.3).detect(c.scores()))
    ax = detection_grid(loose, group="g001", members=members, n_sessions=16, attended=c.attended[0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(OUTCOME_STYLES)
    many = sum(len(col.get_offsets()) for col in ax.collections)
    strict = match_events(c, ChangeAlert(threshold=2.4).detect(c.scores()))
    detection_grid(strict, group="g001", members=members, n_sessions=16, attended=c.attended[0], ax=ax)
    assert len(ax.collections) == len(OUTCOME_STYLES) and len(ax.get_images()) == 1  # moved, not drawn again
    assert sum(len(col.get_offsets()) for col in ax.collections) < many


def test_dark_is_worse_on_every_scale_and_the_colour_bar_shows_true_values(classroom):
    from gqkit.detect import WORSE
    from gqkit.plots import scale_colormap

    _, scores = classroom
    for scale in ("PB", "PW", "NR"):
        fig, ax = plt.subplots()
        heatmap(scores, scale=scale, level="ML", ax=ax)
        image = ax.get_images()[0]
        low, high = image.to_rgba(np.array([1.0, 7.0]))[:, :3].sum(axis=1)  # brightness of the lowest and the highest score
        assert (high < low) == (WORSE[scale] > 0), scale  # the worse end is the dark end
        assert image.get_cmap().name == scale_colormap(scale) and image.get_clim() == (1, 7)
        bar = image.colorbar
        assert bar.vmin == 1 and bar.vmax == 7 and bar.ax.get_ylabel() == f"score (higher = {'worse' if scale == 'NR' else 'better'})"
        plt.close(fig)


def test_a_second_heatmap_on_the_same_axes_moves_the_data_and_marks(classroom):
    cohort, scores = classroom
    fig, ax = plt.subplots()
    heatmap(scores, scale="PB", level="MM", events=cohort.events, ax=ax)
    image, marks = ax.get_images()[0], list(ax.collections)
    heatmap(scores, scale="NR", level="ML", events=cohort.events, ax=ax)
    assert ax.get_images() == [image] and list(ax.collections) == marks and len(fig.axes) == 2  # one image, one colour bar
    sel = scores[(scores.scale == "NR") & (scores.level == "ML")]
    np.testing.assert_array_equal(np.ma.filled(image.get_array().astype(float), np.nan),
                                  sel.pivot(index="member", columns="session", values="score").to_numpy(dtype=float))  # fmt: skip
    rows = {m: i for i, m in enumerate(sorted(scores.member.unique()))}
    offsets = {c.get_gid(): sorted(map(tuple, c.get_offsets().tolist())) for c in ax.collections}
    assert offsets == {"gq-rupture": [(8, rows["m03"])], "gq-repair": []}  # m03's withdrawal from the leader, never repaired
    assert ax.get_title() == "Negative Relationship, member-leader" and image.colorbar.ax.get_ylabel() == "score (higher = worse)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["rupture onset", "repair"]
    plt.close(fig)


def test_level_heatmaps_line_up_their_rows_and_explain_the_marks_once(classroom):
    cohort, scores = classroom
    sparse = scores[~((scores.member == "m04") & (scores.level == "MG"))]  # m04 has no member-group score
    axes = level_heatmaps(sparse, scale="PB", events=cohort.events)
    assert [ax.get_images()[0].get_array().shape for ax in axes] == [(8, 16)] * 3
    assert np.isnan(np.ma.filled(axes[2].get_images()[0].get_array().astype(float), np.nan)[3]).all()  # a blank row, not a missing one
    assert [ax.get_legend() is not None for ax in axes] == [False, True, False]
    assert [t.get_text() for t in axes[1].get_legend().get_texts()] == ["rupture onset", "repair"]
    assert len(level_heatmaps(scores, scale="PW", events=cohort.events, axes=axes)[0].get_images()) == 0  # PW: no member-member items
    assert axes[0].get_title().endswith("no items") and [ax.get_legend() is not None for ax in axes] == [False, True, False]
    plt.close(axes[0].figure)


def test_trajectories_move_their_lines_and_marks_on_a_second_call(classroom):
    cohort, scores = classroom
    ax = trajectories(scores, scale="PB", level="MM", members=["m02", "m05"], events=cohort.events)
    first = ax.get_lines()[0]
    trajectories(scores, scale="PB", level="MG", members=["m06"], events=cohort.events, ax=ax)
    assert ax.get_lines() == [first] and first.get_label() == "m06"
    m06 = scores[(scores.member == "m06") & (scores.scale == "PB") & (scores.level == "MG")].set_index("session")["score"]
    np.testing.assert_array_equal(first.get_ydata(), m06.to_numpy())
    offsets = {c.get_gid(): c.get_offsets().tolist() for c in ax.collections}
    assert offsets == {"gq-rupture": [[11, m06[11]]], "gq-repair": [[13, m06[13]]]}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["m06", "rupture onset", "repair"]
    plt.close(ax.figure)
