"""An explorer for notebook 07: sweep one parameter of any rule, a built-in or your own, and read the trade-off.

:class:`RuleSweepExplorer` offers the built-in rupture rules (:data:`gqkit.detect.RULES`, those
with ``finds_ruptures``) and the researcher's own rules side by side. For the chosen rule, the
level it watches, one of its numeric parameters and a matching window, it sweeps the parameter
over a range and draws precision against recall (:func:`gqkit.plots.sweep_curve`) and both
against the parameter, marks the current value, and lists that value's metrics overall and by
level (:func:`gqkit.evaluate.metrics_table`). No science here: the parameters come from
:meth:`gqkit.detect.Rule.numeric_params` and :meth:`~gqkit.detect.Rule.replace`, the range from
:func:`gqkit.evaluate.sweep_values`, detections from the rules, matching and metrics from
:mod:`gqkit.evaluate` (the curve is :func:`gqkit.evaluate.sweep`'s table); the explorer only keeps
what it computed, so that a change answers quickly.
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .detect import RULES, Rule
from .errors import GQConfigError
from .evaluate import Matching, match_each, metrics_table, sweep_table, sweep_values
from .instrument import LEVEL_NAMES, LEVELS
from .plots import sweep_curve
from .simulation import Cohort
from .widgets import Explorer, canvas_png

__all__ = ["RuleSweepExplorer"]


def _whole(value: object) -> bool:
    """A whole number, not True or False."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _label(rule: Rule) -> str:
    return str(getattr(rule, "label", rule.name))


def _scopes(rule: Rule) -> list[str]:
    """What the explorer scores a rule on: all ruptures, and those of the level it claims (if it claims one)."""
    level = getattr(rule, "level", "all")
    return ["overall", *([level] if level in LEVELS else [])]


# -- the explorer ---------------------------------------------------------------------------------
_SHOWN = ["ruptures", "found", "recall", "detections", "precision", "f1", "false_alarms_per_100", "median_delay"]
_LEVEL_LABELS = {"all": "no claim (subscales)", **{lv: LEVEL_NAMES[lv] for lv in LEVELS}}
RECALL_COLOUR, PRECISION_COLOUR, NOW_COLOUR = "#0072B2", "#E69F00", "#000000"  # Okabe-Ito blue, orange; black


class RuleSweepExplorer(Explorer):
    """Sweep a parameter of a built-in rule or of your own, and see precision against recall.

    The controls choose a rule -- each rupture rule of :data:`gqkit.detect.RULES` (those with
    ``finds_ruptures``) and each of ``own`` --, the level it watches (its own, no claim, or
    MM, ML, MG: it then watches those of its scales that have items there, and claims that
    level), the ruptures it is scored on (all, or only those of the level it claims: the only
    ones it can find), one of its numeric parameters (:meth:`~gqkit.detect.Rule.numeric_params`,
    by the names :func:`gqkit.evaluate.sweep` takes, e.g. ``params__drop``), that parameter's
    value and the matching window ``k``. The left panel is :func:`gqkit.plots.sweep_curve` of
    the sweep (:func:`gqkit.evaluate.sweep`'s table) over :func:`gqkit.evaluate.sweep_values`
    (or ``grids``), with the current value ringed; the right one, recall and precision against
    the parameter, with the current value marked; the table, the current value's metrics
    overall and by level (:func:`gqkit.evaluate.metrics_table`).

    A sweep is computed once per rule, level, parameter and window and kept (the detections
    once per rule, level and parameter: the window does not change them; the matchings of all
    values in one :func:`gqkit.evaluate.match_each` call), so moving the value,
    or coming back to a setting, only draws. At construction, with the starting window, every
    rule is swept at each level it can watch with its first parameter and at its own level
    with every parameter; each of ``own`` at every level with every parameter (your function
    runs once per member, session, level and value: the slow part). The figure keeps what did
    not change: moving the value draws only its marks, another window only the curves.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort, whose injected ruptures are the truth. A modest one (40-60 groups)
        keeps every change quick.
    own : Rule or sequence of Rule
        Your rules, each with a number to sweep (for a :class:`~gqkit.detect.FunctionRule`, a
        number in its ``params``, e.g. ``params={"drop": 1.0}``) and a name (a FunctionRule's
        ``label``) unlike the built-ins' and each other's.
    rule : str, optional
        The rule shown first: a built-in's name or an own rule's label; default: the first of
        ``own``, or ``"change"``.
    tolerance : int
        The starting window, 0-6: an alert matches a rupture when it claims an onset 0 to
        ``k`` sessions after it.
    grids : mapping, optional
        Rule name -> {parameter -> values}, to sweep those values instead of
        :func:`gqkit.evaluate.sweep_values` (they must include the parameter's current value).
    precompute : bool
        Sweep at construction as described above (False: on first use).

    Attributes
    ----------
    controls : dict
        Name -> control: ``rule``, ``level``, ``scope``, ``param``, ``value``, ``tolerance``.
        Set ``.value`` to drive the explorer (see :class:`gqkit.widgets.Explorer`).
    curve : DataFrame
        The sweep shown, as :func:`gqkit.evaluate.sweep` gives it.
    metrics : DataFrame
        The current value's :func:`gqkit.evaluate.metrics_table`, indexed by scope and key.
    image : Image
        The figure as PNG.
    table : HTML
        The current value's numbers.

    Examples
    --------
    >>> from gqkit import simulate
    >>> ex = RuleSweepExplorer(simulate(n_groups=6, seed=1), precompute=False)
    >>> ex.controls["rule"].value, ex.controls["value"].value == ex.rule().get_params()[ex.controls["param"].value]
    ('change', True)
    >>> ex.controls["value"].value = max(ex.curve["value"])
    >>> bool(ex.metrics.loc[("overall", "all"), "detections"] == ex.curve["detections"].min())
    True
    """

    WINDOWS = (0, 6)
    """The range of the window slider."""

    def __init__(
        self,
        cohort: Cohort,
        own: Rule | Sequence[Rule] = (),
        *,
        rule: str | None = None,
        tolerance: int = 3,
        grids: Mapping[str, Mapping[str, Sequence[float | int]]] | None = None,
        precompute: bool = True,
    ):
        if not isinstance(cohort, Cohort):
            raise GQConfigError("cohort", type(cohort).__name__, "a simulated Cohort (e.g. gqkit.simulate(n_groups=50, seed=7))")
        self.cohort = cohort
        self._panel = cohort.panel()
        self._facets = set(cohort.instrument.facets)
        self._rules: dict[str, Rule] = {name: cls() for name, cls in RULES.items() if cls.finds_ruptures}
        self._own: set[str] = set()
        for r in [own] if isinstance(own, Rule) else list(own):
            if not isinstance(r, Rule):
                raise GQConfigError("own", type(r).__name__, "your rules: gqkit.detect.Rule objects, e.g. a FunctionRule")
            name = _label(r)
            if name in self._rules:
                raise GQConfigError("own", name, f"rules with names of their own, unlike {', '.join(self._rules)} and each other (give a FunctionRule a label)")
            if not r.numeric_params():
                raise GQConfigError("own", name, "a rule with a number to sweep: give your FunctionRule's function a keyword argument and its value in params, e.g. params={'drop': 1.0}")
            self._rules[name] = r
            self._own.add(name)
        self._grids = {name: {p: list(v) for p, v in g.items()} for name, g in (grids or {}).items()}
        for name, g in self._grids.items():
            if name not in self._rules:
                raise GQConfigError("grids", name, f"the name of a rule the explorer offers: {', '.join(self._rules)}")
            for param, values in g.items():
                numeric = self._rules[name].numeric_params()
                if numeric.get(param) not in values or not self._accepted(self._rules[name], param, values):
                    raise GQConfigError("grids", {name: {param: values}}, f"values {name} accepts for one of its parameters ({', '.join(numeric)}), "
                                        f"its current value {numeric.get(param)!r} among them")  # fmt: skip
        first = next((n for n in self._rules if n in self._own), "change") if rule is None else rule
        self._found: dict[tuple, tuple[list[float | int], list[pd.DataFrame]]] = {}
        self._matched: dict[tuple, list[Matching]] = {}
        self._curves: dict[tuple, pd.DataFrame] = {}
        self._tables: dict[tuple, pd.DataFrame] = {}
        self._fitted: tuple | None = None  # (rule, level, param) the controls are set up for
        self._drawn: tuple | None = None  # the sweep the figure shows
        W = widgets
        wide = {"description_width": "70px"}
        controls = {
            "rule": W.Dropdown(options=[(f"{n} (yours)" if n in self._own else n, n) for n in self._rules], description="rule", style=wide),
            "level": W.Dropdown(description="watches", style=wide),
            "scope": W.Dropdown(description="scored on", style=wide),
            "param": W.Dropdown(description="sweep", style=wide),
            "value": W.SelectionSlider(options=[("-", 0.0)], description="value", continuous_update=False, style=wide),
            "tolerance": W.IntSlider(min=self.WINDOWS[0], max=self.WINDOWS[1], description="window k", continuous_update=False, style=wide),
        }
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.table = W.HTML()
        self.curve = pd.DataFrame()
        self.metrics = pd.DataFrame()
        self.figure = Figure(figsize=(11, 4.0), dpi=72)
        self.axes = tuple(self.figure.subplots(1, 2))
        self.figure.subplots_adjust(left=0.06, right=0.985, top=0.9, bottom=0.13, wspace=0.22)
        self._canvas = FigureCanvasAgg(self.figure)
        self._background: Any = None  # the pixels of the sweep without the current value's marks
        self._frame: tuple | None = None  # what the kept frame shows (titles, labels, limits)
        self._frame_pixels: Any = None  # the axes, ticks, labels and titles without any sweep
        if precompute and first in self._rules and _whole(tolerance) and self.WINDOWS[0] <= tolerance <= self.WINDOWS[1]:
            self._precompute(int(tolerance))
        rows = [W.HBox([controls["rule"], controls["level"], controls["scope"]]), W.HBox([controls["param"], controls["value"], controls["tolerance"]])]
        super().__init__(controls, rows, [self.image, self.table], given={"rule": first, "tolerance": tolerance})

    # -- what the controls can offer --------------------------------------------------------------
    def _at_level(self, name: str, level: str) -> Rule:
        """The rule ``name`` watching ``level``: its scales with items there (a built-in with that level's defaults)."""
        base = self._rules[name]
        if level == self._levels(name)[0]:
            return base
        scales = tuple(s for s in base.scales if (s, level) in self._facets)  # type: ignore[attr-defined]  # _levels offers only rules with scales
        if name in self._own:
            return base.replace(level=level, scales=scales)
        return type(base)(level=level, scales=scales)  # type: ignore[call-arg]  # every built-in takes level and scales

    def _levels(self, name: str) -> list[str]:
        """The levels a rule can watch: its own first, then each at which it has scales with items."""
        base = self._rules[name]
        own = getattr(base, "level", None)
        if own is None or not {"level", "scales"} <= set(base.get_params()):
            return [str(own or "all")]
        return [own, *(lv for lv in ("all", *LEVELS) if lv != own and any((s, lv) in self._facets for s in base.scales))]  # type: ignore[attr-defined]

    @staticmethod
    def _accepted(rule: Rule, param: str, values: Sequence[float | int]) -> bool:
        """Does ``rule`` accept every value of a grid for ``param``?"""
        try:
            for v in values:
                rule.replace(**{param: v})
        except GQConfigError:
            return False
        return True

    def _values(self, name: str, level: str, param: str) -> list[float | int]:
        given = self._grids.get(name, {}).get(param)
        return list(given) if given is not None else sweep_values(self._at_level(name, level), param)

    def rule(self) -> Rule:
        """The rule the controls describe, at the current value."""
        c = {k: w.value for k, w in self.controls.items()}
        return self._at_level(c["rule"], c["level"]).replace(**{c["param"]: c["value"]})

    # -- computing, with caches --------------------------------------------------------------------
    def _detections(self, name: str, level: str, param: str) -> tuple[list[float | int], list[pd.DataFrame]]:
        key = (name, level, param)
        if key not in self._found:
            values = self._values(name, level, param)
            rule = self._at_level(name, level)
            self._found[key] = values, [rule.replace(**{param: v}).detect(self._panel) for v in values]
        return self._found[key]

    def _matchings(self, name: str, level: str, param: str, k: int) -> list[Matching]:
        key = (name, level, param, k)
        if key not in self._matched:
            self._matched[key] = match_each(self.cohort, self._detections(name, level, param)[1], (0, k))
        return self._matched[key]

    def _sweep(self, name: str, level: str, param: str, k: int, scope: str) -> pd.DataFrame:
        key = (name, level, param, k, scope)
        if key not in self._curves:
            values = self._detections(name, level, param)[0]
            self._curves[key] = sweep_table(self._at_level(name, level), param, values, self.cohort, self._matchings(name, level, param, k), scope=scope)
        return self._curves[key]

    def _precompute(self, k: int) -> None:
        """Sweep every rule at every level it can watch with its first parameter, and with every parameter at its own level (yours at every level)."""
        for name in self._rules:
            levels = self._levels(name)
            for level in levels:
                params = list(self._at_level(name, level).numeric_params())
                for param in params if name in self._own or level == levels[0] else params[:1]:
                    self._matchings(name, level, param, k)

    # -- the explorer's update -------------------------------------------------------------------------
    def _fit(self) -> None:
        """Levels follow the rule, scopes and parameters the level, values the parameter (each starting at the rule's own)."""
        c = self.controls
        name = c["rule"].value
        if self._fitted is None or self._fitted[0] != name:
            levels = self._levels(name)
            c["level"].options = [(_LEVEL_LABELS.get(lv, lv) + (" (its own)" if i == 0 else ""), lv) for i, lv in enumerate(levels)]
            c["level"].value = levels[0]
        level = c["level"].value
        if self._fitted is None or self._fitted[:2] != (name, level):
            rule = self._at_level(name, level)
            scopes = _scopes(rule)
            c["scope"].options = [("all ruptures", "overall")] + [(f"{_LEVEL_LABELS[lv]} ruptures", lv) for lv in scopes[1:]]
            c["scope"].value = scopes[-1]  # a rule that claims a level can find only that level's ruptures
            params = list(rule.numeric_params())
            kept = c["param"].value if c["param"].value in params else params[0]
            c["param"].options = params
            c["param"].value = kept
        param = c["param"].value
        if self._fitted != (name, level, param):
            values = self._values(name, level, param)
            start = self._at_level(name, level).numeric_params()[param]
            c["value"].options = [(f"{v:g}", v) for v in values]
            c["value"].value = start if start in values else values[len(values) // 2]
            self._fitted = (name, level, param)

    def _redraw(self) -> None:
        c = {k: w.value for k, w in self.controls.items()}
        rule = self.rule()  # checks the value
        curve = self._sweep(c["rule"], c["level"], c["param"], c["tolerance"], c["scope"])
        i = list(curve["value"]).index(c["value"])
        key = (c["rule"], c["level"], c["param"], c["tolerance"], i)
        if key not in self._tables:
            self._tables[key] = metrics_table(self.cohort, self._matchings(*key[:4])[i]).set_index(["scope", "key"])
        self.curve, self.metrics = curve, self._tables[key]
        self._draw(curve, i, (*key[:4], c["scope"]))
        self.table.value = self._table_html(rule, c, curve.iloc[i])

    def _draw(self, curve: pd.DataFrame, i: int, shown: tuple) -> None:
        """Draw only what changed (blitting): the marks of the current value; the sweep; or, when the axes change too, everything.

        The frame (axes, ticks, labels, titles) is drawn once per rule, level, parameter and scope
        and kept; a new sweep on the same frame (another window) draws its curves on it; moving
        the value draws only the ring and the dashed line on the kept sweep.
        """
        left, right = self.axes
        row = curve.iloc[i]
        y = row["precision"] if row["detections"] > 0 else 0.0
        if shown != self._drawn:
            for ax in self.axes:
                for artist in [*ax.lines, *ax.collections, *ax.texts, *([ax.get_legend()] if ax.get_legend() else [])]:
                    artist.remove()  # cheaper than clear(): the axes keep their ticks
            sweep_curve(curve, ax=left)
            if row["scope"] != "overall":
                left.set_xlabel(f"recall (share of {_LEVEL_LABELS[row['scope']]} ruptures found)")
            left.scatter([row["recall"]], [y], s=260, facecolors="none", edgecolors=NOW_COLOUR, linewidths=2.2, zorder=4, gid="gq-now", clip_on=False)
            right.plot(curve["value"], curve["recall"], marker="o", color=RECALL_COLOUR, label="recall")
            right.plot(curve["value"], curve["precision"], marker="s", color=PRECISION_COLOUR, label="precision (gap: no alerts)")
            right.axvline(row["value"], color=NOW_COLOUR, linewidth=1.5, linestyle="--", gid="gq-now-line", label="current value")
            right.relim()  # the limits of this sweep's values only
            right.autoscale_view()
            right.set_ylim(0, 1.02)
            right.set_xlabel(str(row["param"]))
            right.set_title(f"recall and precision against {row['param']}", fontsize="medium")
            right.legend(frameon=False, fontsize="small", loc="best")
            moving = [a for ax in self.axes for a in (*ax.lines, *ax.collections, *ax.texts, ax.get_legend())]
            for artist in moving:
                artist.set_animated(True)  # left out of the kept frame
            frame = tuple((ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), ax.get_xlim(), ax.get_ylim()) for ax in self.axes)
            if frame != self._frame:
                self._canvas.draw()
                self._frame, self._frame_pixels = frame, self._canvas.copy_from_bbox(self.figure.bbox)
            else:
                self._canvas.restore_region(self._frame_pixels)
            for artist in sorted((a for a in moving if a.get_gid() not in ("gq-now", "gq-now-line")), key=lambda a: a.get_zorder()):
                artist.axes.draw_artist(artist)  # the order a full draw uses
            self._background = self._canvas.copy_from_bbox(self.figure.bbox)
            self._drawn = shown
        else:
            self._canvas.restore_region(self._background)
        ring = next(a for a in left.collections if a.get_gid() == "gq-now")
        line = next(a for a in right.get_lines() if a.get_gid() == "gq-now-line")
        ring.set_offsets([[row["recall"], y]])
        line.set_xdata([row["value"]] * 2)
        left.draw_artist(ring)
        right.draw_artist(line)
        self.image.value = canvas_png(self._canvas)

    def _table_html(self, rule: Rule, c: Mapping[str, Any], row: pd.Series) -> str:
        shown = self.metrics.loc[[("overall", "all"), ("level", "MM"), ("level", "ML"), ("level", "MG")], _SHOWN]
        shown = shown.round(2).astype({"ruptures": "Int64", "found": "Int64", "detections": "Int64"})
        level = getattr(rule, "level", "all")
        claim = (f"It watches level {level} and claims it: precision by level counts its alerts there." if level != "all" else
                 "It watches the subscales and makes no level claim: by level, only recall is defined (precision shows -).")  # fmt: skip
        scored = "all ruptures" if row["scope"] == "overall" else f"{_LEVEL_LABELS[row['scope']]} ruptures"
        if row["detections"] > 0:
            now = f"recall <b>{row['recall']:.2f}</b>, precision <b>{row['precision']:.2f}</b>, {row['false_alarms_per_100']:.1f} false alarms per 100 member-sessions"
        else:
            now = f"recall <b>{row['recall']:.2f}</b>, no alerts at all: precision is undefined"
        total = int(self.metrics.loc[("overall", "all"), "ruptures"])
        part = "" if row["scope"] == "overall" else f", {int(row['ruptures'])} of them {_LEVEL_LABELS[row['scope']]}"
        return (
            f'<p class="gq-sweep-now" data-value="{row["value"]:g}">{html.escape(_label(rule))}, {html.escape(str(c["param"]))} = '
            f"<b>{row['value']:g}</b>, window 0-{c['tolerance']}, scored on {scored}: {now}. {html.escape(claim)}</p>"
            + shown.to_html(classes="gq-metrics", na_rep="-")
            + f'<p style="font-size:90%;color:#555">{self.cohort.n_groups} groups, {total} injected ruptures{part}.</p>'
        )
