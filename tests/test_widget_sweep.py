"""Every control of every explorer, through its range and through awkward orders, as a browser sets it.

A browser changes a control with a comm message that ipywidgets hands to
``Widget._handle_msg``. An exception a callback raises there never reaches the learner: without
IPython ipywidgets logs it, in a kernel it becomes a traceback in the log. :class:`Front`
sends those same messages and collects what reached the log, so a callback error fails the
sweep. After every setting an explorer must show the result its controls describe, or a
visible message; a message must go away with the next valid change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

import ipywidgets as widgets
import pandas as pd
import pytest
from ipywidgets.widgets.widget_float import _BoundedFloat
from ipywidgets.widgets.widget_int import _BoundedInt
from ipywidgets.widgets.widget_selection import _Selection

from gqkit import GQConfigError, GQDataError, load_example, rci, score
from gqkit.evaluate import evaluate
from gqkit.exercises import EXAMPLE_ANSWERS
from gqkit.feedback_widgets import FeedbackExplorer
from gqkit.widgets import DetectionExplorer, RCIExplorer, RepairExplorer, ScoreExplorer, SimulationExplorer

DISPLAY = (widgets.HTML, widgets.Label, widgets.Image, widgets.IntProgress)  # show things, change nothing
TOP, BOTTOM = "<top>", "<bottom>"  # a control's ends, looked up when the step runs (ranges follow other controls)
CLICK = "<click>"  # a step that presses the explorer's button
Step = tuple[str, object]


@pytest.fixture(autouse=True)
def errors_reach_the_log(monkeypatch):
    """ipywidgets shows a callback's traceback through IPython when one runs; make it log instead."""
    monkeypatch.setattr("ipywidgets.widgets.widget.get_ipython", lambda: None)


class _Caught(logging.Handler):
    """Keeps the exceptions of log records."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.errors.append(record.exc_info[1])


class Front:
    """The browser's end of the comm: sends what a learner's change sends; returns what a callback raised."""

    def __init__(self) -> None:
        self.sent = 0

    def set(self, control: widgets.ValueWidget, value: object) -> BaseException | None:
        """Set a control as its view does (selection widgets send the option's index)."""
        state = {"index": control._options_values.index(value)} if isinstance(control, _Selection) else {"value": value}
        return self._send(control, {"method": "update", "state": state, "buffer_paths": []})

    def click(self, button: widgets.Button) -> BaseException | None:
        """Press a button."""
        return self._send(button, {"method": "custom", "content": {"event": "click"}})

    def _send(self, widget: widgets.Widget, data: dict) -> BaseException | None:
        caught = _Caught()
        widget.log.addHandler(caught)
        try:
            widget._handle_msg({"content": {"data": data}, "buffers": []})
        finally:
            widget.log.removeHandler(caught)
        self.sent += 1
        return caught.errors[0] if caught.errors else None


def interactive(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    """Every widget inside ``widget`` that a learner can change or press."""
    if isinstance(widget, widgets.Button) or (isinstance(widget, widgets.ValueWidget) and not isinstance(widget, DISPLAY)):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from interactive(child)


def ends(control: widgets.ValueWidget) -> tuple[object, object]:
    """(bottom, top): first and last option, off and on, or min and max (sliders and bounded texts).

    An unbounded text has no ends: a learner could type anything into it, so the sweep refuses it.
    """
    if isinstance(control, _Selection):
        return control._options_values[0], control._options_values[-1]
    if isinstance(control, widgets.Checkbox):
        return False, True
    if isinstance(control, (_BoundedInt, _BoundedFloat)):
        return control.min, control.max
    raise TypeError(f"the sweep does not know how to drive a {type(control).__name__}; bound it, or teach ends() and settings()")


def settings(control: widgets.ValueWidget) -> list:
    """What a learner can give a control, in order.

    Every option; both states; or the ends, two steps between and, as if typed, one step past each end.
    """
    if isinstance(control, _Selection):
        return list(control._options_values)
    if isinstance(control, widgets.Checkbox):
        return [not control.value, control.value]
    (bottom, top), step = ends(control), control.step
    between = [bottom + round((top - bottom) * k / 3 / step) * step for k in (1, 2)]
    between = [round(v, 10) for v in between] if isinstance(control, _BoundedFloat) else between
    return [bottom, *between, top, top + step, bottom - step]


class Sweep:
    """Drives one explorer through a browser's messages and collects every problem (it does not stop at the first).

    Parameters
    ----------
    explorer : Widget
        An explorer with a ``controls`` dict (name -> control).
    agrees : callable
        ``agrees(explorer)`` asserts that what the explorer shows is what its controls describe.
    """

    def __init__(self, explorer: widgets.Widget, agrees: Callable[[widgets.Widget], None]):
        self.explorer, self.agrees = explorer, agrees
        self.front = Front()
        self.problems: list[str] = []
        self.messages = 0
        self.buttons = [w for w in interactive(explorer) if isinstance(w, widgets.Button)]

    def set(self, name: str, value: object) -> None:
        """Set one control; if that brings up a message, set it back and expect the message to go."""
        control = self.explorer.controls[name]
        if value in (TOP, BOTTOM):
            value = ends(control)[value == TOP]
        before = control.value
        if self._after(f"{name}={value!r}", self.front.set(control, value)):
            self._after(f"{name}={value!r} and back to {before!r}", self.front.set(control, before), recovering=True)

    def click(self) -> None:
        """Press every button."""
        for button in self.buttons:
            self._after(f"click {button.description!r}", self.front.click(button))

    def run(self, steps: Sequence[Step]) -> None:
        """Take steps in order."""
        for name, value in steps:
            self.click() if name == CLICK else self.set(name, value)

    def _after(self, step: str, raised: BaseException | None, recovering: bool = False) -> bool:
        """Check the explorer after a step; True when it shows a message."""
        ex = self.explorer
        if raised is not None:
            self.problems.append(f"{step}: the callback raised {type(raised).__name__}: {raised}")
            return False
        if ex.error is not None:
            self.messages += 1
            if not isinstance(ex.error, (GQConfigError, GQDataError)):
                self.problems.append(f"{step}: a bug became a message ({type(ex.error).__name__}: {ex.error})")
            elif recovering:
                self.problems.append(f"{step}: the message stayed after a valid change ({ex.error})")
            elif "gq-error" not in ex.message.value:
                self.problems.append(f"{step}: {ex.error!r} is not shown")
            return True
        try:
            assert "gq-error" not in ex.message.value, "a warning without an error"
            self.agrees(ex)
        except AssertionError as mismatch:
            self.problems.append(f"{step}: shows something other than its controls ({mismatch})")
        return False


def sweep(explorer: widgets.Widget, agrees: Callable[[widgets.Widget], None], awkward: Sequence[Sequence[Step]] = ()) -> Sweep:
    """Every control through its range (pressing the buttons after each), grow-then-shrink orders, then ``awkward``."""
    s = Sweep(explorer, agrees)
    names = list(explorer.controls)
    for name in names:
        for value in settings(explorer.controls[name]):
            s.set(name, value)
        s.click()
    for order in (names, names[::-1]):
        for end in (TOP, BOTTOM):  # every control up, then every control down: each shrinks after the others grew
            s.run([(name, end) for name in order])
    for steps in awkward:
        s.run(steps)
    return s


# what each explorer must show for its controls' values ---------------------------------------------


def score_agrees(ex: ScoreExplorer) -> None:
    answers = ex.answers
    if all(a is None for a in answers.values()):
        assert ex.scores.empty and "Answer at least one item" in ex.table.value
        return
    frame = pd.DataFrame({"group": "demo", "member": "you", "session": 1, "item": list(answers),
                          "response": pd.array(list(answers.values()), dtype="Float64")})  # fmt: skip
    pd.testing.assert_frame_equal(ex.scores, score(frame, ex.instrument, prorate=ex.controls["prorate"].value))


def rci_agrees(ex: RCIExplorer) -> None:
    expected = rci(ex.controls["sd"].value, ex.controls["reliability"].value)
    assert ex.threshold == expected and f"<b>{expected:.2f}</b>" in ex.result.value


def simulation_agrees(ex: SimulationExplorer) -> None:
    c = {name: control.value for name, control in ex.controls.items()}
    events = ex.cohort.events
    scripted = events[events["cause"] == "scripted"]
    ruptures = scripted[scripted["kind"] == "rupture"]
    assert ruptures[["session", "level", "type", "member"]].values.tolist() == [[c["session"], c["level"], c["type"], f"m{c['member']:02d}"]]
    assert scripted[scripted["kind"] == "repair"]["session"].tolist() == ([c["repaired_at"]] if c["repaired"] else [])
    assert ex.cohort.attended.shape[1:] == (c["n_members"], c["n_sessions"])
    assert c["random_ruptures"] or len(scripted) == len(events)
    assert ex.image.value[:4] == b"\x89PNG" and "What really happened" in ex.summary.value


def detection_agrees(ex: DetectionExplorer) -> None:
    rule = ex.rule()
    assert rule.name == ex.controls["rule"].value
    pd.testing.assert_frame_equal(ex.detections, rule.detect(ex.scores))
    expected = evaluate(ex.cohort, ex.detections, (0, ex.controls["tolerance"].value)).set_index(["scope", "key"])
    pd.testing.assert_frame_equal(ex.metrics, expected)
    level = ex.controls["level"].value
    assert rule.level == (level or type(rule)().level) and ex.image.value[:4] == b"\x89PNG"


def repair_agrees(ex: RepairExplorer) -> None:
    c = {name: control.value for name, control in ex.controls.items()}
    r, never = ex.contrast.rupture, c["repair_session"] == RepairExplorer.NEVER
    assert (r.level, r.severity, ex.contrast.scale) == (c["level"], c["severity"], c["scale"])
    assert r.repaired_at == (None if never else c["repair_session"]) and ex.controls["quality"].disabled == never
    assert never or r.quality == c["quality"]
    assert ex.image.value[:4] == b"\x89PNG" and "gq-repair-summary" in ex.summary.value


def feedback_agrees(ex: FeedbackExplorer) -> None:
    if ex.stale:
        assert ex.current() != ex.ran_with and "Settings changed" in ex.message.value
    else:
        assert ex.current() == ex.ran_with and f"Run {ex.runs}:" in ex.summary.value


COURSE = load_example("course")
CASES: dict[str, tuple[Callable[[], widgets.Widget], Callable, list[list[Step]]]] = {
    "score": (lambda: ScoreExplorer(EXAMPLE_ANSWERS), score_agrees, [
        [("prorate", TOP), *[(item, ScoreExplorer.NO_ANSWER) for item in EXAMPLE_ANSWERS], ("prorate", BOTTOM), ("gq05", 7)],
    ]),
    "rci": (RCIExplorer, rci_agrees, []),
    "simulation": (lambda: SimulationExplorer(n_members=4, n_sessions=10, session=4, repaired_at=6), simulation_agrees, [
        [("n_sessions", TOP), ("session", TOP), ("n_sessions", BOTTOM)],  # a late onset, then fewer sessions
        [("repaired", True), ("n_sessions", TOP), ("session", 20), ("repaired_at", TOP), ("n_sessions", 12), ("repaired", False)],
        [("n_members", TOP), ("member", TOP), ("level", "MM"), ("n_members", BOTTOM), ("member", 2)],
        [("seed", -5), ("seed", 3), ("random_ruptures", True), ("level", "MG"), ("scale", "NR")],
    ]),
    "detection": (lambda: DetectionExplorer(COURSE), detection_agrees, [
        [("knob", end), ("rule", rule)] for rule in ("status", "v_episode", "sudden_loss", "group_drop", "dyad_drop", "change")
        for end in (TOP, BOTTOM)
    ] + [[("tolerance", BOTTOM), ("rule", "status"), ("knob", TOP), ("tolerance", TOP)],
         [("level", "MM"), ("rule", "group_drop"), ("level", "ML"), ("rule", "dyad_drop"), ("level", "MG"), ("group", "g012"), ("level", "")]]),
    "repair": (lambda: RepairExplorer(n_groups=2), repair_agrees, [
        [("repair_session", RepairExplorer.NEVER), ("quality", BOTTOM), ("repair_session", BOTTOM), ("quality", TOP)],
        [("level", "MM"), ("scale", "PW"), ("severity", TOP), ("repair_session", TOP), ("scale", "NR")],
    ]),
    "feedback": (lambda: FeedbackExplorer(n_groups=40, run=False), feedback_agrees, [
        [("commitment", TOP), ("openness", TOP), ("self_doubt", TOP), (CLICK, None), ("n_groups", 80), ("n_groups", 40)],
    ]),
}


@pytest.mark.parametrize("name", CASES)
def test_every_control_in_every_order_works_or_says_why(name):
    make, agrees, awkward = CASES[name]
    explorer = make()
    shown = {id(w) for w in interactive(explorer) if not isinstance(w, widgets.Button)}
    assert shown == {id(c) for c in explorer.controls.values()}, "the sweep must reach every control the learner sees"
    s = sweep(explorer, agrees, awkward)
    assert not s.problems, f"{len(s.problems)} of {s.front.sent} settings failed:\n" + "\n".join(s.problems[:25])


class _BrokenRCI(RCIExplorer):
    """An explorer with a bug in its callback: not one of gqkit's errors, so it must not be hidden."""

    def _redraw(self) -> None:
        if self.controls["reliability"].value > 0.9:
            raise TypeError("a bug in the callback")
        super()._redraw()


class _RefusingRCI(RCIExplorer):
    """An explorer whose core refuses some settings with gqkit's own error."""

    def _redraw(self) -> None:
        if self.controls["reliability"].value > 0.9:
            raise GQConfigError("reliability", self.controls["reliability"].value, "at most 0.9")
        super()._redraw()


class _HidingRCI(_BrokenRCI):
    """Hides its bug in a message, as a catch-all ``except Exception`` would."""

    def _update(self) -> None:
        try:
            self._redraw()
        except Exception as error:  # noqa: BLE001 -- the mistake the sweep must catch
            self.error = error
            self.message.value = f'<p class="gq-error">{error}</p>'
        else:
            self.error = None
            self.message.value = ""


class _BrokenFeedback(FeedbackExplorer):
    """A trial run with a bug."""

    def _redraw(self) -> None:
        raise TypeError("a bug in the run")


def test_the_sweep_fails_on_a_callback_that_raises():
    s = sweep(_BrokenRCI(), rci_agrees)
    assert any("reliability=0.99: the callback raised TypeError: a bug in the callback" in p for p in s.problems)


def test_the_sweep_fails_on_a_bug_shown_as_a_message():
    s = sweep(_HidingRCI(), rci_agrees)
    assert any("reliability=0.99: a bug became a message (TypeError: a bug in the callback)" in p for p in s.problems)


def test_the_front_reports_what_a_button_callback_raised():
    raised = Front().click(_BrokenFeedback(run=False).button)
    assert isinstance(raised, TypeError) and str(raised) == "a bug in the run"


def test_the_sweep_accepts_a_message_that_the_next_change_clears():
    s = sweep(_RefusingRCI(), rci_agrees)
    assert s.problems == [] and s.messages > 0
