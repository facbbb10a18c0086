"""Pairs, not members: a rupture rule that reads round-robin relationship effects session by session.

A member-member rupture strains one pair. Members' own GQ scores can show that two members
worsen together (:class:`~gqkit.detect.DyadDrop`), but not with whom. A *round robin* -- every
member rating every other one, on a few bond and conflict items -- does: the Social Relations
Model (SRM; Kenny, 1994) splits member i's rating of member j into i's actor effect (how i
rates everyone), j's partner effect (how everyone rates j) and the *relationship effect* of the
ordered pair, how i sees j in particular. A rupture between i and j pulls both of the pair's
relationship effects toward worse (:mod:`gqkit.simulation.round_robin` simulates it).

The pieces, in the order they are used:

* :func:`relationship_scores` / :func:`relationship_panel`: each rated session's relationship
  effects, from that session's round robin only (so causal by construction), averaged over
  the items of each kind into a ``bond`` and a ``conflict`` composite, as a tidy scores table
  or a :class:`~gqkit.detect.ScorePanel` whose units are ordered pairs: member id
  ``"rater>target"`` (:data:`PAIR_SEP`), level ``"MM"``.
* :class:`PairDrop`: the rule. It alerts on a pair whose relationship effects, in both
  directions, fell below what the pair's earlier rated sessions predict, and names the
  direction that fell more. It keeps the rule contract: :func:`gqkit.rule_checks.check_rule`
  passes with ``scores=PairDrop.example_scores()`` (or any ``relationship_scores(...)``).
* :func:`match_pairs` and :func:`pair_metrics`: the rule's alerts against the injected pair
  (the round robin's ``truth``): did it name the ruptured pair, in a session the rupture was
  open?
* :func:`member_detections` and :func:`compare_dyad_rules`: the member-level view, in which
  an alert on a pair finds the member-member rupture of either member as
  :func:`gqkit.evaluate.match_events` matches it, so :class:`PairDrop` and
  :class:`~gqkit.detect.DyadDrop` stand in one table -- with what only a pair rule can add,
  whether the alert named the right pair.

Round robins are costly (n(n-1) ratings per item), so they are collected only in some sessions
(every 4th by default in the simulator); a pair rule sees a rupture only at the next rated
session, and only if it is still open and both members attend, while a rule on the GQ sees it
in the session it starts. The comparison reports the delay and counts every rupture against
every rule alike. ``benchmarks/dyad_rules.py`` puts the two rules side by side.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .detect import LEVEL, POSITIVE, SCALES, Accepts, Evidence, Rule, ScorePanel, check_params, param, whole
from .errors import GQConfigError, GQDataError, Problem
from .evaluate import match_events
from .simulation import Cohort, round_robin_ratings, simulate
from .simulation.round_robin import ITEM_KINDS, TRUTH_COLUMNS, SimulatedRoundRobin
from .srm import MIN_MEMBERS, SRMResult, srm

__all__ = [
    "PAIR_SEP",
    "PAIR_WORSE",
    "SCORE_COLUMNS",
    "PairDrop",
    "PairMatching",
    "compare_dyad_rules",
    "match_pairs",
    "member_detections",
    "pair_metrics",
    "relationship_panel",
    "relationship_scores",
]

PAIR_SEP = ">"
"""Joins rater and target into an ordered pair's id: ``"m02>m05"`` is how m02 sees m05."""

PAIR_WORSE = {"bond": -1.0, "conflict": 1.0}
"""Which way is worse for the round robin's composites: lower bond, higher conflict."""

SCORE_COLUMNS = ("group", "member", "session", "scale", "level", "score", "rater", "target")
"""The columns of :func:`relationship_scores`: a tidy scores table (member is the pair id)
plus the pair's rater and target."""

LEVEL_MM = "MM"


# -- relationship effects, session by session ----------------------------------------------------
def relationship_scores(
    data: SimulatedRoundRobin | pd.DataFrame | SRMResult,
    *,
    kinds: Mapping[str, str] | None = None,
    missing: Literal["error", "impute"] = "impute",
) -> pd.DataFrame:
    """Each rated session's relationship effects of every ordered pair, as a tidy scores table.

    The SRM (Kenny, 1994) is estimated per group, session and item by :func:`gqkit.srm.srm`,
    each round robin on its own: a session's relationship effects use that session's ratings
    only, so a rule reading them is causal by construction, and a group's effects do not depend
    on the other groups. The items' relationship effects (answer-scale points) are averaged per
    kind into the composites ``bond`` (higher is better) and ``conflict`` (higher is worse);
    an item's error averages out, and a rule needs to know only the two directions
    (:data:`PAIR_WORSE`).

    Parameters
    ----------
    data : SimulatedRoundRobin, DataFrame or SRMResult
        Round-robin ratings: :func:`gqkit.round_robin_ratings`' result, a round-robin table
        (:func:`gqkit.read_round_robin`'s columns: group, session, rater, target, item,
        rating), or :func:`gqkit.srm` already run on such a table with its default
        ``by=("session", "item")`` and ``groups=("group",)``.
    kinds : mapping of str to str, optional
        Item -> ``"bond"`` or ``"conflict"``, for every item of the table. Default: the
        simulated model's items (needed for a table or an SRMResult).
    missing : {"impute", "error"}, default "impute"
        Passed to :func:`gqkit.srm.srm` (not used for an SRMResult). ``"impute"`` takes
        round robins in which an absent member simply does not appear, and leaves out a round
        robin of fewer than 4 members.

    Returns
    -------
    DataFrame
        The columns of :data:`SCORE_COLUMNS`: group, member (the pair id ``rater>target``,
        :data:`PAIR_SEP`), session, scale (``bond`` or ``conflict``), level (``MM``), score
        (the mean relationship effect of the kind's items, NaN where every rating of the pair
        was missing), rater and target; sorted by group, session, member and scale. Pass it
        to :meth:`gqkit.detect.ScorePanel.from_scores` (or use :func:`relationship_panel`),
        and as ``scores`` to :func:`gqkit.rule_checks.check_rule`.

    Raises
    ------
    GQConfigError
        If ``data`` is none of the three, ``kinds`` does not give a kind to every item, or
        ``missing`` is not one of the two.
    GQDataError
        What :func:`gqkit.srm.srm` raises for the table; and a member id holding
        :data:`PAIR_SEP`, naming the column.

    Examples
    --------
    >>> import pandas as pd
    >>> x = [[0, 6, 5, 4, 6], [3, 0, 4, 2, 4], [5, 6, 0, 5, 7], [3, 5, 3, 0, 4], [6, 7, 5, 6, 0]]
    >>> table = pd.DataFrame([{"group": "g1", "session": 4, "rater": f"m{i + 1}", "target": f"m{j + 1}", "item": "close", "rating": x[i][j]}
    ...                       for i in range(5) for j in range(5) if i != j])
    >>> scores = relationship_scores(table, kinds={"close": "bond"})
    >>> scores.query("rater == 'm2' and target in ['m3', 'm4']")[["member", "scale", "score"]].round(3).to_dict("records")
    [{'member': 'm2>m3', 'scale': 'bond', 'score': 0.867}, {'member': 'm2>m4', 'scale': 'bond', 'score': -0.6}]
    """
    if missing not in ("error", "impute"):
        raise GQConfigError("missing", missing, "'impute' or 'error'")
    relationship, item_kinds = _relationship_table(data, kinds, missing)
    kind = relationship["item"].astype(str).map(item_kinds)
    frame = pd.DataFrame({
        "group": relationship["group"].astype(str).to_numpy(dtype=object),
        "session": pd.to_numeric(relationship["session"]).to_numpy(dtype=np.int64),
        "rater": relationship["rater"].astype(str).to_numpy(dtype=object),
        "target": relationship["target"].astype(str).to_numpy(dtype=object),
        "scale": kind.to_numpy(dtype=object),
        "score": relationship["relationship"].to_numpy(dtype=float),
    })  # fmt: skip
    _check_ids(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a pair whose every rating was missing keeps NaN
        composite = frame.groupby(["group", "session", "rater", "target", "scale"], sort=False)["score"].mean().reset_index()
    composite["member"] = composite["rater"] + PAIR_SEP + composite["target"]
    composite["level"] = LEVEL_MM
    out = composite[list(SCORE_COLUMNS)].sort_values(["group", "session", "member", "scale"], kind="stable", ignore_index=True)
    return out.astype({"group": str, "member": str, "scale": str, "level": str, "rater": str, "target": str, "session": "int64"})


def relationship_panel(
    data: SimulatedRoundRobin | pd.DataFrame | SRMResult,
    *,
    kinds: Mapping[str, str] | None = None,
    missing: Literal["error", "impute"] = "impute",
) -> ScorePanel:
    """:func:`relationship_scores` as a :class:`~gqkit.detect.ScorePanel`: units are ordered pairs.

    Units are (group, ``"rater>target"``); sessions run from 1 to the last rated session, NaN
    where a session was not rated or the pair did not rate (one of them was absent); facets are
    ``("bond", "MM")`` and ``("conflict", "MM")``.

    Parameters
    ----------
    data : SimulatedRoundRobin, DataFrame or SRMResult
        As for :func:`relationship_scores`.
    kinds : mapping of str to str, optional
        As for :func:`relationship_scores`.
    missing : {"impute", "error"}, default "impute"
        As for :func:`relationship_scores`.

    Returns
    -------
    ScorePanel

    Raises
    ------
    GQConfigError, GQDataError
        As :func:`relationship_scores` raises.

    Examples
    --------
    >>> from gqkit import round_robin_ratings, simulate
    >>> panel = relationship_panel(round_robin_ratings(simulate(n_groups=2, seed=1)))
    >>> panel.values.shape, panel.facets, panel.units["member"].tolist()[:2]
    ((98, 16, 2), (('bond', 'MM'), ('conflict', 'MM')), ['m01>m02', 'm01>m03'])
    """
    return ScorePanel.from_scores(relationship_scores(data, kinds=kinds, missing=missing))


def _relationship_table(data: object, kinds: Mapping[str, str] | None, missing: Literal["error", "impute"]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The SRM's relationship table (group, session, item, rater, target, relationship) and each item's kind."""
    given = _checked_kinds(kinds)
    if isinstance(data, SimulatedRoundRobin):
        result, known = srm(data.ratings, missing=missing), dict(data.model.items)
    elif isinstance(data, pd.DataFrame):
        result, known = srm(data, missing=missing), {}
    elif isinstance(data, SRMResult):
        result, known = data, {}
    else:
        raise GQConfigError("data", type(data).__name__, "round-robin ratings: round_robin_ratings' result, a round-robin table, or srm's result on one")
    relationship = result.relationship
    columns = ["group", "session", "item", "rater", "target", "relationship"]
    absent = [c for c in columns if c not in relationship.columns]
    if absent:
        raise GQConfigError("data", f"an SRMResult without {absent}", "srm's result with by=('session', 'item') and groups=('group',), its defaults")
    item_kinds = {**known, **(given or {})}
    items = sorted(set(relationship["item"].astype(str)))
    unknown = [item for item in items if item not in item_kinds]
    if unknown:
        raise GQConfigError("kinds", None if kinds is None else dict(kinds), f"a kind ({' or '.join(map(repr, ITEM_KINDS))}) for every item of the round robin; missing {unknown}")
    return relationship[columns], item_kinds


def _checked_kinds(kinds: Mapping[str, str] | None) -> dict[str, str] | None:
    """``kinds`` as a dict of item -> kind, or a GQConfigError naming it."""
    if kinds is None:
        return None
    if not isinstance(kinds, Mapping) or not all(isinstance(k, str) and v in ITEM_KINDS for k, v in kinds.items()):
        raise GQConfigError("kinds", kinds, f"a dict of item name -> kind, each kind {' or '.join(map(repr, ITEM_KINDS))}")
    return {str(k): str(v) for k, v in kinds.items()}


def _check_ids(frame: pd.DataFrame) -> None:
    """Member ids must not hold PAIR_SEP, which joins them into pair ids."""
    problems = []
    for column in ("rater", "target"):
        ids = frame[column]
        bad = ids[ids.str.contains(PAIR_SEP, regex=False)].drop_duplicates()
        problems += [Problem("", column, str(v), f"a member id without {PAIR_SEP!r}, which joins rater and target into a pair id") for v in bad[:20]]
    if problems:
        raise GQDataError("round-robin table", problems, advice="rename those members")


# -- the rule ----------------------------------------------------------------------------------------
_REAL = Accepts(lambda v: isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and bool(np.isfinite(float(v))), "a finite number")
_STABILITY = Accepts(lambda v: _REAL.test(v) and 0 <= v <= 0.95, "a correlation from 0 to 0.95")
_WORSE = Accepts(lambda v: v is None or (isinstance(v, dict) and all(isinstance(k, str) for k in v)),
                 "None, or a dict of scale -> +1 (higher is worse) or -1 (lower is worse)")  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class PairDrop(Rule):
    """A pair's relationship effects fall below what its history predicts, both ways: a member-member rupture, named by pair.

    Reads a panel of ordered pairs (:func:`relationship_panel`), session by session:

    1. **Scale.** Each rated session's relationship effects are put in SDs of that round
       robin's own relationship variance, the SRM's ANOVA estimate (Warner, Kenny & Stoto,
       1979; Kenny, 1994), computed per group, session and facet from the pairs rated that
       session only: a group that spreads its ratings and one that does not are judged
       alike, and a group's alerts never depend on other groups.
    2. **Expected.** A direction's expected effect is the mean m of its last ``window`` rated
       sessions (k of them), shrunk toward the SRM's 0 by Kelley's (1927) regression weight
       ``lambda = k rho / (1 + (k - 1) rho)`` for a stability ``rho`` between a pair's
       sessions; a direction without history is expected at 0. Its surprise is ``(z - lambda m)
       / sqrt(1 - lambda rho)``, in SDs of what its history leaves unexplained, so a pair is
       judged from its first rated session on, and a standing poor relationship is not a new
       rupture at every session.
    3. **Worsening.** The surprise toward worse (bond lower, conflict higher), averaged over
       the watched facets.
    4. **Pair.** The pair's evidence is the mean worsening of its two directions (i->j and
       j->i), and each direction must have worsened by at least ``each`` (0: neither is
       better than expected). A rupture strains both members' views of each other, while one
       rater's bad day moves one direction only.
    5. **Alert.** ``strength`` is the pair's evidence over ``threshold`` (the same for both
       directions); the alert is raised once per pair, on the direction that worsened more (its
       rater is more often the strained member), at the rated session it is seen: the claimed
       onset is that session, ``pre`` the last rated session of the direction's history.

    **Defaults.** ``threshold=1.55`` is calibrated, not cited, to a target of at most 5% of
    members in a false alert over a course -- the lower end of the 4.6-11% Vittengl et al.
    (2015) found for sudden-change rules on series without change, where
    :class:`~gqkit.detect.ChangeAlert` is calibrated too: on 500 simulated groups without
    ruptures (the default model and round robin, every 4th of 16 sessions rated; no ruptures,
    no microaggressions; seed 7) it alerts on 0.7% of the pairs, which puts 4.4% of members in
    a false alert (``benchmarks/dyad_rules.py`` measures it on other groups). ``stability=0.35`` is what
    the simulator's default round robin gives between a pair's rated sessions (assumed for
    real groups); ``window=2`` and ``each=0.0`` are assumed.

    Parameters
    ----------
    threshold : float
        The pair's mean worsening, in SDs, that alerts (1.55; calibrated as above).
    stability : float
        Correlation (0 to 0.95) of a direction's relationship effects between rated sessions
        (0.35, assumed). 0 judges each session's effects against the SRM's 0 alone.
    window : int
        How many of the pair's earlier rated sessions make its history (2, assumed).
    each : float
        The least worsening, in the same SDs, of each direction (0.0, assumed). Lower it (e.g.
        -10) to judge on the mean alone.
    scales : tuple of str
        The facets watched (``("bond", "conflict")``, the composites of
        :func:`relationship_scores`).
    level : str
        Their level (``"MM"``).
    worse : dict, optional
        Direction of scales other than bond and conflict (+1 higher is worse, -1 lower is
        worse); see :data:`PAIR_WORSE`.

    Examples
    --------
    >>> from gqkit import Rupture, round_robin_ratings, simulate
    >>> cohort = simulate(n_groups=1, seed=24, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)])
    >>> found = PairDrop().detect(relationship_panel(round_robin_ratings(cohort)))
    >>> found[["member", "session", "onset", "pre", "level"]].to_dict("records")
    [{'member': 'm02>m05', 'session': 8, 'onset': 8, 'pre': 4, 'level': 'MM'}]
    >>> member_detections(found)[["member", "partner"]].to_dict("records")  # who is named at member level
    [{'member': 'm02', 'partner': 'm05'}]
    """

    name: ClassVar[str] = "pair_drop"
    threshold: float = param(1.55, POSITIVE)
    stability: float = param(0.35, _STABILITY)
    window: int = param(2, whole(1))
    each: float = param(0.0, _REAL)
    scales: tuple[str, ...] = param(("bond", "conflict"), SCALES)
    level: str = param(LEVEL_MM, LEVEL)
    worse: dict | None = param(None, _WORSE)

    def __post_init__(self) -> None:
        check_params(self)
        _directions(self.scales, self.worse)

    @classmethod
    def example_scores(cls) -> pd.DataFrame:
        """Relationship scores to check the rule on: three simulated groups, round robins every 2nd session.

        :func:`relationship_scores` of ``round_robin_ratings(simulate(n_groups=3, seed=12),
        sessions=[2, 4, ..., 16])``, the cohort :func:`gqkit.rule_checks.check_rule` checks the
        GQ rules on; pass it as ``check_rule``'s ``scores``.

        Returns
        -------
        DataFrame
            A tidy scores table of ordered pairs (:data:`SCORE_COLUMNS`).

        Examples
        --------
        >>> from gqkit.rule_checks import check_rule
        >>> bool(check_rule(PairDrop(), PairDrop.example_scores())["passed"].all())
        True
        """
        return relationship_scores(round_robin_ratings(simulate(n_groups=3, seed=12), sessions=list(range(2, 17, 2))))

    def watched(self, panel: ScorePanel) -> list[int]:
        return [panel.facet_index(self.scales[0], self.level)]

    def evidence(self, panel: ScorePanel) -> Evidence:
        cols = [panel.facet_index(s, self.level) for s in self.scales]
        values = panel.values[:, :, cols]
        pairs = _pairs(panel.units)
        z = values / _relationship_sd(values, pairs)
        worsening = _mean_over_facets(_directions(self.scales, self.worse) * _surprise(z, self.stability, self.window))
        other = _reciprocal(worsening, pairs.reciprocal)
        with np.errstate(invalid="ignore"):
            strength = (worsening + other) / 2 / self.threshold
            both = np.where(np.isnan(worsening) | np.isnan(other), np.nan, (np.minimum(worsening, other) >= self.each).astype(float))
            leads = (worsening > other) | ((worsening == other) & (np.arange(len(worsening)) < pairs.reciprocal)[:, None])
            alert = (np.nan_to_num(strength, nan=0.0) >= 1) & (both == 1) & leads
        pre = _last_before(~np.isnan(values).all(axis=2))
        post = np.where(np.isnan(strength), -1, np.arange(strength.shape[1])[None, :])
        return Evidence(alert=alert[:, :, None], strength=strength[:, :, None], raised=_same_time(strength.shape)[:, :, None],
                        pre=pre[:, :, None], post=post[:, :, None], criteria={"both_worse": both[:, :, None]})  # fmt: skip


@dataclass(frozen=True)
class _Pairs:
    """The pair units of a panel: rater's and target's member code (within the panel) and the reciprocal unit (-1: none)."""

    rater: np.ndarray
    target: np.ndarray
    member_group: np.ndarray  # group code of each member code
    reciprocal: np.ndarray


def _pairs(units: pd.DataFrame) -> _Pairs:
    """Parse the panel's units as pairs ``rater>target``; a GQDataError names a unit that is not one."""
    ids = units["member"].astype(str)
    parts = ids.str.split(PAIR_SEP, regex=False)
    bad = ~parts.map(lambda p: len(p) == 2 and all(p)).to_numpy(dtype=bool)
    if bad.any():
        problems = [Problem(f"unit {g}", "member", m, f"a pair id 'rater{PAIR_SEP}target' (relationship_panel's units)")
                    for g, m in zip(units["group"][bad][:20], ids[bad][:20])]  # fmt: skip
        raise GQDataError("panel", problems, int(bad.sum()) - len(problems), advice="build the panel with relationship_panel")
    group = units["group"].astype(str).to_numpy(dtype=object)
    rater = group + "\x1f" + parts.str[0].to_numpy(dtype=object)
    target = group + "\x1f" + parts.str[1].to_numpy(dtype=object)
    codes, members = pd.factorize(np.concatenate([rater, target]))
    member_group = pd.factorize(pd.Series(members, dtype=object).str.split("\x1f").str[0])[0] if len(members) else np.zeros(0, np.int64)
    key = pd.Index(rater + PAIR_SEP + target)
    reciprocal = key.get_indexer(pd.Index(target + PAIR_SEP + rater)) if len(key) else np.zeros(0, np.int64)
    return _Pairs(codes[: len(units)], codes[len(units) :], np.asarray(member_group), np.asarray(reciprocal))


def _relationship_sd(values: np.ndarray, pairs: _Pairs) -> np.ndarray:
    """Each unit's round robin's relationship SD per session and facet (units, sessions, facets); NaN where not estimable.

    The SRM's ANOVA estimate (Kenny, 1994, Appendix B; as :func:`gqkit.srm.srm`): with s and d
    the mean and the difference of a dyad's two effects, MS_s = sum 2 s^2 / ((n-1)(n-2)/2 - 1)
    and MS_d = sum d^2 / ((n-1)(n-2)) over the dyads rated both ways, variance (MS_s + MS_d) /
    2; n counts the members in that session's round robin, at least 4 (as srm).
    """
    U, S, K = values.shape
    group = pairs.member_group[pairs.rater] if U else np.zeros(0, np.int64)
    n_groups = int(pairs.member_group.max()) + 1 if len(pairs.member_group) else 0
    other = _reciprocal(values, pairs.reciprocal)
    seen = ~np.isnan(values)
    members = np.zeros((len(pairs.member_group), S, K), dtype=bool)
    np.logical_or.at(members, pairs.rater, seen)
    np.logical_or.at(members, pairs.target, seen)
    n = np.zeros((n_groups, S, K))
    np.add.at(n, pairs.member_group, members.astype(float))
    sums, diffs = np.zeros((n_groups, S, K)), np.zeros((n_groups, S, K))
    np.add.at(sums, group, np.nan_to_num(((values + other) / 2) ** 2))  # each dyad twice: 2 s^2
    np.add.at(diffs, group, np.nan_to_num((values - other) ** 2) / 2)  # each dyad twice: d^2 / 2 each time
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = (sums / ((n - 1) * (n - 2) / 2 - 1) + diffs / ((n - 1) * (n - 2))) / 2
        sd = np.where((n >= MIN_MEMBERS) & (variance > 0), np.sqrt(np.where(variance > 0, variance, 1.0)), np.nan)
    return sd[group]


def _reciprocal(x: np.ndarray, reciprocal: np.ndarray) -> np.ndarray:
    """``x`` of each unit's reciprocal unit (NaN where it has none)."""
    out = x[np.clip(reciprocal, 0, None)] if len(x) else x.copy()
    out = out.astype(float)
    out[reciprocal < 0] = np.nan
    return out


def _previous(observed: np.ndarray) -> np.ndarray:
    """For each (unit, session, ...), the index of the last observed session before it (-1 if none)."""
    S = observed.shape[1]
    shape = (1, S) + (1,) * (observed.ndim - 2)
    idx = np.where(observed, np.arange(S).reshape(shape), -1)
    last = np.maximum.accumulate(idx, axis=1)
    return np.concatenate([np.full_like(last[:, :1], -1), last[:, :-1]], axis=1)


def _last_before(observed: np.ndarray) -> np.ndarray:
    """(units, sessions): the last session before each with an observation (-1: none), where the session itself is observed."""
    return np.where(observed, _previous(observed), -1)


def _surprise(z: np.ndarray, stability: float, window: int) -> np.ndarray:
    """Each value's departure from what its series' last ``window`` observed values predict, in SDs of the residual.

    With k earlier values of mean m, the prediction is ``lambda m``, ``lambda = k rho / (1 + (k -
    1) rho)`` (Kelley's regressed estimate of the lasting part, for values of unit variance
    correlating ``rho`` between occasions); the residual's variance is ``1 - lambda rho``.
    Without history (k = 0) the prediction is 0 and the value is its own surprise.
    """
    observed = ~np.isnan(z)
    previous = _previous(observed)
    total, count, at = np.zeros(z.shape), np.zeros(z.shape), previous
    for _ in range(window):
        ok = at >= 0
        total += np.where(ok, np.take_along_axis(np.nan_to_num(z), np.clip(at, 0, None), axis=1), 0.0)
        count += ok
        at = np.where(ok, np.take_along_axis(previous, np.clip(at, 0, None), axis=1), -1)
    mean = total / np.maximum(count, 1)
    weight = count * stability / (1 + (count - 1) * stability) if stability > 0 else np.zeros(z.shape)
    return (z - weight * mean) / np.sqrt(1 - weight * stability)


def _mean_over_facets(x: np.ndarray) -> np.ndarray:
    """Mean over the last axis, ignoring NaN; NaN where every facet is NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=2) if x.shape[2] else np.full(x.shape[:2], np.nan)


def _same_time(shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.arange(shape[1])[None, :], shape).copy()


def _directions(scales: tuple[str, ...], worse: dict | None) -> np.ndarray:
    """+1 (higher is worse) or -1 of each scale, from :data:`PAIR_WORSE` and ``worse``."""
    lookup: dict[str, Any] = {**PAIR_WORSE, **(worse or {})}
    missing = [s for s in scales if s not in lookup]
    if missing:
        raise GQConfigError("PairDrop.scales", missing[0], f"bond or conflict, or give its direction with worse={{{missing[0]!r}: +1 or -1}}")
    if any(isinstance(lookup[s], (bool, np.bool_)) or lookup[s] not in (1, -1) for s in scales):
        raise GQConfigError("PairDrop.worse", worse, f"a direction, +1 (higher is worse) or -1 (lower is worse), for each of {list(scales)}")
    return np.array([float(lookup[s]) for s in scales])


# -- evaluation against the injected pair --------------------------------------------------------------
@dataclass(frozen=True)
class PairMatching:
    """The result of :func:`match_pairs`: the ruptures a round robin could see, and the pair alerts.

    Parameters
    ----------
    truth : DataFrame
        One row per member-member rupture open in at least one rated session that both members
        attended: group, rupture_id, pair (``a>b``, the two ids in text order), first_seen
        (the first such session), seen (how many such sessions), found (an alert named the pair
        in one of them), found_at (the first, ``<NA>`` if none), delay (found_at - first_seen,
        in sessions); with ``events`` given also onset and delay_from_onset.
    detections : DataFrame
        The alerts, with pair (as in ``truth``), hit (the pair had a rupture open at that
        session), rupture_id (the open ruptures' ids, ``;``-joined, empty for a false alarm) and
        outcome: ``"hit"`` (first alert of a rupture), ``"repeat"`` (a later alert on a rupture
        already found, still a true alarm) or ``"false alarm"``.
    exposure : int
        Rated pair-sessions (a pair counted once, not per direction) in which both members
        attended: the denominator of false alarms per 100.
    """

    truth: pd.DataFrame
    detections: pd.DataFrame
    exposure: int


def match_pairs(
    truth: SimulatedRoundRobin | pd.DataFrame,
    detections: pd.DataFrame,
    *,
    events: Cohort | pd.DataFrame | None = None,
) -> PairMatching:
    """Match pair alerts to the ruptured pairs of a simulated round robin, session by session.

    An alert on ``i>j`` (either direction) at session s is a **hit** when the round robin's
    truth marks the pair ruptured at s (a member-member rupture between i and j open that
    session); a rupture is **found** when an alert names its pair in a rated session in which it
    is open. Ruptures no rated session saw (over before the next round robin, or one of the pair
    absent) are not in the truth: a round robin cannot find them, and
    :func:`compare_dyad_rules` counts them against every rule alike.

    Parameters
    ----------
    truth : SimulatedRoundRobin or DataFrame
        :func:`gqkit.round_robin_ratings`' result or its ``truth`` table
        (:data:`~gqkit.simulation.round_robin.TRUTH_COLUMNS`).
    detections : DataFrame
        A pair rule's ``detect()`` output on :func:`relationship_panel` of the same ratings: at
        least group, member (the pair id ``rater>target``) and session.
    events : Cohort or DataFrame, optional
        The cohort (or its ``events``), to add each rupture's onset and delay_from_onset.

    Returns
    -------
    PairMatching

    Raises
    ------
    GQConfigError
        If an argument is of the wrong kind.
    GQDataError
        If a table lacks a column, an alert's member is not a pair id, or an alert names a
        pair and session the truth does not hold.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"group": "g", "session": [4, 4, 8, 8], "rater": ["a", "b", "a", "b"], "target": ["b", "a", "b", "a"],
    ...                       "present": True, "ruptured": [False, False, True, True], "shock": 0.0, "rupture_id": ["", "", "r1", "r1"]})
    >>> alerts = pd.DataFrame({"group": "g", "member": ["b>a", "a>b"], "session": [8, 4]})
    >>> m = match_pairs(truth, alerts)
    >>> m.detections[["member", "session", "outcome"]].to_dict("records"), bool(m.truth["found"].item()), m.exposure
    ([{'member': 'a>b', 'session': 4, 'outcome': 'false alarm'}, {'member': 'b>a', 'session': 8, 'outcome': 'hit'}], True, 2)
    """
    rows = _truth_rows(truth)
    found = _pair_detections(detections)
    open_ = rows[rows["ruptured"] & rows["present"]]
    cells = rows.drop_duplicates(["group", "session", "pair"]).set_index(["group", "session", "pair"])
    key = pd.MultiIndex.from_arrays([found["group"], found["session"], found["pair"]])
    at = cells.index.get_indexer(key)
    if (at < 0).any():
        bad = np.flatnonzero(at < 0)[:20]
        raise GQDataError("detections", [Problem(f"row {found.index[i]}", "member", f"{found['member'].iloc[i]} at session {found['session'].iloc[i]}",
                                                  "a pair and rated session of the round robin's truth") for i in bad],
                          int((at < 0).sum()) - len(bad), advice="match alerts on the same round robin's relationship panel")  # fmt: skip
    hit = cells["ruptured"].to_numpy(dtype=bool)[at] & cells["present"].to_numpy(dtype=bool)[at]
    ids = np.where(hit, cells["rupture_id"].to_numpy(dtype=object)[at], "")
    found = found.assign(hit=hit, rupture_id=ids.astype(str))
    ruptures = _visible_ruptures(open_)
    hits = found[found["hit"]].assign(rupture_id=lambda t: t["rupture_id"].str.split(";")).explode("rupture_id")
    first = hits.groupby(["group", "rupture_id"])["session"].min()
    found_at = pd.Series(list(zip(ruptures["group"], ruptures["rupture_id"]))).map(first.to_dict())
    ruptures["found"] = found_at.notna().to_numpy()
    ruptures["found_at"] = pd.array(found_at.to_numpy(dtype=object), dtype="Int64")
    ruptures["delay"] = ruptures["found_at"] - pd.array(ruptures["first_seen"], dtype="Int64")
    if events is not None:
        ruptures = _with_onsets(ruptures, events)
    first_alert = hits.sort_values("session", kind="stable").drop_duplicates(["group", "rupture_id"])
    is_first = found.index.isin(first_alert.index)
    found["outcome"] = np.where(is_first, "hit", np.where(found["hit"], "repeat", "false alarm"))
    exposure = len(rows[rows["present"]].drop_duplicates(["group", "session", "pair"]))
    return PairMatching(ruptures.reset_index(drop=True), found.reset_index(drop=True), exposure)


def _truth_rows(truth: object) -> pd.DataFrame:
    """The round robin's truth with the unordered pair of each row."""
    if isinstance(truth, SimulatedRoundRobin):
        truth = truth.truth
    if not isinstance(truth, pd.DataFrame):
        raise GQConfigError("truth", type(truth).__name__, "round_robin_ratings' result or its truth table")
    absent = [c for c in TRUTH_COLUMNS if c not in truth.columns]
    if absent:
        raise GQDataError("truth", [Problem("header", c, "", "a column of the round robin's truth table") for c in absent], advice="pass round_robin_ratings(...).truth")
    rater, target = truth["rater"].astype(str), truth["target"].astype(str)
    return pd.DataFrame({
        "group": truth["group"].astype(str).to_numpy(dtype=object),
        "session": pd.to_numeric(truth["session"]).to_numpy(dtype=np.int64),
        "pair": _unordered(rater.to_numpy(dtype=object), target.to_numpy(dtype=object)),
        "present": truth["present"].to_numpy(dtype=bool),
        "ruptured": truth["ruptured"].to_numpy(dtype=bool),
        "rupture_id": truth["rupture_id"].fillna("").astype(str).to_numpy(dtype=object),
    }).sort_values(["group", "pair", "session"], kind="stable")  # fmt: skip


def _unordered(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The pair id of two members, in text order."""
    low = np.where(a <= b, a, b)
    high = np.where(a <= b, b, a)
    return (pd.Series(low, dtype=object) + PAIR_SEP + pd.Series(high, dtype=object)).to_numpy(dtype=object)


def _pair_detections(detections: object) -> pd.DataFrame:
    """The alerts with their unordered pair; a GQDataError names a member that is not a pair id."""
    if not isinstance(detections, pd.DataFrame):
        raise GQConfigError("detections", type(detections).__name__, "a pair rule's detect() output")
    absent = [c for c in ("group", "member", "session") if c not in detections.columns]
    if absent:
        raise GQDataError("detections", [Problem("header", c, "", "a column of a rule's detect() output") for c in absent], advice="pass a pair rule's detect() output")
    parts = detections["member"].astype(str).str.split(PAIR_SEP, regex=False)
    bad = ~parts.map(lambda p: len(p) == 2 and all(p)).to_numpy(dtype=bool)
    if bad.any():
        problems = [Problem(f"row {i}", "member", str(m), f"a pair id 'rater{PAIR_SEP}target'") for i, m in detections["member"][bad][:20].items()]
        raise GQDataError("detections", problems, int(bad.sum()) - len(problems), advice="pass a pair rule's detect() output")
    out = detections.assign(group=detections["group"].astype(str), session=pd.to_numeric(detections["session"]).astype("int64"))
    out["pair"] = _unordered(parts.str[0].to_numpy(dtype=object), parts.str[1].to_numpy(dtype=object)) if len(out) else pd.Series(dtype=object)
    return out.sort_values(["group", "session", "member"], kind="stable")


def _visible_ruptures(open_: pd.DataFrame) -> pd.DataFrame:
    """One row per rupture open in a rated session both of its members attended."""
    rows = open_.assign(rupture_id=open_["rupture_id"].str.split(";")).explode("rupture_id")
    rows = rows.drop_duplicates(["group", "rupture_id", "session"])
    table = rows.groupby(["group", "rupture_id"], sort=True).agg(pair=("pair", "first"), first_seen=("session", "min"), seen=("session", "size")).reset_index()
    return table.astype({"group": str, "rupture_id": str, "pair": str, "first_seen": "int64", "seen": "int64"})


def _with_onsets(ruptures: pd.DataFrame, events: object) -> pd.DataFrame:
    """Add each rupture's onset (from the cohort's events) and the delay from it."""
    table = events.events if isinstance(events, Cohort) else events
    if not isinstance(table, pd.DataFrame) or not {"kind", "rupture_id", "session"} <= set(table.columns):
        raise GQConfigError("events", type(events).__name__, "the cohort (or its events table) the round robin was simulated from")
    onset = table[table["kind"] == "rupture"].set_index(table.loc[table["kind"] == "rupture", "rupture_id"].astype(str))["session"]
    out = ruptures.assign(onset=pd.array(ruptures["rupture_id"].map(onset.to_dict()).to_numpy(dtype=object), dtype="Int64"))
    return out.assign(delay_from_onset=out["found_at"] - out["onset"])


def pair_metrics(matching: PairMatching) -> dict[str, int | float]:
    """Pair-level recall, precision, false alarms and delay of a :func:`match_pairs` result.

    Parameters
    ----------
    matching : PairMatching
        From :func:`match_pairs`.

    Returns
    -------
    dict
        ruptures (seen by a rated session), found, recall, detections, true (hits and repeats),
        precision, false_alarms_per_100 (per 100 judged pair-sessions, ``exposure``) and
        median_delay (sessions from the first rated session that saw the rupture; 0: found
        there). Counts are int, rates float (NaN without a denominator).

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"group": "g", "session": [4, 4, 8, 8], "rater": ["a", "b", "a", "b"], "target": ["b", "a", "b", "a"],
    ...                       "present": True, "ruptured": [False, False, True, True], "shock": 0.0, "rupture_id": ["", "", "r1", "r1"]})
    >>> row = pair_metrics(match_pairs(truth, pd.DataFrame({"group": "g", "member": ["b>a", "a>b"], "session": [8, 4]})))
    >>> {k: row[k] for k in ("recall", "precision", "false_alarms_per_100")}
    {'recall': 1.0, 'precision': 0.5, 'false_alarms_per_100': 50.0}
    """
    if not isinstance(matching, PairMatching):
        raise GQConfigError("matching", type(matching).__name__, "match_pairs' result")
    truth, found = matching.truth, matching.detections
    n_true, n_found, n_det = len(truth), int(truth["found"].sum()), len(found)
    n_right = int(found["hit"].sum()) if n_det else 0
    delays = truth.loc[truth["found"], "delay"].astype(float)
    return {
        "ruptures": n_true,
        "found": n_found,
        "recall": n_found / n_true if n_true else float("nan"),
        "detections": n_det,
        "true": n_right,
        "precision": n_right / n_det if n_det else float("nan"),
        "false_alarms_per_100": 100 * (n_det - n_right) / matching.exposure if matching.exposure else float("nan"),
        "median_delay": float(delays.median()) if len(delays) else float("nan"),
    }


# -- the member-level view, beside DyadDrop -----------------------------------------------------------
def member_detections(detections: pd.DataFrame) -> pd.DataFrame:
    """A pair rule's alerts as member alerts, for :func:`gqkit.evaluate.match_events` and :func:`gqkit.evaluate.evaluate`.

    Each alert on ``rater>target`` names its rater as ``member`` (for :class:`PairDrop`, the
    direction that worsened more), with the target in ``partner`` and the pair id in ``pair``.
    :func:`~gqkit.evaluate.match_events` matches a member-member rupture to an alert naming
    either of its two members, so one row per alert is what a member rule that flags both
    members gives, less its redundant second alert.

    Parameters
    ----------
    detections : DataFrame
        A pair rule's ``detect()`` output (member holds ``rater>target``).

    Returns
    -------
    DataFrame
        The same rows and columns, member replaced by the rater, and partner and pair added
        after the detection columns' first three.

    Raises
    ------
    GQConfigError
        If ``detections`` is not a DataFrame.
    GQDataError
        If it has no member column, or a member is not a pair id.

    Examples
    --------
    >>> import pandas as pd
    >>> member_detections(pd.DataFrame({"group": "g", "member": ["m02>m05"], "session": [8]})).to_dict("records")
    [{'group': 'g', 'member': 'm02', 'partner': 'm05', 'pair': 'm02>m05', 'session': 8}]
    """
    if not isinstance(detections, pd.DataFrame):
        raise GQConfigError("detections", type(detections).__name__, "a pair rule's detect() output")
    if "member" not in detections.columns:
        raise GQDataError("detections", [Problem("header", "member", "", "a member column holding pair ids")], advice="pass a pair rule's detect() output")
    ids = detections["member"].astype(str)
    parts = ids.str.split(PAIR_SEP, regex=False)
    bad = ~parts.map(lambda p: len(p) == 2 and all(p)).to_numpy(dtype=bool)
    if bad.any():
        problems = [Problem(f"row {i}", "member", str(m), f"a pair id 'rater{PAIR_SEP}target'") for i, m in ids[bad][:20].items()]
        raise GQDataError("detections", problems, int(bad.sum()) - len(problems), advice="pass a pair rule's detect() output")
    out = detections.copy()
    at = list(out.columns).index("member") + 1
    out["member"] = pd.array(parts.str[0].to_numpy(dtype=object), dtype="string") if len(out) else pd.array([], dtype="string")
    out.insert(at, "partner", parts.str[1].astype(str).to_numpy(dtype=object) if len(out) else np.array([], dtype=object))
    out.insert(at + 1, "pair", ids.to_numpy(dtype=object))
    return out


def compare_dyad_rules(
    cohort: Cohort,
    round_robin: SimulatedRoundRobin,
    detections: Mapping[str, pd.DataFrame],
    tolerance: tuple[int, int] = (0, 3),
) -> pd.DataFrame:
    """Member-member rules side by side on one cohort: recall, precision, false alarms, delay, and the pair named.

    Every rule is scored on the cohort's member-member ruptures as
    :func:`gqkit.evaluate.match_events` matches them (an alert naming either member of the
    pair, claiming level MM or none, with its onset ``tolerance`` sessions after the true
    onset); a pair rule's alerts are first turned into member alerts
    (:func:`member_detections`). On top of that:

    * **visible**: the ruptures open in a rated session both members attended
      (:class:`PairMatching`'s truth) -- the only ones a round robin can show -- and recall
      among them, for every rule, so a GQ rule and a round-robin rule are also compared on the
      same, fairer, ground;
    * **pair named**: the share of found ruptures whose alert named the pair -- for a pair
      rule, its alert's pair is the rupture's; for a member rule, which names one member per
      alert, the group's alerts at that session named exactly the pair's two members (the pair
      is implied at best).

    Parameters
    ----------
    cohort : Cohort
        The simulated cohort: its events are the truth, its attended member-sessions the
        exposure of false alarms per 100.
    round_robin : SimulatedRoundRobin
        :func:`gqkit.round_robin_ratings` on ``cohort``: which ruptures a rated session saw.
    detections : mapping of str to DataFrame
        Rule label -> its ``detect()`` output: a member rule's on ``cohort.scores()`` or
        ``cohort.panel()``, a pair rule's on ``relationship_panel(round_robin)`` (recognised by
        its pair ids).
    tolerance : (int, int), default (0, 3)
        The matching window, as for :func:`gqkit.evaluate.match_events`. A pair rule alerts at
        the rated session, up to ``every - 1`` sessions after a rupture began between two round
        robins; (0, 3) fits round robins every 4th session.

    Returns
    -------
    DataFrame
        One row per rule: rule, ruptures (member-member), found, recall, visible (seen by a
        rated session), found_visible, recall_visible, detections (hits and false alarms
        claiming level MM or none; redundant alerts left out, as :func:`gqkit.evaluate.evaluate`
        does, and so are alerts that found a rupture of another level), matched,
        precision, false_alarms_per_100 (per 100 attended member-sessions), median_delay
        (sessions from the onset), pair_named (share of found ruptures).

    Raises
    ------
    GQConfigError
        If an argument is of the wrong kind, or ``detections`` is empty.
    GQDataError
        As :func:`gqkit.evaluate.match_events` raises for a table.

    Examples
    --------
    >>> from gqkit import Rupture, round_robin_ratings, simulate
    >>> from gqkit.detect import DyadDrop
    >>> cohort = simulate(n_groups=1, seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)])
    >>> rr = round_robin_ratings(cohort)
    >>> table = compare_dyad_rules(cohort, rr, {"pair_drop": PairDrop().detect(relationship_panel(rr)), "dyad_drop": DyadDrop().detect(cohort.panel())})
    >>> table[["rule", "ruptures", "found", "median_delay", "pair_named"]].to_dict("records")
    [{'rule': 'pair_drop', 'ruptures': 2, 'found': 2, 'median_delay': 2.5, 'pair_named': 1.0}, {'rule': 'dyad_drop', 'ruptures': 2, 'found': 1, 'median_delay': 0.0, 'pair_named': 1.0}]
    """
    if not isinstance(cohort, Cohort):
        raise GQConfigError("cohort", type(cohort).__name__, "the simulated Cohort the round robin was simulated from")
    if not isinstance(round_robin, SimulatedRoundRobin):
        raise GQConfigError("round_robin", type(round_robin).__name__, "round_robin_ratings(cohort)'s result")
    if not isinstance(detections, Mapping) or not detections or not all(isinstance(k, str) and isinstance(v, pd.DataFrame) for k, v in detections.items()):
        raise GQConfigError("detections", detections if not isinstance(detections, Mapping) else list(detections), "a non-empty dict of rule label -> detect() output")
    visible = match_pairs(round_robin, _NO_ALERTS).truth
    seen = set(zip(visible["group"], visible["rupture_id"]))
    exposure = float(cohort.attended.sum())
    rows = []
    for label, found in detections.items():
        is_pair = len(found) > 0 and found["member"].astype(str).str.contains(PAIR_SEP, regex=False).all()
        members = member_detections(found) if is_pair else found
        matching = match_events(cohort, members, tolerance)
        truth = matching.truth[matching.truth["level"].astype(str) == LEVEL_MM]
        det = matching.detections
        elsewhere = det["matched"].astype(bool) & ~det["rupture_id"].isin(truth["rupture_id"]).to_numpy(dtype=bool)  # found a rupture of another level
        det = det[det["level"].astype(str).isin([LEVEL_MM, "all"]).to_numpy(dtype=bool) & ~elsewhere.to_numpy(dtype=bool)]
        n_det = int(len(det) - det["redundant"].sum())
        n_hit = int(det["matched"].sum())
        in_view = np.array([(g, r) in seen for g, r in zip(truth["group"], truth["rupture_id"])], dtype=bool)
        delays = truth.loc[truth["found"].astype(bool), "delay"].astype(float)
        rows.append({
            "rule": label,
            "ruptures": len(truth),
            "found": int(truth["found"].sum()),
            "recall": float(truth["found"].mean()) if len(truth) else float("nan"),
            "visible": int(in_view.sum()),
            "found_visible": int(truth["found"][in_view].sum()),
            "recall_visible": float(truth["found"][in_view].mean()) if in_view.any() else float("nan"),
            "detections": n_det,
            "matched": n_hit,
            "precision": n_hit / n_det if n_det else float("nan"),
            "false_alarms_per_100": 100 * (n_det - n_hit) / exposure if exposure else float("nan"),
            "median_delay": float(delays.median()) if len(delays) else float("nan"),
            "pair_named": _pair_named(truth, det, matching.detections, is_pair),
        })  # fmt: skip
    return pd.DataFrame(rows)


_NO_ALERTS = pd.DataFrame({"group": pd.Series(dtype=object), "member": pd.Series(dtype=object), "session": pd.Series(dtype="int64")})


def _pair_named(truth: pd.DataFrame, matched: pd.DataFrame, every: pd.DataFrame, is_pair: bool) -> float:
    """Share of found ruptures whose matching alert named their pair (a member rule: the group's alerts that session were the pair)."""
    found = truth[truth["found"].astype(bool)]
    if not len(found):
        return float("nan")
    hits = matched[matched["matched"].astype(bool)].set_index("rupture_id")
    hit = hits.loc[found["rupture_id"].astype(str).to_numpy()]
    if is_pair:
        named = [{m, s} == {a, b} for (m, s), a, b in zip(zip(found["member"].astype(str), found["source"].astype(str)), hit["member"].astype(str), hit["partner"].astype(str))]
    else:
        flagged = every.groupby(["group", "session"])["member"].agg(lambda m: frozenset(m.dropna().astype(str)))
        named = [flagged.get((g, s), frozenset()) == frozenset((m, src)) for g, s, (m, src) in
                 zip(hit["group"].astype(str), hit["session"], zip(found["member"].astype(str), found["source"].astype(str)))]  # fmt: skip
    return float(np.mean(named))
