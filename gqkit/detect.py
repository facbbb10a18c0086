"""Causal rupture-detection rules: one interface, many rules.

A rule is a small frozen, keyword-only dataclass whose fields are its parameters
(:meth:`Rule.get_params`, as scikit-learn reads them, so ``sklearn.base.clone`` works; a changed
copy comes from :meth:`Rule.replace`). :class:`Rule` is abstract: a rule implements
:meth:`Rule.watched` and :meth:`Rule.evidence`. :data:`RULES` lists the built-in rules by name
(the CLI, the explorers and the exercises read it), and :func:`gqkit.rule_checks.check_rule`
runs the conformance checks on any rule, a researcher's own included. Its work is done
on a :class:`ScorePanel` -- scores as an array of units (group x member) x sessions x facets --
so the same code serves researchers (:meth:`Rule.detect` on a tidy ``scores`` table) and the
simulator, whose leader sees, session by session, the alerts a rule raises from the data up to
that session (:meth:`Rule.alerts_now`).

Rules are **causal**: every alert carries the session the rule claims the rupture began
(``onset``) and the session at which the alert can first be raised (``session``), and it uses
data up to ``session`` only. Matching to the truth uses ``onset``; detection delay is
``session`` minus the true onset. Each rule also gives a continuous ``strength`` (>= 1 where it
alerts, for rules with one threshold) so thresholds can be swept.

Scores run in either direction: ``worse`` maps a scale to +1 when higher is worse (NR, or a
symptom score such as the BDI) and -1 when lower is worse (PB, PW).
"""

from __future__ import annotations

import abc
import dataclasses
import inspect
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .errors import GQConfigError, GQDataError, Problem
from .instrument import LEVELS
from .schema import GROUP, MEMBER, SESSION, Column, require_columns
from .scoring import rci

__all__ = [
    "BEST",
    "LEVEL",
    "POSITIVE",
    "SCALES",
    "Accepts",
    "DETECTION_COLUMNS",
    "FEEDBACK_RULE",
    "NORM_CHANGE_SD",
    "NORM_MEAN",
    "NORM_SD",
    "RULES",
    "ChangeAlert",
    "DyadDrop",
    "Evidence",
    "FunctionRule",
    "GroupDrop",
    "Rule",
    "ScorePanel",
    "StatusAlert",
    "SuddenGain",
    "SuddenLoss",
    "VEpisode",
    "check_params",
    "one_of",
    "optional",
    "param",
    "whole",
    "within",
]

DETECTION_COLUMNS = ["group", "member", "session", "onset", "pre", "post", "level", "scale", "rule", "strength"]
WORSE = {"PB": -1.0, "PW": -1.0, "NR": 1.0}  # which direction is worse for the GQ scales


# -- data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScorePanel:
    """Scores as an array: ``values[unit, session, facet]``, NaN where there is no score.

    ``units`` lists the group and member of each unit row; ``sessions`` the session number
    of each column (consecutive, from 1); ``facets`` the (scale, level) of each last-axis slot.
    ``truth`` is filled only by the simulator: True where the unit has an open rupture (used by
    oracle rules in tests and teaching, never by real rules).

    Parameters
    ----------
    values : ndarray of float, shape (units, sessions, facets)
        The scores; NaN where a unit has no score.
    units : DataFrame
        One row per unit, columns ``group`` and ``member`` (text).
    sessions : ndarray of int
        Session number of each column: 1, 2, ... in order.
    facets : tuple of (scale, level)
        The facet of each slot of the last axis.
    truth : ndarray of bool, optional
        Shape (units, sessions): an open rupture, from the simulator only.

    Examples
    --------
    >>> from gqkit import simulate
    >>> panel = simulate(n_groups=2, seed=1).panel()
    >>> panel.values.shape, panel.facets[:2]
    ((16, 16, 11), (('PB', 'all'), ('PB', 'MM')))
    """

    values: np.ndarray
    units: pd.DataFrame
    sessions: np.ndarray
    facets: tuple[tuple[str, str], ...]
    truth: np.ndarray | None = None

    @classmethod
    def from_scores(cls, scores: pd.DataFrame, value: str = "score") -> ScorePanel:
        """Build a panel from a tidy ``scores`` table (group, member, session, scale, level, value).

        Group and member ids become text, as read from a file (``2.0`` is ``"2"``, surrounding
        spaces dropped); they are ordered as numbers when every id of the column is a whole
        number (1, 2, 10), otherwise as text. Facets keep the order in which they first appear.

        Parameters
        ----------
        scores : DataFrame
            Tidy scores: group, member, session, scale, level and the ``value`` column.
        value : str
            The column that holds the scores (default ``"score"``).

        Returns
        -------
        ScorePanel

        Raises
        ------
        GQDataError
            Naming the row, column and value of each cell that cannot be scored honestly: a
            missing id, scale or level, a session that is not a whole number from 1 to
            ``MAX_SESSION`` (10,000), a score that is not a finite number (empty is fine), or a
            row repeating an earlier row's group, member, session, scale and level.

        Examples
        --------
        >>> import pandas as pd
        >>> s = pd.DataFrame({"group": "g", "member": [10, 2, 1], "session": 1, "scale": "PB", "level": "all", "score": [4.0, 5.0, 6.0]})
        >>> panel = ScorePanel.from_scores(s)
        >>> panel.units["member"].tolist(), panel.values[:, 0, 0].tolist()
        (['1', '2', '10'], [6.0, 5.0, 4.0])
        """
        columns = {"group": GROUP, "member": MEMBER, "session": SESSION, "scale": Column("scale", "id"), "level": Column("level", "id")}
        if not isinstance(value, str) or value in columns:
            raise GQConfigError("value", value, f"the name of the score column, not one of {', '.join(columns)}")
        if not isinstance(scores, pd.DataFrame):
            raise GQConfigError("scores", type(scores).__name__, "a tidy scores DataFrame (gqkit.score's output)")
        require_columns(scores, [*columns, value], "scores", "pass a tidy scores table (gqkit.score's output)")
        if not scores.columns.is_unique:
            raise GQDataError("scores", [Problem("header", str(c), "", "each column name once") for c in scores.columns[scores.columns.duplicated()]], advice="fix the table")
        group, member, session, scale, level, score = _parsed("scores", scores, {**columns, value: _Finite()})
        unit_of, units = _units(group, member)
        scale_code, scale_names = pd.factorize(scale)
        level_code, level_names = pd.factorize(level)
        facet_of, facet_keys = pd.factorize(scale_code * max(len(level_names), 1) + level_code)  # first-seen order
        facets = tuple((str(scale_names[key // max(len(level_names), 1)]), str(level_names[key % max(len(level_names), 1)])) for key in facet_keys)
        shape = _panel_shape("scores", "session", len(units), int(session.max()) if len(session) else 0, len(facets))
        place = _places("scores", scores, (unit_of, session.to_numpy() - 1, facet_of), shape, "group, member, session, scale and level")
        values = np.full(shape, np.nan)
        values.ravel()[place] = score.to_numpy()
        return cls(values, units, np.arange(1, shape[1] + 1), facets)

    @classmethod
    def from_columns(
        cls, frame: pd.DataFrame, columns: list[str] | tuple[str, ...], *, group: str | None = "group", member: str = "member", session: str = "session"
    ) -> ScorePanel:
        """Build a panel from any table with one row per person and session and a column per series.

        Each column becomes a facet ``(column, "all")``, so rules watch it with
        ``scales=(column,)``; give its direction with ``worse={column: +1 or -1}``. Any column
        name will do, ``score`` or ``level`` included. Group and member ids become text, ordered
        as numbers when every id of the column is a whole number (1, 2, 10), otherwise as text
        (as in :meth:`from_scores`); with ``group=None`` every person is in group ``"all"``.

        Parameters
        ----------
        frame : DataFrame
            One row per person (and group) and session.
        columns : list of str
            The series columns, each a facet.
        group : str or None
            The group id column; None: one group, ``"all"``.
        member, session : str
            The person id and session number columns.

        Returns
        -------
        ScorePanel

        Raises
        ------
        GQDataError
            Naming the row, column and value of each cell that cannot be scored honestly: a
            missing id, a session that is not a whole number from 1 to ``MAX_SESSION``
            (10,000), a value that is not a finite number (empty is fine), or a row repeating
            an earlier row's person and session.

        Examples
        --------
        >>> import pandas as pd
        >>> t = pd.DataFrame({"id": ["p1"] * 4, "week": [1, 2, 3, 4], "bdi": [17, 18, 29, 30]})  # higher is worse
        >>> panel = ScorePanel.from_columns(t, ["bdi"], group=None, member="id", session="week")
        >>> ChangeAlert(scales=("bdi",), worse={"bdi": 1}, threshold=5).detect(panel)[["member", "session"]].to_dict("records")
        [{'member': 'p1', 'session': 3}]
        """
        for name, given in (("member", member), ("session", session), ("group", group)):
            if not (isinstance(given, str) or (name == "group" and given is None)):
                raise GQConfigError(name, given, "the name of a column of the table" + (" (or None: one group)" if name == "group" else ""))
        if not isinstance(frame, pd.DataFrame):
            raise GQConfigError("frame", type(frame).__name__, "a DataFrame")
        if not isinstance(columns, str) and isinstance(columns, (list, tuple, pd.Index, pd.Series, np.ndarray)):
            columns = [c for c in columns]
        ids = [c for c in (group, member, session) if c is not None]
        if not frame.columns.is_unique:
            raise GQDataError("table", [Problem("header", str(c), "", "each column name once") for c in frame.columns[frame.columns.duplicated()]], advice="fix the table")
        if isinstance(columns, str) or not isinstance(columns, list) or not columns or len({*ids, *columns}) < len(ids) + len(columns):
            raise GQConfigError("columns", columns, f"a non-empty list of series columns, none named twice or also an id ({', '.join(ids)})")
        require_columns(frame, [*ids, *columns], "table", "name the right columns")
        kinds = {**({group: GROUP} if group else {}), member: MEMBER, session: SESSION}
        parsed = _parsed("table", frame, {**kinds, **dict.fromkeys(columns, _Finite())})
        if group is None:
            parsed.insert(0, pd.Series("all", index=frame.index))
        group_ids, member_ids, session_numbers, *series = parsed
        unit_of, units = _units(group_ids, member_ids)
        shape = _panel_shape("table", session, len(units), int(session_numbers.max()) if len(frame) else 0, len(columns))
        place = _places("table", frame, (unit_of, session_numbers.to_numpy() - 1), shape[:2], f"{', '.join(ids[:-1])} and {ids[-1]}")
        values = np.full(shape, np.nan)
        values.reshape(-1, len(columns))[place] = np.column_stack([s.to_numpy() for s in series])
        return cls(values, units, np.arange(1, shape[1] + 1), tuple((str(c), "all") for c in columns))

    def upto(self, n_sessions: int) -> ScorePanel:
        """The panel as it was known after its first ``n_sessions`` sessions.

        Parameters
        ----------
        n_sessions : int
            How many sessions to keep, from the first.
        """
        truth = None if self.truth is None else self.truth[:, :n_sessions]
        return dataclasses.replace(self, values=self.values[:, :n_sessions], sessions=self.sessions[:n_sessions], truth=truth)

    def facet_index(self, scale: str, level: str) -> int:
        """Position of the facet ``(scale, level)`` on the last axis.

        Parameters
        ----------
        scale : str
            e.g. ``"PB"``.
        level : str
            ``"all"`` (the subscale) or a level, e.g. ``"ML"``.

        Raises
        ------
        GQDataError
            When the panel has no scores for that facet.
        """
        try:
            return self.facets.index((scale, level))
        except ValueError:
            raise GQDataError("scores", [Problem("", "", f"{scale} {level}", f"scores for one of {self.facets}")], advice="score that facet") from None

    def group_codes(self) -> np.ndarray:
        """Integer group of each unit (units of one group are adjacent)."""
        return pd.factorize(self.units["group"])[0]


@dataclass
class Evidence:
    """What a rule found, indexed by claimed onset: arrays of shape (units, sessions, watched).

    Parameters
    ----------
    alert : ndarray of bool
        Where the rule alerts (no NaN).
    strength : ndarray of float
        The continuous evidence (>= 1 where a one-threshold rule alerts).
    raised : ndarray of int
        The (0-based) session at which each alert can first be raised.
    pre, post : ndarray of int, optional
        The (0-based) sessions compared; -1 where not applicable.
    criteria : dict of str to ndarray
        Per-criterion results as 1.0, 0.0 or NaN (not evaluable).
    provisional : ndarray of bool, optional
        Judgements made on a window cut short by the end of the data, which
        :meth:`Rule.alerts_now` does not raise (the next session judges them again on the full
        window).
    """

    alert: np.ndarray
    strength: np.ndarray
    raised: np.ndarray
    pre: np.ndarray | None = None
    post: np.ndarray | None = None
    criteria: dict[str, np.ndarray] = field(default_factory=dict)
    provisional: np.ndarray | None = None  # judged on a window cut short by the end of the data


# -- parameter declarations ---------------------------------------------------------------------
@dataclass(frozen=True)
class Accepts:
    """What a rule parameter accepts, as data: a test, and the words an error and the docs show.

    A rule declares it on the field, ``k: float = param(1.0, POSITIVE)``; every rule checks its
    declared parameters when it is made, and :meth:`Rule.accepts` lists them, so the CLI and a
    researcher read one source. Checks that tie parameters together stay in the rule's ``_check``.

    Parameters
    ----------
    test : callable
        ``test(value) -> bool``: True when the value is accepted.
    expected : str
        What is accepted, in words ("a number greater than 0").

    Examples
    --------
    >>> VEpisode.accepts()["sd"]
    "one of 'within', 'between', 'stricter'"
    >>> VEpisode(k=0)
    Traceback (most recent call last):
    gqkit.errors.GQConfigError: VEpisode.k=0 is not allowed: expected a number greater than 0
    """

    test: Callable[[Any], bool]
    expected: str

    def check(self, owner: str, name: str, value: object) -> None:
        """Raise :class:`GQConfigError` naming ``owner.name`` when ``value`` fails the test.

        Parameters
        ----------
        owner : str
            The rule's class name.
        name : str
            The parameter's name.
        value : object
            The value given.
        """
        if not self.test(value):
            raise GQConfigError(f"{owner}.{name}", value, self.expected)


def _real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and bool(np.isfinite(float(value)))


POSITIVE = Accepts(lambda v: _real(v) and v > 0, "a number greater than 0")


def whole(minimum: int) -> Accepts:
    """A whole number of at least ``minimum``.

    Parameters
    ----------
    minimum : int
        The smallest number accepted.
    """
    return Accepts(lambda v: isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) and int(v) >= minimum,
                   f"a whole number of at least {minimum}")  # fmt: skip


def within(low: float, high: float, expected: str, *, low_open: bool = False, high_open: bool = False) -> Accepts:
    """A number from ``low`` to ``high``.

    Parameters
    ----------
    low, high : float
        The ends of the range.
    expected : str
        The range in words, for errors.
    low_open, high_open : bool
        Leave that end out of the range.
    """
    return Accepts(lambda v: _real(v) and (low < v if low_open else low <= v) and (v < high if high_open else v <= high), expected)


def one_of(*options: object) -> Accepts:
    """One of the given text values.

    Parameters
    ----------
    *options : str
        The values accepted.
    """
    return Accepts(lambda v: isinstance(v, str) and v in options, "one of " + ", ".join(map(repr, options)))


def optional(accepts: Accepts) -> Accepts:
    """None, or what ``accepts`` accepts.

    Parameters
    ----------
    accepts : Accepts
        What a value other than None must pass.
    """
    return Accepts(lambda v: v is None or accepts.test(v), f"None or {accepts.expected}")


SCALES = Accepts(lambda v: isinstance(v, tuple) and len(v) > 0 and all(isinstance(s, str) for s in v),
                 "a non-empty tuple of scale names, e.g. ('PB', 'NR')")  # fmt: skip
LEVEL = one_of(*LEVELS, "all")
_BY_SCALE = Accepts(lambda v: isinstance(v, dict) and all(_real(x) for x in v.values()), "a dict of scale -> number")
_BY_SCALE_POSITIVE = Accepts(lambda v: _BY_SCALE.test(v) and all(x > 0 for x in v.values()), "a dict of scale -> SD greater than 0")


def param(default: Any = dataclasses.MISSING, accepts: Accepts | None = None, *, factory: Callable[[], Any] | None = None) -> Any:
    """A rule parameter: its default (or default ``factory``) and what it accepts.

    Parameters
    ----------
    default : object
        The default value (leave out for a required parameter or with ``factory``).
    accepts : Accepts, optional
        What the parameter accepts; checked by :func:`check_params` when a rule is made.
    factory : callable, optional
        Makes the default (for a mutable one, e.g. ``dict``).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True, kw_only=True)
    ... class Floor(ChangeAlert):
    ...     floor: float = param(1.0, POSITIVE)
    >>> Floor(floor=-1)
    Traceback (most recent call last):
    gqkit.errors.GQConfigError: Floor.floor=-1 is not allowed: expected a number greater than 0
    """
    metadata = {"accepts": accepts} if accepts is not None else {}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


# -- the interface ----------------------------------------------------------------------------
class Rule(abc.ABC):
    """Base class of every rule; subclasses are frozen keyword-only dataclasses.

    A subclass sets ``name`` and implements :meth:`watched` (the facets it reads) and
    :meth:`evidence`. ``level`` of a detection is the facet's level, or "all" when the rule
    makes no claim about the level. ``finds_ruptures`` is False for a rule that looks for
    something else (sudden gains). :func:`gqkit.rule_checks.check_rule` checks a rule keeps
    the contract.
    """

    name: ClassVar[str] = "rule"
    group_level: ClassVar[bool] = False  # True: alerts name a group, not a member
    finds_ruptures: ClassVar[bool] = True
    if TYPE_CHECKING:  # every concrete rule is a dataclass; this lets dataclasses.fields and replace type-check
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The rule's parameters by name.

        Parameters
        ----------
        deep : bool
            Accepted for scikit-learn's ``clone``; rules hold no rules, so it changes nothing.

        Examples
        --------
        >>> ChangeAlert().get_params()["z"]
        2.6
        """
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def accepts(cls) -> dict[str, str]:
        """What each declared parameter accepts, in words (see :class:`Accepts`).

        Examples
        --------
        >>> ChangeAlert.accepts()["z"]
        'a number greater than 0'
        """
        return {f.name: f.metadata["accepts"].expected for f in dataclasses.fields(cls) if "accepts" in f.metadata}

    def replace(self, **params: Any) -> Rule:
        """A copy with some parameters changed, checked like a new rule (rules are immutable).

        A name ``name__key`` (two underscores, as scikit-learn names a nested parameter) changes
        one entry of the dict-valued parameter ``name`` and keeps its other entries:
        ``FunctionRule.replace(params__drop=1.2)`` or ``StatusAlert.replace(cutoffs__PB=3.5)``.
        The entry must exist; to add one, give the whole dict (``params={**rule.params,
        "least": 3}``). A parameter that is None has no entries: ``StatusAlert().cutoffs`` is
        None (its cutoffs come from the norms and ``z``), so ``cutoffs__PB`` is refused until
        ``cutoffs`` is a dict, e.g. ``cutoffs=dict(zip(rule.scales, rule.limits()))``. Whole
        values are set first, so ``replace(cutoffs={...}, cutoffs__PB=3.5)`` changes an entry
        of the new dict.

        Parameters
        ----------
        **params
            New values by parameter name, or by ``name__key`` for one entry of a dict-valued
            parameter.

        Returns
        -------
        Rule
            The changed copy, of the same class.

        Raises
        ------
        GQConfigError
            Naming the parameter: one the rule does not have, an entry its dict does not have,
            a nested name for a parameter that is not a dict, or a value the rule refuses.

        Examples
        --------
        >>> ChangeAlert().replace(threshold=0.5).threshold
        0.5
        >>> StatusAlert(cutoffs={"PB": 4.0, "PW": 3.8, "NR": 3.6}).replace(cutoffs__PB=3.5).cutoffs
        {'PB': 3.5, 'PW': 3.8, 'NR': 3.6}
        >>> StatusAlert().replace(cutoffs__PB=3.5)
        Traceback (most recent call last):
        gqkit.errors.GQConfigError: StatusAlert.cutoffs__PB=3.5 is not allowed: expected an entry of a dict-valued parameter; StatusAlert.cutoffs is None, which has no entries: give the whole dict, e.g. cutoffs={'PB': 3.5, ...}
        """
        current = self.get_params()
        owner = type(self).__name__
        whole = {name: value for name, value in params.items() if name in current or "__" not in name}
        unknown = sorted(set(whole) - set(current)) + sorted(name for name in params if name not in whole and name.split("__", 1)[0] not in current)
        if unknown:
            raise GQConfigError(unknown[0], params[unknown[0]], f"a parameter of {owner}: {', '.join(sorted(current))}")
        changes = dict(whole)
        for nested, value in params.items():
            if nested in whole:
                continue
            name, key = nested.split("__", 1)
            entries = changes.get(name, current[name])
            if not isinstance(entries, dict):
                why = f"is None, which has no entries: give the whole dict, e.g. {name}={{{key!r}: {value!r}, ...}}" if entries is None else \
                      f"is {type(entries).__name__}, not a dict"  # fmt: skip
                raise GQConfigError(f"{owner}.{nested}", value, f"an entry of a dict-valued parameter; {owner}.{name} {why}")
            if key not in entries:
                raise GQConfigError(f"{owner}.{nested}", value, f"an entry {owner}.{name} has ({', '.join(map(str, entries)) or 'none'}); to add one, give the whole dict")
            changes[name] = {**entries, key: value}
        return dataclasses.replace(self, **changes)

    def numeric_params(self) -> dict[str, float | int]:
        """The rule's parameters that are numbers, by the names :meth:`replace` and :func:`gqkit.evaluate.sweep` take.

        A parameter whose value is a finite number (not True or False), and each number in a
        dict-valued parameter as ``name__key`` -- for a rule that watches ``scales``, only the
        entries of the scales it watches (the others change nothing). A
        :class:`FunctionRule` adds every number of its ``params``. A parameter that is None
        (a default computed from the norms) is not listed.

        Returns
        -------
        dict
            Name -> current value, in the order of the rule's parameters.

        Examples
        --------
        >>> StatusAlert(scales=("PB",), cutoffs={"PB": 4.0, "NR": 3.6}).numeric_params()
        {'cutoffs__PB': 4.0, 'z': 2.0}
        >>> VEpisode().numeric_params()
        {'k': 1.0, 'm': 6, 'min_history': 3}
        """
        scales = getattr(self, "scales", None)
        found: dict[str, float | int] = {}
        for name, value in self.get_params().items():
            if _real(value):
                found[name] = value
            elif isinstance(value, dict):
                found.update({f"{name}__{k}": v for k, v in value.items() if _real(v) and (scales is None or k in scales)})
        return found

    def set_params(self, **params: Any) -> Rule:
        """Refused: scikit-learn's ``set_params`` changes an estimator in place, and rules are immutable.

        Parameters
        ----------
        **params
            Ignored.

        Raises
        ------
        GQConfigError
            Always, pointing to :meth:`replace`, which returns the changed copy.
        """
        raise GQConfigError(f"{type(self).__name__}.set_params", params, "rule.replace(...), which returns the changed copy (rules are immutable)")

    @abc.abstractmethod
    def watched(self, panel: ScorePanel) -> list[int]:
        """Positions in ``panel.facets`` of the facets the rule reads, in the order of its evidence.

        Parameters
        ----------
        panel : ScorePanel
            The scores the rule will read.
        """

    @abc.abstractmethod
    def evidence(self, panel: ScorePanel) -> Evidence:
        """What the rule finds on a panel; it must use data up to each alert's ``raised`` session only.

        Parameters
        ----------
        panel : ScorePanel
            The scores.

        Returns
        -------
        Evidence
        """

    def alerts_now(self, panel: ScorePanel) -> np.ndarray:
        """Boolean per unit: does the rule raise an alert at the panel's last session?

        Parameters
        ----------
        panel : ScorePanel
            The scores known so far (the simulator passes ``panel.upto(t)``).
        """
        ev = self.evidence(panel)
        now = ev.alert & (ev.raised == len(panel.sessions) - 1)
        if ev.provisional is not None:
            now &= ~ev.provisional
        return now.any(axis=(1, 2))

    def detect(self, scores: pd.DataFrame | ScorePanel) -> pd.DataFrame:
        """Alerts as a tidy ``detections`` table, one row per alert, in a stable order.

        Columns: group, member (``<NA>`` for a whole-group alert), session (when the alert can
        be raised), onset (the session the rule claims the rupture began), pre and post (the
        sessions compared, where the rule compares two), level, scale, rule, strength, and one
        nullable boolean column per criterion where the rule has criteria.

        Parameters
        ----------
        scores : DataFrame or ScorePanel
            A tidy scores table (:func:`gqkit.score`'s output) or a panel.

        Returns
        -------
        DataFrame
        """
        panel = scores if isinstance(scores, ScorePanel) else ScorePanel.from_scores(scores)
        if panel.values.size == 0:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in DETECTION_COLUMNS})
        ev = self.evidence(panel)
        unit, onset, k = np.nonzero(ev.alert)
        facets = [panel.facets[i] for i in self.watched(panel)]
        none = np.full(len(unit), -1)
        member = panel.units["member"].to_numpy(dtype=object)[unit]
        out = pd.DataFrame(
            {
                "group": panel.units["group"].to_numpy(dtype=object)[unit],
                "member": pd.array([None if self.group_level else m for m in member], dtype="string"),
                "session": ev.raised[unit, onset, k] + 1,
                "onset": onset + 1,
                "pre": _session_numbers(ev.pre[unit, onset, k] if ev.pre is not None else none),
                "post": _session_numbers(ev.post[unit, onset, k] if ev.post is not None else none),
                "level": [facets[i][1] for i in k],
                "scale": [facets[i][0] for i in k],
                "rule": self.name,
                "strength": ev.strength[unit, onset, k],
                "_k": k,
            }
        )
        for name, values in ev.criteria.items():
            crit = values[unit, onset, k]
            out[name] = pd.array([pd.NA if np.isnan(v) else bool(v) for v in crit], dtype="boolean")
        if self.group_level:
            out = out.drop_duplicates(["group", "session", "onset", "level", "scale"])
        out = out.astype({"group": str, "level": str, "scale": str, "rule": str, "session": "int64", "onset": "int64"})
        order = ["group", "member", "session", "onset", "_k"]  # watched facets in the rule's order
        return out.sort_values(order, na_position="first", kind="stable", ignore_index=True).drop(columns="_k")


# -- helpers ----------------------------------------------------------------------------------
LISTED = 20  # problems of a table listed before the rest are only counted


MAX_CELLS = 50_000_000
"""The most values a :class:`ScorePanel` holds (400 MB): units x highest session x facets."""


def _panel_shape(source: str, session_column: str, n_units: int, n_sessions: int, n_facets: int) -> tuple[int, int, int]:
    """The panel's shape, or a :class:`GQDataError` when sessions numbered this high would not fit in memory."""
    if n_units * n_sessions * n_facets > MAX_CELLS:
        expected = (f"sessions numbered from 1 for each person: a panel of {n_units:,} people x {n_sessions:,} sessions x {n_facets} series "
                    f"would hold {n_units * n_sessions * n_facets:,} values, more than the {MAX_CELLS:,} a panel holds")  # fmt: skip
        raise GQDataError(source, [Problem("", session_column, str(n_sessions), expected)], advice="renumber the sessions, or split the table")
    return n_units, n_sessions, n_facets


def _as_score(value: object) -> float:
    """One cell as a float: NaN for text or objects (judged by the caller), inf for a number too large."""
    try:
        return float(value) if isinstance(value, (numbers.Real, str)) and not isinstance(value, bool) else np.nan
    except OverflowError:
        return np.inf
    except ValueError:
        return np.nan


class _Finite:
    """A column of scores: finite numbers or empty cells, read as numbers (exactly: no detour through text)."""

    def parse(self, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
        """The numbers (NaN where empty or rejected), and where a cell is neither a finite number nor empty."""
        if cells.dtype.kind in "mMcV" or isinstance(cells.dtype, (pd.PeriodDtype, pd.IntervalDtype)):  # dates, durations, complex: no scores
            return pd.Series(np.full(len(cells), np.nan)), cells.notna().to_numpy()
        with np.errstate(over="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                number = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            except (OverflowError, TypeError, ValueError):  # integers too large for a float, odd objects: cell by cell
                number = np.array([_as_score(v) for v in cells], dtype=float)
        bad = np.isinf(number)
        unread = np.flatnonzero(np.isnan(number) & cells.notna().to_numpy())  # text, which is fine only when blank
        bad[unread] = cells.iloc[unread].astype(str).str.strip().ne("").to_numpy()
        if cells.dtype == object or pd.api.types.is_bool_dtype(cells):  # True is no score, though pandas reads it as 1
            bad |= cells.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
        return pd.Series(np.where(bad, np.nan, number)), bad

    def expected(self) -> str:
        return "a finite number (or empty)"


def _parsed(source: str, table: pd.DataFrame, columns: dict[str, Column | _Finite]) -> list[pd.Series]:
    """The named columns of ``table`` read as the given kinds, or one error naming every bad cell."""
    parsed, problems, n_bad = [], [], 0
    for name, kind in columns.items():
        values, bad = kind.parse(table[name])
        parsed.append(values)
        rows = np.flatnonzero(bad)
        n_bad += len(rows)
        cells = table[name].iloc[rows[:LISTED]]
        problems += [Problem(f"row {label}", name, "" if pd.api.types.is_scalar(v) and pd.isna(v) else str(v), kind.expected()) for label, v in cells.items()]
    if problems:
        raise GQDataError(source, problems[:LISTED], n_bad - len(problems[:LISTED]), advice="fix the table")
    return parsed


def _ordered(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Code of each id and the distinct ids as text: as numbers when all are whole numbers (1, 2, 10), else as text."""
    codes, labels = pd.factorize(ids, sort=True)
    number = pd.to_numeric(pd.Series(labels), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isfinite(number).all() and (number == np.floor(number)).all():
        order = np.argsort(number, kind="stable")  # equal numbers ("1", "01") stay in text order
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        codes, labels = rank[codes], labels[order]
    return codes, np.asarray(labels, dtype=object)


def _units(group: pd.Series, member: pd.Series) -> tuple[np.ndarray, pd.DataFrame]:
    """Unit of each row, and the units (group, member) sorted by group, then member."""
    (g, groups), (m, members) = _ordered(group), _ordered(member)
    n = max(len(members), 1)
    keys, unit_of = np.unique(g * n + m, return_inverse=True)
    return unit_of, pd.DataFrame({"group": groups[keys // n], "member": members[keys % n]})


def _places(source: str, table: pd.DataFrame, index: tuple[np.ndarray, ...], shape: tuple[int, ...], key: str) -> np.ndarray:
    """Flat position of each row in an array of ``shape``; an error names rows repeating an earlier row's ``key``."""
    flat = np.ravel_multi_index(index, shape)
    repeated = pd.Series(flat).duplicated().to_numpy()
    if repeated.any():
        where = [Problem(f"row {label}", "", "", f"one row per {key}") for label in table.index[repeated][:LISTED]]
        raise GQDataError(source, where, int(repeated.sum()) - len(where), advice="fix the table")
    return flat


def _session_numbers(index: np.ndarray) -> pd.arrays.IntegerArray:
    """0-based session indices to session numbers, ``<NA>`` where the index is -1."""
    return pd.array([pd.NA if i < 0 else int(i) + 1 for i in index], dtype="Int64")


def _previous_observed(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each session, the last non-NaN value at an earlier session and its index (-1 if none)."""
    units, n_sessions, k = values.shape
    idx = np.where(~np.isnan(values), np.arange(n_sessions)[None, :, None], -1)
    last = np.maximum.accumulate(idx, axis=1)
    prev = np.concatenate([np.full((units, 1, k), -1), last[:, :-1]], axis=1)
    out = np.take_along_axis(values, np.clip(prev, 0, None), axis=1)
    return np.where(prev >= 0, out, np.nan), prev


def _group_total(groups: np.ndarray, x: np.ndarray) -> np.ndarray:
    """For each unit, the sum of ``x`` over the units of its group (``groups`` from :meth:`ScorePanel.group_codes`)."""
    total = np.zeros((groups.max() + 1 if len(groups) else 0, *x.shape[1:]))
    np.add.at(total, groups, x)
    return total[groups]


def _direction(scales: tuple[str, ...], worse: dict[str, float] | None) -> np.ndarray:
    if worse is not None and not isinstance(worse, dict):
        raise GQConfigError("worse", worse, "None, or a dict of scale -> +1 (higher is worse) or -1 (lower is worse)")
    lookup = {**WORSE, **(worse or {})}
    missing = [s for s in scales if s not in lookup]
    if missing:
        raise GQConfigError("scales", missing[0], f"a GQ scale ({', '.join(WORSE)}), or give its direction with worse={{{missing[0]!r}: +1 or -1}}")
    if any(isinstance(lookup[s], bool) or lookup[s] not in (1, -1) for s in scales):
        raise GQConfigError("worse", worse, f"a direction, +1 (higher is worse) or -1 (lower is worse), for each of {list(scales)}")
    return np.array([lookup[s] for s in scales], dtype=float)


def check_params(rule: Rule) -> None:
    """Check a rule's parameters where it is made (call it from ``__post_init__``; the built-ins do).

    Each parameter has the kind of its default (True/False, a whole number, a finite number; numbers become
    plain int or float) and passes its declared :class:`Accepts`.

    Parameters
    ----------
    rule : Rule
        The rule being made (a frozen dataclass: plain numbers are set in place).

    Raises
    ------
    GQConfigError
        Naming the first parameter that is refused and what it accepts.
    """
    for f in dataclasses.fields(rule):
        default, value, name = f.default, getattr(rule, f.name), f"{type(rule).__name__}.{f.name}"
        if "accepts" in f.metadata:
            f.metadata["accepts"].check(type(rule).__name__, f.name, value)
        if isinstance(default, bool):
            if not isinstance(value, (bool, np.bool_)):
                raise GQConfigError(name, value, "True or False")
            object.__setattr__(rule, f.name, bool(value))
        elif isinstance(default, int):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                raise GQConfigError(name, value, "a whole number")
            object.__setattr__(rule, f.name, int(value))
        elif isinstance(default, float):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(float(value)):
                raise GQConfigError(name, value, "a finite number")
            object.__setattr__(rule, f.name, float(value))


def _check_norms(name: str, scales: tuple[str, ...], level: str) -> None:
    """Without an explicit cutoff, every watched facet needs gqkit's norms."""
    missing = [s for s in scales if (s, level) not in NORM_SD]
    if missing:
        raise GQConfigError(name, None, f"explicit values for {missing}: gqkit has norms for the GQ facets only")


def _same_time(shape: tuple[int, ...]) -> np.ndarray:
    """``raised`` for rules that alert at the onset session itself."""
    return np.broadcast_to(np.arange(shape[1])[None, :, None], shape).copy()


@dataclass(frozen=True, kw_only=True)
class _SeriesRule(Rule):
    """Shared parameters of the rules that watch scales at one level, and their checks."""

    scales: tuple[str, ...] = param(("PB", "PW", "NR"), SCALES)
    level: str = param("all", LEVEL)
    worse: dict | None = None

    def __post_init__(self) -> None:
        check_params(self)
        _direction(self.scales, self.worse)
        self._check()

    def _check(self) -> None:
        """Checks of a subclass's own parameters."""

    def watched(self, panel: ScorePanel) -> list[int]:
        return [panel.facet_index(s, self.level) for s in self.scales]


# -- norms: where the defaults of the series rules come from ------------------------------------
NORM_MEAN = {
    ("PB", "all"): 5.17, ("PB", "MM"): 5.18, ("PB", "ML"): 5.19, ("PB", "MG"): 5.15,
    ("PW", "all"): 4.97, ("PW", "ML"): 4.99, ("PW", "MG"): 4.96,
    ("NR", "all"): 2.44, ("NR", "MM"): 2.44, ("NR", "ML"): 2.42, ("NR", "MG"): 2.47,
}  # fmt: skip
"""Mean of each GQ facet (scale, level) among members at their first session, from gqkit's
default model (1,000 groups, seed 2026, no feedback; ``tests/test_detect.py`` regenerates it).
The GQ's own norms are proprietary."""

NORM_SD = {
    ("PB", "all"): 0.70, ("PB", "MM"): 0.81, ("PB", "ML"): 0.80, ("PB", "MG"): 0.86,
    ("PW", "all"): 0.75, ("PW", "ML"): 0.82, ("PW", "MG"): 0.89,
    ("NR", "all"): 0.68, ("NR", "MM"): 0.78, ("NR", "ML"): 0.79, ("NR", "MG"): 0.86,
}  # fmt: skip
"""SD of each GQ facet among members at their first session, from the same cohort as
:data:`NORM_MEAN`. Give your own norms with a rule's ``norm_sd`` or explicit cutoffs."""

NORM_CHANGE_SD = {
    ("PB", "all"): 0.30, ("PB", "MM"): 0.51, ("PB", "ML"): 0.50, ("PB", "MG"): 0.48,
    ("PW", "all"): 0.39, ("PW", "ML"): 0.54, ("PW", "MG"): 0.54,
    ("NR", "all"): 0.30, ("NR", "MM"): 0.46, ("NR", "ML"): 0.53, ("NR", "MG"): 0.53,
}  # fmt: skip
"""SD of the change in each GQ facet between a member's consecutive attended sessions, from the
same cohort as :data:`NORM_MEAN` -- the standard error of a difference (``S_diff``, Jacobson &
Truax, 1991) measured directly. A facet with few items changes more from session to session by
chance: about 0.5 points at a level against 0.3 for a subscale, so one threshold in answer
points cannot fit every level."""

# -- status and change --------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class StatusAlert(_SeriesRule):
    """A score in the at-risk range: bond or work too low, negative relationship too high.

    GQ feedback reports flag a subscale that falls in an at-risk range against norms
    (Burlingame et al., 2018). The manual's cutoffs are proprietary. By default each watched
    facet's cutoff lies ``z`` norm SDs beyond its norm mean (:data:`NORM_MEAN`,
    :data:`NORM_SD`), in the way Jacobson & Truax (1991) place a cutoff two SDs beyond a
    reference group's mean; so a member-leader facet, which spreads more than its subscale, gets
    a cutoff further out. Give your own with ``cutoffs``.

    Parameters
    ----------
    cutoffs : dict, optional
        Scale -> cutoff on the answer scale, the same at any level. A score at or beyond it
        (below for PB/PW, above for NR) alerts. ``None`` (default): from the norms and ``z``.
    z : float
        Norm SDs between the norm mean and the cutoff when ``cutoffs`` is None (default 2.0,
        as Jacobson & Truax's, 1991, cutoff *a*).
    scales, level : which facets to watch ("all" = subscales).
    worse : dict, optional
        Direction of other series (+1 higher is worse, -1 lower is worse).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"group": "g", "member": "a", "session": [1, 2], "scale": "PB", "level": "all", "score": [5.5, 3.5]})
    >>> StatusAlert(scales=("PB",)).detect(s)[["session", "onset"]].to_dict("records")
    [{'session': 2, 'onset': 2}]
    >>> StatusAlert().limits().round(2).tolist()  # PB and PW: mean - 2 SD; NR: mean + 2 SD
    [3.77, 3.47, 3.8]
    """

    name: ClassVar[str] = "status"
    cutoffs: dict | None = None
    z: float = param(2.0, POSITIVE)

    def _check(self) -> None:
        if self.cutoffs is None:
            _check_norms("StatusAlert.cutoffs", self.scales, self.level)
            return
        if not isinstance(self.cutoffs, dict):
            raise GQConfigError("StatusAlert.cutoffs", self.cutoffs, "None, or a dict of scale -> cutoff")
        missing = [s for s in self.scales if s not in self.cutoffs]
        if missing:
            raise GQConfigError("StatusAlert.cutoffs", self.cutoffs, f"a cutoff for every watched scale; missing {missing}")
        for s in self.scales:
            value = self.cutoffs[s]
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(float(value)):
                raise GQConfigError(f"StatusAlert.cutoffs[{s!r}]", value, "a finite number on the answer scale")

    def limits(self) -> np.ndarray:
        """The cutoff of each watched scale: ``cutoffs``, or ``z`` norm SDs beyond the norm mean."""
        if self.cutoffs is not None:
            return np.array([float(self.cutoffs[s]) for s in self.scales])
        sign = _direction(self.scales, self.worse)
        return np.array([NORM_MEAN[(s, self.level)] + w * self.z * NORM_SD[(s, self.level)] for s, w in zip(self.scales, sign)])

    def evidence(self, panel: ScorePanel) -> Evidence:
        values = panel.values[:, :, self.watched(panel)]
        sign = _direction(self.scales, self.worse)
        strength = 1 + sign * (values - self.limits())
        with np.errstate(invalid="ignore"):
            alert = strength >= 1
        return Evidence(alert=alert, strength=strength, raised=_same_time(values.shape))


@dataclass(frozen=True, kw_only=True)
class ChangeAlert(_SeriesRule):
    """Reliable worsening since the member's previous attended session.

    GQ feedback reports raise a change alert when a subscale worsens reliably from one session
    to the next (Burlingame et al., 2018): bond or work falling, or negative relationship
    rising, by more than a threshold. By default each watched facet's threshold is ``z`` times
    its norm SD of session-to-session change (:data:`NORM_CHANGE_SD`, the S_diff of Jacobson &
    Truax, 1991): 0.8-1.0 points for a subscale, 1.2-1.4 for a level's facet, whose fewer
    items change more by chance.

    Why ``z = 2.6`` and not the textbook 1.96: a member's series offers some 30 comparisons (15
    session pairs, 2-3 scales), so a per-comparison RCI flags about half of the members of
    groups with no rupture at all. ``z = 2.6`` flags 5-7% of them at every level, inside the
    4.6-11% that Vittengl et al. (2015) found for sudden-change rules on series without change
    (``benchmarks/rule_rates.py`` measures it).

    Parameters
    ----------
    threshold : float, optional
        Smallest change that counts, in answer-scale points, for every watched scale. ``None``
        (default): each facet's ``z * NORM_CHANGE_SD``. The simulated leader's feedback report
        uses a fixed 0.88 (:data:`FEEDBACK_RULE`).
    z : float
        Multiple of the norm SD of change, when ``threshold`` is None (2.6; see above).
    scales, level : which facets to watch ("all" = subscales).
    worse : dict, optional
        Direction of other series (+1 higher is worse, -1 lower is worse).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"group": "g", "member": "a", "session": [1, 2, 3],
    ...                   "scale": "PB", "level": "all", "score": [6.0, 4.5, 4.4]})
    >>> ChangeAlert(scales=("PB",)).detect(s)[["session", "pre", "post"]].to_dict("records")
    [{'session': 2, 'pre': 1, 'post': 2}]
    >>> ChangeAlert(level="ML").thresholds().round(2).tolist()  # PB, PW, NR at member-leader
    [1.3, 1.4, 1.38]
    """

    name: ClassVar[str] = "change"
    threshold: float | None = param(None, optional(POSITIVE))
    z: float = param(2.6, POSITIVE)

    def _check(self) -> None:
        if self.threshold is None:
            _check_norms("ChangeAlert.threshold", self.scales, self.level)
        else:
            object.__setattr__(self, "threshold", float(self.threshold))

    def thresholds(self) -> np.ndarray:
        """The threshold of each watched scale: ``threshold``, or ``z`` times the facet's norm SD of change."""
        if self.threshold is not None:
            return np.full(len(self.scales), self.threshold)
        return np.array([self.z * NORM_CHANGE_SD[(s, self.level)] for s in self.scales])

    def evidence(self, panel: ScorePanel) -> Evidence:
        values = panel.values[:, :, self.watched(panel)]
        sign = _direction(self.scales, self.worse)
        previous, prev_idx = _previous_observed(values)
        strength = sign * (values - previous) / self.thresholds()
        with np.errstate(invalid="ignore"):
            alert = strength > 1
        post = np.where(np.isnan(values), -1, _same_time(values.shape))
        return Evidence(alert=alert, strength=strength, raised=_same_time(values.shape), pre=prev_idx, post=post)


FEEDBACK_RULE = ChangeAlert(threshold=round(rci(1.0, 0.90), 2))
"""The alert the simulated leader's feedback report raises (``simulate(feedback=True)``): a change
of more than 0.88 points in a subscale, the reliable change index for an assumed norm SD of 1.0
and reliability .90 (Jacobson & Truax, 1991), as the GQ report's change alert is an RCI against
norms (Burlingame et al., 2018) whose values are proprietary. The model's feedback effects are
calibrated with it."""


# -- rupture-repair sequences --------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class VEpisode(_SeriesRule):
    """A V: a drop of ``k`` SD below the member's own level, then a rebound within ``m`` sessions.

    Stiles et al. (2004) used a strict (about 2 SD) and Strauss et al. (2006) a looser (about
    1 SD) drop (attribution assumed); Gumz et al. (2012) advise combining within- and
    between-person variability and taking the stricter. The member's *own level* and
    within-person SD come from their sessions before the drop; the "between-person" SD is the SD
    of every score the members of their own group gave before the drop (members and sessions
    pooled, theirs included). A member is thus compared with their own group only: a group's
    alerts never depend on the other groups of the table (or of a simulated batch). The rupture
    is claimed at the drop; the alert is raised when the rebound -- back above half the drop
    threshold -- is seen.

    The default ``k = 1`` is the loose criterion. It suits the subscales, where it flags about a
    fifth of the members of groups without any rupture; a level's facet, with fewer items,
    moves more by chance, and ``k = 1`` flags 40-56% of them there (``k = 1.5``: 11-19%;
    ``k = 2``: 2-4%; ``benchmarks/rule_rates.py``). Take a stricter ``k`` at a level.

    Parameters
    ----------
    k : float
        Drop size in SDs (1 or 2 in the literature).
    m : int
        Sessions after the drop within which the rebound must come (declines can last up to 6;
        Gumz et al., 2012).
    sd : {"within", "between", "stricter"}
        Which variability sets the SD.
    min_history : int
        Sessions before the drop needed to estimate the member's level.
    scales, level : which facets to watch ("all" = subscales).
    worse : dict, optional
        Direction of other series (+1 higher is worse, -1 lower is worse).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"group": "g", "member": "a", "session": range(1, 8), "scale": "PB", "level": "all",
    ...                   "score": [5.0, 5.4, 4.8, 5.2, 3.0, 5.1, 5.0]})
    >>> VEpisode(scales=("PB",), sd="within").detect(s)[["onset", "session"]].to_dict("records")
    [{'onset': 5, 'session': 6}]
    """

    name: ClassVar[str] = "v_episode"
    k: float = param(1.0, POSITIVE)
    m: int = param(6, whole(1))
    sd: str = param("stricter", one_of("within", "between", "stricter"))
    min_history: int = param(3, whole(2))

    def evidence(self, panel: ScorePanel) -> Evidence:
        x = panel.values[:, :, self.watched(panel)] * _direction(self.scales, self.worse)  # higher = worse now
        U, S, K = x.shape
        seen = ~np.isnan(x)
        csum = np.concatenate([np.zeros((U, 1, K)), np.nancumsum(x, axis=1)], axis=1)[:, :-1]  # sum before s
        csq = np.concatenate([np.zeros((U, 1, K)), np.nancumsum(x**2, axis=1)], axis=1)[:, :-1]
        count = np.concatenate([np.zeros((U, 1, K)), np.cumsum(seen, axis=1)], axis=1)[:, :-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            level = csum / count
            within = np.sqrt(np.maximum(csq - count * level**2, 0) / (count - 1))
            # between-person SD: of every score the member's group gave before s
            tot, tot_sq, n = (_group_total(panel.group_codes(), a) for a in (csum, csq, count))
            between = np.sqrt(np.maximum(tot_sq - tot**2 / n, 0) / (n - 1))
        spread = {"within": within, "between": between, "stricter": np.fmax(within, between)}[self.sd]
        usable = (count >= self.min_history) & (spread > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            depth = np.where(usable, (x - level) / spread, np.nan)  # SDs worse than own level
        drop = depth >= self.k
        strength = np.full(x.shape, np.nan)
        raised = np.full(x.shape, -1)
        alert = np.zeros(x.shape, bool)
        pending = drop.copy()
        for lag in range(1, min(self.m, S - 1) + 1):  # a rebound needs a later session
            later = np.full(x.shape, np.nan)
            later[:, : S - lag] = x[:, lag:]
            with np.errstate(invalid="ignore", divide="ignore"):
                back = pending & ((later - level) / spread <= self.k / 2)
            alert |= back
            raised = np.where(back, np.arange(S)[None, :, None] + lag, raised)
            pending &= ~back
        strength = np.where(usable, depth / self.k, np.nan)
        # keep "strength >= 1 where the rule alerts": a drop without a rebound stays just below 1
        strength = np.where(alert | np.isnan(strength), strength, np.minimum(strength, 0.999))
        return Evidence(alert=alert, strength=strength, raised=raised)


# -- sudden gains and losses (Tang & DeRubeis, 1999, as suddengains implements them) -----------
BEST = {"PB": 7.0, "PW": 7.0, "NR": 1.0}
"""The best end of each GQ scale on the 1-7 answers: high bond and work, low negative relationship."""


@dataclass(frozen=True, kw_only=True)
class _Sudden(_SeriesRule):
    cutoff: float | None = param(None, optional(POSITIVE))
    reliability: float = param(0.90, within(0, 1, "a reliability from 0 up to, but not including, 1", high_open=True))
    norm_sd: dict | None = param(None, optional(_BY_SCALE_POSITIVE))
    best: dict | None = param(None, optional(_BY_SCALE))
    pct: float = param(0.25, within(-1, 1, "a share from -1 to 1"))
    crit3: bool = True
    alpha: float = param(0.05, within(0, 1, "a probability between 0 and 1", low_open=True, high_open=True))
    adjust: bool = True
    critical_value: float = param(2.776, POSITIVE)

    improving: ClassVar[bool]

    def _check(self) -> None:
        if self.cutoff is None:
            missing = [s for s in self.scales if s not in (self.norm_sd or {}) and (s, self.level) not in NORM_SD]
            if missing:
                raise GQConfigError(f"{type(self).__name__}.cutoff", None, f"a cutoff, or norm_sd for {missing} (gqkit has norms for the GQ scales only)")

    def evidence(self, panel: ScorePanel) -> Evidence:
        x = panel.values[:, :, self.watched(panel)]
        U, N, K = x.shape
        w = _direction(self.scales, self.worse)  # +1: higher is worse
        shape = (U, N, K)
        crit = {name: np.full(shape, np.nan) for name in ("crit1", "crit2", "crit3")}
        strength = np.full(shape, np.nan)
        raised = np.full(shape, -1)
        pre = np.full(shape, -1)
        post = np.full(shape, -1)
        provisional = np.zeros(shape, bool)
        k = np.arange(1, max(N - 2, 1))  # 0-based pregain positions; suddengains tests k = 2 .. N-2 (1-based)
        cutoff = self.cutoffs()
        best = np.array([{**BEST, **(self.best or {})}.get(s, 0.0) for s in self.scales])
        if len(k) and N >= 4:
            a, b = x[:, k], x[:, k + 1]
            better = w * (a - b)  # improvement from pregain to postgain
            change = better if self.improving else -better
            both = ~np.isnan(a) & ~np.isnan(b)
            with np.errstate(invalid="ignore"):
                crit["crit1"][:, k + 1] = np.where(both, change >= cutoff, np.nan)
                crit["crit2"][:, k + 1] = np.where(both, change >= self.pct * np.abs(a - best), np.nan)
            # windows of up to three scores before (pregain included) and after (postgain included)
            seen = ~np.isnan(x)
            zero = np.zeros((U, 1, K))
            total = np.concatenate([zero, np.cumsum(np.where(seen, x, 0.0), axis=1)], axis=1)
            square = np.concatenate([zero, np.cumsum(np.where(seen, x * x, 0.0), axis=1)], axis=1)
            count = np.concatenate([zero, np.cumsum(seen, axis=1)], axis=1)
            lo1, hi1, lo2, hi2 = np.maximum(0, k - 2), k + 1, k + 1, np.minimum(N, k + 4)

            def window(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
                n = count[:, hi] - count[:, lo]
                with np.errstate(invalid="ignore", divide="ignore"):
                    mean = (total[:, hi] - total[:, lo]) / n
                    var = (square[:, hi] - square[:, lo] - n * mean**2) / (n - 1)
                return n, mean, np.maximum(var, 0)

            n1, m1, v1 = window(lo1, hi1)
            n2, m2, v2 = window(lo2, hi2)
            df = (n1 + n2 - 2).astype(int)
            with np.errstate(invalid="ignore", divide="ignore"):
                pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / df)
            # t quantiles for the only possible df (0..4: up to three scores on either side)
            critical = np.abs(stats.t.ppf(self.alpha / 2, np.maximum(np.arange(5), 1)))
            t_crit = critical[np.clip(df, 0, 4)] if self.adjust else self.critical_value
            gap = w * (m1 - m2) if self.improving else w * (m2 - m1)
            with np.errstate(invalid="ignore"):
                crit["crit3"][:, k + 1] = np.where((n1 >= 2) & (n2 >= 2), gap > t_crit * pooled, np.nan)
            strength[:, k + 1] = change / cutoff
            raised[:, k + 1] = np.minimum(N - 1, k + 3)[None, :, None]
            provisional[:, k + 1] = (k + 3 > N - 1)[None, :, None]
            pre[:, k + 1], post[:, k + 1] = k[None, :, None], (k + 1)[None, :, None]
        used = ["crit1", "crit2"] + (["crit3"] if self.crit3 else [])
        combined = np.prod([crit[c] for c in used], axis=0)  # NaN propagates even over 0, as in suddengains
        criteria = {c: crit[c] for c in used}
        alert = np.nan_to_num(combined, nan=0.0) == 1
        return Evidence(alert=alert, strength=strength, raised=raised, pre=pre, post=post, criteria=criteria, provisional=provisional)

    def cutoffs(self) -> np.ndarray:
        """Criterion 1's cutoff per watched scale: ``cutoff``, or the RCI from the norm SD and ``reliability``."""
        if self.cutoff is not None:
            return np.full(len(self.scales), float(self.cutoff))
        cutoffs = []
        for s in self.scales:
            sd = (self.norm_sd or {}).get(s, NORM_SD.get((s, self.level)))
            assert sd is not None, "_check: without a cutoff, every watched scale has a norm SD"
            cutoffs.append(rci(sd, self.reliability))
        return np.array(cutoffs)

    def combined(self, panel: ScorePanel) -> np.ndarray:
        """The combined flag per interval (1, 0 or NaN), indexed by postgain session.

        Parameters
        ----------
        panel : ScorePanel
            The scores.
        """
        ev = self.evidence(panel)
        return np.prod(list(ev.criteria.values()), axis=0)


@dataclass(frozen=True, kw_only=True)
class SuddenLoss(_Sudden):
    """A sudden, large and stable worsening between two sessions (sudden-gain criteria mirrored).

    Criteria of Tang & DeRubeis (1999) as the R package suddengains 0.7.2 implements them
    (Wiedemann et al., 2020), checked cell by cell against its output in the tests:

    1. the worsening from the pregain to the postgain session is at least the cutoff;
    2. it is at least ``pct`` of the room the pregain score had towards the scale's best end;
    3. (``crit3=True``) the mean of up to three scores after the change is worse than the mean
       of up to three before by more than ``t * pooled SD``; ``t`` is the t quantile for
       ``alpha`` and the available df when ``adjust`` (2.776 with all six scores), else
       ``critical_value``.

    A criterion is NA when its data are missing, and NA propagates into the combined flag even
    where another criterion is 0, as in suddengains. Intervals run from the 2nd to the
    (N-2)-th session; the alert is raised when the post window is complete (postgain + 2, or
    the last session). Online, session by session (as simulated feedback), an interval is
    raised only once its full post window is in, so the last intervals of a series are judged
    only by :meth:`detect` on the complete data, as suddengains does.

    **Defaults that fit the GQ's scale.** The cutoff is the reliable change index
    (:func:`gqkit.rci`, Jacobson & Truax, 1991) of each watched facet, from its norm SD
    (:data:`NORM_SD`: gqkit's default model at members' first sessions, since the GQ's norms
    are proprietary) and ``reliability``. Criterion 2 measures the loss against the distance
    from the best end of the bounded 1-7 scale (7 for PB and PW, 1 for NR): a member at 5.2 on
    PB has 1.8 points to lose bond from, not 5.2. On 300 simulated groups without any
    rupture the defaults flag about 4% of members (Vittengl et al., 2015 found 4.6-11% for
    sudden-change rules on series without change); the suddengains-style cutoff of 0.88 on
    the raw score flagged none.

    Parameters
    ----------
    cutoff : float, optional
        Criterion 1's cutoff for every watched scale; ``None`` (default): the RCI of each
        watched facet from ``norm_sd`` and ``reliability``.
    reliability : float
        Reliability for the RCI (0.90: an assumed GQ subscale alpha).
    norm_sd : dict, optional
        Scale -> norm SD, replacing :data:`NORM_SD` (needed for scales other than the GQ's
        when ``cutoff`` is None).
    best : dict, optional
        Scale -> best possible score, for criterion 2 (defaults: :data:`BEST` for the GQ
        scales, 0 for any other scale -- suddengains' reading, a share of the score itself).
    pct : float
        Criterion 2's share. **Deliberate difference:** suddengains' losses use
        ``sg_crit2_pct = .25`` with the gain formula, which makes criterion 2 nearly vacuous
        (a loss passes unless the score *falls* by more than 25%); here ``pct`` means what it
        says, and ``pct=-0.25`` with ``best={scale: 0}`` reproduces suddengains' default.
    crit3, alpha, adjust, critical_value
        Criterion 3 and its t quantile, as in suddengains.
    scales, level : which facets to watch ("all" = subscales).
    worse : dict, optional
        Direction of other series (+1 higher is worse, -1 lower is worse).

    Examples
    --------
    >>> round(float(SuddenLoss().cutoffs()[0]), 2)  # PB: rci(0.70, 0.90)
    0.61
    >>> SuddenLoss(level="ML").cutoffs().round(2).tolist()
    [0.7, 0.72, 0.69]
    """

    name: ClassVar[str] = "sudden_loss"
    improving: ClassVar[bool] = False


@dataclass(frozen=True, kw_only=True)
class SuddenGain(_Sudden):
    """A sudden, large and stable improvement (Tang & DeRubeis, 1999), exactly as suddengains.

    The mirror of :class:`SuddenLoss` (see there); with ``worse={"bdi": 1}`` and the same
    settings it reproduces ``suddengains::identify_sg`` cell for cell.

    Parameters
    ----------
    cutoff, reliability, norm_sd, best, pct, crit3, alpha, adjust, critical_value
        As for :class:`SuddenLoss`, with the change measured as an improvement.
    scales, level : which facets to watch ("all" = subscales).
    worse : dict, optional
        Direction of other series (+1 higher is worse, -1 lower is worse).
    """

    name: ClassVar[str] = "sudden_gain"
    improving: ClassVar[bool] = True
    finds_ruptures: ClassVar[bool] = False  # gains, not ruptures


# -- several members at once ------------------------------------------------------------------------
def _worsening(panel: ScorePanel, cols: list[int], sign: np.ndarray) -> np.ndarray:
    """Mean signed worsening since each unit's previous attended session, over the given facets."""
    values = panel.values[:, :, cols]
    previous, _ = _previous_observed(values)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a session with no score gives NaN, as intended
        return np.nanmean(sign * (values - previous), axis=2)


@dataclass(frozen=True, kw_only=True)
class GroupDrop(_SeriesRule):
    """Several present members worsen on group-referent scores in the same session.

    A rupture with the group as a whole shows in many members' member-group ratings at once
    (Burlingame, Alldredge & Arnold, 2021). Alerts the whole group (member ``<NA>``) when at
    least ``min_members`` members worsen by ``threshold`` or more since their previous session.

    Parameters
    ----------
    threshold : float
        Mean worsening over the watched facets, in answer points, that counts for a member (0.5,
        assumed).
    min_members : int
        Members who must worsen in the same session (3, assumed).
    scales, level : which facets to watch (PB, PW and NR at member-group by default).
    worse : dict, optional
        Direction of other series (+1 higher is worse, -1 lower is worse).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"group": "g", "member": [m for m in "abc" for _ in (1, 2)], "session": [1, 2] * 3,
    ...                   "scale": "PB", "level": "MG", "score": [6.0, 5.0, 6.0, 5.0, 6.0, 5.8]})
    >>> GroupDrop(scales=("PB",)).detect(s)[["session"]].to_dict("records")  # a and b drop 1 point, c only 0.2
    []
    >>> GroupDrop(scales=("PB",), min_members=2).detect(s)[["session", "level"]].to_dict("records")  # one alert for the group
    [{'session': 2, 'level': 'MG'}]
    """

    name: ClassVar[str] = "group_drop"
    group_level: ClassVar[bool] = True
    threshold: float = param(0.5, POSITIVE)
    min_members: int = param(3, whole(2))
    level: str = param("MG", LEVEL)


    def watched(self, panel: ScorePanel) -> list[int]:
        return [panel.facet_index(self.scales[0], self.level)]

    def evidence(self, panel: ScorePanel) -> Evidence:
        cols = [panel.facet_index(s, self.level) for s in self.scales]
        change = _worsening(panel, cols, _direction(self.scales, self.worse))
        with np.errstate(invalid="ignore"):
            dropped = (change >= self.threshold).astype(float)
        strength = (_group_total(panel.group_codes(), dropped) / self.min_members)[:, :, None]
        alert = strength >= 1
        return Evidence(alert=alert, strength=strength, raised=_same_time(alert.shape))


@dataclass(frozen=True, kw_only=True)
class DyadDrop(_SeriesRule):
    """Two members worsen together on member-member scores: bond falls and negativity rises.

    A member-member rupture strains both members of the pair (Burlingame, Alldredge & Arnold,
    2021). A member alerts when they and at least one other member of the group worsen by
    ``threshold`` or more on the mean of the watched member-member facets in the same session.

    Parameters
    ----------
    threshold : float
        Mean worsening over the watched facets, in answer points, that counts (0.7, assumed).
    scales, level : which facets to watch (PB and NR at member-member by default).
    worse : dict, optional
        Direction of other series (+1 higher is worse, -1 lower is worse).
    """

    name: ClassVar[str] = "dyad_drop"
    threshold: float = param(0.7, POSITIVE)
    scales: tuple[str, ...] = param(("PB", "NR"), SCALES)
    level: str = param("MM", LEVEL)

    def watched(self, panel: ScorePanel) -> list[int]:
        return [panel.facet_index(self.scales[0], self.level)]

    def evidence(self, panel: ScorePanel) -> Evidence:
        cols = [panel.facet_index(s, self.level) for s in self.scales]
        change = np.nan_to_num(_worsening(panel, cols, _direction(self.scales, self.worse)), nan=-np.inf)
        groups = panel.group_codes()
        # the largest change among the *other* members of the group, per session
        best = np.full((groups.max() + 1 if len(groups) else 0, change.shape[1]), -np.inf)
        second = best.copy()
        for u in range(len(groups)):  # units of one group are few; vectorised over sessions
            g = groups[u]
            c = change[u]
            second[g] = np.where(c > best[g], best[g], np.maximum(second[g], c))
            best[g] = np.maximum(best[g], c)
        other = np.where(change == best[groups], second[groups], best[groups])
        with np.errstate(invalid="ignore"):
            strength = (np.minimum(change, other) / self.threshold)[:, :, None]
        strength = np.where(np.isfinite(strength), strength, np.nan)
        alert = np.nan_to_num(strength, nan=0.0) >= 1
        return Evidence(alert=alert, strength=strength, raised=_same_time(alert.shape))


# -- a researcher's own rule -------------------------------------------------------------------------
_PARAMS = Accepts(lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v), "a dict of keyword name -> value, passed as func(history, **params)")


def _keywords(func: Callable[..., Any]) -> tuple[set[str], set[str]] | None:
    """The keyword arguments ``func`` takes after the history, and those of them without a default; None when
    it takes any (``**kwargs``) or its signature cannot be read (a builtin)."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    later = list(signature.parameters.values())
    if later and later[0].kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        later = later[1:]  # the history
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in later):
        return None
    named = [p for p in later if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)]
    return {p.name for p in named}, {p.name for p in named if p.default is inspect.Parameter.empty}


@dataclass(frozen=True, kw_only=True)
class FunctionRule(Rule):
    """Turn a plain function into a rule.

    ``func(history, **params)`` receives one member's scores on one watched facet up to and
    including the session being judged (a 1-D array, NaN for missed sessions), and the keyword
    arguments in ``params``, and returns the evidence for a rupture *at that session*; 1 or
    more raises an alert. Causal by construction: the function never sees the future. It runs
    once per member, session and facet, so keep it quick.

    ``params`` are the rule's parameters in the function: :meth:`~Rule.get_params` shows them,
    :meth:`~Rule.replace` changes one by its nested name (``rule.replace(params__drop=1.2)``)
    and :func:`gqkit.evaluate.sweep` sweeps it (``sweep(rule, "params__drop", ...)``). The rule
    checks at construction that the function takes each of them as a keyword argument and
    that every keyword argument without a default is given.

    Parameters
    ----------
    func : callable
        ``func(history, **params) -> float``, the evidence at the history's last session (NaN:
        none).
    params : dict of str to object
        Keyword arguments passed to ``func`` at every call (default: none).
    scales : tuple of str
        The scales watched, one series each.
    level : str
        The level watched ("all" = subscales).
    label : str
        The rule's name in the ``rule`` column of its detections (and in sweeps and Monte
        Carlo tables).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"group": "g", "member": "a", "session": [1, 2, 3], "scale": "PB", "level": "all",
    ...                   "score": [6.0, 6.0, 3.0]})
    >>> def below(history, cutoff):
    ...     return cutoff / history[-1] if history[-1] == history[-1] else float("nan")
    >>> below_four = FunctionRule(func=below, params={"cutoff": 4.0}, scales=("PB",), label="below")
    >>> below_four.detect(s)["session"].tolist()
    [3]
    >>> below_four.replace(params__cutoff=2.0).detect(s)["session"].tolist()  # nothing below 2
    []
    >>> below_four.numeric_params()
    {'params__cutoff': 4.0}
    """

    name: ClassVar[str] = "function"
    func: Callable[..., float] = param(accepts=Accepts(callable, "a function of one member's score history"))
    params: dict[str, Any] = param(factory=dict, accepts=_PARAMS)
    scales: tuple[str, ...] = param(("PB",), SCALES)
    level: str = param("all", LEVEL)
    label: str = "function"

    def __post_init__(self) -> None:
        check_params(self)
        keywords = _keywords(self.func)
        if keywords is not None:
            taken, required = keywords
            name = getattr(self.func, "__name__", "func")
            unknown = sorted(set(self.params) - taken)
            if unknown:
                raise GQConfigError(f"FunctionRule.params[{unknown[0]!r}]", self.params[unknown[0]],
                                    f"a keyword argument {name} takes after the history: {', '.join(sorted(taken)) or 'it takes none'}")  # fmt: skip
            missing = sorted(required - set(self.params))
            if missing:
                raise GQConfigError("FunctionRule.params", self.params, f"a value for each keyword argument of {name} without a default; missing {missing}")

    def watched(self, panel: ScorePanel) -> list[int]:
        return [panel.facet_index(s, self.level) for s in self.scales]

    def evidence(self, panel: ScorePanel) -> Evidence:
        x = panel.values[:, :, self.watched(panel)]
        U, S, K = x.shape
        strength = np.full(x.shape, np.nan)
        func, params = self.func, self.params
        for u in range(U):
            for k in range(K):
                for s in range(S):
                    if not np.isnan(x[u, s, k]):
                        strength[u, s, k] = float(func(x[u, : s + 1, k].copy(), **params))
        alert = np.nan_to_num(strength, nan=0.0) >= 1
        return Evidence(alert=alert, strength=strength, raised=_same_time(x.shape))

    def detect(self, scores: pd.DataFrame | ScorePanel) -> pd.DataFrame:
        return super().detect(scores).assign(rule=self.label)

    def numeric_params(self) -> dict[str, float | int]:
        return {**super().numeric_params(), **{f"params__{k}": v for k, v in self.params.items() if _real(v)}}


RULES: dict[str, type[Rule]] = {cls.name: cls for cls in (StatusAlert, ChangeAlert, VEpisode, SuddenLoss, SuddenGain, GroupDrop, DyadDrop)}
"""The built-in rules by name, the one list the CLI, the explorers and the exercises offer
(those with ``finds_ruptures`` when the task is finding ruptures). Each works with its defaults;
:class:`FunctionRule` is not listed, since it needs a function."""
