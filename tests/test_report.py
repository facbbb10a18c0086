"""GQ-style feedback reports: the alerts they show, the HTML they write, the alert marks, and `gqkit report`."""

import base64
import re
import subprocess
import sys
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import gqkit  # noqa: E402
from gqkit import GQConfigError, Instrument, read_responses, score  # noqa: E402
from gqkit.cli import main  # noqa: E402
from gqkit.detect import ChangeAlert, StatusAlert  # noqa: E402
from gqkit.plots import ALERT_COLOURS, REPAIR_COLOUR, RUPTURE_COLOUR, alert_heatmaps, heatmap, mark_alerts  # noqa: E402
from gqkit.report import feedback_report, report_alerts  # noqa: E402

SORT = ["group", "member", "session", "alert", "level", "scale"]


@pytest.fixture(scope="module")
def ruptured():
    """One group whose member 2 withdraws from the leader at session 6, and nothing else happens."""
    return gqkit.simulate(seed=3, ruptures=[gqkit.Rupture(session=6, level="ML", type="withdrawal", member=2, severity=3.0)],
                          rate={"MM": 0.0, "ML": 0.0, "MG": 0.0}, microaggression_rate=0.0)  # fmt: skip


@pytest.fixture(scope="module")
def page(ruptured):
    return feedback_report(ruptured.responses, source="simulated.csv")


class Page(HTMLParser):
    """What a test needs of a report: sections, their headings and table rows, every src and href, the tags used."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.sources, self.links, self.ids = [], [], [], []
        self.sections = {}  # id -> {"heading": str, "rows": [[cell text, ...], ...], "classes": str}
        self._section = self._cell = self._row = self._heading = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.sources += [a["src"]] if "src" in a else []
        self.links += [a["href"]] if "href" in a else []
        self.ids += [a["id"]] if "id" in a else []
        if tag == "section":
            self._section = self.sections[a["id"]] = {"heading": "", "rows": [], "classes": a.get("class", "")}
        elif tag == "h2" and self._section is not None:
            self._heading = []
        elif tag == "tr" and self._section is not None:
            self._row = []
            self._section["rows"].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "section":
            self._section = None
        elif tag == "h2" and self._heading is not None:
            self._section["heading"] = "".join(self._heading).strip()
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        for part in (self._cell, self._heading):
            if part is not None:
                part.append(data)

    def members(self):
        return {k: v for k, v in self.sections.items() if "member" in v["classes"].split()}


def _directly(scores, status, change):
    """report_alerts' rows, by running each rule at each level by hand."""
    facets = set(zip(scores["scale"], scores["level"]))
    parts = []
    for kind, rule in (("status", status), ("change", change)):
        for level in ("all", "MM", "ML", "MG"):
            scales = tuple(s for s in rule.scales if (s, level) in facets)
            parts.append(rule.replace(level=level, scales=scales).detect(scores).assign(alert=kind))
    found = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return found.sort_values(SORT, ignore_index=True)


# -- report_alerts ------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, change", [(StatusAlert(), ChangeAlert()), (StatusAlert(cutoffs={"PB": 4.5, "PW": 4.5, "NR": 3.0}), ChangeAlert(threshold=0.6))])
def test_report_alerts_are_the_rules_run_at_each_level(ruptured, status, change):
    scores = ruptured.scores()
    got = report_alerts(scores, status=None if status == StatusAlert() else status, change=None if change == ChangeAlert() else change)
    assert list(got.columns) == [*gqkit.detect.DETECTION_COLUMNS, "alert"]
    assert len(got) > 0 and set(got["alert"]) == {"status", "change"} and {"all", "ML"} <= set(got["level"]) <= {"all", "MM", "ML", "MG"}
    pd.testing.assert_frame_equal(got.sort_values(SORT, ignore_index=True), _directly(scores, status, change))
    assert not ((got["scale"] == "PW") & (got["level"] == "MM")).any()  # PW has no member-member items
    # sorted: by member, session, status before change, then all, MM, ML, MG and PB, PW, NR
    key = pd.DataFrame({"member": got["member"].astype(str), "session": got["session"], "kind": got["alert"].map({"status": 0, "change": 1}),
                        "level": got["level"].map({"all": 0, "MM": 1, "ML": 2, "MG": 3}), "scale": got["scale"].map({"PB": 0, "PW": 1, "NR": 2})})
    assert key.equals(key.sort_values(list(key.columns), ignore_index=True))


def test_the_withdrawn_member_has_a_change_alert_at_member_leader(ruptured, page):
    alerts = report_alerts(score(ruptured.responses))
    at = alerts[(alerts["member"] == "m02") & (alerts["alert"] == "change") & (alerts["level"] == "ML")]
    assert 6 in set(at["session"]) and "PB" in set(at.loc[at["session"] == 6, "scale"])
    assert not ((alerts["alert"] == "change") & (alerts["level"] == "ML") & (alerts["member"] != "m02")).any()  # nobody else withdrew from the leader
    html = Page(page)
    m02 = next(s for s in html.members().values() if s["heading"].startswith("Member m02"))
    listed = [row[:4] for row in m02["rows"]]
    assert ["6", "PB", "ML", "change ▼"] in listed
    m01 = next(s for s in html.members().values() if s["heading"].startswith("Member m01"))
    assert not any(row[:1] == ["6"] and "change" in row[3] for row in m01["rows"][1:] if len(row) > 3)


def test_report_alerts_refuses_what_is_not_a_rule(ruptured):
    with pytest.raises(GQConfigError, match="status"):
        report_alerts(ruptured.scores(), status=ChangeAlert())
    with pytest.raises(GQConfigError, match="change"):
        report_alerts(ruptured.scores(), change="change")
    with pytest.raises(GQConfigError, match="scores"):
        report_alerts("scores.csv")


# -- the document ---------------------------------------------------------------------------------------
def test_every_member_has_a_page_and_the_contents_link_to_them(ruptured, page):
    html = Page(page)
    members = sorted(ruptured.responses["member"].unique())
    assert sorted(s["heading"].split()[1] for s in html.members().values()) == members
    assert [s["heading"] for s in html.sections.values() if "group" in s["classes"].split()] == ["Group g001"]
    assert len(html.ids) == len(set(html.ids))
    internal = [h for h in html.links if h.startswith("#")]
    assert set(internal) <= {f"#{i}" for i in html.ids} and len(set(internal)) == len(members) + 1
    group = html.sections["g1"]
    latest = [row for row in group["rows"] if row and row[0] in members]
    assert len(latest) == 2 * len(members)  # the subscale table and the level table
    assert "simulated.csv" in page and "1 group, 8 members" in page


def test_the_document_is_self_contained(page):
    html = Page(page)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "script" not in html.tags and "link" not in html.tags and "iframe" not in html.tags
    assert not [u for u in html.sources + html.links if re.match(r"\s*(https?:)?//", u, re.I)]
    assert all(not h or h.startswith("#") for h in html.links)
    assert len(html.sources) == 2 + 8 and all(s.startswith("data:image/png;base64,") for s in html.sources)
    assert all(base64.b64decode(s.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n" for s in html.sources)
    assert "@import" not in page and "url(" not in page
    assert len(page.encode("utf-8")) < 1_500_000


def test_the_same_input_gives_the_same_bytes(ruptured, page):
    assert feedback_report(ruptured.responses, source="simulated.csv").encode("utf-8") == page.encode("utf-8")


def test_the_header_states_the_rules_and_their_thresholds(page):
    assert "z = 2 norm SDs" in page and "z = 2.6 times" in page
    assert "proprietary" in page and "illustrative" in page and "Burlingame et al., 2018" in page
    html = Page(page)
    assert "≤ 3.77" in page and "drop &gt; 0.78" in page  # PB's subscale cutoff and change threshold (StatusAlert().limits(), ChangeAlert().thresholds())
    assert html.sections  # parses


def test_a_chosen_group_and_member(ruptured):
    one = feedback_report(ruptured.responses, member="m03")
    html = Page(one)
    assert [s["heading"] for s in html.members().values()] == ["Member m03 (group g001)"]
    assert len(html.sources) == 3


@pytest.mark.parametrize("kwargs, match", [
    ({"group": "g999"}, r"group='g999' is not allowed: expected a group in the data: 'g001'"),
    ({"member": "m99"}, r"member='m99' is not allowed: expected a member in the data: 'm01', 'm02'"),
    ({"group": "g001", "member": "x"}, r"member='x' is not allowed: expected a member of group 'g001'"),
    ({"status": 3.5}, r"status=3.5"),
    ({"source": None}, r"source=None"),
])  # fmt: skip
def test_bad_choices_name_the_parameter(ruptured, kwargs, match):
    with pytest.raises(GQConfigError, match=match):
        feedback_report(ruptured.responses, **kwargs)


def test_a_responses_table_is_required():
    with pytest.raises(GQConfigError, match="responses='str' is not allowed"):
        feedback_report("answers.csv")


def _answers(plan):
    """Tidy responses: ``plan`` maps (group, member) to {session: (PB/PW answer, NR answer) or None (every item missing)}."""
    inst = Instrument.default()
    nr = set(inst.items_of("NR"))
    rows = []
    for (group, member), sessions in plan.items():
        for session, answers in sessions.items():
            for item in inst.items:
                value = "" if answers is None else answers[1] if item in nr else answers[0]
                rows.append((group, member, session, item, value))
    return read_responses(pd.DataFrame(rows, columns=["group", "member", "session", "item", "response"]))


def test_missed_sessions_one_session_members_and_late_starts():
    calm = (6, 2)
    plan = {
        ("g", "a"): {3: calm, 4: calm, 6: (3, 2), 7: calm, 8: None},  # starts at 3, misses 5, drops at 6, answers nothing at 8
        ("g", "b"): {4: calm},  # one session
        ("solo", "z"): {5: calm, 6: calm},  # a group of one
    }
    responses = _answers(plan)
    alerts = report_alerts(score(responses))
    a = alerts[(alerts["member"] == "a") & (alerts["alert"] == "change")]
    assert set(a["session"]) == {6} and set(a["pre"]) == {4}  # compared with the last answered session
    assert set(a["level"]) == {"all", "MM", "ML", "MG"} and set(a["scale"]) == {"PB", "PW"}
    assert not (alerts["member"] == "b").any() and not (alerts["member"] == "z").any()
    page = feedback_report(responses)
    html = Page(page)
    assert sorted(s["heading"] for s in html.members().values()) == ["Member a (group g)", "Member b (group g)", "Member z (group solo)"]
    g = html.sections["g1"]
    latest = {row[0]: row for row in g["rows"] if row and row[0] in ("a", "b")}
    assert latest["a"][1] == "7" and latest["b"][1] == "4"  # the latest session with scores, not the empty one
    assert "sessions 3–8" in page and "scores at 4 sessions (3–4, 6–7)" in page
    b = next(s for s in html.members().values() if s["heading"].startswith("Member b"))
    assert "No status or change alerts." in page and not b["rows"]


def test_a_group_of_twenty(tmp_path):
    cohort = gqkit.simulate(seed=4, config=gqkit.SimulationConfig.from_overrides(n_members=20, n_sessions=6))
    page = feedback_report(cohort.responses, member="m20")
    html = Page(page)
    latest = [row for row in html.sections["g1"]["rows"] if row and re.fullmatch(r"m\d\d", row[0])]
    n = cohort.responses["member"].nunique()  # those who came at least once
    assert n > 15 and len(latest) == 2 * n and [s["heading"] for s in html.members().values()] == ["Member m20 (group g001)"]


# -- the alert marks ---------------------------------------------------------------------------------------
def _offsets(ax, kind):
    found = [c for c in ax.collections if c.get_gid() == f"gq-alert-{kind}"]
    assert len(found) == 1
    return sorted(map(tuple, np.asarray(found[0].get_offsets(), dtype=float).tolist()))


def test_alert_marks_sit_on_their_cells_and_move():
    scores = pd.DataFrame([("g", m, s, "PB", "ML", 5.0) for m in ("a", "b", "c") for s in (1, 2, 3, 4)],
                          columns=["group", "member", "session", "scale", "level", "score"])  # fmt: skip
    alerts = pd.DataFrame({"group": "g", "member": ["b", "c", "a", "a", "c"], "session": [2, 4, 3, 1, 1],
                           "level": ["ML", "ML", "MM", "ML", "ML"], "scale": ["PB", "PB", "PB", "NR", "PB"],
                           "alert": ["status", "change", "status", "status", "status"]})  # fmt: skip
    ax = heatmap(scores, scale="PB", level="ML")
    assert mark_alerts(ax, alerts, group="g", level="ML", scale="PB", members=["a", "b", "c"]) is ax
    assert _offsets(ax, "status") == [(1.0, 2.0), (2.0, 1.0)]  # (session, row): b at 2, c at 1; not a's MM or NR alerts
    assert _offsets(ax, "change") == [(4.0, 2.0)]
    mark_alerts(ax, alerts.iloc[:1], group="g", level="ML", scale="PB", members=["a", "b", "c"])  # moved, not added
    assert _offsets(ax, "status") == [(2.0, 1.0)] and _offsets(ax, "change") == []
    colours = {c.get_gid(): matplotlib.colors.to_hex(c.get_edgecolor()[0] if c.get_gid().endswith("status") else c.get_facecolor()[0])
               for c in ax.collections if str(c.get_gid()).startswith("gq-alert")}  # fmt: skip
    assert colours == {"gq-alert-status": ALERT_COLOURS["status"].lower(), "gq-alert-change": ALERT_COLOURS["change"].lower()}
    assert not set(colours.values()) & {RUPTURE_COLOUR.lower(), REPAIR_COLOUR.lower()}
    plt.close(ax.figure)


def test_alert_heatmaps_mark_each_level_and_redraw_in_place(ruptured):
    scores = ruptured.scores()
    alerts = report_alerts(scores)
    axes = alert_heatmaps(scores, alerts, scale="PB")
    members = sorted(scores["member"].unique())
    for ax, level in zip(axes, ("MM", "ML", "MG")):
        for kind in ("status", "change"):
            at = alerts[(alerts["level"] == level) & (alerts["scale"] == "PB") & (alerts["alert"] == kind)]
            assert _offsets(ax, kind) == sorted((float(s), float(members.index(m))) for s, m in zip(at["session"], at["member"]))
    assert (6.0, float(members.index("m02"))) in _offsets(axes[1], "change")
    assert [t.get_text() for t in axes[1].get_legend().get_texts()] == ["status alert (at-risk score)", "change alert (reliable worsening)"]
    again = alert_heatmaps(scores, alerts, scale="PW", axes=axes)
    assert again is axes and not axes[0].get_images() and axes[0].get_title().endswith("no items")
    at = alerts[(alerts["level"] == "ML") & (alerts["scale"] == "PW") & (alerts["alert"] == "status")]
    assert _offsets(axes[1], "status") == sorted((float(s), float(members.index(m))) for s, m in zip(at["session"], at["member"]))
    assert sum(c.get_gid() == "gq-alert-status" for c in axes[1].collections) == 1
    assert [ax.get_legend() is not None for ax in axes] == [False, True, False]
    plt.close(axes[0].figure)


# -- the command -----------------------------------------------------------------------------------------------
def test_the_command_writes_the_report(ruptured, tmp_path, capsys):
    source = tmp_path / "answers.csv"
    ruptured.responses.to_csv(source, index=False)
    out = tmp_path / "report.html"
    assert main(["report", str(source), "--out", str(out), "--member", "m02"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "answers.csv" in text
    assert [s["heading"] for s in Page(text).members().values()] == ["Member m02 (group g001)"]


def test_the_command_reads_missing_codes_and_the_layout(tmp_path):
    wide = gqkit.to_wide(gqkit.simulate(seed=2, config=gqkit.SimulationConfig.from_overrides(n_members=3, n_sessions=4)).responses)
    wide = wide.astype({c: "object" for c in wide.columns[3:]})
    wide.iloc[0, 3] = -99
    source = tmp_path / "wide.csv"
    wide.to_csv(source, index=False)
    out = tmp_path / "r.html"
    assert main(["report", str(source), "--out", str(out), "--layout", "wide", "--missing", "-99"]) == 0 and out.exists()
    assert main(["report", str(source), "--out", str(out), "--layout", "long"]) == 2


@pytest.mark.parametrize("extra, fragment", [
    ([], "line 3, column 'response': got '9'"),
    (["--group", "nope"], None),
])  # fmt: skip
def test_a_bad_file_or_argument_gives_one_line_and_exit_2(tmp_path, extra, fragment):
    source = tmp_path / "bad.csv"
    source.write_text("group,member,session,item,response\ng,a,1,gq01,4\ng,a,1,gq02,9\n", encoding="utf-8")
    if fragment is None:  # a good file, a group it does not have
        source.write_text("group,member,session,item,response\ng,a,1,gq01,4\n", encoding="utf-8")
        fragment = "--group='nope' is not allowed: expected a group in the data: 'g'"
    run = subprocess.run([sys.executable, "-m", "gqkit.cli", "report", str(source), "--out", str(tmp_path / "r.html"), *extra],
                         capture_output=True, text=True)  # fmt: skip
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1 and fragment in lines[0]
    assert ("bad.csv: 1 problem" in lines[0]) == (not extra)  # a bad file is named
    assert "Traceback" not in run.stderr and not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("argv, fragment", [
    (["report", "nowhere.csv", "--out", "r.html"], "nowhere.csv"),
    (["report", "x.csv"], "--out"),
    (["report", "x.csv", "--out", "r.html", "--layout", "sideways"], "invalid choice"),
])  # fmt: skip
def test_bad_command_lines_give_one_line(argv, fragment, tmp_path):
    run = subprocess.run([sys.executable, "-m", "gqkit.cli", *argv], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and fragment in run.stderr and "Traceback" not in run.stderr


def test_the_command_never_writes_over_its_input(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("group,member,session,item,response\ng,a,1,gq01,4\n", encoding="utf-8")
    assert main(["report", str(source), "--out", str(source)]) == 2
    assert source.read_text(encoding="utf-8").startswith("group,member")
