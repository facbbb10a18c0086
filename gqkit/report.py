"""GQ-style feedback reports: the status and change alerts of a group's members, as one HTML page.

GQ feedback reports show a group's therapist, after each session, which members' relationship
scores are in an at-risk range (status alerts) and which have worsened reliably since the
member's previous session (change alerts) (Burlingame et al., 2018). This module is a thin layer
over :mod:`gqkit.scoring` and :mod:`gqkit.detect`: :func:`report_alerts` runs a
:class:`~gqkit.detect.StatusAlert` and a :class:`~gqkit.detect.ChangeAlert` on the subscales and
at each level (member-member, member-leader, member-group), and :func:`feedback_report` lays
them out as one self-contained HTML document (inline CSS, figures as embedded PNG images; no
scripts, no external files), a page per group and a page per member.

The thresholds are the rules' own: by default gqkit's norm-based ones (:data:`gqkit.detect.NORM_MEAN`,
:data:`gqkit.detect.NORM_SD`, :data:`gqkit.detect.NORM_CHANGE_SD`), which come from gqkit's
simulation model, since the GQ manual's norms and cutoffs are proprietary.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib import style as mpl_style
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from PIL import Image

from .detect import DETECTION_COLUMNS, WORSE, ChangeAlert, Rule, ScorePanel, StatusAlert
from .errors import GQConfigError
from .instrument import LEVEL_NAMES, LEVELS, SCALE_NAMES, SCALES, Instrument, instrument_or_default
from .plots.alerts import ALERT_COLOURS, ALERT_STYLES, alert_heatmaps
from .scoring import score

__all__ = ["feedback_report", "report_alerts"]

ALL_LEVELS = ("all", *LEVELS)
KINDS = ("status", "change")
_DPI = 90  # sharp enough on screen; a group of 8 members x 16 sessions stays under 1 MB
_LEVEL_LINES: dict[str, dict[str, Any]] = {  # the member page's facet lines: Okabe-Ito colours other than the alert and rupture ones, and a line style each
    "MM": dict(color="#56B4E9", linestyle=(0, (1, 1.5))),
    "ML": dict(color="#0072B2", linestyle=(0, (4, 1.5))),
    "MG": dict(color="#999999", linestyle=(0, (4, 1.5, 1, 1.5))),
}
_WIDTH = 11.4  # inches: about 1,030 pixels, the width of the page's text
_RC: Any = {"font.size": 10, "axes.titlesize": 10.5, "axes.labelsize": 10, "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 9.5,
       "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": _DPI, "savefig.dpi": _DPI}  # fmt: skip


# -- the alerts ----------------------------------------------------------------------------------
def _checked_rules(change: object, status: object) -> tuple[StatusAlert, ChangeAlert]:
    """The two rules, defaults filled in; anything else is refused."""
    status = StatusAlert() if status is None else status
    change = ChangeAlert() if change is None else change
    if not isinstance(status, StatusAlert):
        raise GQConfigError("status", status, "None (the norm-based StatusAlert()) or a gqkit.detect.StatusAlert")
    if not isinstance(change, ChangeAlert):
        raise GQConfigError("change", change, "None (the norm-based ChangeAlert()) or a gqkit.detect.ChangeAlert")
    return status, change


def _rule_at(rule: Rule, level: str, facets: Iterable[tuple[str, str]]) -> Rule | None:
    """A copy of ``rule`` at ``level``, watching those of its scales that have scores there (None: none has)."""
    present = set(facets)
    scales = tuple(s for s in getattr(rule, "scales") if (s, level) in present)
    return rule.replace(level=level, scales=scales) if scales else None


def _empty_alerts() -> pd.DataFrame:
    types = {"group": str, "member": "string", "session": "int64", "onset": "int64", "pre": "Int64", "post": "Int64",
             "level": str, "scale": str, "rule": str, "strength": float, "alert": str}  # fmt: skip
    return pd.DataFrame({c: pd.Series(dtype=types[c]) for c in [*DETECTION_COLUMNS, "alert"]})


def _alerts_of(panel: ScorePanel, status: StatusAlert, change: ChangeAlert) -> pd.DataFrame:
    """:func:`report_alerts` on a panel built once."""
    parts = []
    for kind, rule in (("status", status), ("change", change)):
        for level in ALL_LEVELS:
            at = _rule_at(rule, level, panel.facets)
            if at is not None:
                found = at.detect(panel)
                if len(found):
                    parts.append(found.assign(alert=kind))
    if not parts:
        return _empty_alerts()
    out = pd.concat(parts, ignore_index=True)
    unit = {(g, m): i for i, (g, m) in enumerate(zip(panel.units["group"], panel.units["member"]))}
    keys = pd.DataFrame({
        "unit": [unit.get((g, m), -1) for g, m in zip(out["group"], out["member"].astype(object))],
        "session": out["session"].to_numpy(),
        "kind": out["alert"].map({k: i for i, k in enumerate(KINDS)}).to_numpy(),
        "level": out["level"].map({lv: i for i, lv in enumerate(ALL_LEVELS)}).fillna(len(ALL_LEVELS)).to_numpy(),
        "scale": [SCALES.index(s) if s in SCALES else len(SCALES) for s in out["scale"]],
        "name": out["scale"].to_numpy(object),
    })  # fmt: skip
    order = keys.sort_values(["unit", "session", "kind", "level", "scale", "name"], kind="stable").index
    return out.loc[order].reset_index(drop=True)


def report_alerts(scores: pd.DataFrame, *, change: ChangeAlert | None = None, status: StatusAlert | None = None) -> pd.DataFrame:
    """The status and change alerts a GQ-style feedback report shows, on the subscales and at each level.

    Each rule runs on the three subscales (level ``"all"``) and, as a copy with ``level`` set to
    MM, ML and MG and ``scales`` cut to the scales that have items at that level (PW has none
    at member-member), at each level -- as :class:`gqkit.widgets.DetectionExplorer` builds a
    rule for a level. A rule's own ``level`` is replaced; its other parameters are kept. By
    default each facet has its own norm-based threshold (:class:`~gqkit.detect.StatusAlert`,
    :class:`~gqkit.detect.ChangeAlert`).

    Parameters
    ----------
    scores : DataFrame
        Tidy scores (:func:`gqkit.score`'s output).
    change : ChangeAlert, optional
        The change alert (a reliable worsening since the member's previous attended session);
        default ``ChangeAlert()``.
    status : StatusAlert, optional
        The status alert (a score in the at-risk range); default ``StatusAlert()``.

    Returns
    -------
    DataFrame
        The rules' detections (columns of :data:`gqkit.detect.DETECTION_COLUMNS`) and a column
        ``alert``, ``"status"`` or ``"change"``; sorted by group and member (in the order of
        :meth:`gqkit.detect.ScorePanel.from_scores`), session, alert (status first), level
        (all, MM, ML, MG) and scale (PB, PW, NR).

    Raises
    ------
    GQConfigError
        If ``change`` or ``status`` is not such a rule, or ``scores`` is not a DataFrame.
    GQDataError
        If ``scores`` is not a scores table a rule can read.

    Examples
    --------
    >>> from gqkit import load_example
    >>> alerts = report_alerts(load_example("classroom").scores())
    >>> alerts.query("member == 'm02' and alert == 'change'")[["session", "scale", "level"]].to_dict("records")  # a member-member rupture at 5
    [{'session': 5, 'scale': 'NR', 'level': 'all'}, {'session': 5, 'scale': 'PB', 'level': 'MM'}, {'session': 5, 'scale': 'NR', 'level': 'MM'}]
    """
    status_rule, change_rule = _checked_rules(change, status)
    return _alerts_of(ScorePanel.from_scores(scores), status_rule, change_rule)


# -- figures -------------------------------------------------------------------------------------
def _png(fig: Figure, alt: str) -> str:
    """An ``<img>`` with the figure as an embedded PNG (no metadata, so the bytes depend on the drawing only)."""
    drawn, small = io.BytesIO(), io.BytesIO()
    fig.savefig(drawn, format="png", dpi=_DPI, metadata={"Software": None}, facecolor="white")
    with Image.open(drawn) as image:  # 256 colours (no dithering) take a third of the bytes of full colour, and look the same
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(small, format="png", optimize=True)
    data = base64.b64encode(small.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _group_means(g_scores: pd.DataFrame, scales: list[str]) -> str:
    """The group's mean per subscale and session (members' own lines faint behind it)."""
    fig = Figure(figsize=(_WIDTH, 2.8))
    fig.subplots_adjust(left=0.05, right=0.99, top=0.9, bottom=0.27, wspace=0.15)
    axes = fig.subplots(1, len(scales), squeeze=False)[0]
    sub = g_scores[g_scores["level"] == "all"]
    for ax, scale in zip(axes, scales):
        rows = sub[sub["scale"] == scale].dropna(subset=["score"])
        for _, path in rows.groupby("member", sort=True):
            path = path.sort_values("session")
            ax.plot(path["session"], path["score"], color="#BBBBBB", linewidth=0.7, zorder=1)
        mean = rows.groupby("session", sort=True)["score"].mean()
        ax.plot(mean.index, mean.to_numpy(), color="#000000", marker="o", markersize=3, linewidth=1.8, zorder=2)
        ax.set_ylim(1, 7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{SCALE_NAMES.get(scale, scale)} ({scale}): group mean")
        ax.set_xlabel("session")
    axes[0].set_ylabel("score (1-7)")
    handles = [Line2D([], [], color="#000000", marker="o", markersize=3, linewidth=1.8, label="group mean (members who answered)"),
               Line2D([], [], color="#BBBBBB", linewidth=0.7, label="each member")]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, borderaxespad=0.2)
    return _png(fig, "the group's mean score per session on each subscale")


def _group_heatmaps(g_scores: pd.DataFrame, alerts: pd.DataFrame, group: str, scales: list[str], n_members: int) -> str:
    """Member x session heatmaps, a row per subscale and a column per level, the alerts marked."""
    row_height = 1.0 + 0.2 * max(n_members, 2)
    fig = Figure(figsize=(_WIDTH, row_height * len(scales) + 0.4), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.06, hspace=0.04)  # type: ignore[union-attr, call-arg]
    grid = fig.add_gridspec(len(scales), 4, width_ratios=[1, 1, 1, 0.03])
    for r, scale in enumerate(scales):
        axes = [fig.add_subplot(grid[r, c]) for c in range(3)]
        cbar = fig.add_subplot(grid[r, 3])
        alert_heatmaps(g_scores, alerts, scale=scale, group=group, axes=axes, colorbar=cbar, legend=r == len(scales) - 1)
        for ax, level in zip(axes, LEVELS):
            if not ax.get_images():  # no items at this level: say so in the middle of the empty panel
                ax.set_title("")
                ax.set_axis_off()
                ax.text(0.5, 0.5, f"{SCALE_NAMES.get(scale, scale)}:\nno {LEVEL_NAMES[level]} items", ha="center", va="center", color="#555555",
                        transform=ax.transAxes)  # fmt: skip
            elif ax is not axes[-1]:
                ax.set_xlabel("")
    return _png(fig, "member by session heatmaps of each subscale at each level, with status and change alerts marked")


def _member_figure(m_scores: pd.DataFrame, m_alerts: pd.DataFrame, scales: list[str], status: StatusAlert) -> str:
    """A member's trajectory per subscale (bold) and its facets (thin), the subscale's status cutoff, the alerts marked."""
    fig = Figure(figsize=(_WIDTH, 3.0))
    fig.subplots_adjust(left=0.05, right=0.99, top=0.9, bottom=0.31, wspace=0.15)  # fixed margins: quicker than a layout engine, and room for the legend
    axes = fig.subplots(1, len(scales), squeeze=False)[0]
    sessions = m_scores["session"].to_numpy(dtype=float)
    low, high = (sessions.min(), sessions.max()) if len(sessions) else (1.0, 1.0)
    cutoffs = _limits(status, m_scores)
    lookup = _score_lookup(m_scores)
    worse = _worse(status)
    for ax, scale in zip(axes, scales):
        for level in ALL_LEVELS:
            path = m_scores[(m_scores["scale"] == scale) & (m_scores["level"] == level)].sort_values("session")
            if path.empty:
                continue
            style: dict[str, Any]
            if level == "all":
                style = dict(color="#000000", linewidth=2.0, marker="o", markersize=3.5, zorder=3)
            else:
                style = dict(**_LEVEL_LINES[level], linewidth=1.1, marker="o", markersize=2, zorder=2)
            ax.plot(path["session"], path["score"], **style)
        cut = cutoffs.get((scale, "all"))
        if cut is not None:
            ax.axhline(cut, color=ALERT_COLOURS["status"], linestyle="--", linewidth=1.2, zorder=1)
            bad_side = (1, cut) if worse.get(scale, -1.0) < 0 else (cut, 7)
            ax.axhspan(*bad_side, color=ALERT_COLOURS["status"], alpha=0.08, linewidth=0, zorder=0)
        for kind, style in ALERT_STYLES.items():
            these = m_alerts[(m_alerts["alert"] == kind) & (m_alerts["scale"] == scale)]
            points = [(s, lookup.get((s, scale, lv), np.nan)) for s, lv in zip(these["session"], these["level"])]
            ax.scatter([p[0] for p in points], [p[1] for p in points], s=70 if kind == "status" else 30, zorder=4, **style)
        ax.set_ylim(1, 7)
        ax.set_xlim(low - 0.6, high + 0.6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{SCALE_NAMES.get(scale, scale)} ({scale})")
        ax.set_xlabel("session")
    axes[0].set_ylabel("score (1-7)")
    lines = [Line2D([], [], color="#000000", linewidth=2.0, marker="o", markersize=3.5, label="whole subscale")]
    lines += [Line2D([], [], **_LEVEL_LINES[lv], linewidth=1.1, marker="o", markersize=2, label=LEVEL_NAMES[lv]) for lv in LEVELS]
    marks = [Line2D([], [], color=ALERT_COLOURS["status"], linestyle="--", linewidth=1.2, label="status cutoff (subscale)")]
    marks += [Line2D([], [], linestyle="none", marker=style["marker"], markersize=7 if kind == "status" else 5.5,
                     markerfacecolor="none" if kind == "status" else style["color"],
                     markeredgecolor=style["edgecolors"], markeredgewidth=style["linewidths"], label=style["label"])
              for kind, style in ALERT_STYLES.items()]  # fmt: skip
    handles = [h for pair in zip(lines, [*marks, None]) for h in pair if h is not None]  # two rows: the lines, then the cutoff and the marks
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, handlelength=2.4, columnspacing=1.5, borderaxespad=0.2)
    return _png(fig, "the member's scores per session on each subscale and level, with the status cutoff and the alerts")


# -- tables and words ----------------------------------------------------------------------------------
def _worse(rule: Rule) -> dict[str, float]:
    return {**WORSE, **(getattr(rule, "worse", None) or {})}


def _limits(rule: StatusAlert | ChangeAlert, scores: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Each facet's status cutoff or change threshold, as the rule copied to each level (:func:`_rule_at`) applies it."""
    facets = _facets(scores)
    out = {}
    for level in ALL_LEVELS:
        at = _rule_at(rule, level, facets)
        if isinstance(at, (StatusAlert, ChangeAlert)):
            values = at.limits() if isinstance(at, StatusAlert) else at.thresholds()
            out.update({(s, level): float(v) for s, v in zip(at.scales, values)})
    return out


def _facets(scores: pd.DataFrame) -> list[tuple[str, str]]:
    """The (scale, level) pairs of ``scores``: GQ scales first (PB, PW, NR), then levels all, MM, ML, MG."""
    pairs = scores[["scale", "level"]].drop_duplicates()
    found = [(str(s), str(lv)) for s, lv in zip(pairs["scale"], pairs["level"])]
    rank = {s: i for i, s in enumerate(SCALES)}
    return sorted(found, key=lambda f: (rank.get(f[0], len(SCALES)), f[0], ALL_LEVELS.index(f[1]) if f[1] in ALL_LEVELS else len(ALL_LEVELS), f[1]))


def _score_lookup(scores: pd.DataFrame) -> dict[tuple[int, str, str], float]:
    """(session, scale, level) -> score, for one member's scores."""
    return {(int(s), str(sc), str(lv)): float(v) for s, sc, lv, v in zip(scores["session"], scores["scale"], scores["level"], scores["score"])}


def _fmt(value: float) -> str:
    return "–" if value != value else f"{value:.2f}"


def _ranges(sessions: list[int]) -> str:
    """1, 2, 3, 5 -> '1–3, 5'."""
    runs: list[list[int]] = []
    for s in sorted(sessions):
        if runs and s == runs[-1][1] + 1:
            runs[-1][1] = s
        else:
            runs.append([s, s])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


_SYMBOLS = {"status": "□", "change": "▼"}


def _flags(kinds: Iterable[str]) -> str:
    return "".join(f' <span class="flag {k}" title="{k} alert">{_SYMBOLS[k]}</span>' for k in KINDS if k in set(kinds))


def _latest_table(g_scores: pd.DataFrame, alerts: pd.DataFrame, members: list[str], facets: list[tuple[str, str]], anchors: dict[str, str]) -> str:
    """Members x facets at each member's latest answered session, alerts of that session flagged."""
    scored = g_scores.dropna(subset=["score"])
    latest = scored.groupby("member")["session"].max()
    fallback = g_scores.groupby("member")["session"].max()
    flagged: dict[tuple[str, int, str, str], list[str]] = {}
    for m, s, sc, lv, k in zip(alerts["member"].astype(object), alerts["session"], alerts["scale"], alerts["level"], alerts["alert"]):
        flagged.setdefault((str(m), int(s), str(sc), str(lv)), []).append(str(k))
    by_scale: dict[str, list[str]] = {}
    for scale, level in facets:
        by_scale.setdefault(scale, []).append(level)
    two_rows = any(lv != "all" for _, lv in facets)
    head = '<tr><th rowspan="2">member</th><th rowspan="2">session</th>' if two_rows else "<tr><th>member</th><th>session</th>"
    head += "".join(f'<th colspan="{len(lvs)}" class="scale">{html.escape(scale)}</th>' if two_rows else f"<th>{html.escape(scale)}</th>"
                    for scale, lvs in by_scale.items())  # fmt: skip
    head += "</tr>"
    if two_rows:
        head += "<tr>" + "".join(f"<th>{html.escape(lv)}</th>" for _, lv in facets) + "</tr>"
    lookup = {(str(m), int(s), str(sc), str(lv)): float(v)
              for m, s, sc, lv, v in zip(g_scores["member"], g_scores["session"], g_scores["scale"], g_scores["level"], g_scores["score"])}  # fmt: skip
    body = []
    for member in members:
        session = int(latest[member]) if member in latest.index else int(fallback[member])
        cells = []
        for scale, level in facets:
            kinds = flagged.get((member, session, scale, level), [])
            value = lookup.get((member, session, scale, level), np.nan)
            cls = " ".join(f"a-{k}" for k in KINDS if k in kinds)
            cells.append(f'<td class="num {cls}">{_fmt(value)}{_flags(kinds)}</td>' if cls else f'<td class="num">{_fmt(value)}</td>')
        link = f'<a href="#{anchors[member]}">{html.escape(member)}</a>' if member in anchors else html.escape(member)
        body.append(f"<tr><th class='row'>{link}</th><td class='num'>{session}</td>{''.join(cells)}</tr>")
    return f'<table class="scores"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def _alert_rows(m_alerts: pd.DataFrame, m_scores: pd.DataFrame, status: StatusAlert, change: ChangeAlert, g_scores: pd.DataFrame) -> str:
    """A member's alerts, one row each: session, scale, level, alert, value and what it means."""
    if m_alerts.empty:
        return '<p class="none">No status or change alerts.</p>'
    lookup = _score_lookup(m_scores)
    cutoffs, thresholds = _limits(status, g_scores), _limits(change, g_scores)
    worse_status, worse_change = _worse(status), _worse(change)
    rows = []
    for s, sc, lv, kind, pre in zip(m_alerts["session"], m_alerts["scale"], m_alerts["level"], m_alerts["alert"], m_alerts["pre"]):
        s, sc, lv, kind = int(s), str(sc), str(lv), str(kind)
        value = lookup.get((s, sc, lv), np.nan)
        if kind == "status":
            side = "at or above" if worse_status.get(sc, -1.0) > 0 else "at or below"
            detail = f"{side} the cutoff {_fmt(cutoffs.get((sc, lv), np.nan))}"
        else:
            before = lookup.get((int(pre), sc, lv), np.nan) if not pd.isna(pre) else np.nan
            verb = "rose" if worse_change.get(sc, -1.0) > 0 else "fell"
            detail = f"{verb} {_fmt(abs(value - before))} from {_fmt(before)} at session {int(pre) if not pd.isna(pre) else '?'} (threshold {_fmt(thresholds.get((sc, lv), np.nan))})"
        rows.append(f"<tr><td class='num'>{s}</td><td>{html.escape(sc)}</td><td>{html.escape(lv)}</td>"
                    f"<td class='a-{kind}'>{kind}{_flags([kind])}</td><td class='num'>{_fmt(value)}</td><td>{html.escape(detail)}</td></tr>")  # fmt: skip
    head = "<tr><th>session</th><th>scale</th><th>level</th><th>alert</th><th>value</th><th>detail</th></tr>"
    return f'<table class="alerts"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _rules_in_words(status: StatusAlert, change: ChangeAlert, scores: pd.DataFrame) -> str:
    """The two rules, their parameters, and each facet's cutoff and threshold."""
    if status.cutoffs is None:
        how_status = (f"each facet's cutoff lies z = {status.z:g} norm SDs beyond its norm mean (gqkit's norms), as Jacobson & Truax (1991) "
                      "place a cutoff two SDs beyond a reference group's mean")  # fmt: skip
    else:
        how_status = "the cutoffs were given: " + ", ".join(f"{html.escape(str(k))} {float(v):g}" for k, v in status.cutoffs.items()) + " (the same at every level)"
    if change.threshold is None:
        how_change = f"each facet's threshold is z = {change.z:g} times its norm SD of session-to-session change (gqkit's norms; the S_diff of Jacobson & Truax, 1991)"
    else:
        how_change = f"a fixed threshold of {change.threshold:g} points at every level"
    cutoffs, thresholds = _limits(status, scores), _limits(change, scores)
    worse_status, worse_change = _worse(status), _worse(change)
    rows = []
    for scale, level in _facets(scores):
        cut, thr = cutoffs.get((scale, level)), thresholds.get((scale, level))
        cut_text = "–" if cut is None else f"{'≥' if worse_status.get(scale, -1.0) > 0 else '≤'} {cut:.2f}"
        thr_text = "–" if thr is None else f"{'rise' if worse_change.get(scale, -1.0) > 0 else 'drop'} &gt; {thr:.2f}"
        rows.append(f"<tr><td>{html.escape(scale)}</td><td>{html.escape(LEVEL_NAMES.get(level, level))}</td><td class='num'>{cut_text}</td><td class='num'>{thr_text}</td></tr>")
    table = ('<table class="rules"><thead><tr><th>scale</th><th>level</th><th>status alert when the score is</th>'
             f'<th>change alert when the score shows a</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')  # fmt: skip
    return (f"<p><b>Status alert</b> ({_SYMBOLS['status']}): a score in the at-risk range, bond or work too low or negative relationship "
            f"too high; {how_status}.</p><p><b>Change alert</b> ({_SYMBOLS['change']}): a worsening since the member's previous answered "
            f"session larger than the threshold; {how_change}.</p>{table}")  # fmt: skip


_NOTE = """<p><b>How to read this report.</b> A <i>status alert</i> says where a member stands: one of their relationship
scores is in a range that few members reach, with too little bond or work, or too much negative relationship. A
<i>change alert</i> says where a member is heading: the score worsened since their previous session by more than it
usually moves by chance. GQ feedback reports give the group's therapist both kinds of alert after each session
(Burlingame et al., 2018). Shown here for the whole subscale and for each level (member-member, member-leader,
member-group), they also hint at where a strain lies (Burlingame, Alldredge & Arnold, 2021). An alert is a prompt to
look and ask, not a finding: members who never alert can struggle, and alerts can be noise.</p>"""

_FROM_NORMS = """<p><b>Where the thresholds come from.</b> The GQ manual's norms and cutoffs are proprietary; gqkit's norms come
from its own simulation model (members' first sessions in 1,000 simulated groups), so {} illustrative and not the
GQ's.</p>"""
_GIVEN = """<p><b>Where the thresholds come from.</b> They were given for this report (below). The GQ manual's norms and
cutoffs are proprietary; gqkit's own norms come from its simulation model.</p>"""

_ITEMS_NOTE = """<p><b>The items.</b> {}</p>"""

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1a1a1a;
       max-width: 1100px; margin: 0 auto; padding: 18px 24px 40px; line-height: 1.4; font-size: 14px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 0 0 8px; border-bottom: 2px solid #0072B2; padding-bottom: 3px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #444; margin: 0 0 10px; }
.note { background: #f5f7fa; border-left: 4px solid #0072B2; padding: 6px 14px; margin: 10px 0; }
.note p { margin: 6px 0; }
nav p { margin: 3px 0; }
section.page { border-top: 1px solid #ccc; margin-top: 28px; padding-top: 14px; break-before: page; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid #d0d0d0; padding: 2px 7px; text-align: left; vertical-align: middle; }
thead th { background: #eef1f5; text-align: center; } th.row { font-weight: 600; background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.a-status { background: #f7e4ee; } td.a-change { background: #fdf0d5; } td.a-status.a-change { background: linear-gradient(135deg, #f7e4ee 50%, #fdf0d5 50%); }
.flag { font-weight: 700; } .flag.status { color: #A0497A; } .flag.change { color: #B07300; }
.key { font-size: 12.5px; color: #333; margin: 2px 0 4px; }
img { max-width: 100%; height: auto; display: block; margin: 4px 0; }
.none { color: #555; font-style: italic; }
@media print { body { max-width: none; } section.page { border-top: none; } }
"""


def _thresholds_note(status: StatusAlert, change: ChangeAlert) -> str:
    """Where the thresholds come from: gqkit's norms, the user, or both."""
    normed = [name for name, uses in (("the status cutoffs", status.cutoffs is None), ("the change thresholds", change.threshold is None)) if uses]
    return _FROM_NORMS.format(" and ".join(normed) + (" are" if normed else "")) if normed else _GIVEN


def _key() -> str:
    return (f'<p class="key"><span class="flag status">{_SYMBOLS["status"]}</span> status alert (at-risk score) &nbsp; '
            f'<span class="flag change">{_SYMBOLS["change"]}</span> change alert (reliable worsening since the previous session) &nbsp; '
            "– no score</p>")  # fmt: skip


# -- the report --------------------------------------------------------------------------------------------
def _choose(name: str, value: object, options: list[str], where: str) -> None:
    if value is not None and value not in options:
        shown = ", ".join(repr(o) for o in options[:12]) + (f", ... ({len(options)} in all)" if len(options) > 12 else "")
        raise GQConfigError(name, value, f"a {name} {where}: {shown} (or None for every {name})")


def feedback_report(
    responses: pd.DataFrame,
    *,
    group: str | None = None,
    member: str | None = None,
    instrument: Instrument | None = None,
    change: ChangeAlert | None = None,
    status: StatusAlert | None = None,
    source: str = "",
    title: str | None = None,
) -> str:
    """A GQ-style feedback report: one self-contained HTML document, a page per group and per member.

    In the manner of the GQ feedback reports of the feedback trial (Burlingame et al., 2018). A
    short header names the source, counts groups, members and sessions, states both rules and
    each facet's threshold, and says what the alerts mean. Then, for each group (or only
    ``group``), a group page: every member's subscale scores and facet scores at their latest
    answered session, with the status and change alerts of that session flagged; the group's
    mean per session on each subscale; and member x session heatmaps at each level for each
    subscale with every alert marked (:func:`gqkit.plots.alert_heatmaps`). Then a page per
    member (or only ``member``): their scores per session on each subscale (bold) and level
    (thin), the subscale's status cutoff and the alerts marked, and every alert listed.

    The alerts are :func:`report_alerts`' (nothing is computed here that scoring and the rules
    do not give). Missed sessions stay gaps (a change alert compares with the member's
    previous answered session); a member with one session has no change alerts. The
    document has inline CSS and its figures as embedded PNG images, and loads nothing (no
    scripts, stylesheets, fonts or images from elsewhere); the same input gives the same bytes.

    Parameters
    ----------
    responses : DataFrame
        The tidy responses table (:func:`gqkit.read_responses`' output, or a cohort's
        ``responses``).
    group : str, optional
        Report only this group; default every group.
    member : str, optional
        Give a page to this member only (in each reported group that has them); default every
        member.
    instrument : Instrument, optional
        The item key used to score; default :meth:`gqkit.Instrument.default`.
    change : ChangeAlert, optional
        The change alert; default ``ChangeAlert()`` (norm-based thresholds per facet).
    status : StatusAlert, optional
        The status alert; default ``StatusAlert()`` (norm-based cutoffs per facet).
    source : str
        Where the responses came from (e.g. the file name), shown in the header.
    title : str, optional
        The document's title; default "GQ-style feedback report".

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    GQConfigError
        If ``responses`` is not a DataFrame or has no scores, ``group`` or ``member`` is not in
        the data, or a rule or text parameter is of the wrong kind.

    Examples
    --------
    >>> from gqkit import load_example
    >>> page = feedback_report(load_example("classroom").responses, member="m03", source="classroom")
    >>> page.startswith("<!DOCTYPE html>"), page.count('<section class="page member"'), "m03" in page
    (True, 1, True)
    >>> feedback_report(load_example("classroom").responses, group="g9")
    Traceback (most recent call last):
    gqkit.errors.GQConfigError: group='g9' is not allowed: expected a group in the data: 'g001' (or None for every group)
    """
    if not isinstance(responses, pd.DataFrame):
        raise GQConfigError("responses", type(responses).__name__, "the tidy responses table (gqkit.read_responses' output), a DataFrame")
    status_rule, change_rule = _checked_rules(change, status)
    if not isinstance(source, str):
        raise GQConfigError("source", source, "text naming where the responses came from (or '')")
    if title is not None and not isinstance(title, str):
        raise GQConfigError("title", title, "None or text")
    inst = instrument_or_default(instrument)
    scores = score(responses, inst)
    if scores.empty:
        raise GQConfigError("responses", "a table without answers", "the answers of at least one member")
    scores = scores.astype({"group": str, "member": str})
    panel = ScorePanel.from_scores(scores)
    alerts = _alerts_of(panel, status_rule, change_rule)
    units = panel.units
    groups = list(dict.fromkeys(str(g) for g in units["group"]))
    _choose("group", group, groups, "in the data")
    chosen = groups if group is None else [str(group)]
    members_of = {g: sorted(str(m) for m in units.loc[units["group"] == g, "member"]) for g in chosen}  # the heatmaps' order
    everyone = list(dict.fromkeys(m for g in chosen for m in members_of[g]))
    _choose("member", member, everyone, "in the data" if group is None else f"of group {group!r}")

    with mpl_style.context("default"), rc_context(_RC):
        pages, contents = [], []
        for gi, g in enumerate(chosen, start=1):
            pages_g, links = _group_pages(gi, g, scores, alerts, members_of[g], member, status_rule, change_rule)
            pages += pages_g
            contents.append(links)

    shown = scores[scores["group"].isin(chosen)]
    attended = shown.dropna(subset=["score"])[["group", "member", "session"]].drop_duplicates()
    sessions = sorted(int(s) for s in shown["session"].unique())
    counts = (f"{len(chosen)} group{'s' if len(chosen) != 1 else ''}, {sum(len(members_of[g]) for g in chosen)} members, "
              f"sessions {_ranges(sessions)} ({len(attended)} member-sessions with scores)")  # fmt: skip
    if inst == Instrument.default():
        items = ("gqkit's own illustrative items, with the structure of the Group Questionnaire (GQ; Krogel et al., 2013) but not its "
                 "wording, which belongs to OQ Measures. Scores from them are teaching material, not GQ scores.")  # fmt: skip
    else:
        items = f"the item key that was loaded ({inst.n_items} items); the thresholds are still gqkit's, not the GQ manual's."
    heading = title if title is not None else "GQ-style feedback report"
    header = (f"<header><h1>{html.escape(heading)}</h1>"
              f'<p class="meta">{"Source: <b>" + html.escape(source) + "</b> · " if source else ""}{counts}</p>'
              f'<div class="note">{_NOTE}{_thresholds_note(status_rule, change_rule)}{_ITEMS_NOTE.format(items)}</div>'
              f"<h3>The rules</h3>{_rules_in_words(status_rule, change_rule, shown)}"
              f"<h3>Contents</h3><nav>{''.join(contents)}</nav></header>")  # fmt: skip
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(heading)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{header}\n" + "\n".join(pages) + "\n</body>\n</html>\n")  # fmt: skip


def _group_pages(gi: int, group: str, scores: pd.DataFrame, alerts: pd.DataFrame, members: list[str], only: str | None,
                 status: StatusAlert, change: ChangeAlert) -> tuple[list[str], str]:  # fmt: skip
    """The group's page and its members' pages, and the contents entry linking to them."""
    g_scores = scores[scores["group"] == group]
    g_alerts = alerts[alerts["group"] == group]
    facets = _facets(g_scores)
    scales = list(dict.fromkeys(sc for sc, _ in facets))
    sub = [f for f in facets if f[1] == "all"]
    levels = [f for f in facets if f[1] != "all"]
    paged = [m for m in members if only is None or m == only]
    anchors = {m: f"g{gi}-m{i}" for i, m in enumerate(members, start=1) if m in paged}
    g_id = f"g{gi}"
    g_sessions = sorted(int(s) for s in g_scores["session"].unique())
    n_status, n_change = (int((g_alerts["alert"] == k).sum()) for k in KINDS)
    summary = (f"{len(members)} member{'s' if len(members) != 1 else ''}; sessions {_ranges(g_sessions)}; "
               f"{n_status} status and {n_change} change alert{'s' if n_change != 1 else ''} in all.")  # fmt: skip
    parts = [f'<section class="page group" id="{g_id}"><h2>Group {html.escape(group)}</h2><p class="meta">{summary}</p>']
    parts.append("<h3>Latest scores: subscales</h3><p class='key'>Each member's scores at their latest answered session; "
                 "the flags are that session's alerts.</p>" + _key() + _latest_table(g_scores, g_alerts, members, sub, anchors))  # fmt: skip
    if levels:
        parts.append("<h3>Latest scores: each level</h3>" + _latest_table(g_scores, g_alerts, members, levels, anchors))
    parts.append("<h3>The group over time</h3>" + _group_means(g_scores, scales))
    parts.append("<h3>Each member, session by session, at each level</h3><p class='key'>Dark is worse on every scale; "
                 "blank cells are sessions without a score.</p>" + _group_heatmaps(g_scores, g_alerts, group, scales, len(members)))  # fmt: skip
    parts.append("</section>")
    pages = ["".join(parts)]
    for m in paged:
        m_scores = g_scores[g_scores["member"] == m]
        m_alerts = g_alerts[g_alerts["member"].astype(object) == m]
        answered = sorted(int(s) for s in m_scores.dropna(subset=["score"])["session"].unique())
        n = len(answered)
        info = (f"Group {html.escape(group)}; scores at {n} session{'s' if n != 1 else ''} ({_ranges(answered) or 'none'}); "
                f"{int((m_alerts['alert'] == 'status').sum())} status and {int((m_alerts['alert'] == 'change').sum())} change alerts.")  # fmt: skip
        pages.append(f'<section class="page member" id="{anchors[m]}"><h2>Member {html.escape(m)} <small>(group {html.escape(group)})</small></h2>'
                     f'<p class="meta">{info} <a href="#{g_id}">Back to the group</a></p>'
                     f"{_member_figure(m_scores, m_alerts, scales, status)}<h3>Alerts</h3>"
                     f"{_alert_rows(m_alerts, m_scores, status, change, g_scores)}</section>")  # fmt: skip
    links = " · ".join(f'<a href="#{anchors[m]}">{html.escape(m)}</a>' for m in paged)
    contents = f'<p><a href="#{g_id}"><b>Group {html.escape(group)}</b></a>{": members " + links if links else ""}</p>'
    return pages, contents
