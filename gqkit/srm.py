"""The Social Relations Model (SRM; Kenny, 1994) for round-robin ratings, estimated as TripleR does.

In a round robin every member of a group rates every other member. The SRM splits member
i's rating of member j into the group mean, i's **actor** effect (how i rates others in
general; "perceiver" in TripleR's perception style), j's **partner** effect (how j is rated
in general; "target"), and the **relationship** effect of the ordered pair (how i rates j in
particular). :func:`srm` estimates the effects, the variances of the three parts and two
covariances -- *generalized reciprocity* (actor with partner effect of the same member) and
*dyadic reciprocity* (i's relationship effect towards j with j's towards i) -- with standard
errors and tests, per round robin and pooled over round robins.

The estimators are the ANOVA (method-of-moments) ones of Warner, Kenny & Stoto (1979) and
Kenny (1994, Appendix B), with the Lashley-Bond standard errors (Bond & Lashley, 1996;
Lashley & Bond, 1997) or SOREMO's between-groups test (Kenny & La Voie, 1984), exactly as the
R package TripleR 1.5.4 (Schönbrodt, Back & Schmukle, 2012) computes them, including its
iterative imputation of missing ratings. Every number of TripleR's output on its own example
data (one group of 54, five groups of 10, ten groups of 19-24 with 127 missing ratings, and
Kenny's six-person example) is reproduced to at least 1e-9 by ``tests/test_srm.py``, with the
differences listed in :func:`srm`'s notes.

Everything is vectorized over round robins: round robins of the same size are stacked into
one (G, n, n) array, so a thousand groups of eight take a fraction of a second.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._tables import RawTable
from .errors import GQConfigError, GQDataError, Problem
from .schema import Column, ProblemLog, require_columns

__all__ = ["COMPONENTS", "MIN_MEMBERS", "SRMResult", "srm"]

COMPONENTS = ("actor variance", "partner variance", "relationship variance", "actor-partner covariance", "relationship covariance")
"""The variance components in the order of every table, named as TripleR names them in its
default "behavior" style. In its "perception" style (``RR.style("perception")``) the first,
second and fourth are "perceiver variance", "target variance" and "perceiver-target
covariance". The actor-partner covariance is *generalized reciprocity*, the relationship
covariance *dyadic reciprocity*. TripleR's fifth row, "error variance", is always empty for
one rating variable and is left out."""

MIN_MEMBERS = 4
"""The fewest members a round robin needs: the relationship variance divides by
(n-1)(n-2)/2 - 1, which is 0 for three (TripleR drops such groups; so does SOREMO)."""

STRESS_MAX, MAX_PASSES = 0.01, 100
"""TripleR's imputation stops when no actor or partner effect changed by more than 0.01 in a
pass; after 100 passes it falls back to a single pass."""

SOURCE = "round-robin table"
_VARIANCES = 3  # the first three components are variances, the last two covariances


@dataclass(frozen=True)
class SRMResult:
    """The estimates of :func:`srm`: tidy tables.

    In every table, the columns of ``by`` come first, then (for tables about one round robin)
    the columns of ``groups``. Rows are sorted by them, members by their ids as text.

    Parameters
    ----------
    person : DataFrame
        One row per member kept: ``member``, ``actor`` (TripleR's ``<var>.a``), ``partner``
        (``<var>.p``). Effects are deviations from the group mean (``groups.group_mean``);
        they sum to 0 in each round robin and are not re-centred across round robins.
        A whole column is NaN when the pooled standardized variance of its kind is below
        ``min_var`` or undefined (TripleR's ``minVar``).
    relationship : DataFrame
        One row per ordered pair of members kept: ``rater``, ``target``, ``dyad`` (the pair's
        number within its round robin, shared by both directions: TripleR's ``dyad`` label
        ``<group>_<dyad>``) and ``relationship``, NaN where the rating was missing.
    groups : DataFrame
        One row per round robin analysed: ``n`` (members kept), ``n_missing`` (ratings among
        them that were missing, and imputed), ``group_mean`` (the mean rating, after
        imputation), ``reliability_actor`` and ``reliability_partner`` (Bonito & Kenny, 2010;
        NaN when the variance is negative).
    variances : DataFrame
        Five rows per round robin analysed, one per :data:`COMPONENTS`: ``component``,
        ``estimate``, ``standardized`` (a variance's share of the sum of the non-negative
        variances; for a covariance, the correlation), ``se`` (Lashley-Bond), ``se_squared``
        (the raw Lashley-Bond variance, given even where ``se`` is masked; TripleR's
        ``SEVAR``), ``t``, ``df`` (n - 1), ``tails`` (1 or 2) and ``p``.
    pooled : DataFrame
        Five rows per slice of ``by``: the same columns pooled over its round robins, each
        weighted by n - 1; ``se_squared`` is ``se`` squared, ``df`` is the sum of n - 1
        (Lashley-Bond) or the number of round robins less one (SOREMO).
    pools : DataFrame
        One row per slice of ``by``: ``n_groups``, ``mean_group_size``, ``group_variance``
        (the variance of the group means beyond what the SRM components explain; TripleR's
        ``group.var``), ``reliability_actor`` and ``reliability_partner`` (from the pooled
        components and the mean group size).
    excluded : DataFrame
        Members left out with ``missing="impute"``: ``member`` and ``reason``. Empty
        otherwise.
    se : str
        The pooling method, ``"LashleyBond"`` or ``"SOREMO"``.
    """

    person: pd.DataFrame
    relationship: pd.DataFrame
    groups: pd.DataFrame
    variances: pd.DataFrame
    pooled: pd.DataFrame
    pools: pd.DataFrame
    excluded: pd.DataFrame
    se: str


def srm(
    table: pd.DataFrame,
    *,
    groups: str | Sequence[str] = ("group",),
    by: str | Sequence[str] = ("session", "item"),
    rater: str = "rater",
    target: str = "target",
    rating: str = "rating",
    missing: Literal["error", "impute"] = "error",
    min_data: int = 1,
    se: Literal["LashleyBond", "SOREMO"] = "LashleyBond",
    min_var: float | None = 0.0,
    one_tailed_dyadic: bool = False,
) -> SRMResult:
    """Estimate the Social Relations Model for round-robin ratings, per round robin and pooled.

    One *round robin* is the ratings of one value of ``by`` + ``groups`` (by default one
    group's ratings of one item in one session). Each is analysed on its own; the analyses of
    one value of ``by`` (a *slice*: all groups' ratings of one item in one session) are then
    pooled, each weighted by n - 1, as TripleR's ``RR(y ~ perceiver * target | group)`` does.

    Parameters
    ----------
    table : DataFrame
        One row per rating, e.g. from :func:`gqkit.round_robin.read_round_robin`: the columns
        of ``groups`` and ``by``, ``rater``, ``target`` and ``rating`` (a number, or missing).
        A row with rater = target and no rating is ignored. Other columns are ignored.
    groups : str or sequence of str, default ("group",)
        The columns that tell round robins of one slice apart (may be empty: then each slice
        is one round robin).
    by : str or sequence of str, default ("session", "item")
        The columns that split the table into separately pooled slices (may be empty: then all
        round robins are pooled). Pool only round robins of different people: the pooled
        standard errors treat them as independent.
    rater, target, rating : str, default "rater", "target", "rating"
        The columns holding who rates, who is rated and the rating. Members are matched by
        their id as text within a round robin.
    missing : {"error", "impute"}, default "error"
        ``"error"``: every member who appears in a round robin must have rated every other
        one (TripleR's default, ``na.rm=FALSE``); a missing rating or a round robin of fewer
        than 4 members raises. ``"impute"``: TripleR's ``na.rm=TRUE``. A member who never
        rates or is never rated is left out, then, repeatedly, anyone who gives or receives
        fewer than ``min_data`` ratings among those kept; a round robin left with fewer than 4
        members is left out. Missing ratings are imputed iteratively (each set to the mean of
        its rater's row mean and its target's column mean, until no effect moves by more than
        0.01); relationship effects of missing ratings are NaN, and the relationship
        (co)variances use the complete dyads with the complete-data denominators. Each
        exclusion is listed in :attr:`SRMResult.excluded`.
    min_data : int, default 1
        With ``missing="impute"``, the fewest ratings a member must give and receive
        (TripleR's ``minData``).
    se : {"LashleyBond", "SOREMO"}, default "LashleyBond"
        How the pooled estimates are tested: Lashley & Bond's (1997) pooled standard error
        sqrt(sum (n-1)^2 se_g^2) / sum (n-1) with df = sum (n-1), or SOREMO's weighted
        between-groups t-test over the round robins with df = groups - 1 (Kenny & La Voie,
        1984), which TripleR recommends only with more than 8 groups. Each round robin's own
        table always uses Lashley-Bond.
    min_var : float or None, default 0.0
        Set a slice's actor (partner) effects to NaN when its pooled standardized actor
        (partner) variance is below this or undefined (negative variance): TripleR's
        ``minVar``, whose default 0 blanks the effects of a negative variance. ``None``
        keeps all effects (TripleR's ``minVar=NA``); Kenny suggests 0.1 for small groups.
    one_tailed_dyadic : bool, default False
        Test a round robin's relationship covariance one-tailed, as TripleR 1.5.4 does by
        a slip (its RR.r line 260 doubles the p-values of rows 4:5 -- error variance and
        actor-partner covariance -- where its comment says the covariances, rows 5:6). By
        default both covariances are tested two-tailed, as TripleR's pooled tests do; the
        ``tails`` column says which was used.

    Returns
    -------
    SRMResult
        Tables ``person``, ``relationship``, ``groups``, ``variances``, ``pooled``, ``pools``
        and ``excluded``; see :class:`SRMResult`.

    Raises
    ------
    GQDataError
        Naming the row (index label) and column, for: a missing column, an empty table, an
        empty group or member id, a rating that is not a number, a self-rating, and the same pair rated twice
        in one round robin; with ``missing="error"``, naming the round robin, for each missing
        rating and each round robin of fewer than 4 members.
    GQConfigError
        If a parameter is not as described.

    Notes
    -----
    Formulas (one round robin of n members; row means M_i., column means M_.j, mean M..):

    * actor a_i = (n-1)^2/(n(n-2)) M_i. + (n-1)/(n(n-2)) M_.i - (n-1)/(n-2) M..; partner
      b_j likewise with rows and columns swapped; relationship g_ij = x_ij - a_i - b_j - M..
    * with s and d the sums and differences of the two relationship effects of each dyad,
      MS_s = sum(s^2/2) / ((n-1)(n-2)/2 - 1) and MS_d = sum(d^2/2) / ((n-1)(n-2)):
      relationship variance (MS_s + MS_d)/2 and covariance (MS_s - MS_d)/2; actor variance
      sum(a^2)/(n-1) - var_g (n-1)/(n(n-2)) - cov_g/(n(n-2)), partner likewise;
      actor-partner covariance sum(ab)/(n-1) - cov_g (n-1)/(n(n-2)) - var_g/(n(n-2)).
    * variances are tested one-tailed, covariances two-tailed (but see
      ``one_tailed_dyadic``), with t = estimate / se.

    What TripleR masks is masked here too. In a round robin's table a variance <= 0 has no
    se, t or p (and a negative one no standardized value either); the actor-partner
    covariance has none of the four unless both its variances are > 0, the relationship
    covariance none unless the relationship variance is > 0. In the pooled table only
    negative variances are masked, and the actor-partner covariance with them.

    Checked against TripleR 1.5.4 (R 4.2.2) on its examples ``likingLong`` (n = 54),
    ``multiLikingLong`` (5 groups, both ``se`` methods), ``multiGroup`` with ``na.rm=TRUE``
    (10 groups, 127 missing ratings, 28 members excluded) and Kenny's six-person matrix
    (whose actor effects also match Kenny's web page): every effect, estimate, standardized
    value, se, t and p agrees to 1e-9 or better, with NaN in the same places, except: (1) the
    relationship covariance's p of one round robin is twice TripleR's unless
    ``one_tailed_dyadic=True``; (2) TripleR's ``group.var`` averages every row of its input,
    self-ratings included, which a round-robin table does not hold (here: the mean of the
    ratings given, excluded members' included), and counts groups it dropped for size (here:
    only the round robins analysed); (3) p-values below about 1e-15 are computed
    more exactly than TripleR's ``1 - pt(t)``, which rounds them to 0.

    Examples
    --------
    Five members rate each other once (row: the rater; the diagonal is not used):

    >>> import pandas as pd
    >>> names = ["ann", "bob", "cai", "dee", "eli"]
    >>> x = [[0, 6, 5, 4, 6], [3, 0, 4, 2, 4], [5, 6, 0, 5, 7], [3, 5, 3, 0, 4], [6, 7, 5, 6, 0]]
    >>> table = pd.DataFrame([{"group": "g1", "rater": names[i], "target": names[j], "rating": x[i][j]}
    ...                       for i in range(5) for j in range(5) if i != j])
    >>> result = srm(table, by=())
    >>> [round(float(a), 3) for a in result.person["actor"]]
    [0.333, -1.333, 0.867, -1.267, 1.4]
    >>> for row in result.variances.itertuples():
    ...     print(f"{row.component:<25} {row.estimate:6.3f}  p = {row.p:.3f} ({row.tails}-tailed)")
    actor variance             1.483  p = 0.087 (1-tailed)
    partner variance           0.550  p = 0.100 (1-tailed)
    relationship variance      0.317  p = 0.045 (1-tailed)
    actor-partner covariance   0.200  p = 0.689 (2-tailed)
    relationship covariance   -0.250  p = 0.155 (2-tailed)
    """
    keys_by, keys_groups = _names("by", by), _names("groups", groups)
    for name, value in (("rater", rater), ("target", target), ("rating", rating)):
        if not isinstance(value, str) or not value:
            raise GQConfigError(name, value, "a column name")
    columns = [*keys_by, *keys_groups, rater, target, rating]
    if len(set(columns)) != len(columns):
        raise GQConfigError("by", by, f"columns that differ from each other and from groups={keys_groups}, rater, target and rating")
    if missing not in ("error", "impute"):
        raise GQConfigError("missing", missing, "'error' or 'impute'")
    if isinstance(min_data, bool) or not isinstance(min_data, numbers.Integral) or min_data < 1:
        raise GQConfigError("min_data", min_data, "a whole number of at least 1")
    if se not in ("LashleyBond", "SOREMO"):
        raise GQConfigError("se", se, "'LashleyBond' or 'SOREMO'")
    if min_var is not None and (isinstance(min_var, bool) or not isinstance(min_var, numbers.Real) or not np.isfinite(min_var)):
        raise GQConfigError("min_var", min_var, "a finite number, or None to keep every effect")
    if not isinstance(one_tailed_dyadic, bool):
        raise GQConfigError("one_tailed_dyadic", one_tailed_dyadic, "True or False")
    rows = _checked_rows(table, [*keys_groups, *keys_by], rater, target, rating)
    layout = _Layout(rows, keys_by, keys_groups, missing == "impute", int(min_data))
    est = layout.estimate()
    tails = np.array([1, 1, 1, 2, 1 if one_tailed_dyadic else 2])
    return _result(layout, est, se, min_var, tails)


# -- input -------------------------------------------------------------------------------


def _names(parameter: str, value: object) -> list[str]:
    """A column name or a sequence of them as a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise GQConfigError(parameter, value, "a column name or a sequence of column names (may be empty)")


def _checked_rows(table: object, keys: list[str], rater: str, target: str, rating: str) -> pd.DataFrame:
    """The rows as (keys..., rater, target, rating), ids as text; self-pairs without a rating dropped."""
    if not isinstance(table, pd.DataFrame):
        raise GQConfigError("table", type(table).__name__, "a DataFrame with one row per rating")
    require_columns(table, [*keys, rater, target, rating], SOURCE, advice="nothing was estimated; add them, or name the columns to use with groups=, by=, rater=, target=, rating=")
    if not len(table):
        raise GQDataError(SOURCE, [Problem("", "", "", "at least one row (one per rating)")], advice="nothing was estimated")
    raw = RawTable(SOURCE, pd.DataFrame(index=pd.RangeIndex(len(table))), np.asarray(table.index), "row")
    log = ProblemLog(raw)
    for order, key in enumerate(keys):
        codes, uniques = pd.factorize(table[key], use_na_sentinel=True)
        blank = np.array([isinstance(u, str) and not u.strip() for u in uniques], dtype=bool)
        bad = (codes < 0) | (blank[codes] if len(uniques) else False)
        where = np.flatnonzero(bad)
        shown = np.where(codes[where] < 0, "", table[key].to_numpy(dtype=object)[where])  # a missing value is shown as nothing
        log.add(order, where, key, shown, "a value (it tells round robins apart)")
    ids = {}
    for order, name in enumerate((rater, target), start=len(keys)):
        column = Column(name, "id", describe=f"a member id in column '{name}': not empty, and no control or invisible characters")
        ids[name], bad = column.parse(table[name].to_numpy(dtype=object))
        where = np.flatnonzero(bad)
        log.add(order, where, name, table[name].to_numpy(dtype=object)[where], column.expected())
    values = table[rating]
    if pd.api.types.is_bool_dtype(values.dtype):
        number = np.full(len(values), np.nan)
    else:
        number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = values.notna().to_numpy()
    bad = (np.isnan(number) & present) | np.isinf(number)
    where = np.flatnonzero(bad)
    log.add(len(keys) + 2, where, rating, values.to_numpy(dtype=object)[where], "a finite number, or missing (NaN) where no rating was given")
    same = (ids[rater] == ids[target]).to_numpy()
    rated = np.flatnonzero(same & present)
    log.add(len(keys) + 3, rated, target, ids[target].to_numpy()[rated], [f"a target other than the rater {r!r}: self-ratings are not part of the round robin" for r in ids[rater].to_numpy()[rated]])
    frame = pd.DataFrame({**{k: table[k].to_numpy() for k in keys}, rater: ids[rater].to_numpy(), target: ids[target].to_numpy()})
    keep = ~same
    log.duplicates(len(keys) + 4, frame[keep], [*keys, rater, target], np.flatnonzero(keep))
    log.raise_if_any(advice="nothing was estimated; fix the table")
    out = pd.DataFrame({**{k: table[k].to_numpy()[keep] for k in keys}})
    out["__rater"] = ids[rater].to_numpy(dtype=object)[keep]
    out["__target"] = ids[target].to_numpy(dtype=object)[keep]
    out["__rating"] = number[keep]
    return out


# -- layout: round robins, members and the stacked matrices --------------------------------


class _Layout:
    """Where each rating goes: round robins, their members (kept or not) and matrix cells."""

    def __init__(self, rows: pd.DataFrame, by: list[str], groups: list[str], impute: bool, min_data: int):
        self.by, self.groups, self.keys = by, groups, [*by, *groups]
        n_rows = len(rows)
        if self.keys and n_rows:
            try:
                rr = rows.groupby(self.keys, sort=True, dropna=False).ngroup().to_numpy()
            except TypeError:  # ids of mixed types cannot be sorted: keep the table's order
                rr = rows.groupby(self.keys, sort=False, dropna=False).ngroup().to_numpy()
        else:
            rr = np.zeros(n_rows, dtype=np.int64)
        n_rr = int(rr.max()) + 1 if n_rows else 0
        first = np.full(n_rr, n_rows, dtype=np.int64)
        np.minimum.at(first, rr, np.arange(n_rows))
        self.key_frame = rows[self.keys].iloc[first].reset_index(drop=True) if self.keys else pd.DataFrame(index=pd.RangeIndex(n_rr))
        if by and n_rr:
            try:
                self.slice_of = self.key_frame.groupby(by, sort=True, dropna=False).ngroup().to_numpy()
            except TypeError:
                self.slice_of = self.key_frame.groupby(by, sort=False, dropna=False).ngroup().to_numpy()
        else:
            self.slice_of = np.zeros(n_rr, dtype=np.int64)
        rating = rows["__rating"].to_numpy(dtype=float)
        given = ~np.isnan(rating)
        # raw group means over every rating of the round robin (TripleR's group.var uses them)
        with np.errstate(invalid="ignore", divide="ignore"):  # a round robin without a single rating has no mean (and is not analysed)
            self.raw_mean = np.bincount(rr, np.where(given, rating, 0.0), n_rr) / np.bincount(rr, given, n_rr)
        names, codes = np.unique(np.concatenate([rows["__rater"].to_numpy(dtype=object), rows["__target"].to_numpy(dtype=object)]).astype(str), return_inverse=True)
        codes = codes.reshape(-1)  # numpy 2.0-2.1 return inverse indices in the input's shape
        m = max(len(names), 1)
        slot_keys, slot_of = np.unique(np.concatenate([rr, rr]).astype(np.int64) * m + codes, return_inverse=True)
        slot_of = slot_of.reshape(-1)
        slot_r, slot_t = slot_of[:n_rows], slot_of[n_rows:]
        n_slots = len(slot_keys)
        self.slot_rr = slot_keys // m
        self.slot_name = names[slot_keys % m].astype(object)
        alive = np.ones(n_slots, dtype=bool)
        reason = np.full(n_slots, "", dtype=object)
        if impute:
            rates = np.bincount(slot_r, minlength=n_slots) > 0
            rated = np.bincount(slot_t, minlength=n_slots) > 0
            reason[~rates] = "rated no one"
            reason[rates & ~rated] = "rated by no one"
            alive = rates & rated
            while True:
                ok = given & alive[slot_r] & alive[slot_t]
                fewest = np.minimum(np.bincount(slot_r[ok], minlength=n_slots), np.bincount(slot_t[ok], minlength=n_slots))
                drop = alive & (fewest < min_data)
                if not drop.any():
                    break
                alive &= ~drop
                reason[drop] = f"gave or received fewer than {min_data} rating{'s' if min_data > 1 else ''} among the members kept (min_data)"
        size = np.bincount(self.slot_rr[alive], minlength=n_rr)
        small = (size < MIN_MEMBERS) & (size > 0)
        if impute:
            dropped = alive & small[self.slot_rr]
            reason[dropped] = f"the round robin was left with fewer than {MIN_MEMBERS} members"
            alive &= ~dropped
            size = np.where(small, 0, size)
        elif small.any():
            problems = [Problem(self.describe(int(r)), "", str(int(size[r])) + " members", f"at least {MIN_MEMBERS} members who rate each other (the SRM needs 4)")
                        for r in np.flatnonzero(small)]  # fmt: skip
            raise GQDataError(SOURCE, problems[:50], max(len(problems) - 50, 0), advice="nothing was estimated; drop or complete these round robins")
        self.alive, self.reason, self.size = alive, reason, size
        # kept members numbered 0..n-1 within their round robin, in id order
        kept_index = np.cumsum(alive) - 1
        self.kept_start = np.zeros(n_rr + 1, dtype=np.int64)
        self.kept_start[1:] = np.cumsum(size)
        self.pos = kept_index - self.kept_start[self.slot_rr]
        self.kept_names = self.slot_name[alive]
        use = alive[slot_r] & alive[slot_t]
        self.cell_rr, self.cell_i, self.cell_j, self.cell_x = rr[use], self.pos[slot_r[use]], self.pos[slot_t[use]], rating[use]
        self.analysed = np.flatnonzero(size >= MIN_MEMBERS)
        self.impute = impute

    def describe(self, r: int) -> str:
        """A round robin in words, e.g. ``"group 'g1', session 2, item 'close'"`` (``"the table"`` when there are no keys)."""
        if not self.keys:
            return "the table"
        row = self.key_frame.iloc[r]
        return ", ".join(f"{k} {row[k]!r}" if isinstance(row[k], str) else f"{k} {row[k]}" for k in [*self.groups, *self.by])

    def estimate(self) -> dict[str, np.ndarray]:
        """Every estimate of every analysed round robin, stacked by size; arrays indexed by round robin or kept member."""
        n_rr = len(self.size)
        n_kept = int(self.kept_start[-1])
        est = np.full((n_rr, 5), np.nan)
        out = {"est": est, "sevar": np.full((n_rr, 5), np.nan), "mean": np.full(n_rr, np.nan), "n_missing": np.zeros(n_rr, dtype=np.int64),
               "actor": np.full(n_kept, np.nan), "partner": np.full(n_kept, np.nan)}  # fmt: skip
        pairs = self.size * (self.size - 1)
        rel_start = np.zeros(n_rr + 1, dtype=np.int64)
        rel_start[1:] = np.cumsum(pairs)
        n_rel = int(rel_start[-1])
        rel = {"rel": np.full(n_rel, np.nan), "rater": np.zeros(n_rel, dtype=np.int64), "target": np.zeros(n_rel, dtype=np.int64),
               "rr": np.zeros(n_rel, dtype=np.int64), "dyad": np.zeros(n_rel, dtype=np.int64)}  # fmt: skip
        local = np.full(n_rr, -1, dtype=np.int64)
        missing_cells: list[tuple[int, int, int]] = []
        for n in np.unique(self.size[self.analysed]):
            n = int(n)
            members = self.analysed[self.size[self.analysed] == n]
            local[members] = np.arange(len(members))
            here = local[self.cell_rr] >= 0
            here &= self.size[self.cell_rr] == n
            x = np.full((len(members), n, n), np.nan)
            x[local[self.cell_rr[here]], self.cell_i[here], self.cell_j[here]] = self.cell_x[here]
            local[members] = -1
            off = ~np.eye(n, dtype=bool)
            hole = np.isnan(x) & off
            n_missing = hole.sum(axis=(1, 2))
            if not self.impute and n_missing.any():
                g, i, j = np.nonzero(hole)
                missing_cells += [(int(members[a]), int(b), int(c)) for a, b, c in zip(g, i, j)]
                continue
            parts = _estimate(x, hole, n)
            out["est"][members] = parts["est"]
            out["sevar"][members] = _lashley_bond(parts["est"], np.full(len(members), float(n)))
            out["mean"][members] = parts["m"]
            out["n_missing"][members] = n_missing
            slots = self.kept_start[members][:, None] + np.arange(n)
            out["actor"][slots] = parts["a"]
            out["partner"][slots] = parts["b"]
            i, j = np.nonzero(off)
            at = rel_start[members][:, None] + np.arange(n * (n - 1))
            rel["rel"][at] = parts["g"][:, i, j]
            rel["rater"][at] = slots[:, i]
            rel["target"][at] = slots[:, j]
            rel["rr"][at] = members[:, None]
            rel["dyad"][at] = self._dyads(n)[i, j][None, :]
        if missing_cells:
            self._raise_missing(missing_cells)
        out.update({f"rel_{k}": v for k, v in rel.items()})
        return out

    @staticmethod
    def _dyads(n: int) -> np.ndarray:
        """TripleR's dyad numbers: the unordered pairs numbered in order of (lower id, higher id), ids compared as text."""
        i, j = np.triu_indices(n, 1)  # members are in id order, so this is that order
        dyad = np.zeros((n, n), dtype=np.int64)
        dyad[i, j] = dyad[j, i] = np.arange(1, len(i) + 1)
        return dyad

    def _raise_missing(self, cells: list[tuple[int, int, int]]) -> None:
        cells.sort()
        names = self.kept_names
        problems = [
            Problem(self.describe(r), "", "", f"a rating of {names[self.kept_start[r] + j]!r} by {names[self.kept_start[r] + i]!r}; "
                    "pass missing='impute' to estimate with missing ratings as TripleR's na.rm=TRUE does")
            for r, i, j in cells[:50]
        ]  # fmt: skip
        raise GQDataError(SOURCE, problems, max(len(cells) - 50, 0), advice="nothing was estimated; every member must rate every other one")


# -- the estimates ---------------------------------------------------------------------------


def _effects(x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Actor and partner effects and the grand mean of stacked matrices (NaN ignored in the means; RR.r:38-53)."""
    row = np.nanmean(x, axis=2)
    col = np.nanmean(x, axis=1)
    mean = np.nanmean(x, axis=(1, 2))
    k1, k2, k3 = (n - 1) ** 2 / (n * (n - 2)), (n - 1) / (n * (n - 2)), (n - 1) / (n - 2)
    a = k1 * row + k2 * col - k3 * mean[:, None]
    b = k1 * col + k2 * row - k3 * mean[:, None]
    return a, b, mean


def _impute(x: np.ndarray, n: int) -> np.ndarray:
    """TripleR's iterative mean imputation (impute.R), for matrices with at least one missing rating.

    Each pass sets every cell that was empty at the start -- the diagonal included -- to the
    mean of its row mean and column mean, then recomputes the effects from the filled matrix
    (diagonal included); a matrix is done when no effect moved by more than 0.01. After 100
    passes it gets a single pass from the original. The diagonal is emptied again at the end.
    """
    empty = np.isnan(x)
    filled = x.copy()
    a0, b0, _ = _effects(x, n)
    active = np.arange(len(x))
    passes = 0
    while active.size:
        passes += 1
        cur = filled[active]
        fill = (np.nanmean(cur, axis=2)[:, :, None] + np.nanmean(cur, axis=1)[:, None, :]) / 2
        cur = np.where(empty[active], fill, cur)
        filled[active] = cur
        a, b, _ = _effects(cur, n)
        stress = np.maximum(np.abs(a - a0[active]).max(axis=1), np.abs(b - b0[active]).max(axis=1))
        a0[active], b0[active] = a, b
        if passes > MAX_PASSES:  # TripleR warns and falls back to one pass from the original
            once = x[active]
            fill = (np.nanmean(once, axis=2)[:, :, None] + np.nanmean(once, axis=1)[:, None, :]) / 2
            filled[active] = np.where(empty[active], fill, once)
            break
        active = active[stress > STRESS_MAX]
    filled[:, np.arange(n), np.arange(n)] = np.nan
    return filled


def _estimate(x: np.ndarray, hole: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Effects and the five components of stacked n x n matrices (RR.r:59-231)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if hole.any():
            some = hole.any(axis=(1, 2))
            x = x.copy()
            x[some] = _impute(x[some], n)
        a, b, m = _effects(x, n)
        g = x - a[:, :, None] - b[:, None, :] - m[:, None, None]
        g[hole] = np.nan
        gt = np.swapaxes(g, 1, 2)
        big_a = (a**2).sum(axis=1) / (n - 1)
        big_b = (b**2).sum(axis=1) / (n - 1)
        big_c = (a * b).sum(axis=1) / (n - 1)
        ms_sum = np.nansum((0.5 * (g + gt)) ** 2, axis=(1, 2)) / ((n - 1) * (n - 2) / 2 - 1)
        ms_diff = (np.nansum((g - gt) ** 2, axis=(1, 2)) / 2) / ((n - 1) * (n - 2))
    var_g = (ms_sum + ms_diff) / 2
    cov_g = (ms_sum - ms_diff) / 2
    k = n * (n - 2)
    var_a = big_a - var_g * (n - 1) / k - cov_g / k
    var_b = big_b - var_g * (n - 1) / k - cov_g / k
    cov_ab = big_c - cov_g * (n - 1) / k - var_g / k
    return {"a": a, "b": b, "m": m, "g": g, "est": np.stack([var_a, var_b, var_g, cov_ab, cov_g], axis=1)}


def _lashley_bond(est: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Squared Lashley-Bond standard errors of the five components of one round robin each (LashleyBond.R:4-20)."""
    var_a, var_b, var_g, cov_ab, cov_g = est.T
    w = (n**2 - 3 * n + 6) * (n**2 - 3 * n + 4)
    q = w * (n + 1) * n**2 * (n - 2) ** 2
    p1 = n**6 - 7 * n**5 + 28 * n**4 - 66 * n**3 + 102 * n**2 - 84 * n + 32
    p2 = (n**3 - n**2 - 2 * n + 16) * (n**2 - 2 * n + 2)
    p3 = n**5 - 5 * n**4 + 20 * n**3 - 42 * n**2 + 60 * n - 32
    p4 = n**6 - 5 * n**5 + 19 * n**4 - 45 * n**3 + 90 * n**2 - 96 * n + 64
    p5 = n**6 - 7 * n**5 + 31 * n**4 - 83 * n**3 + 150 * n**2 - 144 * n + 64
    relationship_noise = 2 * p1 * var_g**2 / q + 2 * p2 * cov_g**2 / q + 4 * p3 * var_g * cov_g / q

    def person(v: np.ndarray) -> np.ndarray:
        return 2 * v**2 / (n + 1) + relationship_noise + 4 * v * ((n - 1) * var_g + cov_g) / ((n + 1) * n * (n - 2))

    se2_g = (2 * (n**2 - 3 * n + 5) * (var_g**2 + cov_g**2) + 4 * var_g * cov_g) / w
    se2_ab = ((n - 3) * cov_ab**2 / ((n + 1) * (n - 2)) + p4 * var_g**2 / q + p5 * cov_g**2 / q + (n - 1) * var_a * var_b / ((n + 1) * (n - 2))
              + (n - 1) * (var_a + var_b) * ((n - 1) * var_g + cov_g) / ((n + 1) * n * (n - 2) ** 2)
              + 2 * (n - 3) * cov_ab * (var_g + (n - 1) * cov_g) / ((n + 1) * n * (n - 2) ** 2) + 4 * p3 * var_g * cov_g / q)  # fmt: skip
    return np.stack([person(var_a), person(var_b), se2_g, se2_ab, se2_g], axis=1)


def _standardized(est: np.ndarray, positive_variances_only: bool) -> np.ndarray:
    """Shares of the non-negative variances; r_ab and r_gg' for the covariances; clamped to [-1, 1] (RR.r:233-241, 955-966)."""
    var_a, var_b, var_g, cov_ab, cov_g = est.T
    variances = est[:, :_VARIANCES]
    kept = np.where(variances >= 0, variances, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.empty_like(est)
        out[:, :_VARIANCES] = kept / np.nansum(kept, axis=1)[:, None]
        if positive_variances_only:  # a round robin's own table
            both = (var_a > 0) & (var_b > 0)
            out[:, 3] = np.where(both, cov_ab / np.sqrt(np.where(both, var_a * var_b, 1.0)), np.nan)
            out[:, 4] = cov_g / np.where(var_g >= 0, var_g, np.nan)
        else:  # the pooled table: TripleR divides whatever the signs
            out[:, 3] = cov_ab / np.sqrt(var_a * var_b)
            out[:, 4] = cov_g / var_g
    return np.clip(out, -1.0, 1.0)


def _p(t: np.ndarray, df: np.ndarray, tails: np.ndarray) -> np.ndarray:
    """P(T_df > |t|) times the tails (NaN stays NaN)."""
    return stats.t.sf(np.abs(t), df[:, None]) * tails[None, :]


def _group_tests(est: np.ndarray, sevar: np.ndarray, n: np.ndarray, tails: np.ndarray) -> dict[str, np.ndarray]:
    """Standardized values, se, t, df and p of each round robin's components, masked as RR.r:233-280 does."""
    standardized = _standardized(est, positive_variances_only=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(sevar)
        se[:, :_VARIANCES][est[:, :_VARIANCES] <= 0] = np.nan
        t = est / se
    df = (n - 1).astype(float)
    p = _p(t, df, tails)
    negative = np.zeros_like(est, dtype=bool)
    negative[:, :_VARIANCES] = est[:, :_VARIANCES] < 0
    negative[:, 3] = (est[:, 0] <= 0) | (est[:, 1] <= 0)
    negative[:, 4] = est[:, 2] <= 0
    for array in (standardized, se, t, p):
        array[negative] = np.nan
    return {"standardized": standardized, "se": se, "se_squared": sevar, "t": t, "df": np.repeat(df[:, None], 5, axis=1), "p": p}


def _pooled_tests(est: np.ndarray, sevar: np.ndarray, n: np.ndarray, slice_of: np.ndarray, n_slices: int, method: str) -> dict[str, np.ndarray]:
    """Estimates weighted by n - 1 and their Lashley-Bond or SOREMO tests, masked as RR.r:888-978 does."""
    w = (n - 1).astype(float)
    sum_w = np.bincount(slice_of, w, n_slices)
    count = np.bincount(slice_of, minlength=n_slices).astype(float)
    pooled = np.stack([np.bincount(slice_of, w * est[:, k], n_slices) for k in range(5)], axis=1) / sum_w[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "LashleyBond":
            se = np.sqrt(np.stack([np.bincount(slice_of, w**2 * sevar[:, k], n_slices) for k in range(5)], axis=1)) / sum_w[:, None]
            df = sum_w
        else:  # SOREMO: weighted between-groups t-test (weighted.t.test.R)
            sum_w2 = np.bincount(slice_of, w**2, n_slices)
            wx2 = np.stack([np.bincount(slice_of, w * est[:, k] ** 2, n_slices) for k in range(5)], axis=1)
            var_w = (wx2 * sum_w[:, None] - (pooled * sum_w[:, None]) ** 2) / (sum_w**2 - sum_w2)[:, None]
            se = np.sqrt(var_w / count[:, None])
            se[count < 2] = np.nan
            df = count - 1
        t = pooled / se
    tails = np.array([1, 1, 1, 2, 2])
    p = _p(t, df, tails)
    standardized = _standardized(pooled, positive_variances_only=False)
    negative = np.zeros_like(pooled, dtype=bool)
    negative[:, :_VARIANCES] = pooled[:, :_VARIANCES] < 0
    negative[:, 3] = (pooled[:, 0] < 0) | (pooled[:, 1] < 0)
    for array in (standardized, se, t, p):
        array[negative] = np.nan
    return {"est": pooled, "standardized": standardized, "se": se, "se_squared": se**2, "t": t, "df": np.repeat(df[:, None], 5, axis=1), "p": p}


def _reliability(variance: np.ndarray, var_g: np.ndarray, cov_g: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Reliability of actor (or partner) effect estimates (Bonito & Kenny, 2010; RR.r:264-267); NaN for a negative variance."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = variance / (variance + var_g * (n - 1) / (n * (n - 2)) + cov_g / (n * (n - 2)))
    return np.where(variance < 0, np.nan, out)


# -- the tables --------------------------------------------------------------------------------


def _result(layout: _Layout, est: dict[str, np.ndarray], method: str, min_var: float | None, tails: np.ndarray) -> SRMResult:
    done = layout.analysed
    n = layout.size[done].astype(float)
    by_frame = layout.key_frame[layout.by]
    n_slices = int(layout.slice_of.max()) + 1 if len(layout.slice_of) else 0
    slices_done = np.unique(layout.slice_of[done])
    slice_index = np.full(n_slices, -1, dtype=np.int64)
    slice_index[slices_done] = np.arange(len(slices_done))
    slice_of = slice_index[layout.slice_of[done]]
    first_of_slice = np.full(n_slices, len(layout.slice_of), dtype=np.int64)
    np.minimum.at(first_of_slice, layout.slice_of, np.arange(len(layout.slice_of)))
    slice_keys = by_frame.iloc[first_of_slice[slices_done]].reset_index(drop=True)
    group_est, sevar = est["est"][done], est["sevar"][done]

    group_tests = _group_tests(group_est, sevar, layout.size[done], tails)
    pooled = _pooled_tests(group_est, sevar, layout.size[done], slice_of, len(slices_done), method)
    keys = layout.key_frame.iloc[done].reset_index(drop=True)

    variances = _component_table(keys, group_est, group_tests, tails)
    pooled_table = _component_table(slice_keys, pooled["est"], pooled, np.array([1, 1, 1, 2, 2]))

    groups = keys.assign(n=layout.size[done].astype(np.int64), n_missing=est["n_missing"][done], group_mean=est["mean"][done],
                         reliability_actor=_reliability(group_est[:, 0], group_est[:, 2], group_est[:, 4], n),
                         reliability_partner=_reliability(group_est[:, 1], group_est[:, 2], group_est[:, 4], n))  # fmt: skip

    count = np.bincount(slice_of, minlength=len(slices_done)).astype(float)
    n_bar = np.bincount(slice_of, n, len(slices_done)) / count
    p_est = pooled["est"]
    raw = layout.raw_mean[done]
    centre = np.bincount(slice_of, raw, len(slices_done)) / count
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.bincount(slice_of, (raw - centre[slice_of]) ** 2, len(slices_done)) / (count - 1)
        group_variance = spread - ((p_est[:, 0] + p_est[:, 1] + 2 * p_est[:, 3]) / n_bar + (p_est[:, 2] + p_est[:, 4]) / (n_bar * (n_bar - 1)))
    pools = slice_keys.assign(n_groups=count.astype(np.int64), mean_group_size=n_bar, group_variance=group_variance,
                              reliability_actor=np.clip(_reliability(p_est[:, 0], p_est[:, 2], p_est[:, 4], n_bar), -1.0, 1.0),
                              reliability_partner=np.clip(_reliability(p_est[:, 1], p_est[:, 2], p_est[:, 4], n_bar), -1.0, 1.0))  # fmt: skip

    kept_rr = layout.slot_rr[layout.alive]
    actor, partner = est["actor"].copy(), est["partner"].copy()
    if min_var is not None:
        std = pooled["standardized"]
        blank_actor = np.isnan(std[:, 0]) | (std[:, 0] < min_var)
        blank_partner = np.isnan(std[:, 1]) | (std[:, 1] < min_var)
        member_slice = slice_index[layout.slice_of[kept_rr]]
        actor[blank_actor[member_slice]] = np.nan
        partner[blank_partner[member_slice]] = np.nan
    person = layout.key_frame.iloc[kept_rr].reset_index(drop=True).assign(member=_text(layout.kept_names), actor=actor, partner=partner)

    names = layout.kept_names
    relationship = layout.key_frame.iloc[est["rel_rr"]].reset_index(drop=True).assign(
        rater=_text(names[est["rel_rater"]]), target=_text(names[est["rel_target"]]), dyad=est["rel_dyad"], relationship=est["rel_rel"])

    gone = ~layout.alive
    excluded = layout.key_frame.iloc[layout.slot_rr[gone]].reset_index(drop=True).assign(
        member=_text(layout.slot_name[gone]), reason=_text(layout.reason[gone]))
    return SRMResult(person, relationship, groups, variances, pooled_table, pools, excluded, method)


def _text(values: np.ndarray) -> pd.Series:
    """Text with the dtype pandas infers for text (``str`` on pandas 3, object before)."""
    return pd.Series(values, dtype=object).astype(str)


def _component_table(keys: pd.DataFrame, est: np.ndarray, tests: dict[str, np.ndarray], tails: np.ndarray) -> pd.DataFrame:
    """Five rows per row of ``keys``: one per component."""
    repeat = np.repeat(np.arange(len(keys)), 5)
    out = keys.iloc[repeat].reset_index(drop=True)
    out["component"] = _text(np.tile(np.array(COMPONENTS, dtype=object), len(keys)))
    out["estimate"] = est.reshape(-1)
    for column in ("standardized", "se", "se_squared", "t", "df"):
        out[column] = tests[column].reshape(-1)
    out["tails"] = np.tile(tails, len(keys)).astype(np.int64)
    out["p"] = tests["p"].reshape(-1)
    return out
