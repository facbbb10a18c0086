"""How well does a rule find the injected ruptures? Matching, metrics, sweeps, Monte Carlo.

Event-level scoring: each injected rupture is found at most once and each detection matches
at most one rupture. :func:`match_events` finds the **largest** such one-to-one matching (and,
among the largest, the one with the shortest delays), as a minimum-cost assignment per group.
A greedy or strict-window matcher undercounts -- the ``ruptures`` package's metric does -- so
the tests check this one against brute force.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from ._units import run_units
from .detect import Rule
from .errors import GQConfigError, GQDataError, Problem
from .schema import DETECTIONS, GROUP, MEMBER, SESSION, Column, Schema
from .simulation import Cohort, SimulationConfig, simulate
from .simulation.config import LEVELS

__all__ = [
    "FACTORS",
    "OUTCOMES",
    "SHIFTS",
    "Matching",
    "alert_outcomes",
    "evaluate",
    "match_each",
    "match_events",
    "metrics_table",
    "monte_carlo",
    "pointwise",
    "sweep",
    "sweep_table",
    "sweep_values",
]

_FORBIDDEN = 1e9  # cost of a pair that may not match; far above any sum of allowed delays


@dataclass(frozen=True)
class Matching:
    """The result of :func:`match_events`.

    Parameters
    ----------
    truth : DataFrame
        The ruptures, with ``found`` (bool) and ``delay`` (alert session minus true onset).
    detections : DataFrame
        The detections, with ``matched`` (bool), the ``rupture_id`` they matched, and
        ``redundant`` (bool): unmatched, but about a rupture that another detection already
        found -- the second member of a pair, or a second alert about one V. A redundant alert is
        neither a hit nor a false alarm.
    """

    truth: pd.DataFrame
    detections: pd.DataFrame


TRUTH = Schema(
    "events",
    (GROUP, MEMBER, SESSION, Column("kind", "id"), Column("level", "choice", choices=LEVELS), Column("source", "text"), Column("rupture_id", "id")),
)
"""The columns of a truth (events) table that matching needs."""


def _check_tolerance(tolerance: tuple[int, int]) -> tuple[int, int]:
    ok = isinstance(tolerance, tuple) and len(tolerance) == 2 and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in tolerance)
    if not ok or not 0 <= tolerance[0] <= tolerance[1]:
        raise GQConfigError("tolerance", tolerance, "(low, high) whole numbers with 0 <= low <= high, e.g. (0, 3)")
    return int(tolerance[0]), int(tolerance[1])


def _ruptures(truth: Cohort | pd.DataFrame) -> pd.DataFrame:
    if not isinstance(truth, (Cohort, pd.DataFrame)):
        raise GQConfigError("truth", type(truth).__name__, "a Cohort or its events table")
    events = truth.events if isinstance(truth, Cohort) else truth
    typed = TRUTH.check(events, "truth", advice="pass a cohort's events table")
    return typed.assign(source=typed["source"].replace("", pd.NA))[typed["kind"].to_numpy() == "rupture"].reset_index(drop=True)


def _detections(detections: pd.DataFrame, source: str = "detections") -> pd.DataFrame:
    """The detections with their matching columns as checked (ids stripped, levels spelled as gqkit does)."""
    if not isinstance(detections, pd.DataFrame):
        raise GQConfigError(source, type(detections).__name__, "a detections DataFrame (a rule's detect() output)")
    typed = DETECTIONS.check(detections, source, advice="pass a rule's detect() output")
    early = np.flatnonzero(typed["session"].to_numpy() < typed["onset"].to_numpy())
    if len(early):
        raise GQDataError(source, [Problem(f"row {detections.index[i]}", "session", str(typed["session"].iloc[i]), "a session at or after the onset (a rule alerts when it sees)")
                                         for i in early[:20]], max(len(early) - 20, 0), advice="pass a rule's detect() output")  # fmt: skip
    return typed.assign(member=typed["member"].replace("", pd.NA))


def match_events(truth: Cohort | pd.DataFrame, detections: pd.DataFrame, tolerance: tuple[int, int] = (0, 3)) -> Matching:
    """Match detections to injected ruptures, one to one, as many as possible.

    A detection may match a rupture when it is in the same group; it names the strained member
    (or, for a member-member rupture, the other member of the pair), or names no member (a
    whole-group alert); it claims the rupture's level or makes no level claim (level "all");
    and its claimed ``onset`` falls ``tolerance[0]`` to ``tolerance[1]`` sessions after the
    true onset, inclusive. An alert before the onset is a false alarm.

    Parameters
    ----------
    truth : Cohort or DataFrame
        A cohort, or its ``events`` table (at least group, member, session, kind, level,
        source and rupture_id; only rows of kind ``rupture`` are used).
    detections : DataFrame
        A rule's ``detect()`` output: at least group, member (empty for a whole-group
        alert), session (when the alert is raised), onset (the session it claims the
        rupture began) and level (MM, ML, MG or ``all``). Every session must be at or after
        its onset.
    tolerance : (int, int), default (0, 3)
        How many sessions after the true onset a detection's claimed ``onset`` may fall,
        inclusive: whole numbers with 0 <= low <= high. The default is the kit's choice,
        not a cited value.

    Returns
    -------
    Matching
        The ruptures with ``found`` and ``delay``, and the detections with ``matched``,
        ``rupture_id`` and ``redundant``.

    Raises
    ------
    GQDataError
        If either table lacks a column or holds a value it cannot accept.
    GQConfigError
        If ``tolerance`` is not a valid window or an argument has the wrong type.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"group": "g", "member": ["a", "b"], "session": [3, 5], "kind": "rupture",
    ...                       "level": "ML", "type": "withdrawal", "source": "leader", "rupture_id": ["r1", "r2"]})
    >>> found = pd.DataFrame({"group": "g", "member": ["a", "a", "b"], "session": [4, 5, 9], "onset": [4, 5, 9],
    ...                       "level": "all"})
    >>> match_events(truth, found, tolerance=(0, 2)).truth[["rupture_id", "found", "delay"]].to_dict("records")
    [{'rupture_id': 'r1', 'found': True, 'delay': 1}, {'rupture_id': 'r2', 'found': False, 'delay': None}]
    """
    low, high = _check_tolerance(tolerance)
    return _match(_ruptures(truth), _detections(detections), low, high)


def _match(ruptures: pd.DataFrame, found: pd.DataFrame, low: int, high: int) -> Matching:
    """:func:`match_events` on checked tables (``_ruptures``, ``_detections``)."""
    ruptures = ruptures.assign(source=lambda t: t["source"].fillna("").astype(str))
    pairs = ruptures.reset_index(names="r").merge(found.reset_index(names="d")[["d", "group", "member", "onset", "session", "level"]],
                                                   on="group", suffixes=("", "_det"))  # fmt: skip
    member_ok = pairs["member_det"].isna() | (pairs["member_det"] == pairs["member"]) | ((pairs["level"] == "MM") & (pairs["member_det"] == pairs["source"]))
    level_ok = (pairs["level_det"] == "all") | (pairs["level_det"] == pairs["level"])
    lag = pairs["onset"] - pairs["session"]
    pairs = pairs[member_ok.to_numpy(dtype=bool) & level_ok.to_numpy() & lag.between(low, high).to_numpy()]
    pairs = pairs.assign(delay=pairs["session_det"] - pairs["session"])
    match_r, match_d, delays = [], [], []
    for _, block in pairs.groupby("group", sort=False):
        rows, r_index = np.unique(block["r"].to_numpy(), return_inverse=True)
        cols, d_index = np.unique(block["d"].to_numpy(), return_inverse=True)
        cost = np.full((len(rows), len(cols)), _FORBIDDEN)
        cost[r_index, d_index] = block["delay"].to_numpy(dtype=float)
        ri, di = linear_sum_assignment(cost)
        keep = cost[ri, di] < _FORBIDDEN
        match_r += list(rows[ri[keep]])
        match_d += list(cols[di[keep]])
        delays += list(cost[ri[keep], di[keep]])
    truth_out = ruptures.assign(found=False, delay=pd.array([pd.NA] * len(ruptures), dtype="Int64"))
    truth_out.loc[match_r, "found"] = True
    truth_out.loc[match_r, "delay"] = np.array(delays, dtype=int)
    det_out = found.assign(matched=False, rupture_id=pd.array([pd.NA] * len(found), dtype="string"))
    det_out.loc[match_d, "matched"] = True
    det_out.loc[match_d, "rupture_id"] = ruptures.loc[match_r, "rupture_id"].to_numpy()
    eligible_for_found = set(pairs.loc[pairs["r"].isin(match_r), "d"])
    det_out["redundant"] = ~det_out["matched"] & det_out.index.isin(eligible_for_found)
    return Matching(truth_out, det_out)


_SEP = "|"  # joins a group id and the index of a table: one matching serves every table of match_each


def match_each(truth: Cohort | pd.DataFrame, detections: Sequence[pd.DataFrame], tolerance: tuple[int, int] = (0, 3)) -> list[Matching]:
    """:func:`match_events` for each of several detections tables, in one call: quicker for a sweep.

    Matching is done group by group, so matching each table against the truth is matching all
    of them at once with each table's groups (and a copy of the truth) renamed apart; the
    result is what a :func:`match_events` call per table gives (the tests check it).

    Parameters
    ----------
    truth : Cohort or DataFrame
        A cohort, or its ``events`` table, as for :func:`match_events`.
    detections : sequence of DataFrame
        Detections tables, e.g. a rule's ``detect()`` output at each value of a parameter.
    tolerance : (int, int), default (0, 3)
        The matching window, as for :func:`match_events`.

    Returns
    -------
    list of Matching
        One per detections table, in their order.

    Raises
    ------
    GQDataError
        If the truth or a table lacks a column or holds a value it cannot accept (a table is
        named by its position, ``detections[2]``).
    GQConfigError
        If ``detections`` is not a list of tables or ``tolerance`` is not a valid window.

    Examples
    --------
    >>> from gqkit import simulate
    >>> from gqkit.detect import ChangeAlert
    >>> c = simulate(n_groups=3, seed=1)
    >>> found = [ChangeAlert(z=z).detect(c.scores()) for z in (2.0, 3.0)]
    >>> [m.truth["found"].sum() for m in match_each(c, found)] == [match_events(c, d).truth["found"].sum() for d in found]
    True
    """
    low, high = _check_tolerance(tolerance)
    if isinstance(detections, (pd.DataFrame, str)) or not isinstance(detections, Sequence):
        raise GQConfigError("detections", type(detections).__name__, "a list of detections tables (each a rule's detect() output)")
    ruptures = _ruptures(truth)
    found = _each_checked(detections)
    if not found:
        return []
    tag = lambda table, i: table.assign(group=table["group"].astype(str) + f"{_SEP}{i}")  # noqa: E731
    both = _match(pd.concat([tag(ruptures, i) for i in range(len(found))], ignore_index=True),
                  pd.concat([tag(f, i) for i, f in enumerate(found)], ignore_index=True), low, high)  # fmt: skip
    out, n, start = [], len(ruptures), 0
    for i, f in enumerate(found):  # rows stay in the order given: split them by position
        t = both.truth.iloc[i * n : (i + 1) * n].set_axis(ruptures.index).assign(group=ruptures["group"])
        d = both.detections.iloc[start : start + len(f)]
        out.append(Matching(t, f.assign(matched=d["matched"].to_numpy(), rupture_id=d["rupture_id"].array, redundant=d["redundant"].to_numpy())))
        start += len(f)
    return out


def _each_checked(detections: Sequence[pd.DataFrame]) -> list[pd.DataFrame]:
    """``_detections`` of each table. Tables of one layout (a sweep's) are checked together, which is quicker; a table
    at fault is named by its position."""
    if detections and all(isinstance(d, pd.DataFrame) for d in detections) and all(d.dtypes.equals(detections[0].dtypes) for d in detections):
        try:
            typed = _detections(pd.concat(list(detections), ignore_index=True))
        except (GQConfigError, GQDataError):
            pass  # checked one by one below, to name the table at fault
        else:
            bounds = np.cumsum([0, *(len(d) for d in detections)])
            return [typed.iloc[a:b].set_axis(d.index) for a, b, d in zip(bounds[:-1], bounds[1:], detections)]
    return [_detections(d, f"detections[{i}]") for i, d in enumerate(detections)]


OUTCOMES = ("hit", "redundant", "late", "false alarm")
"""What an alert was, given the truth (see :func:`alert_outcomes`)."""


def alert_outcomes(matching: Matching, tolerance: tuple[int, int] = (0, 3)) -> pd.DataFrame:
    """Each detection of a matching with what it was: hit, redundant, late or false alarm.

    A **hit** found a rupture; a **redundant** alert is about a rupture another alert already
    found; a **late** alert is about a rupture of the same member (or pair) that began earlier
    and was missed, but claims an onset beyond the tolerance window; anything else is a **false
    alarm**. Late alerts count as false alarms in :func:`evaluate`'s precision; this separates
    them, because a rule that is right but slow needs a wider window, not a stricter threshold.

    Parameters
    ----------
    matching : Matching
        From :func:`match_events`.
    tolerance : (int, int), default (0, 3)
        The window the matching used; an unmatched alert whose onset lies beyond a missed
        rupture's onset plus ``tolerance[1]`` is late.

    Returns
    -------
    DataFrame
        ``matching.detections`` with an ``outcome`` column (one of :data:`OUTCOMES`).

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"group": "g", "member": "a", "session": [3], "kind": "rupture", "level": "ML",
    ...                       "type": "withdrawal", "source": "leader", "rupture_id": ["r1"]})
    >>> found = pd.DataFrame({"group": "g", "member": ["a", "b"], "session": [9, 4], "onset": [9, 4], "level": "all"})
    >>> alert_outcomes(match_events(truth, found, (0, 2)), (0, 2))["outcome"].tolist()
    ['late', 'false alarm']
    """
    _, high = _check_tolerance(tolerance)
    det = matching.detections
    missed = matching.truth[~matching.truth["found"].astype(bool)]
    outcome = np.where(det["matched"], "hit", np.where(det["redundant"], "redundant", "false alarm")).astype(object)
    candidates = det.reset_index(names="d").merge(missed[["group", "member", "source", "level", "session"]], on="group", suffixes=("", "_rupture"))
    same = (candidates["member"].isna() | (candidates["member"] == candidates["member_rupture"])
            | ((candidates["level_rupture"] == "MM") & (candidates["member"] == candidates["source"])))  # fmt: skip
    late = candidates[same.fillna(False).to_numpy(bool) & (candidates["onset"] > candidates["session_rupture"] + high).to_numpy()]
    is_late = det.index.isin(late["d"]) & (outcome == "false alarm")
    outcome[is_late] = "late"
    return det.assign(outcome=outcome)


def _metrics(truth: pd.DataFrame, detections: pd.DataFrame, exposure: float) -> dict[str, float]:
    n_true, n_found = len(truth), int(truth["found"].sum())
    n_hit = int(detections["matched"].sum())
    n_redundant = int(detections["redundant"].sum()) if "redundant" in detections else 0
    n_det = len(detections) - n_redundant  # hits and false alarms
    recall = n_found / n_true if n_true else np.nan
    precision = n_hit / n_det if n_det else np.nan
    if n_true and n_found == 0:
        f1 = 0.0  # nothing found: F1 is 0 whatever the precision
    elif np.isnan(precision) or np.isnan(recall):
        f1 = np.nan
    else:
        f1 = 2 * precision * recall / (precision + recall)
    delays = truth.loc[truth["found"], "delay"].astype(float)
    return {
        "ruptures": n_true,
        "found": n_found,
        "recall": recall,
        "detections": n_det,
        "matched": n_hit,
        "redundant": n_redundant,
        "precision": precision,
        "f1": f1,
        "false_alarms_per_100": 100 * (n_det - n_hit) / exposure if exposure else np.nan,
        "median_delay": float(delays.median()) if len(delays) else np.nan,
    }


_SCOPES = ("overall", *LEVELS)  # what sweep scores a rule on: every rupture, or the ruptures of one level


def _scope_metrics(matching: Matching, scope: str, exposure: float) -> dict[str, float]:
    """The ``overall`` row of :func:`metrics_table`, or its row for one level: recall among that level's ruptures,
    precision among the detections that claim it (none there: no detections, precision undefined)."""
    truth, found = matching.truth, matching.detections
    if scope == "overall":
        return _metrics(truth, found, exposure)
    claims = found[found["level"] == scope] if len(found) else found
    row = _metrics(truth[truth["level"] == scope], claims, exposure)
    if claims.empty:
        row.update(detections=0, matched=0, redundant=0, precision=np.nan, false_alarms_per_100=np.nan)
    return row


def evaluate(cohort: Cohort, detections: pd.DataFrame, tolerance: tuple[int, int] = (0, 3)) -> pd.DataFrame:
    """Precision, recall, F1, false alarms per 100 member-sessions and median delay.

    ``detections`` counts hits and false alarms; ``redundant`` alerts (a second alert about a
    rupture already found, see :class:`Matching`) are counted apart and left out of precision.
    Rows: ``overall``; one per rupture ``level`` (recall over ruptures of that level, precision
    over detections that claim it); one per rupture ``type`` (recall only: rules do not claim a
    type).

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort: its events are the truth, its attended member-sessions the
        exposure for false alarms per 100.
    detections : DataFrame
        A rule's ``detect()`` output on ``cohort.scores()``, as for :func:`match_events`.
    tolerance : (int, int), default (0, 3)
        How many sessions after the true onset a detection's claimed ``onset`` may fall,
        inclusive: whole numbers with 0 <= low <= high. The default is the kit's choice,
        not a cited value.

    Returns
    -------
    DataFrame
        One row per scope (overall, then each level, then each type): scope, key, ruptures,
        found, recall, detections, matched, redundant, precision, f1, false_alarms_per_100,
        median_delay (sessions). NaN where a rate has no denominator or does not apply.

    Examples
    --------
    >>> from gqkit import simulate
    >>> from gqkit.detect import ChangeAlert
    >>> c = simulate(n_groups=5, seed=1)
    >>> table = evaluate(c, ChangeAlert().detect(c.scores()))
    >>> table["scope"].tolist()[:2], bool(0 <= table.loc[0, "recall"] <= 1)
    (['overall', 'level'], True)
    """
    if not isinstance(cohort, Cohort):
        raise GQConfigError("cohort", type(cohort).__name__, "a simulated Cohort (evaluate needs its attended sessions; match_events takes an events table)")
    return metrics_table(cohort, match_events(cohort, detections, tolerance))


def metrics_table(cohort: Cohort, matching: Matching) -> pd.DataFrame:
    """:func:`evaluate`'s table from a matching already made (an explorer that also draws it matches once).

    Parameters
    ----------
    cohort : Cohort
        The simulated cohort (its attended member-sessions give the exposure).
    matching : Matching
        From :func:`match_events` on ``cohort``'s truth; not checked against it.

    Returns
    -------
    DataFrame
        As :func:`evaluate` returns.
    """
    truth, found = matching.truth, matching.detections
    exposure = float(cohort.attended.sum())
    rows = [{"scope": "overall", "key": "all", **_scope_metrics(matching, "overall", exposure)}]
    rows += [{"scope": "level", "key": level, **_scope_metrics(matching, level, exposure)} for level in LEVELS]
    for kind in ("withdrawal", "confrontation", "cultural"):
        row = _metrics(truth[truth["type"] == kind], found.iloc[0:0], exposure)
        row.update(detections=np.nan, matched=np.nan, redundant=np.nan, precision=np.nan, f1=np.nan, false_alarms_per_100=np.nan)
        rows.append({"scope": "type", "key": kind, **row})
    return pd.DataFrame(rows)


def pointwise(cohort: Cohort, detections: pd.DataFrame) -> dict[str, float]:
    """Session-by-session scoring -- the trap event-level scoring avoids.

    Labels every attended member-session as *ruptured* (a rupture of that member is open: from
    its onset up to, not including, its repair) or not, and every member-session with an alert
    as *positive*; then counts as if each session were a separate case. A rule that raises one
    timely alert per rupture scores a poor point-wise recall, because a rupture stays open for
    several sessions; a rule that alerts every session a member is low scores well. Use it to
    show the trap, not to judge a rule.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort (members named ``m01``, ``m02`` ..., as the simulator names them).
    detections : DataFrame
        A rule's ``detect()`` output (group, member, session); whole-group alerts (no
        member) are ignored.

    Returns
    -------
    dict
        recall and precision (float, NaN without a denominator) and
        ruptured_member_sessions (int).
    """
    events = cohort.events
    ruptures = events[events["kind"] == "rupture"]
    resolving = events[(events["kind"] != "rupture") & events["resolved"].fillna(False).astype(bool)]  # a resolved repair or a fade
    n_sessions = cohort.attended.shape[-1]
    ends = ruptures["rupture_id"].map(resolving.set_index("rupture_id")["session"]).fillna(n_sessions + 1).astype(int)
    open_sessions = {
        (g, m, s) for g, m, start, end in zip(ruptures["group"], ruptures["member"], ruptures["session"], ends) for s in range(start, end)
    }
    groups = cohort.groups["group"].to_numpy()
    g, m, s = np.nonzero(cohort.attended)
    attended = set(zip(groups[g], [f"m{i + 1:02d}" for i in m], (s + 1).tolist()))
    labelled = open_sessions & attended
    alerts = {(gg, mm, ss) for gg, mm, ss in zip(detections["group"], detections["member"], detections["session"]) if isinstance(mm, str)} & attended
    hit = len(labelled & alerts)
    return {
        "recall": hit / len(labelled) if labelled else np.nan,
        "precision": hit / len(alerts) if alerts else np.nan,
        "ruptured_member_sessions": len(labelled),
    }


FACTORS = (0.25, 0.35, 0.5, 0.65, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
""":func:`sweep_values` sweeps a positive number from a quarter to three times its value."""

SHIFTS = (-1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
""":func:`sweep_values` sweeps a cutoff on the answer scale (an entry for a watched scale, e.g. ``cutoffs__PB``) this many points around its value."""


def _label(rule: Rule) -> str:
    """How tables name a rule: a :class:`~gqkit.detect.FunctionRule`'s label, else the rule's name."""
    return str(getattr(rule, "label", rule.name))


def _accepts(rule: Rule, param: str, value: object) -> bool:
    try:
        rule.replace(**{param: value})
    except GQConfigError:
        return False
    return True


def sweep_values(rule: Rule, param: str) -> list[float | int]:
    """A range to sweep one numeric parameter over, around its current value, that the rule accepts.

    A whole number ``v``: ``v - 5`` to ``v + 5`` (from 1). A cutoff on the answer scale (an
    entry for a scale the rule watches, e.g. ``"cutoffs__PB"``): ``v`` plus each of
    :data:`SHIFTS`. Another positive number: ``v`` times each of :data:`FACTORS`, or, when the
    rule refuses three times ``v`` (a reliability, which stays below 1), ``1 - (1 - v)`` times
    each. Zero or a negative number: ``v`` plus each of :data:`SHIFTS`. Values the rule
    refuses are left out; the current value is always in.

    Parameters
    ----------
    rule : Rule
        Any rule.
    param : str
        One of its :meth:`~gqkit.detect.Rule.numeric_params`, e.g. ``"z"`` or
        ``"params__drop"``.

    Returns
    -------
    list
        Increasing values (3 significant digits).

    Raises
    ------
    GQConfigError
        If ``param`` is not one of the rule's numeric parameters.

    Examples
    --------
    >>> from gqkit.detect import ChangeAlert, VEpisode
    >>> sweep_values(ChangeAlert(threshold=1.0), "threshold")
    [0.25, 0.35, 0.5, 0.65, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0]
    >>> sweep_values(VEpisode(min_history=3), "min_history")
    [2, 3, 4, 5, 6, 7, 8]
    """
    if not isinstance(rule, Rule):
        raise GQConfigError("rule", type(rule).__name__, "a gqkit.detect.Rule (a built-in, a FunctionRule or your own subclass)")
    current = rule.numeric_params()
    if param not in current:
        raise GQConfigError("param", param, f"a numeric parameter of {_label(rule)}: {', '.join(current) or 'none'}")
    v = current[param]
    if isinstance(v, numbers.Integral):
        candidates: list[float | int] = list(range(max(1, int(v) - 5), int(v) + 6))
    else:
        v = float(v)
        on_scale = "__" in param and param.split("__", 1)[1] in getattr(rule, "scales", ())
        if on_scale or v <= 0:
            raw = [v + s for s in SHIFTS]
        elif _accepts(rule, param, 3 * v):
            raw = [v * f for f in FACTORS]
        else:
            raw = [1 - (1 - v) * f for f in reversed(FACTORS)]
        candidates = [v if x == v else float(f"{x:.3g}") for x in raw]
    return sorted({c for c in candidates if c == v or _accepts(rule, param, c)})


def sweep(rule: Rule, param: str, values: Iterable[object], cohort: Cohort, tolerance: tuple[int, int] = (0, 3), *, scope: str = "overall") -> pd.DataFrame:
    """Metrics of ``rule`` for each value of one parameter: a tidy table for curves.

    Each value makes a variant ``rule.replace(param=value)`` (every value is checked before
    anything is detected), so ``param`` may be a nested name: ``"params__drop"`` sweeps the
    keyword argument ``drop`` of a :class:`~gqkit.detect.FunctionRule`'s function,
    ``"cutoffs__PB"`` the PB entry of a :class:`~gqkit.detect.StatusAlert`'s cutoffs (see
    :meth:`~gqkit.detect.Rule.replace`). The scores are read once and every value is matched in
    one call (:func:`match_each`); each row is the row of :func:`evaluate` that ``scope``
    names, exactly as ``evaluate`` on that variant's detections gives it.

    Parameters
    ----------
    rule : Rule
        The rule to vary; its other parameters stay as they are.
    param : str
        The name of one of its parameters, e.g. ``"threshold"``, or ``name__key`` for an entry
        of a dict-valued one, e.g. ``"params__drop"``.
    values : iterable
        The values to try (at least one), in the order the rows should have;
        :func:`sweep_values` proposes some.
    cohort : Cohort
        The simulated cohort to detect on and score against.
    tolerance : (int, int), default (0, 3)
        How many sessions after the true onset a detection's claimed ``onset`` may fall,
        inclusive: whole numbers with 0 <= low <= high. The default is the kit's choice,
        not a cited value.
    scope : {"overall", "MM", "ML", "MG"}, default "overall"
        The row of :func:`evaluate` to report: every rupture, or the ruptures of one level
        (recall among that level's ruptures, precision among the alerts that claim the level).
        Score a rule that claims a level on that level: those are the only ruptures it can
        find. A rule that claims no level has no alerts there (``detections`` 0, precision
        NaN), but its recall there is defined.

    Returns
    -------
    DataFrame
        One row per value: rule (a FunctionRule's ``label``, else the rule's ``name``),
        param, value, scope, then the metrics of :func:`evaluate`'s row (ruptures, found,
        recall, detections, matched, redundant, precision, f1, false_alarms_per_100,
        median_delay).

    Raises
    ------
    GQConfigError
        If the rule has no parameter ``param``, a value is not allowed, ``values`` is empty,
        ``scope`` is not one of the four, or ``cohort`` or ``tolerance`` is malformed.

    Examples
    --------
    >>> import numpy as np
    >>> from gqkit import simulate
    >>> from gqkit.detect import ChangeAlert, FunctionRule
    >>> cohort = simulate(n_groups=4, seed=2)
    >>> table = sweep(ChangeAlert(), "threshold", [0.5, 1.0, 2.0], cohort)
    >>> table["detections"].is_monotonic_decreasing
    True
    >>> def below_own_mean(history, drop):
    ...     past = history[:-1][~np.isnan(history[:-1])]
    ...     return np.nan if len(past) < 2 else (past.mean() - history[-1]) / drop
    >>> mine = FunctionRule(func=below_own_mean, params={"drop": 1.0}, level="MG", label="below_own_mean")
    >>> table = sweep(mine, "params__drop", [0.5, 1.0, 2.0], cohort, scope="MG")
    >>> table["rule"].iloc[0], table["scope"].iloc[0], table["detections"].is_monotonic_decreasing
    ('below_own_mean', 'MG', True)
    """
    if not isinstance(rule, Rule):
        raise GQConfigError("rule", type(rule).__name__, "a gqkit.detect.Rule (a built-in, a FunctionRule or your own subclass)")
    if not isinstance(param, str):
        raise GQConfigError("param", param, f"the name of a parameter of {_label(rule)}, e.g. one of {', '.join(rule.numeric_params()) or 'its parameters'}")
    if not isinstance(cohort, Cohort):
        raise GQConfigError("cohort", type(cohort).__name__, "a simulated Cohort (its injected ruptures are the truth)")
    tolerance = _check_tolerance(tolerance)
    _check_scope(scope)
    values = list(values)
    if not values:
        raise GQConfigError("values", values, f"at least one value of {param}")
    variants = [rule.replace(**{param: value}) for value in values]  # every value checked before the slow part
    panel = cohort.panel()
    return sweep_table(rule, param, values, cohort, match_each(cohort, [v.detect(panel) for v in variants], tolerance), scope=scope)


def _check_scope(scope: object) -> None:
    if not (isinstance(scope, str) and scope in _SCOPES):
        raise GQConfigError("scope", scope, "one of " + ", ".join(map(repr, _SCOPES)) + " (every rupture, or those of one level)")


def sweep_table(rule: Rule, param: str, values: Sequence[object], cohort: Cohort, matchings: Sequence[Matching], *, scope: str = "overall") -> pd.DataFrame:
    """:func:`sweep`'s table from matchings already made (an explorer that keeps them scores other scopes without matching again).

    Parameters
    ----------
    rule : Rule
        The rule swept (it names the rows).
    param : str
        The parameter swept.
    values : sequence
        The values swept, one per matching.
    cohort : Cohort
        The simulated cohort (its attended member-sessions give the exposure).
    matchings : sequence of Matching
        From :func:`match_each` on ``cohort``'s truth, one per value; not checked against them.
    scope : {"overall", "MM", "ML", "MG"}, default "overall"
        The row of :func:`evaluate` to report, as for :func:`sweep`.

    Returns
    -------
    DataFrame
        As :func:`sweep` returns.

    Examples
    --------
    >>> from gqkit import simulate
    >>> from gqkit.detect import ChangeAlert
    >>> c = simulate(n_groups=3, seed=1)
    >>> found = [ChangeAlert(z=z).detect(c.scores()) for z in (2.0, 3.0)]
    >>> sweep_table(ChangeAlert(), "z", [2.0, 3.0], c, match_each(c, found)).equals(sweep(ChangeAlert(), "z", [2.0, 3.0], c))
    True
    """
    _check_scope(scope)
    if len(values) != len(matchings):
        raise GQConfigError("matchings", f"{len(matchings)} matchings", f"one matching per value ({len(values)})")
    exposure = float(cohort.attended.sum())
    rows = [{"rule": _label(rule), "param": param, "value": v, "scope": scope, **_scope_metrics(m, scope, exposure)} for v, m in zip(values, matchings)]
    return pd.DataFrame(rows)


def _unit(config: SimulationConfig, rules: Sequence[Rule], n_groups: int, seed: np.random.SeedSequence, tolerance: tuple[int, int], rep: int) -> pd.DataFrame:
    """One unit of Monte Carlo work: simulate, detect with every rule, evaluate. Picklable."""
    cohort = simulate(config, n_groups=n_groups, seed=seed)
    scores = cohort.scores()
    tables = []
    for i, rule in enumerate(rules):
        table = evaluate(cohort, rule.detect(scores), tolerance)
        tables.append(table.assign(rep=rep, rule=_label(rule), rule_index=i))
    return pd.concat(tables, ignore_index=True)


def monte_carlo(
    config: SimulationConfig | None,
    rules: Rule | Sequence[Rule],
    n_groups: int,
    reps: int,
    *,
    seed: int = 0,
    tolerance: tuple[int, int] = (0, 3),
    executor: Executor | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Repeat simulate -> detect -> evaluate ``reps`` times, on any executor, with the same result.

    Each repetition is one unit of work with its own seed, spawned from ``seed``; so the table
    is identical with no executor, a ``concurrent.futures.ProcessPoolExecutor``, or a Dask
    cluster's ``Client.get_executor()``. (Process and Dask executors need rules that pickle:
    a ``FunctionRule`` should wrap a module-level function, not a lambda, for a process pool.)

    Parameters
    ----------
    config : SimulationConfig or None
        The model to simulate; None for the defaults.
    rules : Rule or sequence of Rule
        The rules to compare (at least one), each run on the same simulated cohorts.
    n_groups : int
        Groups per repetition, a whole number of at least 1.
    reps : int
        How many repetitions, a whole number of at least 1.
    seed : int, default 0
        Root seed; repetition *r* simulates with the *r*-th seed spawned from it.
    tolerance : (int, int), default (0, 3)
        How many sessions after the true onset a detection's claimed ``onset`` may fall,
        inclusive: whole numbers with 0 <= low <= high. The default is the kit's choice,
        not a cited value.
    executor : concurrent.futures.Executor, optional
        Where to run the repetitions; default: one after another in this process.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    DataFrame
        The :func:`evaluate` rows of every repetition and rule, with ``rep`` and ``rule``
        (the rule's ``label`` if it has one, else its ``name``), sorted by rep, then by the
        rules' order.

    Raises
    ------
    GQConfigError
        If ``rules`` is not a rule or a non-empty list of rules, ``n_groups`` or ``reps`` is
        not a whole number of at least 1 (bools are not), or ``tolerance`` is malformed;
        checked before any simulation runs.

    Examples
    --------
    >>> from gqkit.detect import ChangeAlert
    >>> table = monte_carlo(None, ChangeAlert(), n_groups=2, reps=2, seed=3, progress=False)
    >>> table.query("scope == 'overall'")[["rep", "rule"]].to_dict("records")
    [{'rep': 0, 'rule': 'change'}, {'rep': 1, 'rule': 'change'}]
    """
    if isinstance(rules, Rule):
        rules = [rules]
    elif not (isinstance(rules, (list, tuple)) and rules and all(isinstance(r, Rule) for r in rules)):
        raise GQConfigError("rules", rules, "a detection rule or a non-empty list of them, e.g. [ChangeAlert(), StatusAlert()]")
    rules = list(rules)
    for name, value in (("n_groups", n_groups), ("reps", reps)):
        if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1):
            raise GQConfigError(name, value, "a whole number of at least 1")
    tolerance = _check_tolerance(tolerance)
    config = config or SimulationConfig()
    seeds = np.random.SeedSequence(seed).spawn(reps)
    args = [(config, rules, n_groups, s, tolerance, r) for r, s in enumerate(seeds)]
    results = run_units(_unit, args, executor, progress, "monte carlo")
    table = pd.concat(list(results), ignore_index=True)
    return table.sort_values(["rep", "rule_index"], kind="stable", ignore_index=True).drop(columns="rule_index")
