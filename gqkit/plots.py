"""Figures: member x session heatmaps and trajectories with rupture and repair markers.

Thin layer over tidy tables (seaborn style: long data in, column names as arguments). Every
function draws on ``ax`` (a new one when omitted) and returns it. Colours are colour-blind
safe: the ``cividis`` map for scores and the Okabe-Ito palette for markers.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .errors import GQConfigError
from .instrument import LEVEL_NAMES, SCALE_NAMES
from .trials import SUBGROUPS, Trial

__all__ = ["OUTCOME_STYLES", "RUPTURE_COLOUR", "REPAIR_COLOUR", "detection_grid", "heatmap", "heatmap_grid", "level_heatmaps", "mark_heatmap",
           "sweep_curve", "trajectories"]

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
    if "resolved" in sel.columns:  # mark ruptures and the repairs that resolved them; not failed attempts or fades
        sel = sel[(sel["kind"] == "rupture") | ((sel["kind"] == "repair") & sel["resolved"].fillna(False).astype(bool))]
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
    """The member x session table a :func:`heatmap` shows (NaN for missed sessions)."""
    data = _select(scores, scale, level, group)
    grid = data.pivot(index="member", columns="session", values=value).sort_index()
    return grid.reindex(columns=np.arange(1, int(scores["session"].max()) + 1))


def mark_heatmap(ax: Axes, events: pd.DataFrame | None, *, group: str, level: str, members: list[str]) -> Axes:
    """Mark rupture onsets (x) and repairs (o) of one level on a heatmap's member rows."""
    row = {m: i for i, m in enumerate(members)}
    for _, e in _events_for(events, group, None if level == "all" else level).iterrows():
        rows = [row[e["member"]]] + ([row[e["source"]]] if e["level"] == "MM" and e["source"] in row else [])
        style: dict[str, Any] = dict(marker="x", color=RUPTURE_COLOUR, s=60, linewidths=2.5) if e["kind"] == "rupture" else dict(marker="o", facecolors="none", edgecolors=REPAIR_COLOUR, s=70, linewidths=2.5)
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
