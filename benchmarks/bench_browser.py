"""Control change -> new picture, in a real browser: each notebook's explorer in JupyterLab, timed in the page. Prints numbers.

Starts JupyterLab the way the browser tests do (tests/browser/conftest.py: a temporary copy of
the notebooks, private settings, a free port, ``--allow-root`` when run as root), opens each
notebook that hosts an explorer in Debian's Chromium (Playwright), runs all its cells, then
makes ``--changes`` control changes, going through every visible control with the kinds
interleaved (sliders moved with the keyboard, dropdowns, checkboxes, toggle buttons, number
boxes typed into). Disabled controls are skipped.

Timed in the page (``performance.now()``):

* start: the DOM event that changes the control (``keydown`` on a slider handle or in a
  number box, ``change`` on a dropdown, ``click`` on a checkbox or toggle button);
* end: the ``load`` event of the explorer's ``Image`` after its ``src`` changed (the new PNG
  is decoded, naturalWidth > 0); for 01's HTML-only explorers (score table, RCI sentence),
  the DOM mutation of that HTML.

Also per explorer: ``->src`` (comm message, Python update, PNG back to the page), ``decode``
(src -> load), ``frame`` (start -> the animation frame after the load) and ``python``, the
explorer's ``_update`` timed in the kernel for the same changes (benchmarks/bench_widgets.py
times the same controls without a kernel). A change whose update sent no new picture (the
explorer found nothing new to draw, e.g. 03 when the marks stay) counts as "same" and is left
out of the times; for 03 the time to its metrics table is printed for those instead.

Notebook 05's FeedbackExplorer is button-driven: a control change only marks the result stale
(timed as its own row), the trial runs on "Run trial" (a separate row, ``--trials`` presses).

To find its way, the benchmark tags the explorers, their controls and outputs with CSS classes
from the kernel (``add_class``) and wraps each explorer's ``_update`` to time it; both only on
the temporary copy's kernels.

Run:    .venv/bin/python benchmarks/bench_browser.py [--changes N] [--only 02,03] [--trials T] [-v]
Goal: median < 150 ms per change (as in bench_widgets.py). About 1.5-2 minutes on 2 cores,
mostly running the notebooks. Stops the lab server it started (by its PID) when done.
Nothing else heavy should run meanwhile: the load average is printed at start, after each
notebook and at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # the browser tests' helpers: one way to find Chromium, start and stop servers, run a notebook
    from tests.browser.conftest import CHROMIUM, TOKEN, start_lab, stop, wait_for
    from tests.browser.test_lab import ALL_RUN, KERNEL_READY, nudge
except BaseException as error:  # conftest skips (pytest's Skipped, a BaseException) when Chromium is missing
    sys.exit(f"bench_browser: cannot use the browser test helpers: {error}")

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

GOAL_MS = 150

# key -> (notebook, explorer classes hosted there, in the order they are reported)
NOTEBOOKS = {
    "01": ("01_the_group_questionnaire.ipynb", ["ScoreExplorer", "RCIExplorer"]),
    "02": ("02_simulating_a_group.ipynb", ["SimulationExplorer"]),
    "03": ("03_detecting_ruptures.ipynb", ["DetectionExplorer"]),
    "04": ("04_repair_and_outcomes.ipynb", ["RepairExplorer"]),
    "05": ("05_feedback_and_the_therapist.ipynb", ["FeedbackExplorer"]),
    "06": ("06_cultural_ruptures.ipynb", ["ScenarioExplorer"]),
    "07": ("07_research_sandbox.ipynb", ["RuleSweepExplorer"]),
    "08": ("08_who_with_whom.ipynb", ["RoundRobinExplorer"]),
}

# Run in the notebook's kernel after "Run all": tag each explorer, its controls and its output with
# CSS classes (so the page can find them whatever their labels), and time each update in Python.
KERNEL_SETUP = r"""
import gc as _gqb_gc, json as _gqb_json, re as _gqb_re, time as _gqb_time
from gqkit.widgets import Explorer as _GqbExplorer
from ipywidgets import HTML as _gqb_HTML
_gqb_times = []
def _gqb_wrap(explorer, out):
    update = explorer._update
    def timed():
        if explorer._updating:  # a control that _fit moved: returns at once
            return update()
        before = out.value
        start = _gqb_time.perf_counter()
        try:
            update()
        finally:
            _gqb_times.append([1000 * (_gqb_time.perf_counter() - start), out.value != before])
    explorer._update = timed
def _gqb_pop():
    print(_gqb_json.dumps(_gqb_times))
    _gqb_times.clear()
_gqb_found = {}
for _gqb_e in [o for o in _gqb_gc.get_objects() if isinstance(o, _GqbExplorer)]:
    _gqb_name = type(_gqb_e).__name__
    _gqb_e.add_class("gqb-" + _gqb_name)
    _gqb_out = next(getattr(_gqb_e, a) for a in ("image", "table", "result") if hasattr(_gqb_e, a))
    _gqb_out.add_class("gqb-out")
    _gqb_e.message.add_class("gqb-message")
    if hasattr(_gqb_e, "image") and isinstance(getattr(_gqb_e, "table", None), _gqb_HTML):
        _gqb_e.table.add_class("gqb-table")  # 03: metrics change while the picture may not
    for _gqb_n, _gqb_c in _gqb_e.controls.items():
        _gqb_c.add_class("gqb-c-" + _gqb_re.sub(r"\W", "_", _gqb_n))
    if hasattr(_gqb_e, "button"):
        _gqb_e.button.add_class("gqb-button")
    if "_update" not in vars(_gqb_e):
        _gqb_wrap(_gqb_e, _gqb_out)
    _gqb_found[_gqb_name] = [_gqb_re.sub(r"\W", "_", n) for n in _gqb_e.controls]
print(_gqb_json.dumps(_gqb_found))
"""

KERNEL_EVAL = """async (code) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const future = kernel.requestExecute({code, store_history: false});
    let out = '';
    future.onIOPub = (msg) => {
        const t = msg.header.msg_type;
        if (t === 'stream') out += msg.content.text;
        else if (t === 'error') out += 'KERNEL ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
    };
    await future.done;
    return out;
}"""

# One probe per explorer root: start = first keydown/click/change after arming; end = the output's
# new picture loaded (or its HTML changed), then one animation frame.
WATCH = """(root, [key, selector]) => {
    const S = {armed: false, start: null, startType: null, sent: null, recv: null, html: null, src: null, end: null, frame: null, done: false};
    window.gqb = window.gqb || {};
    window.gqb[key] = S;
    for (const type of ['keydown', 'click', 'change']) {
        window.addEventListener(type, (e) => {
            if (S.armed && S.start === null) { S.start = e.timeStamp; S.startType = type; }
        }, true);
    }
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    kernel.anyMessage.connect((_, m) => {  // when the change leaves for the kernel, and what comes back
        if (!S.armed || m.msg.header.msg_type !== 'comm_msg') return;
        if (m.direction === 'send' && S.sent === null) S.sent = performance.now();
        if (m.direction === 'recv' && S.recv === null) S.recv = performance.now();
    });
    const table = root.querySelector('.gqb-table');
    if (table && selector === '.gqb-out') {
        new MutationObserver(() => { if (S.armed && S.html === null) S.html = performance.now(); })
            .observe(table, {childList: true, subtree: true, characterData: true});
    }
    const finish = () => {
        S.end = performance.now();
        requestAnimationFrame(() => { S.frame = performance.now(); S.done = true; });
    };
    const out = root.querySelector(selector);
    if (out.tagName === 'IMG') {
        new MutationObserver(() => { if (S.armed && S.src === null) S.src = performance.now(); })
            .observe(out, {attributes: true, attributeFilter: ['src']});
        out.addEventListener('load', () => {
            if (S.armed && S.src !== null && S.end === null && out.naturalWidth > 0) finish();
        });
    } else {
        new MutationObserver(() => { if (S.armed && S.end === null) { S.src = performance.now(); finish(); } })
            .observe(out, {childList: true, subtree: true, characterData: true, attributes: true});
    }
}"""

ARM = """(key) => { Object.assign(window.gqb[key], {armed: true, start: null, startType: null, sent: null, recv: null, html: null, src: null, end: null, frame: null, done: false}); }"""
DISARM = """(key) => { const S = window.gqb[key]; S.armed = false; return {...S}; }"""

# what kind of control an element is, and whether a learner can use it now
KIND = """(el) => {
    const visible = !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const has = (sel) => el.querySelector(sel);
    let kind = null, disabled = false;
    if (has('.noUi-handle')) { kind = 'slider'; disabled = !!el.querySelector('.noUi-target[disabled], [disabled]'); }
    else if (has('select')) { kind = 'dropdown'; disabled = el.querySelector('select').disabled; }
    else if (has('input[type=checkbox]')) { kind = 'checkbox'; disabled = el.querySelector('input').disabled; }
    else if (el.classList.contains('widget-toggle-buttons')) { kind = 'toggle'; disabled = [...el.querySelectorAll('button')].every(b => b.disabled); }
    else if (has('input[type=number], input[type=text]')) { kind = 'text'; disabled = el.querySelector('input').disabled; }
    return {kind, visible, disabled};
}"""

SLIDER_STATE = """(el) => {
    const h = el.querySelector('.noUi-handle');
    return [Number(h.getAttribute('aria-valuenow')), Number(h.getAttribute('aria-valuemin')), Number(h.getAttribute('aria-valuemax'))];
}"""


STARTED = """() => {
    const w = window.jupyterapp.shell.currentWidget;
    return w.sessionContext.session.kernel.status !== 'idle' || w.content.widgets.some(c => c.model.type === 'code' && c.model.executionCount !== null);
}"""


def run_all(browser, lab_url: str, notebook: str, attempts: int = 3):
    """tests/browser/test_lab.py's run_all, plus: press Run All Cells again if no cell started within 20 s.

    (On a cold server the menu's first Run All was dropped once here: every cell stayed unrun.)
    """
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab_url}/lab/tree/notebooks/{notebook}?token={TOKEN}&reset", timeout=90_000)
    panel = page.locator(".jp-NotebookPanel").first
    panel.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(KERNEL_READY, timeout=90_000)
    for attempt in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(STARTED, timeout=20_000, polling=200)
            break
        except PlaywrightTimeout:
            print(f"    Run All Cells did not start (attempt {attempt + 1}); pressing it again", flush=True)
            page.keyboard.press("Escape")
    try:
        page.wait_for_function(ALL_RUN, timeout=240_000, polling=500)
    except PlaywrightTimeout:
        page.screenshot(path=str(Path(tempfile.gettempdir()) / "bench_browser_failure.png"))
        raise
    return page, panel


def kernel_eval(page, code: str) -> str:
    return page.evaluate(KERNEL_EVAL, code)


def kernel_pop(page) -> list[list]:
    out = kernel_eval(page, "_gqb_pop()")
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"kernel did not answer with its times: {out!r}") from None


class Mover:
    """Changes one control of any kind to a new value, as a learner would (keyboard, select, click, type)."""

    def __init__(self, page, root, name: str):
        self.page, self.name = page, name
        self.el = root.locator(f".gqb-c-{name}").first
        self.direction = "ArrowRight"

    def state(self) -> dict:
        return self.el.evaluate(KIND)

    def prepare(self, kind: str):
        """Everything before the changing event (scrolling, focusing, typing): returns the action that fires it."""
        el, page = self.el, self.page
        el.scroll_into_view_if_needed()
        if kind == "slider":
            now, low, high = el.evaluate(SLIDER_STATE)
            if now >= high:
                self.direction = "ArrowLeft"
            elif now <= low:
                self.direction = "ArrowRight"
            key = self.direction
            return lambda: nudge(page, el, key)
        if kind == "dropdown":
            select = el.locator("select").first
            n, i = select.evaluate("(s) => [s.options.length, s.selectedIndex]")
            return lambda: select.select_option(index=(i + 1) % n)
        if kind == "checkbox":
            box = el.locator("input[type=checkbox]").first
            return lambda: box.click()
        if kind == "toggle":
            buttons = el.locator("button")
            n = buttons.count()
            active = next((i for i in range(n) if "mod-active" in (buttons.nth(i).get_attribute("class") or "")), 0)
            target = buttons.nth((active + 1) % n)
            return lambda: target.click()
        if kind == "text":
            box = el.locator("input").first
            box.fill(str(int(box.input_value() or 0) + 1))  # typing fires input events only; Enter commits
            return lambda: box.press("Enter")
        raise ValueError(f"{self.name}: unknown kind of control")


def plan(movers: list[Mover]) -> list[tuple[str, Mover]]:
    """Every visible control once, kinds interleaved (slider, dropdown, checkbox, toggle, text, slider, ...); repeated as needed."""
    kinds: dict[str, list[Mover]] = {}
    for m in movers:
        s = m.state()
        if s["kind"] and s["visible"]:
            kinds.setdefault(s["kind"], []).append(m)
    queues = [[(kind, m) for m in kinds[kind]] for kind in ("slider", "dropdown", "checkbox", "toggle", "text") if kind in kinds]
    order = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return order


def measure(page, key: str, action, timeout_ms: int, python: bool = True) -> tuple[dict, list[float]]:
    """Fire ``action`` with the probe armed and wait for the new output; return the probe's record and the Python times.

    With ``python``, also waits for the kernel to report the update (its time, and whether it changed
    the output): an update that left the output as it was (nothing new to show) is recorded as
    unchanged as soon as it is reported, instead of after a timeout. The kernel is asked every 150 ms
    or so (ipykernel 7 may answer an execute request before a comm message sent earlier, so one
    question right after the change is not enough); each question is a tiny execute request.
    """
    done_js = f"() => window.gqb['{key}'].done"
    page.evaluate(ARM, key)
    action()
    deadline = time.monotonic() + timeout_ms / 1000
    times: list = []
    while True:
        left = max(1, int(1000 * (deadline - time.monotonic())))
        try:
            page.wait_for_function(done_js, timeout=min(left, 150) if python and not times else left, polling="raf")
            done = True
        except PlaywrightTimeout:
            done = False
        if python and not times:
            times = kernel_pop(page)
        if done or (times and not any(changed for _, changed in times)) or time.monotonic() >= deadline:
            break
    if not page.evaluate(f"() => window.gqb['{key}'].done") and page.locator(".gqb-table").count():
        try:  # no new picture: the table may still have changed
            page.wait_for_function(f"() => window.gqb['{key}'].html !== null", timeout=1_000, polling="raf")
        except PlaywrightTimeout:
            pass
    record = page.evaluate(DISARM, key)
    record["unchanged"] = not record["done"]
    return record, [ms for ms, _ in times]


def stats(values: list[float]) -> str:
    if not values:
        return f"{'-':>6} {'-':>6} {'-':>6}"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):6.0f} {p90:6.0f} {max(ordered):6.0f}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(value: float, width: int) -> str:
    return f"{'-':>{width}}" if value != value else f"{value:{width}.0f}"


class Row:
    """One explorer's (or one path's) changes: the times of those that showed something new, and the rest."""

    def __init__(self, label: str, goal: bool = True):
        self.label, self.goal = label, goal  # goal: held to the 150 ms median (not a button that runs a trial)
        self.total: list[float] = []  # event -> new output in the page (Image load, or HTML mutation)
        self.to_src: list[float] = []  # event -> new src set (the kernel round trip)
        self.to_frame: list[float] = []  # event -> the animation frame after the new output
        self.python: list[float] = []  # the explorer's _update in the kernel
        self.kinds: dict[str, int] = {}
        self.unchanged = 0
        self.table_only: list[float] = []  # 03: the picture stayed, the metrics table changed

    def add(self, kind: str, record: dict, python: list[float]) -> None:
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.python += python
        if record["unchanged"] or record["start"] is None or record["end"] is None:
            self.unchanged += 1
            if record.get("html") is not None and record["start"] is not None:
                self.table_only.append(record["html"] - record["start"])
            return
        self.total.append(record["end"] - record["start"])
        self.to_src.append(record["src"] - record["start"])
        self.to_frame.append(record["frame"] - record["start"])


def bench_explorer(page, panel, cls: str, controls: list[str], n: int, verbose: bool) -> Row:
    row = Row(cls)
    root = panel.locator(f".gqb-{cls}").first
    root.wait_for(state="attached", timeout=60_000)
    page.locator(f".gqb-{cls} .gqb-out").first.wait_for(state="attached", timeout=60_000)
    root.evaluate(WATCH, [cls, ".gqb-out"])
    movers = [Mover(page, root, name) for name in controls]
    order = plan(movers)
    kernel_pop(page)  # drop updates from Run all
    done = tries = 0
    while done < n and tries < 10 * n and order:
        kind, mover = order[tries % len(order)]
        tries += 1
        s = mover.state()
        if not s["visible"] or s["disabled"]:  # e.g. "repaired at" while not repaired
            continue
        action = mover.prepare(kind)
        record, python = measure(page, cls, action, 30_000)
        row.add(kind, record, python)
        done += 1
        if verbose:
            sent = f"sent +{record['sent'] - record['start']:.0f}, " if record["sent"] is not None and record["start"] is not None else ""
            shown = "same picture" if record["unchanged"] else f"{record['end'] - record['start']:.0f} ms ({sent}src +{record['src'] - record['start']:.0f})"
            print(f"    {cls} {kind:8s} {mover.name:14s} {shown}; python {', '.join(f'{t:.0f}' for t in python)}", flush=True)
    return row


def bench_feedback(page, panel, controls: list[str], trials: int, verbose: bool) -> tuple[Row, Row]:
    """05: controls only mark the result stale; "Run trial" runs the trial (0.4-1 s). Timed separately."""
    cls = "FeedbackExplorer"
    root = panel.locator(f".gqb-{cls}").first
    root.wait_for(state="attached", timeout=60_000)
    root.evaluate(WATCH, ["message", ".gqb-message"])
    root.evaluate(WATCH, ["out", ".gqb-out"])
    stale, run = Row("FeedbackExplorer: control -> 'Settings changed'"), Row("FeedbackExplorer: Run trial (40 groups/arm)", goal=False)
    sliders = [Mover(page, root, name) for name in controls if name != "n_groups"]
    size = Mover(page, root, "n_groups")
    button = root.locator(".gqb-button").first
    kernel_pop(page)
    for i in range(trials):
        if i % 2:  # the dropdown, there and back (back clears "stale": settings equal the last run's again)
            select = size.el.locator("select").first
            select.scroll_into_view_if_needed()
            for index in (1, 0):
                record, _ = measure(page, "message", lambda ix=index: select.select_option(index=ix), 5_000, python=False)
                stale.add("dropdown", record, [])
        mover = sliders[i % len(sliders)]
        record, _ = measure(page, "message", mover.prepare("slider"), 5_000, python=False)
        stale.add("slider", record, [])
        button.scroll_into_view_if_needed()
        record, python = measure(page, "out", lambda: button.click(), 60_000)
        run.add("button", record, python)
        if verbose:
            shown = "no new picture" if record["unchanged"] else f"{record['end'] - record['start']:.0f} ms"
            print(f"    Run trial: {shown}; python {', '.join(f'{t:.0f}' for t in python)}", flush=True)
    return stale, run


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=15, help="control changes per explorer (default 15)")
    parser.add_argument("--trials", type=int, default=4, help="'Run trial' presses in notebook 05 (default 4, ~1 s each)")
    parser.add_argument("--only", default=",".join(NOTEBOOKS), help="notebooks, e.g. 02,03 (default all: " + ",".join(NOTEBOOKS) + ")")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every change")
    options = parser.parse_args()
    keys = [k.strip().zfill(2) for k in options.only.split(",") if k.strip()]
    unknown = [k for k in keys if k not in NOTEBOOKS]
    if unknown:
        parser.error(f"unknown notebook {unknown}; choose from {', '.join(NOTEBOOKS)}")

    began = time.monotonic()
    start_load = load()
    print(f"bench_browser: {os.cpu_count()} cores, load average (1/5/15 min) at start {start_load}", flush=True)
    rows: list[tuple[str, Row]] = []
    loads: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gqkit-bench-") as tmp:
        work, home = Path(tmp) / "work", Path(tmp) / "jupyter"
        shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        home.mkdir()
        proc, log, url = start_lab(work, home)
        try:
            wait_for(f"{url}/api/status?token={TOKEN}")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--disable-gpu", "--disable-background-networking",
                                            "--disable-component-update", "--disable-sync", "--no-first-run"])  # fmt: skip
                try:
                    for key in keys:
                        notebook, classes = NOTEBOOKS[key]
                        t0 = time.monotonic()
                        page, panel = run_all(browser, url, notebook)
                        page.set_viewport_size({"width": 1400, "height": 1600})
                        found = json.loads(kernel_eval(page, KERNEL_SETUP).strip().splitlines()[-1])
                        print(f"{key}: {notebook} ran in {time.monotonic() - t0:.0f} s; explorers {', '.join(found)}; load {load()}", flush=True)
                        try:
                            for cls in classes:
                                if cls not in found:
                                    print(f"    {cls}: not found in the kernel, skipped")
                                    continue
                                if cls == "FeedbackExplorer":
                                    for row in bench_feedback(page, panel, found[cls], options.trials, options.verbose):
                                        rows.append((key, row))
                                else:
                                    rows.append((key, bench_explorer(page, panel, cls, found[cls], options.changes, options.verbose)))
                        finally:
                            if options.verbose:
                                print(f"    {key} measured after {time.monotonic() - t0:.0f} s", flush=True)
                            loads.append(load())
                            page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
                            page.close()
                finally:
                    browser.close()
        except (PlaywrightError, RuntimeError, TimeoutError) as error:
            print(f"bench_browser: stopped early: {error}", file=sys.stderr)
            print(f"(lab log: {home / 'lab.log'} is removed on exit; last lines follow)", file=sys.stderr)
            log.flush()
            print("".join((home / "lab.log").read_text().splitlines(keepends=True)[-15:]), file=sys.stderr)
        finally:
            t0 = time.monotonic()
            stop(proc)
            log.close()
            if options.verbose:
                print(f"lab server stopped in {time.monotonic() - t0:.1f} s", flush=True)

    print()
    print("Control change -> new picture in Chromium, in ms (end: the new Image's load event; 01: the HTML's DOM update)")
    print(f"{'nb':2} {'explorer':44} {'n':>3} {'median':>6} {'p90':>6} {'max':>6} | {'->src':>5} {'decode':>6} {'frame':>5} | "
          f"{'python':>6} | {'same':>4}  controls used")  # fmt: skip
    notes = []
    for key, row in rows:
        over = ("  MISSES 150" if row.goal else "  (a button: no 150 ms goal)") if row.total and median(row.total) >= GOAL_MS else ""
        kinds = ", ".join(f"{k} {v}" for k, v in row.kinds.items())
        decode = median([t - s for t, s in zip(row.total, row.to_src)])
        print(f"{key:2} {row.label:44} {len(row.total):3} {stats(row.total)} | {ms(median(row.to_src), 5)} {ms(decode, 6)} "
              f"{ms(median(row.to_frame), 5)} | {ms(median(row.python), 6)} | {row.unchanged:4}  {kinds}{over}")  # fmt: skip
        if row.table_only:
            notes.append(f"{key} {row.label}: {len(row.table_only)} of the {row.unchanged} changes that kept the picture updated the metrics "
                         f"table instead: median {median(row.table_only):.0f} ms, max {max(row.table_only):.0f} ms")  # fmt: skip
    print(f"median/p90/max: change event -> end, over the n changes that showed something new. ->src: median event -> new src "
          f"(comm message, Python update, PNG back); decode: median src -> load; frame: median event -> the animation frame after "
          f"the load; python: median in-kernel _update over all changes; same: changes whose update sent no new picture (an identical "
          f"result), left out of the times. Goal: median < {GOAL_MS} ms.")  # fmt: skip
    for note in notes:
        print(note)
    print(f"load average (1/5/15 min) at start {start_load}; after each notebook: {'; '.join(loads)}; at the end {load()}; "
          f"took {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
