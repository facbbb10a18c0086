"""The workshop app under a room's first minute: N participants open it at once, on loopback. Prints numbers.

What it measures, for ``make workshop`` (Voila serving notebooks/workshop.ipynb with a pre-heated
kernel pool of WORKSHOP_POOL, refilled WORKSHOP_FILL_DELAY s after a kernel is taken):

* the pool: how long Voila takes to answer (``/voila/static/voila.js`` returns 200), to log
  "Kernel pool of workshop.ipynb is filled with N kernel(s)", and until every pool kernel has
  run the notebook up to ``request_query()`` (its kernel holds the websocket to
  ``/voila/query/<kernel id>`` open: found in /proc). The log line comes earlier than that:
  Voila counts a pool kernel as heated once it is started, while the notebook still runs.
  The burst starts only when the pool is warm by the /proc check;
* the first view, by one of two kinds of participant, all started together (``asyncio.gather``);
  a participant without a first view after --timeout s (60) has failed, and is watched --grace s
  more, to tell a slow one from a stuck one. Median, p90 and worst, and where the time goes:

  --mode server (the default, the primary measure): each participant does what the browser does
  up to its first view, without rendering: ``GET /`` (with --link, e.g. ``?preset=...``) read to
  the end (Voila streams the rendered cells; the page is complete when the kernel has run the
  notebook's last cell after the request), the kernel id taken from the page's config
  (``"kernelId"`` in ``jupyter-config-data``), then the kernel websocket opened as Voila 0.5's
  frontend does (``/api/kernels/<id>/channels?session_id=...``, subprotocol
  ``v1.kernel.websocket.jupyter.org``, binary frames), a ``kernel_info_request`` answered, and
  what the ipywidgets 8 widget manager sends to load the widgets: ``comm_open`` on target
  ``jupyter.widget.control`` (data ``{}``, metadata ``{"version": "1.0.0"}``), then a
  ``comm_msg`` ``{"method": "request_states"}``. Time to first view = from the request to the
  ``update_states`` reply (every widget's state; the figure's PNG is a buffer). Every reply is
  checked: it must hold the page's root widget, a Tab and an Image whose buffer is a PNG, else
  the participant has failed. The browser gives that reply 4 s before it falls back to asking
  each widget in turn; replies slower than that are counted. Not done: the static files
  (Voila's JavaScript, fetched once per participant, from disk) and the rendering;
  --mode browser (secondary): one Chromium (Debian's, driven by async Playwright), one browser
  context per participant (no shared cache, as on separate machines). Time to first view = from
  that participant's ``goto`` until the first page's heatmap (the ``img.widget-image`` inside
  ``.widget-tab``) is loaded (naturalWidth > 0) and has a non-empty box, polled every 100 ms,
  with in-page marks (``performance.now()``: first byte, HTML complete, DOMContentLoaded, Tab
  in the DOM, heatmap shown) and the error lines the app or Voila put on a page;

  Why the server-side mode is the primary one: on this one machine every Chromium page renders
  on the same cores as the server and its kernels (2-6 CPU s a page when 30 render at once),
  while in a room each page renders on the participant's own laptop (about 1 s). The server-side
  time is what the server owes each participant; run --mode browser --participants 1 after a
  warm pool for the rendering a participant's own browser adds;
* memory, read from /proc (VmRSS in status, Pss in smaps_rollup: PSS is the fair total since the
  kernels share library pages): the Voila server and its kernels with the pool warm, right after
  the burst (every participant shown or given up), and again once Voila has refilled the pool (it
  starts a new kernel for each one taken). With a fill delay longer than --refill-timeout the
  refill is not waited for: the memory is measured again --settle s after the burst. Participants
  keep their page (browser) or websocket (server mode) open until then. Chromium's own memory is
  reported apart: it is on participants' machines, not the server;
* CPU seconds the server, the kernels and the participants' side (Chromium, or this script in
  server mode) used during the burst (also every 10 s, with the kernel counts), the load average
  before and after.

The app is started the README way, ``make workshop WORKSHOP_PORT=... WORKSHOP_POOL=...
WORKSHOP_FILL_DELAY=...``, in a process group of its own, and stopped by signalling that group
(Voila then shuts its kernels down; any kernel still alive after that, each in a session of its
own, is killed by its PID). The server's log is kept in /tmp and its path printed.

Run:    .venv/bin/python benchmarks/bench_workshop.py [--mode server|browser] [--participants 30]
            [--pool 30] [--fill-delay 600] [--link '?preset=...'] [--port P]
Goal:   first view under 5 s for every participant with the pool warm (pool >= participants), and
        the server's total memory (Voila + kernels, PSS) under 8 GB.
A run takes 4-6 minutes on 2 cores with 30 participants: about 2 min to warm a pool of 30, the
burst, the refill, the stop. Nothing else heavy should run meanwhile: the load average and the
CPU used by the whole machine are printed. --workshop-args passes WORKSHOP_ARGS to Voila, for
diagnosis only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # the browser tests' helpers: where Chromium is, a free port, waiting for a URL
    from tests.browser.conftest import CHROMIUM, free_port, wait_for
except BaseException as error:  # conftest skips (pytest's Skipped, a BaseException) when Chromium is missing
    sys.exit(f"bench_workshop: cannot use the browser test helpers: {error}")

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page as PlaywrightPage
from playwright.async_api import async_playwright
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as websocket_connect
from websockets.typing import Subprotocol

GOAL_S = 5.0
GOAL_BYTES = 8e9
FILLED = re.compile(r"Kernel pool of \S+ is filled with (\d+) kernel")
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]+)"')  # in the page's jupyter-config-data
ROOT_WIDGET = re.compile(r'"application/vnd\.jupyter\.widget-view\+json":\s*\{"model_id":\s*"([0-9a-f]+)"')  # the cell's output
KERNEL_WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"  # what Voila 0.5's frontend (@jupyterlab/services 7) asks for
CONTROL_COMM_WAIT_S = 4.0  # ipywidgets 8's widget manager waits this long for update_states, then asks widget by widget
PNG = b"\x89PNG\r\n\x1a\n"
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]

# Installed in every page before its scripts run: marks (ms from navigation start) and the check
# for "the first page's heatmap is shown", run on every DOM change and image load.
MARKS = """(() => {
    const M = window.__gqMarks = {tab: null, shown: null};
    const check = () => {
        const now = performance.now();
        if (M.tab === null && document.querySelector('.widget-tab')) M.tab = now;
        if (M.shown !== null) return true;
        const img = document.querySelector('.widget-tab .widget-image');
        if (!img || !img.complete || img.naturalWidth === 0) return false;
        const box = img.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || getComputedStyle(img).visibility === 'hidden') return false;
        M.shown = now;
        return true;
    };
    window.__gqShown = check;
    new MutationObserver(check).observe(document, {childList: true, subtree: true, attributes: true});
    document.addEventListener('load', check, true);
})();"""

SHOWN = "() => window.__gqShown && window.__gqShown()"

READ_MARKS = """() => {
    const n = performance.getEntriesByType('navigation')[0] || {};
    const M = window.__gqMarks || {};
    return {first_byte: n.responseStart || null, html: n.responseEnd || null, dom: n.domContentLoadedEventEnd || null,
            tab: M.tab ?? null, shown: M.shown ?? null};
}"""

# What the app or Voila said went wrong on a page: gqkit's one-line errors, stderr and error outputs.
PAGE_ERRORS = """() => {
    const sel = '.gq-error, [data-mime-type="application/vnd.jupyter.stderr"], [data-mime-type="application/vnd.jupyter.error"]';
    return [...document.querySelectorAll(sel)].map(e => e.textContent.trim().replace(/\\s+/g, ' ').slice(0, 300)).filter(t => t);
}"""

PAGE_TEXT = "() => (document.body ? document.body.innerText : '').trim().replace(/\\s+/g, ' ').slice(0, 300)"


# ---------------------------------------------------------------- processes, from /proc


def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (index 0 = state, 1 = ppid, 11/12 = utime/stime)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def process_tree() -> dict[int, list[int]]:
    """Parent PID -> its children's PIDs, from one pass over /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = proc_stat(int(entry.name))
            if stat:
                tree.setdefault(int(stat[1]), []).append(int(entry.name))
    return tree


def children(pid: int) -> list[int]:
    return sorted(process_tree().get(pid, []))


def descendants(pid: int) -> list[int]:
    tree = process_tree()
    out, todo = [], [pid]
    while todo:
        kids = tree.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def alive(pid: int) -> bool:
    stat = proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        stat = proc_stat(pid)
        if stat:
            total += int(stat[11]) + int(stat[12])
    return total / ticks


def system_busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (/proc/stat: all but idle and iowait)."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes; (0, 0) for a process that has gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def waiting_for_request(pids: list[int], port: int) -> set[int]:
    """The kernels among ``pids`` with a TCP connection to the server's port open: Voila's
    ``/voila/query`` websocket, which a pre-heated kernel holds while it waits in ``request_query()``."""
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            remote_port = int(parts[2].rsplit(":", 1)[1], 16)
            if remote_port == port and parts[3] == "01":  # 01: ESTABLISHED
                inodes.add(parts[9])
    found = set()
    for pid in pids:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if any(link.startswith("socket:[") and link[8:-1] in inodes for link in links):
            found.add(pid)
    return found


# ---------------------------------------------------------------- the server


@dataclass
class Server:
    """``make workshop`` running in its own process group; its output is kept with the time each line came (s since start)."""

    proc: subprocess.Popen
    port: int
    pool: int
    log_path: Path
    started: float = field(default_factory=time.monotonic)
    lines: list[tuple[float, str]] = field(default_factory=list)
    known_kernels: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def read_output(self) -> None:
        """In a thread: each line of the server's output, timestamped, into ``lines`` and the log file."""
        assert self.proc.stdout is not None
        with self.log_path.open("w") as log:
            for raw in self.proc.stdout:
                t = time.monotonic() - self.started
                line = raw.decode(errors="replace").rstrip("\n")
                self.lines.append((t, line))
                log.write(f"[{t:7.2f}] {line}\n")
                log.flush()

    def log(self) -> str:
        return "\n".join(line for _, line in list(self.lines))

    def times_of(self, text: str, since: float = 0.0) -> list[float]:
        """When lines containing ``text`` came, in s since ``since`` (a time on the same clock as ``started``)."""
        return [t - since for t, line in list(self.lines) if text in line and t >= since]

    def voila_pid(self) -> int | None:
        for pid in [self.proc.pid, *descendants(self.proc.pid)]:
            if "bin/voila" in cmdline(pid):
                return pid
        return None

    def kernels(self) -> list[int]:
        voila = self.voila_pid()
        pids = [pid for pid in children(voila) if "ipykernel" in cmdline(pid)] if voila else []
        self.known_kernels.update(pids)
        return pids

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"make workshop exited with {self.proc.returncode}; log {self.log_path}:\n{tail(self.log())}")


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.splitlines()[-lines:])


def start_server(port: int, pool: int, fill_delay: float | None, args: str) -> Server:
    """``make workshop`` with WORKSHOP_PORT, WORKSHOP_POOL, WORKSHOP_FILL_DELAY (unless None: the Makefile's) and WORKSHOP_ARGS
    from the environment, in its own process group."""
    env = dict(os.environ, WORKSHOP_PORT=str(port), WORKSHOP_POOL=str(pool), WORKSHOP_ARGS=args)
    if fill_delay is not None:
        env["WORKSHOP_FILL_DELAY"] = f"{fill_delay:g}"
    proc = subprocess.Popen(["make", "--no-print-directory", "workshop"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    server = Server(proc, port, pool, Path(f"/tmp/gqkit-bench-workshop-{port}.log"))
    threading.Thread(target=server.read_output, daemon=True).start()
    return server


def log_errors(server: Server) -> list[str]:
    return [line for line in server.log().splitlines() if "ERROR" in line or "Traceback" in line]


def wait_until(condition, server: Server, timeout: float, what: str, step: float = 0.5) -> float:
    """Seconds since the server started when ``condition()`` first held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.check_alive()
        if condition():
            return time.monotonic() - server.started
        time.sleep(step)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s; log {server.log_path}:\n{tail(server.log())}")


@dataclass
class Fill:
    answering: float  # s from `make workshop` to voila.js answering
    logged: float  # ... to the "filled with" log line
    warm: float  # ... to every pool kernel waiting in request_query()


def wait_for_warm_pool(server: Server, timeout: float) -> Fill:
    wait_for(server.url + "voila/static/voila.js", timeout=timeout)
    answering = time.monotonic() - server.started
    logged = wait_until(lambda: FILLED.search(server.log()) is not None, server, timeout, "the 'filled with' log line")
    warm = wait_until(lambda: len(waiting_for_request(server.kernels(), server.port)) >= server.pool, server, timeout,
                      f"{server.pool} kernels waiting in request_query()")  # fmt: skip
    return Fill(answering, logged, warm)


def stop_server(server: Server) -> str:
    """SIGTERM to the process group, wait; then SIGKILL to any kernel of ours still alive (by PID)."""
    began = time.monotonic()
    server.kernels()
    try:
        os.killpg(server.proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        server.proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
    deadline = time.monotonic() + 15
    left = [pid for pid in server.known_kernels if alive(pid)]
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = [pid for pid in left if alive(pid)]
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    killed = f"; {len(left)} kernel(s) still alive were killed" if left else ""
    return f"stopped in {time.monotonic() - began:.1f} s ({len(server.known_kernels)} kernels seen in all){killed}"


# ---------------------------------------------------------------- memory


@dataclass
class Memory:
    label: str
    voila: tuple[int, int]
    kernels: dict[int, tuple[int, int]]  # pid -> (RSS, PSS)
    waiting: set[int]  # kernels waiting in request_query() (the pool)

    def kernels_sum(self, pids: set[int]) -> tuple[int, int]:
        chosen = [m for pid, m in self.kernels.items() if pid in pids]
        return sum(m[0] for m in chosen), sum(m[1] for m in chosen)

    def total(self) -> tuple[int, int]:
        rss, pss = self.kernels_sum(set(self.kernels))
        return self.voila[0] + rss, self.voila[1] + pss


def measure_server(server: Server, label: str) -> Memory:
    voila = server.voila_pid()
    kernels = server.kernels()
    return Memory(label, memory(voila) if voila else (0, 0), {pid: memory(pid) for pid in kernels}, waiting_for_request(kernels, server.port))


def chromium_pids() -> list[int]:
    return [pid for pid in descendants(os.getpid()) if cmdline(pid).startswith(str(CHROMIUM))]


def client_pids() -> list[int]:
    """The participants' side: Chromium (browser mode) and this script (Playwright's driver aside; all of server mode)."""
    return [os.getpid(), *chromium_pids()]


# ---------------------------------------------------------------- participants


@dataclass
class View:
    index: int
    fired: float  # s after the burst began that the participant started (goto, or GET /)
    seconds: float | None = None  # start -> first view (heatmap shown, or update_states checked); None: failed
    late: float | None = None  # a failed participant's first view after all, within the grace period (s from the start)
    marks: dict = field(default_factory=dict)  # browser: ms from navigation start (READ_MARKS); server: s from the start
    errors: list[str] = field(default_factory=list)
    failure: str = ""
    widgets: dict = field(default_factory=dict)  # server mode: what the update_states reply held (check_states)


async def participant(index: int, page: PlaywrightPage, url: str, burst: float, timeout_s: float, grace_s: float, views: list[View]) -> View:
    """Open the app; wait for the heatmap. A participant who fails is watched ``grace_s`` more: stuck, or only slow?"""
    start = time.monotonic()
    view = View(index, start - burst)
    views.append(view)
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        remaining = max(1.0, timeout_s - (time.monotonic() - start))
        await page.wait_for_function(SHOWN, polling=100, timeout=remaining * 1000)
        view.seconds = time.monotonic() - start
    except PlaywrightError as error:
        view.failure = str(error).splitlines()[0][:200]
        view.failure = re.sub(r"Timeout [\d.]+ms exceeded", f"no heatmap within {timeout_s:.0f} s", view.failure)
        try:
            view.errors.append("page text at the timeout: " + await page.evaluate(PAGE_TEXT))
            if grace_s > 0:
                await page.wait_for_function(SHOWN, polling=250, timeout=grace_s * 1000)
                view.late = time.monotonic() - start
        except PlaywrightError:
            pass
    try:
        view.marks = await page.evaluate(READ_MARKS)
        view.errors += await page.evaluate(PAGE_ERRORS)
    except PlaywrightError as error:
        view.errors.append(f"(could not read the page: {str(error).splitlines()[0][:120]})")
    return view


async def open_all(server: Server, browser, n: int, link: str, timeout_s: float, grace_s: float, rows: list[tuple]) -> tuple[list[View], list, float]:
    """One context and page per participant, made first; then every goto at once, sampling CPU and kernels meanwhile (``rows``).

    Returns the views, the contexts (still open) and when the burst began (``time.monotonic()``).
    """
    contexts = [await browser.new_context() for _ in range(n)]
    pages = []
    for context in contexts:
        await context.add_init_script(MARKS)
        pages.append(await context.new_page())
    so_far: list[View] = []
    sampler = asyncio.create_task(sample(server, so_far, 10, rows))
    burst = time.monotonic()
    views = await asyncio.gather(*(participant(i, page, server.url + link, burst, timeout_s, grace_s, so_far) for i, page in enumerate(pages)))
    sampler.cancel()
    return list(views), contexts, burst


async def sample(server: Server, views_done: list[View], every: float, rows: list[tuple]) -> None:
    """Until cancelled, every ``every`` s: (s since start, first views so far, kernels waiting in request_query(), kernels,
    CPU s in the interval of the Voila server, its kernels, the participants' side (Chromium and this script), the whole machine)."""
    began = time.monotonic()

    def cpu() -> tuple[float, ...]:
        voila = [pid for pid in [server.voila_pid()] if pid]
        return cpu_seconds(voila), cpu_seconds(server.kernels()), cpu_seconds(client_pids()), system_busy_seconds()

    last = await asyncio.to_thread(cpu)  # reading /proc takes a while under load: not on the browser's event loop
    while True:
        await asyncio.sleep(every)
        now, kernels = await asyncio.to_thread(cpu), await asyncio.to_thread(server.kernels)
        shown = sum(v.seconds is not None for v in views_done)
        waiting = await asyncio.to_thread(waiting_for_request, kernels, server.port)
        rows.append((time.monotonic() - began, shown, len(waiting), len(kernels),
                     *(b - a for a, b in zip(last, now))))  # fmt: skip
        last = now


# ---------------------------------------------------------------- server-side participants (no browser)


def kernel_message(channel: str, msg_type: str, content: dict, session: str, metadata: dict | None = None) -> tuple[bytes, str]:
    """A Jupyter message framed as the ``v1.kernel.websocket.jupyter.org`` protocol wants (jupyter_server's
    ``serialize_msg_to_ws_v1``): the number of offsets, the offsets (8 bytes little-endian each), the channel, then
    header, parent header, metadata and content as JSON. Returns the frame and the message id."""
    header = {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session, "msg_type": msg_type, "version": "5.3",
              "date": datetime.now(UTC).isoformat()}  # fmt: skip
    parts = [channel.encode(), *(json.dumps(part).encode() for part in (header, {}, metadata or {}, content))]
    offsets = [8 * (len(parts) + 2)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    frame = b"".join([len(offsets).to_bytes(8, "little"), *(o.to_bytes(8, "little") for o in offsets), *parts])
    return frame, header["msg_id"]


def read_kernel_message(frame: bytes) -> tuple[str, dict, dict, dict, list[bytes]]:
    """(channel, header, parent header, content, buffers) of a v1 frame (jupyter_server's ``deserialize_msg_from_ws_v1``)."""
    n = int.from_bytes(frame[:8], "little")
    offsets = [int.from_bytes(frame[8 * i : 8 * (i + 1)], "little") for i in range(1, n + 1)]
    parts = [frame[a:b] for a, b in zip(offsets, offsets[1:] + [len(frame)])]
    header, parent, _metadata, content = (json.loads(part) for part in parts[1:5])
    return parts[0].decode(), header, parent, content, parts[5:]


def check_states(data: dict, buffers: list[bytes], root: str | None) -> dict:
    """What an ``update_states`` reply holds: the count of widget models, Tabs and Images, whether the page's root widget
    is among them, and the size of the Image's PNG; ``problem`` says what is missing for a first view, if anything."""
    states = data.get("states", {})
    names = [state.get("model_name") for state in states.values()]
    images = {model for model, state in states.items() if state.get("model_name") == "ImageModel"}
    pngs = [len(buf) for path, buf in zip(data.get("buffer_paths", []), buffers) if path[0] in images and bytes(buf[:8]) == PNG]
    found: dict = {"models": len(states), "Tab": names.count("TabModel"), "Image": len(images), "png_bytes": max(pngs, default=0),
             "root": root in states}  # fmt: skip
    missing = [what for what, ok in (("the page's root widget" if root else "(the page has no widget output)", found["root"]), ("a Tab", found["Tab"]), ("an Image", found["Image"]),
                                     ("a PNG in the Image", pngs)) if not ok]  # fmt: skip
    found["problem"] = "update_states lacks " + ", ".join(missing) if missing else ""
    return found


async def first_view(server: Server, client: AsyncHTTPClient, link: str, start: float, view: View, sockets: list) -> float:
    """What a browser does up to its first view, marks (s since ``start``) in ``view.marks``; the seconds to update_states.
    The websocket is left open (in ``sockets``), as a participant keeps the page."""
    marks = view.marks

    def mark(name: str) -> None:
        marks[name] = time.monotonic() - start

    chunks: list[bytes] = []

    def received(chunk: bytes) -> None:
        if not chunks:
            mark("first_byte")
        chunks.append(chunk)

    request = HTTPRequest(server.url + link, streaming_callback=received, request_timeout=3600, connect_timeout=3600)
    await client.fetch(request)
    mark("html")
    page = b"".join(chunks).decode(errors="replace")
    kernel_id, root = KERNEL_ID.search(page), ROOT_WIDGET.search(page)
    if not kernel_id:
        raise RuntimeError("no kernelId in the page: " + re.sub(r"\s+", " ", page[-200:]))
    if '"output_type": "error"' in page or '"name": "stderr"' in page:
        view.errors.append("the page holds an error or stderr output")
    session = uuid.uuid4().hex
    url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id.group(1)}/channels?session_id={session}"
    socket: ClientConnection = await websocket_connect(url, subprotocols=[Subprotocol(KERNEL_WS_PROTOCOL)], max_size=None, open_timeout=None,
                                                       ping_interval=None)  # fmt: skip
    sockets.append(socket)
    mark("socket")
    if socket.subprotocol != KERNEL_WS_PROTOCOL:
        raise RuntimeError(f"the server chose websocket subprotocol {socket.subprotocol!r}")

    async def reply(match) -> tuple[dict, dict, list[bytes]]:
        while True:
            frame = await socket.recv()
            if isinstance(frame, bytes):
                _channel, header, parent, content, buffers = read_kernel_message(frame)
                if match(header, parent, content):
                    return header, content, buffers

    # @jupyterlab/services asks for the kernel's info first and sends the widget manager's messages after the reply
    frame, info_id = kernel_message("shell", "kernel_info_request", {}, session)
    await socket.send(frame)
    await reply(lambda header, parent, content: parent.get("msg_id") == info_id and header["msg_type"] == "kernel_info_reply")
    mark("kernel_info")
    comm_id = uuid.uuid4().hex
    for msg_type, body, metadata in (("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}}, {"version": "1.0.0"}),
                                     ("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}, None)):  # fmt: skip
        await socket.send(kernel_message("shell", msg_type, body, session, metadata)[0])
    _header, content, buffers = await reply(lambda header, parent, content: header["msg_type"] == "comm_msg" and content.get("comm_id") == comm_id)
    mark("states")
    view.widgets = check_states(content["data"], buffers, root.group(1) if root else None)
    if view.widgets["problem"]:
        kept = Path(f"/tmp/gqkit-bench-workshop-{server.port}-page-{view.index}.html")
        kept.write_text(page)
        raise RuntimeError(f"{view.widgets['problem']} (page kept in /tmp/gqkit-bench-workshop-{server.port}-page-N.html)")
    return marks["states"]


async def served_participant(index: int, server: Server, client: AsyncHTTPClient, link: str, burst: float, timeout_s: float, grace_s: float,
                             views: list[View], sockets: list) -> View:  # fmt: skip
    """One server-side participant; one without a first view within ``timeout_s`` is watched ``grace_s`` more."""
    start = time.monotonic()
    view = View(index, start - burst)
    views.append(view)
    task = asyncio.create_task(first_view(server, client, link, start, view, sockets))
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if not done:
        reached = max(view.marks, key=lambda name: view.marks[name], default="none, not a byte of the page")
        view.failure = f"no update_states within {timeout_s:.0f} s (last step reached: {reached})"
        if grace_s > 0:
            done, _ = await asyncio.wait({task}, timeout=grace_s)
        if not done:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
    if done and task.exception() is not None:
        error = task.exception()
        view.failure = view.failure or f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
    elif done:
        if view.failure:
            view.late = task.result()
        else:
            view.seconds = task.result()
    return view


async def serve_all(server: Server, n: int, link: str, timeout_s: float, grace_s: float, rows: list[tuple]) -> tuple[list[View], list, float]:
    """Every server-side participant at once, sampling CPU and kernels meanwhile (``rows``).

    Returns the views, the kernel websockets (still open) and when the burst began (``time.monotonic()``)."""
    client = AsyncHTTPClient(force_instance=True, max_clients=n)  # tornado's default is 10 requests at a time
    so_far: list[View] = []
    sockets: list = []
    sampler = asyncio.create_task(sample(server, so_far, 10, rows))
    burst = time.monotonic()
    views = await asyncio.gather(*(served_participant(i, server, client, link, burst, timeout_s, grace_s, so_far, sockets) for i in range(n)))
    sampler.cancel()
    client.close()
    return list(views), sockets, burst


async def wait_for_refill(server: Server, timeout: float, settle: float) -> float | None:
    """Seconds until ``pool`` kernels wait in request_query() again (None: not within ``timeout``); then ``settle`` s more at most."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        server.check_alive()
        if len(waiting_for_request(server.kernels(), server.port)) >= server.pool:
            took = time.monotonic() - began
            await asyncio.sleep(max(0.0, min(settle, timeout) - took))
            return took
        await asyncio.sleep(1)
    return None


# ---------------------------------------------------------------- report


def gb(value: float) -> str:
    return f"{value / 1e9:.2f} GB"


def mb(value: float) -> str:
    return f"{value / 1e6:.0f} MB"


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, max(0, round(0.9 * len(ordered)) - 1))]  # nearest rank
    return f"median {statistics.median(ordered):5.2f}  p90 {p90:5.2f}  worst {ordered[-1]:5.2f}"


def span(times: list[float]) -> str:
    return f"{len(times)}, from {min(times):.1f} to {max(times):.1f} s" if times else "0"


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def report_memory(mem: Memory, participants: set[int]) -> None:
    """One line for the server's total, then the participants' kernels and the pool's, per kernel and summed."""
    rss, pss = mem.total()
    n = len(mem.kernels)
    line = f"  {mem.label:34} kernels {n:3} (waiting {len(mem.waiting):2})  total RSS {gb(rss):>8}  PSS {gb(pss):>8}  | Voila {mb(mem.voila[0])} / {mb(mem.voila[1])}"
    print(line + ("  OVER 8 GB (PSS)" if pss > GOAL_BYTES else ""))
    for label, pids in (("participants' kernels", participants & set(mem.kernels)), ("pool kernels (waiting)", mem.waiting)):
        if pids:
            k_rss, k_pss = mem.kernels_sum(pids)
            print(f"  {'':34}   {label:24} {len(pids):3}: per kernel RSS {mb(k_rss / len(pids)):>7}, PSS {mb(k_pss / len(pids)):>7}; "
                  f"sum RSS {gb(k_rss)}, PSS {gb(k_pss)}")  # fmt: skip


BROWSER_MARKS = (("first_byte", "first byte of the page"), ("html", "page HTML complete (kernel ran the cell)"),
                 ("dom", "DOMContentLoaded (page scripts run)"), ("tab", "Tab widget in the DOM"), ("shown", "heatmap shown"))  # fmt: skip
SERVER_MARKS = (("first_byte", "first byte of the page"), ("html", "page HTML complete (kernel ran the cell)"),
                ("socket", "kernel websocket open"), ("kernel_info", "kernel_info_reply"), ("states", "update_states (first view)"))  # fmt: skip


def report_views(views: list[View], mode: str) -> None:
    shown = [v.seconds for v in views if v.seconds is not None]
    failed = [v for v in views if v.seconds is None]
    what = "goto -> heatmap shown" if mode == "browser" else "GET / -> update_states with the app's widgets"
    print(f"\nFirst view ({what}), s: {spread(shown)};  {len(shown)} shown, {len(failed)} failed (no first view within the timeout, or an error)")
    print(f"  over the {GOAL_S:.0f} s goal: {sum(t > GOAL_S for t in shown) + len(failed)} of {len(views)}")
    if failed:
        late = [v.late for v in failed if v.late is not None]
        print(f"  of the failed, shown later all the same: {len(late)}{' (' + spread(late) + ' s after the start)' if late else ''}; "
              f"never within the grace period: {len(failed) - len(late)}")  # fmt: skip
    if mode == "browser":
        print("  where the time goes (in-page marks, s from each page's navigation start):")
        marks, scale = BROWSER_MARKS, 1000
    else:
        print("  where the time goes (s from each participant's request):")
        marks, scale = SERVER_MARKS, 1
    for key, label in marks:
        values = [v.marks[key] / scale for v in views if v.marks.get(key)]
        print(f"    {label:42} {spread(values)}  (n={len(values)})")
    if mode == "server":
        slow = [v.index for v in views if "states" in v.marks and v.marks["states"] - v.marks["kernel_info"] > CONTROL_COMM_WAIT_S]
        print(f"  update_states more than {CONTROL_COMM_WAIT_S:.0f} s after request_states (a browser would have given up on it and asked "
              f"widget by widget): {len(slow)}")  # fmt: skip
        checked = [v for v in views if v.widgets and not v.widgets["problem"]]
        if checked:
            w = checked[0].widgets
            print(f"  update_states checked for {len(checked)} participant(s); participant {checked[0].index}'s: {w['models']} widget models, "
                  f"the page's root widget among them, {w['Tab']} Tab, {w['Image']} Image with a {w['png_bytes'] / 1e3:.0f} kB PNG")  # fmt: skip
    fired = [v.fired for v in views]
    print(f"  participants started within {max(fired) - min(fired):.2f} s of each other")
    errors: dict[str, list[int]] = {}
    for v in views:
        for text in ([v.failure] if v.failure else []) + v.errors:
            errors.setdefault(text, []).append(v.index)
    for text, who in errors.items():
        print(f"  ! {len(who)} participant(s) {who[:8]}{'...' if len(who) > 8 else ''}: {text}")


def report_timeline(server: Server, burst: float, rows: list[tuple]) -> None:
    """What happened after the burst began, in s since then: samples every 10 s, then what the server's log says."""
    print("\nDuring the burst, every 10 s (CPU s used in the interval; clients: Chromium and this script):")
    print(f"  {'s':>5} {'shown':>5} {'waiting':>7} {'kernels':>7} | {'Voila':>5} {'kernels':>7} {'clients':>8} {'machine':>7}")
    for t, shown, waiting, kernels, c_voila, c_kernels, c_clients, c_all in rows:
        print(f"  {t:5.0f} {shown:5} {waiting:7} {kernels:7} | {c_voila:5.1f} {c_kernels:7.1f} {c_clients:8.1f} {c_all:7.1f}")
    print("  (shown: participants with a first view; waiting: kernels in request_query(), the pool as it refills)")
    since = burst - server.started
    print("\nServer log after the burst began (s since then):")
    print(f"  'Using pre-heated kernel' (a request takes a pool kernel): {span(server.times_of('Using pre-heated kernel', since))}")
    print(f"  'Kernel started' (refill kernels, or kernels for requests that found no pool entry): {span(server.times_of('Kernel started', since))}")
    print(f"  'filled with' (Voila's count of started kernels, not of warm ones): {span(server.times_of('filled with', since))}")


# ---------------------------------------------------------------- main


async def run_participants(server: Server, options) -> dict:
    """The burst, the memory after it, the refill (or --settle s, when the fill delay is longer than --refill-timeout);
    the participants' pages or websockets stay open until all is measured."""
    result: dict = {"rows": []}
    async with contextlib.AsyncExitStack() as stack:
        if options.mode == "browser":
            playwright = await stack.enter_async_context(async_playwright())
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            stack.push_async_callback(browser.close)
        pool_kernels = server.kernels()
        voila = [pid for pid in [server.voila_pid()] if pid]
        cpu_before = (cpu_seconds(voila), cpu_seconds(pool_kernels), cpu_seconds(client_pids()), system_busy_seconds())
        if options.mode == "browser":
            result["views"], contexts, result["burst"] = await open_all(server, browser, options.participants, options.link, options.timeout,
                                                                        options.grace, result["rows"])  # fmt: skip
            for context in contexts:
                stack.push_async_callback(context.close)
        else:
            result["views"], sockets, result["burst"] = await serve_all(server, options.participants, options.link, options.timeout, options.grace,
                                                                        result["rows"])  # fmt: skip
            for socket in sockets:
                stack.push_async_callback(socket.close)
        result["burst_s"] = time.monotonic() - result["burst"]
        new_kernels = [pid for pid in server.kernels() if pid not in pool_kernels]
        clients = "Chromium and this script" if options.mode == "browser" else "this script (the participants)"
        result["cpu"] = {"Voila server": cpu_seconds(voila) - cpu_before[0], "the pool's kernels": cpu_seconds(pool_kernels) - cpu_before[1],
                         f"{len(new_kernels)} kernels started since": cpu_seconds(new_kernels),
                         clients: cpu_seconds(client_pids()) - cpu_before[2], "the whole machine": system_busy_seconds() - cpu_before[3]}  # fmt: skip
        result["load_after_burst"] = load()
        result["after_load"] = measure_server(server, "after the burst")
        chrome = [memory(pid) for pid in chromium_pids()]
        result["chromium"] = (len(chrome), sum(m[0] for m in chrome), sum(m[1] for m in chrome))
        fill_delay = options.fill_delay if options.fill_delay is not None else 1
        if fill_delay < options.refill_timeout:
            print(f"burst done in {result['burst_s']:.1f} s; waiting for Voila to refill the pool ...", flush=True)
            result["refill_s"] = await wait_for_refill(server, options.refill_timeout, settle=options.settle)
            label = "after the pool refilled" if result["refill_s"] is not None else "refill not done"
        else:
            print(f"burst done in {result['burst_s']:.1f} s; the refill comes {fill_delay:g} s after a kernel is taken: "
                  f"measuring again {options.settle:g} s after the burst ...", flush=True)  # fmt: skip
            await asyncio.sleep(max(0.0, options.settle - (time.monotonic() - result["burst"])))
            result["refill_s"] = None
            label = f"{options.settle:g} s later, no refill yet"
        result["after_refill"] = measure_server(server, label)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("server", "browser"), default="server",
                        help="server: participants fetch the page and the widgets' states without rendering (default, the primary measure); "
                             "browser: one Chromium page each, rendered on this machine")  # fmt: skip
    parser.add_argument("--participants", type=int, default=30, help="participants opening the app at once (default 30)")
    parser.add_argument("--pool", type=int, default=30, help="WORKSHOP_POOL: pre-heated kernels (default 30)")
    parser.add_argument("--fill-delay", type=float, default=None, help="WORKSHOP_FILL_DELAY: s after a kernel is taken before the pool "
                        "starts a replacement (default: the Makefile's, 1)")  # fmt: skip
    parser.add_argument("--link", default="", help="what follows the server's URL, e.g. '?preset=shaming-vs-repair' (default none)")
    parser.add_argument("--port", type=int, default=0, help="WORKSHOP_PORT (default: a free port)")
    parser.add_argument("--workshop-args", default="", help="WORKSHOP_ARGS, extra Voila options (default none; for diagnosis only)")
    parser.add_argument("--timeout", type=float, default=60, help="a participant without a first view after this many s has failed (default 60)")
    parser.add_argument("--grace", type=float, default=60, help="s more to watch a failed participant: stuck or slow? (default 60; 0: no)")
    parser.add_argument("--warm-timeout", type=float, default=600, help="s to wait for the pool to be warm (default 600)")
    parser.add_argument("--refill-timeout", type=float, default=180, help="s to wait for Voila to refill the pool after the burst (default 180)")
    parser.add_argument("--settle", type=float, default=30, help="s after the burst before the memory is measured again, at least (default 30)")
    options = parser.parse_args()
    port = options.port or free_port()

    load_start = load()
    print(f"bench_workshop: {os.cpu_count()} cores, {gb(os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE'))} RAM, "
          f"load average (1/5/15 min) {load_start}; mode {options.mode}, {options.participants} participants, pool {options.pool}, "
          f"port {port}", flush=True)  # fmt: skip
    server = start_server(port, options.pool, options.fill_delay, options.workshop_args)
    extra = f" WORKSHOP_FILL_DELAY={options.fill_delay:g}" if options.fill_delay is not None else ""
    extra += f" WORKSHOP_ARGS='{options.workshop_args}'" if options.workshop_args else ""
    print(f"started `make workshop WORKSHOP_PORT={port} WORKSHOP_POOL={options.pool}{extra}` (log {server.log_path})", flush=True)
    try:
        fill = wait_for_warm_pool(server, options.warm_timeout)
        print(f"Voila answers after {fill.answering:.1f} s; 'filled with' logged after {fill.logged:.1f} s; "
              f"all {options.pool} pool kernels waiting in request_query() after {fill.warm:.1f} s", flush=True)  # fmt: skip
        load_before = load()
        time.sleep(2)  # let the last kernel settle before measuring
        warm = measure_server(server, "pool warm, nobody connected")
        result = asyncio.run(run_participants(server, options))
    finally:
        errors_in_log = log_errors(server)
        stopped = stop_server(server)
        time.sleep(1)  # the last lines of the server's output
        errors_at_stop = len(log_errors(server)) - len(errors_in_log)

    print("\n" + "=" * 100)
    print(f"Conditions: {os.cpu_count()} cores; load average (1/5/15) at start {load_start}, when the pool was warm {load_before}, "
          f"after the burst {result['load_after_burst']}, at the end {load()}")  # fmt: skip
    where = "Chromium on the same cores" if options.mode == "browser" else "participants are this script: no rendering"
    print(f"Mode {options.mode}; pool {options.pool}, participants {options.participants}{extra}{', link ' + options.link if options.link else ''}, "
          f"server http://127.0.0.1:{port}/ (loopback; {where})")  # fmt: skip
    print(f"Pool filling: Voila answers {fill.answering:.1f} s, 'filled with' logged {fill.logged:.1f} s, "
          f"all pool kernels in request_query() {fill.warm:.1f} s after `make workshop`")  # fmt: skip
    report_views(result["views"], options.mode)
    report_timeline(server, result["burst"], result["rows"])
    cpu = result["cpu"]
    others = cpu["the whole machine"] - sum(v for k, v in cpu.items() if k != "the whole machine")
    print(f"\nBurst: every participant done (shown, or failed after the grace period) in {result['burst_s']:.1f} s. CPU s used meanwhile: "
          + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
          + f" (everything else, other users of the machine and Playwright's driver included: {others:.1f}); "
          f"{os.cpu_count()} cores x {result['burst_s']:.1f} s = {(os.cpu_count() or 1) * result['burst_s']:.1f} available")  # fmt: skip
    participants = set(result["after_refill"].kernels) - result["after_refill"].waiting
    print("\nServer memory (Voila + kernels; RSS counts shared library pages once per process, PSS shares them out):")
    report_memory(warm, set())
    for mem in (result["after_load"], result["after_refill"]):
        report_memory(mem, participants)
    refill = result["refill_s"]
    if refill is not None:
        done = f"pool back to {options.pool} waiting kernels {refill:.0f} s after the burst"
    elif options.fill_delay is not None and options.fill_delay >= options.refill_timeout:
        done = f"not waited for (fill delay {options.fill_delay:g} s)"
    else:
        done = f"not done within {options.refill_timeout:.0f} s"
    print(f"  refill: {done}; kernel processes: {len(warm.kernels)} before, {len(result['after_load'].kernels)} after the burst, "
          f"{len(result['after_refill'].kernels)} at the last measure")  # fmt: skip
    if options.mode == "browser":
        n_chrome, c_rss, c_pss = result["chromium"]
        print(f"\nChromium (participants' side, not the server): {n_chrome} processes, RSS {gb(c_rss)}, PSS {gb(c_pss)}; "
              f"per participant about {mb(c_pss / max(1, options.participants))} PSS")  # fmt: skip
    print(f"\nServer log: {len(errors_in_log)} ERROR/Traceback line(s){': ' + errors_in_log[0][:200] if errors_in_log else ''} ({server.log_path})")
    print(f"Server {stopped}; {errors_at_stop} ERROR/Traceback line(s) while stopping")


if __name__ == "__main__":
    main()
