"""The workshop app's pages: a frame around the notebooks' explorers, with "show the code".

Each :class:`Page` is an introduction and one or more explorers (:class:`View`), built from a
link's settings; :func:`guarded` keeps any exception of a callback off the page.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from ..culture_widgets import ScenarioExplorer
from ..errors import GQConfigError, GQDataError
from ..examples import load_example
from ..feedback_widgets import FeedbackExplorer
from ..widgets import DetectionExplorer, Explorer, RepairExplorer, SimulationExplorer
from .links import PAGES

__all__ = ["CodeSwitch", "CulturePage", "DetectionPage", "GroupPage", "Page", "RepairPage", "View", "guarded"]

log = logging.getLogger("gqkit.workshop")

_ERROR_STYLE = "color:#7f2704; background:#fff5eb; border-left:4px solid #d94801; padding:4px 8px; margin:4px 0"
_NOTE_STYLE = "color:#444; font-size:92%; margin:2px 0 6px 0"


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
        """Make the page's explorers, giving each the settings of its controls (:attr:`Explorer.CONTROLS`).

        Only controls: their values are checked as the explorer starts (a value a control
        cannot hold is refused, never clamped), while its other arguments (sizes, seeds of
        replicate groups) stay as the page fixes them.

        Parameters
        ----------
        settings : dict
            Control name -> value.

        Returns
        -------
        list of View
        """
        parts = [(cls, fixed, heading, set(cls.CONTROLS)) for cls, fixed, heading in self.explorers()]  # type: ignore[attr-defined]  # explorer classes
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
