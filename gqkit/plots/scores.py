"""Member x session heatmaps and trajectories of scores, with rupture and repair marks; the colours every figure shares."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation

from ..detect import WORSE
from ..instrument import LEVEL_NAMES, SCALE_NAMES

__all__ = ["MARK_STYLES", "MEMBER_COLOURS", "REPAIR_COLOUR", "RUPTURE_COLOUR", "SCORE_COLORMAP", "heatmap", "heatmap_grid", "level_heatmaps",
           "mark_heatmap", "scale_colormap", "trajectories"]

RUPTURE_COLOUR = "#D55E00"  # Okabe-Ito vermillion
REPAIR_COLOUR = "#009E73"  # Okabe-Ito bluish green
MEMBER_COLOURS = ["#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000", "#999999", "#009E73"]
SCORE_COLORMAP = "cividis"

MARK_STYLES: dict[str, dict[str, Any]] = {
    "rupture": dict(marker="x", color=RUPTURE_COLOUR, linewidths=2.5, label="rupture onset"),
    "repair": dict(marker="o", facecolors="none", edgecolors=REPAIR_COLOUR, linewidths=2.5, label="repair"),
}
"""How :func:`heatmap` and :func:`trajectories` mark rupture onsets and repairs: the same on both, so one legend reads both."""


def _plain(label: object) -> str:
    """A name from the data as text matplotlib shows as it is: a ``$`` would start mathematics (``m$1$`` fails to draw)."""
    return str(label).replace("$", r"\$")


def _artist(ax: Axes, gid: str):
    """The artist (line, points, image) on ``ax`` with this gid, or None."""
    return next((artist for artist in ax.get_children() if artist.get_gid() == gid), None)


def scale_colormap(scale: str) -> str:
    """The colour map of a scale's scores: ``cividis``, reversed where higher is worse (NR, see :data:`gqkit.detect.WORSE`).

    Dark is then the bad end on every scale: low bond or work, high negative relationship.

    Parameters
    ----------
    scale : str
        A GQ scale name.

    Examples
    --------
    >>> scale_colormap("PB"), scale_colormap("NR")
    ('cividis', 'cividis_r')
    """
    return f"{SCORE_COLORMAP}_r" if WORSE.get(scale, -1.0) > 0 else SCORE_COLORMAP


def _bar_label(scale: str, value: str) -> str:
    """A colour bar's label: the column shown, and which way is worse on this scale."""
    return f"{value} (higher = {'worse' if WORSE[scale] > 0 else 'better'})" if scale in WORSE else value


def _select(scores: pd.DataFrame, scale: str, level: str, group: str | None) -> pd.DataFrame:
    group = group if group is not None else scores["group"].iloc[0]
    return scores[(scores["group"] == group) & (scores["scale"] == scale) & (scores["level"] == level)]


def _events_for(events: pd.DataFrame | None, group: str, level: str | None) -> pd.DataFrame:
    if events is None or events.empty:
        return pd.DataFrame(columns=["member", "session", "kind", "level", "source"])
    sel = events[events["group"] == group]
    if "resolved" in sel.columns:  # mark ruptures and the repairs that resolved them; not failed attempts or fades
        sel = sel[(sel["kind"] == "rupture") | ((sel["kind"] == "repair") & sel["resolved"].fillna(False).astype(bool))]
    return sel if level is None else sel[sel["level"] == level]


def _marked(events: pd.DataFrame | None, group: str, level: str) -> pd.DataFrame:
    """The members each rupture onset and repair of ``level`` marks (session, kind, member): the strained member, and a member-member rupture's other member too."""
    sel = _events_for(events, group, None if level == "all" else level)
    pair = ((sel["level"] == "MM") & sel["source"].notna()).to_numpy(bool)
    session, kind = sel["session"].to_numpy(), sel["kind"].to_numpy(object)
    return pd.DataFrame({"session": np.concatenate([session, session[pair]]), "kind": np.concatenate([kind, kind[pair]]),
                         "member": np.concatenate([sel["member"].to_numpy(object), sel["source"].to_numpy(object)[pair]])})  # fmt: skip


def _scatter(ax: Axes, gid: str, x, y, *, size: float, style: dict[str, Any], zorder: float = 3) -> None:
    """Draw one set of marks, named ``gid``, or move the ones ``ax`` has (a widget redraws by moving them)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    points = _artist(ax, gid)
    if points is None:
        ax.scatter(x, y, s=size, zorder=zorder, gid=gid, **style)
    else:
        points.set_offsets(np.column_stack([x, y]))


def _marks(ax: Axes, kind: str, x, y, size: float) -> None:
    """Draw the rupture or repair marks (:data:`MARK_STYLES`), or move the ones ``ax`` has."""
    _scatter(ax, f"gq-{kind}", x, y, size=size, style=MARK_STYLES[kind])


_BELOW = 30  # points from a heatmap's bottom to the legend of its marks: under the tick labels, on the line of the axis label


def _legend_below(ax: Axes, handles: list, **kwargs: Any) -> None:
    """One row of legend entries under ``ax``, clear of its tick labels."""
    below = ax.transAxes + ScaledTranslation(0, -_BELOW / 72, ax.figure.dpi_scale_trans)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below, ncol=len(handles), frameon=False,
              borderaxespad=0, **kwargs)  # fmt: skip


def _marks_legend(ax: Axes) -> None:
    """A legend of the rupture and repair marks, under ``ax``."""
    _legend_below(ax, [_artist(ax, f"gq-{kind}") for kind in MARK_STYLES], fontsize="small")


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
    colorbar: bool | Axes = True,
    legend: bool = True,
) -> Axes:
    """Member x session heatmap of one scale at one level for one group.

    Missed sessions stay blank. Dark is worse on every scale: for a scale on which higher is
    worse (NR) the colours run the other way (:func:`scale_colormap`); the colour bar shows
    the true values. With ``events`` (a cohort's truth table), rupture onsets at this level are
    marked with a cross and repairs with a circle (:data:`MARK_STYLES`), on the strained
    member's row (and, for a member-member rupture, on the other member's row too), and
    ``legend`` puts a legend of the marks under the axes. ``colorbar`` is True (a colour bar
    beside the axes), an Axes to draw it in, or False.

    Called again on the same axes, it puts the new scores and marks into the image and marks
    it drew (fast enough for a widget).

    Parameters
    ----------
    scores : DataFrame
        Tidy scores (:func:`gqkit.score` or ``Cohort.scores()``).
    scale : str
        The scale shown, e.g. ``"PB"``.
    level : str
        ``"all"`` (the subscale) or a level (``"MM"``, ``"ML"``, ``"MG"``).
    group : str, optional
        The group shown; default the first.
    value : str
        The column of ``scores`` to show (default ``"score"``).
    events : DataFrame, optional
        A cohort's truth table, for the rupture and repair marks.
    ax : Axes, optional
        Where to draw; default a new figure. Axes it drew before are updated in place.
    vmin, vmax : float
        The ends of the colour scale (default the answer scale, 1-7).
    colorbar : bool or Axes
        A colour bar beside the axes (True), in the given Axes, or none (False).
    legend : bool
        A legend of the marks under the axes (when ``events`` are given).

    Returns
    -------
    Axes

    Examples
    --------
    >>> from gqkit import load_example
    >>> c = load_example("classroom")
    >>> ax = heatmap(c.scores(), scale="PB", level="ML", events=c.events)
    >>> ax.get_title(), ax.get_images()[0].get_cmap().name
    ('Positive Bonding, member-leader', 'cividis')
    >>> ax = heatmap(c.scores(), scale="NR", level="ML", events=c.events, ax=ax)
    >>> ax.get_title(), ax.get_images()[0].get_cmap().name, [t.get_text() for t in ax.get_legend().get_texts()]
    ('Negative Relationship, member-leader', 'cividis_r', ['rupture onset', 'repair'])
    """
    ax = ax or plt.subplots(figsize=(6, 3))[1]
    group = group if group is not None else scores["group"].iloc[0]
    grid = heatmap_grid(scores, scale=scale, level=level, group=group, value=value)
    sessions = grid.columns.to_numpy()
    extent = (sessions[0] - 0.5, sessions[-1] + 0.5, len(grid) - 0.5, -0.5)
    cmap = scale_colormap(scale)
    image = _artist(ax, "gq-scores")
    if image is None:
        image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest", extent=extent,
                          gid="gq-scores")  # fmt: skip
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(length=0)  # the labels name the rows and columns; no tick marks over the cells' edges
        ax.set_xlabel("session")
        if isinstance(colorbar, Axes):
            ax.figure.colorbar(image, cax=colorbar)
        elif colorbar:
            ax.figure.colorbar(image, ax=ax)
    else:
        image.set_data(grid.to_numpy(dtype=float))
        image.set_extent(extent)
        if image.get_cmap().name != cmap:  # each change redraws a colour bar: only when needed
            image.set_cmap(cmap)
        if image.get_clim() != (vmin, vmax):
            image.set_clim(vmin, vmax)
    if image.colorbar is not None:
        image.colorbar.set_label(_bar_label(scale, value))
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    ax.set_yticks(range(len(grid)), [_plain(m) for m in grid.index])
    ax.set_title(f"{SCALE_NAMES.get(scale, scale)}, {LEVEL_NAMES.get(level, level)}")
    mark_heatmap(ax, events, group=group, level=level, members=list(grid.index))
    old = ax.get_legend()
    if old is not None:  # drawn by an earlier call
        old.remove()
    if legend and events is not None:
        _marks_legend(ax)
    return ax


def heatmap_grid(scores: pd.DataFrame, *, scale: str, level: str, group: str, value: str = "score") -> pd.DataFrame:
    """The member x session table a :func:`heatmap` shows: NaN for missed sessions.

    Its rows are every member of the group (with a score on any scale or level) and its columns
    every session up to the last in ``scores``, so the heatmaps of one group line up.

    Parameters
    ----------
    scores : DataFrame
        Tidy scores.
    scale, level : str
        The facet shown.
    group : str
        The group shown.
    value : str
        The column of ``scores`` to show.

    Returns
    -------
    DataFrame
        Members (rows) x sessions (columns).
    """
    data = _select(scores, scale, level, group)
    members = np.sort(scores.loc[scores["group"] == group, "member"].unique())
    grid = data.pivot(index="member", columns="session", values=value)
    return grid.reindex(index=members, columns=np.arange(1, int(scores["session"].max()) + 1))


def mark_heatmap(ax: Axes, events: pd.DataFrame | None, *, group: str, level: str, members: list[str]) -> Axes:
    """Mark rupture onsets (x) and repairs (o) of one level on a heatmap's member rows.

    One set of points per kind (:data:`MARK_STYLES`); called again on the same axes, it moves them.

    Parameters
    ----------
    ax : Axes
        A heatmap's axes.
    events : DataFrame or None
        A cohort's truth table (None: no marks).
    group : str
        The group shown.
    level : str
        The level whose ruptures and repairs are marked.
    members : list of str
        The members of the heatmap's rows, top to bottom.

    Returns
    -------
    Axes
    """
    marked = _marked(events, group, level)
    rows = marked["member"].map({m: i for i, m in enumerate(members)})
    for kind, size in (("rupture", 60), ("repair", 70)):
        at = (marked["kind"] == kind) & rows.notna()
        _marks(ax, kind, marked.loc[at, "session"], rows[at], size)
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
    legend: bool = True,
) -> Axes:
    """Each member's score over sessions, with rupture onset (cross) and repair (circle) marks.

    The marks are those of :func:`heatmap` (:data:`MARK_STYLES`). With ``legend`` (and at most
    eight members), a legend beside the axes names the members and the marks. Called again on
    the same axes, it puts the new data into the lines and marks it drew, a line per member in
    order (fast enough for a widget).

    Parameters
    ----------
    scores : DataFrame
        Tidy scores.
    scale, level : str
        The facet shown.
    group : str, optional
        The group shown; default the first.
    members : list of str, optional
        The members drawn; default all of the group.
    value : str
        The column of ``scores`` to show.
    events : DataFrame, optional
        A cohort's truth table, for the marks.
    ax : Axes, optional
        Where to draw; default a new figure. Axes it drew before are updated in place.
    legend : bool
        A legend beside the axes (at most eight members).

    Returns
    -------
    Axes

    Examples
    --------
    >>> from gqkit import load_example
    >>> c = load_example("classroom")
    >>> ax = trajectories(c.scores(), scale="PB", level="ML", members=["m03"], events=c.events)
    >>> len(ax.get_lines()), [t.get_text() for t in ax.get_legend().get_texts()]
    (1, ['m03', 'rupture onset', 'repair'])
    """
    ax = ax or plt.subplots(figsize=(6, 3))[1]
    group = group if group is not None else scores["group"].iloc[0]
    data = _select(scores, scale, level, group)
    chosen = members if members is not None else sorted(data["member"].unique())
    drawn = [line for line in ax.get_lines() if str(line.get_gid()).startswith("gq-member")]
    for line in drawn[len(chosen):]:
        line.remove()
    for i, member in enumerate(chosen):
        path = data[data["member"] == member].sort_values("session")
        if i < len(drawn):
            drawn[i].set_data(path["session"], path[value])
            drawn[i].set_label(member)
        else:
            ax.plot(path["session"], path[value], marker=".", color=MEMBER_COLOURS[i % len(MEMBER_COLOURS)], label=_plain(member), gid=f"gq-member{i}")
    marked = _marked(events, group, level)
    at = marked[marked["member"].isin(chosen)].merge(data[["member", "session", value]], on=["member", "session"])  # sessions the member came to
    for kind in MARK_STYLES:
        _marks(ax, kind, at.loc[at["kind"] == kind, "session"], at.loc[at["kind"] == kind, value], 90)
    if drawn:
        ax.relim()
        ax.autoscale_view()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("session")
    ax.set_ylabel(value)
    ax.set_title(f"{SCALE_NAMES.get(scale, scale)}, {LEVEL_NAMES.get(level, level)}")
    if legend and len(chosen) <= 8:
        handles = [_artist(ax, f"gq-member{i}") for i in range(len(chosen))] + [_artist(ax, f"gq-{kind}") for kind in MARK_STYLES]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")  # beside the axes, clear of the lines
    return ax


def level_heatmaps(
    scores: pd.DataFrame,
    *,
    scale: str = "PB",
    group: str | None = None,
    events: pd.DataFrame | None = None,
    axes: list[Axes] | None = None,
    colorbar: bool | Axes = True,
    legend: bool = True,
) -> list[Axes]:
    """One heatmap per level (member-member, member-leader, member-group), side by side.

    Levels without items for ``scale`` (PW has no member-member items) are left empty and
    say so. The colour bar (``colorbar``: True, an Axes to draw it in, or False) goes with the
    member-group heatmap; with ``events`` and ``legend``, one legend of the marks goes under the
    middle heatmap. Called again on the same axes, it puts the new data into what it drew (see
    :func:`heatmap`). Returns the three axes.

    Parameters
    ----------
    scores : DataFrame
        Tidy scores.
    scale : str
        The scale shown at each level.
    group : str, optional
        The group shown; default the first.
    events : DataFrame, optional
        A cohort's truth table, for the marks.
    axes : list of Axes, optional
        Three axes to draw in; default a new figure. Axes it drew before are updated in place.
    colorbar : bool or Axes
        As for :func:`heatmap`.
    legend : bool
        A legend of the marks (when ``events`` are given).

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
            heatmap(scores, scale=scale, level=level, group=group, events=events, ax=ax, colorbar=colorbar if level == "MG" else False, legend=False)
            ax.tick_params(labelleft=i == 0)
        else:
            if _artist(ax, "gq-scores") is not None:
                ax.clear()
            ax.set_title(f"{SCALE_NAMES.get(scale, scale)}, {LEVEL_NAMES[level]}: no items")
            ax.set_xticks([])
            ax.set_yticks([])
    if legend and events is not None:
        shown = [ax for ax in axes if _artist(ax, "gq-scores") is not None]
        _marks_legend(shown[(len(shown) - 1) // 2])
    return axes


