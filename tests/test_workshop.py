"""The workshop app, driven headlessly through the widgets' values (the path a browser's messages take).

Links (the door: parse_link), presets, the settings link's round trip, "show the code" (run, and
compared with the view's numbers), the own-data page (problems by line and column, the size
limit, the report download, nothing written to disk) and the rule that no exception leaves a
callback.
"""

from __future__ import annotations

import base64
import builtins
import io
import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gqkit import GQConfigError, load_example, to_wide
from gqkit.culture_widgets import ScenarioExplorer
from gqkit.feedback_widgets import FeedbackExplorer
from gqkit.widgets import DetectionExplorer, RepairExplorer, SimulationExplorer
from gqkit.workshop import MAX_UPLOAD_BYTES, PAGES, PRESETS, DataPage, WorkshopApp, guarded, link_query, parse_link
from gqkit.workshop.links import _value

# --- links --------------------------------------------------------------------------------------


def test_a_preset_gives_its_page_and_settings_and_the_link_can_change_them():
    assert parse_link("?preset=shaming-vs-repair") == ("culture", {"response": "shaming"})
    assert parse_link("preset=shaming-vs-repair&humility=0.9") == ("culture", {"response": "shaming", "humility": 0.9})
    assert parse_link("") == ("group", {}) and parse_link(None) == ("group", {})
    assert parse_link("?token=s3cret&preset=your-data") == ("data", {})  # Voila's password is Voila's


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("?preset=nope", "preset"),
        ("?page=nowhere", "page"),
        ("?level=MM&level=ML", "level"),
        ("?preset=shaming-vs-repair&page=group", "page"),
        ("?seed=" + "9" * 100, "seed"),
    ],
)
def test_a_link_the_app_cannot_take_names_its_part(query, parameter):
    with pytest.raises(GQConfigError) as info:
        parse_link(query)
    assert info.value.parameter == parameter


_values = st.one_of(st.booleans(), st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)),
                    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
                    .filter(lambda s: isinstance(_value("k", s), str)))  # text that reads as text, not as a number or true/false  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(page=st.sampled_from(list(PAGES)), values=st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True).filter(lambda k: k not in ("page", "preset", "token", "theme", "template")), _values, max_size=6))
def test_a_written_link_reads_back_as_written(page, values):
    assert parse_link(link_query(page, values)) == (page, values)


def test_every_preset_opens_its_page_with_its_settings():
    for name, preset in PRESETS.items():
        app = WorkshopApp(f"?preset={name}")
        assert app.message.value == "", (name, app.message.value)
        assert app.current() == preset.page
        shown = app.pages[preset.page].settings()
        assert {k: shown[k] for k in preset.settings} == dict(preset.settings), name


def test_a_settings_link_opens_the_same_view():
    app = WorkshopApp()
    explorer = app.pages["group"].views[0].explorer
    explorer.controls["level"].value = "MM"
    explorer.controls["severity"].value = 2.7
    explorer.controls["repaired"].value = False
    query = app.share()
    assert query.startswith("?page=group&") and "level=MM" in query and "severity=2.7" in query and "repaired=false" in query
    again = WorkshopApp(query)
    assert again.pages["group"].settings() == app.pages["group"].settings()
    pd.testing.assert_frame_equal(again.pages["group"].views[0].explorer.cohort.scores(), explorer.cohort.scores())


def test_links_carry_the_settings_of_every_page():
    app = WorkshopApp()
    for name in ("detection", "repair", "culture"):
        app.tabs.selected_index = list(PAGES).index(name)
        view = app.pages[name].views[-1]
        control = next(c for c in view.explorer.controls.values() if hasattr(c, "step") and not c.disabled)
        control.value = control.max
        query = app.share()
        assert WorkshopApp(query).pages[name].settings() == app.pages[name].settings(), (name, query)


def test_keys_after_a_preset_change_it_in_the_app():
    app = WorkshopApp("?preset=shaming-vs-repair&humility=0.9")
    settings = app.pages["culture"].settings()
    assert settings["response"] == "shaming" and settings["humility"] == 0.9
    assert app.scenario.value == "shaming-vs-repair"


@pytest.mark.parametrize("query", ["?page=culture&severity=abc", "?page=culture&seed=abc", "?page=repair&seed=abc", "?page=culture&n_groups=100000000",
                                   "?page=repair&n_members=8.5", "?page=group&seed=1.9", "?page=detection&knob=true"])  # fmt: skip
def test_a_link_sets_controls_only_and_each_as_its_control_allows(query):
    app = WorkshopApp(query)
    assert "This link cannot be opened" in app.message.value and "something went wrong" not in app.message.value
    assert app.current() == "group" and "group" in app.pages


@pytest.mark.parametrize(
    "page, changes",
    [("detection", {"rule": "status", "knob": 2.6}), ("group", {"session": 3, "repaired_at": 7}), ("repair", {"repair_session": 12, "n_groups": 80})],
)
def test_a_settings_link_reopens_controls_whose_defaults_follow_other_controls(page, changes):
    app = WorkshopApp(f"?page={page}")
    for name, value in changes.items():
        view = next(v for v in app.pages[page].views if name in v.explorer.controls)
        view.explorer.controls[name].value = value
    again = WorkshopApp(app.share())
    assert again.pages[page].settings() == app.pages[page].settings()


def test_a_bad_link_leaves_the_first_page_and_says_why_in_one_line():
    app = WorkshopApp("?page=group&level=XX")
    assert app.current() == "group" and "group" in app.pages
    assert "This link cannot be opened: level = &#x27;XX&#x27;" in app.message.value
    assert "Traceback" not in app.message.value
    app.apply_link("?page=culture")
    assert app.message.value == "" and app.current() == "culture"


def test_a_page_is_built_when_it_is_first_opened():
    app = WorkshopApp()
    assert set(app.pages) == {"group"}
    app.tabs.selected_index = list(PAGES).index("culture")
    assert set(app.pages) == {"group", "culture"}


# --- explorers: settings reopen the view, and the code reproduces its numbers ---------------------

COURSE = load_example("course")


def _opened(cls, **kwargs):
    return cls(COURSE, **kwargs) if cls is DetectionExplorer else cls(**kwargs)


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (SimulationExplorer, {"level": "MM", "type": "confrontation", "member": 4, "severity": 2.2, "repaired": False, "scale": "NR", "seed": 9}),
        (DetectionExplorer, {"rule": "status", "level": "MG", "knob": 1.5, "tolerance": 2, "group": "g003"}),
        (RepairExplorer, {"level": "MG", "repair_session": "never", "scale": "NR"}),
        (FeedbackExplorer, {"commitment": 0.9, "n_groups": 80, "run": False}),
        (ScenarioExplorer, {"source": "leader", "response": "not addressed", "humility": 0.2}),
    ],
)
def test_an_explorer_reopened_with_its_settings_shows_the_same(cls, kwargs):
    ex = _opened(cls, **kwargs)
    assert tuple(ex.controls) == cls.CONTROLS  # what a link may set is known before an explorer is made
    again = _opened(cls, **ex.settings(), **({"run": False} if cls is FeedbackExplorer else {}))
    assert again.settings() == ex.settings()


def _run(code: str, where: Path | None = None) -> dict:
    namespace: dict = {}
    here = os.getcwd()
    try:
        if where is not None:
            os.chdir(where)
        exec(compile(code, "<shown code>", "exec"), namespace)
    finally:
        os.chdir(here)
    return namespace


@pytest.mark.parametrize("preset", ["confrontation-spills-over", "strict-change-alert", "watch-member-member", "late-weak-repair", "committed-therapist",
                                    "shaming-vs-repair", "leader-microaggression"])  # fmt: skip
def test_the_code_each_view_shows_reproduces_its_numbers(preset):
    app = WorkshopApp(f"?preset={preset}")
    for view in app.pages[app.current()].views:
        ex = view.explorer
        if isinstance(ex, FeedbackExplorer):
            ex.button.click()
        view.switch.toggle.value = True
        assert view.switch.box.layout.display == "" and "gqkit" in view.switch.box.value
        ns = _run(ex.code())
        if isinstance(ex, SimulationExplorer):
            pd.testing.assert_frame_equal(ns["scores"], ex.cohort.scores())
        elif isinstance(ex, DetectionExplorer):
            pd.testing.assert_frame_equal(ns["metrics"].set_index(["scope", "key"]), ex.metrics)
        elif isinstance(ex, RepairExplorer):
            assert ns["summary"] == ex.contrast.summary()
        elif isinstance(ex, FeedbackExplorer):
            pd.testing.assert_frame_equal(ns["table"], ex.table)
        else:
            pd.testing.assert_frame_equal(ns["summary"], ex.scenario.summary())


# --- your data ----------------------------------------------------------------------------------


def _upload(page: DataPage, name: str, data: bytes) -> None:
    """What the browser's FileUpload sends: one file's name, size, time and bytes (a binary buffer), through the widget's own deserializer."""
    page.upload.set_state({"value": [{"name": name, "type": "text/csv", "size": len(data), "content": memoryview(data), "last_modified": 1_700_000_000_000}]})


def _example() -> bytes:
    return to_wide(load_example("classroom").responses).to_csv(index=False).encode()


def test_a_malformed_upload_lists_its_problems_by_line_and_column():
    page = DataPage()
    _upload(page, "ours.csv", b"group,member,session,item,response\ng1,m1,1,gq01,5\ng1,m1,two,gq02,9\n")
    assert "ours.csv: 2 problems" in page.status.value
    assert re.search(r"<td>line 3</td><td>session</td><td>two</td>", page.status.value)
    assert re.search(r"<td>line 3</td><td>response</td><td>9</td>", page.status.value)
    assert page.responses is None and page.results.layout.display == "none"
    assert page.upload.value == ()  # the widget keeps nothing


def test_an_upload_over_the_limit_is_refused_with_a_message():
    page = DataPage()
    _upload(page, "huge.csv", b"x" * (MAX_UPLOAD_BYTES + 1))
    assert "huge.csv" in page.status.value and "at most 5 MB" in page.status.value
    assert page.responses is None


def test_a_valid_upload_shows_alerts_and_a_report_to_download(monkeypatch, tmp_path):
    from gqkit.report import feedback_report, report_alerts

    page = DataPage()
    writes = []
    real_open, real_os_open = io.open, os.open

    def watched_open(file, mode="r", *args, **kwargs):
        if any(m in mode for m in "wax+"):
            writes.append(file)
        return real_open(file, mode, *args, **kwargs)

    def watched_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            writes.append(path)
        return real_os_open(path, flags, *args, **kwargs)

    with monkeypatch.context() as watch:  # every way Python writes a file: open, io.open (pathlib), os.open
        for module, name, fake in ((builtins, "open", watched_open), (io, "open", watched_open), (os, "open", watched_os_open)):
            watch.setattr(module, name, fake)
        _upload(page, "ours.csv", _example())
        page.member.value = page.member.options[2][1]
        page.make.click()
    assert writes == []  # the upload and its report stay in memory
    assert "ours.csv" in page.status.value and page.results.layout.display == ""
    responses = load_example("classroom").responses
    pd.testing.assert_frame_equal(page.responses, _read_back(responses))
    from gqkit import score

    pd.testing.assert_frame_equal(page.alerts, report_alerts(score(page.responses)))
    href = re.search(r'href="data:text/html;base64,([^"]+)"', page.download.value)
    assert href is not None
    report = base64.b64decode(href[1]).decode("utf-8")
    assert report == feedback_report(page.responses, group=page.group.value, member=page.member.value, source="ours.csv")
    assert page.image.value[:4] == b"\x89PNG"


def _read_back(responses: pd.DataFrame) -> pd.DataFrame:
    from gqkit import InMemoryFile, read_responses

    return read_responses(InMemoryFile("x.csv", to_wide(responses).to_csv(index=False).encode()))


def test_the_data_page_code_reproduces_its_alerts(tmp_path):
    page = DataPage()
    _upload(page, "ours.csv", _example())
    page.scale.value = "NR"
    (tmp_path / "ours.csv").write_bytes(_example())
    ns = _run(page.code(), tmp_path)
    pd.testing.assert_frame_equal(ns["alerts"], page.alerts)
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == ns["report"]


def test_the_data_page_code_follows_the_member_and_reads_the_file_as_it_was_read():
    page = DataPage()
    _upload(page, "ours.csv", _example())
    page.switch.toggle.value = True
    page.member.value = "m03"
    assert "member=&quot;m03&quot;" in page.switch.box.value  # the code as the page shows it (HTML)
    page.layout_choice.value = "long"  # a choice for the next file: the file shown was read as "auto"
    assert 'layout="auto"' in page.code() and "long" not in page.code()


def test_a_report_that_fails_says_so_where_the_link_would_be(monkeypatch):
    import gqkit.workshop.data_page as data_page

    page = DataPage()
    _upload(page, "ours.csv", _example())
    loaded = page.status.value
    monkeypatch.setattr(data_page, "feedback_report", lambda *a, **k: {}["boom"])
    page.make.click()
    assert "something went wrong" in page.download.value and "Making the report" not in page.download.value
    assert page.status.value == loaded and not page.make.disabled


def test_names_with_dollar_signs_draw_and_report():
    from gqkit import InMemoryFile

    responses = load_example("classroom").responses
    odd = responses.assign(member=responses["member"].replace({"m01": "m$^$", "m02": r"$\frac$"}))
    page = DataPage()
    page.load(InMemoryFile("odd.csv", to_wide(odd).to_csv(index=False).encode()))
    assert "gq-data-ok" in page.status.value and page.image.value[:4] == b"\x89PNG"
    page.member.value = "m$^$"
    page.make.click()
    assert "Download the report" in page.download.value


def test_the_example_button_loads_the_example_file():
    page = DataPage()
    page.example.click()
    assert "gqkit_example_wide.csv" in page.status.value and page.responses is not None
    assert len(page.group.options) == load_example("classroom").groups.shape[0]


# --- no exception leaves a callback -------------------------------------------------------------


def test_a_bug_in_a_callback_becomes_one_line_and_a_log_entry(caplog):
    lines = []

    @guarded(lines.append)
    def broken(_):
        return {}["missing"]

    with caplog.at_level(logging.ERROR, logger="gqkit.workshop"):
        assert broken(None) is None
    assert len(lines) == 1 and "KeyError" in lines[0] and "Traceback" not in lines[0]
    assert "Traceback" in caplog.text


def test_gqkit_errors_in_a_callback_name_the_parameter():
    lines = []

    @guarded(lines.append)
    def refuses(_):
        raise GQConfigError("severity", 9, "a number from 0.5 to 3")

    refuses(None)
    assert "severity = 9 is not allowed: expected a number from 0.5 to 3" in lines[0]


def test_every_page_title_is_a_tab():
    app = WorkshopApp()
    assert list(app.tabs.titles) == list(PAGES.values())
    assert all(isinstance(t, str) and t for t in app.tabs.titles)


def test_the_instructor_guide_lists_every_preset_with_its_hint():
    guide = (Path(__file__).parents[1] / "docs" / "instructor_guide.md").read_text(encoding="utf-8")
    for name, preset in PRESETS.items():
        assert f"?preset={name}" in guide, name
        row = next(line for line in guide.splitlines() if line.startswith(f"| `{name}` |"))
        assert preset.look_for.replace("member-", "member–") in row, name


def test_the_data_page_picture_after_any_change_is_the_picture_drawn_afresh():
    import io

    from PIL import Image

    def pixels(png: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(png)))

    page = DataPage()
    _upload(page, "ours.csv", _example())
    for scale in ("PW", "NR", "PB", "NR", "PW"):  # each after the others: the kept backgrounds are used
        page.scale.value = scale
        fresh = DataPage()
        _upload(fresh, "ours.csv", _example())
        fresh.scale.value = scale
        assert np.array_equal(pixels(page.image.value), pixels(fresh.image.value)), scale
    other = to_wide(load_example("classroom").responses.query("member != 'm01'")).to_csv(index=False).encode()  # the same group, one member fewer
    _upload(page, "other.csv", other)
    assert page.source == "other.csv"
    fresh = DataPage()
    _upload(fresh, "other.csv", other)
    fresh.scale.value = page.scale.value
    assert np.array_equal(pixels(page.image.value), pixels(fresh.image.value))  # a new file: a new picture, not the old one's background


def test_the_scenario_menu_applies_a_preset_in_the_same_app():
    app = WorkshopApp()
    app.scenario.value = "shaming-vs-repair"
    assert app.current() == "culture" and app.pages["culture"].settings()["response"] == "shaming"
    assert "Look for:" in app.note.value and html_escape(PRESETS["shaming-vs-repair"].title) in app.note.value
    app.apply_link("?page=group&level=MM")
    assert app.scenario.value == "" and app.note.value == ""  # no preset on show


def html_escape(text: str) -> str:
    import html

    return html.escape(text)
