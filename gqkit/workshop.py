"""The workshop app: five pages a participant drives without writing code.

``make workshop`` serves ``notebooks/workshop.ipynb`` with Voila, which shows
:class:`WorkshopApp` and nothing else. Its pages are thin frames around the notebooks'
explorers -- a group (:class:`~gqkit.widgets.SimulationExplorer`), detection
(:class:`~gqkit.widgets.DetectionExplorer`), repair and feedback
(:class:`~gqkit.widgets.RepairExplorer`, :class:`~gqkit.feedback_widgets.FeedbackExplorer`),
cultural ruptures (:class:`~gqkit.culture_widgets.ScenarioExplorer`) -- and a page for the
participant's own data (:class:`DataPage`), with GQ-style feedback reports
(:func:`gqkit.report.feedback_report`).

A link opens the app on a page with settings: ``?preset=shaming-vs-repair`` (one of
:data:`PRESETS`), or ``?page=group&level=MM&severity=3`` (a page and its explorers' settings;
keys after a preset change it). :func:`parse_link` is the door for links: a key or value the
page cannot take raises :class:`~gqkit.errors.GQConfigError` naming it, and the app says so
in one short line. The app writes such a link for whatever a participant set up.

Nothing a participant does shows code or a traceback: gqkit's own errors become a short line
on the page; anything else is a bug, logged in full for the instructor (the server's log) and
shown as one line naming its type.
"""

from __future__ import annotations

import base64
import functools
import html
import inspect
import logging
import os
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ._code import literal
from .culture_widgets import ScenarioExplorer
from .errors import GQConfigError, GQDataError
from .examples import load_example
from .feedback_widgets import FeedbackExplorer
from .instrument import LEVEL_NAMES
from .io import InMemoryFile, read_responses, to_wide
from .widgets import Blitter, DetectionExplorer, Explorer, RepairExplorer, SimulationExplorer

__all__ = ["MAX_UPLOAD_BYTES", "PAGES", "PRESETS", "VOILA_KEYS", "CodeSwitch", "CulturePage", "DataPage", "DetectionPage", "GroupPage", "Page", "Preset",
           "RepairPage", "View", "WorkshopApp", "guarded", "link_query", "parse_link", "request_query"]

log = logging.getLogger("gqkit.workshop")

PAGES = {"group": "A group", "detection": "Detection", "repair": "Repair and feedback", "culture": "Cultural ruptures", "data": "Your data"}
MAX_UPLOAD_BYTES = 5_000_000  # a wide file of about 50,000 member-sessions; larger files: `gqkit report` on the command line
MAX_VALUE_CHARS = 80  # a link's value longer than this is refused, not read
VOILA_KEYS = ("token", "theme", "template")  # a link's keys that are Voila's own (a password, the look): not settings
_ERROR_STYLE = "color:#7f2704; background:#fff5eb; border-left:4px solid #d94801; padding:4px 8px; margin:4px 0"
_NOTE_STYLE = "color:#444; font-size:92%; margin:2px 0 6px 0"


@dataclass(frozen=True)
class Preset:
    """A named link: a page and the settings it opens with, for an instructor to hand out.

    Parameters
    ----------
    name : str
        What goes after ``?preset=`` (lower case and hyphens).
    page : str
        A key of :data:`PAGES`.
    settings : mapping
        Control name -> value of that page's explorers.
    title : str
        One line: what the preset shows.
    look_for : str
        What to notice or try; the instructor's guide repeats it.
    """

    name: str
    page: str
    settings: Mapping[str, object] = field(default_factory=dict)
    title: str = ""
    look_for: str = ""


PRESETS = {p.name: p for p in (
    Preset("unrepaired-leader-rupture", "group", {"level": "ML", "member": 3, "session": 6, "severity": 2.5, "repaired": False},
           "A member withdraws from the leader at session 6 and nothing repairs it.",
           "The member's member-leader bond stays low to the end; their member-member and member-group bonds drop about a third as much."),
    Preset("repaired-leader-rupture", "group", {"level": "ML", "member": 3, "session": 6, "severity": 2.5, "repaired": True, "repaired_at": 8},
           "The same rupture, repaired two sessions later.",
           "A V: the bond falls, then after the repair ends above where it started (Stiles et al., 2004; Gumz et al., 2012; how far above is the model's assumption)."),
    Preset("confrontation-spills-over", "group", {"level": "MM", "type": "confrontation", "member": 2, "session": 5, "severity": 3.0, "repaired": False, "scale": "NR"},
           "Two members clash at session 5; the negative relationship scale is shown.",
           "Other members' member-group ratings darken too: a visible conflict is felt by the whole group."),
    Preset("strict-change-alert", "detection", {"rule": "change", "knob": 3.5},
           "The change alert with a strict threshold (3.5 times a facet's usual change).",
           "Fewer false alarms, more missed ruptures: compare the table with the default z of 2.6."),
    Preset("status-alerts", "detection", {"rule": "status"},
           "Status alerts: a score in the at-risk range, whatever its change.",
           "Low precision: a member whose subscale is low, from the start or because a rupture stays open, is flagged session after session."),
    Preset("watch-member-member", "detection", {"rule": "change", "level": "MM"},
           "The change alert on the member-member facets only.",
           "Recall at the member-member level against the subscale rule: what the level view adds."),
    Preset("late-weak-repair", "repair", {"repair_session": 14, "quality": 0.4},
           "A rupture at session 5 repaired late (session 14) and poorly.",
           "The OQ benefit of this repair is small. Then try session 6 with the same quality: in this model timing matters far more than quality."),
    Preset("prompt-good-repair", "repair", {"repair_session": 6, "quality": 1.0},
           "The same rupture repaired at once and well.",
           "The bond ends higher than before the rupture, and the OQ benefit is largest."),
    Preset("committed-therapist", "repair", {"commitment": 0.9, "openness": 0.9, "self_doubt": 0.6},
           "Therapists committed to measurement-based care and open to feedback; press Run trial.",
           "Feedback's benefit grows with commitment and openness (de Jong et al., 2012). Openness also raises repairs without feedback."),
    Preset("reluctant-therapist", "repair", {"commitment": 0.2, "openness": 0.2, "self_doubt": 0.3},
           "Therapists who use feedback little; press Run trial.",
           "Feedback barely helps when the therapist does not act on it."),
    Preset("shaming-vs-repair", "culture", {"response": "shaming"},
           "A member's microaggression against m02, and a leader who shames the member who made it.",
           "The target recovers either way; shaming opens a new rupture for the member who made the remark (their alliance with the leader falls, their OQ ends worse). Compare with 'addressed' (Miles et al., 2021)."),
    Preset("leader-microaggression", "culture", {"source": "leader", "response": "not addressed"},
           "The leader makes the remark and never addresses it.",
           "The target's alliance with the leader falls at the remark and recovers only slowly; bystanders' bond with the group dips."),
    Preset("humble-leader", "culture", {"humility": 0.9, "comfort": 0.8, "opportunities": 0.8},
           "A leader high in cultural humility, comfort and cultural opportunities decides the response.",
           "How often the leader addresses the remark, and how much less it harms (Davis et al., 2016)."),
    Preset("your-data", "data", {}, "Upload your own GQ-structured data, or try the example file.",
           "Which members have status or change alerts, and at which level; download the report."),
)}  # fmt: skip


def _value(key: str, text: str) -> object:
    """A link's value as the control holds it: true/false, a whole number, a number, or text."""
    if len(text) > MAX_VALUE_CHARS:
        raise GQConfigError(key, text[:20] + "...", f"a value of at most {MAX_VALUE_CHARS} characters")
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?", text):
        return float(text)
    return text


def parse_link(query: str | None) -> tuple[str, dict[str, object]]:
    """The page and settings a link's query asks for.

    Parameters
    ----------
    query : str or None
        The part of the address after ``?`` (with or without the ``?``); empty or None: the
        first page with its defaults.

    Returns
    -------
    page : str
        A key of :data:`PAGES`.
    settings : dict
        Control name -> value, the preset's first, then the link's own; values are read as
        ``true``/``false``, whole numbers, numbers or text. Whether a page's explorer takes
        them is checked when it is built (:meth:`Page.build`). Voila's own keys
        (:data:`VOILA_KEYS`, e.g. ``token``) are left to Voila.

    Raises
    ------
    GQConfigError
        For an unknown preset or page, a key given twice, or a value too long to be a setting.

    Examples
    --------
    >>> parse_link("?preset=shaming-vs-repair")
    ('culture', {'response': 'shaming'})
    >>> parse_link("page=group&level=MM&severity=3.0&repaired=false")
    ('group', {'level': 'MM', 'severity': 3.0, 'repaired': False})
    """
    pairs = urllib.parse.parse_qsl((query or "").lstrip("?"), keep_blank_values=True)
    seen: set[str] = set()
    page, settings = "group", {}
    given: dict[str, object] = {}
    for key, text in pairs:
        if key in VOILA_KEYS:
            continue
        if key in seen:
            raise GQConfigError(key, text, "each setting once in a link")
        seen.add(key)
        if key == "preset":
            if text not in PRESETS:
                raise GQConfigError("preset", text, "one of " + ", ".join(PRESETS))
            page, settings = PRESETS[text].page, dict(PRESETS[text].settings)
        elif key == "page":
            if text not in PAGES:
                raise GQConfigError("page", text, "one of " + ", ".join(PAGES))
            given["page"] = text
        else:
            given[key] = _value(key, text)
    if "page" in given:
        chosen = given.pop("page")
        if "preset" in seen and chosen != page:
            raise GQConfigError("page", chosen, f"the preset's own page ({page}), or no page")
        page = str(chosen)
    return page, {**settings, **given}


def link_query(page: str, settings: Mapping[str, object], defaults: Mapping[str, object] | None = None) -> str:
    """The query of a link that opens ``page`` with ``settings`` (only those that differ from ``defaults``).

    Parameters
    ----------
    page : str
        A key of :data:`PAGES`.
    settings : mapping
        Control name -> value.
    defaults : mapping, optional
        The page's settings when it opens without a link; equal ones are left out.

    Returns
    -------
    str
        ``"?page=...&name=value..."``; :func:`parse_link` reads it back.

    Examples
    --------
    >>> link_query("group", {"level": "MM", "repaired": False, "seed": 1}, {"seed": 1})
    '?page=group&level=MM&repaired=false'
    """
    def text(value: object) -> str:
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    kept = {k: text(v) for k, v in settings.items() if defaults is None or k not in defaults or defaults[k] != v}
    return "?" + urllib.parse.urlencode({"page": page, **kept})


def request_query() -> str:
    """The query of the address the participant opened, inside a Voila kernel (empty elsewhere).

    With a pre-heated pool, Voila runs the notebook before anyone asks; this waits for the
    request that takes the kernel (:func:`voila.utils.wait_for_request`), then reads it.

    Returns
    -------
    str
    """
    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        from voila.utils import wait_for_request

        wait_for_request()
    return os.environ.get("QUERY_STRING", "")


def _base_url() -> str:
    """The address the participant used, without the query (empty outside Voila)."""
    host, port, path = (os.environ.get(k, "") for k in ("SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME"))
    if not host:
        return ""
    return f"http://{host}{':' + port if port else ''}{path or '/'}"


def _code_block(text: str) -> str:
    return (f'<pre class="gq-code" style="background:#f6f8fa; padding:8px; margin:4px 0; font-family:monospace; font-size:12px; line-height:1.35; '
            f'white-space:pre-wrap">{html.escape(text)}</pre>')


def _error_line(error: Exception) -> str:
    """One short line for the page: gqkit's own message, or the type of an unexpected error."""
    if isinstance(error, GQConfigError):
        text = f"{error.parameter} = {error.value!r} is not allowed: expected {error.expected}"
    elif isinstance(error, GQDataError):
        text = str(error).splitlines()[0]
    else:
        text = f"something went wrong inside the app ({type(error).__name__}); the instructor can read the details in the server's log"
    return f'<p class="gq-error" style="{_ERROR_STYLE}">&#9888; {html.escape(text)}</p>'


def guarded(show: Callable[[str], None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a callback so no exception leaves it: gqkit's errors and bugs both become one line given to ``show``.

    Parameters
    ----------
    show : callable
        Takes the line's HTML.

    Returns
    -------
    callable
        A decorator.
    """
    def wrap(callback: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return callback(*args, **kwargs)
            except (GQConfigError, GQDataError) as error:
                show(_error_line(error))
            except Exception as error:  # a bug: the page gets one line, the log the traceback
                log.exception("workshop app: %s failed", getattr(callback, "__name__", "a callback"))
                show(_error_line(error))
            return None

        return run

    return wrap


class CodeSwitch(widgets.VBox):
    """A "Show the code" button and the code it reveals, written afresh by ``code()`` while shown.

    Parameters
    ----------
    code : callable
        Returns the Python source that reproduces the view (an explorer's ``code``).
    """

    def __init__(self, code: Callable[[], str]):
        self._code = code
        self.toggle = widgets.ToggleButton(description="Show the code", icon="code", tooltip="the gqkit calls that make this view",
                                           layout=widgets.Layout(width="160px"))  # fmt: skip
        self.box = widgets.HTML(layout=widgets.Layout(display="none"))
        self.toggle.observe(lambda change: self.refresh(), names="value")
        super().__init__([self.toggle, self.box])

    def refresh(self) -> None:
        """Show or hide the code as the button says; write it again if shown."""
        shown = self.toggle.value
        self.toggle.description = "Hide the code" if shown else "Show the code"
        self.box.layout.display = "" if shown else "none"
        if shown:
            self.box.value = _code_block(self._code())


class View(widgets.VBox):
    """One explorer with its code switch (:class:`CodeSwitch`) under it.

    Parameters
    ----------
    explorer : Explorer
        An explorer with a ``code()`` method.
    heading : str
        HTML above it.
    """

    def __init__(self, explorer: Explorer, heading: str = ""):
        self.explorer = explorer
        self.switch = CodeSwitch(explorer.code)  # every explorer a page shows has code()
        for control in explorer.controls.values():
            control.observe(lambda change: self.switch.refresh(), names="value")
        super().__init__([widgets.HTML(heading), explorer, self.switch])


class Page(widgets.VBox):
    """A page of the app: an introduction and one or more explorers, built from a link's settings.

    Subclasses set :attr:`name` and :attr:`intro` and implement :meth:`explorers`.

    Parameters
    ----------
    settings : mapping, optional
        Control name -> value for the page's explorers (from :func:`parse_link`).

    Raises
    ------
    GQConfigError
        Naming a setting that none of the page's explorers takes, or a value its control cannot hold.
    """

    name = ""
    intro = ""

    def __init__(self, settings: Mapping[str, object] | None = None):
        self.views = self.build(dict(settings or {}))
        super().__init__([widgets.HTML(self.describe()), *self.views], layout=widgets.Layout(padding="4px"))

    def describe(self) -> str:
        """The page's introduction (HTML): :attr:`intro`, with any numbers it shows filled in from the page's data.

        Returns
        -------
        str
        """
        return self.intro

    def explorers(self) -> list[tuple[Callable[..., Explorer], dict[str, Any], str]]:
        """Each explorer of the page: its class, fixed keyword arguments and heading.

        Returns
        -------
        list of (class, dict, str)
        """
        raise NotImplementedError

    def build(self, settings: dict[str, object]) -> list[View]:
        """Make the page's explorers, giving each the settings its constructor names.

        Parameters
        ----------
        settings : dict
            Control name -> value.

        Returns
        -------
        list of View
        """
        parts = [(cls, fixed, heading, set(inspect.signature(cls).parameters) - set(fixed)) for cls, fixed, heading in self.explorers()]
        taken = set().union(*(names for *_, names in parts))
        unknown = [k for k in settings if k not in taken]
        if unknown:
            raise GQConfigError(unknown[0], settings[unknown[0]], f"a setting of the {PAGES[self.name]!r} page: one of {', '.join(sorted(taken))}")
        return [View(cls(**fixed, **{k: v for k, v in settings.items() if k in names}), heading) for cls, fixed, heading, names in parts]

    def settings(self) -> dict[str, object]:
        """Every control of the page's explorers, by name (what a link carries).

        Returns
        -------
        dict
        """
        return {name: value for view in self.views for name, value in view.explorer.settings().items()}


class GroupPage(Page):
    """Simulate one group, place a rupture and see it at each level.

    Parameters
    ----------
    settings : mapping, optional
        As for :class:`Page`: control name -> value for its explorers.
    """

    name = "group"
    intro = ("<h3>A group</h3><p>Eight members answer a GQ-structured questionnaire every session. Place one rupture "
             "(who, with whom, when, how severe, repaired or not) and see where it shows: member-member, member-leader or "
             "member-group. The items are gqkit's illustrative ones, built like the GQ's three subscales at three levels "
             "(Johnson et al., 2005; Burlingame et al., 2021).</p>")  # fmt: skip

    def explorers(self) -> list[tuple[Callable[..., Explorer], dict[str, Any], str]]:
        return [(SimulationExplorer, {}, "")]


class DetectionPage(Page):
    """Choose a rule, the level it watches and its threshold; see hits, misses and false alarms.

    Parameters
    ----------
    settings : mapping, optional
        As for :class:`Page`: control name -> value for its explorers.
    """

    name = "detection"
    intro = ("<h3>Detection</h3><p>{groups} simulated groups (the <i>course</i> dataset) with {ruptures} known ruptures. A rule raises alerts from each member's "
             "scores up to that session, as a feedback report would. Marks show ruptures found and missed and the false "
             "alarms; the table counts them. Status and change alerts are the kinds GQ reports carry (Burlingame et al., "
             "2018); the thresholds are fitted to gqkit's simulated norms (Jacobson & Truax, 1991).</p>")  # fmt: skip

    def explorers(self) -> list[tuple[Callable[..., Explorer], dict[str, Any], str]]:
        return [(DetectionExplorer, {"cohort": load_example("course")}, "")]

    def describe(self) -> str:
        cohort = self.views[0].explorer.cohort
        return self.intro.format(groups=len(cohort.groups), ruptures=int((cohort.events["kind"] == "rupture").sum()))


class RepairPage(Page):
    """One rupture's repair, then a trial of feedback for therapists you set.

    Parameters
    ----------
    settings : mapping, optional
        As for :class:`Page`: control name -> value for its explorers.
    """

    name = "repair"
    intro = ("<h3>Repair and feedback</h3><p>First, one rupture: when the leader repairs it and how well, and what that "
             "does to the member's bond and outcome (Eubanks et al., 2018). Then a whole trial: groups whose leaders get "
             "feedback or not, for therapists as committed, open and self-doubting as you set them (de Jong et al., 2012; "
             "Nissen-Lie et al., 2010). A trial takes a few seconds: it runs when you press the button.</p>")  # fmt: skip

    def explorers(self) -> list[tuple[Callable[..., Explorer], dict[str, Any], str]]:
        return [(RepairExplorer, {"n_groups": 12}, "<h4>One rupture, repaired or not</h4>"),  # a link's n_groups is the trial's
                (FeedbackExplorer, {"run": False}, "<h4>A trial of feedback</h4>")]  # fmt: skip


class CulturePage(Page):
    """A microaggression in the group, and the leader's response.

    Parameters
    ----------
    settings : mapping, optional
        As for :class:`Page`: control name -> value for its explorers.
    """

    name = "culture"
    intro = ("<h3>Cultural ruptures</h3><p>A remark that slights a member's identity, from another member or from the "
             "leader (Sue, 2010). How the leader responds -- addressing it, letting it pass, or shaming the member who made "
             "it -- and the leader's multicultural orientation shape what follows for the member targeted, the member who "
             "made it and the bystanders (Miles et al., 2021; Owen et al., 2014; Davis et al., 2018).</p>")  # fmt: skip

    def explorers(self) -> list[tuple[Callable[..., Explorer], dict[str, Any], str]]:
        return [(ScenarioExplorer, {}, "")]


class DataPage(widgets.VBox):
    """Upload a responses file; see it checked, its alerts per level, and a feedback report to download.

    The file is read from memory (:class:`~gqkit.io.InMemoryFile`) by :func:`gqkit.read_responses`
    -- never written to disk -- and kept only in this participant's kernel. A file over
    :data:`MAX_UPLOAD_BYTES` is refused with a message. Problems are listed by line and column,
    as :class:`~gqkit.errors.GQDataError` gives them.

    Parameters
    ----------
    settings : mapping, optional
        None are taken (a link cannot carry data); given for the same interface as :class:`Page`.

    Attributes
    ----------
    responses, scores, alerts : DataFrame or None
        The checked file, its scores and its status and change alerts (:func:`gqkit.report.report_alerts`).
    source : str
        The file's name.
    report_html : str
        The last report made (empty before).
    """

    name = "data"
    intro = ("<h3>Your data</h3><p>Upload a CSV file of answers to a GQ-structured questionnaire: <i>long</i> (columns "
             "group, member, session, item, response) or <i>wide</i> (group, member, session and one column per item, "
             "gq01 to gq30 in gqkit's illustrative key). The file stays in this browser tab's Python session: it is never "
             "written to disk and no one else sees it. You get member x session heatmaps per level with status and change "
             "alerts, and a feedback report per group and per member in the manner of GQ feedback reports (Burlingame et al., "
             "2018), as one HTML file to download.</p>")  # fmt: skip

    def __init__(self, settings: Mapping[str, object] | None = None):
        if settings:
            key = next(iter(settings))
            raise GQConfigError(key, settings[key], "no settings: a link to 'Your data' carries none")
        from matplotlib.figure import Figure

        W = widgets
        self.responses: pd.DataFrame | None = None
        self.scores: pd.DataFrame | None = None
        self.alerts: pd.DataFrame | None = None
        self.source = ""
        self.report_html = ""
        self._filling = False
        self.upload = W.FileUpload(accept=".csv,.tsv,.txt", multiple=False, description="Upload CSV", layout=W.Layout(width="160px"))
        self.example = W.Button(description="Try the example file", icon="table", layout=W.Layout(width="190px"))
        self.layout_choice = W.Dropdown(options=[("tell from the header", "auto"), ("long", "long"), ("wide", "wide")], description="layout")
        self.missing = W.Text(description="missing codes", placeholder="e.g. -99, .", style={"description_width": "initial"})
        self.status = W.HTML()
        self.group = W.Dropdown(description="group")
        self.scale = W.ToggleButtons(options=[("bond (PB)", "PB"), ("work (PW)", "PW"), ("negative (NR)", "NR")], description="show")
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.table = W.HTML()
        self.member = W.Dropdown(description="report for")
        self.make = W.Button(description="Make the report", icon="file", button_style="primary", layout=W.Layout(width="170px"))
        self.download = W.HTML()
        self.figure = Figure(figsize=(12, 3.4), dpi=72)
        self.axes = list(self.figure.subplots(1, 3, sharey=True))
        self.figure.subplots_adjust(left=0.07, right=0.9, top=0.88, bottom=0.24, wspace=0.12)
        self._bar = self.figure.add_axes((0.92, 0.24, 0.012, 0.64))
        self._blit = Blitter(self.figure)
        self._loads = 0  # files read so far: a new file is a new picture
        self.switch = CodeSwitch(self.code)
        self.results = W.VBox([W.HBox([self.group, self.scale]), self.image, self.table, W.HBox([self.member, self.make]), self.download, self.switch],
                               layout=W.Layout(display="none"))  # fmt: skip
        sample = _download_link("gqkit_example_wide.csv", _example_csv(), "text/csv", "download the example file")
        head = W.HBox([self.upload, self.example, self.layout_choice, self.missing], layout=W.Layout(flex_flow="row wrap", align_items="center"))
        note = W.HTML(f'<p style="{_NOTE_STYLE}">Files up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB; for larger ones use '
                      f"<code>gqkit report FILE --out report.html</code> on your own computer. To see the layout, {sample}.</p>")  # fmt: skip
        show = guarded(self._show_error)
        self.upload.observe(show(self._uploaded), names="value")
        self.example.on_click(show(lambda button: self.load(InMemoryFile("gqkit_example_wide.csv", _example_csv()))))
        self.group.observe(show(lambda change: self._group_changed()), names="value")
        self.scale.observe(show(lambda change: self._draw()), names="value")
        self.make.on_click(show(lambda button: self.make_report()))
        super().__init__([W.HTML(self.intro), head, note, self.status, self.results], layout=W.Layout(padding="4px"))

    def settings(self) -> dict[str, object]:
        """None: a link cannot carry a participant's data.

        Returns
        -------
        dict
        """
        return {}

    def _show_error(self, line: str) -> None:
        self.status.value = line

    def _uploaded(self, change: Mapping) -> None:
        files = change["new"]
        if not files:
            return  # the value was cleared after a read
        file = files[0]
        self.upload.value = ()  # the page keeps only what it read; the same file can be uploaded again
        if file["size"] > MAX_UPLOAD_BYTES:
            raise GQConfigError("file", f"{file['name']} ({file['size'] / 1e6:.1f} MB)", f"a file of at most {MAX_UPLOAD_BYTES / 1e6:.0f} MB "
                                "(larger files: gqkit report on your own computer)")  # fmt: skip
        self.load(InMemoryFile(file["name"], bytes(file["content"])))

    def load(self, file: InMemoryFile) -> None:
        """Check ``file`` and show it; its problems, by line and column, if it cannot be read.

        Parameters
        ----------
        file : InMemoryFile
            The upload.
        """
        from .report import report_alerts
        from .scoring import score

        self.results.layout.display = "none"
        self.download.value = ""
        codes = [c.strip() for c in self.missing.value.split(",") if c.strip()]
        try:
            responses = read_responses(file, layout=self.layout_choice.value, missing=codes)
        except GQDataError as error:
            self.responses = None
            self.status.value = _problems_html(error)
            return
        self.responses, self.source = responses, file.name
        self._loads += 1
        self.scores = score(responses)
        self.alerts = report_alerts(self.scores)
        groups = sorted(responses["group"].unique())
        n_members = responses[["group", "member"]].drop_duplicates().shape[0]
        alerts = self.alerts
        self.status.value = (f'<p class="gq-data-ok">&#10003; <b>{html.escape(file.name)}</b>: {len(groups)} group(s), {n_members} members, '
                             f"sessions {int(responses['session'].min())} to {int(responses['session'].max())}; "
                             f"{len(alerts)} alerts.</p>")  # fmt: skip
        self._filling = True  # the group's observer waits: the page is drawn once, below
        try:
            self.group.options = groups
            self.group.value = groups[0]
        finally:
            self._filling = False
        self._group_changed()
        self.results.layout.display = ""

    def _group_changed(self) -> None:
        if self.responses is None or self._filling:
            return
        members = sorted(self.responses.loc[self.responses["group"] == self.group.value, "member"].unique())
        self.member.options = [("the whole group", "")] + [(f"member {m}", m) for m in members]
        self.member.value = ""
        self.download.value = ""
        self._draw()

    def _draw(self) -> None:
        from .plots import alert_heatmaps

        if self.scores is None:
            return
        alert_heatmaps(self.scores, self.alerts, scale=self.scale.value, group=self.group.value, axes=self.axes, colorbar=self._bar)
        moving = [artist for ax in self.axes for artist in (*ax.get_images(), *ax.collections)]  # the cells and the alert marks
        self.image.value = self._blit.png((self._loads, self.scale.value, self.group.value), moving)  # titles, ticks, bar and legend follow these
        alerts = self.alerts[(self.alerts["group"] == self.group.value)] if self.alerts is not None else None
        if alerts is None or alerts.empty:
            self.table.value = "<p>No status or change alerts in this group.</p>"
        else:
            counts = alerts.groupby(["alert", "level"]).size().unstack(fill_value=0).reindex(index=["status", "change"], columns=["all", "MM", "ML", "MG"], fill_value=0)
            counts.index = [f"{kind} alerts" for kind in counts.index]
            counts.columns = ["on the subscales", *(LEVEL_NAMES[level] for level in counts.columns[1:])]
            self.table.value = ('<p style="margin:4px 0"><b>Alerts in this group</b>, all sessions:</p>'
                                + counts.to_html(border=0, classes="gq-alert-counts"))  # fmt: skip
        self.switch.refresh()

    def make_report(self) -> None:
        """Make the feedback report for the group (and member) chosen, and offer it as a download."""
        from .report import feedback_report

        if self.responses is None:
            return
        member = self.member.value or None
        self.download.value = '<p class="gq-running">Making the report ...</p>'
        self.make.disabled = True
        try:
            self.report_html = feedback_report(self.responses, group=self.group.value, member=member, source=self.source)
        finally:
            self.make.disabled = False
        name = f"gq_report_{_slug(self.group.value)}{'_' + _slug(member) if member else ''}.html"
        self.download.value = _download_link(name, self.report_html.encode("utf-8"), "text/html", f"Download the report ({name})")

    def code(self) -> str:
        """The gqkit calls that make this view from the file on your own computer: ``alerts`` holds its alerts.

        Returns
        -------
        str
        """
        member = self.member.value or None
        read = f"gqkit.read_responses({literal(self.source)}, layout={literal(self.layout_choice.value)}"
        codes = [c.strip() for c in self.missing.value.split(",") if c.strip()]
        read += f", missing={literal(codes)})" if codes else ")"
        return "\n".join([
            "import gqkit",
            "from gqkit.plots import alert_heatmaps",
            "from gqkit.report import feedback_report, report_alerts",
            "",
            f"responses = {read}",
            "scores = gqkit.score(responses)",
            "alerts = report_alerts(scores)",
            f"alert_heatmaps(scores, alerts, scale={literal(self.scale.value)}, group={literal(self.group.value)})",
            f"report = feedback_report(responses, group={literal(self.group.value)}, member={literal(member)}, source={literal(self.source)})",
            'open("report.html", "w", encoding="utf-8").write(report)',
        ])  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-") or "x"


def _download_link(name: str, data: bytes, mime: str, label: str) -> str:
    """An HTML link that saves ``data`` as ``name``: the bytes travel inside the link, nothing is stored on the server."""
    href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return f'<a class="gq-download" download="{html.escape(name)}" href="{href}" style="color:#0b5cad; text-decoration:underline">{html.escape(label)}</a>'


@functools.cache
def _example_csv() -> bytes:
    """The example file: the 'classroom' dataset's answers in wide layout (made once per kernel)."""
    return to_wide(load_example("classroom").responses).to_csv(index=False).encode("utf-8")


def _problems_html(error: GQDataError) -> str:
    """The problems of a file as a short table: where, column, what was there, what was expected."""
    rows = "".join(f"<tr><td>{html.escape(p.where)}</td><td>{html.escape(p.column)}</td><td>{html.escape(p.value[:40])}</td>"
                   f"<td>{html.escape(p.expected)}</td></tr>" for p in error.problems[:20])  # fmt: skip
    more = len(error.problems) - 20 + error.n_more
    tail = f"<p>... and {more} more.</p>" if more > 0 else ""
    return (f'<div class="gq-error" style="{_ERROR_STYLE}"><p>&#9888; <b>{html.escape(str(error).splitlines()[0])}</b></p>'
            '<table class="gq-problems"><tr><th>where</th><th>column</th><th>found</th><th>expected</th></tr>'
            f"{rows}</table>{tail}</div>")  # fmt: skip


_PAGE_CLASSES: dict[str, Callable[..., widgets.Widget]] = {"group": GroupPage, "detection": DetectionPage, "repair": RepairPage,
                                                            "culture": CulturePage, "data": DataPage}  # fmt: skip


class WorkshopApp(widgets.VBox):
    """The whole app: a header, five pages as tabs, a menu of scenarios and a link to the settings on show.

    A page is built the first time it is opened (the first page at once), so the app is
    ready in about a second. :meth:`apply_link` applies a link; the scenario menu applies a
    preset the same way, in the same kernel (a new link in the browser starts a new one).

    Parameters
    ----------
    query : str, optional
        A link's query (``"?preset=shaming-vs-repair"``); see :func:`parse_link`. A link the
        app cannot take leaves the first page as it is and says why in one line.
    base_url : str, optional
        The address links are written for; default the one the participant opened (in Voila).

    Attributes
    ----------
    pages : dict
        Page name -> page, for the pages built so far.
    tabs : Tab
        The page tabs, in the order of :data:`PAGES`.
    message : HTML
        Empty, or the one line about a link or an error.
    scenario : Dropdown
        The presets (:data:`PRESETS`); choosing one applies it.
    note : HTML
        The preset on show: its title and what to look for.

    Examples
    --------
    >>> app = WorkshopApp("?preset=strict-change-alert")
    >>> app.current(), app.pages["detection"].settings()["knob"]
    ('detection', 3.5)
    >>> app.share()
    '?page=detection&knob=3.5'
    """

    def __init__(self, query: str | None = None, *, base_url: str | None = None):
        W = widgets
        self._base_url = base_url  # None: read when a link is written (a pre-heated kernel learns it only with the request)
        self.pages: dict[str, widgets.Widget] = {}
        self._defaults: dict[str, dict[str, object]] = {}
        self.message = W.HTML()
        self.tabs = W.Tab(children=[W.VBox([W.HTML("<p>Loading ...</p>")]) for _ in PAGES], titles=list(PAGES.values()))
        self.link = W.Text(description="link", layout=W.Layout(width="620px"), style={"description_width": "40px"})
        self.share_button = W.Button(description="Link to these settings", icon="link", tooltip="a link that opens this page with its settings",
                                     layout=W.Layout(width="200px"))  # fmt: skip
        self.open_link = W.HTML()
        self.scenario = W.Dropdown(options=[("choose one ...", "")] + [(f"{PAGES[p.page]}: {p.name}", p.name) for p in PRESETS.values()],
                                   description="scenario", layout=W.Layout(width="420px"), style={"description_width": "70px"})  # fmt: skip
        self.note = W.HTML()
        header = W.HTML('<h2 style="margin:4px 0">gqkit workshop: ruptures and repair in group therapy</h2>'
                        f'<p style="{_NOTE_STYLE}">A simulation sandbox with known truth; nothing here is real client data '
                        "unless you upload your own. Sources: the kit's REFERENCES page.</p>")  # fmt: skip
        share = W.HBox([self.scenario, self.share_button, self.link, self.open_link], layout=W.Layout(flex_flow="row wrap", align_items="center"))
        show = guarded(self._say)
        self.tabs.observe(show(lambda change: self._build(self.current())), names="selected_index")
        self.share_button.on_click(show(lambda button: self._show_link()))
        self.scenario.observe(show(self._scenario_chosen), names="value")
        super().__init__([header, share, self.message, self.note, self.tabs])
        self.apply_link(query)

    def _say(self, line: str) -> None:
        self.message.value = line

    def _scenario_chosen(self, change: Mapping) -> None:
        if change["new"]:
            self.apply_link(f"?preset={change['new']}")

    def current(self) -> str:
        """The name of the page on show.

        Returns
        -------
        str
        """
        return list(PAGES)[self.tabs.selected_index or 0]

    def apply_link(self, query: str | None) -> None:
        """Apply a link: build its page with its settings and show it (or say why not, keeping the page on show).

        Parameters
        ----------
        query : str or None
            As for :func:`parse_link`.
        """
        self.message.value = ""
        try:
            page, settings = parse_link(query)
            if settings or page not in self.pages:
                self._build(page, settings, replace=True)
        except (GQConfigError, GQDataError) as error:
            self._say(_error_line(error).replace("&#9888; ", "&#9888; This link cannot be opened: ", 1))
            self._build(self.current())
            return
        self.tabs.selected_index = list(PAGES).index(page)
        preset = PRESETS.get(dict(urllib.parse.parse_qsl((query or "").lstrip("?"))).get("preset", ""))
        self.note.value = "" if preset is None else (
            f'<p class="gq-preset" style="{_NOTE_STYLE}"><b>{html.escape(preset.title)}</b> Look for: {html.escape(preset.look_for)}</p>')
        if self.scenario.value != (preset.name if preset else ""):
            self.scenario.value = preset.name if preset else ""  # the menu says which scenario is on show (choosing it again applies nothing new)

    def _build(self, name: str, settings: Mapping[str, object] | None = None, *, replace: bool = False) -> None:
        """Build page ``name`` (with ``settings``) unless it is built and nothing new is asked."""
        if name in self.pages and not replace:
            return
        page = _PAGE_CLASSES[name](settings)
        self.pages[name] = page
        children = list(self.tabs.children)
        children[list(PAGES).index(name)] = page
        self.tabs.children = children

    def share(self) -> str:
        """The link (its query) to the page on show with its settings now.

        Returns
        -------
        str
        """
        name = self.current()
        self._build(name)
        if name not in self._defaults:  # the page as it opens without a link: a link names only what differs
            self._defaults[name] = _PAGE_CLASSES[name]().settings()
        return link_query(name, self.pages[name].settings(), self._defaults[name])

    def _show_link(self) -> None:
        query = self.share()
        self.link.value = (_base_url() if self._base_url is None else self._base_url) + query
        self.open_link.value = f'<a href="{html.escape(query)}" target="_blank" style="color:#0b5cad">open it in a new tab</a>'
