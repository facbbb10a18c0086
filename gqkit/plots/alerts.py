"""Status and change alerts marked on member x session heatmaps, as a GQ-style feedback report shows them.

The marks differ from the rupture and repair marks of :mod:`gqkit.plots.scores` in shape and colour
(Okabe-Ito reddish purple and orange, each with a dark edge so it stands out on light and dark cells),
so both kinds can share one heatmap.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..errors import GQConfigError
from .scores import _artist, _legend_below, _scatter, heatmap_grid, level_heatmaps

__all__ = ["ALERT_COLOURS", "ALERT_STYLES", "alert_heatmaps", "mark_alerts"]

ALERT_COLOURS = {"status": "#CC79A7", "change": "#E69F00"}  # Okabe-Ito reddish purple and orange: not the rupture vermillion or the repair green
ALERT_STYLES: dict[str, dict[str, Any]] = {
    "status": dict(marker="s", facecolors="none", edgecolors=ALERT_COLOURS["status"], linewidths=2.2, label="status alert (at-risk score)"),
    "change": dict(marker="v", color=ALERT_COLOURS["change"], edgecolors="#000000", linewidths=0.8, label="change alert (reliable worsening)"),
}
"""How :func:`mark_alerts` marks the cells of status alerts (a hollow square) and change alerts (a
downward triangle); the feedback report marks its trajectories the same way."""

_SIZES = {"status": 120, "change": 45}  # the triangle fits inside the square when a cell has both


def _kind_column(alerts: pd.DataFrame) -> str:
    for column in ("alert", "rule"):
        if column in alerts.columns:
            return column
    raise GQConfigError("alerts", list(alerts.columns), "a table of alerts with an 'alert' column (gqkit.report.report_alerts) or a 'rule' column (a detections table)")


def mark_alerts(ax: Axes, alerts: pd.DataFrame | None, *, group: str, level: str, scale: str, members: list[str]) -> Axes:
    """Mark on a member x session heatmap the cells where a status or change alert was raised.

    A status alert (a score in the at-risk range) gets a hollow square, a change alert (a
    reliable worsening since the member's previous session) a triangle (:data:`ALERT_STYLES`),
    at the session the alert was raised, on the member's row; only alerts of ``scale`` at
    ``level`` count. One set of points per kind; called again on the same axes, it moves them.

    Parameters
    ----------
    ax : Axes
        A heatmap's axes (:func:`gqkit.plots.heatmap`: rows are members top to bottom, columns
        sessions).
    alerts : DataFrame or None
        :func:`gqkit.report.report_alerts`' table (its ``alert`` column says status or change),
        or a detections table of :class:`~gqkit.detect.StatusAlert` or
        :class:`~gqkit.detect.ChangeAlert` (read by its ``rule`` column); None: no marks.
    group : str
        The group shown.
    level : str
        The level of the heatmap (``"all"``, ``"MM"``, ``"ML"`` or ``"MG"``).
    scale : str
        The scale of the heatmap.
    members : list of str
        The members of the heatmap's rows, top to bottom.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from gqkit.plots import heatmap
    >>> scores = pd.DataFrame({"group": "g", "member": ["a", "a", "b", "b"], "session": [1, 2, 1, 2],
    ...                        "scale": "PB", "level": "all", "score": [6.0, 3.0, 5.0, 5.0]})
    >>> alerts = pd.DataFrame({"group": ["g"], "member": ["a"], "session": [2], "level": ["all"], "scale": ["PB"], "alert": ["status"]})
    >>> ax = mark_alerts(heatmap(scores), alerts, group="g", level="all", scale="PB", members=["a", "b"])
    >>> [p.get_offsets().tolist() for p in ax.collections if p.get_gid() == "gq-alert-status"]
    [[[2.0, 0.0]]]
    """
    rows = {m: i for i, m in enumerate(members)}
    if alerts is None or alerts.empty:
        chosen = pd.DataFrame({"member": [], "session": [], "kind": []})
    else:
        kind = _kind_column(alerts)
        at = (alerts["group"] == group) & (alerts["level"] == level) & (alerts["scale"] == scale) & alerts["member"].isin(list(rows))
        chosen = pd.DataFrame({"member": alerts.loc[at, "member"].to_numpy(object), "session": alerts.loc[at, "session"].to_numpy(float),
                               "kind": alerts.loc[at, kind].to_numpy(object)})  # fmt: skip
    for kind, style in ALERT_STYLES.items():
        these = chosen[chosen["kind"] == kind]
        y = np.array([rows[m] for m in these["member"]], dtype=float)
        _scatter(ax, f"gq-alert-{kind}", these["session"].to_numpy(float), y, size=_SIZES[kind], style=style, zorder=4)  # over the rupture marks
    return ax


def _alerts_legend(ax: Axes) -> None:
    """A legend of the alert marks, under ``ax`` (where the rupture and repair legend would be)."""
    _legend_below(ax, [_artist(ax, f"gq-alert-{kind}") for kind in ALERT_STYLES])


def alert_heatmaps(
    scores: pd.DataFrame,
    alerts: pd.DataFrame | None,
    *,
    scale: str = "PB",
    group: str | None = None,
    axes: list[Axes] | None = None,
    colorbar: bool | Axes = True,
    legend: bool = True,
) -> list[Axes]:
    """One heatmap per level (member-member, member-leader, member-group) with the alerts of each marked.

    :func:`gqkit.plots.level_heatmaps` of ``scale``, and on each level's heatmap the status and
    change alerts raised there (:func:`mark_alerts`); with ``legend``, one legend of the alert
    marks goes under the middle heatmap. A level without items for ``scale`` stays empty.
    Called again on the same axes, it puts the new data and marks into what it drew.

    Parameters
    ----------
    scores : DataFrame
        Tidy scores (:func:`gqkit.score`).
    alerts : DataFrame or None
        :func:`gqkit.report.report_alerts`' table (or a status or change rule's detections).
    scale : str
        The scale shown at each level.
    group : str, optional
        The group shown; default the first.
    axes : list of Axes, optional
        Three axes to draw in; default a new figure. Axes it drew before are updated in place.
    colorbar : bool or Axes
        A colour bar beside the member-group heatmap (True), in the given Axes, or none (False).
    legend : bool
        A legend of the alert marks under the middle heatmap.

    Returns
    -------
    list of Axes
        The three axes, member-member to member-group.

    Examples
    --------
    >>> from gqkit import load_example
    >>> from gqkit.report import report_alerts
    >>> scores = load_example("classroom").scores()
    >>> axes = alert_heatmaps(scores, report_alerts(scores), scale="NR")
    >>> [ax.get_title() for ax in axes]
    ['Negative Relationship, member-member', 'Negative Relationship, member-leader', 'Negative Relationship, member-group']
    >>> [t.get_text() for t in axes[1].get_legend().get_texts()]
    ['status alert (at-risk score)', 'change alert (reliable worsening)']
    """
    if axes is None:
        axes = list(plt.subplots(1, 3, figsize=(13, 3.2), sharey=True)[1])
    group = group if group is not None else scores["group"].iloc[0]
    axes = level_heatmaps(scores, scale=scale, group=group, axes=axes, colorbar=colorbar, legend=False)
    shown: list[Axes] = []
    for ax, level in zip(axes, ("MM", "ML", "MG")):
        if _artist(ax, "gq-scores") is None:  # no items at this level
            continue
        members = [str(m) for m in heatmap_grid(scores, scale=scale, level=level, group=group).index]  # the heatmap's rows
        mark_alerts(ax, alerts, group=group, level=level, scale=scale, members=members)
        ax.tick_params(labelleft=not shown)  # member names on the first heatmap with items (PW's is member-leader)
        shown.append(ax)
    for ax in axes:
        old = ax.get_legend()
        if old is not None:
            old.remove()
    if legend and shown:
        _alerts_legend(shown[(len(shown) - 1) // 2])
    return axes
