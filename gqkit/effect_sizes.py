"""Effect sizes for simulated trials: Hedges' g and odds ratios, with 95% confidence intervals.

Small pure functions over arrays and counts; :mod:`gqkit.trials` and the calibration report
use them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["hedges_g", "odds_ratio"]

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal


def hedges_g(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Hedges' g of ``x`` over ``y`` (mean of x minus mean of y, in pooled SDs), with a 95% CI.

    g = J (mean_x - mean_y) / s_pooled with J = 1 - 3 / (4 (n_x + n_y) - 9); the CI is
    g +/- 1.96 SE with SE = sqrt((n_x + n_y) / (n_x n_y) + g^2 / (2 (n_x + n_y)))
    (Hedges & Olkin, 1985; Borenstein et al., 2009). The point estimate equals
    ``pingouin.compute_effsize(x, y, eftype="hedges")`` (tests check it). NaNs are dropped.

    Parameters
    ----------
    x, y : array_like of float
        The two samples, e.g. one arm's change scores and the other's; any length, NaNs
        ignored. A positive g means ``x`` is higher on average.

    Returns
    -------
    (g, ci_low, ci_high) : tuple of float
        g in pooled-SD units and its 95% CI; all NaN when either sample has fewer than two
        values or neither has any spread.

    Examples
    --------
    >>> g, low, high = hedges_g([3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0])
    >>> round(g, 3), round(low, 3), round(high, 3)
    (1.347, -0.188, 2.882)
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        return (np.nan, np.nan, np.nan)
    pooled = np.sqrt(((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / (nx + ny - 2))
    if pooled == 0:
        return (np.nan, np.nan, np.nan)
    g = (1 - 3 / (4 * (nx + ny) - 9)) * (x.mean() - y.mean()) / pooled
    se = np.sqrt((nx + ny) / (nx * ny) + g**2 / (2 * (nx + ny)))
    return (float(g), float(g - Z95 * se), float(g + Z95 * se))


def odds_ratio(events_a: int, n_a: int, events_b: int, n_b: int) -> tuple[float, float, float]:
    """Odds of an event in group a over the odds in group b, with a 95% (Woolf, log-scale) CI.

    OR = (a / (n_a - a)) / (b / (n_b - b)); SE(log OR) = sqrt(1/a + 1/(n_a - a) + 1/b +
    1/(n_b - b)). When a cell is 0, 0.5 is added to every cell (Haldane-Anscombe).

    Parameters
    ----------
    events_a : int
        How many in group a had the event (0 to ``n_a``).
    n_a : int
        Group a's size.
    events_b : int
        How many in group b had the event (0 to ``n_b``).
    n_b : int
        Group b's size.

    Returns
    -------
    (odds_ratio, ci_low, ci_high) : tuple of float
        The odds ratio and its 95% CI; all NaN when a group is empty (size 0 or less).

    Examples
    --------
    >>> [round(v, 3) for v in odds_ratio(30, 100, 20, 100)]
    [1.714, 0.895, 3.285]
    """
    if n_a <= 0 or n_b <= 0:
        return (np.nan, np.nan, np.nan)
    cells = np.array([events_a, n_a - events_a, events_b, n_b - events_b], float)
    if (cells == 0).any():
        cells += 0.5
    log_or = np.log(cells[0] / cells[1]) - np.log(cells[2] / cells[3])
    se = np.sqrt((1 / cells).sum())
    return (float(np.exp(log_or)), float(np.exp(log_or - Z95 * se)), float(np.exp(log_or + Z95 * se)))
