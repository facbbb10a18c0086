"""Interactive explorers for the notebooks and the workshop dashboard.

Thin layers over the core: every number a widget shows comes from a core function that the
tests check. Each explorer keeps its latest result as an attribute, so tests can drive it
headlessly by setting ``.value`` on its controls. All share :class:`Explorer`: controls that
cannot take impossible values, and a message line instead of a failing callback.
"""

from __future__ import annotations

import html
import io
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from PIL import Image as PILImage

from ._code import Code, call, literal, spec
from .errors import GQConfigError, GQDataError
from .instrument import LEVEL_NAMES, SCALE_NAMES, Instrument, instrument_or_default
from .plots import detection_grid, level_heatmaps, trajectories
from .scoring import DEFAULT_PRORATE, rci, score
from .simulation import Cohort, Rupture, simulate
from .simulation.config import LEVELS, RUPTURE_TYPES

if TYPE_CHECKING:
    from .repair import RepairContrast

__all__ = ["DetectionExplorer", "Explorer", "RCIExplorer", "RepairExplorer", "ScoreExplorer", "SimulationExplorer", "figure_png"]

_WARNING_STYLE = "color:#7f2704; background:#fff5eb; border-left:4px solid #d94801; padding:4px 8px; margin:4px 0"


class Explorer(widgets.VBox):
    """What every explorer shares: named controls, a message line and one guarded update.

    Each change of a control's value runs :meth:`_update`: it moves controls whose range
    follows another control into that range (:meth:`_fit`), then recomputes and redraws
    (:meth:`_redraw`). When gqkit refuses the values (:class:`~gqkit.errors.GQConfigError`,
    :class:`~gqkit.errors.GQDataError`), the explorer keeps showing its last result and
    :attr:`message` names the control and what it expects; the next update that works
    clears it. Any other exception is a bug and propagates.

    Parameters
    ----------
    controls : mapping of str to widget
        Name -> control; each change of its ``value`` calls :meth:`_changed`.
    head, body : sequence of widget
        What is shown above the message line (the controls) and below it (the result).
    given : mapping of str to value, optional
        Starting values of controls, as the explorer's caller gave them: a value the control
        cannot hold is a :class:`~gqkit.errors.GQConfigError` (a widget would clamp it silently).
    draw : bool
        Update once at the end of construction.

    Attributes
    ----------
    controls : dict
        Name -> control widget; set ``.value`` to drive the explorer.
    message : HTML
        Empty, or a short warning (class ``gq-error``) when the last update failed.
    error : GQConfigError, GQDataError or None
        Why the last update failed, if it did.
    RETRY : str
        How the warning ends: what is shown meanwhile and what the learner can do.
    CONTROLS : tuple of str
        The names of :attr:`controls`, known before an explorer is made (the workshop app
        takes a link's settings for these only); a test checks each explorer's list.
    """

    RETRY = "still showing the last result that worked; change a control to try again"
    CONTROLS: tuple[str, ...] = ()

    def __init__(
        self,
        controls: Mapping[str, widgets.ValueWidget],
        head: Sequence[widgets.Widget],
        body: Sequence[widgets.Widget],
        *,
        given: Mapping[str, object] | None = None,
        draw: bool = True,
    ):
        self.controls = dict(controls)
        self.message = widgets.HTML()
        self.error: GQConfigError | GQDataError | None = None
        self._updating = False
        for name, value in (given or {}).items():  # in order: a range that follows a control is fitted before it is checked
            _start(name, self.controls[name], value)
            self._fit()
        super().__init__([*head, self.message, *body])
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        if draw:
            self._update()
            if self.error is not None:  # nothing has worked yet: the caller's values are wrong
                raise self.error

    def settings(self) -> dict[str, object]:
        """The controls' values now, by name: the keyword arguments that open the explorer as it is.

        Returns
        -------
        dict
            Control name -> value; ``type(ex)(**ex.settings())`` (with the same positional
            arguments) shows the same view. The workshop app's links carry these.
        """
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, change: Mapping) -> None:
        """A control's value changed: update now."""
        self._update()

    def _update(self) -> None:
        """Fit the controls to each other, then redraw; gqkit's own errors become :attr:`message`."""
        if self._updating:
            return  # a control that _fit moved: the update under way reads its new value
        self._updating = True
        try:
            self._fit()
            self._redraw()
        except (GQConfigError, GQDataError) as error:
            self.error = error
            self.message.value = self._warning(error)
        else:
            self.error = None
            self.message.value = ""
        finally:
            self._updating = False

    def _fit(self) -> None:
        """Move controls whose range follows another control into that range (nothing to do by default)."""

    def _redraw(self) -> None:
        """Recompute the result from the controls and show it."""
        raise NotImplementedError

    def _warning(self, error: GQConfigError | GQDataError) -> str:
        """One short line: the control (by its label), its value and what is expected."""
        if isinstance(error, GQConfigError):
            name = error.parameter.rsplit(".", 1)[-1]  # "Rupture.session" -> "session"
            label = self.controls[name].description if name in self.controls else name
            text = f"<b>{html.escape(label)}</b> = {html.escape(repr(error.value))} is not allowed: expected {html.escape(error.expected)}"
        else:
            text = html.escape("; ".join(str(error).splitlines()[:2]))  # the count and the first problem
        return f'<p class="gq-error" style="{_WARNING_STYLE}">&#9888; {text}. The explorer is {self.RETRY}.</p>'


def _start(name: str, control: widgets.ValueWidget, value: object) -> None:
    """Give ``control`` its starting ``value``, or raise if it cannot hold it exactly."""
    if hasattr(control, "options"):
        allowed = [o[1] if isinstance(o, tuple) else o for o in control.options]
        ok, expected = any(_same(value, a) for a in allowed), "one of " + ", ".join(map(repr, allowed))
    elif isinstance(control, widgets.Checkbox):
        ok, expected = isinstance(value, bool), "True or False"
    else:
        whole = isinstance(control.value, int)
        ok = isinstance(value, numbers.Integral if whole else numbers.Real) and not isinstance(value, bool) and control.min <= value <= control.max
        low, high = (f"{x:,}" if whole else f"{x:g}" for x in (control.min, control.max))
        expected = f"a {'whole ' if whole else ''}number from {low} to {high}"
    if not ok:
        raise GQConfigError(name, value, expected)
    control.value = value


def _same(value: object, option: object) -> bool:
    """``value`` is ``option``, and of its kind (True is not 1, 40.0 is not 40)."""
    if isinstance(option, bool) or isinstance(value, bool):
        return value is option
    if isinstance(option, numbers.Integral):
        return isinstance(value, numbers.Integral) and value == option
    return type(value) is type(option) and value == option


def _set_range(slider: widgets.IntSlider | widgets.FloatSlider, low: float, high: float) -> None:
    """Give a slider a new range, in an order that never puts its min above its max."""
    if low > slider.max:
        slider.max, slider.min = high, low
    else:
        slider.min, slider.max = low, high


class ScoreExplorer(Explorer):
    """Set one member's answers and watch subscale and facet scores update.

    Parameters
    ----------
    answers : mapping of item id to answer, optional
        Starting answers (``None`` for no answer); items left out start at the scale's middle.
    instrument : Instrument, optional
        Defaults to :meth:`Instrument.default`.
    prorate : float
        Starting value of the prorating rule (see :func:`gqkit.scoring.allowed_missing`).

    Attributes
    ----------
    controls : dict
        ``"prorate"`` and every item id -> its control (see also :class:`Explorer`).
    answer_sliders : dict
        Item id -> ``SelectionSlider``; its value is the answer, or :attr:`NO_ANSWER`.
    prorate_slider : FloatSlider
        Largest share of a scale's items that may be missing.
    table : HTML
        The scores as a scale x level table.
    scores : DataFrame
        The latest output of :func:`gqkit.score` for this member.

    Examples
    --------
    >>> ex = ScoreExplorer({"gq05": 7, "gq16": 7, "gq25": 4})
    >>> ex.score_of("PW", "ML")
    6.0
    >>> ex.answer_sliders["gq25"].value = 7
    >>> ex.score_of("PW", "ML")
    7.0
    """

    NO_ANSWER = "-"

    def __init__(self, answers: Mapping[str, int | None] | None = None, *, instrument: Instrument | None = None, prorate: float = DEFAULT_PRORATE):
        self.instrument = inst = instrument_or_default(instrument)
        low, high = inst.response_range
        middle = (low + high) // 2
        if answers is not None and not isinstance(answers, Mapping):
            raise GQConfigError("answers", answers, "a dict of item id -> answer (None for no answer)")
        start = {item: middle for item in inst.items} | dict(answers or {})
        options = [(self.NO_ANSWER, self.NO_ANSWER)] + [(str(v), v) for v in range(low, high + 1)]
        unknown = [item for item in start if item not in inst.items]
        if unknown:
            raise GQConfigError("answers", unknown[0], f"answers keyed by item ids of the instrument ({inst.items[0]} ... {inst.items[-1]})")
        self.answer_sliders = {item: widgets.SelectionSlider(options=options, description=item, continuous_update=False) for item in inst.items}
        self.prorate_slider = widgets.FloatSlider(min=0, max=0.5, step=0.05, description="prorate", readout_format=".0%", continuous_update=False)
        self.table = widgets.HTML()
        self.scores = pd.DataFrame()
        texts = inst.table.set_index("item")["text"]
        pages = []
        for scale in inst.scales:
            rows = [widgets.HTML(f"<h4>{SCALE_NAMES[scale]} ({scale})</h4>")]
            for level in inst.levels:
                items = inst.items_of(scale, level)
                if items:
                    rows.append(widgets.HTML(f"<b>{LEVEL_NAMES[level]}</b>"))
                    rows += [widgets.HBox([self.answer_sliders[i], widgets.Label(texts[i])]) for i in items]
            pages.append(widgets.VBox(rows))
        tabs = widgets.Tab(children=pages, titles=list(inst.scales))
        given = {"prorate": prorate, **{item: self.NO_ANSWER if value is None else value for item, value in start.items()}}
        super().__init__({"prorate": self.prorate_slider, **self.answer_sliders}, [], [self.table, self.prorate_slider, tabs], given=given)

    @property
    def answers(self) -> dict[str, int | None]:
        """The current answers, item id -> answer (``None`` = no answer)."""
        return {item: None if s.value == self.NO_ANSWER else s.value for item, s in self.answer_sliders.items()}

    def score_of(self, scale: str, level: str = "all") -> float:
        """The current score of one subscale (``level="all"``) or facet.

        Parameters
        ----------
        scale : str
            ``"PB"``, ``"PW"`` or ``"NR"``.
        level : str
            ``"all"`` (the subscale) or a level (``"MM"``, ``"ML"``, ``"MG"``).
        """
        row = self.scores[(self.scores["scale"] == scale) & (self.scores["level"] == level)]
        return float(row["score"].iloc[0])

    def _redraw(self) -> None:
        frame = pd.DataFrame(
            {"group": "demo", "member": "you", "session": 1, "item": list(self.answers), "response": list(self.answers.values())}
        )
        if frame["response"].isna().all():
            self.scores = frame.iloc[0:0]
            self.table.value = "<p>Answer at least one item to see scores.</p>"
            return
        # the sliders can only hold valid answers, so score checks enough; no need to re-read them
        self.scores = score(frame.astype({"response": "Float64"}), self.instrument, prorate=self.prorate_slider.value)
        self.table.value = _score_table(self.scores, self.instrument)


def _score_table(scores: pd.DataFrame, inst: Instrument) -> str:
    """Scale x level HTML table; empty cells say so, missing scores give their reason."""
    by_key = scores.set_index(["scale", "level"])
    head = "".join(f"<th>{LEVEL_NAMES[lv]}</th>" for lv in (*inst.levels, "all"))
    body = []
    for scale in inst.scales:
        cells = []
        for level in (*inst.levels, "all"):
            if (scale, level) not in by_key.index:
                cells.append('<td class="gq-empty" title="no items in this cell">no items</td>')
                continue
            row = by_key.loc[(scale, level)]
            if pd.isna(row["score"]):
                cells.append(f'<td class="gq-missing" title="{html.escape(str(row["reason"]))}">missing</td>')
            else:
                cells.append(f'<td class="gq-score" data-scale="{scale}" data-level="{level}">{row["score"]:.2f}</td>')
        body.append(f"<tr><th>{SCALE_NAMES[scale]} ({scale})</th>{''.join(cells)}</tr>")
    return f'<table class="gq-scores"><tr><th></th>{head}</tr>{"".join(body)}</table>'


class RCIExplorer(Explorer):
    """How large must a change be to count as reliable? (Jacobson & Truax, 1991)

    Two sliders, the norm group's standard deviation and the score's reliability, set the
    reliable change index computed by :func:`gqkit.rci`. Its controls are ``"sd"`` and
    ``"reliability"`` (see :class:`Explorer`).

    Parameters
    ----------
    sd : float
        The norm group's standard deviation, in score points.
    reliability : float
        The score's reliability, from 0 up to (not including) 1.

    Examples
    --------
    >>> ex = RCIExplorer()
    >>> ex.reliability_slider.value = 0.95
    >>> round(ex.threshold, 3) == round(rci(ex.sd_slider.value, 0.95), 3)
    True
    """

    def __init__(self, sd: float = 1.0, reliability: float = 0.90):
        self.sd_slider = widgets.FloatSlider(min=0.2, max=2.0, step=0.05, description="norm SD", continuous_update=False)
        self.reliability_slider = widgets.FloatSlider(
            min=0.50, max=0.99, step=0.01, description="reliability", continuous_update=False
        )
        self.result = widgets.HTML()
        self.threshold = float("nan")
        sliders = {"sd": self.sd_slider, "reliability": self.reliability_slider}
        super().__init__(sliders, list(sliders.values()), [self.result], given={"sd": sd, "reliability": reliability})

    def _redraw(self) -> None:
        self.threshold = rci(self.sd_slider.value, self.reliability_slider.value)
        self.result.value = (
            f'<p class="gq-rci">A change must exceed <b>{self.threshold:.2f}</b> points to be reliable '
            f"(95% confidence) for a score with SD {self.sd_slider.value:.2f} and reliability "
            f"{self.reliability_slider.value:.2f}.</p>"
        )


def figure_png(figure: Figure, dpi: int = 72) -> bytes:
    """A figure as PNG bytes (for an ``Image`` widget, which renders the same in Lab and Voila).

    Parameters
    ----------
    figure : Figure
        The figure to encode.
    dpi : int
        Dots per inch of the picture (72: the size it is shown at).

    Returns
    -------
    bytes
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """What an Agg canvas holds now, as PNG bytes (fast: no new draw, light compression).

    Parameters
    ----------
    canvas : FigureCanvasAgg
        A canvas that has been drawn (or blitted) on.
    """
    buffer = io.BytesIO()
    PILImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class Blitter:
    """A figure as PNG for an ``Image`` widget, drawing again only what moved (blitting).

    :meth:`png` takes the artists that move and ``still``, a description of everything else
    the figure shows. The pixels of everything else (axes, ticks, titles, colour bars) are
    drawn once for each ``still`` and kept (for the :attr:`KEEP` latest, so going back to a
    setting seen before is fast too); each picture puts them back and draws only the moving
    artists over them, each axes' in the order a full draw uses (by zorder). The picture is
    that of a full draw (the tests compare them pixel for pixel) as long as everything outside
    the moving artists follows from ``still``. Make the figure at the dpi it is shown at (72).

    Parameters
    ----------
    figure : Figure
        Gets an Agg canvas of its own.
    """

    KEEP = 4
    """How many backgrounds (one per ``still``) are kept; each takes width x height x 4 bytes."""

    def __init__(self, figure: Figure):
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self._kept: dict[Hashable, Any] = {}  # still -> the pixels of everything else; the latest used last

    def png(self, still: Hashable, moving: Iterable[Artist]) -> bytes:
        """The figure as PNG bytes: the pixels kept for ``still`` (drawn if there are none), then the ``moving`` artists over them."""
        moving = list(moving)
        for artist in moving:
            artist.set_animated(True)  # left out of a full draw on screen (not out of savefig)
        background = self._kept.pop(still, None)
        if background is None:
            images = [artist for artist in moving if isinstance(artist, AxesImage) and artist.get_visible()]
            for image in images:  # matplotlib 3.8 draws animated images all the same
                image.set_visible(False)
            self.canvas.draw()
            for image in images:
                image.set_visible(True)
            background = self.canvas.copy_from_bbox(self.figure.bbox)
            while len(self._kept) >= self.KEEP:
                del self._kept[next(iter(self._kept))]  # the one used longest ago
        else:
            self.canvas.restore_region(background)
        self._kept[still] = background
        order: dict[object, int] = {ax: i for i, ax in enumerate(self.figure.axes)}  # a figure's own artists (no axes) last
        for artist in sorted(moving, key=lambda a: (order.get(a.axes, len(order)), a.get_zorder())):
            if artist.get_visible():
                (artist.axes or self.figure).draw_artist(artist)
        return canvas_png(self.canvas)


class SimulationExplorer(Explorer):
    """Simulate one group with a scripted rupture and see it in the ratings.

    Controls set the group (members, sessions, seed, random ruptures on or off), the scripted
    rupture (level, type, member, session, severity, repaired or not and when) and the scale
    shown. The figure shows a member x session heatmap per level (:func:`gqkit.plots.level_heatmaps`:
    dark is worse on every scale) and the strained member's trajectory at the ruptured level
    on the whole 1-7 scale, with rupture onset (cross) and repair (circle) marks that legends
    explain. A change redraws only the data, marks and legends; a change of the scale, or of
    the members or sessions the heatmaps show, redraws the whole figure the first time (see
    :class:`Blitter`).
    The member, onset and repair sliders follow the group's size and length, and the seed
    takes whole numbers from 0 to :attr:`SEED_MAX`, so every setting is a valid simulation.

    The keyword arguments are the controls' starting values (``session`` is the onset;
    ``repaired_at`` defaults to two sessions after it). A value a control cannot hold raises
    :class:`~gqkit.errors.GQConfigError` instead of being clamped.

    Attributes
    ----------
    controls : dict
        Name -> control widget; set ``.value`` to drive the explorer (see :class:`Explorer`).
    cohort : Cohort
        The latest simulation (its ``events`` table is the truth shown in the figure).
    image : Image
        The figure as PNG.

    Parameters
    ----------
    seed : int
        The group's seed.
    n_members, n_sessions : int
        The group's size and length.
    level : str
        The scripted rupture's level: ``"MM"``, ``"ML"`` or ``"MG"``.
    type : str
        Its type (withdrawal, confrontation, cultural; cultural at MM or ML only).
    member : int
        The strained member (1-based).
    session : int
        The onset session.
    severity : float
        Its size, in the model's units (see :class:`gqkit.Rupture`).
    repaired : bool
        Whether the leader repairs it.
    repaired_at : int, optional
        The repair session (default a few sessions after onset).
    random_ruptures : bool
        Also simulate the model's random ruptures.
    scale : str
        The scale shown: ``"PB"``, ``"PW"`` or ``"NR"``.

    Examples
    --------
    >>> ex = SimulationExplorer(level="MG", session=6)
    >>> ex.cohort.events.query("cause == 'scripted' and kind == 'rupture'")["level"].item()
    'MG'
    >>> ex.controls["level"].value = "MM"
    >>> ex.cohort.events.query("cause == 'scripted' and kind == 'rupture'")["level"].item()
    'MM'
    """

    SEED_MAX = 2**32 - 1
    CONTROLS = ("n_members", "n_sessions", "seed", "random_ruptures", "level", "type", "member", "session", "severity", "repaired", "repaired_at", "scale")

    def __init__(
        self,
        *,
        seed: int = 1,
        n_members: int = 8,
        n_sessions: int = 16,
        level: str = "ML",
        type: str = "withdrawal",
        member: int = 1,
        session: int = 5,
        severity: float = 2.0,
        repaired: bool = True,
        repaired_at: int | None = None,
        random_ruptures: bool = False,
        scale: str = "PB",
    ):
        W = widgets
        style = {"description_width": "initial"}
        c = {
            "n_members": W.IntSlider(min=3, max=12, description="members", continuous_update=False),
            "n_sessions": W.IntSlider(min=8, max=24, description="sessions", continuous_update=False),
            "seed": W.BoundedIntText(min=0, max=self.SEED_MAX, description="seed", layout=W.Layout(width="160px")),
            "random_ruptures": W.Checkbox(description="random ruptures too", style=style),
            "level": W.Dropdown(options=[(LEVEL_NAMES[lv], lv) for lv in LEVELS], description="level"),
            "type": W.Dropdown(options=list(RUPTURE_TYPES), description="type"),
            "member": W.IntSlider(min=1, max=12, description="member", continuous_update=False),
            "session": W.IntSlider(min=1, max=23, description="onset", continuous_update=False),
            "severity": W.FloatSlider(min=0.5, max=3.0, step=0.1, description="severity", continuous_update=False),
            "repaired": W.Checkbox(description="repaired"),
            "repaired_at": W.IntSlider(min=2, max=24, description="repaired at", continuous_update=False),
            "scale": W.ToggleButtons(options=[("bond (PB)", "PB"), ("work (PW)", "PW"), ("negative (NR)", "NR")], description="show", style=style),
        }
        self.image = W.Image(format="png")
        self.summary = W.HTML()
        self.figure = Figure(figsize=(12, 6), dpi=72)
        self.axes = self.figure.subplot_mosaic([["MM", "ML", "MG"], ["path", "path", "path"]])
        self.figure.subplots_adjust(left=0.05, right=0.88, top=0.95, bottom=0.08, wspace=0.25, hspace=0.6)
        self._scale_bar = self.figure.add_axes((0.9, 0.58, 0.012, 0.37))  # one colour bar for the three heatmaps
        self._blit = Blitter(self.figure)
        self.cohort: Cohort | None = None
        group_box = W.VBox([W.HTML("<b>The group</b>"), c["n_members"], c["n_sessions"], c["seed"], c["random_ruptures"]])
        rupture_box = W.VBox([W.HTML("<b>The scripted rupture</b>"), c["level"], c["type"], c["member"], c["session"], c["severity"], c["repaired"], c["repaired_at"]])
        if repaired_at is None and isinstance(session, int) and isinstance(n_sessions, int):
            repaired_at = min(session + 2, n_sessions)
        given = dict(n_members=n_members, n_sessions=n_sessions, seed=seed, random_ruptures=random_ruptures, level=level, type=type, member=member,
                     session=session, severity=severity, repaired=repaired, repaired_at=repaired_at, scale=scale)  # fmt: skip
        super().__init__(c, [W.HBox([group_box, rupture_box]), c["scale"]], [self.image, self.summary], given=given)

    def rupture(self) -> Rupture:
        """The scripted rupture the controls describe."""
        c = {k: w.value for k, w in self.controls.items()}
        source = (c["member"] % c["n_members"]) + 1 if c["level"] == "MM" else None
        repaired_at = c["repaired_at"] if c["repaired"] else None
        response = ("addressed" if c["repaired"] else "not addressed") if c["type"] == "cultural" else None  # a microaggression is answered, or not
        return Rupture(session=c["session"], level=c["level"], type=c["type"], member=c["member"], source=source,
                       severity=c["severity"], repaired_at=repaired_at, response=response)  # fmt: skip

    def code(self) -> str:
        """The gqkit calls that make this view: ``scores`` holds the numbers the heatmaps show.

        Returns
        -------
        str
            Python source; run it and ``scores`` equals ``self.cohort.scores()``.
        """
        c = self.settings()
        quiet: dict[str, Any] = {} if c["random_ruptures"] else {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}
        simulate_call = call("gqkit.simulate", seed=c["seed"], n_members=c["n_members"], n_sessions=c["n_sessions"], ruptures=Code("[rupture]"), **quiet)
        return "\n".join([
            "import gqkit",
            "from gqkit.plots import level_heatmaps, trajectories",
            "",
            f"rupture = {spec('gqkit.Rupture', self.rupture())}",
            f"cohort = {simulate_call}" + ("" if c["random_ruptures"] else "  # no random ruptures"),
            "scores = cohort.scores()",
            f"level_heatmaps(scores, scale={literal(c['scale'])}, events=cohort.events)",
        ])  # fmt: skip

    def _fit(self) -> None:
        """Keep member, onset and repair session inside the group's size and length."""
        c = self.controls
        _set_range(c["member"], 1, c["n_members"].value)
        _set_range(c["session"], 1, c["n_sessions"].value - 1)
        _set_range(c["repaired_at"], c["session"].value + 1, c["n_sessions"].value)
        c["repaired_at"].disabled = not c["repaired"].value
        levels = ("MM", "ML") if c["type"].value == "cultural" else LEVELS  # a microaggression comes from a member or the leader
        if tuple(value for _, value in c["level"].options) != levels:
            kept = c["level"].value if c["level"].value in levels else "ML"
            c["level"].options = [(LEVEL_NAMES[lv], lv) for lv in levels]
            c["level"].value = kept

    def _redraw(self) -> None:
        c = {k: w.value for k, w in self.controls.items()}
        rupture = self.rupture()
        quiet: dict[str, Any] = {} if c["random_ruptures"] else {"rate": {"MM": 0.0, "ML": 0.0, "MG": 0.0}, "microaggression_rate": 0.0}
        self.cohort = simulate(seed=c["seed"], n_members=c["n_members"], n_sessions=c["n_sessions"], ruptures=[rupture], **quiet)
        scores, events = self.cohort.scores(), self.cohort.events
        strained = [f"m{rupture.member:02d}"] + ([f"m{rupture.source:02d}"] if rupture.source else [])
        shown_level = rupture.level if (c["scale"], rupture.level) in Instrument.default().facets else "all"
        heat = [self.axes[level] for level in LEVELS]
        level_heatmaps(scores, scale=c["scale"], events=events, axes=heat, colorbar=self._scale_bar)
        path = self.axes["path"]
        trajectories(scores, scale=c["scale"], level=shown_level, members=strained, events=events, ax=path)
        path.set_xlim(0.5, c["n_sessions"] + 0.5)
        path.set_ylim(0.7, 7.3)  # the whole answer scale (and room for a mark on 1 or 7): it stays while the data move
        # ticks, titles and the colour bar follow the scale and the rows and columns of the heatmaps; the rest moves (see Blitter)
        still = (c["scale"], c["n_sessions"], tuple(np.unique(scores["member"])), int(scores["session"].max()))
        moving = [artist for ax in heat for artist in (*ax.get_images(), *ax.collections, *ax.spines.values())]
        legend = path.get_legend()
        assert legend is not None, "trajectories names the one or two strained members"
        moving += [*path.get_lines(), *path.collections, *path.spines.values(), path.title, legend]
        self.image.value = self._blit.png(still, moving)
        rows = events[["session", "kind", "level", "type", "member", "source", "cause"]].to_html(index=False, border=0)
        self.summary.value = f"<b>What really happened</b> (the injected truth):{rows}"


# rule name -> (label of its main knob, how the knob sets the rule's parameters, (min, max, step), default)
_KNOBS = {
    "change": ("z (x the facet's usual change)", lambda v: {"z": v}, (1.0, 5.0, 0.1), 2.6),
    "status": ("z (norm SDs from the mean)", lambda v: {"z": v}, (0.5, 3.5, 0.1), 2.0),
    "v_episode": ("k (SDs)", lambda v: {"k": v}, (0.5, 3.0, 0.1), 1.0),
    "sudden_loss": ("reliability (cutoff = RCI)", lambda v: {"reliability": v}, (0.5, 0.98, 0.01), 0.90),
    "group_drop": ("threshold", lambda v: {"threshold": v}, (0.1, 1.5, 0.05), 0.5),
    "dyad_drop": ("threshold", lambda v: {"threshold": v}, (0.2, 2.0, 0.05), 0.7),
}

_LEVEL_CHOICES = [("the rule's own", ""), ("no claim (subscales)", "all"), *[(LEVEL_NAMES[lv], lv) for lv in LEVELS]]


class DetectionExplorer(Explorer):
    """Pick a rule and the level it watches, move its threshold, and see precision, recall and the alerts.

    Scores a cohort's injected truth event by event (:func:`gqkit.evaluate.evaluate`) and, for
    contrast, session by session (:func:`gqkit.evaluate.pointwise`), and draws one group's
    members x sessions with the ruptures and the rule's alerts over them
    (:func:`gqkit.plots.detection_grid`). The controls are ``"rule"``, ``"level"`` (the rule's
    own, no claim, or one of MM, ML, MG: the rule then watches the scales that have items
    there and claims that level), ``"knob"`` (its range, label and start follow the rule),
    ``"tolerance"`` and ``"group"`` (the group drawn).

    A rule that watches the subscales ("all") makes no claim about the level, so the metrics
    by level count only its recall there; a rule that watches one level claims it, so its
    precision by level is defined too.

    Parameters
    ----------
    cohort : Cohort
        A simulated cohort (its injected truth scores the rules), e.g. ``load_example("course")``.
    rule : str
        The rule shown first: a name in :data:`gqkit.detect.RULES` that finds ruptures.
    level : str
        ``""`` (the rule's own), ``"all"`` (no claim) or a level (``"MM"``, ``"ML"``, ``"MG"``).
    knob : float, optional
        The rule's main parameter (its label and range follow the rule); default the rule's own default.
    tolerance : int
        The matching window ``k``: a detection may claim an onset up to ``k`` sessions after the true one.
    group : str, optional
        The group drawn; default the first.

    Examples
    --------
    >>> from gqkit import load_example
    >>> ex = DetectionExplorer(load_example("course"))
    >>> ex.controls["knob"].value = 3.5  # z: a stricter change alert
    >>> bool(ex.metrics.loc[("overall", "all"), "detections"] <= 23)
    True
    >>> ex.controls["level"].value = "MM"  # the scales with member-member items
    >>> ex.rule().level, ex.rule().scales
    ('MM', ('PB', 'NR'))
    >>> ex.controls["knob"].value = 1.5
    >>> set(ex.detections["level"])
    {'MM'}
    """

    CONTROLS = ("rule", "level", "knob", "tolerance", "group")

    def __init__(self, cohort: Cohort, *, rule: str = "change", level: str = "", knob: float | None = None, tolerance: int = 3, group: str | None = None):
        from . import detect as rules_module
        from .evaluate import match_events, metrics_table, pointwise

        self._metrics, self._pointwise, self._match = metrics_table, pointwise, match_events
        self._classes = {name: cls for name, cls in rules_module.RULES.items() if cls.finds_ruptures}
        if not isinstance(cohort, Cohort):
            raise GQConfigError("cohort", type(cohort).__name__, "a simulated Cohort (e.g. load_example('course'))")
        self.cohort = cohort
        self.scores = cohort.scores()
        self._facets = set(cohort.instrument.facets)
        W = widgets
        groups = list(cohort.groups["group"])
        controls = {
            "rule": W.Dropdown(options=list(_KNOBS), description="rule"),
            "level": W.Dropdown(options=_LEVEL_CHOICES, description="level"),
            "knob": W.FloatSlider(description="threshold", continuous_update=False, style={"description_width": "initial"}, layout=W.Layout(width="440px")),
            "tolerance": W.IntSlider(min=0, max=6, description="window k", continuous_update=False),
            "group": W.Dropdown(options=groups, description="group"),
        }
        self.table = W.HTML()
        self.image = W.Image(format="png")
        self.figure = Figure(figsize=(9.5, 3.6), dpi=72)
        self._blit = Blitter(self.figure)
        self.metrics = pd.DataFrame()
        self.detections = pd.DataFrame()
        self._knob_rule: str | None = None  # the rule the knob is set up for
        self._drawn: tuple | None = None  # what the picture shows
        rows = [W.HBox([controls["rule"], controls["level"], controls["knob"]]), W.HBox([controls["tolerance"], controls["group"]])]
        given: dict[str, object] = {"rule": rule, "level": level, "tolerance": tolerance, "group": groups[0] if group is None else group}
        if knob is not None:
            given["knob"] = knob  # after the rule, which sets the knob's range
        super().__init__(controls, rows, [self.image, self.table], given=given)

    def _fit(self) -> None:
        """After a change of rule, give the knob that rule's label, range and start."""
        rule = self.controls["rule"].value
        if rule == self._knob_rule:
            return
        label, _, (low, high, step), default = _KNOBS[rule]
        knob = self.controls["knob"]
        _set_range(knob, low, high)
        knob.step, knob.description, knob.value = step, label, default
        self._knob_rule = rule

    def rule(self):
        """The rule the controls describe."""
        name, level = self.controls["rule"].value, self.controls["level"].value
        cls = self._classes[name]
        params = _KNOBS[name][1](self.controls["knob"].value)
        if level:
            scales = tuple(s for s in cls().scales if (s, level) in self._facets)
            if not scales:
                raise GQConfigError("level", level, f"a level at which {name} has scales to watch")
            params.update(level=level, scales=scales)
        return cls(**params)

    def code(self, cohort: str = 'gqkit.load_example("course")') -> str:
        """The gqkit calls that make this view: ``metrics`` holds the numbers of the table.

        Parameters
        ----------
        cohort : str
            How the code gets the cohort (the explorer cannot know what made it).

        Returns
        -------
        str
            Python source; run it and ``metrics`` equals ``self.metrics`` (before its index is set).
        """
        c = self.settings()
        k, g = c["tolerance"], list(self.cohort.groups["group"]).index(c["group"])
        return "\n".join([
            "import gqkit",
            "from gqkit import detect",
            "from gqkit.evaluate import match_events, metrics_table",
            "from gqkit.plots import detection_grid",
            "",
            f"cohort = {cohort}",
            f"rule = {spec('detect.' + type(self.rule()).__name__, self.rule())}",
            "detections = rule.detect(cohort.scores())",
            f"matching = match_events(cohort, detections, (0, {k}))",
            "metrics = metrics_table(cohort, matching)",
            'members = [f"m{i + 1:02d}" for i in range(cohort.attended.shape[1])]',
            f"detection_grid(matching, group={literal(c['group'])}, members=members, n_sessions=cohort.attended.shape[2], attended=cohort.attended[{g}], tolerance=(0, {k}))",
        ])  # fmt: skip

    def _redraw(self) -> None:
        rule = self.rule()
        self.detections = rule.detect(self.scores)
        k = self.controls["tolerance"].value
        matching = self._match(self.cohort, self.detections, (0, k))  # once, for the table and the picture
        self.metrics = self._metrics(self.cohort, matching).set_index(["scope", "key"])
        shown = self.metrics.loc[[("overall", "all"), ("level", "MM"), ("level", "ML"), ("level", "MG")],
                                 ["ruptures", "found", "recall", "detections", "precision", "f1", "false_alarms_per_100", "median_delay"]]  # fmt: skip
        point = self._pointwise(self.cohort, self.detections)
        claim = (f"{rule.name} watches level {rule.level} and claims it: precision by level counts its alerts there."
                 if rule.level != "all" else
                 f"{rule.name} watches the subscales and makes no level claim: by level, only recall is defined (precision shows -).")  # fmt: skip
        self.table.value = (
            shown.round(2).to_html(classes="gq-metrics", na_rep="-")
            + f"<p>{html.escape(claim)}</p>"
            + f"<p>Session by session instead (the trap): recall {point['recall']:.2f}, precision {point['precision']:.2f}"
            f" over {point['ruptured_member_sessions']} ruptured member-sessions.</p>"
        )
        self._draw(matching, (0, k))

    def _draw(self, matching, tolerance: tuple[int, int]) -> None:
        group = self.controls["group"].value
        g = list(self.cohort.groups["group"]).index(group)
        if not self.figure.axes:
            self.figure.add_subplot()
            self.figure.subplots_adjust(left=0.1, right=0.8, top=0.9, bottom=0.14)
        ax = self.figure.axes[0]
        M = self.cohort.attended.shape[1]
        detection_grid(matching, group=group, members=[f"m{i + 1:02d}" for i in range(M)], n_sessions=self.cohort.attended.shape[2],
                       attended=self.cohort.attended[g], ax=ax, tolerance=tolerance)  # fmt: skip
        drawn = (group, tuple(c.get_offsets().tobytes() for c in ax.collections))  # type: ignore[union-attr]  # matplotlib's stubs: ArrayLike; it is an array
        if drawn != self._drawn:  # a change that leaves this group's marks as they were needs no new picture
            self.image.value = self._blit.png(group, ax.collections)  # the group's title and attendance are kept; the marks move
            self._drawn = drawn


class RepairExplorer(Explorer):
    """Time a rupture's repair and set its quality; watch one member's relationship and OQ.

    A scripted rupture strains member ``member`` at session ``onset``. The controls set its
    level and severity, the session the leader repairs it (or *never*) and the repair's
    quality. The figure shows the member's relationship score at the rupture's level and
    the member's OQ, with the repair and never repaired, each the mean of ``n_groups`` quiet
    replicate groups that share every other random number
    (:func:`gqkit.repair.repair_contrast`). The repair slider only offers sessions after the
    onset, so an impossible repair cannot be chosen; if gqkit refuses an update anyway, the
    explorer says so in :attr:`message` and keeps the last picture (see :class:`Explorer`).

    Attributes
    ----------
    controls : dict
        Name -> control: ``level``, ``severity``, ``repair_session`` (a session or
        :attr:`NEVER`), ``quality``, ``scale``. Set ``.value`` to drive the explorer.
    contrast : RepairContrast
        The latest result; ``contrast.summary()`` holds the numbers shown.
    image : Image
        The figure as PNG.
    summary : HTML
        The numbers.

    Parameters
    ----------
    level : str
        The ruptured level: ``"MM"``, ``"ML"`` or ``"MG"``.
    type : str
        The rupture type, e.g. ``"withdrawal"`` or ``"confrontation"``.
    member : int
        The strained member (1-based).
    onset : int
        The session the rupture begins.
    severity : float
        Its size, in the model's units (see :class:`gqkit.Rupture`).
    repair_session : int, "never" or None
        The session the leader repairs it; ``"never"`` or None: not repaired.
    quality : float
        The repair's quality, 0 to 1.
    scale : str
        The relationship scale shown.
    n_groups : int
        Replicate groups averaged (same seeds with and without the repair).
    seed : int
        Seed of the replicate groups.
    n_members, n_sessions : int
        The groups' size and length.

    Examples
    --------
    >>> ex = RepairExplorer(quality=1.0)
    >>> s = ex.contrast.summary()
    >>> s["after_with"] > s["after_without"]
    True
    >>> ex.controls["repair_session"].value = RepairExplorer.NEVER
    >>> ex.contrast.repaired, ex.controls["quality"].disabled
    (False, True)
    """

    NEVER = "never"
    CONTROLS = ("level", "severity", "repair_session", "quality", "scale")

    def __init__(
        self,
        *,
        level: str = "ML",
        type: str = "withdrawal",
        member: int = 1,
        onset: int = 5,
        severity: float = 2.0,
        repair_session: int | str | None = 8,
        quality: float = 0.8,
        scale: str = "PB",
        n_groups: int = 12,
        seed: int = 1,
        n_members: int = 8,
        n_sessions: int = 16,
    ):
        from .plots import repair_paths
        from .repair import repair_contrast

        self._contrast_of, self._draw = repair_contrast, repair_paths
        if repair_session is None:
            repair_session = self.NEVER
        if not (isinstance(n_sessions, int) and n_sessions >= 3):
            raise GQConfigError("n_sessions", n_sessions, "a whole number of at least 3")
        if not (isinstance(onset, int) and 1 <= onset < n_sessions):
            raise GQConfigError("onset", onset, f"a session from 1 to {n_sessions - 1} (one before the last)")
        if repair_session != self.NEVER and not (isinstance(repair_session, int) and onset < repair_session <= n_sessions):
            raise GQConfigError("repair_session", repair_session, f"a session from {onset + 1} to {n_sessions}, or 'never'")
        self._fixed: dict[str, Any] = dict(type=type, member=member, onset=onset, n_groups=n_groups, seed=seed, n_members=n_members, n_sessions=n_sessions)
        W = widgets
        sessions = [(str(s), s) for s in range(onset + 1, n_sessions + 1)] + [("never", self.NEVER)]
        c = {
            "level": W.Dropdown(options=[(LEVEL_NAMES[lv], lv) for lv in LEVELS], description="level"),
            "severity": W.FloatSlider(min=0.5, max=3.0, step=0.1, description="severity", continuous_update=False),
            "repair_session": W.SelectionSlider(options=sessions, description="repair at", continuous_update=False),
            "quality": W.FloatSlider(min=0.0, max=1.0, step=0.05, description="quality", continuous_update=False),
            "scale": W.Dropdown(options=[("bond (PB)", "PB"), ("work (PW)", "PW"), ("negative (NR)", "NR")], description="scale"),
        }
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.summary = W.HTML()
        self.contrast: RepairContrast | None = None
        self.figure = Figure(figsize=(11, 3.7), dpi=72)
        self.axes = tuple(self.figure.subplots(1, 2))
        self.figure.subplots_adjust(left=0.06, right=0.985, top=0.9, bottom=0.14, wspace=0.2)
        self._blit = Blitter(self.figure)
        self._oq_key: tuple | None = None
        self._oq_limits: tuple[float, float] = (0.0, 180.0)
        for control in c.values():
            control.layout.width = "100%"  # fill its column
        column = W.Layout(width="290px", margin="0 14px 6px 0")
        rupture_box = W.VBox([W.HTML(f"<b>Rupture</b>: {html.escape(type)} of m{member:02d}, session {onset}"), c["level"], c["severity"]], layout=column)
        repair_box = W.VBox([W.HTML("<b>Repair</b>: when, and how well?"), c["repair_session"], c["quality"]], layout=column)
        shown_box = W.VBox([W.HTML(f"<b>Shown</b>: means of {n_groups} groups"), c["scale"]], layout=column)
        box = W.HBox([rupture_box, repair_box, shown_box], layout=W.Layout(flex_flow="row wrap"))
        given = dict(level=level, severity=severity, repair_session=repair_session, quality=quality, scale=scale)
        super().__init__(c, [box], [self.image, self.summary], given=given)

    def code(self) -> str:
        """The gqkit calls that make this view: ``summary`` holds the numbers under the figure.

        Returns
        -------
        str
            Python source; run it and ``summary`` equals ``self.contrast.summary()``.
        """
        c = self.settings()
        session = None if c["repair_session"] == self.NEVER else c["repair_session"]
        f = self._fixed
        contrast = call("repair_contrast", level=c["level"], type=f["type"], member=f["member"], onset=f["onset"], severity=c["severity"],
                        repair_session=session, quality=c["quality"], scale=c["scale"], n_groups=f["n_groups"], seed=f["seed"],
                        n_members=f["n_members"], n_sessions=f["n_sessions"])  # fmt: skip
        return "\n".join(["from gqkit.plots import repair_paths", "from gqkit.repair import repair_contrast", "",
                          f"contrast = {contrast}", "summary = contrast.summary()", "repair_paths(contrast)"])  # fmt: skip

    def _fit(self) -> None:
        """No quality to set for a repair that never happens."""
        self.controls["quality"].disabled = self.controls["repair_session"].value == self.NEVER

    def _redraw(self) -> None:
        c = {name: control.value for name, control in self.controls.items()}
        never = c["repair_session"] == self.NEVER
        f = self._fixed
        self.contrast = self._contrast_of(
            level=c["level"], type=f["type"], member=f["member"], onset=f["onset"], severity=c["severity"],
            repair_session=None if never else c["repair_session"], quality=c["quality"], scale=c["scale"],
            n_groups=f["n_groups"], seed=f["seed"], n_members=f["n_members"], n_sessions=f["n_sessions"],
        )  # fmt: skip
        self._draw(self.contrast, axes=self.axes)
        self._steady_oq_axis((c["level"], c["severity"], c["scale"]))
        self.image.value = self._render()
        self.summary.value = self._summary_html()

    def _steady_oq_axis(self, key: tuple) -> None:
        """Keep the OQ axis while only the repair moves (widen it if needed), so the lines move against a fixed scale."""
        right = self.axes[1]
        if key == self._oq_key:
            low, high = right.get_ylim()
            right.set_ylim(min(low, self._oq_limits[0]), max(high, self._oq_limits[1]))
        self._oq_key, self._oq_limits = key, right.get_ylim()

    def _render(self) -> bytes:
        """The figure as PNG: axes, ticks and titles are drawn once and kept; lines, frame and legend are drawn again (see :class:`Blitter`)."""
        moving = [a for ax in self.axes for a in (*ax.get_lines(), *ax.spines.values(), *([ax.get_legend()] if ax.get_legend() else []))]
        shows = tuple(
            (ax.get_ylim(), ax.get_title(), tuple(t.get_text() for t in ax.get_legend().get_texts()) if ax.get_legend() else ())
            for ax in self.axes
        )
        return self._blit.png(shows, moving)

    def _summary_html(self) -> str:
        assert self.contrast is not None, "_redraw sets it before the summary"
        s, r = self.contrast.summary(), self.contrast.rupture
        label, last = html.escape(self.contrast.label), int(self.contrast.sessions[-1])
        if not self.contrast.repaired:
            return (
                f'<p class="gq-repair-summary">Never repaired. {label}: <b>{s["before"]:.2f}</b> before the rupture, '
                f'<b class="gq-after-without">{s["after_without"]:.2f}</b> on average after it. '
                f'OQ at session {last}: <b class="gq-oq-without">{s["final_oq_without"]:.1f}</b>.</p>'
            )
        gain = s["oq_benefit"]
        verdict = f"{gain:.1f} points lower with the repair" if gain >= 0 else f"{-gain:.1f} points higher with the repair"
        return (
            f'<p class="gq-repair-summary">{label}: <b>{s["before"]:.2f}</b> before the rupture; from session {r.repaired_at} on, '
            f'<b class="gq-after-with">{s["after_with"]:.2f}</b> with the repair (quality {r.quality:.2f}) vs '
            f'<b class="gq-after-without">{s["after_without"]:.2f}</b> never repaired. '
            f'OQ at session {last}: <b class="gq-oq-with">{s["final_oq_with"]:.1f}</b> vs '
            f'<b class="gq-oq-without">{s["final_oq_without"]:.1f}</b> ({verdict}).</p>'
        )
