"""Simulated round-robin ratings: members rating each other, with member-member ruptures.

In chosen sessions of a simulated :class:`~gqkit.simulation.cohort.Cohort`, each attending
member rates each other attending member on a few bond items (higher is better) and conflict
items (higher is worse). The ratings follow the Social Relations Model (SRM; Warner, Kenny &
Stoto, 1979; Kenny & La Voie, 1984; Kenny, 1994) that :func:`gqkit.srm.srm` estimates.
Member i's rating of member j on item k in session s is

    x_ijsk = mean_k + sign_k * (group + a_i + b_j + g_ijs - shock_ijs * sd_relationship) + e_ijsk,

rounded to a whole answer and cut to the scale, where

* ``sign_k`` is +1 for a bond item and -1 for a conflict item: the effects live on one
  "bond" dimension, so a member who feels closer to a partner also reports less conflict;
* ``group`` shifts every rating of a group (``sd_group``);
* ``a_i`` (actor: how i rates others in general) and ``b_j`` (partner: how j is rated in
  general) are the member's own, stable over the course, and correlate within a member
  (*generalized reciprocity*, ``generalized_reciprocity``);
* ``g_ijs`` (relationship: how i sees j in particular) is shared by the items of a session:
  a share ``stability`` of its variance is the pair's lasting relationship, the rest is new
  each session; both parts correlate between the two directions of a pair (*dyadic
  reciprocity*, ``dyadic_reciprocity``);
* ``e_ijsk`` is error of one item on one occasion, independent everywhere;
* ``shock_ijs`` (in relationship SDs, toward worse) comes from the cohort's member-member
  ruptures (random and scripted; any type, microaggressions between members too): from its
  onset session until the session it ends (the first repair that resolved it, or it faded),
  the strained member's ratings of the other member carry ``shock`` and the other member's
  ratings of the strained one ``source_share`` of it; from the session it ends the rest is
  multiplied by ``residual`` each session. Overlapping ruptures of a pair add up.

What one round robin's SRM calls the relationship variance is therefore ``sd_relationship^2 +
sd_error^2`` (plus the rounding's), and its dyadic reciprocity is ``dyadic_reciprocity``
diluted by the error; only ratings on several items (or occasions) tell the two apart.

Random numbers come from the cohort's own group seeds (``cohort.groups``' ``seed`` and
``spawn_key``), through streams named under ``"round_robin"`` (see
:mod:`gqkit.simulation.streams`): the same cohort gives the same ratings, a group gives the
same ratings simulated alone as in a batch, nothing of the cohort itself changes, and each
item draws its error from its own stream, so adding an item leaves the others' ratings alone.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ..errors import GQConfigError
from ..round_robin import COLUMNS
from .cohort import Cohort
from .config import _p, _Validated
from .ruptures import member_id
from .streams import Draw, draw_streams, stream_seed

__all__ = ["ITEM_KINDS", "STREAM", "TRUTH_COLUMNS", "RoundRobinModel", "SimulatedRoundRobin", "round_robin_ratings"]

ITEM_KINDS = ("bond", "conflict")
"""The kinds of round-robin item: ``"bond"`` (higher is better) and ``"conflict"`` (higher is worse)."""
STREAM = "round_robin"
"""The name under which the round robin's streams hang in each group's seed."""
TRUTH_COLUMNS = ("group", "session", "rater", "target", "present", "ruptured", "shock", "rupture_id")
"""The columns of :attr:`SimulatedRoundRobin.truth`."""
MAX_ITEMS = 20
"""The most items a round robin asks about (each is n(n-1) ratings per session); assumed."""
DEFAULT_ITEMS = (("bond_a", "bond"), ("bond_b", "bond"), ("conflict_a", "conflict"), ("conflict_b", "conflict"))
_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,40}")


@dataclass(frozen=True)
class RoundRobinModel(_Validated):
    """How members rate each other in a round robin: the SRM's parts, the items and ruptures.

    Every default's source is in its field's ``metadata["source"]`` (:meth:`describe` lists
    them); "assumed" marks a value no source seen here fixes. SDs are in answer-scale points.

    Parameters
    ----------
    items : tuple of (str, str) pairs, default two bond and two conflict items
        (name, kind) of each item, kind one of :data:`ITEM_KINDS`; 1 to 20 items with
        distinct names of letters, digits and ``_.:-`` (at most 40 characters). A dict of
        name -> kind is accepted too. Default ``bond_a``, ``bond_b`` (bond) and
        ``conflict_a``, ``conflict_b`` (conflict). Assumed; names are abstract, never an
        instrument's wording.
    every : int, default 4
        Rate at the end of every ``every``-th session (4, 8, 12, 16 of a 16-session course),
        unless :func:`round_robin_ratings` is given ``sessions``. Assumed.
    scale : (int, int), default (1, 7)
        Lowest and highest answer (whole numbers, low < high). Assumed: the instrument's 1-7.
    bond_mean, conflict_mean : float, default 5.0 and 2.5
        Mean answer to a bond and to a conflict item (on the scale). Assumed: members feel
        close to most others and in little conflict with them.
    sd_group : float, default 0.3
        SD (at least 0) of a group's shift of all its ratings. Assumed, as
        ``RelationshipModel.sd_group["MM"]``.
    sd_actor, sd_partner : float, default 0.55 and 0.45
        SD (at least 0) of actor and partner effects. Assumed: with ``sd_relationship`` and
        ``sd_error``, actor about 21%, partner 14%, relationship 35% and error 30% of the
        variance within groups.
    sd_relationship : float, default 0.7
        SD (at least 0) of relationship effects. Assumed: relationship plus error is the
        largest share, as it is for liking (Kenny, 1994).
    sd_error : float, default 0.65
        SD (at least 0) of item-and-occasion error. Assumed.
    generalized_reciprocity : float, default 0.2
        Correlation (-1 to 1) of a member's actor and partner effects. Assumed: a little
        positive (members who rate others warmly are a little more liked).
    dyadic_reciprocity : float, default 0.4
        Correlation (-1 to 1) of the two relationship effects of a pair. Assumed: positive,
        as for liking (Kenny, 1994); the size is not from a source.
    stability : float, default 0.6
        Share (0-1) of the relationship variance that lasts the course; the rest is new each
        session. Assumed.
    missing : float, default 0.0
        Probability (0 up to, not including, 1) that an attending rater leaves a rating
        empty (NaN). Assumed: complete round robins, which :func:`gqkit.srm.srm` takes with
        its default ``missing="error"``.
    shock : float, default 2.0
        Shift (at least 0), in relationship SDs, of the strained member's ratings of the
        other member while a member-member rupture is open: bond down, conflict up. Assumed.
    source_share : float, default 0.7
        Share (0-1) of the shock in the other member's ratings of the strained member.
        Assumed, as ``RuptureModel.partner_strain``.
    residual : float, default 0.5
        Share (0 up to, not including, 1) of the shock left in the session the rupture ends
        (repaired or faded), and multiplied in again each later session. Assumed.

    Raises
    ------
    GQConfigError
        Naming the field (e.g. ``RoundRobinModel.sd_actor``) of any value out of range.

    Examples
    --------
    >>> m = RoundRobinModel(sd_error=0.5)
    >>> m.sd_error, m.items[0]
    (0.5, ('bond_a', 'bond'))
    >>> RoundRobinModel(dyadic_reciprocity=1.5)
    Traceback (most recent call last):
    ...
    gqkit.errors.GQConfigError: RoundRobinModel.dyadic_reciprocity=1.5 is not allowed: expected a correlation from -1 to 1
    """

    items: tuple = _p(DEFAULT_ITEMS, "assumed: a few short items, two on the bond between two members (higher is better) and two on conflict "
                      "between them (higher is worse); abstract names, never an instrument's wording")  # fmt: skip
    every: int = _p(4, "assumed: a round robin after every 4th session (4 in a 16-session course) keeps the burden of n(n-1) ratings per item low", "int>=1")
    scale: tuple = _p((1, 7), "assumed: the instrument's 1-7 answer scale")
    bond_mean: float = _p(5.0, "assumed: members feel close to most other members", "real")
    conflict_mean: float = _p(2.5, "assumed: members report little conflict with most other members", "real")
    sd_group: float = _p(0.3, "assumed, as RelationshipModel.sd_group['MM']: groups differ in how warmly their members rate each other", "nonneg")
    sd_actor: float = _p(0.55, "assumed: about 21% of the variance within groups (with sd_partner, sd_relationship, sd_error)", "nonneg")
    sd_partner: float = _p(0.45, "assumed: about 14% of the variance within groups", "nonneg")
    sd_relationship: float = _p(0.7, "assumed: about 35% of the variance within groups, so relationship plus error (65%) is the largest share, "
                                "as it is for liking (Kenny, 1994)", "nonneg")  # fmt: skip
    sd_error: float = _p(0.65, "assumed: about 30% of the variance within groups; one round robin cannot tell it from the relationship", "nonneg")
    generalized_reciprocity: float = _p(0.2, "assumed: members who rate others warmly are a little more liked (actor-partner correlation)", "real")
    dyadic_reciprocity: float = _p(0.4, "assumed size: relationship effects are reciprocated, as for liking (Kenny, 1994)", "real")
    stability: float = _p(0.6, "assumed: share of the relationship variance that lasts the course; the rest is new each session", "share")
    missing: float = _p(0.0, "assumed: complete round robins (srm's default missing='error' takes them)", "prob<1")
    shock: float = _p(2.0, "assumed: an open member-member rupture shifts the strained member's ratings of the other by this many relationship SDs", "nonneg")
    source_share: float = _p(0.7, "assumed, as RuptureModel.partner_strain: share of the shock in the other member's ratings of the strained one", "share")
    residual: float = _p(0.5, "assumed: share of the shock left in the session a rupture ends, and again each session after", "ar")

    def _check_more(self) -> None:
        object.__setattr__(self, "items", _checked_items(self.items))
        low, high = _checked_scale(self.scale)
        object.__setattr__(self, "scale", (low, high))
        for name in ("bond_mean", "conflict_mean"):
            if not low <= getattr(self, name) <= high:
                raise GQConfigError(f"RoundRobinModel.{name}", getattr(self, name), f"a mean answer on the scale, {low} to {high}")
        for name in ("generalized_reciprocity", "dyadic_reciprocity"):
            if not -1 <= getattr(self, name) <= 1:
                raise GQConfigError(f"RoundRobinModel.{name}", getattr(self, name), "a correlation from -1 to 1")

    @property
    def item_names(self) -> tuple[str, ...]:
        """The items' names, in the model's order."""
        return tuple(name for name, _ in self.items)

    @classmethod
    def describe(cls) -> pd.DataFrame:
        """Every parameter with its default and source, as a table.

        Returns
        -------
        DataFrame
            One row per parameter: parameter, default (as text), source.

        Examples
        --------
        >>> table = RoundRobinModel.describe()
        >>> table.loc[table.parameter == "every", "default"].item()
        '4'
        """
        model = cls()
        return pd.DataFrame([{"parameter": f.name, "default": str(getattr(model, f.name)), "source": f.metadata["source"]} for f in fields(model)])


def _checked_items(items: object) -> tuple[tuple[str, str], ...]:
    """``items`` as a tuple of (name, kind) pairs, or a GQConfigError naming the field."""
    expected = (f"1 to {MAX_ITEMS} (name, kind) pairs with distinct names (letters, digits and _.:-, at most 40 characters) "
                f"and kinds among {', '.join(map(repr, ITEM_KINDS))}, e.g. (('close', 'bond'), ('tense', 'conflict'))")  # fmt: skip
    pairs = list(items.items()) if isinstance(items, Mapping) else items
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence) or not 1 <= len(pairs) <= MAX_ITEMS:
        raise GQConfigError("RoundRobinModel.items", items, expected)
    out = []
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise GQConfigError("RoundRobinModel.items", items, expected)
        name, kind = pair
        if not (isinstance(name, str) and _NAME.fullmatch(name) and kind in ITEM_KINDS):
            raise GQConfigError("RoundRobinModel.items", items, expected)
        out.append((name, str(kind)))
    if len({name for name, _ in out}) != len(out):
        raise GQConfigError("RoundRobinModel.items", items, expected)
    return tuple(out)


def _checked_scale(scale: object) -> tuple[int, int]:
    """``scale`` as (low, high) whole numbers, low < high."""
    ok = isinstance(scale, (tuple, list)) and len(scale) == 2 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) and abs(int(v)) <= 1000 for v in scale)  # fmt: skip
    if not ok or not int(scale[0]) < int(scale[1]):  # type: ignore[index]
        raise GQConfigError("RoundRobinModel.scale", scale, "(low, high): two whole numbers from -1000 to 1000 with low < high, e.g. (1, 7)")
    return int(scale[0]), int(scale[1])  # type: ignore[index]


@dataclass(frozen=True, eq=False)
class SimulatedRoundRobin:
    """Round-robin ratings simulated for a cohort, and the truth behind them.

    Made by :func:`round_robin_ratings`.

    Parameters
    ----------
    ratings : DataFrame
        The tidy round-robin table, as :func:`gqkit.round_robin.read_round_robin` returns it:
        group, session (Int64), rater, target, item, rating (float: a whole answer on the
        scale, NaN where left empty); one row per rating of an attending member by another
        attending member, sorted by group, session, item, rater and target.
    truth : DataFrame
        One row per rated session and ordered pair of members (attending or not); the
        columns of :data:`TRUTH_COLUMNS`: ``present`` (both attended, so the pair rated each
        other), ``ruptured`` (a member-member rupture between the two was open that session;
        the same in both directions), ``shock`` (the shift of the rater's ratings of the
        target, in relationship SDs toward worse, a repaired rupture's fading rest included)
        and ``rupture_id`` (the open ruptures' ids, as in ``cohort.events``, joined by ``;``).
    members : DataFrame
        The true person effects: group, member, actor and partner (answer-scale points on the
        bond direction, as deviations from the group's level).
    model : RoundRobinModel
        The model that made them.
    sessions : tuple of int
        The rated sessions.
    """

    ratings: pd.DataFrame
    truth: pd.DataFrame
    members: pd.DataFrame
    model: RoundRobinModel
    sessions: tuple[int, ...]


def round_robin_ratings(
    cohort: Cohort,
    model: RoundRobinModel | None = None,
    *,
    sessions: Sequence[int] | None = None,
    replicate: int = 0,
) -> SimulatedRoundRobin:
    """Simulate the round-robin ratings members of a cohort give each other, with the truth.

    Parameters
    ----------
    cohort : Cohort
        From :func:`gqkit.simulate` or :meth:`Cohort.from_dir`: who attended which session,
        and the member-member ruptures (``cohort.events``) that shift a pair's ratings.
    model : RoundRobinModel, optional
        The items and the SRM's parts; default ``RoundRobinModel()``.
    sessions : sequence of int, optional
        The sessions (1 to the course's last, distinct) in which members rate each other;
        default every ``model.every``-th session.
    replicate : int, default 0
        Which of independent sets of ratings for the same cohort (a whole number from 0):
        each draws from its own streams.

    Returns
    -------
    SimulatedRoundRobin
        ``ratings`` (passes ``read_round_robin(ratings, scale=model.scale, members=cohort.members)``
        unchanged), ``truth``, ``members``, ``model`` and ``sessions``.

    Raises
    ------
    GQConfigError
        Naming the argument: ``cohort`` not a Cohort (or its groups table without whole-number
        seeds), ``model`` not a RoundRobinModel, ``sessions`` outside the course or repeated,
        ``replicate`` not a whole number from 0; ``model.every`` beyond the course when
        ``sessions`` is not given.

    Examples
    --------
    >>> from gqkit import Rupture, simulate
    >>> cohort = simulate(seed=1, ruptures=[Rupture(session=5, level="MM", type="confrontation", member=2, source=3, repaired_at=9)])
    >>> rr = round_robin_ratings(cohort)
    >>> rr.sessions
    (4, 8, 12, 16)
    >>> rr.ratings.head(2).to_dict("records")
    [{'group': 'g001', 'session': 4, 'rater': 'm01', 'target': 'm02', 'item': 'bond_a', 'rating': 3.0}, {'group': 'g001', 'session': 4, 'rater': 'm01', 'target': 'm03', 'item': 'bond_a', 'rating': 5.0}]
    >>> pair = rr.truth.query("rater in ['m02', 'm03'] and target in ['m02', 'm03']")
    >>> [(int(r.session), r.rater, bool(r.ruptured), round(float(r.shock), 2)) for r in pair.itertuples()]  # repaired at 9: the rest halves each session
    [(4, 'm02', False, 0.0), (4, 'm03', False, 0.0), (8, 'm02', True, 2.0), (8, 'm03', True, 1.4), (12, 'm02', False, 0.12), (12, 'm03', False, 0.09), (16, 'm02', False, 0.01), (16, 'm03', False, 0.01)]
    """
    if not isinstance(cohort, Cohort):
        raise GQConfigError("cohort", type(cohort).__name__, "a gqkit Cohort, from gqkit.simulate or Cohort.from_dir")
    if model is None:
        model = RoundRobinModel()
    elif not isinstance(model, RoundRobinModel):
        raise GQConfigError("model", type(model).__name__, "a RoundRobinModel, e.g. RoundRobinModel(sd_error=0.5), or None for the defaults")
    if isinstance(replicate, (bool, np.bool_)) or not isinstance(replicate, numbers.Integral) or not 0 <= int(replicate) < 2**32:
        raise GQConfigError("replicate", replicate, "a whole number from 0 to 4,294,967,295 (which set of ratings)")
    G, M, S = cohort.attended.shape
    rated = _rated_sessions(sessions, model.every, S)
    seeds = [stream_seed(stream_seed(s, STREAM), f"replicate {int(replicate)}") for s in _group_seeds(cohort.groups)]
    draws = draw_streams(seeds, _layout(model, M, int(rated[-1])))
    actor, partner = _people(draws, model)
    latent = _latent(draws, model, actor, partner, rated)
    shock, open_, ids = _shocks(cohort.events, cohort.groups["group"], M, rated, model)
    latent -= shock * model.sd_relationship
    answers = _answers(latent, draws, model, rated)
    present = _present(cohort.attended, rated)
    groups = cohort.groups["group"].astype(str).to_numpy()
    ratings = _ratings_table(answers, present, groups, rated, model.item_names)
    truth = _truth_table(present, open_, shock, ids, groups, rated)
    members = pd.DataFrame({"group": np.repeat(groups, M), "member": np.tile(_member_ids(M), G),
                            "actor": actor.ravel(), "partner": partner.ravel()}).astype({"group": str, "member": str})  # fmt: skip
    return SimulatedRoundRobin(ratings, truth, members, model, tuple(int(s) for s in rated))


# -- the steps ---------------------------------------------------------------------------------


def _rated_sessions(sessions: object, every: int, n_sessions: int) -> np.ndarray:
    """The rated sessions (1-based, sorted) as an int array."""
    if sessions is None:
        rated = np.arange(every, n_sessions + 1, every)
        if not len(rated):
            raise GQConfigError("model.every", every, f"at most the course's {n_sessions} sessions, or name the sessions with sessions=")
        return rated
    expected = f"distinct whole numbers from 1 to {n_sessions} (the course's sessions), at least one"
    if isinstance(sessions, (str, bytes)) or not isinstance(sessions, (Sequence, np.ndarray)) or not len(sessions):
        raise GQConfigError("sessions", sessions, expected)
    values = list(sessions)
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_)) and 1 <= int(s) <= n_sessions for s in values):
        raise GQConfigError("sessions", sessions, expected)
    if len(set(int(s) for s in values)) != len(values):
        raise GQConfigError("sessions", sessions, expected)
    return np.array(sorted(int(s) for s in values), dtype=np.int64)


def _group_seeds(groups: pd.DataFrame) -> list[np.random.SeedSequence]:
    """Each group's seed, rebuilt from the groups table's ``seed`` and ``spawn_key``."""
    seeds = []
    for seed, key in zip(groups["seed"].astype(str), groups["spawn_key"].astype(str)):
        parts = key.split(",") if key else []
        if not seed.isdigit() or not all(p.isdigit() for p in parts):
            raise GQConfigError("cohort", f"a group with seed {seed!r} and spawn key {key!r}",
                                "a cohort whose groups table gives each group's seed as a whole number and spawn_key as whole numbers joined by ','")  # fmt: skip
        seeds.append(np.random.SeedSequence(int(seed), spawn_key=tuple(int(p) for p in parts)))
    return seeds


def _layout(model: RoundRobinModel, n_members: int, last: int) -> dict[str, Draw]:
    """The round robin's streams (per group): people and pairs, then one error stream per item.

    Per-session arrays run from session 1 to the last rated one, so a session's numbers do not
    depend on which other sessions are rated.
    """
    M = n_members
    layout = {
        "group": Draw((1,), "normal"),
        "people": Draw((2, M), "normal"),  # actor, partner
        "pairs": Draw((M, M), "normal"),  # the lasting relationship
        "occasion": Draw((last, M, M), "normal"),  # the session's relationship
    }
    for name in model.item_names:
        layout[f"error:{name}"] = Draw((last, M, M), "normal")
        if model.missing > 0:
            layout[f"missing:{name}"] = Draw((last, M, M))
    return layout


def _people(draws: dict[str, np.ndarray], model: RoundRobinModel) -> tuple[np.ndarray, np.ndarray]:
    """Actor and partner effects (G, M), correlated within a member (generalized reciprocity)."""
    z = draws["people"]
    r = model.generalized_reciprocity
    actor = model.sd_actor * z[:, 0]
    partner = model.sd_partner * (r * z[:, 0] + np.sqrt(1 - r * r) * z[:, 1])
    return actor, partner


def _reciprocal(z: np.ndarray, r: float) -> np.ndarray:
    """Standard normal relationship effects (..., M, M) with correlation ``r`` between (i, j) and (j, i).

    For i < j, (i, j) takes z[i, j] and (j, i) takes r z[i, j] + sqrt(1 - r^2) z[j, i].
    """
    M = z.shape[-1]
    upper = np.triu(np.ones((M, M), dtype=bool), 1)
    zt = np.swapaxes(z, -1, -2)
    return np.where(upper, z, r * zt + np.sqrt(1 - r * r) * z)


def _latent(draws: dict[str, np.ndarray], model: RoundRobinModel, actor: np.ndarray, partner: np.ndarray, rated: np.ndarray) -> np.ndarray:
    """Each rater's view of each target on the bond dimension (G, R, M, M), without ruptures."""
    r = model.dyadic_reciprocity
    lasting = _reciprocal(draws["pairs"], r)[:, None]
    occasion = _reciprocal(draws["occasion"][:, rated - 1], r)
    relationship = model.sd_relationship * (np.sqrt(model.stability) * lasting + np.sqrt(1 - model.stability) * occasion)
    group = model.sd_group * draws["group"][:, 0]
    return group[:, None, None, None] + actor[:, None, :, None] + partner[:, None, None, :] + relationship


def _shocks(events: pd.DataFrame, group_ids: pd.Series, n_members: int, rated: np.ndarray,
            model: RoundRobinModel) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:  # fmt: skip
    """Shock (G, R, M, M) in relationship SDs, open (G, R, M, M), and the open ruptures' ids: (sorted flat cells, ids).

    A member-member rupture shocks the strained member's ratings of the other (``shock``) and
    the other's ratings of the strained one (``source_share`` of it) from its onset until it
    ends, then a share ``residual`` is left, compounding each session.
    """
    G, R, M = len(group_ids), len(rated), n_members
    shape = (G, R, M, M)
    shock, open_ = np.zeros(shape), np.zeros(shape, dtype=bool)
    ruptures = events[(events["kind"] == "rupture").to_numpy(bool) & (events["level"] == "MM").to_numpy(bool)]
    members = pd.Index(_member_ids(M))
    i = members.get_indexer(ruptures["member"].astype(str))
    j = members.get_indexer(ruptures["source"].astype(str))
    g = pd.Index(group_ids.astype(str)).get_indexer(ruptures["group"].astype(str))
    keep = (i >= 0) & (j >= 0) & (g >= 0) & (i != j)
    ruptures, i, j, g = ruptures[keep], i[keep], j[keep], g[keep]
    if not len(ruptures):
        return shock, open_, (np.zeros(0, np.int64), np.zeros(0, object))
    onset = ruptures["session"].to_numpy(np.int64)
    end = _end_sessions(events, ruptures["rupture_id"])
    s = rated[None, :]
    is_open = (s >= onset[:, None]) & (s < end[:, None])
    with np.errstate(over="ignore"):
        rest = np.where(s >= end[:, None], model.residual ** np.maximum(s - end[:, None] + 1, 0).astype(float), 0.0)
    size = model.shock * np.where(is_open, 1.0, rest)  # (ruptures, R)
    rr = np.broadcast_to(np.arange(R), size.shape)
    gg, ii, jj = (np.broadcast_to(x[:, None], size.shape) for x in (g, i, j))
    np.add.at(shock, (gg, rr, ii, jj), size)
    np.add.at(shock, (gg, rr, jj, ii), model.source_share * size)
    open_[gg[is_open], rr[is_open], ii[is_open], jj[is_open]] = True
    open_[gg[is_open], rr[is_open], jj[is_open], ii[is_open]] = True
    names = np.broadcast_to(ruptures["rupture_id"].astype(str).to_numpy()[:, None], size.shape)[is_open]
    flat = np.concatenate([np.ravel_multi_index((gg[is_open], rr[is_open], ii[is_open], jj[is_open]), shape),
                           np.ravel_multi_index((gg[is_open], rr[is_open], jj[is_open], ii[is_open]), shape)])  # fmt: skip
    return shock, open_, _joined(flat, np.concatenate([names, names]))


def _joined(cells: np.ndarray, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct cells, their names sorted and joined by ";"); a Python loop only over cells with several."""
    order = np.lexsort((names.astype(str), cells))
    cells, names = cells[order], names[order]
    keys, first, counts = np.unique(cells, return_index=True, return_counts=True)
    joined = names[first].astype(object)
    for k in np.flatnonzero(counts > 1):
        joined[k] = ";".join(names[first[k] : first[k] + counts[k]])
    return keys.astype(np.int64), joined


def _end_sessions(events: pd.DataFrame, rupture_ids: pd.Series) -> np.ndarray:
    """The session each rupture ended (its first resolving repair, or its fading); a huge number if never."""
    ends = events[((events["kind"] == "repair") & events["resolved"].fillna(False).astype(bool)) | (events["kind"] == "fade")]
    first = ends.groupby(ends["rupture_id"].astype(str))["session"].min()
    never = np.iinfo(np.int32).max
    return first.reindex(rupture_ids.astype(str).to_numpy()).fillna(never).to_numpy(np.int64)


def _answers(latent: np.ndarray, draws: dict[str, np.ndarray], model: RoundRobinModel, rated: np.ndarray) -> np.ndarray:
    """Whole answers on the scale (G, R, K, M, M), NaN where a rater left one empty."""
    low, high = model.scale
    out = np.empty((*latent.shape[:2], len(model.items), *latent.shape[2:]))
    for k, (name, kind) in enumerate(model.items):
        mean, sign = (model.bond_mean, 1.0) if kind == "bond" else (model.conflict_mean, -1.0)
        x = mean + sign * latent + model.sd_error * draws[f"error:{name}"][:, rated - 1]
        x = np.clip(np.rint(x), low, high)
        if model.missing > 0:
            x[draws[f"missing:{name}"][:, rated - 1] < model.missing] = np.nan
        out[:, :, k] = x
    return out


def _present(attended: np.ndarray, rated: np.ndarray) -> np.ndarray:
    """(G, R, M, M): rater and target both attended the session, and are two members."""
    here = np.swapaxes(attended[:, :, rated - 1], 1, 2)  # (G, R, M)
    M = attended.shape[1]
    return here[:, :, :, None] & here[:, :, None, :] & ~np.eye(M, dtype=bool)


def _member_ids(n: int) -> np.ndarray:
    return np.array([member_id(m + 1) for m in range(n)], dtype=object)


def _ratings_table(answers: np.ndarray, present: np.ndarray, groups: np.ndarray, rated: np.ndarray, items: tuple[str, ...]) -> pd.DataFrame:
    """The tidy table, in read_round_robin's order: group, session, item, rater, target (ids sorted as text)."""
    g_order = np.argsort(groups, kind="stable")
    k_order = np.argsort(np.array(items, dtype=object).astype(str), kind="stable")
    values = answers[g_order][:, :, k_order]  # (G, R, K, M, M); member ids m01.. sort as numbers do
    mask = np.broadcast_to(present[g_order][:, :, None], values.shape)
    g, r, k, i, j = np.nonzero(mask)
    ids = _member_ids(answers.shape[-1])
    table = pd.DataFrame({
        "group": groups[g_order][g],
        "session": pd.array(rated[r], dtype="Int64"),
        "rater": ids[i],
        "target": ids[j],
        "item": np.array(items, dtype=object)[k_order][k],
        "rating": values[mask],
    })  # fmt: skip
    return table.astype({"group": str, "rater": str, "target": str, "item": str})[list(COLUMNS)]


def _truth_table(present: np.ndarray, open_: np.ndarray, shock: np.ndarray, ids: tuple[np.ndarray, np.ndarray], groups: np.ndarray,
                 rated: np.ndarray) -> pd.DataFrame:  # fmt: skip
    """One row per group, rated session and ordered pair of members, sorted by them."""
    G, R, M, _ = present.shape
    g_order = np.argsort(groups, kind="stable")
    off = np.broadcast_to(~np.eye(M, dtype=bool), present.shape)
    flat = np.arange(present.size).reshape(present.shape)[g_order]
    g, r, i, j = np.nonzero(off)
    cells = flat[g, r, i, j]
    names = _member_ids(M)
    truth = pd.DataFrame({
        "group": groups[g_order][g],
        "session": pd.array(rated[r], dtype="Int64"),
        "rater": names[i],
        "target": names[j],
        "present": present.ravel()[cells],
        "ruptured": open_.ravel()[cells],
        "shock": shock.ravel()[cells],
        "rupture_id": _ids_of(cells, ids),
    })  # fmt: skip
    return truth.astype({"group": str, "rater": str, "target": str, "rupture_id": str})[list(TRUTH_COLUMNS)]


def _ids_of(cells: np.ndarray, ids: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The open ruptures' ids of each flat cell ("" where none is open), from (sorted flat cells, ids)."""
    keys, names = ids
    out = np.full(len(cells), "", dtype=object)
    if len(keys):
        where = np.searchsorted(keys, cells).clip(0, len(keys) - 1)
        hit = keys[where] == cells
        out[hit] = names[where[hit]]
    return out
