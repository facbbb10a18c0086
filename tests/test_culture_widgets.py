"""ScenarioExplorer driven headlessly through the comm, as a browser drives it: every control, its numbers, its limits."""

import io
import re

import numpy as np
import pytest
from PIL import Image
from test_widget_sweep import Front, errors_reach_the_log, interactive, sweep  # noqa: F401 -- the fixture makes callback errors reach the log

from gqkit import GQConfigError
from gqkit.culture import MEASURES, scenario
from gqkit.culture_widgets import ScenarioExplorer, scenario_paths
from gqkit.simulation import SimulationConfig
from gqkit.widgets import figure_png

DIMENSIONS = list(SimulationConfig().culture.dimensions)


def settings_of(ex: ScenarioExplorer) -> dict:
    """What the controls ask :func:`gqkit.culture.scenario` for."""
    c = {name: control.value for name, control in ex.controls.items()}
    return dict(source=c["source"], response=None if c["response"] == ScenarioExplorer.DECIDES else c["response"], dimension=c["dimension"],
                humility=c["humility"], comfort=c["comfort"], opportunities=c["opportunities"], norm_setting=c["norm_setting"])  # fmt: skip


def scenario_agrees(ex: ScenarioExplorer, n_groups: int = 16) -> None:
    """The figure and the table show what culture.scenario gives for the controls' values."""
    expected = scenario(**settings_of(ex), n_groups=n_groups)
    assert ex.scenario.rupture == expected.rupture and ex.scenario.responses == expected.responses
    assert f"across the {n_groups} groups" in ex.summary.value
    np.testing.assert_array_equal(ex.scenario.paths["value"], expected.paths["value"])
    summary = expected.summary()
    for (role, measure), row in summary.iterrows():
        digits = 1 if measure == "oq" else 2
        cell = f'data-role="{role}" data-measure="{measure}">{row["before"]:.{digits}f} &rarr; {row["end"]:.{digits}f} ({row["change"]:+.{digits}f})<'
        assert cell in ex.summary.value, cell
    for response, share in expected.responses.items():
        shown = f'data-response="{response}">{share:.0%}<'
        assert (shown in ex.summary.value) == (response != "shaming" or ex.controls["source"].value == "member"), shown
    for ax, measure in zip(ex.axes, MEASURES):
        for role in ("target", "source", "bystander"):
            line = next(line for line in ax.get_lines() if line.get_gid() == f"gq-{role}")
            path = expected.paths.query("role == @role and measure == @measure")
            assert line.get_visible() == (not path.empty)
            if not path.empty:
                np.testing.assert_array_equal(line.get_ydata(), path["value"].to_numpy())
    fixed = ex.controls["response"].value != ScenarioExplorer.DECIDES
    assert all(ex.controls[name].disabled == fixed for name in ("dimension", "opportunities"))
    assert ex.controls["comfort"].disabled == (ex.controls["response"].value == "not addressed")
    assert not ex.controls["humility"].disabled and ex.image.value[:4] == b"\x89PNG"


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_the_first_picture_shows_the_default_scenario():
    ex = ScenarioExplorer()
    scenario_agrees(ex)
    assert ex.error is None and ex.message.value == ""
    assert [value for _, value in ex.controls["dimension"].options] == DIMENSIONS
    assert "decided by the leader's multicultural orientation" in ex.summary.value


@pytest.mark.parametrize(
    "name, value",
    [("source", "leader"), ("dimension", DIMENSIONS[-1]), ("response", "addressed"), ("response", "shaming"), ("humility", 0.95),
     ("comfort", 0.1), ("opportunities", 0.9), ("norm_setting", True)],
)  # fmt: skip
def test_each_control_changes_the_figure_and_the_numbers(name, value):
    ex = ScenarioExplorer()
    png, table = ex.image.value, ex.summary.value
    assert Front().set(ex.controls[name], value) is None  # a browser's change: no callback error
    assert ex.controls[name].value == value and ex.error is None
    scenario_agrees(ex)
    assert ex.image.value != png and ex.summary.value != table


def test_a_remark_by_the_leader_offers_no_shaming_and_never_errs():
    ex = ScenarioExplorer(response="shaming")
    front = Front()
    assert ex.scenario.responses["shaming"] == 1.0
    assert front.set(ex.controls["source"], "leader") is None
    assert "shaming" not in [value for _, value in ex.controls["response"].options]
    assert ex.controls["response"].value == ScenarioExplorer.DECIDES and ex.error is None and "gq-error" not in ex.message.value
    assert ex.scenario.rupture.level == "ML" and ex.scenario.rupture.source is None
    scenario_agrees(ex)
    source_lines = [line for ax in ex.axes for line in ax.get_lines() if line.get_gid() == "gq-source"]
    assert not any(line.get_visible() for line in source_lines)
    assert front.set(ex.controls["response"], "addressed") is None
    assert front.set(ex.controls["source"], "member") is None  # shaming is offered again, and the choice is kept
    assert "shaming" in [value for _, value in ex.controls["response"].options] and ex.controls["response"].value == "addressed"
    scenario_agrees(ex)
    with pytest.raises(GQConfigError, match=re.escape("response='shaming' is not allowed")):
        ScenarioExplorer(source="leader", response="shaming")


def test_a_fixed_response_disables_what_only_the_leaders_decision_uses():
    ex = ScenarioExplorer(response="not addressed")
    assert ex.controls["comfort"].disabled and ex.controls["opportunities"].disabled and ex.controls["dimension"].disabled
    ex.controls["response"].value = "addressed"  # comfort sets how well it is addressed
    assert not ex.controls["comfort"].disabled and ex.controls["opportunities"].disabled
    before = ex.scenario.summary()
    ex.controls["comfort"].value = 0.95
    assert not ex.scenario.summary().equals(before)
    assert "gq-fixed-note" in ex.summary.value and "fixed by you" in ex.summary.value
    ex.controls["response"].value = ScenarioExplorer.DECIDES
    assert not any(ex.controls[name].disabled for name in ("comfort", "opportunities", "dimension"))
    assert "gq-fixed-note" not in ex.summary.value


def test_every_control_in_every_order_works_or_says_why():
    ex = ScenarioExplorer(n_groups=4)
    shown = {id(w) for w in interactive(ex)}
    assert shown == {id(c) for c in ex.controls.values()}, "the sweep must reach every control the learner sees"
    awkward = [
        [("response", "shaming"), ("source", "leader"), ("response", "not addressed"), ("source", "member"), ("response", "shaming")],
        [("norm_setting", True), ("dimension", DIMENSIONS[-1]), ("source", "leader"), ("humility", 0.0), ("response", "addressed")],
    ]
    s = sweep(ex, lambda e: scenario_agrees(e, 4), awkward)
    assert not s.problems, f"{len(s.problems)} of {s.front.sent} settings failed:\n" + "\n".join(s.problems[:25])


def test_the_blitted_picture_equals_a_full_redraw():
    ex = ScenarioExplorer()
    for name, value in [("humility", 0.9), ("humility", 0.85), ("comfort", 0.2), ("response", "shaming"), ("humility", 0.3),
                        ("source", "leader"), ("norm_setting", True), ("opportunities", 0.9), ("response", "addressed")]:  # fmt: skip
        ex.controls[name].value = value
        np.testing.assert_array_equal(pixels(ex.image.value), pixels(figure_png(ex.figure)), err_msg=f"{name}={value}")


def test_gqkit_errors_show_inside_the_explorer_and_bugs_propagate():
    ex = ScenarioExplorer()
    png = ex.image.value

    def refusing(**kwargs):
        raise GQConfigError("Rupture.dimension", kwargs["dimension"], "a dimension the model knows")

    def broken(**kwargs):
        raise RuntimeError("a bug")

    working, ex._scenario_of = ex._scenario_of, refusing
    assert Front().set(ex.controls["dimension"], DIMENSIONS[1]) is None
    assert isinstance(ex.error, GQConfigError) and 'class="gq-error"' in ex.message.value
    assert f"<b>identity</b> = {DIMENSIONS[1]!r}".replace("'", "&#x27;") in ex.message.value and ex.image.value == png
    ex._scenario_of = working
    ex.controls["humility"].value = 0.3
    assert ex.error is None and ex.message.value == "" and ex.scenario.rupture.dimension == DIMENSIONS[1]
    ex._scenario_of = broken
    with pytest.raises(RuntimeError, match="a bug"):
        ex.controls["humility"].value = 0.4


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"humility": 1.5}, "humility=1.5 is not allowed: expected a number from 0 to 1"),
        ({"comfort": -0.1}, "comfort=-0.1"),
        ({"opportunities": True}, "opportunities=True"),
        ({"source": "group"}, "source='group' is not allowed: expected one of 'member', 'leader'"),
        ({"response": "ignored"}, "response='ignored'"),
        ({"dimension": "identity Z"}, "dimension='identity Z'"),
        ({"norm_setting": "yes"}, "norm_setting='yes' is not allowed: expected True or False"),
        ({"n_groups": 0}, "n_groups=0"),
        ({"onset": 15}, "onset=15 is not allowed: expected a session from 2 to 14"),
        ({"onset": 1}, "onset=1"),
        ({"n_sessions": 3.0}, "n_sessions=3.0"),
        ({"seed": -1}, "seed=-1"),
    ],
)
def test_a_starting_value_the_explorer_cannot_hold_is_refused(kwargs, fragment):
    with pytest.raises(GQConfigError, match=re.escape(fragment)):
        ScenarioExplorer(**kwargs)


def test_scenario_paths_draws_a_new_figure_and_reuses_its_lines():
    fig = scenario_paths(scenario(response="not addressed"), norm_sessions=3)
    lines = [list(ax.get_lines()) for ax in fig.axes]
    norms = [p for p in fig.axes[0].patches if p.get_gid() == "gq-norms"][0]
    assert norms.get_visible() and norms.get_width() == 3
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["targeted (m02)", "made the remark (m05)", "bystanders (mean)", "onset", "norm-setting sessions"]
    scenario_paths(scenario(source="leader"), axes=fig.axes)
    assert [list(ax.get_lines()) for ax in fig.axes] == lines and len(fig.legends) == 1 and not norms.get_visible()
    assert "made the remark (m05)" not in [t.get_text() for t in fig.legends[0].get_texts()]
