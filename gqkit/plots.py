"""Figures: member x session heatmaps and trajectories with rupture and repair markers, the
detection grid and sweep curve, repair and outcome figures, and round-robin matrices with their
Social Relations Model decomposition.

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


# -- round robins and the Social Relations Model (gqkit.srm) ----------------------------------------
from collections.abc import Mapping, Sequence  # noqa: E402  (this section's own imports)

from matplotlib import patheffects  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure, SubFigure  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from .errors import GQDataError, Problem  # noqa: E402
from .simulation.round_robin import SimulatedRoundRobin  # noqa: E402
from .srm import SRMResult, srm  # noqa: E402

__all__ += ["RELATIONSHIP_COLORMAP", "SRM_PANELS", "round_robin_matrix", "round_robin_slice", "srm_decomposition"]

RELATIONSHIP_COLORMAP = "PuOr"
"""Relationship effects: a diverging, colour-blind safe map centred on 0, orange at the worse end
(below 0 on a bond item; reversed for a conflict item, on which higher is worse)."""
DIAGONAL_COLOUR = "#d9d9d9"  # a member does not rate themself: the diagonal cells
EFFECT_COLOUR = "#8c8c8c"  # actor and partner bars of members outside the ruptured pair
_ABSENT_COLOUR = "#a6a6a6"  # tick labels of members not in this round robin
_RR_COLUMNS = ("rater", "target", "item", "rating")


def _round_robin_input(data: object, kinds: Mapping[str, str] | None) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    """(ratings table, truth or None, item -> kind) from a SimulatedRoundRobin or a round-robin table."""
    if kinds is not None and not (isinstance(kinds, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in kinds.items())):
        raise GQConfigError("kinds", kinds, "None or a dict of item -> kind, e.g. {'close': 'bond'}")
    if isinstance(data, SimulatedRoundRobin):
        return data.ratings, data.truth, dict(data.model.items) | dict(kinds or {})
    if isinstance(data, pd.DataFrame):
        missing = [c for c in _RR_COLUMNS if c not in data.columns]
        if missing:
            raise GQConfigError("data", f"a table without {', '.join(missing)}",
                                "a round-robin table (group, session, rater, target, item, rating) or round_robin_ratings(...)'s result")  # fmt: skip
        return data, None, dict(kinds or {})
    raise GQConfigError("data", type(data).__name__, "a round-robin table (group, session, rater, target, item, rating) or round_robin_ratings(...)'s result")


def _sorted_values(column: pd.Series) -> list:
    values = list(pd.unique(column.dropna()))
    try:
        return sorted(values)
    except TypeError:  # values of mixed types: sort them as text
        return sorted(values, key=str)


def _pick(table: pd.DataFrame, column: str, value: object) -> tuple[pd.DataFrame, object]:
    """The rows of ``table`` whose ``column`` is ``value`` (default its first value), and the value; all rows when the column is absent."""
    if column not in table.columns:
        if value is not None:
            raise GQConfigError(column, value, f"None: the table has no {column} column")
        return table, None
    values = _sorted_values(table[column])
    if value is None and values:
        value = values[0]
    if not any(v == value and type(v) is not bool for v in values) or isinstance(value, bool):
        shown = ", ".join(map(str, values[:12])) + (", ..." if len(values) > 12 else "")
        raise GQConfigError(column, value, f"a {column} of the table: {shown}")
    return table[(table[column] == value).to_numpy(dtype=bool)], value


def _item_choice(ratings: pd.DataFrame, item: object, kinds: Mapping[str, str]) -> tuple[list[str], str | None, str]:
    """The items averaged for ``item`` (an item or a kind), its kind (None when unknown) and a label."""
    items = [str(i) for i in _sorted_values(ratings["item"].astype(str))]
    if isinstance(item, str) and item in items:
        return [item], kinds.get(item), item
    chosen = [i for i in items if kinds.get(i) == item]
    if isinstance(item, str) and chosen:
        return chosen, item, f"{item} (mean of {len(chosen)} item{'s' if len(chosen) > 1 else ''})"
    offered = items + sorted({kind for i in items if (kind := kinds.get(i)) is not None})
    raise GQConfigError("item", item, f"an item of the table or a kind of item ({', '.join(offered)})")


def round_robin_slice(
    data: SimulatedRoundRobin | pd.DataFrame,
    *,
    group: str | None = None,
    session: int | None = None,
    item: str = "bond",
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One round robin's ratings -- one group, one session, one item or kind -- as rater, target, rating.

    For a kind of item (``"bond"``, ``"conflict"``), each ordered pair's rating is its mean
    over the items of that kind (NaN only where all of them are missing). The Social Relations
    Model is linear in the ratings, so :func:`gqkit.srm` of this mean gives the mean of the
    items' effects (with complete ratings), with less of each item's error.

    Parameters
    ----------
    data : SimulatedRoundRobin or DataFrame
        :func:`gqkit.round_robin_ratings`' result, or a round-robin table with columns rater,
        target, item, rating (and group, session).
    group : str, optional
        The group; default the first (sorted). Must be None when the table has no group column.
    session : int, optional
        The session; default the first. Must be None when the table has no session column.
    item : str, default "bond"
        An item of the table, or a kind of item: the pair's mean over that kind's items.
    kinds : mapping of str to str, optional
        Item -> kind, for a table (a simulated round robin knows its items' kinds).

    Returns
    -------
    DataFrame
        Columns rater, target, rating (float); one row per ordered pair rated, sorted.

    Raises
    ------
    GQConfigError
        For ``data`` of the wrong kind, or a group, session or item the table does not have.

    Examples
    --------
    >>> from gqkit import Rupture, round_robin_ratings, simulate
    >>> quiet = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}  # the placed rupture is the only one
    >>> rr = round_robin_ratings(simulate(seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)], **quiet))
    >>> one = round_robin_slice(rr, session=8)  # each pair's mean over bond_a and bond_b
    >>> len(one), one.iloc[0].to_dict()
    (56, {'rater': 'm01', 'target': 'm02', 'rating': 4.0})
    """
    ratings, _, kinds = _round_robin_input(data, kinds)
    one, _ = _pick(ratings, "group", group)
    one, _ = _pick(one, "session", session)
    chosen, _, _ = _item_choice(ratings, item, kinds)
    one = one[one["item"].astype(str).isin(chosen).to_numpy(dtype=bool)]
    rating = pd.to_numeric(one["rating"], errors="coerce").astype(float)
    table = pd.DataFrame({"rater": one["rater"].astype(str).to_numpy(), "target": one["target"].astype(str).to_numpy(), "rating": rating.to_numpy()})
    return table.groupby(["rater", "target"], sort=True)["rating"].mean().reset_index()


def _slice_srm(one: pd.DataFrame) -> SRMResult:
    """The SRM of one round robin (rater, target, rating), every effect kept, missing ratings imputed."""
    result = srm(one, groups=(), by=(), missing="impute", min_var=None)
    if result.person.empty:
        n = len(set(one["rater"]) | set(one["target"]))
        raise GQDataError("round robin", [Problem("this round robin", "rater", f"{n} members", "at least 4 members who rate each other (the SRM needs 4)")],
                          advice="nothing was estimated; choose another session or group")  # fmt: skip
    return result


def _group_members(data: object, ratings: pd.DataFrame, group: object) -> list[str]:
    """Every member of the group: a simulated round robin's whole roster, or everyone the table names in that group."""
    if isinstance(data, SimulatedRoundRobin):
        roster = data.members
        return sorted(roster.loc[roster["group"] == group, "member"].astype(str)) if group is not None else sorted(set(roster["member"].astype(str)))
    sel = ratings if group is None or "group" not in ratings.columns else ratings[ratings["group"] == group]
    return sorted(set(sel["rater"].astype(str)) | set(sel["target"].astype(str)))


def _grid(table: pd.DataFrame, members: list[str], value: str) -> np.ndarray:
    """Raters x targets (in ``members``' order) of ``table[value]``; NaN where no pair was rated and on the diagonal."""
    where = {m: i for i, m in enumerate(members)}
    grid = np.full((len(members), len(members)), np.nan)
    i = table["rater"].astype(str).map(where)
    j = table["target"].astype(str).map(where)
    keep = (i.notna() & j.notna()).to_numpy(dtype=bool)
    grid[i[keep].astype(int).to_numpy(), j[keep].astype(int).to_numpy()] = table[value].to_numpy(dtype=float)[keep]
    np.fill_diagonal(grid, np.nan)
    return grid


def _ruptured_cells(truth: pd.DataFrame | None, group: object, session: object, members: list[str]) -> list[tuple[int, int]]:
    """(row, column) of every ordered pair the truth table says was in an open rupture in this round robin."""
    if truth is None or truth.empty:
        return []
    missing = [c for c in ("rater", "target", "ruptured") if c not in truth.columns]
    if missing:
        raise GQConfigError("truth", f"a table without {', '.join(missing)}", "round_robin_ratings(...).truth, False, or None")
    sel = truth[truth["ruptured"].astype(bool).to_numpy()]
    for column, value in (("group", group), ("session", session)):
        if value is not None and column in sel.columns:
            sel = sel[(sel[column] == value).to_numpy(dtype=bool)]
    where = {m: i for i, m in enumerate(members)}
    return sorted({(where[r], where[t]) for r, t in zip(sel["rater"].astype(str), sel["target"].astype(str)) if r in where and t in where})


def _cell_text(value: float, fmt: str) -> str:
    if not np.isfinite(value):
        return ""
    text = fmt.format(value)
    return "0.0" if text in ("-0.0", "+0.0") else text


def _matrix(ax: Axes, grid: np.ndarray, members: list[str], *, cmap: str, vmin: float, vmax: float, fmt: str, cells: list[tuple[int, int]],
            annotate: bool, colorbar: bool | Axes, label: str, absent: set[str]) -> AxesImage:  # fmt: skip
    """Draw (or update) a raters x targets matrix: grey diagonal, a value in each cell, the ruptured cells outlined."""
    M = len(members)
    extent = (-0.5, M - 0.5, M - 0.5, -0.5)
    diagonal = np.where(np.eye(M, dtype=bool), 1.0, np.nan)
    image = _artist(ax, "gq-matrix")
    if image is None:
        ax.imshow(diagonal, cmap=ListedColormap([DIAGONAL_COLOUR]), vmin=0, vmax=2, interpolation="nearest", extent=extent, gid="gq-diagonal")
        image = ax.imshow(grid, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest", extent=extent, gid="gq-matrix")
        ax.plot([], [], color=RUPTURE_COLOUR, linewidth=2.2, solid_joinstyle="miter", clip_on=False, zorder=4, gid="gq-pair", label="ruptured pair",
                path_effects=[patheffects.Stroke(linewidth=4.2, foreground="black"), patheffects.Normal()])  # seen on any cell colour
        ax.tick_params(length=0)  # the labels name the rows and columns; no tick marks over the cells' edges
        ax.set_xlabel("target (the member rated)")
        ax.set_ylabel("rater")
        if isinstance(colorbar, Axes):
            ax.figure.colorbar(image, cax=colorbar, label=label)
        elif colorbar:
            ax.figure.colorbar(image, ax=ax, label=label, fraction=0.05, pad=0.03)
    else:
        image.set_data(grid)
        image.set_extent(extent)
        image.set_cmap(cmap)
        image.set_clim(vmin, vmax)
        diagonal_image = _artist(ax, "gq-diagonal")
        diagonal_image.set_data(diagonal)
        diagonal_image.set_extent(extent)
        if image.colorbar is not None:
            image.colorbar.set_label(label)
    ax.set_xticks(range(M), members, fontsize="small")
    ax.set_yticks(range(M), members, fontsize="small")
    for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
        for text, member in zip(labels, members):
            text.set_color(_ABSENT_COLOUR if member in absent else "black")
    ax.set_xlim(-0.5, M - 0.5)
    ax.set_ylim(M - 0.5, -0.5)
    x, y = [], []
    for i, j in cells:
        x += [j - 0.5, j + 0.5, j + 0.5, j - 0.5, j - 0.5, np.nan]
        y += [i - 0.5, i - 0.5, i + 0.5, i + 0.5, i - 0.5, np.nan]
    _artist(ax, "gq-pair").set_data(x, y)
    texts = [t for t in ax.texts if t.get_gid() == "gq-cell"]
    if len(texts) != M * M:
        for t in texts:
            t.remove()
        texts = [ax.text(j, i, "", ha="center", va="center", fontsize=7, gid="gq-cell") for i in range(M) for j in range(M)]
    rgba = image.cmap(image.norm(np.nan_to_num(grid, nan=(vmin + vmax) / 2)))
    dark = (0.299 * rgba[..., 0] + 0.587 * rgba[..., 1] + 0.114 * rgba[..., 2]) < 0.5
    for text, value, is_dark in zip(texts, grid.ravel(), dark.ravel()):
        text.set_text(_cell_text(value, fmt) if annotate else "")
        text.set_color("white" if is_dark else "black")
    return image


def _bars(ax: Axes, values: np.ndarray, members: list[str], *, pair: set[str], limit: float, absent: set[str], xlabel: str, annotate: bool) -> None:
    """Draw (or update) one horizontal bar per member, top to bottom as the matrices' rows; the pair's in the rupture colour."""
    M = len(members)
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() == "gq-effect"]
    texts = [t for t in ax.texts if t.get_gid() == "gq-effect-text"]
    if len(bars) != M:
        for artist in [*bars, *texts]:
            artist.remove()
        bars = list(ax.barh(range(M), np.zeros(M), height=0.7, gid="gq-effect"))
        texts = [ax.text(0, i, "", va="center", fontsize=7, gid="gq-effect-text") for i in range(M)]
    if _artist(ax, "gq-zero") is None:
        ax.axvline(0, color="#333333", linewidth=0.8, gid="gq-zero")
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(xlabel)
    span = 2 * limit
    for i, (bar, text, value, member) in enumerate(zip(bars, texts, values, members)):
        width = float(value) if np.isfinite(value) else 0.0
        bar.set_width(width)
        bar.set_color(RUPTURE_COLOUR if member in pair else EFFECT_COLOUR)
        shown = float(np.clip(width, -limit, limit))
        text.set_position((shown + (0.02 if width >= 0 else -0.02) * span, i))
        text.set_horizontalalignment("left" if width >= 0 else "right")
        text.set_text(_cell_text(value, "{:+.2f}") if annotate else "")
    ax.set_yticks(range(M), members, fontsize="small")
    for text, member in zip(ax.get_yticklabels(), members):
        text.set_color(_ABSENT_COLOUR if member in absent else "black")
    ax.set_ylim(M - 0.5, -0.5)
    ax.set_xlim(-limit, limit)


def _checked_limit(limit: object) -> float:
    if isinstance(limit, bool) or not isinstance(limit, (int, float, np.integer, np.floating)) or not 0 < float(limit) < np.inf:
        raise GQConfigError("limit", limit, "a positive number of answer-scale points (the colour scale runs from -limit to +limit)")
    return float(limit)


def _checked_scale(scale: object) -> tuple[float, float]:
    ok = isinstance(scale, Sequence) and len(scale) == 2 and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in scale)
    if not ok or not float(scale[0]) < float(scale[1]):  # type: ignore[index]  # checked above
        raise GQConfigError("scale", scale, "(lowest, highest) answer, lowest < highest, e.g. (1, 7)")
    return float(scale[0]), float(scale[1])  # type: ignore[index]


def _rating_colours(kind: str | None) -> tuple[str, str]:
    """The ratings' colour map (dark is worse) and colour bar label, for an item of this kind."""
    if kind == "conflict":
        return f"{SCORE_COLORMAP}_r", "rating (higher = worse)"
    return SCORE_COLORMAP, "rating (higher = better)" if kind == "bond" else "rating"


def _effect_colours(kind: str | None) -> tuple[str, str]:
    """The relationship effects' colour map (orange is worse) and colour bar label."""
    if kind == "conflict":
        return f"{RELATIONSHIP_COLORMAP}_r", "effect (orange = worse)"
    return RELATIONSHIP_COLORMAP, "effect (orange = worse)" if kind == "bond" else "effect"


def _truth_for(truth: pd.DataFrame | bool | None, own: pd.DataFrame | None) -> pd.DataFrame | None:
    if truth is None:
        return own
    if truth is False:
        return None
    if isinstance(truth, pd.DataFrame):
        return truth
    raise GQConfigError("truth", type(truth).__name__, "a truth table (round_robin_ratings(...).truth), False for no outline, or None")


def round_robin_matrix(
    data: SimulatedRoundRobin | pd.DataFrame,
    *,
    group: str | None = None,
    session: int | None = None,
    item: str = "bond",
    kinds: Mapping[str, str] | None = None,
    value: str = "rating",
    truth: pd.DataFrame | bool | None = None,
    members: Sequence[str] | None = None,
    scale: tuple[float, float] = (1, 7),
    limit: float = 2.0,
    annotate: bool = True,
    colorbar: bool | Axes = True,
    ax: Axes | None = None,
) -> Axes:
    """A round robin as a member x member matrix: each rater's row of ratings (or relationship effects) of the others.

    Rows are raters, columns the members rated (targets); the diagonal (no one rates
    themself) is grey, and a member absent from this round robin leaves a white row and
    column and a grey label. With a truth table, every ordered pair in an open member-member
    rupture is outlined in the rupture colour (both directions of a ruptured pair are; when
    one of the two was absent, the outline goes round white cells: open, but not rated).
    ``value="rating"`` shows the ratings on the answer scale, dark the worse end
    (:data:`SCORE_COLORMAP`, reversed for a conflict item); ``value="relationship"`` runs
    :func:`gqkit.srm` on this round robin alone (every effect kept, ``min_var=None``) and
    shows its relationship effects, how the rater sees this target beyond the rater's actor
    and the target's partner effect, on a diverging scale from ``-limit`` to ``+limit``,
    orange the worse end (:data:`RELATIONSHIP_COLORMAP`).

    Called again on the same axes, it puts the new values into the image, texts and outline
    it drew (fast enough for a widget).

    Parameters
    ----------
    data : SimulatedRoundRobin or DataFrame
        :func:`gqkit.round_robin_ratings`' result (its truth outlines the ruptured pair), or
        a round-robin table (columns rater, target, item, rating, and group, session).
    group : str, optional
        The group shown; default the first.
    session : int, optional
        The session shown; default the first rated.
    item : str, default "bond"
        An item, or a kind of item (the pair's mean over its items; :func:`round_robin_slice`).
    kinds : mapping of str to str, optional
        Item -> kind, for a table.
    value : {"rating", "relationship"}, default "rating"
        What the cells show.
    truth : DataFrame, False or None
        The truth table to outline ruptured pairs from (columns rater, target, ruptured, and
        group, session); None: the simulated round robin's own; False: no outline.
    members : sequence of str, optional
        The rows and columns, in order; default every member of the group (a simulated
        round robin's roster, or everyone the table names in the group).
    scale : (float, float), default (1, 7)
        The ends of the ratings' colour scale (the answer scale).
    limit : float, default 2.0
        The relationship effects' colour scale runs from ``-limit`` to ``+limit`` points.
    annotate : bool, default True
        Write each cell's value in it.
    colorbar : bool or Axes, default True
        A colour bar beside the axes (True), in the given Axes, or none (False).
    ax : Axes, optional
        Where to draw; default a new figure. Axes it drew before are updated in place.

    Returns
    -------
    Axes

    Raises
    ------
    GQConfigError
        For an argument out of range, or a group, session or item the table does not have.
    GQDataError
        With ``value="relationship"``, when the round robin has fewer than 4 members.

    Examples
    --------
    >>> from gqkit import Rupture, round_robin_ratings, simulate
    >>> quiet = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}  # the placed rupture is the only one
    >>> rr = round_robin_ratings(simulate(seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)], **quiet))
    >>> ax = round_robin_matrix(rr, session=8)
    >>> ax.get_title()
    'ratings, session 8\\nbond (mean of 2 items)'
    >>> ax = round_robin_matrix(rr, session=8, value="relationship", ax=ax)  # the same axes: the values move in
    >>> sorted({(int(y), int(x)) for x, y in ax.get_lines()[0].get_xydata() if x == x})  # the outlined cells' corners
    [(0, 3), (0, 4), (1, 3), (1, 4), (3, 0), (3, 1), (4, 0), (4, 1)]
    """
    ratings, own_truth, kinds = _round_robin_input(data, kinds)
    if value not in ("rating", "relationship"):
        raise GQConfigError("value", value, "'rating' or 'relationship'")
    limit = _checked_limit(limit)
    low, high = _checked_scale(scale)
    sel, the_group = _pick(ratings, "group", group)
    _, the_session = _pick(sel, "session", session)
    _, kind, label = _item_choice(ratings, item, kinds)
    one = round_robin_slice(ratings, group=group, session=session, item=item, kinds=kinds)
    members = _group_members(data, ratings, the_group) if members is None else [str(m) for m in members]
    absent = set(members) - set(one["rater"]) - set(one["target"])
    cells = _ruptured_cells(_truth_for(truth, own_truth), the_group, the_session, members)
    ax = ax or plt.subplots(figsize=(4.8, 4))[1]
    when = f"session {the_session}" if the_session is not None else "the round robin"
    if value == "rating":
        cmap, bar_label = _rating_colours(kind)
        whole = bool(np.all(np.mod(one["rating"].dropna().to_numpy(dtype=float), 1) == 0))
        _matrix(ax, _grid(one, members, "rating"), members, cmap=cmap, vmin=low, vmax=high, fmt="{:.0f}" if whole else "{:.1f}", cells=cells,
                annotate=annotate, colorbar=colorbar, label=bar_label, absent=absent)  # fmt: skip
        ax.set_title(f"ratings, {when}\n{label}", fontsize="medium")
    else:
        cmap, bar_label = _effect_colours(kind)
        effects = _slice_srm(one).relationship
        _matrix(ax, _grid(effects, members, "relationship"), members, cmap=cmap, vmin=-limit, vmax=limit, fmt="{:+.1f}", cells=cells,
                annotate=annotate, colorbar=colorbar, label=bar_label, absent=absent)  # fmt: skip
        ax.set_title(f"relationship effects, {when}\n{label}", fontsize="medium")
    return ax


SRM_PANELS = ("ratings", "actor", "partner", "relationship")
"""The panels of :func:`srm_decomposition`, left to right."""


def srm_decomposition(
    data: SimulatedRoundRobin | pd.DataFrame,
    *,
    group: str | None = None,
    session: int | None = None,
    item: str = "bond",
    kinds: Mapping[str, str] | None = None,
    truth: pd.DataFrame | bool | None = None,
    members: Sequence[str] | None = None,
    result: SRMResult | None = None,
    scale: tuple[float, float] = (1, 7),
    limit: float = 2.0,
    annotate: bool | str = True,
    axes: Sequence[Axes] | None = None,
) -> Figure | SubFigure:
    """One round robin and its Social Relations Model side by side: ratings, actor, partner and relationship effects.

    Four panels (:data:`SRM_PANELS`), members in the same order top to bottom: the ratings
    (:func:`round_robin_matrix`), each member's **actor** effect (how they rate the others in
    general) and **partner** effect (how the others rate them in general) as bars, and the
    **relationship** effects (how the rater sees this target in particular) as a matrix
    (Kenny, 1994). The bars and the relationship matrix share one scale, ``-limit`` to
    ``+limit`` points, so the sizes can be compared. With a truth table, the ruptured pair's
    cells are outlined and its two members' bars drawn in the rupture colour. Called again on
    the same four axes, it moves the new values into what it drew (fast enough for a widget).

    Parameters
    ----------
    data : SimulatedRoundRobin or DataFrame
        :func:`gqkit.round_robin_ratings`' result, or a round-robin table (columns rater,
        target, item, rating, and group, session).
    group : str, optional
        The group shown; default the first.
    session : int, optional
        The session shown; default the first rated.
    item : str, default "bond"
        An item, or a kind of item (the pair's mean over its items; :func:`round_robin_slice`).
    kinds : mapping of str to str, optional
        Item -> kind, for a table.
    truth : DataFrame, False or None
        As for :func:`round_robin_matrix`.
    members : sequence of str, optional
        The rows, in order; default every member of the group.
    result : SRMResult, optional
        :func:`gqkit.srm` of this round robin (``round_robin_slice(...)`` with ``groups=()``,
        ``by=()``); computed with every effect kept (``min_var=None``) when omitted.
    scale : (float, float), default (1, 7)
        The ends of the ratings' colour scale.
    limit : float, default 2.0
        The effects' scale runs from ``-limit`` to ``+limit`` points.
    annotate : bool or "relationship", default True
        Write the values: in the cells of both matrices and beside the bars (True), only in the
        relationship matrix's cells (``"relationship"``, quicker to draw), or nowhere (False).
    axes : four Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    Figure or SubFigure
        The figure that holds the axes.

    Raises
    ------
    GQConfigError
        As :func:`round_robin_matrix`; also for ``axes`` that are not four Axes, or a
        ``result`` that is not an SRMResult.
    GQDataError
        When the round robin has fewer than 4 members.

    Examples
    --------
    >>> from gqkit import Rupture, round_robin_ratings, simulate
    >>> quiet = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}  # the placed rupture is the only one
    >>> rr = round_robin_ratings(simulate(seed=3, ruptures=[Rupture(session=6, level="MM", type="withdrawal", member=2, source=5)], **quiet))
    >>> fig = srm_decomposition(rr, session=8)
    >>> [ax.get_title().split("\\n")[0] for ax in fig.axes[:4]]
    ['ratings, session 8', 'actor effects', 'partner effects', 'relationship effects']
    >>> [bar.get_facecolor() == fig.axes[1].patches[1].get_facecolor() for bar in fig.axes[1].patches][:5]  # m02 and m05 stand out
    [False, True, False, False, True]
    """
    ratings, own_truth, kinds = _round_robin_input(data, kinds)
    limit = _checked_limit(limit)
    low, high = _checked_scale(scale)
    if annotate not in (True, False, "relationship"):
        raise GQConfigError("annotate", annotate, "True (every value), 'relationship' (only the relationship matrix's) or False")
    if result is not None and not isinstance(result, SRMResult):
        raise GQConfigError("result", type(result).__name__, "None, or gqkit.srm's result for this round robin")
    if axes is None:
        figure = plt.figure(figsize=(13.5, 4.0))
        axes = list(figure.subplots(1, 4, gridspec_kw={"width_ratios": [1.2, 0.62, 0.62, 1.2]}))
        figure.subplots_adjust(left=0.045, right=0.94, top=0.84, bottom=0.14, wspace=0.32)
    if len(axes) != 4 or not all(isinstance(a, Axes) for a in axes):
        raise GQConfigError("axes", axes, "four Axes (ratings, actor, partner, relationship), or None")
    sel, the_group = _pick(ratings, "group", group)
    _, the_session = _pick(sel, "session", session)
    _, kind, label = _item_choice(ratings, item, kinds)
    one = round_robin_slice(ratings, group=group, session=session, item=item, kinds=kinds)
    result = _slice_srm(one) if result is None else result
    members = _group_members(data, ratings, the_group) if members is None else [str(m) for m in members]
    absent = set(members) - set(one["rater"]) - set(one["target"])
    cells = _ruptured_cells(_truth_for(truth, own_truth), the_group, the_session, members)
    pair = {members[i] for cell in cells for i in cell}
    ax_r, ax_a, ax_p, ax_g = axes
    cmap, bar_label = _rating_colours(kind)
    whole = bool(np.all(np.mod(one["rating"].dropna().to_numpy(dtype=float), 1) == 0))
    _matrix(ax_r, _grid(one, members, "rating"), members, cmap=cmap, vmin=low, vmax=high, fmt="{:.0f}" if whole else "{:.1f}", cells=cells,
            annotate=annotate is True, colorbar=True, label=bar_label, absent=absent)  # fmt: skip
    when = f"session {the_session}" if the_session is not None else "the round robin"
    ax_r.set_title(f"ratings, {when}\n{label}", fontsize="medium")
    person = result.person.assign(member=result.person["member"].astype(str)).set_index("member")
    for ax, column, title in ((ax_a, "actor", "actor effects\nhow each rates the others"), (ax_p, "partner", "partner effects\nhow the others rate each")):
        _bars(ax, person[column].reindex(members).to_numpy(dtype=float), members, pair=pair, limit=limit, absent=absent, xlabel="points",
              annotate=annotate is True)
        ax.set_title(title, fontsize="medium")
    cmap, bar_label = _effect_colours(kind)
    _matrix(ax_g, _grid(result.relationship, members, "relationship"), members, cmap=cmap, vmin=-limit, vmax=limit, fmt="{:+.1f}", cells=cells,
            annotate=bool(annotate), colorbar=True, label=bar_label, absent=absent)  # fmt: skip
    ax_g.set_title("relationship effects\nhow the rater sees this target", fontsize="medium")
    return ax_r.figure
