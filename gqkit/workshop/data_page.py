"""The workshop app's page for a participant's own data: upload, checks, alerts, a report to download."""

from __future__ import annotations

import base64
import functools
import html
import re
from collections.abc import Mapping

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from .._code import literal
from ..errors import GQConfigError, GQDataError
from ..examples import load_example
from ..instrument import LEVEL_NAMES
from ..io import InMemoryFile, read_responses, to_wide
from ..plots import alert_heatmaps
from ..report import feedback_report, report_alerts
from ..scoring import score
from ..widgets import Blitter
from .pages import _ERROR_STYLE, _NOTE_STYLE, CodeSwitch, guarded

__all__ = ["MAX_UPLOAD_BYTES", "DataPage"]

MAX_UPLOAD_BYTES = 5_000_000  # a wide file of about 50,000 member-sessions; larger files: `gqkit report` on the command line


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

        W = widgets
        self.responses: pd.DataFrame | None = None
        self.scores: pd.DataFrame | None = None
        self.alerts: pd.DataFrame | None = None
        self.source = ""
        self.report_html = ""
        self._filling = False
        self._read_with: tuple[str, list[str]] = ("auto", [])
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
        self.make.on_click(guarded(self._report_failed)(lambda button: self.make_report()))  # a failed report says so where it would have been
        self.member.observe(show(lambda change: self.switch.refresh()), names="value")
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

    def _report_failed(self, line: str) -> None:
        self.download.value = line

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

        self.results.layout.display = "none"
        self.download.value = ""
        codes = [c.strip() for c in self.missing.value.split(",") if c.strip()]
        try:
            responses = read_responses(file, layout=self.layout_choice.value, missing=codes)
            self._read_with = (self.layout_choice.value, codes)  # what the shown code reads the file with
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
        layout, codes = self._read_with
        read = f"gqkit.read_responses({literal(self.source)}, layout={literal(layout)}" + (f", missing={literal(codes)})" if codes else ")")
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
