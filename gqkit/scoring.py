"""From item responses to subscale and facet scores; norms, reliable change and reliability.

Scores are item means on the response scale (1-7 for the GQ): one per subscale (level
``all``) and one per populated scale x level cell ("facet"). NR is not reversed into a total:
the GQ is read as three subscales, as its feedback alerts read them (PB or PW too low, NR too
high; Burlingame et al., 2018). That no total is formed is an assumption of the kit; the GQ
manual was not checked.
"""

from __future__ import annotations

import math
import numbers
from functools import lru_cache

import numpy as np
import pandas as pd

from .errors import GQConfigError, GQDataError, Problem
from .instrument import Instrument, instrument_or_default
from .io import ID_COLUMNS
from .schema import require_columns

__all__ = ["DEFAULT_PRORATE", "allowed_missing", "alpha_array", "norms", "rci", "reliability", "score", "score_array"]

DEFAULT_PRORATE = 0.2
"""Default share of a scale's items that may be missing and still be prorated: an assumption of
the kit, not checked against the GQ manual; ``score(..., prorate=...)`` changes it."""


def allowed_missing(n_items: int, prorate: float) -> int:
    """How many of ``n_items`` may be missing under the prorating rule.

    The rule: a score is the mean of the answered items when at most ``prorate`` of the
    items are missing, i.e. when ``n_missing <= floor(prorate * n_items)``. With the default
    0.2, a 13-item scale tolerates 2 missing, a 5-item facet 1, a 3-item facet none.

    Parameters
    ----------
    n_items : int
        How many items the scale or facet has.
    prorate : float
        Largest share of them that may be missing, from 0 up to (not including) 1;
        :data:`DEFAULT_PRORATE` (0.2, an assumption of the kit) is what :func:`score` uses.

    Returns
    -------
    int
        ``floor(prorate * n_items)`` (with a tiny tolerance, so 0.2 * 10 gives 2).

    Raises
    ------
    GQConfigError
        If ``prorate`` is not a number from 0 up to 1.

    Examples
    --------
    >>> allowed_missing(13, 0.2), allowed_missing(5, 0.2), allowed_missing(3, 0.2)
    (2, 1, 0)
    """
    _check_prorate(prorate)
    return math.floor(prorate * n_items + 1e-9)


def score_array(values: np.ndarray, instrument: Instrument | None = None, prorate: float = DEFAULT_PRORATE) -> tuple[np.ndarray, np.ndarray]:
    """Score a numeric array whose last axis holds the instrument's items (NaN = missing).

    The fast path behind :func:`score`, for code that keeps responses as arrays (e.g. the
    simulator). It checks neither the answer range nor the shape beyond the last axis.

    Parameters
    ----------
    values : ndarray of float, shape (..., instrument.n_items)
        Answers on the response scale, items in the instrument's order, NaN where missing.
    instrument : Instrument, optional
        The item key; default :meth:`Instrument.default`.
    prorate : float, default DEFAULT_PRORATE (0.2)
        Largest share of a facet's items that may be missing (see :func:`allowed_missing`).

    Returns
    -------
    scores : ndarray of float, shape (..., len(instrument.facets))
        Item means per facet (:attr:`Instrument.facets`), NaN when too many items are missing.
    n_items : ndarray of int, same shape
        How many of each facet's items were answered.

    Examples
    --------
    >>> import numpy as np
    >>> scores, n = score_array(np.full((2, 30), 4.0))
    >>> scores.shape, float(scores.max()), int(n[0, 0])
    ((2, 11), 4.0, 13)
    """
    inst = instrument_or_default(instrument)
    weights = _facet_weights(inst)
    answered = ~np.isnan(values)
    n_used = (answered @ weights).astype(np.int64)  # float matmul (BLAS), exact for counts
    sums = np.where(answered, values, 0.0) @ weights
    n_total = weights.sum(axis=0)
    limit = np.array([allowed_missing(int(n), prorate) for n in n_total])
    ok = (n_total - n_used <= limit) & (n_used > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(ok, sums / n_used, np.nan)
    return scores, n_used


def score(responses: pd.DataFrame, instrument: Instrument | None = None, *, prorate: float = DEFAULT_PRORATE) -> pd.DataFrame:
    """Subscale and facet scores for every member and session.

    Parameters
    ----------
    responses : DataFrame
        The tidy ``responses`` table (columns group, member, session, item, response), as
        returned by :func:`gqkit.read_responses` or the simulator.
    instrument : Instrument, optional
        The item key; defaults to :meth:`Instrument.default`.
    prorate : float, default 0.2
        Largest share of a scale's (or facet's) items that may be missing; the score is
        then the mean of the answered items (see :func:`allowed_missing`). 0 demands every
        item.

    Returns
    -------
    DataFrame
        One row per member x session x facet: group, member, session, scale (PB/PW/NR),
        level (``all`` for the subscale, else MM/ML/MG), score (item mean, NaN if missing),
        n_items (items answered), reason (why a score is missing; ``<NA>`` otherwise).
        Empty scale x level cells of the instrument get no row.

    Raises
    ------
    GQDataError
        If a required column is missing, an item is unknown or a (group, member, session,
        item) occurs twice.

    Examples
    --------
    >>> import pandas as pd
    >>> one = pd.DataFrame({"group": "g", "member": "a", "session": 1,
    ...                     "item": ["gq05", "gq16", "gq25"], "response": [4, 5, 6]})
    >>> s = score(one)
    >>> s.loc[(s.scale == "PW") & (s.level == "ML"), "score"].item()
    5.0
    """
    inst = instrument_or_default(instrument)
    _check_prorate(prorate)
    matrix, keys = _response_matrix(responses, inst)
    scores, n_used = score_array(matrix, inst, prorate)
    facets = inst.facets
    n_keys, n_facets = len(keys), len(facets)
    out = keys.loc[keys.index.repeat(n_facets)].reset_index(drop=True)
    out["scale"] = np.tile([s for s, _ in facets], n_keys)
    out["level"] = np.tile([lv for _, lv in facets], n_keys)
    out["score"] = scores.ravel()
    out["n_items"] = n_used.ravel().astype("int64")
    out["reason"] = pd.array(_reasons(n_used, inst, prorate).ravel(), dtype="string")
    return out


def _reasons(n_used: np.ndarray, inst: Instrument, prorate: float) -> np.ndarray:
    """Why each score is missing (None where it is not)."""
    n_total = _facet_weights(inst).sum(axis=0).astype(int)
    limit = np.array([allowed_missing(n, prorate) for n in n_total])
    reasons = np.full(n_used.shape, None, dtype=object)
    for row, col in zip(*np.nonzero(n_total - n_used > limit)):
        n_missing = n_total[col] - n_used[row, col]
        reasons[row, col] = f"{n_missing} of {n_total[col]} items missing; at most {limit[col]} allowed"
    reasons[n_used == 0] = "no items answered"
    return reasons


@lru_cache(maxsize=8)
def _facet_weights(inst: Instrument) -> np.ndarray:
    """0/1 matrix items x facets (cached per instrument; treat as read-only)."""
    weights = np.zeros((inst.n_items, len(inst.facets)))
    for j, (scale, level) in enumerate(inst.facets):
        for item in inst.items_of(scale, level):
            weights[inst.position(item), j] = 1.0
    return weights


def _response_matrix(responses: pd.DataFrame, inst: Instrument) -> tuple[np.ndarray, pd.DataFrame]:
    """(member-sessions x items) float matrix with NaN for missing, and its sorted keys.

    A light check of a table that should come from ``read_responses`` or the simulator:
    columns, keys, item ids, answers in range, no duplicates.
    """
    require_columns(responses, (*ID_COLUMNS, "item", "response"), "responses")
    checks = []
    empty_key = responses[list(ID_COLUMNS)].isna().any(axis=1).to_numpy()
    checks.append((empty_key, "", "group, member and session in every row"))
    item_pos = responses["item"].map({item: i for i, item in enumerate(inst.items)})
    checks.append((item_pos.isna().to_numpy(), "item", "an item id of the instrument"))
    answer = pd.to_numeric(responses["response"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    given = responses["response"].notna().to_numpy()
    low, high = inst.response_range
    bad = given & ~((answer >= low) & (answer <= high) & (np.floor(answer) == answer))
    bad |= given & responses["response"].map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy()
    checks.append((bad, "response", f"a whole number from {low} to {high} (or missing)"))
    _raise_rows(responses, checks)
    key_codes = responses.groupby(list(ID_COLUMNS), sort=True).ngroup().to_numpy()
    flat = key_codes * inst.n_items + item_pos.to_numpy(dtype=np.int64)
    first_seen = pd.Series(flat).duplicated().to_numpy()
    _raise_rows(responses, [(first_seen, "", "one row per group, member, session and item; this repeats an earlier row")])
    keys = responses[list(ID_COLUMNS)].drop_duplicates().sort_values(list(ID_COLUMNS), ignore_index=True)
    matrix = np.full((len(keys), inst.n_items), np.nan)
    matrix.ravel()[flat] = answer
    return matrix, keys


def _raise_rows(table: pd.DataFrame, checks: list[tuple[np.ndarray, str, str]], limit: int = 20) -> None:
    """Raise one GQDataError listing the rows each (mask, column, expected) check flags.

    Rows are named by their index label; the value is read by position, so a label that
    occurs twice still shows the one flagged cell.
    """
    problems = []
    for mask, column, expected in checks:
        for position in np.flatnonzero(mask):
            value = str(table[column].iat[position]) if column else ""
            problems.append(Problem(f"row {table.index[position]}", column, value, expected))
    if problems:
        raise GQDataError("responses", problems[:limit], max(len(problems) - limit, 0), advice="fix the responses table")


def _check_prorate(prorate: float) -> None:
    if not (isinstance(prorate, numbers.Real) and not isinstance(prorate, bool) and 0 <= prorate < 1):
        raise GQConfigError("prorate", prorate, "a share from 0 (no missing item allowed) up to, but not including, 1")


def norms(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation of the scores per scale and level.

    Filter first to the rows that should form the norm group (e.g. first sessions only,
    ``scores[scores.session == 1]``), so each member counts once.

    Parameters
    ----------
    scores : DataFrame
        Scores with at least the columns scale, level and score, as :func:`score` returns
        them; missing scores are left out.

    Returns
    -------
    DataFrame
        scale, level, n (non-missing scores), mean, sd (ddof=1).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"scale": "PB", "level": "all", "score": [4.0, 6.0]})
    >>> norms(s)[["n", "mean", "sd"]].round(3).to_dict("records")
    [{'n': 2, 'mean': 5.0, 'sd': 1.414}]
    """
    require_columns(scores, ("scale", "level", "score"), "scores")
    grouped = scores.dropna(subset=["score"]).groupby(["scale", "level"], sort=False)["score"]
    out = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    return out.astype({"n": "int64"})


def rci(sd: float, reliability: float, z: float = 1.96) -> float:
    """Smallest change that is reliable (Jacobson & Truax, 1991).

    ``SE = sd * sqrt(1 - reliability)``, ``S_diff = sqrt(2) * SE``, threshold ``z * S_diff``,
    as the R package suddengains' ``define_crit1_cutoff`` computes it (checked against its
    output in the tests: sd 6.396, reliability .931 -> 4.657).

    Parameters
    ----------
    sd : float
        Standard deviation of the scores in the norm group (e.g. first sessions), in score
        units; greater than 0.
    reliability : float
        Reliability of the scores (e.g. Cronbach's alpha or test-retest), from 0 up to
        (not including) 1.
    z : float, default 1.96
        Critical value: 1.96 for a two-sided 95% criterion (Jacobson & Truax, 1991).

    Returns
    -------
    float
        The reliable change threshold, in score units.

    Raises
    ------
    GQConfigError
        If a value is not a finite number in its range.

    Examples
    --------
    >>> round(rci(6.396073490631653, 0.931), 6)
    4.65703
    """
    for name, value, ok, expected in (
        ("sd", sd, lambda v: v > 0, "a standard deviation greater than 0"),
        ("reliability", reliability, lambda v: 0 <= v < 1, "a reliability from 0 up to, but not including, 1"),
        ("z", z, lambda v: v > 0, "a critical value greater than 0"),
    ):
        if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) and ok(value)):
            raise GQConfigError(name, value, expected)
    return float(z * math.sqrt(2) * sd * math.sqrt(1 - reliability))


def reliability(responses: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Cronbach's alpha per subscale and per facet.

    ``alpha = k / (k - 1) * (1 - sum(item variances) / variance of the item sum)``, over
    the member-sessions that answered every item of the unit (listwise deletion). Checked
    against ``pingouin.cronbach_alpha(..., nan_policy="listwise")`` in the tests. Facets with
    a single item get NaN.

    Parameters
    ----------
    responses : DataFrame
        The tidy ``responses`` table, as for :func:`score`.
    instrument : Instrument, optional
        The item key; defaults to :meth:`Instrument.default`.

    Returns
    -------
    DataFrame
        scale, level, k (items), n (complete member-sessions), alpha.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"group": "g", "member": list("aabb"), "session": [1, 2, 1, 2] * 1,
    ...                   "item": "gq05", "response": [3, 4, 5, 6]})
    >>> reliability(r).query("scale == 'PW' and level == 'ML'")[["k", "n"]].to_dict("records")
    [{'k': 3, 'n': 0}]
    """
    inst = instrument_or_default(instrument)
    matrix, _ = _response_matrix(responses, inst)
    return alpha_array(matrix, inst)


def alpha_array(matrix: np.ndarray, instrument: Instrument | None = None) -> pd.DataFrame:
    """Cronbach's alpha per facet from a (rows x items) array (NaN = missing); see :func:`reliability`.

    Parameters
    ----------
    matrix : ndarray of float, shape (n_rows, instrument.n_items)
        One row per member-session, items in the instrument's order, NaN where missing.
    instrument : Instrument, optional
        The item key; default :meth:`Instrument.default`.

    Returns
    -------
    DataFrame
        scale, level, k (items), n (complete rows), alpha (NaN for one item, fewer than two
        complete rows or no spread in the sums).
    """
    inst = instrument_or_default(instrument)
    rows = []
    for scale, level in inst.facets:
        cols = [inst.position(i) for i in inst.items_of(scale, level)]
        block = matrix[:, cols]
        block = block[~np.isnan(block).any(axis=1)]
        k, n = len(cols), len(block)
        alpha = np.nan
        if k > 1 and n > 1:
            total_var = block.sum(axis=1).var(ddof=1)
            if total_var > 0:
                alpha = k / (k - 1) * (1 - block.var(axis=0, ddof=1).sum() / total_var)
        rows.append({"scale": scale, "level": level, "k": k, "n": n, "alpha": alpha})
    return pd.DataFrame(rows)
