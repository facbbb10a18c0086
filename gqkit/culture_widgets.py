"""An explorer for notebook 06: one microaggression, the leader's response, and what each role goes through.

:class:`ScenarioExplorer` scripts a microaggression against member m02 -- from another member
(m05) or from the leader -- in replicate groups that share every random number
(:func:`gqkit.culture.scenario`), and shows the alliance with the leader, the bond with the
group and the OQ-45 of the member who was targeted, the member who made the remark and the
bystanders (:func:`scenario_paths`), with a small table of the numbers
(:meth:`gqkit.culture.Scenario.summary`). The controls set who made the remark, the identity
dimension it touched, the leader's response (or let the leader's multicultural orientation
decide it), the three facets of that orientation and norm-setting. If gqkit refuses a setting,
the explorer says why inside itself (see :class:`gqkit.widgets.Explorer`). No science here:
every number comes from :mod:`gqkit.culture`.
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from ._code import call
from .culture import MEASURES, RESPONSES, ROLES, Scenario, scenario
from .errors import GQConfigError
from .plots import RUPTURE_COLOUR
from .plots.scores import _artist
from .simulation import SimulationConfig
from .widgets import Blitter, Explorer

__all__ = ["ScenarioExplorer", "scenario_paths"]

ROLE_STYLES = {
    "target": {"color": RUPTURE_COLOUR, "linestyle": "-", "linewidth": 2.4},
    "source": {"color": "#0072B2", "linestyle": "--", "linewidth": 2.0},  # Okabe-Ito blue
    "bystander": {"color": "#000000", "linestyle": "-.", "linewidth": 1.6},
}
"""How each role's line is drawn (colour-blind safe, and told apart by its dashes in grey print too)."""

NORMS_COLOUR = "#E69F00"  # Okabe-Ito orange: the sessions in which norms are set
_CELL = "padding:2px 14px 2px 0"  # the summary table's cells: room between the columns


def _whole(value: object) -> bool:
    """A whole number, not True or False. (A plain bool, not a type guard: mypy takes int and numbers.Integral for disjoint.)"""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _role_labels(s: Scenario) -> dict[str, str]:
    """Labels that name the members: the one targeted, the one who made the remark, the bystanders."""
    r = s.rupture
    return {"target": f"targeted (m{r.member:02d})",
            "source": "made the remark" + (f" (m{r.source:02d})" if r.source is not None else ""),
            "bystander": "bystanders (mean)"}  # fmt: skip


def _limits(values: np.ndarray, step: float, span: float) -> tuple[float, float]:
    """Round the data's range outward to ``step``, at least ``span`` wide (a steady scale while settings move a little)."""
    low, high = np.nanmin(values), np.nanmax(values)
    low, high = step * np.floor(low / step), step * np.ceil(high / step)
    missing = span - (high - low)
    if missing > 0:
        low, high = low - missing / 2, high + missing / 2
    return float(low), float(high)


LAYOUT = dict(left=0.055, right=0.99, top=0.76, bottom=0.15, wspace=0.22)
"""Where the three panels sit, leaving room for the shared legend above them."""


def scenario_paths(s: Scenario, *, axes: Sequence[Axes] | None = None, norm_sessions: int = 0) -> Figure | SubFigure:
    """Alliance with the leader, bond with the group and OQ of each role in a scripted microaggression.

    One panel per measure of :data:`gqkit.culture.MEASURES`; one line per role present (the
    member targeted, the member who made the remark -- none when the leader made it -- and the
    bystanders), each the mean over the scenario's replicate groups; the onset is marked, and
    with ``norm_sessions`` the sessions in which the group set its norms are shaded. Called again
    on the same three axes, it moves the data into the existing lines (fast enough for a widget).

    Parameters
    ----------
    s : Scenario
        The output of :func:`gqkit.culture.scenario`.
    axes : three Axes, optional
        Where to draw (keyword only); new ones (a pyplot figure) when omitted.
    norm_sessions : int, default 0
        Shade sessions 1 to this (0: no shading), e.g. ``CultureModel.norm_sessions`` when the
        scenario ran with ``norm_setting=True``.

    Returns
    -------
    Figure or SubFigure
        The figure that holds ``axes``.

    Examples
    --------
    >>> from gqkit.culture import scenario
    >>> fig = scenario_paths(scenario(response="addressed"))
    >>> [line.get_gid() for line in fig.axes[0].get_lines()]
    ['gq-target', 'gq-source', 'gq-bystander', 'gq-onset']
    >>> fig = scenario_paths(scenario(source="leader"), axes=fig.axes)
    >>> [line.get_visible() for line in fig.axes[0].get_lines()]
    [True, False, True, True]
    """
    if axes is None:
        axes = plt.subplots(1, len(MEASURES), figsize=(11.5, 3.9))[1]
        axes[0].figure.subplots_adjust(**LAYOUT)  # room for the legend above the titles
    figure = axes[0].figure
    paths = s.paths
    present = set(paths["role"])
    labels = _role_labels(s)
    table = paths.pivot(index="session", columns=["measure", "role"], values="value")
    sessions = table.index.to_numpy()
    for ax, measure in zip(axes, MEASURES):
        if _artist(ax, "gq-target") is None:
            for role in ROLES:
                ax.plot([], [], marker=".", gid=f"gq-{role}", zorder=3, **ROLE_STYLES[role])
            ax.axvline(s.rupture.session, color="#555555", linestyle=":", linewidth=1.6, label="onset", gid="gq-onset")
            ax.add_patch(Rectangle((0.5, 0), 0, 1, transform=ax.get_xaxis_transform(), color=NORMS_COLOUR, alpha=0.18, linewidth=0,
                                   label="norm-setting sessions", gid="gq-norms"))  # a Rectangle on every matplotlib (axvspan's type varies)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("session")
            what, _, detail = MEASURES[measure].partition(" (")
            ax.set_title(f"{what}\n({detail}" if detail else what, fontsize="medium")
        for role in ROLES:
            line = _artist(ax, f"gq-{role}")
            line.set_visible(role in present)
            line.set_label(labels[role])
            if role in present:
                line.set_data(sessions, table[(measure, role)].to_numpy())
        _artist(ax, "gq-onset").set_xdata([s.rupture.session] * 2)
        norms = next(p for p in ax.patches if p.get_gid() == "gq-norms")
        norms.set_x(0.5)
        norms.set_width(float(norm_sessions))
        norms.set_visible(norm_sessions > 0)
        ax.set_xlim(s.sessions[0] - 0.5, s.sessions[-1] + 0.5)
    scores = paths.loc[paths["measure"] != "oq", "value"].to_numpy(float)
    for ax in axes[:-1]:
        ax.set_ylim(*_limits(scores, 0.5, 1.5))  # alliance and bond share one scale, so they can be compared
    axes[0].set_ylabel("score (1-7)")
    axes[-1].set_ylim(*_limits(paths.loc[paths["measure"] == "oq", "value"].to_numpy(float), 10, 30))
    axes[-1].set_ylabel("OQ total")
    handles = [line for line in axes[0].get_lines() if line.get_visible()]
    handles += [p for p in axes[0].patches if p.get_visible()]
    for legend in list(figure.legends):
        legend.remove()
    figure.legend(handles=handles, loc="upper center", ncol=len(handles), frameon=False, fontsize="medium")
    return figure


class ScenarioExplorer(Explorer):
    """Script a microaggression, choose the leader's response and orientation, watch every role.

    A microaggression against member m02 at session ``onset``, made by another member (m05)
    or by the leader, in ``n_groups`` quiet replicate groups that share every random number
    (:func:`gqkit.culture.scenario`): the figure shows the alliance with the leader, the bond
    with the group and the OQ of the member targeted, the member who made the remark and the
    bystanders (:func:`scenario_paths`); the table below it, their means before the remark and
    at the end, and how often each response happened.

    The leader's response is either fixed (addressed, not addressed, shaming) or decided by
    the simulated leader's multicultural orientation. A leader cannot shame the member who made
    the remark when the remark was the leader's own, so *shaming* is offered only while a member
    made it (choosing the leader moves a shaming response back to :attr:`DECIDES`). A fixed
    response leaves nothing for the dimension and opportunities to decide (they act through
    whether and when the leader addresses it), so those controls are disabled while the
    response is fixed, and comfort too when it is *not addressed* (comfort sets how soon and
    how deep a response is); humility still buffers the harm and sets the response's quality,
    and norm-setting still softens the harm.

    Parameters
    ----------
    source : {"member", "leader"}, default "member"
        Who makes the remark.
    response : {None, "addressed", "not addressed", "shaming"}, default None
        The leader's response; ``None`` (or :attr:`DECIDES`): the leader decides, by their
        multicultural orientation.
    dimension : str, optional
        The identity dimension touched: a label of ``SimulationConfig().culture.dimensions``
        (default the first).
    humility, comfort, opportunities : float, default 0.6, 0.6 and 0.5
        The leader's multicultural orientation, 0-1 in steps of 0.05.
    norm_setting : bool, default False
        The group modelled naming identities and power in its first sessions.
    onset, severity, n_groups, seed, n_members, n_sessions
        Fixed for the explorer's life: as for :func:`gqkit.culture.scenario` (same
        defaults); ``n_sessions`` at least 4, ``onset`` from 2 to ``n_sessions`` - 2. All
        parameters are keyword only.

    Attributes
    ----------
    controls : dict
        Name -> control: ``source``, ``dimension``, ``response``, ``humility``, ``comfort``,
        ``opportunities``, ``norm_setting``. Set ``.value`` to drive the explorer.
    scenario : Scenario
        The latest result; its ``summary()`` and ``responses`` are the numbers shown.
    image : Image
        The figure as PNG.
    summary : HTML
        The numbers.

    Examples
    --------
    >>> ex = ScenarioExplorer(response="addressed")
    >>> ex.scenario.responses["addressed"]
    1.0
    >>> ex.controls["source"].value = "leader"
    >>> "shaming" in [value for _, value in ex.controls["response"].options]
    False
    """

    DECIDES = "by MCO"
    RESPONSE_LABELS = {DECIDES: "the leader decides (by MCO)", "addressed": "addressed", "not addressed": "not addressed", "shaming": "shaming"}
    FACETS = ("humility", "comfort", "opportunities")
    CONTROLS = ("source", "dimension", "response", *FACETS, "norm_setting")
    FOLLOW_THE_DECISION = ("dimension", "opportunities")  # act only through whether and when the leader addresses it

    def __init__(
        self,
        *,
        source: str = "member",
        response: str | None = None,
        dimension: str | None = None,
        humility: float = 0.6,
        comfort: float = 0.6,
        opportunities: float = 0.5,
        norm_setting: bool = False,
        onset: int = 5,
        severity: float = 1.5,
        n_groups: int = 16,
        seed: int = 1,
        n_members: int = 8,
        n_sessions: int = 16,
    ):
        if not (_whole(n_sessions) and n_sessions >= 4):
            raise GQConfigError("n_sessions", n_sessions, "a whole number of at least 4")
        if not (_whole(onset) and 2 <= onset <= n_sessions - 2):
            raise GQConfigError("onset", onset, f"a session from 2 to {n_sessions - 2} (the table compares sessions before it with the last two)")
        self._scenario_of = scenario
        self._fixed: dict[str, Any] = dict(onset=onset, severity=severity, n_groups=n_groups, seed=seed, n_members=n_members, n_sessions=n_sessions)
        culture = SimulationConfig().culture
        self._norm_sessions = culture.norm_sessions
        dimensions = culture.dimensions
        W = widgets
        wide = {"description_width": "92px"}
        c = {
            "source": W.Dropdown(options=[("a member (m05)", "member"), ("the leader", "leader")], description="made by", style=wide),
            "dimension": W.Dropdown(options=[(f"{label} ({'visible' if spec['visible'] else 'not visible'})", label) for label, spec in dimensions.items()],
                                    description="identity", style=wide),  # fmt: skip
            "response": W.Dropdown(options=[(label, value) for value, label in self.RESPONSE_LABELS.items()], description="response", style=wide),
            **{name: W.FloatSlider(min=0.0, max=1.0, step=0.05, description=name, continuous_update=False, style=wide) for name in self.FACETS},
            "norm_setting": W.Checkbox(description=f"norm-setting in sessions 1-{culture.norm_sessions}", indent=False),
        }
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.summary = W.HTML()
        self.scenario: Scenario | None = None
        self.figure = Figure(figsize=(11.5, 3.9), dpi=72)
        self.axes = tuple(self.figure.subplots(1, len(MEASURES)))
        self.figure.subplots_adjust(**LAYOUT)
        self._blit = Blitter(self.figure)
        self._scales: list[tuple[float, float]] | None = None  # each panel's y range so far
        for control in c.values():
            control.layout.width = "100%"
        column = W.Layout(width="305px", margin="0 12px 6px 0")
        remark = W.VBox([W.HTML(f"<b>The remark</b>: to m02, session {html.escape(str(onset))}"), c["source"], c["dimension"]], layout=column)
        answer = W.VBox([W.HTML("<b>The leader's response</b>"), c["response"], c["norm_setting"]], layout=column)
        mco = W.VBox([W.HTML("<b>The leader's multicultural orientation</b>"), *(c[name] for name in self.FACETS)], layout=column)
        box = W.HBox([remark, answer, mco], layout=W.Layout(flex_flow="row wrap"))
        given = dict(source=source, dimension=next(iter(dimensions)) if dimension is None else dimension,
                     response=self.DECIDES if response is None else response, humility=humility, comfort=comfort,
                     opportunities=opportunities, norm_setting=norm_setting)  # fmt: skip
        super().__init__(c, [box], [self.image, self.summary], given=given)

    def code(self) -> str:
        """The gqkit calls that make this view: ``summary`` holds the numbers of the table.

        Returns
        -------
        str
            Python source; run it and ``summary`` equals ``self.scenario.summary()``.
        """
        c = self.settings()
        response = None if c["response"] == self.DECIDES else c["response"]
        made = call("scenario", source=c["source"], response=response, dimension=c["dimension"], humility=c["humility"], comfort=c["comfort"],
                    opportunities=c["opportunities"], norm_setting=c["norm_setting"], **self._fixed)  # fmt: skip
        paths = f"scenario_paths(s, norm_sessions={self._norm_sessions})" if c["norm_setting"] else "scenario_paths(s)"
        return "\n".join(["from gqkit.culture import scenario", "from gqkit.culture_widgets import scenario_paths", "",
                          f"s = {made}", "summary = s.summary()", paths])  # fmt: skip

    def _fit(self) -> None:
        """Offer *shaming* only while a member made the remark; disable what a fixed response leaves nothing to do."""
        c = self.controls
        response = c["response"]
        allowed = tuple((label, value) for value, label in self.RESPONSE_LABELS.items() if value != "shaming" or c["source"].value == "member")
        if tuple(response.options) != allowed:
            chosen = response.value
            response.options = allowed  # resets the value: put the choice back if it is still offered
            response.value = chosen if chosen in [value for _, value in allowed] else self.DECIDES
        for name in self.FOLLOW_THE_DECISION:
            c[name].disabled = response.value != self.DECIDES
        c["comfort"].disabled = response.value == "not addressed"

    def _redraw(self) -> None:
        c = {name: control.value for name, control in self.controls.items()}
        self.scenario = self._scenario_of(
            source=c["source"], response=None if c["response"] == self.DECIDES else c["response"], dimension=c["dimension"],
            humility=c["humility"], comfort=c["comfort"], opportunities=c["opportunities"], norm_setting=c["norm_setting"], **self._fixed,
        )  # fmt: skip
        scenario_paths(self.scenario, axes=self.axes, norm_sessions=self._norm_sessions if c["norm_setting"] else 0)
        self._steady_scales()
        self.image.value = self._render()
        self.summary.value = self._summary_html(c)

    def _steady_scales(self) -> None:
        """Keep each panel's scale while the settings move: widen it when the lines need more room, never narrow it.

        The lines then move against a fixed scale, and most changes redraw only the lines (see :meth:`_render`).
        """
        if self._scales is not None:
            for ax, (low, high) in zip(self.axes, self._scales):
                now = ax.get_ylim()
                ax.set_ylim(min(low, now[0]), max(high, now[1]))
        self._scales = [ax.get_ylim() for ax in self.axes]

    def _render(self) -> bytes:
        """The figure as PNG, drawing again only what moved (blitting).

        While the scales, the legend and the marks stay, only the role lines move: the rest is
        drawn once and kept; a change of any of them draws everything again.
        """
        lines = [line for ax in self.axes for line in ax.get_lines() if line.get_gid() != "gq-onset"]
        still = tuple((ax.get_ylim(), *(a.get_visible() for a in (*ax.get_lines(), *ax.patches))) for ax in self.axes)
        still += (tuple(t.get_text() for legend in self.figure.legends for t in legend.get_texts()),)
        return self._blit.png(still, lines)

    def _summary_html(self, c: dict) -> str:
        s = self.scenario
        assert s is not None, "_redraw sets the scenario before the summary"
        table = s.summary()
        shares = " &middot; ".join(f'{html.escape(r)} <b class="gq-response" data-response="{html.escape(r)}">{s.responses[r]:.0%}</b>'
                                   for r in RESPONSES if r != "shaming" or s.rupture.source is not None)  # fmt: skip
        how = "fixed by you" if c["response"] != self.DECIDES else "decided by the leader's multicultural orientation"
        head = "".join(f'<th style="text-align:left;{_CELL}">{html.escape(MEASURES[m].partition(" (")[0])}</th>' for m in MEASURES)
        names = _role_labels(s)
        rows = []
        for role in table.index.get_level_values("role").unique():
            cells = []
            for measure in MEASURES:
                before, end, change = table.loc[(role, measure), ["before", "end", "change"]]
                digits = 1 if measure == "oq" else 2
                cells.append(f'<td class="gq-change" style="{_CELL}" data-role="{role}" data-measure="{measure}">{before:.{digits}f} &rarr; {end:.{digits}f} '
                             f"({change:+.{digits}f})</td>")  # fmt: skip
            rows.append(f'<tr><th style="text-align:left;{_CELL}">{html.escape(names[role])}</th>{"".join(cells)}</tr>')
        last = int(s.sessions[-1])
        note = ("" if c["response"] == self.DECIDES else
                '<p class="gq-fixed-note" style="font-size:90%;color:#555">With a fixed response the identity and opportunities '
                "have nothing to decide (they act through whether and when the leader addresses it), nor has comfort when it is "
                "not addressed; humility still buffers the harm and, with comfort, sets how well it is addressed; norm-setting "
                "still softens the harm.</p>")  # fmt: skip
        return (
            f'<p class="gq-culture-responses" style="margin:2px 0">Response across the {s.n_groups} groups ({how}): {shares}</p>'
            f'<table class="gq-culture-summary"><tr><th></th>{head}</tr>{"".join(rows)}</table>'
            f'<p style="font-size:90%;color:#555;margin:2px 0">Each cell: mean before the remark (sessions 1-{s.rupture.session - 1}) '
            f"&rarr; mean at the end (sessions {last - 1}-{last}), and the change. On the OQ, below zero is improvement.</p>{note}"
        )
