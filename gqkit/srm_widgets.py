"""An explorer for notebook 08: place a rupture between two members and watch the round robin split it.

:class:`RoundRobinExplorer` simulates one quiet group (:func:`gqkit.simulate`, no random
ruptures) with one scripted member-member rupture, lets its members rate each other every
few sessions (:func:`gqkit.round_robin_ratings`) and shows one round robin beside its Social
Relations Model (:func:`gqkit.srm`; Kenny, 1994): the ratings, each member's actor and
partner effect and the relationship effects (:func:`gqkit.plots.srm_decomposition`). A short
text says what the rupture did there, against the same ratings without it. No science here:
the ratings come from the simulator, the effects from :func:`gqkit.srm`; the explorer only
keeps what it computed, so that a change answers quickly.
"""

from __future__ import annotations

import html
import numbers
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import replace
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .errors import GQConfigError, GQDataError
from .plots import round_robin_slice, srm_decomposition
from .plots.round_robin import _slice_srm
from .simulation import Cohort, RoundRobinModel, Rupture, round_robin_ratings, simulate
from .simulation.round_robin import SimulatedRoundRobin
from .srm import SRMResult
from .widgets import Blitter, Explorer

__all__ = ["RoundRobinExplorer"]

_QUIET: dict[str, Any] = {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}
"""No random ruptures and no microaggressions: the placed rupture is the only one."""


def _whole(value: object, low: int, high: int) -> bool:
    """A whole number from low to high, not True or False."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) and low <= int(value) <= high


def _ordinal(n: int) -> str:
    """2 -> "2nd", 4 -> "4th", 11 -> "11th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _member(number: int) -> str:
    return f"m{number:02d}"


class _Cache(OrderedDict):
    """A small dict that forgets the entries used longest ago."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_or(self, key: Hashable, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        while len(self) > self.size:
            self.popitem(last=False)
        return value


class RoundRobinExplorer(Explorer):
    """Place a rupture between two members; see the round robin and its actor, partner and relationship effects.

    One simulated group without random ruptures (:func:`gqkit.simulate`), with one scripted
    member-member rupture: member ``strained`` withdraws from member ``other`` from session
    ``onset`` until the leader repairs it (or never). In every ``every``-th session the members
    rate each other (:func:`gqkit.round_robin_ratings`); while the rupture is open, the strained
    member's ratings of the other carry ``shock`` relationship SDs toward worse (bond down,
    conflict up) and the other's ratings of the strained member 70% of it
    (``RoundRobinModel.source_share``); after the repair what is left halves each session.
    The figure is :func:`gqkit.plots.srm_decomposition` of the round robin of the session and
    item (or kind of item) chosen: the ratings, each member's actor and partner effect, and
    the relationship effects, the ruptured pair outlined while the rupture is open. The text
    below says what the rupture did in that round robin: the difference from the same ratings
    with a shock of 0 (the same group, members and random numbers).

    A group is simulated once per seed, pair, onset and repair, its round robins once per
    shock, and each round robin's SRM once per session and item, and kept; the figure's
    frame is drawn once and only the values move (:class:`gqkit.widgets.Blitter`).

    Parameters
    ----------
    strained : int, default 2
        The strained member (1-based; shown as ``m02``).
    other : int, default 5
        The other member of the pair (not ``strained``).
    onset : int, default 6
        The session the rupture begins (1 to ``n_sessions`` - 1).
    repaired_at : int or "never", optional
        The session the leader repairs it, after the onset; ``"never"`` or None: not repaired.
    shock : float, default 2.0
        The rupture's size in the round robin, in relationship SDs (``RoundRobinModel.shock``),
        0 to 4 in steps of 0.25.
    session : int, default 8
        The round robin shown: one of the rated sessions.
    item : str, default "bond"
        ``"bond"`` or ``"conflict"`` (each pair's mean over the items of that kind), or one item.
    seed : int, default 3
        The group's seed (0 to :attr:`SEED_MAX`).
    n_members : int, default 8
        Members in the group, 4 to 12. Fixed for the explorer's life, like the next three.
    n_sessions : int, default 16
        Sessions in the course, 4 to 40.
    every : int, default 2
        Members rate each other in every ``every``-th session (1 to ``n_sessions``): 2, 4, ...
        with the default. The kit's round robins default to every 4th (``RoundRobinModel.every``);
        the explorer rates more often so that the rupture can be watched come and go.
    limit : float, default 2.0
        The effects' scale runs from ``-limit`` to ``+limit`` points.

    Attributes
    ----------
    controls : dict
        Name -> control: ``strained``, ``other``, ``onset``, ``repaired_at`` (a session or
        :attr:`NEVER`), ``shock``, ``session``, ``item``, ``seed``. Set ``.value`` to drive
        the explorer (see :class:`gqkit.widgets.Explorer`).
    cohort : Cohort
        The simulated group (its ``events`` are the placed rupture and its repair).
    round_robin : SimulatedRoundRobin
        Its round robins (``truth`` says which ordered pairs are in an open rupture).
    ratings : DataFrame
        The round robin shown: :func:`gqkit.plots.round_robin_slice` (rater, target, rating).
    result : SRMResult
        :func:`gqkit.srm` of ``ratings`` (one round robin, every effect kept).
    effect : dict
        What the rupture did in the round robin shown, against a shock of 0: ``relationship``
        (the pair's two directions, ``"m02>m05"`` and ``"m05>m02"``), ``actor`` and
        ``partner`` (the pair's two members), in points; NaN where a member was absent.
    outlined : set of tuple
        The (rater, target) pairs outlined in the figure: the pair's two directions while the
        rupture is open (also when a member was absent: white cells), else none.
    state : str
        Where the session shown stands: ``"before"`` the onset, ``"open"``, ``"repaired"``, or
        ``"absent"`` (a member of the pair missed it).
    image : Image
        The figure as PNG.
    summary : HTML
        What the rupture did, in words.

    Examples
    --------
    >>> ex = RoundRobinExplorer()
    >>> sorted(ex.outlined), ex.state
    ([('m02', 'm05'), ('m05', 'm02')], 'open')
    >>> ex.controls["session"].value = 4  # before the onset
    >>> ex.outlined, ex.state
    (set(), 'before')
    >>> ex.controls["other"].options[:3]  # the strained member is not offered as the other
    (('m01', 1), ('m03', 3), ('m04', 4))
    """

    SEED_MAX = 2**32 - 1
    NEVER = "never"
    SHOCKS = (0.0, 4.0, 0.25)
    """The shock slider's range and step, in relationship SDs."""

    def __init__(
        self,
        *,
        strained: int = 2,
        other: int = 5,
        onset: int = 6,
        repaired_at: int | str | None = None,
        shock: float = 2.0,
        session: int = 8,
        item: str = "bond",
        seed: int = 3,
        n_members: int = 8,
        n_sessions: int = 16,
        every: int = 2,
        limit: float = 2.0,
    ):
        if not _whole(n_members, 4, 12):
            raise GQConfigError("n_members", n_members, "a whole number from 4 to 12 (the SRM needs 4 members)")
        if not _whole(n_sessions, 4, 40):
            raise GQConfigError("n_sessions", n_sessions, "a whole number from 4 to 40")
        if not _whole(every, 1, int(n_sessions)):
            raise GQConfigError("every", every, f"a whole number from 1 to {n_sessions} (rate every so many sessions)")
        if isinstance(limit, bool) or not isinstance(limit, numbers.Real) or not 0 < float(limit) < np.inf:
            raise GQConfigError("limit", limit, "a positive number of answer-scale points")
        self.n_members: int = int(n_members)
        self.n_sessions: int = int(n_sessions)
        self.limit: float = float(limit)
        self.sessions: tuple[int, ...] = tuple(range(int(every), self.n_sessions + 1, int(every)))
        self.model: RoundRobinModel = RoundRobinModel()
        kinds = dict.fromkeys(kind for _, kind in self.model.items)
        W = widgets
        wide = {"description_width": "80px"}
        people = [(_member(m), m) for m in range(1, self.n_members + 1)]
        low, high, step = self.SHOCKS
        c = {
            "strained": W.Dropdown(options=people, description="strained", style=wide),
            "other": W.Dropdown(options=people, description="with", style=wide),
            "onset": W.IntSlider(min=1, max=self.n_sessions - 1, description="onset", continuous_update=False, style=wide),
            "repaired_at": W.SelectionSlider(options=[self.NEVER], description="repaired at", continuous_update=False, style=wide),
            "shock": W.FloatSlider(min=low, max=high, step=step, description="shock (SDs)", continuous_update=False, style=wide),
            "session": W.SelectionSlider(options=list(self.sessions), description="session", continuous_update=False, style=wide),
            "item": W.Dropdown(options=[*((f"{k} (mean of its items)", k) for k in kinds), *((name, name) for name in self.model.item_names)],
                               description="item", style=wide),  # fmt: skip
            "seed": W.BoundedIntText(min=0, max=self.SEED_MAX, description="group seed", style=wide),
        }
        for control in c.values():
            control.layout.width = "100%"
        self.image: widgets.Image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.summary: widgets.HTML = W.HTML()
        self.figure: Figure = Figure(figsize=(13.5, 4.0), dpi=72)
        self.axes: tuple[Axes, ...] = tuple(self.figure.subplots(1, 4, gridspec_kw={"width_ratios": [1.2, 0.62, 0.62, 1.2]}))
        self.figure.subplots_adjust(left=0.045, right=0.94, top=0.84, bottom=0.14, wspace=0.32)
        self._blit: Blitter = Blitter(self.figure)
        self._cohorts: _Cache = _Cache(16)
        self._round_robins: _Cache = _Cache(32)
        self._effects: _Cache = _Cache(256)
        self.cohort: Cohort | None = None
        self.round_robin: SimulatedRoundRobin | None = None
        self.ratings: pd.DataFrame = pd.DataFrame()
        self.result: SRMResult | None = None
        self.effect: dict[str, dict[str, float]] = {}
        self.outlined: set[tuple[str, str]] = set()
        self.state: str = ""
        column = W.Layout(width="330px", margin="0 12px 6px 0")
        rupture = W.VBox([W.HTML("<b>The rupture</b>"), c["strained"], c["other"], c["onset"], c["repaired_at"], c["shock"]], layout=column)
        shown = W.VBox([W.HTML("<b>The round robin shown</b>"), c["session"], c["item"], c["seed"]], layout=column)
        box = W.HBox([rupture, shown], layout=W.Layout(flex_flow="row wrap"))
        given = dict(seed=seed, strained=strained, other=other, onset=onset, repaired_at=self.NEVER if repaired_at is None else repaired_at,
                     shock=shock, session=session, item=item)  # fmt: skip
        super().__init__(c, [box], [self.image, self.summary], given=given)
        self._draw_other_frame()

    def _draw_other_frame(self) -> None:
        """Draw once, now, the frame of the other kind of item (its colour bars differ), so the first switch to it is as quick as any change."""
        item = self.controls["item"].value
        kind = dict(self.model.items).get(item, item)
        other = next((k for _, k in self.model.items if k != kind), None)
        if other is None or self.round_robin is None or self.result is None:
            return
        session = self.controls["session"].value
        with_key = (self.controls["seed"].value, self.rupture(), float(self.controls["shock"].value))
        try:
            _, result = self._srm_of(with_key, session, other)
        except GQDataError:
            return  # too few members for the SRM: the frame is drawn when it is first needed
        srm_decomposition(self.round_robin, session=session, item=other, result=result, limit=self.limit, annotate="relationship", axes=self.axes)
        self._render()  # keeps the frame (see Blitter); the picture is not shown
        srm_decomposition(self.round_robin, session=session, item=item, result=self.result, limit=self.limit, annotate="relationship", axes=self.axes)
        self._blacken_labels()

    # -- the controls ------------------------------------------------------------------------
    def _fit(self) -> None:
        """Offer as the other member everyone but the strained one, and as repair sessions only those after the onset."""
        c = self.controls
        strained = c["strained"].value
        others = tuple((_member(m), m) for m in range(1, self.n_members + 1) if m != strained)
        if tuple(c["other"].options) != others:
            chosen = c["other"].value
            c["other"].options = others  # resets the value: put the choice back if it is still offered
            c["other"].value = chosen if chosen != strained else next((m for _, m in others if m > strained), others[0][1])  # the next member
        repairs = (self.NEVER, *range(c["onset"].value + 1, self.n_sessions + 1))
        if tuple(c["repaired_at"].options) != repairs:
            chosen = c["repaired_at"].value
            c["repaired_at"].options = repairs
            c["repaired_at"].value = chosen if chosen in repairs else (self.NEVER if chosen == self.NEVER else repairs[1])

    def rupture(self) -> Rupture:
        """The scripted rupture the controls describe."""
        c = self.controls
        repaired = c["repaired_at"].value
        return Rupture(session=c["onset"].value, level="MM", type="withdrawal", member=c["strained"].value, source=c["other"].value,
                       repaired_at=None if repaired == self.NEVER else repaired)  # fmt: skip

    # -- computing, with what was computed kept ------------------------------------------------
    def _compute(self) -> tuple[tuple, tuple]:
        """Simulate (or recall) the group and its round robins; return the keys of the round robin with and without the shock."""
        c = self.controls
        rupture = self.rupture()
        group_key = (c["seed"].value, rupture)
        self.cohort = self._cohorts.get_or(group_key, lambda: simulate(seed=c["seed"].value, n_members=self.n_members, n_sessions=self.n_sessions,
                                                                       ruptures=[rupture], **_QUIET))  # fmt: skip
        cohort = self.cohort
        shock = float(c["shock"].value)
        with_key, without_key = (*group_key, shock), (*group_key, 0.0)
        for key, size in ((with_key, shock), (without_key, 0.0)):
            self._round_robins.get_or(key, lambda s=size: _round_robin(cohort, self.model, s, self.sessions))
        self.round_robin = self._round_robins[with_key]
        return with_key, without_key

    def _srm_of(self, key: tuple, session: int, item: str) -> tuple[pd.DataFrame, SRMResult]:
        """The round robin ``key``'s ratings at ``session`` for ``item``, and its SRM (kept)."""

        def make() -> tuple[pd.DataFrame, SRMResult]:
            one = round_robin_slice(self._round_robins[key], session=session, item=item)
            return one, _slice_srm(one)

        return self._effects.get_or((key, session, item), make)

    def _redraw(self) -> None:
        c = self.controls
        with_key, without_key = self._compute()
        session, item = c["session"].value, c["item"].value
        self.ratings, self.result = self._srm_of(with_key, session, item)
        _, before = self._srm_of(without_key, session, item)
        rr = self.round_robin
        assert rr is not None, "_compute sets the round robin"
        srm_decomposition(rr, session=session, item=item, result=self.result, limit=self.limit, annotate="relationship", axes=self.axes)
        self._blacken_labels()
        line = next(a for a in self.axes[0].get_lines() if a.get_gid() == "gq-pair")
        members = [t.get_text() for t in self.axes[0].get_yticklabels()]
        corners = np.asarray(line.get_xydata(), dtype=float)[0::6]  # each outlined cell's square starts at its top left corner (column - 0.5, row - 0.5)
        self.outlined = {(members[int(round(y + 0.5))], members[int(round(x + 0.5))]) for x, y in corners}
        self.effect = self._effect_of(self.result, before)
        self.image.value = self._render()
        self.summary.value = self._summary_html()

    def _blacken_labels(self) -> None:
        """The text names absent members instead of grey labels: the frame then stays the same (see :meth:`_render`)."""
        for ax in self.axes:
            for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
                label.set_color("black")

    def _effect_of(self, now: SRMResult, before: SRMResult) -> dict[str, dict[str, float]]:
        """The pair's relationship effects and its members' actor and partner effects, with the shock minus without."""
        s, o = _member(self.controls["strained"].value), _member(self.controls["other"].value)
        rel = [r.assign(pair=r["rater"].astype(str) + ">" + r["target"].astype(str)).set_index("pair")["relationship"] for r in (now.relationship, before.relationship)]
        person = [r.person.assign(member=r.person["member"].astype(str)).set_index("member") for r in (now, before)]
        pairs = [f"{s}>{o}", f"{o}>{s}"]
        return {
            "relationship": {p: float(rel[0].get(p, np.nan) - rel[1].get(p, np.nan)) for p in pairs},
            "actor": {m: float(person[0]["actor"].get(m, np.nan) - person[1]["actor"].get(m, np.nan)) for m in (s, o)},
            "partner": {m: float(person[0]["partner"].get(m, np.nan) - person[1]["partner"].get(m, np.nan)) for m in (o, s)},
        }

    # -- drawing --------------------------------------------------------------------------------
    def _render(self) -> bytes:
        """The figure as PNG: the frame (axes, ticks, colour bars, static titles) is kept per item kind and absent members; the values move."""
        moving: list = []
        for ax in self.axes:
            moving += [a for a in ax.get_children() if a.get_gid() in ("gq-matrix", "gq-pair", "gq-cell", "gq-effect", "gq-effect-text", "gq-zero")]
            moving += list(ax.spines.values())  # drawn over the cells and bars, as a full draw does
        moving.append(self.axes[0].title)
        still = tuple(image.get_cmap().name for ax in (self.axes[0], self.axes[3]) for image in ax.get_images())  # the colour bars follow the item's kind
        return self._blit.png(still, moving)

    @property
    def _cadence(self) -> str:
        """How often the members rate each other, in words."""
        every = self.sessions[1] - self.sessions[0] if len(self.sessions) > 1 else self.sessions[0]
        return "in every session" if every == 1 else f"every {_ordinal(every)} session"

    @property
    def _pair(self) -> tuple[str, str]:
        return _member(self.controls["strained"].value), _member(self.controls["other"].value)

    def _describe_state(self) -> str:
        """Where the shown session stands: before the onset, open, repaired, or a member of the pair absent."""
        c = self.controls
        s, o = self._pair
        session, onset, repaired = c["session"].value, c["onset"].value, c["repaired_at"].value
        present = set(self.ratings["rater"]) | set(self.ratings["target"])
        if s not in present or o not in present:
            self.state = "absent"
            missing = " and ".join(m for m in (s, o) if m not in present)
            blank = " (the outline goes round two white cells)" if self.outlined else ""
            return f"{missing} missed session {session}: the pair was not rated{blank}, so this round robin cannot show the rupture."
        if session < onset:
            self.state = "before"
            return f"Session {session} comes before the rupture (session {onset}): nothing to see yet."
        if repaired != self.NEVER and session >= repaired:
            self.state = "repaired"
            return (f"The rupture between {s} and {o} (session {onset}) was repaired in session {repaired}: no longer outlined; "
                    "what is left of it halves each session.")  # fmt: skip
        self.state = "open"
        when = "never repaired" if repaired == self.NEVER else f"repaired in session {repaired}"
        return f"Session {session}: the rupture between {s} and {o} (from session {onset}, {when}) is open; both of the pair's cells are outlined."

    def _summary_html(self) -> str:
        s, o = self._pair
        status = html.escape(self._describe_state())
        rel, actor, partner = self.effect["relationship"], self.effect["actor"], self.effect["partner"]

        def num(value: float, kind: str, key: str) -> str:
            shown = "-" if not np.isfinite(value) else f"{value:+.2f}".replace("-", "&minus;")
            return f'<b class="gq-srm-effect" data-kind="{kind}" data-key="{html.escape(key)}">{shown}</b>'

        pair_rel = f"{num(rel[f'{s}>{o}'], 'relationship', f'{s}>{o}')} ({s}&rarr;{o}) and {num(rel[f'{o}>{s}'], 'relationship', f'{o}>{s}')} ({o}&rarr;{s})"
        people = f"{num(actor[s], 'actor', s)} ({s}'s actor effect) and {num(partner[o], 'partner', o)} ({o}'s partner effect)"
        if self.state == "open" and self.controls["shock"].value == 0:
            what = "With a shock of 0 the rupture leaves the round robin as it was: nothing moved." + self._ranks_html()
        elif self.state == "open":
            what = (f"Against the same ratings without the rupture, it moved the pair's relationship effects by {pair_rel} points, but only "
                    f"{people}: a strain between two members lands in their relationship effects." + self._ranks_html())  # fmt: skip
        elif self.state == "repaired":
            what = f"What is left of it, against the same ratings without the rupture: relationship effects {pair_rel}; {people}."
        elif self.state == "before":
            what = "These are the ratings the group gives without the rupture; its effects appear from the first round robin after the onset."
        else:
            what = "A rupture shows in a round robin only while it is open and both members are there to rate each other."
        absent = [m for m in (t.get_text() for t in self.axes[0].get_yticklabels()) if m not in set(self.ratings["rater"])]
        missing = (f' Absent from this round robin: <span class="gq-srm-absent">{", ".join(absent)}</span> (white rows and columns).' if absent else "")
        return (
            f'<p class="gq-srm-status" data-state="{self.state}" style="margin:2px 0">{status}</p>'
            f'<p class="gq-srm-what" style="margin:2px 0">{what}</p>'
            f'<p style="font-size:90%;color:#555;margin:2px 0">Members rate each other {self._cadence}. Bars and relationship matrix share one scale '
            f"({-self.limit:g} to +{self.limit:g} points). On a bond item lower is worse, on a conflict item higher; orange is the worse end.{missing}</p>"
        )

    def _ranks_html(self) -> str:
        """Where the pair's two relationship effects rank among all of this round robin's, toward worse."""
        s, o = self._pair
        assert self.result is not None, "_redraw sets the result first"
        effects = self.result.relationship
        item = self.controls["item"].value
        worse = 1.0 if dict(self.model.items).get(item, item) == "conflict" else -1.0  # on a conflict item higher is worse
        order = (worse * effects["relationship"]).rank(ascending=False, method="min")
        where = dict(zip(effects["rater"].astype(str) + ">" + effects["target"].astype(str), order))
        ranks = [float(where.get(p, np.nan)) for p in (f"{s}>{o}", f"{o}>{s}")]
        if not np.isfinite(ranks).all():
            return ""
        n = int(effects["relationship"].notna().sum())
        return (f' Toward worse, {s}&rarr;{o} ranks <b class="gq-srm-rank" data-pair="{s}&gt;{o}">{int(ranks[0])}</b> and {o}&rarr;{s} '
                f'<b class="gq-srm-rank" data-pair="{o}&gt;{s}">{int(ranks[1])}</b> of the {n} relationship effects in this round robin.')  # fmt: skip


def _round_robin(cohort: Cohort, model: RoundRobinModel, shock: float, sessions: tuple[int, ...]) -> SimulatedRoundRobin:
    """:func:`gqkit.round_robin_ratings` of ``cohort`` with ``model``'s shock set to ``shock`` (0: the same ratings without the rupture)."""
    return round_robin_ratings(cohort, replace(model, shock=float(shock)), sessions=list(sessions))
