"""An explorer for notebook 07: sweep one parameter of any rule, a built-in or your own, and read the trade-off.

:class:`RuleSweepExplorer` offers the built-in rupture rules (:data:`gqkit.detect.RULES`, those
with ``finds_ruptures``) and the researcher's own rules side by side. For the chosen rule, the
level it watches, one of its numeric parameters and a matching window, it sweeps the parameter
over a range and draws precision against recall (:func:`gqkit.plots.sweep_curve`) and both
against the parameter, marks the current value, and lists that value's metrics overall and by
level (:func:`gqkit.evaluate.metrics_table`). No science here: detections come from the rules,
matching and metrics from :mod:`gqkit.evaluate`.

The functions under it work on their own too: :func:`rule_params` lists what can be swept (for a
:class:`~gqkit.detect.FunctionRule`, the keyword arguments of its function that have a number as
default), :func:`set_param` changes one, :func:`sweep_values` proposes a range and
:func:`sweep_rule` is :func:`gqkit.evaluate.sweep` for any of them, a function's keyword argument
included.
"""

from __future__ import annotations

import functools
import html
import inspect
import io
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from .detect import RULES, FunctionRule, Rule, ScorePanel
from .errors import GQConfigError
from .evaluate import Matching, _check_tolerance, _metrics, match_events, metrics_table
from .instrument import LEVEL_NAMES, LEVELS
from .plots import sweep_curve
from .simulation import Cohort
from .widgets import Explorer

__all__ = ["RuleSweepExplorer", "rule_params", "set_param", "sweep_rule", "sweep_values"]

FACTORS = (0.25, 0.35, 0.5, 0.65, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
"""A positive number is swept from a quarter to three times its value (see :func:`sweep_values`)."""

SHIFTS = (-1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
"""A cutoff on the answer scale (a number in a dict keyed by scale) is swept this many points around its value."""

_ENTRY = re.compile(r"^(\w+)\[(\w+)\]$")  # "cutoffs[PB]": one entry of a dict parameter


def _whole(value: object) -> bool:
    """A whole number, not True or False."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _number(value: object) -> bool:
    """A real, finite number that is not True or False."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and math.isfinite(float(value))


def _function_parts(func: Any) -> tuple[Any, dict[str, Any]]:
    """A function and the keyword arguments bound to it (through ``functools.partial``)."""
    keywords: dict[str, Any] = {}
    while isinstance(func, functools.partial) and not func.args:
        keywords = {**func.keywords, **keywords}
        func = func.func
    return func, keywords


def rule_params(rule: Rule) -> dict[str, float | int]:
    """The parameters of ``rule`` that :func:`sweep_rule` can sweep, with their current values.

    A built-in rule's (or your own :class:`~gqkit.detect.Rule` subclass's) numeric parameters
    (numbers, not True/False), and each entry of a dict parameter for a scale the rule watches,
    named ``"cutoffs[PB]"``; a :class:`~gqkit.detect.FunctionRule`'s function's keyword arguments
    whose default (or bound value) is a number.

    Parameters
    ----------
    rule : Rule
        Any rule.

    Returns
    -------
    dict
        Parameter name -> current value.

    Examples
    --------
    >>> from gqkit.detect import FunctionRule, StatusAlert
    >>> def below(history, cutoff=4.0):
    ...     return cutoff / history[-1]
    >>> rule_params(FunctionRule(func=below))
    {'cutoff': 4.0}
    >>> rule_params(StatusAlert(scales=("PB",), cutoffs={"PB": 4.0, "NR": 3.6}, z=2.0))
    {'cutoffs[PB]': 4.0, 'z': 2.0}
    """
    if isinstance(rule, FunctionRule):
        try:
            signature = inspect.signature(rule.func)
        except (TypeError, ValueError):  # a builtin or an odd callable: nothing to read
            return {}
        later = list(signature.parameters.values())[1:]  # the first is the history
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return {p.name: p.default for p in later if p.kind in kinds and _number(p.default)}
    if not isinstance(rule, Rule):
        raise GQConfigError("rule", type(rule).__name__, "a gqkit.detect.Rule (a built-in, a FunctionRule or your own subclass)")
    found: dict[str, float | int] = {}
    scales = getattr(rule, "scales", ())
    for name, value in rule.get_params().items():
        if _number(value):
            found[name] = value
        elif isinstance(value, dict):
            found.update({f"{name}[{s}]": value[s] for s in scales if s in value and _number(value[s])})
    return found


def set_param(rule: Rule, param: str, value: float | int) -> Rule:
    """A copy of ``rule`` with one parameter of :func:`rule_params` set to ``value``.

    For a :class:`~gqkit.detect.FunctionRule` the value is bound to its function's keyword
    argument (``functools.partial``); the label stays, so detections keep the rule's name.

    Parameters
    ----------
    rule : Rule
        Any rule.
    param : str
        A name :func:`rule_params` lists, e.g. ``"threshold"``, ``"cutoffs[PB]"`` or ``"drop"``.
    value : number
        Its new value: a whole number where the current one is whole.

    Raises
    ------
    GQConfigError
        For a name :func:`rule_params` does not list, a value of the wrong kind, or one the
        rule refuses.

    Examples
    --------
    >>> from gqkit.detect import ChangeAlert, StatusAlert
    >>> set_param(ChangeAlert(), "z", 2.0).z
    2.0
    >>> set_param(StatusAlert(cutoffs={"PB": 4.0, "PW": 3.8, "NR": 3.6}), "cutoffs[PB]", 3.5).cutoffs
    {'PB': 3.5, 'PW': 3.8, 'NR': 3.6}
    """
    current = rule_params(rule)
    if param not in current:
        raise GQConfigError("param", param, f"a parameter of {getattr(rule, 'label', rule.name)} that can be swept: {', '.join(current) or 'none'}")
    whole = isinstance(current[param], numbers.Integral)
    if not _number(value) or (whole and not isinstance(value, numbers.Integral)):
        raise GQConfigError(param, value, "a whole number" if whole else "a finite number")
    value = int(value) if whole else float(value)
    if isinstance(rule, FunctionRule):
        base, keywords = _function_parts(rule.func)
        return rule.replace(func=functools.partial(base, **{**keywords, param: value}))
    entry = _ENTRY.match(param)
    if entry:
        name, key = entry.groups()
        return rule.replace(**{name: {**getattr(rule, name), key: value}})
    return rule.replace(**{param: value})


def _accepts(rule: Rule, param: str, value: float | int) -> bool:
    try:
        set_param(rule, param, value)
    except GQConfigError:
        return False
    return True


def sweep_values(rule: Rule, param: str) -> list[float | int]:
    """A range to sweep one parameter over, around its current value, that the rule accepts.

    A whole number ``v``: ``v - 5`` to ``v + 5`` (from 1). An entry of a dict keyed by scale (a
    cutoff on the answer scale): ``v`` plus each of :data:`SHIFTS`. Another positive number:
    ``v`` times each of :data:`FACTORS`, or, when the rule refuses three times ``v`` (a
    reliability, which stays below 1), ``1 - (1 - v)`` times each. Zero or a negative number:
    ``v`` plus each of :data:`SHIFTS`. Values the rule refuses are left out; the current value
    is always in.

    Parameters
    ----------
    rule : Rule
        Any rule.
    param : str
        A name :func:`rule_params` lists.

    Returns
    -------
    list
        Increasing values (3 significant digits).

    Examples
    --------
    >>> from gqkit.detect import ChangeAlert, VEpisode
    >>> sweep_values(ChangeAlert(threshold=1.0), "threshold")
    [0.25, 0.35, 0.5, 0.65, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0]
    >>> sweep_values(VEpisode(min_history=3), "min_history")
    [2, 3, 4, 5, 6, 7, 8]
    """
    current = rule_params(rule)
    if param not in current:
        set_param(rule, param, 0)  # raises, naming what can be swept
    v = current[param]
    if isinstance(v, numbers.Integral):
        candidates: list[float | int] = list(range(max(1, int(v) - 5), int(v) + 6))
    else:
        v = float(v)
        if _ENTRY.match(param) or v <= 0:
            raw = [v + s for s in SHIFTS]
        elif _accepts(rule, param, 3 * v):
            raw = [v * f for f in FACTORS]
        else:
            raw = [1 - (1 - v) * f for f in reversed(FACTORS)]
        candidates = [v if x == v else float(f"{x:.3g}") for x in raw]
    kept = sorted({c for c in candidates if c == v or _accepts(rule, param, c)})
    return kept


# -- sweeping, matched once per sweep ----------------------------------------------------------------
_SEP = "|"  # joins a group id and the index of a value: one matching serves every value of a sweep


def _matchings(cohort: Cohort, found: Sequence[pd.DataFrame], tolerance: tuple[int, int]) -> list[Matching]:
    """One :func:`~gqkit.evaluate.match_events` matching per detections table, from a single call.

    Matching is done group by group, so matching each table against the truth is the same as
    matching all of them at once with each table's groups (and a copy of the truth) renamed
    apart. The tests check the result against separate calls.
    """
    events = cohort.events
    ruptures = events[events["kind"].to_numpy() == "rupture"].reset_index(drop=True)  # all match_events keeps, in its order
    groups = ruptures["group"].astype(str)
    truth = pd.concat([ruptures.assign(group=groups + f"{_SEP}{i}") for i in range(len(found))], ignore_index=True)
    tagged = pd.concat([d.assign(group=d["group"].astype(str) + f"{_SEP}{i}") for i, d in enumerate(found)], ignore_index=True)
    both = match_events(truth, tagged, tolerance)  # rows stay in the order given: split them by position
    out = []
    n, start = len(ruptures), 0
    for i, d in enumerate(found):
        t = both.truth.iloc[i * n : (i + 1) * n].reset_index(drop=True).assign(group=groups)
        m = both.detections.iloc[start : start + len(d)].reset_index(drop=True)
        out.append(Matching(t, m.assign(group=d["group"].astype(str).to_numpy()) if len(d) else m))
        start += len(d)
    return out


def _label(rule: Rule) -> str:
    return str(getattr(rule, "label", rule.name))


def _detect_all(rule: Rule, param: str, values: Sequence[float | int], panel: ScorePanel) -> list[pd.DataFrame]:
    return [set_param(rule, param, v).detect(panel) for v in values]


def _scored(m: Matching, scope: str, exposure: float) -> dict[str, float]:
    """The ``overall`` row of :func:`~gqkit.evaluate.metrics_table`, or its row for one level (the tests check both against it)."""
    if scope == "overall":
        return _metrics(m.truth, m.detections, exposure)
    claims = m.detections[(m.detections["level"] == scope).to_numpy(dtype=bool)]
    row = _metrics(m.truth[(m.truth["level"] == scope).to_numpy(dtype=bool)], claims, exposure)
    if claims.empty:  # no alert claims the level: nothing to be right or wrong about there
        row.update(detections=0, matched=0, redundant=0, precision=np.nan, false_alarms_per_100=np.nan)
    return row


def _curve(rule: Rule, param: str, values: Sequence[float | int], matchings: Sequence[Matching], exposure: float, scope: str) -> pd.DataFrame:
    rows = [{"rule": _label(rule), "param": param, "value": v, "scope": scope, **_scored(m, scope, exposure)} for v, m in zip(values, matchings)]
    return pd.DataFrame(rows)


def _scopes(rule: Rule) -> list[str]:
    """What a sweep of ``rule`` can be scored on: all ruptures, and those of the level it claims (if it claims one)."""
    level = getattr(rule, "level", "all")
    return ["overall", *([level] if level in LEVELS else [])]


def sweep_rule(
    rule: Rule, param: str, values: Sequence[float | int] | None, cohort: Cohort, tolerance: tuple[int, int] = (0, 3), *, scope: str = "overall"
) -> pd.DataFrame:
    """Metrics of ``rule`` for each value of one parameter, your own function's keyword arguments included.

    The table of :func:`gqkit.evaluate.sweep` (rule, param, value, then the ``overall`` row of
    :func:`gqkit.evaluate.evaluate`), for any parameter :func:`rule_params` lists: a
    :class:`~gqkit.detect.FunctionRule`'s rows carry its label, and its function's keyword
    argument is swept (see :func:`set_param`). With ``scope`` set to the level the rule claims,
    the rows are ``evaluate``'s row for that level instead: recall among the ruptures of that
    level, the only ones a rule claiming it can find. The scores are read once and all values
    are matched in one call, so it is quicker than ``sweep``.

    Parameters
    ----------
    rule : Rule
        Any rule.
    param : str
        A name :func:`rule_params` lists.
    values : sequence of numbers, or None
        The values to try; None: :func:`sweep_values`.
    cohort : Cohort
        A simulated cohort, whose injected ruptures are the truth.
    tolerance : (int, int)
        The matching window (see :func:`gqkit.evaluate.match_events`).
    scope : str
        ``"overall"`` (every rupture), or the level the rule watches and claims (``"MM"``,
        ``"ML"`` or ``"MG"``).

    Returns
    -------
    DataFrame
        One row per value: rule, param, value, scope, then the metrics of :func:`gqkit.evaluate.evaluate`.

    Raises
    ------
    GQConfigError
        For a parameter the rule does not have, a value it refuses, or a scope other than
        ``"overall"`` and the level it claims.

    Examples
    --------
    >>> import numpy as np
    >>> from gqkit import simulate
    >>> from gqkit.detect import FunctionRule
    >>> def below_own_mean(history, drop=1.0):
    ...     past = history[:-1][~np.isnan(history[:-1])]
    ...     return np.nan if len(past) < 2 else (past.mean() - history[-1]) / drop
    >>> mine = FunctionRule(func=below_own_mean, level="MG", label="below_own_mean")
    >>> table = sweep_rule(mine, "drop", [0.5, 1.0, 2.0], simulate(n_groups=4, seed=2), scope="MG")
    >>> table["rule"].iloc[0], table["detections"].is_monotonic_decreasing
    ('below_own_mean', True)
    """
    if not isinstance(cohort, Cohort):
        raise GQConfigError("cohort", type(cohort).__name__, "a simulated Cohort (its injected ruptures are the truth)")
    tolerance = _check_tolerance(tolerance)
    if scope not in _scopes(rule):
        raise GQConfigError("scope", scope, " or ".join(repr(s) for s in _scopes(rule)) + f" (the level {_label(rule)} claims, if it claims one)")
    values = sweep_values(rule, param) if values is None else list(values)
    if not values:
        raise GQConfigError("values", values, f"at least one value of {param} (or None: sweep_values)")
    found = _detect_all(rule, param, values, cohort.panel())
    return _curve(rule, param, values, _matchings(cohort, found, tolerance), float(cohort.attended.sum()), scope)


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
    ones it can find), one of its numeric parameters (:func:`rule_params`), that parameter's
    value and the matching window ``k``. The left panel is :func:`gqkit.plots.sweep_curve` of
    the sweep over :func:`sweep_values` (or ``grids``), with the current value ringed; the right
    one, recall and precision against the parameter, with the current value marked; the table,
    the current value's metrics overall and by level (:func:`gqkit.evaluate.metrics_table`).

    A sweep is computed once per rule, level, parameter and window and kept (the detections
    once per rule, level and parameter: the window does not change them), so moving the value,
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
        keyword argument of its function with a number as default) and a name (a
        FunctionRule's ``label``) unlike the built-ins' and each other's.
    rule : str, optional
        The rule shown first: a built-in's name or an own rule's label; default: the first of
        ``own``, or ``"change"``.
    tolerance : int
        The starting window, 0-6: an alert matches a rupture when it claims an onset 0 to
        ``k`` sessions after it.
    grids : mapping, optional
        Rule name -> {parameter -> values}, to sweep those values instead of
        :func:`sweep_values` (they must include the parameter's current value).
    precompute : bool
        Sweep at construction as described above (False: on first use).

    Attributes
    ----------
    controls : dict
        Name -> control: ``rule``, ``level``, ``scope``, ``param``, ``value``, ``tolerance``.
        Set ``.value`` to drive the explorer (see :class:`gqkit.widgets.Explorer`).
    curve : DataFrame
        The sweep shown, as :func:`sweep_rule` gives it.
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
        self._exposure = float(cohort.attended.sum())
        self._facets = set(cohort.instrument.facets)
        self._rules: dict[str, Rule] = {name: cls() for name, cls in RULES.items() if cls.finds_ruptures}
        self._own: set[str] = set()
        for r in [own] if isinstance(own, Rule) else list(own):
            if not isinstance(r, Rule):
                raise GQConfigError("own", type(r).__name__, "your rules: gqkit.detect.Rule objects, e.g. a FunctionRule")
            name = _label(r)
            if name in self._rules:
                raise GQConfigError("own", name, f"rules with names of their own, unlike {', '.join(self._rules)} and each other (give a FunctionRule a label)")
            if not rule_params(r):
                raise GQConfigError("own", name, "a rule with a number to sweep: give your function a keyword argument with a number as default, e.g. drop=1.0")
            self._rules[name] = r
            self._own.add(name)
        self._grids = {name: {p: list(v) for p, v in g.items()} for name, g in (grids or {}).items()}
        for name, g in self._grids.items():
            if name not in self._rules:
                raise GQConfigError("grids", name, f"the name of a rule the explorer offers: {', '.join(self._rules)}")
            for param, values in g.items():
                current = rule_params(self._rules[name]).get(param)
                if current is None or current not in values or not all(_accepts(self._rules[name], param, v) for v in values):
                    raise GQConfigError("grids", {name: {param: values}}, f"values {name} accepts for one of its parameters ({', '.join(rule_params(self._rules[name]))}), "
                                        f"its current value {current!r} among them")  # fmt: skip
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

    def _values(self, name: str, level: str, param: str) -> list[float | int]:
        given = self._grids.get(name, {}).get(param)
        return list(given) if given is not None else sweep_values(self._at_level(name, level), param)

    def rule(self) -> Rule:
        """The rule the controls describe, at the current value."""
        c = {k: w.value for k, w in self.controls.items()}
        return set_param(self._at_level(c["rule"], c["level"]), c["param"], c["value"])

    # -- computing, with caches --------------------------------------------------------------------
    def _detections(self, name: str, level: str, param: str) -> tuple[list[float | int], list[pd.DataFrame]]:
        key = (name, level, param)
        if key not in self._found:
            values = self._values(name, level, param)
            self._found[key] = values, _detect_all(self._at_level(name, level), param, values, self._panel)
        return self._found[key]

    def _matchings(self, name: str, level: str, param: str, k: int) -> list[Matching]:
        key = (name, level, param, k)
        if key not in self._matched:
            self._matched[key] = _matchings(self.cohort, self._detections(name, level, param)[1], (0, k))
        return self._matched[key]

    def _sweep(self, name: str, level: str, param: str, k: int, scope: str) -> pd.DataFrame:
        key = (name, level, param, k, scope)
        if key not in self._curves:
            values = self._detections(name, level, param)[0]
            self._curves[key] = _curve(self._at_level(name, level), param, values, self._matchings(name, level, param, k), self._exposure, scope)
        return self._curves[key]

    def _precompute(self, k: int) -> None:
        """Sweep every rule at every level it can watch with its first parameter, and with every parameter at its own level (yours at every level)."""
        for name in self._rules:
            levels = self._levels(name)
            for level in levels:
                params = list(rule_params(self._at_level(name, level)))
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
            params = list(rule_params(rule))
            kept = c["param"].value if c["param"].value in params else params[0]
            c["param"].options = params
            c["param"].value = kept
        param = c["param"].value
        if self._fitted != (name, level, param):
            values = self._values(name, level, param)
            start = rule_params(self._at_level(name, level))[param]
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
        buffer = io.BytesIO()
        PILImage.frombuffer("RGBA", self._canvas.get_width_height(), self._canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()

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
