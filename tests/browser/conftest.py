"""Real-browser fixtures: Debian's Chromium driven by Playwright, servers on free local ports.

Servers run on a temporary copy of the notebooks (JupyterLab autosaves and would write
outputs into the repository). Set GQKIT_REQUIRE_BROWSER=1 (CI does) to turn a missing
browser into a failure instead of a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/lib/chromium/chromium")  # the binary; /usr/bin/chromium is a shell wrapper
ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
TOKEN = "gqkit-test"

if not CHROMIUM.exists():
    message = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("GQKIT_REQUIRE_BROWSER") == "1":
        raise RuntimeError(message)
    pytest.skip(message, allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("work")
    shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(ROOT / "REFERENCES.md", work / "REFERENCES.md")  # the notebooks link to it as ../REFERENCES.md
    return work


@pytest.fixture(scope="session")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


def start_lab(work: Path, home: Path) -> tuple[subprocess.Popen, object, str]:
    """JupyterLab on a free port over ``work``, with private settings under ``home``: (process, log file, url).

    Also used by benchmarks/bench_browser.py, so the benchmark drives the Lab the tests drive.
    """
    settings = home / "settings"
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }.items():
        path = settings / plugin
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))  # fmt: skip
    port = free_port()
    args = [str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True"]  # fmt: skip
    if os.geteuid() == 0:
        args.append("--allow-root")  # JupyterLab refuses to run as root otherwise
    log = (home / "lab.log").open("w")
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT), log, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def lab_url(work, tmp_path_factory):
    proc, log, url = start_lab(work, tmp_path_factory.mktemp("jupyter"))
    try:
        wait_for(f"{url}/api/status?token={TOKEN}")
        yield url
    finally:
        stop(proc)
        log.close()


def start_workshop(log_path: Path, pool: int = 2) -> tuple[subprocess.Popen, object, str]:
    """The workshop app started the README's way (``make workshop``) on a free port: (process, log file, url).

    The process leads its own process group (make, Voila and the kernels): stop it with :func:`stop_group`.
    """
    port = free_port()
    env = dict(os.environ, WORKSHOP_PORT=str(port), WORKSHOP_POOL=str(pool))
    log = log_path.open("w")
    proc = subprocess.Popen(["make", "--no-print-directory", "workshop"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, log, f"http://127.0.0.1:{port}"


def stop_group(proc: subprocess.Popen) -> None:
    """Stop a process started with ``start_new_session=True`` and everything it started."""
    import signal

    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
