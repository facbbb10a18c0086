"""A rule's alerts over the injected truth (the detection grid) and its threshold sweep (the sweep curve)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .scores import _artist

__all__ = ["OUTCOME_STYLES", "detection_grid", "sweep_curve"]

OUTCOME_STYLES: dict[str, dict[str, Any]] = {  # Okabe-Ito colours, and a distinct marker for each, so colour is never the only cue
    "rupture, found": dict(marker="s", facecolors="none", edgecolors="#009E73", s=110, linewidths=2.2),
    "rupture, missed": dict(marker="X", color="#D55E00", s=90, linewidths=0.5),
    "hit": dict(marker="o", color="#0072B2", s=45),
    "late": dict(marker="D", color="#CC79A7", s=45),
    "false alarm": dict(marker="^", color="#E69F00", s=55),
    "redundant": dict(marker=".", color="#777777", s=40),
}
"""How :func:`detection_grid` marks ruptures (at their onset) and alerts (at the session they are raised)."""


def detection_grid(matching, *, group: str, members: list[str], n_sessions: int, attended: np.ndarray | None = None,
                   ax: Axes | None = None, tolerance: tuple[int, int] = (0, 3)) -> Axes:  # fmt: skip
    """One group's members x sessions, with the injected ruptures and a rule's alerts over them.

    Ruptures are marked at their onset, found or missed; alerts at the session they are raised,
    as :func:`gqkit.evaluate.alert_outcomes` classes them (hit, late, false alarm, redundant).
    A member-member rupture is marked on its strained member's row; an alert about the whole
    group on a top row of its own. Grey cells are sessions the member attended.

    Parameters
    ----------
    matching : gqkit.evaluate.Matching
        From :func:`gqkit.evaluate.match_events`.
    group : str
        The group shown.
    members : list of str
        Row order.
    n_sessions : int
    attended : ndarray, optional
        (members, sessions) bool: shade the sessions each member came to.
    ax : Axes, optional
    tolerance : (int, int)
        The matching window, to tell late alerts.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from gqkit import simulate
    >>> from gqkit.detect import ChangeAlert
    >>> from gqkit.evaluate import match_events
    >>> c = simulate(n_groups=2, seed=3)
    >>> ax = detection_grid(match_events(c, ChangeAlert().detect(c.scores())), group="g001", members=[f"m{i:02d}" for i in range(1, 9)], n_sessions=16)
    >>> ax.get_ylabel()
    'member'
    """
    from ..evaluate import alert_outcomes

    ax = ax if ax is not None else plt.subplots(figsize=(9, 3.6))[1]
    rows = ["whole group", *members]
    row = {m: i for i, m in enumerate(rows)}
    shade = np.zeros((len(rows), n_sessions))
    if attended is not None:
        shade[1:] = attended
    extent = (0.5, n_sessions + 0.5, len(rows) - 0.5, -0.5)
    first = _artist(ax, "gq-attended") is None  # drawn once; later calls move the marks (fast enough for a widget)
    if first:
        ax.imshow(shade, cmap="Greys", vmin=0, vmax=5, aspect="auto", extent=extent, interpolation="nearest", gid="gq-attended")
    else:
        image = _artist(ax, "gq-attended")
        image.set_data(shade)
        image.set_extent(extent)
    truth = matching.truth[matching.truth["group"] == group]
    alerts = alert_outcomes(matching, tolerance)
    alerts = alerts[alerts["group"] == group]
    points = {}
    for label, found in (("rupture, found", True), ("rupture, missed", False)):
        t = truth[truth["found"].astype(bool) == found]
        points[label] = (t["session"].to_numpy(float), [row[m] for m in t["member"]])
    for label in ("hit", "late", "false alarm", "redundant"):
        a = alerts[alerts["outcome"] == label]
        points[label] = (a["session"].to_numpy(float), [row["whole group" if pd.isna(m) else m] for m in a["member"]])
    for label, (x, y) in points.items():
        offsets = np.column_stack([x, np.asarray(y, float)]) if len(x) else np.empty((0, 2))
        if first:
            ax.scatter(x, y, label=label, zorder=4, gid=f"gq-{label}", **OUTCOME_STYLES[label])
        else:
            _artist(ax, f"gq-{label}").set_offsets(offsets)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0.5, n_sessions + 0.5)
    ax.set_title(f"{group}: ruptures (at onset) and alerts (when raised)", fontsize="medium")
    if first:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("session")
        ax.set_ylabel("member")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
    return ax


def sweep_curve(curve: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Precision against recall over a threshold sweep, every setting shown and labelled.

    A setting at which the rule raised no alert has no precision (nothing to be right or wrong
    about): it is drawn on the recall axis as an open marker and the legend says why, instead
    of being dropped from the curve.

    Parameters
    ----------
    curve : DataFrame
        :func:`gqkit.evaluate.sweep` output (value, recall, precision, detections).
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from gqkit import simulate
    >>> from gqkit.detect import ChangeAlert
    >>> from gqkit.evaluate import sweep
    >>> ax = sweep_curve(sweep(ChangeAlert(), "threshold", [0.5, 1.0, 6.0], simulate(n_groups=4, seed=2)))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['settings with alerts', 'no alerts: precision undefined']
    """
    ax = ax if ax is not None else plt.subplots(figsize=(5.5, 4))[1]
    defined = curve[curve["detections"] > 0]
    silent = curve[curve["detections"] == 0]
    ax.plot(defined["recall"], defined["precision"], marker="o", color="#0072B2", label="settings with alerts")
    ax.scatter(silent["recall"], np.zeros(len(silent)), marker="o", facecolors="none", edgecolors="#D55E00", s=60, zorder=3,
               label="no alerts: precision undefined", clip_on=False)  # fmt: skip
    for _, r in curve.iterrows():
        y = r["precision"] if r["detections"] > 0 else 0.0
        ax.annotate(f"{r['value']:g}", (r["recall"], y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall (share of ruptures found)")
    ax.set_ylabel("precision (share of alerts that are right)")
    name = curve["rule"].iloc[0] if len(curve) else ""
    param = curve["param"].iloc[0] if len(curve) else ""
    ax.set_title(f"{name}: {param} sweep", fontsize="medium")
    ax.legend(frameon=False, fontsize="small", loc="lower left")
    return ax


