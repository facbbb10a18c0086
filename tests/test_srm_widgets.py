"""RoundRobinExplorer driven headlessly through the comm, as a browser drives it; and the round-robin figures it draws."""

import io
import re
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from test_widget_sweep import Front, errors_reach_the_log, interactive, sweep  # noqa: E402, F401 -- the fixture makes callback errors reach the log

from gqkit import GQConfigError, GQDataError, RoundRobinModel, Rupture, round_robin_ratings, simulate, srm  # noqa: E402
from gqkit.plots import RUPTURE_COLOUR, round_robin_matrix, round_robin_slice, srm_decomposition  # noqa: E402
from gqkit.srm_widgets import RoundRobinExplorer  # noqa: E402
from gqkit.widgets import figure_png  # noqa: E402

QUIET = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def matrix_of(ax) -> np.ndarray:
    """The values an axes' matrix image shows."""
    image = next(im for im in ax.get_images() if im.get_gid() == "gq-matrix")
    return np.ma.filled(np.ma.asarray(image.get_array(), dtype=float), np.nan)


def grid(table: pd.DataFrame, members: list[str], value: str) -> np.ndarray:
    """Raters x targets of ``table[value]``, NaN where no rating (and on the diagonal)."""
    return table.pivot(index="rater", columns="target", values=value).reindex(index=members, columns=members).to_numpy(dtype=float)


def outlined_cells(ax, members: list[str]) -> set[tuple[str, str]]:
    """The (rater, target) cells the rupture outline goes round: each square starts at its cell's top left corner."""
    line = next(line for line in ax.get_lines() if line.get_gid() == "gq-pair")
    corners = np.asarray(line.get_xydata(), dtype=float)[0::6]
    return {(members[int(round(y + 0.5))], members[int(round(x + 0.5))]) for x, y in corners}


def expected_round_robin(ex: RoundRobinExplorer, shock: float | None = None):
    """The round robins the controls describe, simulated here from scratch."""
    c = {name: control.value for name, control in ex.controls.items()}
    rupture = Rupture(session=c["onset"], level="MM", type="withdrawal", member=c["strained"], source=c["other"],
                      repaired_at=None if c["repaired_at"] == RoundRobinExplorer.NEVER else c["repaired_at"])  # fmt: skip
    cohort = simulate(seed=c["seed"], n_members=ex.n_members, n_sessions=ex.n_sessions, ruptures=[rupture], **QUIET)
    return round_robin_ratings(cohort, RoundRobinModel(shock=c["shock"] if shock is None else shock), sessions=list(ex.sessions))


def srm_agrees(ex: RoundRobinExplorer) -> None:
    """The picture, the numbers and the text show the round robin the controls describe, and gqkit.srm of it."""
    c = {name: control.value for name, control in ex.controls.items()}
    rr = expected_round_robin(ex)
    one = round_robin_slice(rr, session=c["session"], item=c["item"])
    pd.testing.assert_frame_equal(ex.ratings, one)
    result = srm(one, groups=(), by=(), missing="impute", min_var=None)
    members = [f"m{m:02d}" for m in range(1, ex.n_members + 1)]
    ratings_ax, actor_ax, partner_ax, relationship_ax = ex.axes
    np.testing.assert_array_equal(matrix_of(ratings_ax), grid(one, members, "rating"))
    np.testing.assert_allclose(matrix_of(relationship_ax), grid(result.relationship, members, "relationship"), rtol=0, atol=1e-12)
    person = result.person.set_index("member").reindex(members)
    for ax, column in ((actor_ax, "actor"), (partner_ax, "partner")):
        widths = [bar.get_width() for bar in ax.patches if bar.get_gid() == "gq-effect"]
        np.testing.assert_allclose(widths, person[column].fillna(0.0).to_numpy(), rtol=0, atol=1e-12)
    s, o = f"m{c['strained']:02d}", f"m{c['other']:02d}"
    truth = rr.truth[(rr.truth["session"] == c["session"]) & rr.truth["ruptured"]]
    open_pairs = set(zip(truth["rater"], truth["target"]))
    assert open_pairs <= {(s, o), (o, s)}
    assert ex.outlined == outlined_cells(ratings_ax, members) == outlined_cells(relationship_ax, members) == open_pairs
    present = set(one["rater"])
    expected_state = ("absent" if not {s, o} <= present else "before" if c["session"] < c["onset"] else
                      "repaired" if c["repaired_at"] != RoundRobinExplorer.NEVER and c["session"] >= c["repaired_at"] else "open")  # fmt: skip
    assert ex.state == expected_state and f'data-state="{expected_state}"' in ex.summary.value
    assert open_pairs == ({(s, o), (o, s)} if expected_state == "open" else set() if expected_state in ("before", "repaired") else open_pairs)
    pair_colour = [bar.get_facecolor() == matplotlib.colors.to_rgba(RUPTURE_COLOUR) for bar in actor_ax.patches if bar.get_gid() == "gq-effect"]
    assert {members[i] for i, red in enumerate(pair_colour) if red} == {m for cell in open_pairs for m in cell}
    assert ex.image.value[:4] == b"\x89PNG"


def test_the_first_picture_shows_the_placed_rupture_open_at_session_8():
    ex = RoundRobinExplorer()
    srm_agrees(ex)
    assert ex.error is None and ex.message.value == ""
    assert ex.outlined == {("m02", "m05"), ("m05", "m02")} and ex.state == "open"
    assert ex.sessions == (2, 4, 6, 8, 10, 12, 14, 16)
    assert [value for _, value in ex.controls["other"].options] == [1, 3, 4, 5, 6, 7, 8]
    # the pair stands out in the relationship effects: its two are the lowest of the 56
    rel = ex.result.relationship.sort_values("relationship")
    assert set(zip(rel["rater"][:2], rel["target"][:2])) == {("m02", "m05"), ("m05", "m02")}
    assert 'data-pair="m02&gt;m05">1<' in ex.summary.value and 'data-pair="m05&gt;m02">2<' in ex.summary.value


def test_the_text_says_what_the_rupture_did_against_the_same_ratings_without_it():
    ex = RoundRobinExplorer()
    calm = expected_round_robin(ex, shock=0.0)
    before = srm(round_robin_slice(calm, session=8), groups=(), by=(), missing="impute", min_var=None)
    now = ex.result
    rel = {(r.rater, r.target): r.relationship for r in now.relationship.itertuples()}
    rel0 = {(r.rater, r.target): r.relationship for r in before.relationship.itertuples()}
    actor = now.person.set_index("member")["actor"] - before.person.set_index("member")["actor"]
    partner = now.person.set_index("member")["partner"] - before.person.set_index("member")["partner"]
    assert ex.effect["relationship"]["m02>m05"] == pytest.approx(rel["m02", "m05"] - rel0["m02", "m05"])
    assert ex.effect["relationship"]["m05>m02"] == pytest.approx(rel["m05", "m02"] - rel0["m05", "m02"])
    assert ex.effect["actor"]["m02"] == pytest.approx(actor["m02"]) and ex.effect["partner"]["m05"] == pytest.approx(partner["m05"])
    # the strain lands in the pair's relationship effects, several times what the strained member's actor effect takes
    assert ex.effect["relationship"]["m02>m05"] < 3 * ex.effect["actor"]["m02"] < 0
    shown = f"{ex.effect['relationship']['m02>m05']:+.2f}".replace("-", "&minus;")
    assert f'data-kind="relationship" data-key="m02&gt;m05">{shown}<' in ex.summary.value
    ex.controls["shock"].value = 0.0
    assert all(v == 0 for part in ex.effect.values() for v in part.values())
    assert "nothing moved" in ex.summary.value and ex.outlined == {("m02", "m05"), ("m05", "m02")}  # still open, only without a pull


@pytest.mark.parametrize(
    "name, value, state",
    [("session", 4, "before"), ("session", 16, "open"), ("strained", 3, "open"), ("other", 7, "open"), ("onset", 9, "before"),
     ("shock", 4.0, "open"), ("item", "conflict", "open"), ("item", "bond_b", "open"), ("seed", 7, "open")],
)  # fmt: skip
def test_each_control_changes_the_picture_as_a_browser_sets_it(name, value, state):
    ex = RoundRobinExplorer()
    png, text = ex.image.value, ex.summary.value
    assert Front().set(ex.controls[name], value) is None  # a browser's change: no callback error
    assert ex.controls[name].value == value and ex.error is None
    srm_agrees(ex)
    assert ex.state == state and ex.image.value != png and ex.summary.value != text


def test_a_repair_after_the_session_shown_changes_the_text_not_the_round_robin():
    ex = RoundRobinExplorer()
    png = ex.image.value
    assert Front().set(ex.controls["repaired_at"], 10) is None and ex.error is None
    srm_agrees(ex)
    assert ex.image.value == png and "repaired in session 10" in ex.summary.value and ex.state == "open"


def test_a_repair_closes_the_outline_and_leaves_a_fading_rest():
    ex = RoundRobinExplorer(repaired_at=10)
    front = Front()
    rests = []
    for session in (10, 12, 14):
        assert front.set(ex.controls["session"], session) is None
        srm_agrees(ex)
        assert ex.state == "repaired" and ex.outlined == set()
        truth = ex.round_robin.truth.set_index(["session", "rater", "target"])
        rests.append(truth.loc[(session, "m02", "m05"), "shock"])
    assert rests == [1.0, 0.25, 0.0625]  # in relationship SDs: half of 2 in the session of the repair, then half again each session


def test_the_other_member_follows_the_strained_one_and_repairs_follow_the_onset():
    ex = RoundRobinExplorer()
    front = Front()
    assert front.set(ex.controls["strained"], 5) is None  # the other member was m05: it moves to the next one
    assert ex.controls["other"].value == 6 and 5 not in [v for _, v in ex.controls["other"].options]
    srm_agrees(ex)
    assert front.set(ex.controls["strained"], 8) is None and front.set(ex.controls["other"], 1) is None
    assert front.set(ex.controls["strained"], 1) is None and ex.controls["other"].value == 2  # the next member after m01
    assert front.set(ex.controls["repaired_at"], 9) is None
    assert front.set(ex.controls["onset"], 12) is None  # a repair before the onset cannot stay: the first session after it
    assert ex.controls["repaired_at"].value == 13 and ex.controls["repaired_at"].options[:2] == (RoundRobinExplorer.NEVER, 13)
    srm_agrees(ex)
    assert front.set(ex.controls["repaired_at"], RoundRobinExplorer.NEVER) is None and front.set(ex.controls["onset"], 15) is None
    assert ex.controls["repaired_at"].value == RoundRobinExplorer.NEVER and ex.controls["repaired_at"].options == (RoundRobinExplorer.NEVER, 16)


def test_a_member_of_the_pair_who_missed_the_session_is_named_and_the_open_pair_outlined_round_white_cells():
    ex = RoundRobinExplorer(seed=5, session=16)  # m05 missed session 16
    srm_agrees(ex)
    assert ex.state == "absent" and ex.outlined == {("m02", "m05"), ("m05", "m02")}  # open, but not rated: outlined round white cells
    assert "m05 missed session 16" in ex.summary.value and 'class="gq-srm-absent">m05' in ex.summary.value
    assert np.isnan(matrix_of(ex.axes[0])[4]).all() and np.isnan(matrix_of(ex.axes[3])[:, 4]).all()  # a white row and column


def test_every_control_in_every_order_works_or_says_why():
    ex = RoundRobinExplorer(n_members=5, n_sessions=8, session=4, onset=3, other=4)
    shown = {id(w) for w in interactive(ex)}
    assert shown == {id(c) for c in ex.controls.values()}, "the sweep must reach every control the learner sees"
    awkward = [
        [("onset", 7), ("repaired_at", 8), ("onset", 1), ("session", 2), ("repaired_at", 2), ("strained", 4), ("other", 5)],
        [("strained", 5), ("other", 1), ("strained", 1), ("item", "conflict_b"), ("shock", 0.0), ("seed", 11)],
    ]
    s = sweep(ex, srm_agrees, awkward)
    assert not s.problems, f"{len(s.problems)} of {s.front.sent} settings failed:\n" + "\n".join(s.problems[:25])


def test_a_round_robin_too_small_for_the_srm_says_so_and_keeps_the_picture():
    rupture = Rupture(session=1, level="MM", type="withdrawal", member=1, source=2)
    sessions = [2, 4, 6, 8]

    def present(seed):  # members present in each rated session of a group of four
        return simulate(seed=seed, n_members=4, n_sessions=8, ruptures=[rupture], **QUIET).attended[0][:, [s - 1 for s in sessions]].sum(axis=0)

    seed, counts = next((seed, counts) for seed in range(60) if (counts := present(seed)).min() < 4 <= counts.max())
    full, short = (sessions[int(np.argmax(counts >= 4))], sessions[int(np.argmax(counts < 4))])
    ex = RoundRobinExplorer(n_members=4, n_sessions=8, seed=seed, session=full, onset=1, strained=1, other=2)
    png = ex.image.value
    ex.controls["session"].value = short  # three members present or fewer: no SRM
    assert isinstance(ex.error, GQDataError) and "at least 4 members" in ex.message.value and ex.image.value == png
    ex.controls["session"].value = full
    assert ex.error is None and ex.message.value == ""
    srm_agrees(ex)
    with pytest.raises(GQDataError, match="at least 4 members"):
        RoundRobinExplorer(n_members=4, n_sessions=8, seed=seed, session=short, onset=1, strained=1, other=2)  # nothing has worked yet


def test_the_blitted_picture_equals_a_full_redraw():
    ex = RoundRobinExplorer()
    for name, value in [("session", 12), ("item", "conflict"), ("seed", 5), ("strained", 6), ("shock", 3.5), ("item", "bond_a"),
                        ("session", 2), ("repaired_at", 7), ("session", 8), ("item", "bond")]:  # fmt: skip
        ex.controls[name].value = value
        np.testing.assert_array_equal(pixels(ex.image.value), pixels(figure_png(ex.figure)), err_msg=f"{name}={value}")


def test_a_change_answers_quickly():
    """The explorer's promise: under 150 ms a change (median), a round robin already simulated sooner; loose bounds for a busy machine."""
    ex = RoundRobinExplorer()
    front = Front()

    def timed(name, value) -> float:
        start = time.perf_counter()
        assert front.set(ex.controls[name], value) is None and ex.error is None
        return time.perf_counter() - start

    shown = [timed("session", s) for s in (2, 4, 6, 10, 12, 14, 16, 8)] + [timed("item", i) for i in ("bond_a", "bond_b", "bond")]
    placed = [timed("onset", s) for s in (3, 4, 5, 7)] + [timed("shock", v) for v in (1.0, 1.5, 2.5)] + [timed("other", m) for m in (3, 4, 6)]
    assert np.median(shown) < 0.15 and np.median(placed) < 0.2, (shown, placed)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"strained": 9}, "strained=9 is not allowed: expected one of 1, 2, 3, 4, 5, 6, 7, 8"),
        ({"other": 2}, "other=2 is not allowed: expected one of 1, 3, 4"),
        ({"onset": 16}, "onset=16 is not allowed: expected a whole number from 1 to 15"),
        ({"repaired_at": 6}, "repaired_at=6 is not allowed: expected one of 'never', 7, 8"),
        ({"shock": 5.0}, "shock=5.0 is not allowed: expected a number from 0 to 4"),
        ({"session": 7}, "session=7 is not allowed: expected one of 2, 4, 6"),
        ({"item": "close"}, "item='close'"),
        ({"seed": -1}, "seed=-1"),
        ({"seed": True}, "seed=True"),
        ({"n_members": 3}, "n_members=3 is not allowed: expected a whole number from 4 to 12"),
        ({"n_sessions": 3}, "n_sessions=3"),
        ({"every": 0}, "every=0"),
        ({"every": 17}, "every=17"),
        ({"limit": 0}, "limit=0"),
    ],
)
def test_a_starting_value_the_explorer_cannot_hold_is_refused(kwargs, fragment):
    with pytest.raises(GQConfigError, match=re.escape(fragment)):
        RoundRobinExplorer(**kwargs)


# -- the figures -------------------------------------------------------------------------------------

RR = round_robin_ratings(simulate(seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)], **QUIET))
MEMBERS = [f"m{m:02d}" for m in range(1, 9)]


def test_round_robin_slice_averages_the_kind_and_keeps_one_item():
    ratings = RR.ratings[RR.ratings["session"] == 8]
    one = round_robin_slice(RR, session=8)
    wide = ratings.pivot_table(index=["rater", "target"], columns="item", values="rating")
    np.testing.assert_array_equal(one.set_index(["rater", "target"])["rating"], wide[["bond_a", "bond_b"]].mean(axis=1))
    item = round_robin_slice(RR, session=8, item="conflict_a")
    np.testing.assert_array_equal(item["rating"], wide["conflict_a"].to_numpy())
    table = round_robin_slice(RR.ratings, session=8, item="conflict", kinds=dict(RR.model.items))  # a plain table, with its kinds
    np.testing.assert_array_equal(table["rating"], wide[["conflict_a", "conflict_b"]].mean(axis=1).to_numpy())
    assert round_robin_slice(RR).equals(round_robin_slice(RR, group="g001", session=4))  # the first group and session
    for kwargs, fragment in [({"session": 5}, "session=5 is not allowed: expected a session of the table: 4, 8, 12, 16"),
                             ({"group": "g002"}, "group='g002'"), ({"item": "bond", "kinds": {"x": 1}}, "kinds="),
                             ({"item": "closeness"}, "item='closeness' is not allowed: expected an item of the table or a kind of item (bond_a, bond_b, "
                              "conflict_a, conflict_b, bond, conflict)")]:  # fmt: skip
        with pytest.raises(GQConfigError, match=re.escape(fragment)):
            round_robin_slice(RR, **kwargs)
    with pytest.raises(GQConfigError, match="item='bond'"):
        round_robin_slice(RR.ratings, session=8)  # a plain table does not know the kinds
    with pytest.raises(GQConfigError, match="data="):
        round_robin_slice(RR.ratings.drop(columns="rating"))


def test_round_robin_matrix_shows_the_ratings_or_the_relationship_effects_and_outlines_the_open_pair():
    ax = round_robin_matrix(RR, session=8)
    one = round_robin_slice(RR, session=8)
    np.testing.assert_array_equal(matrix_of(ax), grid(one, MEMBERS, "rating"))
    assert outlined_cells(ax, MEMBERS) == {("m02", "m05"), ("m05", "m02")}
    texts = [t.get_text() for t in ax.texts if t.get_gid() == "gq-cell"]
    assert texts[0] == "" and texts[1] == f"{one['rating'].iloc[0]:.1f}"  # the diagonal is left blank
    image = next(im for im in ax.get_images() if im.get_gid() == "gq-matrix")
    assert image.get_cmap().name == "cividis" and image.get_clim() == (1.0, 7.0)
    assert round_robin_matrix(RR, session=8, value="relationship", ax=ax) is ax  # the same axes: values move in
    assert len(ax.get_images()) == 2 and len([t for t in ax.texts if t.get_gid() == "gq-cell"]) == 64
    rel = srm(one, groups=(), by=(), min_var=None).relationship
    np.testing.assert_allclose(matrix_of(ax), grid(rel, MEMBERS, "relationship"), atol=1e-12)
    assert image.get_cmap().name == "PuOr" and image.get_clim() == (-2.0, 2.0) and "relationship effects" in ax.get_title()
    round_robin_matrix(RR, session=8, item="conflict", value="relationship", ax=ax, limit=3)
    assert image.get_cmap().name == "PuOr_r" and image.get_clim() == (-3.0, 3.0)  # orange is the worse end: higher conflict
    round_robin_matrix(RR, session=4, ax=ax)
    assert outlined_cells(ax, MEMBERS) == set()  # before the onset
    assert [t.get_color() for t in ax.get_yticklabels()][6] != "black" and np.isnan(matrix_of(ax)[6]).all()  # m07 missed session 4
    assert outlined_cells(round_robin_matrix(RR, session=8, truth=False), MEMBERS) == set()
    table = round_robin_matrix(RR.ratings, session=8, item="bond_a", truth=RR.truth, members=MEMBERS[::-1])
    assert outlined_cells(table, MEMBERS[::-1]) == {("m02", "m05"), ("m05", "m02")} and table.get_yticklabels()[0].get_text() == "m08"
    plt.close("all")


def test_round_robin_matrix_refuses_what_it_cannot_draw():
    for kwargs, fragment in [({"value": "actor"}, "value='actor'"), ({"limit": -1}, "limit=-1"), ({"scale": (7, 1)}, "scale=(7, 1)"),
                             ({"truth": "yes"}, "truth='str'")]:  # fmt: skip
        with pytest.raises(GQConfigError, match=re.escape(fragment)):
            round_robin_matrix(RR, session=8, **kwargs)
    small = RR.ratings[(RR.ratings["session"] == 8) & RR.ratings["rater"].isin(MEMBERS[:3]) & RR.ratings["target"].isin(MEMBERS[:3])]
    with pytest.raises(GQDataError, match="at least 4 members"):
        round_robin_matrix(small, item="bond_a", value="relationship")
    plt.close("all")


def test_srm_decomposition_draws_the_four_parts_on_one_scale_and_reuses_them():
    fig = srm_decomposition(RR, session=8)
    ratings_ax, actor_ax, partner_ax, relationship_ax = fig.axes[:4]
    result = srm(round_robin_slice(RR, session=8), groups=(), by=(), min_var=None)
    person = result.person.set_index("member").reindex(MEMBERS)
    assert [bar.get_width() for bar in actor_ax.patches] == pytest.approx(person["actor"].to_list())
    assert [bar.get_width() for bar in partner_ax.patches] == pytest.approx(person["partner"].to_list())
    assert actor_ax.get_xlim() == partner_ax.get_xlim() == (-2.0, 2.0)
    red = [m for m, bar in zip(MEMBERS, actor_ax.patches) if bar.get_facecolor() == matplotlib.colors.to_rgba(RUPTURE_COLOUR)]
    assert red == ["m02", "m05"]
    np.testing.assert_allclose(matrix_of(relationship_ax), grid(result.relationship, MEMBERS, "relationship"), atol=1e-12)
    assert any(t.get_text() for t in ratings_ax.texts if t.get_gid() == "gq-cell") and any(t.get_text() for t in actor_ax.texts)
    srm_decomposition(RR, session=4, item="conflict", annotate="relationship", axes=fig.axes[:4])
    assert len(actor_ax.patches) == 8 and len(fig.axes) == 6  # the same bars, no new colour bars
    assert all(t.get_text() == "" for t in [*ratings_ax.texts, *actor_ax.texts, *partner_ax.texts])  # values only in the relationship matrix
    assert any(t.get_text() for t in relationship_ax.texts if t.get_gid() == "gq-cell")
    assert [bar.get_width() for bar in actor_ax.patches][6] == 0.0  # m07 missed session 4: no bar
    with pytest.raises(GQConfigError, match="axes="):
        srm_decomposition(RR, session=8, axes=fig.axes[:3])
    with pytest.raises(GQConfigError, match="annotate="):
        srm_decomposition(RR, session=8, annotate="ratings")
    with pytest.raises(GQConfigError, match="result="):
        srm_decomposition(RR, session=8, result=result.person)
    plt.close("all")
