"""An explorer for notebook 05: does feedback help, and for which therapists?

:class:`FeedbackExplorer` runs a two-arm trial (:func:`gqkit.trial`, feedback off vs on, the
same group seeds in both arms) for chosen therapist means -- commitment to measurement-based
care, openness to feedback, professional self-doubt -- and shows the repair rate, the OQ-45
change by arm and not-on-track status (:func:`gqkit.plots.trial_change`) and a table of effect
sizes. A trial takes about a second, too slow to rerun on every slider move, so it runs only
when the button is pressed; moving a slider only marks the shown result as stale. If gqkit
refuses a run, the explorer says why inside itself (see :class:`gqkit.widgets.Explorer`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeVar

import ipywidgets as widgets
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ._code import call
from .errors import GQConfigError, GQDataError, Problem
from .plots import trial_change
from .simulation.model import check_seed
from .trials import Trial, trial
from .widgets import Explorer, figure_png

__all__ = ["FeedbackExplorer", "feedback_trial", "feedback_table"]

ARMS = {"no feedback": {"feedback": False}, "feedback": {"feedback": True}}
FACTORS = ("commitment", "openness", "self_doubt")


def feedback_trial(
    n_groups: int = 40, *, seed: int = 1, commitment: float = 0.6, openness: float = 0.6, self_doubt: float = 0.5,
    spread: float = 0.05, executor: Executor | None = None, chunks: int | None = None, **common: Any,
) -> Trial:
    """Feedback off vs on for therapists with these mean factors, on shared seeds.

    A :func:`gqkit.trial` with arms ``"no feedback"`` (the reference) and ``"feedback"``.

    Parameters
    ----------
    n_groups : int, default 40
        Groups per arm.
    seed : int, default 1
        Seed of the group streams, shared by both arms.
    commitment, openness, self_doubt : float, default 0.6, 0.6 and 0.5
        The therapists' means (0-1), as for :class:`~gqkit.simulation.TherapistModel`.
    spread : float, default 0.05
        SD of each factor between therapists (smaller than the model's 0.15, so the means
        set the picture).
    executor : concurrent.futures.Executor, optional
        Where the units of work run; default: here.
    chunks : int, optional
        Slices per arm, as for :func:`gqkit.trial`.
    **common
        Further settings for both arms (keyword arguments of :func:`gqkit.simulate`).

    Returns
    -------
    Trial

    Examples
    --------
    >>> t = feedback_trial(4, commitment=0.9)
    >>> t.arms
    ('no feedback', 'feedback')
    """  # fmt: skip
    return trial(ARMS, n_groups=n_groups, seed=seed, progress=False, executor=executor, chunks=chunks,
                 commitment=commitment, openness=openness, self_doubt=self_doubt, spread=spread, **common)  # fmt: skip


def feedback_table(t: Trial) -> pd.DataFrame:
    """The explorer's table: g of change (all, not on track), dropout OR, and repair rates.

    Parameters
    ----------
    t : Trial
        A trial from :func:`feedback_trial` (or any with the reference arm first and the
        members columns ``not_on_track``, ``n_ruptures`` and ``n_repaired``).

    Returns
    -------
    DataFrame
        One row per result: result, estimate, ci_low and ci_high (NaN where there is no
        interval), n (members compared; for repair rates, ruptures in that arm).

    Raises
    ------
    GQConfigError
        If ``t`` is not a :class:`~gqkit.Trial`.
    GQDataError
        If its members table lacks one of those columns (e.g. a trial built with
        :meth:`Trial.from_members` from a table without them), naming each.

    Examples
    --------
    >>> feedback_table(feedback_trial(4))["result"].tolist()[:3]
    ['Hedges g of change, everyone', 'Hedges g of change, not on track', 'dropout odds ratio (> 1 favours feedback)']
    """
    if not isinstance(t, Trial):
        raise GQConfigError("t", type(t).__name__, "a gqkit.Trial, e.g. from feedback_trial")
    missing = [c for c in ("not_on_track", "n_ruptures", "n_repaired") if c not in t.members.columns]
    if missing:
        raise GQDataError("members", [Problem("header", "", "", f"a '{c}' column") for c in missing], advice="the trial's members table lacks them")
    e = t.effects
    rows = []
    for subgroup, label in (("all", "Hedges g of change, everyone"), ("not on track", "Hedges g of change, not on track")):
        r = e[(e["measure"] == "hedges_g change") & (e["subgroup"] == subgroup)].iloc[0]
        rows.append({"result": label, "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "n": int(r["n_arm"] + r["n_reference"])})
    r = e[(e["measure"] == "odds ratio dropout") & (e["subgroup"] == "all")].iloc[0]
    rows.append({"result": "dropout odds ratio (> 1 favours feedback)", "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "n": int(r["n_arm"] + r["n_reference"])})
    summary = t.arm_summary().set_index("arm")
    n_ruptures = t.members.groupby("arm")["n_ruptures"].sum()
    for arm in t.arms:
        rows.append({"result": f"share of ruptures repaired, {arm}", "estimate": summary.loc[arm, "repaired"],
                     "ci_low": float("nan"), "ci_high": float("nan"), "n": int(n_ruptures[arm])})  # fmt: skip
    return pd.DataFrame(rows)


_P = ParamSpec("_P")
_T = TypeVar("_T")


class _Counting(Executor):
    """Runs each unit of work at once, here, and calls ``tick`` after each (a progress bar)."""

    def __init__(self, tick: Callable[[], object]) -> None:
        self._tick = tick

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 -- handed to the caller through the future
            future.set_exception(error)
        self._tick()
        return future


class FeedbackExplorer(Explorer):
    """Set the therapists' commitment, openness and self-doubt; run feedback off vs on.

    Parameters
    ----------
    commitment, openness, self_doubt : float, default 0.6, 0.6 and 0.5
        Starting therapist means (0-1); each therapist varies around them by ``spread``.
    n_groups : int, default 40
        Starting groups per arm (one of :attr:`GROUP_COUNTS`).
    seed : int, default 1
        Seed shared by both arms and every run, so runs differ only in the settings.
    spread : float, default 0.05
        SD of each factor between therapists (fixed, small; 0 to 0.5).
    run : bool, default True
        Run a first trial at once. All parameters are keyword only.

    Attributes
    ----------
    controls : dict
        The sliders and ``"n_groups"`` (see :class:`~gqkit.widgets.Explorer`).
    sliders : dict
        Factor name -> ``FloatSlider``.
    groups : Dropdown
        Groups per arm.
    button : Button
        "Run trial"; the only control that runs one.
    progress : IntProgress
        Units of work done (each arm is cut into slices of about 20 groups), plus one for drawing.
    result : Trial or None
        The latest trial; ``ran_with`` holds the values it was run with (:meth:`current` at that run).
    table : DataFrame or None
        :func:`feedback_table` of ``result``.
    stale : bool
        True when a control moved since the last run.
    runs : int
        Trials run so far.

    Examples
    --------
    >>> ex = FeedbackExplorer(n_groups=40, run=False)
    >>> ex.sliders["commitment"].value = 0.9
    >>> ex.runs, ex.stale
    (0, True)
    >>> ex.button.click()
    >>> ex.runs, ex.stale, ex.ran_with["commitment"]
    (1, False, 0.9)
    """

    GROUP_COUNTS = (40, 80, 160)
    CONTROLS = ("commitment", "openness", "self_doubt", "n_groups")
    RETRY = "still showing the last trial that ran; change a setting and press Run trial again"
    STALE = '<p class="gq-stale" style="color:#8c510a">Settings changed: press <b>Run trial</b> to simulate them.</p>'

    def __init__(
        self, *, commitment: float = 0.6, openness: float = 0.6, self_doubt: float = 0.5, n_groups: int = 40,
        seed: int = 1, spread: float = 0.05, run: bool = True,
    ):  # fmt: skip
        start = {"commitment": commitment, "openness": openness, "self_doubt": self_doubt}
        check_seed(seed)
        if isinstance(spread, bool) or not isinstance(spread, (int, float)) or not 0 <= spread <= 0.5:
            raise GQConfigError("spread", spread, "an SD of therapists around each mean, from 0 to 0.5")
        self.seed, self.spread = seed, spread
        W = widgets
        labels = {"commitment": "commitment", "openness": "openness", "self_doubt": "self-doubt"}
        self.sliders = {
            name: W.FloatSlider(min=0.0, max=1.0, step=0.05, description=labels[name], continuous_update=False,
                                style={"description_width": "100px"}, layout=W.Layout(width="340px"))  # fmt: skip
            for name in start
        }
        self.groups = W.Dropdown(options=[(f"{n} groups per arm", n) for n in self.GROUP_COUNTS],
                                 description="size", style={"description_width": "100px"}, layout=W.Layout(width="340px"))  # fmt: skip
        self.button = W.Button(description="Run trial", button_style="primary", icon="play", layout=W.Layout(width="150px"))
        self.progress = W.IntProgress(value=0, min=0, max=1, description="", layout=W.Layout(width="160px"))
        self.summary = W.HTML()
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.result: Trial | None = None
        self.table: pd.DataFrame | None = None
        self.ran_with: dict[str, Any] = {}
        self.stale = True
        self.runs = 0
        self.figure = Figure(figsize=(11, 3.9))
        self.axes = tuple(self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]}))
        self.figure.subplots_adjust(left=0.07, right=0.985, top=0.88, bottom=0.14, wspace=0.28)
        self.button.on_click(lambda button: self._update())
        therapists = W.VBox([W.HTML("<b>Therapists</b> (means; each varies a little)"), *self.sliders.values()],
                            layout=W.Layout(margin="0 24px 6px 0"))  # fmt: skip
        run_box = W.VBox([W.HTML(f"<b>Trial</b>: feedback off vs on, seed {seed}"), self.groups,
                          W.HBox([self.button, self.progress], layout=W.Layout(align_items="center"))])  # fmt: skip
        head = W.HBox([therapists, run_box], layout=W.Layout(flex_flow="row wrap"))
        super().__init__({**self.sliders, "n_groups": self.groups}, [head], [self.image, self.summary], given={**start, "n_groups": n_groups}, draw=run)
        if not run:
            self.message.value = '<p class="gq-stale">Press <b>Run trial</b> to simulate.</p>'

    def current(self) -> dict[str, Any]:
        """The controls' values now: factor means and n_groups.

        Returns
        -------
        dict
            ``commitment``, ``openness``, ``self_doubt`` (float) and ``n_groups`` (int).
        """
        return {name: s.value for name, s in self.sliders.items()} | {"n_groups": self.groups.value}

    def code(self) -> str:
        """The gqkit calls that make the trial shown: ``table`` holds the numbers under the figure.

        Returns
        -------
        str
            Python source for the controls' values now (the trial the button would run); run it
            and ``table`` equals ``self.table`` after that run.
        """
        c = self.current()
        trial_call = call("feedback_trial", c["n_groups"], seed=self.seed, spread=self.spread, **{k: c[k] for k in FACTORS})
        return "\n".join(["from gqkit.feedback_widgets import feedback_table, feedback_trial", "from gqkit.plots import trial_change", "",
                          f"result = {trial_call}", "table = feedback_table(result)", 'trial_change(result, by="not_on_track")'])  # fmt: skip

    def _changed(self, change: Mapping) -> None:
        """Cheap: a control moved, so the result shown (and a warning about a failed run) no longer matches the controls."""
        self.error = None
        self.stale = self.current() != self.ran_with
        self.message.value = self.STALE if self.stale else ""

    def _redraw(self) -> None:
        """Run the trial for the current settings and show it (what the button does)."""
        settings = self.current()
        n = settings["n_groups"]
        chunks = max(1, n // 20)
        self.progress.max, self.progress.value = 2 * chunks + 1, 0
        self.message.value = f'<p class="gq-running">Simulating {n} groups per arm ...</p>'

        def tick() -> None:
            self.progress.value += 1

        self.button.disabled = True
        try:
            factors = {k: settings[k] for k in FACTORS}
            result = feedback_trial(n, seed=self.seed, spread=self.spread, executor=_Counting(tick), chunks=chunks, **factors)
            table = feedback_table(result)
            self._draw(result, table)
            self.image.value = figure_png(self.figure)
        finally:
            self.button.disabled = False
        self.progress.value = self.progress.max
        self.result, self.table, self.ran_with = result, table, settings
        self.stale = False
        self.runs += 1
        self.summary.value = self._summary_html()

    def _draw(self, result: Trial, table: pd.DataFrame) -> None:
        left, right = self.axes
        left.clear()
        right.clear()
        trial_change(result, by="not_on_track", ax=left)
        left.set_title("OQ-45 change by arm (diamonds: mean, 95% CI)", fontsize=10)
        left.set_ylabel("OQ-45 change (positive = better)")
        if left.get_legend() is not None:
            sns.move_legend(left, "upper center", ncols=2, title=None, frameon=False, fontsize=8)
        rows = table.iloc[:2]
        names = ["everyone", "not on track"]
        colours = ["#0072B2", "#D55E00"]
        y = range(len(rows))
        err = [rows["estimate"] - rows["ci_low"], rows["ci_high"] - rows["estimate"]]
        right.errorbar(rows["estimate"], list(y), xerr=err, fmt="none", ecolor="grey", capsize=4)
        right.scatter(rows["estimate"], list(y), c=colours, marker="D", zorder=3)
        right.axvline(0, color="grey", linewidth=0.8)
        right.set_yticks(list(y), names)
        right.set_ylim(-0.6, 1.6)
        right.invert_yaxis()
        right.set_xlabel("Hedges g, feedback vs none (95% CI)")
        right.set_title("Benefit of feedback", fontsize=10)

    def _summary_html(self) -> str:
        t, s = self.table, self.ran_with
        assert t is not None, "_redraw sets the table before the summary"
        cells = []
        for _, r in t.iterrows():
            ci = "" if pd.isna(r["ci_low"]) else f"{r['ci_low']:.2f} to {r['ci_high']:.2f}"
            cells.append(f'<tr><td style="text-align:left">{html.escape(r["result"])}</td><td><b>{r["estimate"]:.2f}</b></td>'
                         f"<td>{ci}</td><td>{r['n']}</td></tr>")  # fmt: skip
        head = (f"commitment {s['commitment']:.2f}, openness {s['openness']:.2f}, self-doubt {s['self_doubt']:.2f}; "
                f"{s['n_groups']} groups per arm, seed {self.seed}")  # fmt: skip
        return (f'<p style="margin:2px 0">Run {self.runs}: {head}</p>'
                '<table class="gq-feedback-table"><tr><th style="text-align:left">result</th><th>estimate</th>'
                "<th>95% CI</th><th>n</th></tr>" + "".join(cells) + "</table>"
                '<p style="font-size:90%;color:#555">n: members compared (for repair rates: ruptures in that arm).</p>')  # fmt: skip
