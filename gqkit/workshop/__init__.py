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

from .app import WorkshopApp
from .data_page import MAX_UPLOAD_BYTES, DataPage
from .links import PAGES, PRESETS, VOILA_KEYS, Preset, link_query, parse_link, request_query
from .pages import CodeSwitch, CulturePage, DetectionPage, GroupPage, Page, RepairPage, View, guarded

__all__ = ["MAX_UPLOAD_BYTES", "PAGES", "PRESETS", "VOILA_KEYS", "CodeSwitch", "CulturePage", "DataPage", "DetectionPage", "GroupPage", "Page", "Preset",
           "RepairPage", "View", "WorkshopApp", "guarded", "link_query", "parse_link", "request_query"]
