"""Repair and outcome figures: a repair's paths, outcomes by rupture status, a simulated trial's change by arm."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from ..errors import GQConfigError
from ..trials import SUBGROUPS, Trial
from .scores import REPAIR_COLOUR, RUPTURE_COLOUR, _artist

__all__ = ["NOT_AT_RISK_COLOUR", "STATUS_COLOURS", "repair_paths", "status_outcomes", "trial_change"]

# -- repair and outcomes (notebook 04) -------------------------------------------------------

STATUS_COLOURS = {"never ruptured": "#999999", "repaired": REPAIR_COLOUR, "faded": "#56B4E9", "unrepaired": RUPTURE_COLOUR}
NEVER_COLOUR = "#555555"


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


