"""Notebook 06 in JupyterLab, in a real headless Chromium: run all, change the scenario explorer, time the new picture."""

import statistics
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from .test_lab import nudge, run_all

SHOTS = Path(__file__).parents[2] / "screenshots"

WATCH = """(img) => {
    window.gqShown = [];
    img.addEventListener('load', () => window.gqShown.push(performance.now()));
}"""


def timed_change(page: Page, image: Locator, change) -> float:
    """Milliseconds from a learner's change (``change()``) to the new picture loaded in the page."""
    shown = page.evaluate("window.gqShown.length")
    start = page.evaluate("performance.now()")
    change()
    page.wait_for_function("(n) => window.gqShown.length > n", arg=shown, timeout=30_000)
    return page.evaluate("window.gqShown[window.gqShown.length - 1]") - start


def test_notebook_06_scenario_explorer_redraws_on_response_and_humility(browser, lab_url):
    page, panel = run_all(browser, lab_url, "06_cultural_ruptures.ipynb")

    explorer = panel.locator(".jp-OutputArea .widget-vbox", has=page.locator(".widget-image")).first
    image = explorer.locator(".widget-image").first
    expect(image).to_be_visible(timeout=120_000)
    responses = explorer.locator(".gq-culture-responses").first
    expect(responses).to_contain_text("decided by the leader's multicultural orientation", timeout=30_000)
    before = image.get_attribute("src")
    assert before is not None and before.startswith(("blob:", "data:"))
    image.evaluate(WATCH)

    response = explorer.locator(".widget-dropdown", has=page.locator("label", has_text="response")).locator("select").first
    response.scroll_into_view_if_needed()
    times = [timed_change(page, image, lambda v=value: response.select_option(label=v)) for value in ("addressed", "not addressed", "shaming")]
    expect(responses).to_contain_text("fixed by you", timeout=30_000)
    expect(explorer.locator('.gq-response[data-response="shaming"]')).to_have_text("100%")
    assert image.get_attribute("src") != before

    response.select_option(label="the leader decides (by MCO)")
    expect(responses).to_contain_text("decided by the leader's multicultural orientation", timeout=30_000)
    humility = explorer.locator(".widget-slider", has=page.locator("label", has_text="humility")).first
    for _ in range(4):  # one keyboard step at a time (0.05), each a new picture
        times.append(timed_change(page, image, lambda: nudge(page, humility, "ArrowRight")))
    expect(humility.locator(".widget-readout")).to_have_text("0.80", timeout=30_000)

    # a remark by the leader: shaming is no longer offered, and nothing errs
    made_by = explorer.locator(".widget-dropdown", has=page.locator("label", has_text="made by")).locator("select").first
    made_by.select_option(label="the leader")
    expect(response.locator("option", has_text="shaming")).to_have_count(0, timeout=30_000)
    made_by.select_option(label="a member (m05)")
    expect(response.locator("option", has_text="shaming")).to_have_count(1, timeout=30_000)
    response.select_option(label="shaming")
    expect(responses).to_contain_text("fixed by you", timeout=30_000)
    expect(explorer.locator(".gq-error")).to_have_count(0)
    print(f"notebook 06 explorer, change to new picture in the browser: median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms over {len(times)} changes ({', '.join(f'{t:.0f}' for t in times)})")

    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1300})  # the whole explorer, clear of the status bar
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=str(SHOTS / "lab_notebook_06_explorer.png"))
    page.close()
