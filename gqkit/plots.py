"""Figures: member x session heatmaps and trajectories with rupture and repair markers.

Thin layer over tidy tables (seaborn style: long data in, column names as arguments). Every
function draws on ``ax`` (a new one when omitted) and returns it. Colours are colour-blind
safe: the ``cividis`` map for scores (reversed for a scale on which higher is worse, so dark
is the bad end on every scale) and the Okabe-Ito palette for markers.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation

from .detect import WORSE
from .errors import GQConfigError
from .instrument import LEVEL_NAMES, SCALE_NAMES
from .trials import SUBGROUPS, Trial

__all__ = ["MARK_STYLES", "OUTCOME_STYLES", "RUPTURE_COLOUR", "REPAIR_COLOUR", "detection_grid", "heatmap", "heatmap_grid", "level_heatmaps",
           "mark_heatmap", "scale_colormap", "sweep_curve", "trajectories"]

RUPTURE_COLOUR = "#D55E00"  # Okabe-Ito vermillion
REPAIR_COLOUR = "#009E73"  # Okabe-Ito bluish green
MEMBER_COLOURS = ["#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000", "#999999", "#009E73"]
SCORE_COLORMAP = "cividis"

MARK_STYLES: dict[str, dict[str, Any]] = {
    "rupture": dict(marker="x", color=RUPTURE_COLOUR, linewidths=2.5, label="rupture onset"),
    "repair": dict(marker="o", facecolors="none", edgecolors=REPAIR_COLOUR, linewidths=2.5, label="repair"),
}
"""How :func:`heatmap` and :func:`trajectories` mark rupture onsets and repairs: the same on both, so one legend reads both."""


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


def _marks(ax: Axes, kind: str, x, y, size: float) -> None:
    """Draw the marks of one kind (:data:`MARK_STYLES`), or move the ones ``ax`` has."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    points = _artist(ax, f"gq-{kind}")
    if points is None:
        ax.scatter(x, y, s=size, zorder=3, gid=f"gq-{kind}", **MARK_STYLES[kind])
    else:
        points.set_offsets(np.column_stack([x, y]))


_MARKS_BELOW = 30  # points from a heatmap's bottom to the legend of its marks: under the tick labels, on the line of the axis label


def _marks_legend(ax: Axes) -> None:
    """A legend of the rupture and repair marks, under ``ax``."""
    below = ax.transAxes + ScaledTranslation(0, -_MARKS_BELOW / 72, ax.figure.dpi_scale_trans)
    ax.legend(handles=[_artist(ax, f"gq-{kind}") for kind in MARK_STYLES], loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below,
              ncol=len(MARK_STYLES), frameon=False, fontsize="small", borderaxespad=0)  # fmt: skip


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
    ax.set_yticks(range(len(grid)), grid.index)
    ax.set_title(f"{SCALE_NAMES.get(scale, scale)}, {LEVEL_NAMES.get(level, level)}")
    mark_heatmap(ax, events, group=group, level=level, members=list(grid.index))
    old = ax.get_legend()
    if old is not None:  # drawn by an earlier call
        old.remove()
    if legend and events is not None:
        _marks_legend(ax)
    return ax


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
    from .evaluate import alert_outcomes

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
            ax.plot(path["session"], path[value], marker=".", color=MEMBER_COLOURS[i % len(MEMBER_COLOURS)], label=member, gid=f"gq-member{i}")
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


# -- repair and outcomes (notebook 04) -------------------------------------------------------
__all__ += ["STATUS_COLOURS", "repair_paths", "status_outcomes"]

STATUS_COLOURS = {"never ruptured": "#999999", "repaired": REPAIR_COLOUR, "faded": "#56B4E9", "unrepaired": RUPTURE_COLOUR}
NEVER_COLOUR = "#555555"


def _artist(ax: Axes, gid: str):
    """The artist (line, points, image) on ``ax`` with this gid, or None."""
    return next((artist for artist in ax.get_children() if artist.get_gid() == gid), None)


def repair_paths(contrast, *, axes=None):
    """A member's relationship score and OQ with and without a repair, side by side.

    ``contrast`` is a :class:`gqkit.repair.RepairContrast`. Left: the relationship score
    (mean over the replicate groups) with the repair (green) and never repaired (grey, dashed),
    the mean before the rupture (dotted) and the onset (vermillion) and repair (green) sessions;
    right: the OQ (higher = worse), same lines. Called again on the same two axes, it moves
    the data into the existing lines instead of drawing new ones (fast enough for a widget).
    Returns the two axes.

    Parameters
    ----------
    contrast : RepairContrast
        :func:`gqkit.repair.repair_contrast`'s result.
    axes : tuple of two Axes, optional
        Where to draw; default a new figure. Axes it drew before are updated in place.

    Examples
    --------
    >>> from gqkit.repair import repair_contrast
    >>> left, right = repair_paths(repair_contrast(quality=1.0))
    >>> [line.get_gid() for line in left.get_lines()][:2]
    ['gq-with', 'gq-without']
    >>> _ = repair_paths(repair_contrast(quality=0.2), axes=(left, right))
    >>> len(left.get_lines())
    5
    """
    if axes is None:
        axes = plt.subplots(1, 2, figsize=(11, 3.6))[1]
    left, right = axes
    rupture = contrast.rupture
    x = contrast.sessions
    before = contrast.summary()["before"]
    for ax, values in ((left, contrast.relationship), (right, contrast.oq)):
        if _artist(ax, "gq-with") is None:
            ax.plot(x, values[0], color=REPAIR_COLOUR, marker=".", linewidth=2.2, label="with the repair", gid="gq-with", zorder=3)
            ax.plot(x, values[1], color=NEVER_COLOUR, marker=".", linestyle="--", linewidth=1.6, label="never repaired", gid="gq-without", zorder=4)
            ax.axvline(rupture.session, color=RUPTURE_COLOUR, linestyle=":", linewidth=2, label="onset", gid="gq-onset")
            ax.axvline(rupture.repaired_at or rupture.session, color=REPAIR_COLOUR, linestyle=":", linewidth=2, label="repair", gid="gq-repair")
            if ax is left:
                ax.axhline(before, color="#000000", linestyle=(0, (1, 3)), linewidth=1, label="before the rupture", gid="gq-before")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlim(x[0] - 0.5, x[-1] + 0.5)
            ax.set_xlabel("session")
        _artist(ax, "gq-with").set_data(x, values[0])
        _artist(ax, "gq-without").set_data(x, values[1])
        _artist(ax, "gq-with").set_visible(contrast.repaired)
        _artist(ax, "gq-onset").set_xdata([rupture.session] * 2)
        repair = _artist(ax, "gq-repair")
        repair.set_xdata([rupture.repaired_at or rupture.session] * 2)
        repair.set_visible(contrast.repaired)
        shown = [line for line in ax.get_lines() if line.get_visible()]
        if ax is left:
            _artist(ax, "gq-before").set_ydata([before] * 2)
            ax.legend(handles=shown, loc="upper right" if contrast.scale == "NR" else "lower right", fontsize="small", ncol=2)
    left.set_ylim(1, 7)
    left.set_ylabel("score (1-7)")
    left.set_title(f"{contrast.label} of m{rupture.member:02d} (mean of {contrast.n_groups} groups)", fontsize="medium")
    low, high = np.nanmin(contrast.oq), np.nanmax(contrast.oq)
    right.set_ylim(max(0, 10 * np.floor((low - 5) / 10)), min(180, 10 * np.ceil((high + 5) / 10)))
    right.set_ylabel("OQ total (higher = worse)")
    right.set_title(f"OQ of m{rupture.member:02d} (mean of {contrast.n_groups} groups)", fontsize="medium")
    return left, right


def status_outcomes(summary: pd.DataFrame, *, ax: Axes | None = None, column: str = "oq_change") -> Axes:
    """Mean OQ change per rupture status with a 95% interval (mean +- 1.96 SE).

    ``summary`` is :func:`gqkit.repair.status_summary` output. A status without members is
    labelled "none". Returns the axes.

    Parameters
    ----------
    summary : DataFrame
        :func:`gqkit.repair.status_summary`'s table.
    ax : Axes, optional
        Where to draw; default a new figure.
    column : str
        The outcome whose mean is shown (default ``"oq_change"``).

    Examples
    --------
    >>> from gqkit import simulate
    >>> from gqkit.repair import member_status, status_summary
    >>> ax = status_outcomes(status_summary(member_status(simulate(n_groups=10, seed=1))))
    >>> [t.get_text().split("\\n")[0] for t in ax.get_xticklabels()]
    ['never ruptured', 'repaired', 'faded', 'unrepaired']
    """
    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    positions = np.arange(len(summary))
    for i, (status, row) in enumerate(summary.iterrows()):
        if row["members"] == 0 or pd.isna(row[column]):
            ax.annotate("none", (i, 0), ha="center", va="bottom", color="#555555", fontsize="small")
            continue
        half = 1.96 * (row[f"{column}_se"] if pd.notna(row.get(f"{column}_se")) else 0.0)
        ax.errorbar(i, row[column], yerr=half, fmt="o", markersize=8, capsize=6, linewidth=2, color=STATUS_COLOURS.get(status, "#000000"))
    ax.axhline(0, color="#000000", linewidth=0.8)
    ax.set_xticks(positions, [f"{s}\nn = {int(n)}" for s, n in zip(summary.index, summary["members"])])
    ax.set_xlim(-0.5, len(summary) - 0.5)
    ax.set_ylabel("OQ change, last - first\n(below 0 = fewer symptoms)" if column == "oq_change" else column)
    return ax


# -- simulated trials (gqkit.trials) ----------------------------------------------------------
__all__ += ["trial_change"]

NOT_AT_RISK_COLOUR = "#0072B2"  # Okabe-Ito blue: members on track, never ruptured


def trial_change(trial: Trial, *, by: str | None = "not_on_track", ax: Axes | None = None) -> Axes:
    """OQ-45 change by arm, split by a subgroup: violins of the distribution, mean and 95% CI.

    ``by`` is a subgroup column of ``trial.members`` (``"not_on_track"`` or ``"ruptured"``,
    see :data:`gqkit.trials.SUBGROUPS`) or None for no split. Members at risk (not on track,
    ruptured) are drawn in vermillion, the others in blue (Okabe-Ito); diamonds mark the means
    with a bootstrap 95% interval, dotted lines reliable improvement and deterioration.
    Members without a change are left out. Returns the axes.

    Parameters
    ----------
    trial : Trial
        :func:`gqkit.trial`'s result.
    by : str or None
        The subgroup column that splits each arm, or None.
    ax : Axes, optional
        Where to draw; default a new figure.

    Examples
    --------
    >>> from gqkit import trial
    >>> t = trial({"off": {"feedback": False}, "on": {"feedback": True}}, n_groups=4, seed=1, progress=False)
    >>> ax = trial_change(t, by="ruptured")
    >>> [label.get_text() for label in ax.get_xticklabels()], ax.get_legend().get_title().get_text()
    (['off', 'on'], 'subgroup')
    """
    columns = [c for c in dict.fromkeys(column for column, _ in SUBGROUPS.values()) if c in trial.members.columns]
    if by is not None and by not in columns:
        raise GQConfigError("by", by, f"None or a subgroup column of this trial: {columns}")
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    data = trial.members.dropna(subset=["change"])
    style: dict = {"color": NOT_AT_RISK_COLOUR}
    dodge: float | bool = False
    if by is not None:
        label = {value: name for name, (column, value) in SUBGROUPS.items() if column == by}
        data = data.assign(subgroup=data[by].astype("boolean").map(label)).dropna(subset=["subgroup"])
        style = {"hue": "subgroup", "hue_order": [label[True], label[False]], "palette": [RUPTURE_COLOUR, NOT_AT_RISK_COLOUR]}
        dodge = 0.4  # two violins share 0.8 of a slot: their centres sit 0.4 apart
    common = dict(data=data, x="arm", y="change", order=list(trial.arms), ax=ax, **style)
    sns.violinplot(**common, inner=None, cut=0, density_norm="width", linewidth=0.8, alpha=0.45, saturation=1)
    sns.pointplot(**common, dodge=dodge, linestyle="none", markers="D", errorbar=("ci", 95), seed=0, legend=False)
    for level in (trial.reliable_change, -trial.reliable_change):
        ax.axhline(level, color="grey", linestyle=":", linewidth=1)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("arm")
    ax.set_ylabel("OQ-45 change from first session (positive = better)")
    return ax
