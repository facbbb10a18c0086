"""The workshop app itself: a header, the five pages as tabs, the scenario menu and the settings link."""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Callable, Mapping

import ipywidgets as widgets

from ..errors import GQConfigError, GQDataError
from .data_page import DataPage
from .links import PAGES, PRESETS, _base_url, link_query, parse_link
from .pages import _NOTE_STYLE, CulturePage, DetectionPage, GroupPage, RepairPage, _error_line, guarded, log

__all__ = ["WorkshopApp"]

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
    '?page=detection&rule=change&level=&knob=3.5&tolerance=3&group=g001'
    """

    def __init__(self, query: str | None = None, *, base_url: str | None = None):
        W = widgets
        self._base_url = base_url  # None: read when a link is written (a pre-heated kernel learns it only with the request)
        self.pages: dict[str, widgets.Widget] = {}
        self._showing = False  # the menu is being set to what is on show
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
        if change["new"] and not self._showing:
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
        except Exception as error:  # gqkit's refusals name the setting; anything else is a bug, logged (the page must still show)
            if not isinstance(error, (GQConfigError, GQDataError)):
                log.exception("workshop app: the link %r failed", query)
            self._say(_error_line(error).replace("&#9888; ", "&#9888; This link cannot be opened: ", 1))
            self._build(self.current())
            return
        self.tabs.selected_index = list(PAGES).index(page)
        preset = PRESETS.get(dict(urllib.parse.parse_qsl((query or "").lstrip("?"))).get("preset", ""))
        self.note.value = "" if preset is None else (
            f'<p class="gq-preset" style="{_NOTE_STYLE}"><b>{html.escape(preset.title)}</b> Look for: {html.escape(preset.look_for)}</p>')
        self._showing = True  # the menu says which scenario is on show; saying so applies nothing
        try:
            self.scenario.value = preset.name if preset else ""
        finally:
            self._showing = False

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
        return link_query(name, self.pages[name].settings())  # every control: a default may follow another control (the knob, the rule)

    def _show_link(self) -> None:
        query = self.share()
        self.link.value = (_base_url() if self._base_url is None else self._base_url) + query
        self.open_link.value = f'<a href="{html.escape(query)}" target="_blank" style="color:#0b5cad">open it in a new tab</a>'
