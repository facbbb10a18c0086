"""Figures: member x session heatmaps and trajectories with rupture and repair markers.

Thin layer over tidy tables (seaborn style: long data in, column names as arguments). Every
function draws on ``ax`` (a new one when omitted) and returns it. Colours are colour-blind
safe: the ``cividis`` map for scores and the Okabe-Ito palette for markers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .instrument import LEVEL_NAMES, SCALE_NAMES

__all__ = ["RUPTURE_COLOUR", "REPAIR_COLOUR", "heatmap", "heatmap_grid", "level_heatmaps", "mark_heatmap", "trajectories"]

RUPTURE_COLOUR = "#D55E00"  # Okabe-Ito vermillion
REPAIR_COLOUR = "#009E73"  # Okabe-Ito bluish green
MEMBER_COLOURS = ["#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000", "#999999", "#009E73"]


def _select(scores: pd.DataFrame, scale: str, level: str, group: str | None) -> pd.DataFrame:
    group = group if group is not None else scores["group"].iloc[0]
    return scores[(scores["group"] == group) & (scores["scale"] == scale) & (scores["level"] == level)]


def _events_for(events: pd.DataFrame | None, group: str, level: str | None) -> pd.DataFrame:
    if events is None or events.empty:
        return pd.DataFrame(columns=["member", "session", "kind", "level", "source"])
    sel = events[events["group"] == group]
    return sel if level is None else sel[sel["level"] == level]


def heatmap(
    scores: pd.DataFrame,
    *,
    scale: str = "PB",
    level: str = "all",
    group: str | None = None,
    value: str = "score",
    events: pd.DataFrame | None = None,
    ax: Axes | None = None,
    vmin: float = 1,
    vmax: float = 7,
    colorbar: bool = True,
) -> Axes:
    """Member x session heatmap of one scale at one level for one group.

    Missed sessions stay blank. With ``events`` (a cohort's truth table), rupture onsets at
    this level are marked with a cross and repairs with a circle, on the strained member's
    row (and, for a member-member rupture, on the other member's row too).

    Examples
    --------
    >>> from gqkit import load_example
    >>> c = load_example("classroom")
    >>> ax = heatmap(c.scores(), scale="PB", level="ML", events=c.events)
    >>> ax.get_title()
    'Positive Bonding, member-leader'
    """
    ax = ax or plt.subplots(figsize=(6, 3))[1]
    group = group if group is not None else scores["group"].iloc[0]
    grid = heatmap_grid(scores, scale=scale, level=level, group=group, value=value)
    sessions = grid.columns.to_numpy()
    image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="cividis", vmin=vmin, vmax=vmax, interpolation="nearest",
                      extent=(sessions[0] - 0.5, sessions[-1] + 0.5, len(grid) - 0.5, -0.5))  # fmt: skip
    ax.set_yticks(range(len(grid)), grid.index)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("session")
    ax.set_title(f"{SCALE_NAMES.get(scale, scale)}, {LEVEL_NAMES.get(level, level)}")
    mark_heatmap(ax, events, group=group, level=level, members=list(grid.index))
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=value)
    return ax


def heatmap_grid(scores: pd.DataFrame, *, scale: str, level: str, group: str, value: str = "score") -> pd.DataFrame:
    """The member x session table a :func:`heatmap` shows (NaN for missed sessions)."""
    data = _select(scores, scale, level, group)
    grid = data.pivot(index="member", columns="session", values=value).sort_index()
    return grid.reindex(columns=np.arange(1, int(scores["session"].max()) + 1))


def mark_heatmap(ax: Axes, events: pd.DataFrame | None, *, group: str, level: str, members: list[str]) -> Axes:
    """Mark rupture onsets (x) and repairs (o) of one level on a heatmap's member rows."""
    row = {m: i for i, m in enumerate(members)}
    for _, e in _events_for(events, group, None if level == "all" else level).iterrows():
        rows = [row[e["member"]]] + ([row[e["source"]]] if e["level"] == "MM" and e["source"] in row else [])
        style = dict(marker="x", color=RUPTURE_COLOUR, s=60, linewidths=2.5) if e["kind"] == "rupture" else dict(marker="o", facecolors="none", edgecolors=REPAIR_COLOUR, s=70, linewidths=2.5)
        ax.scatter([e["session"]] * len(rows), rows, zorder=3, **style)
    return ax


def trajectories(
    scores: pd.DataFrame,
    *,
    scale: str = "PB",
    level: str = "all",
    group: str | None = None,
    members: list[str] | None = None,
    value: str = "score",
    events: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Each member's score over sessions, with rupture (triangle) and repair (circle) markers.

    Examples
    --------
    >>> from gqkit import load_example
    >>> c = load_example("classroom")
    >>> ax = trajectories(c.scores(), scale="PB", level="ML", members=["m03"], events=c.events)
    >>> len(ax.get_lines())
    1
    """
    ax = ax or plt.subplots(figsize=(6, 3))[1]
    group = group if group is not None else scores["group"].iloc[0]
    data = _select(scores, scale, level, group)
    chosen = members if members is not None else sorted(data["member"].unique())
    for i, member in enumerate(chosen):
        line = data[data["member"] == member].sort_values("session")
        colour = MEMBER_COLOURS[i % len(MEMBER_COLOURS)]
        ax.plot(line["session"], line[value], marker=".", color=colour, label=member)
        by_session = line.set_index("session")[value]
        for _, e in _events_for(events, group, None if level == "all" else level).iterrows():
            involved = e["member"] == member or (e["level"] == "MM" and e["source"] == member)
            if involved and e["session"] in by_session.index:
                y = by_session[e["session"]]
                if e["kind"] == "rupture":
                    ax.scatter(e["session"], y, marker="v", s=90, color=RUPTURE_COLOUR, zorder=3)
                else:
                    ax.scatter(e["session"], y, marker="o", s=90, facecolors="none", edgecolors=REPAIR_COLOUR, linewidths=2, zorder=3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("session")
    ax.set_ylabel(value)
    ax.set_title(f"{SCALE_NAMES.get(scale, scale)}, {LEVEL_NAMES.get(level, level)}")
    if len(chosen) <= 8:
        ax.legend(loc="lower left", fontsize="small", ncol=4)
    return ax


def level_heatmaps(
    scores: pd.DataFrame,
    *,
    scale: str = "PB",
    group: str | None = None,
    events: pd.DataFrame | None = None,
    axes: list[Axes] | None = None,
    colorbar: bool = True,
) -> list[Axes]:
    """One heatmap per level (member-member, member-leader, member-group), side by side.

    Levels without items for ``scale`` (PW has no member-member items) are left empty and
    say so. Returns the three axes.

    Examples
    --------
    >>> from gqkit import load_example
    >>> c = load_example("classroom")
    >>> [ax.get_title() for ax in level_heatmaps(c.scores(), scale="PW")][0]
    'Positive Working, member-member: no items'
    """
    if axes is None:
        axes = list(plt.subplots(1, 3, figsize=(13, 3.2), sharey=True)[1])
    present = set(scores.loc[scores["scale"] == scale, "level"])
    for i, (ax, level) in enumerate(zip(axes, ("MM", "ML", "MG"))):
        if level in present:
            heatmap(scores, scale=scale, level=level, group=group, events=events, ax=ax, colorbar=colorbar and level == "MG")
            ax.tick_params(labelleft=i == 0)
        else:
            ax.set_title(f"{SCALE_NAMES.get(scale, scale)}, {LEVEL_NAMES[level]}: no items")
            ax.set_xticks([])
            ax.set_yticks([])
    return axes
